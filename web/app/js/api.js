// The app's policy over the one API client (/common/api.js): the session
// token, the offline banner and snapshot, the password re-check. The token
// lives in localStorage (never in a URL) so an installed app keeps its
// session; logOut() removes it together with the cached status.

import { ApiError, bearer, failure, request } from '/common/api.js';
import { setUnreachable } from './offline.js';

export { ApiError };

// Limits the server enforces, checked early to spare a round trip.
export const PASSWORD_MIN = 12;   // ASVS 2.1.1 (issue 12); the server also refuses common passwords
export const PASSWORD_MAX = 128;
// An appeal's reason, in characters (POST /me/appeals).
export const APPEAL_REASON_MIN = 10;
export const APPEAL_REASON_MAX = 500;

const TOKEN_KEY = 'uchet.token';
const SNAPSHOT_KEY = 'uchet.me';
const RESIDENCE_KEY = 'uchet.residence';

// Set when the server ended our session (expired or revoked), so that the
// log-in screen can say why the person has to log in again.
let sessionEnded = false;

// True once after the server ended the session; resets itself.
export function takeSessionEnded() {
  const value = sessionEnded;
  sessionEnded = false;
  return value;
}

export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  localStorage.setItem(TOKEN_KEY, value);
}

function clearLocal() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(SNAPSHOT_KEY);
  localStorage.removeItem(RESIDENCE_KEY);
}

// Actions that change the record want the password typed recently in this
// session (issue 17): the server answers 403 password_recheck_required. The
// shell sets a prompt (recheck.js) that asks for the password and checks it
// with the given function; call() then sends the request once more.
let passwordPrompt = null;

export function setPasswordPrompt(fn) {
  passwordPrompt = fn;
}

// Checks the password for this session (POST /session/recheck); rejects
// with ApiError (wrong_password, rate_limited, ...).
export function recheck(password) {
  return send('POST', '/api/v1/session/recheck', { password });
}

// Sends one request. Resolves to the parsed JSON body (null for 204);
// rejects with ApiError. A 401 on an authenticated call drops the token,
// because the session is gone and keeping it only causes more 401s.
// body: a JSON value, or a Blob (a photo, a PDF) sent as `type`.
export async function call(method, path, body, type) {
  try {
    return await send(method, path, body, type);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'password_recheck_required' || !passwordPrompt) throw err;
    if (!(await passwordPrompt(recheck))) throw err;
    return send(method, path, body, type);
  }
}

// A short label for this device, shown in the list of one's sessions.
export function deviceLabel() {
  const ua = navigator.userAgent || '';
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua)) return 'iPad';
  if (/Android/.test(ua)) return /Mobile/.test(ua) ? 'Android phone' : 'Android tablet';
  if (/Windows/.test(ua)) return 'Windows computer';
  if (/Macintosh/.test(ua)) return 'Mac';
  if (/Linux/.test(ua)) return 'Linux computer';
  return '';
}

// Slides the session's expiry (the server keeps it for weeks from the last
// renewal, up to a cap). Best effort: a failure changes nothing here, and a
// 401 drops the token like any other call.
export async function renew() {
  if (!token()) return;
  try {
    await send('POST', '/api/v1/session/renew');
  } catch {
    // Offline or gone: the next call tells.
  }
}

// One request with this phone's token. A 401 on an authenticated call
// drops the token and the local copies (the session is gone).
async function send(method, path, body, type) {
  const auth = token();
  let res;
  try {
    res = await request(method, path, { body, type, auth: bearer(auth) });
  } catch (err) {
    if (err instanceof ApiError) setUnreachable(true);
    throw err;
  }
  setUnreachable(false);
  if (res.ok) return res.body;
  if (res.status === 401 && auth) {
    clearLocal();
    sessionEnded = true;
  }
  throw failure(res);
}

// The status last seen from GET /me, to show (marked as old) when offline.
export function saveSnapshot(me) {
  localStorage.setItem(SNAPSHOT_KEY, JSON.stringify({ saved_at: Date.now(), me }));
}

// The address part of the last residence seen (no reference point), so that
// registering again after a lapse is one step.
export function saveResidence(res) {
  const { settlement, street, house, building, apartment, address_id: addressId } = res;
  localStorage.setItem(RESIDENCE_KEY,
    JSON.stringify({ settlement, street, house, building, apartment, address_id: addressId }));
}

export function loadResidence() {
  try {
    return JSON.parse(localStorage.getItem(RESIDENCE_KEY) || 'null');
  } catch {
    return null;
  }
}

export function loadSnapshot() {
  try {
    return JSON.parse(localStorage.getItem(SNAPSHOT_KEY) || 'null');
  } catch {
    return null;
  }
}

// Ends the session on the server (best effort: a failed call must not keep
// the person logged in on this phone) and forgets everything local.
export async function logOut() {
  try {
    if (token()) await call('DELETE', '/api/v1/session');
  } catch {
    // The token is dropped below either way.
  }
  clearLocal();
}

// True when the error means "this endpoint does not exist here yet".
export function isMissing(err) {
  return err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501);
}
