// uchetd's kiosk API (/api/v1/kiosk/…, docs/ENROLMENT.md), authenticated
// with this kiosk's key (docs/KIOSK.md: typed once on the setup screen,
// kept in this browser profile's localStorage).

const KEY = 'uchet.kiosk.key';

// Time spent waiting for uchetd, for the benchmark (docs/BENCHMARKS.md).
export const timings = { uchetMs: 0, calls: 0, per: [] };

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.code) || `http_${status}`);
    this.status = status;
    this.code = (body && body.code) || `http_${status}`;
    this.body = body || {};
  }
}

export function kioskKey() {
  return localStorage.getItem(KEY) || '';
}

export function setKioskKey(key) {
  localStorage.setItem(KEY, key);
}

async function call(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (!opts.public) headers.Authorization = `Kiosk ${kioskKey()}`;
  let payload;
  if (body instanceof Uint8Array) {
    headers['Content-Type'] = opts.type;
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const t0 = performance.now();
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, { code: 'network' });
  } finally {
    const ms = performance.now() - t0;
    timings.uchetMs += ms;
    timings.calls += 1;
    timings.per.push(`${method} ${path.replace(/[0-9a-f]{32}/, '{id}').replace('/api/v1/', '')} ${Math.round(ms)}`);
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const S = '/api/v1/kiosk/sessions';

export const uchet = {
  start: () => call('POST', S),
  abandon: (sid) => call('DELETE', `${S}/${sid}`),
  look: (sid) => call('GET', `${S}/${sid}`),
  document: (sid, text) => call('PUT', `${S}/${sid}/document`, { text }),
  details: (sid, d) => call('PUT', `${S}/${sid}/details`, d),
  capture: (sid, kind, body) => call('PUT', `${S}/${sid}/captures/${kind}`, body),
  signature: (sid, points) => call('PUT', `${S}/${sid}/signature`, { points }),
  submit: (sid) => call('POST', `${S}/${sid}/submit`),
  // The document check reads the zone off the scanned page (OCR).
  readZone: (png) => call('POST', '/api/v1/documents/mrz', png, { type: 'image/png', public: true }),
  status: (receipt, birthDate) => call('GET',
    `/api/v1/kiosk/enrolments/${encodeURIComponent(receipt)}/status?birth_date=${encodeURIComponent(birthDate)}`,
    undefined, { public: true }),
};

// The receipt PDF (cairo + pango, with a QR of the number): only the
// submitting kiosk may fetch it, for a few minutes after submit, so it is
// fetched with the key rather than linked. Resolves to a Blob.
export async function receiptPdf(receipt, lang) {
  const path = `/api/v1/kiosk/enrolments/${encodeURIComponent(receipt)}/receipt.pdf?lang=${encodeURIComponent(lang)}`;
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: `Kiosk ${kioskKey()}` } });
  } catch {
    throw new ApiError(0, { code: 'network' });
  }
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return res.blob();
}
