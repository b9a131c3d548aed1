// The one HTTP client for uchetd, shared by the app, the desk, the host page
// and the kiosk: it sends JSON (or raw bytes), attaches the credential,
// parses JSON and problem+json answers, reads Retry-After, fetches binary
// answers (images, PDFs) as Blobs, and gives every "no answer at all" one
// shape. Each front end keeps only its own policy on top (the app's offline
// snapshot and password re-check, the desk's "session over", the kiosk's
// timings): web/app/js/api.js, web/desk/desk.js, web/kiosk/js/uchet.js.
// API answers carry personal data, so none is ever cached by the browser,
// and no cookie is sent (credentials travel in Authorization only).

// The code of a request that got no answer: the network is down, the
// server did not answer within the time asked for, or it is unreachable.
export const OFFLINE = 'offline';

// A failed request. `code` is the server's stable problem code, or OFFLINE
// (status 0: no answer), or 'http_<status>' when the body had none. `body`
// is the parsed problem (an empty object when there was none), for the
// fields some answers carry besides the code (e.g. the kiosk's results).
export class ApiError extends Error {
  constructor(status, code, detail, retryAfter, body) {
    super(code);
    this.status = status;
    this.code = code;
    this.detail = detail || '';
    this.retryAfter = retryAfter;
    this.body = body || {};
  }
}

export function bearer(token) {
  return token ? `Bearer ${token}` : undefined;
}

// Sends one request and resolves to the answer, whatever its status:
//   {status, ok, body, blob, retryAfter, code, detail}
// body is the parsed JSON (null for none or not JSON), blob the bytes of a
// successful answer when opts.raw, retryAfter the seconds of Retry-After
// (undefined when absent), code/detail the problem's (code 'http_<status>'
// when the body had none; null on success).
// Rejects only when there is no answer: ApiError(0, OFFLINE), with
// timedOut set when opts.timeoutMs ran out. An abort through opts.signal
// rejects with the caller's own AbortError.
// opts: auth (the whole Authorization value, e.g. bearer(token)), body (a
// JSON value, or a Uint8Array/Blob sent as opts.type), raw, timeoutMs, signal.
export async function request(method, path, opts = {}) {
  const headers = { Accept: opts.raw ? '*/*' : 'application/json' };
  if (opts.auth) headers.Authorization = opts.auth;
  let payload;
  if (opts.body instanceof Uint8Array || (typeof Blob !== 'undefined' && opts.body instanceof Blob)) {
    headers['Content-Type'] = opts.type || 'application/octet-stream';
    payload = opts.body;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(opts.body);
  }
  // One controller for both ends: the caller's signal and the timeout.
  const timer = opts.timeoutMs ? new AbortController() : null;
  const timeout = timer && setTimeout(() => timer.abort(), opts.timeoutMs);
  if (timer && opts.signal) opts.signal.addEventListener('abort', () => timer.abort(), { once: true });
  const signal = timer ? timer.signal : opts.signal;
  try {
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload, signal, cache: 'no-store', credentials: 'omit' });
    } catch (err) {
      if (opts.signal && opts.signal.aborted) throw err;
      const offline = new ApiError(0, OFFLINE, '');
      offline.timedOut = Boolean(timer && timer.signal.aborted);   // only the timeout aborts it here
      throw offline;
    }
    return await answer(res, opts.raw);
  } finally {
    if (timeout) clearTimeout(timeout);
  }
}

async function answer(res, raw) {
  const retry = Number.parseInt(res.headers.get('Retry-After') || '', 10);
  const out = { status: res.status, ok: res.ok, body: null, blob: null,
    retryAfter: Number.isFinite(retry) ? retry : undefined, code: null, detail: '' };
  if (raw && res.ok) {
    out.blob = await res.blob();
    return out;
  }
  const text = res.status === 204 ? '' : await res.text().catch(() => '');
  try {
    out.body = text ? JSON.parse(text) : null;
  } catch {
    out.body = null;
  }
  if (!res.ok) {
    out.code = out.body && typeof out.body.code === 'string' ? out.body.code : `http_${res.status}`;
    out.detail = (out.body && out.body.detail) || '';
  }
  return out;
}

// The ApiError for an answer that is not ok (request()'s result).
export function failure(res) {
  return new ApiError(res.status, res.code, res.detail, res.retryAfter, res.body);
}

// request() for callers that want the body or an error: resolves to the
// parsed body (null for none; the Blob when opts.raw), rejects with ApiError.
export async function fetchJson(method, path, opts = {}) {
  const res = await request(method, path, opts);
  if (!res.ok) throw failure(res);
  return opts.raw ? res.blob : res.body;
}
