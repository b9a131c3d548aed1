// uchetd's kiosk API (/api/v1/kiosk/…, docs/ENROLMENT.md), authenticated
// with this kiosk's key (docs/KIOSK.md: typed once on the setup screen,
// kept in this browser profile's localStorage). Requests go through the
// one API client (/common/api.js); a refusal rejects with its ApiError.
import { ApiError, fetchJson } from '/common/api.js';

export { ApiError };

const KEY = 'uchet.kiosk.key';

// Time spent waiting for uchetd, for the benchmark (docs/BENCHMARKS.md).
export const timings = { uchetMs: 0, calls: 0, per: [] };

export function kioskKey() {
  return localStorage.getItem(KEY) || '';
}

export function setKioskKey(key) {
  localStorage.setItem(KEY, key);
}

function auth() {
  return `Kiosk ${kioskKey()}`;
}

// One request, timed. opts: public (no key), type (of a Uint8Array body), raw.
async function call(method, path, body, opts = {}) {
  const t0 = performance.now();
  try {
    return await fetchJson(method, path, { body, type: opts.type, raw: opts.raw, auth: opts.public ? undefined : auth() });
  } finally {
    const ms = performance.now() - t0;
    timings.uchetMs += ms;
    timings.calls += 1;
    timings.per.push(`${method} ${path.replace(/[0-9a-f]{32}/, '{id}').replace('/api/v1/', '')} ${Math.round(ms)}`);
  }
}

const S = '/api/v1/kiosk/sessions';

export const uchet = {
  start: () => call('POST', S),
  abandon: (sid) => call('DELETE', `${S}/${sid}`),
  look: (sid) => call('GET', `${S}/${sid}`),
  // body: { sbi: the document device's answer } or { camera: base64 JPEG }
  // (uchetd reads the zone and keeps the page), or { text: the zone }
  document: (sid, body) => call('PUT', `${S}/${sid}/document`, body),
  details: (sid, d) => call('PUT', `${S}/${sid}/details`, d),
  capture: (sid, kind, body) => call('PUT', `${S}/${sid}/captures/${kind}`, body),
  // pad: the pad's { width, height } in 0.001 inch, which bounds the points
  signature: (sid, points, pad) => call('PUT', `${S}/${sid}/signature`, { points, pad }),
  submit: (sid) => call('POST', `${S}/${sid}/submit`),
  status: (receipt, birthDate) => call('GET',
    `/api/v1/kiosk/enrolments/${encodeURIComponent(receipt)}/status?birth_date=${encodeURIComponent(birthDate)}`,
    undefined, { public: true }),
};
