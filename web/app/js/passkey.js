// Passkeys (issue 17, docs/PASSKEYS.md): log in with the phone's own screen
// lock instead of the password. Offered only where the browser has
// WebAuthn (window.PublicKeyCredential): in the card-number field's autofill
// where the browser supports conditional mediation, and as a button on a
// phone where a passkey was added or used; the server checks everything
// (src/rules/webauthn.c), this file only carries bytes between the
// browser's navigator.credentials and the API as base64url.

import { h } from '/common/dom.js';
import * as api from './api.js';
import { t } from '/common/i18n.js';
import { formatMoment } from '/common/format.js';
import { button, errorText, notice, slot } from './ui.js';
import { sendLanguage } from './screens/activate.js';

export function supported() {
  return typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;
}

// Set on a phone once a passkey was added or used on it, so the log-in page
// offers "Log in with a passkey" only where one can work (a button that
// always fails would be a dead end); cleared when the server no longer knows
// the passkey. Not removed at log-out: a passkey outlives sessions.
const HAS_PASSKEY_KEY = 'uchet.passkey';

function rememberPasskey(on) {
  if (on) localStorage.setItem(HAS_PASSKEY_KEY, '1');
  else localStorage.removeItem(HAS_PASSKEY_KEY);
}

function toB64u(buf) {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64u(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// The browser said no (the person cancelled, or no passkey was chosen):
// not a server error, so it gets its own message.
function cancelled(err) {
  return err && (err.name === 'NotAllowedError' || err.name === 'AbortError');
}

// The checks' own codes (webauthn_*) say what was wrong in terms a person
// cannot act on; they share one message with the way out. The codes with a
// step of their own (passkey_unknown, webauthn_counter, ...) keep it.
function failureText(err) {
  if (cancelled(err)) return t('passkey.cancelled');
  const generic = err instanceof api.ApiError && ((err.code.startsWith('webauthn_') && err.code !== 'webauthn_counter')
    || err.code === 'passkeys_disabled' || err.code === 'passkey_not_found');
  return generic ? t('passkey.failed') : errorText(err);
}

// Registers a passkey for the logged-in person.
export async function addPasskey() {
  await stopAutofill();
  const opts = (await api.call('POST', '/api/v1/me/passkeys/options')).public_key;
  const publicKey = {
    ...opts,
    challenge: fromB64u(opts.challenge),
    user: { ...opts.user, id: fromB64u(opts.user.id) },
    excludeCredentials: opts.excludeCredentials.map((c) => ({ ...c, id: fromB64u(c.id) })),
  };
  const cred = await navigator.credentials.create({ publicKey });
  const res = await api.call('POST', '/api/v1/me/passkeys', {
    client_data_json: toB64u(cred.response.clientDataJSON),
    attestation_object: toB64u(cred.response.attestationObject),
  });
  rememberPasskey(true);
  return res;
}

// The log-in challenge (POST /api/v1/session/passkey/options), kept for
// this tab (sessionStorage) until used or near its 5 minutes: the server
// writes a row for each one it issues, and the autofill offer below asks for
// one whenever the log-in page is shown, so a person going back and forth
// or reloading reuses the challenge instead of writing a row per page view.
const OPTIONS_KEY = 'uchet.passkey_options';
const OPTIONS_REUSE_MS = 4 * 60 * 1000;   // a minute short of the server's expiry: time to choose
const AUTOFILL_RETRY_MS = 500;   // a conditional request the browser refused: asked again after this
const AUTOFILL_TRIES = 3;        // ... at most this many times more

function keptOptions() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(OPTIONS_KEY) || 'null');
    const age = kept ? Date.now() - kept.at : -1;
    return age >= 0 && age < OPTIONS_REUSE_MS && kept.opts?.challenge ? kept : null;
  } catch {
    return null;
  }
}

async function loginOptions() {
  const kept = keptOptions();
  if (kept) return kept;
  const fresh = { at: Date.now(), opts: (await api.call('POST', '/api/v1/session/passkey/options')).public_key };
  sessionStorage.setItem(OPTIONS_KEY, JSON.stringify(fresh));
  return fresh;
}

function requestOf(opts) {
  return { ...opts, challenge: fromB64u(opts.challenge), allowCredentials: [] };
}

// Sends the phone's answer and keeps the session. The server deletes the
// challenge with any answer, right or wrong, so it is not reused after this.
async function finishLogIn(cred) {
  sessionStorage.removeItem(OPTIONS_KEY);
  const r = cred.response;
  let res;
  try {
    res = await api.call('POST', '/api/v1/session/passkey', {
      credential_id: toB64u(cred.rawId),
      client_data_json: toB64u(r.clientDataJSON),
      authenticator_data: toB64u(r.authenticatorData),
      signature: toB64u(r.signature),
      user_handle: r.userHandle ? toB64u(r.userHandle) : null,
    });
  } catch (err) {
    if (err instanceof api.ApiError && err.code === 'passkey_unknown') rememberPasskey(false);
    throw err;
  }
  rememberPasskey(true);
  api.setToken(res.token);
  await sendLanguage();
}

// Logs in with a passkey the phone offers; resolves once the token is kept.
export async function logInWithPasskey() {
  const { opts } = await loginOptions();
  await finishLogIn(await navigator.credentials.get({ publicKey: requestOf(opts) }));
}

// --- the card-number field's autofill (WebAuthn conditional mediation) ---
// A passkey synced to a new phone (Google Password Manager, iCloud
// Keychain) was never added or used in this browser, so the button below is
// not shown there; the browser itself offers the passkey among the field's
// suggestions instead, and only when it has one for this site: nothing dead
// is shown. One request at a time per page: the browser refuses a second
// ("a request is already pending"), so the button and Settings' "add" stop
// this one first, and leaving the page stops it.
let autofill = null;   // {ctl: AbortController, timer, settled} of the request in flight

// Stops the autofill request; resolves once the browser has let it go.
function stopAutofill() {
  const was = autofill;
  autofill = null;
  if (!was) return Promise.resolve();
  clearTimeout(was.timer);
  was.ctl.abort();
  return was.settled || Promise.resolve();
}
window.addEventListener('hashchange', stopAutofill);

async function conditionalAvailable() {
  try {
    return supported() && typeof PublicKeyCredential.isConditionalMediationAvailable === 'function'
      && await PublicKeyCredential.isConditionalMediationAvailable();
  } catch {
    return false;
  }
}

// Runs fn now if the page is shown, else once it is shown again: a log-in
// page left open in a background tab asks for no new challenges.
function whenShown(fn) {
  if (!document.hidden) fn();
  else document.addEventListener('visibilitychange', () => whenShown(fn), { once: true });
}

// Offers the phone's passkeys in the autofill of field (an input marked
// autocomplete="username webauthn"); a choice logs in and goes home, a
// failure is shown in status. While the request waits, the field carries
// data-passkey-autofill="pending". Offline, with passkeys off on the server or
// in a browser without conditional mediation it does nothing: the password
// form and the button stay. tries: how many times the browser refused the
// request already.
export async function armAutofill(ctx, status, field, tries = 0) {
  const previous = stopAutofill();
  const mine = { ctl: new AbortController(), timer: 0 };
  autofill = mine;
  let kept;
  try {
    await previous;
    if (!(await conditionalAvailable())) return;
    if (autofill === mine) kept = await loginOptions();
  } catch {
    return;
  }
  if (autofill !== mine) return;
  // Before the challenge expires, a fresh one for a page still open.
  mine.timer = setTimeout(() => whenShown(() => {
    if (autofill === mine) armAutofill(ctx, status, field);
  }), kept.at + OPTIONS_REUSE_MS - Date.now());
  const asked = navigator.credentials.get({
    mediation: 'conditional', signal: mine.ctl.signal, publicKey: requestOf(kept.opts),
  });
  field.dataset.passkeyAutofill = 'pending';
  mine.settled = asked.then(() => {}, () => {}).finally(() => { delete field.dataset.passkeyAutofill; });
  let cred;
  try {
    cred = await asked;
  } catch {
    // Stopped by us: nothing to say. A conditional request is never
    // refused for nothing chosen, so any other refusal is the browser's:
    // Chromium refuses one while the page before a reload still holds its
    // own ("a request is already pending"). Asked again shortly, with the
    // same challenge, so the field does not silently lose its passkeys.
    if (autofill === mine && !mine.ctl.signal.aborted && tries < AUTOFILL_TRIES) {
      setTimeout(() => { if (autofill === mine) armAutofill(ctx, status, field, tries + 1); }, AUTOFILL_RETRY_MS);
    }
    return;
  }
  if (autofill === mine) stopAutofill();
  try {
    await finishLogIn(cred);
    ctx.go('home');
  } catch (err) {
    status.replaceChildren(notice('error', failureText(err)));
    rearmAutofill(ctx, status, field, false);
  }
}

// Offers autofill again after a passkey log-in that did not happen: at once
// when the person only cancelled, else once they come back to the field, as
// a browser that answers by itself would otherwise fail in a loop.
function rearmAutofill(ctx, status, field, now) {
  if (now) armAutofill(ctx, status, field);
  else field.addEventListener('focus', () => armAutofill(ctx, status, field), { once: true });
}

// The log-in page's "Log in with a passkey" button and its status line;
// null where the browser has no WebAuthn or no passkey was set up on it.
// It stops the autofill request before its own and offers autofill again
// (armAutofill's status and field) when it did not log in.
export function loginButton(ctx, autofillStatus, field) {
  if (!supported() || !localStorage.getItem(HAS_PASSKEY_KEY)) return null;
  const status = slot();
  const btn = button(t('passkey.login'), { type: 'button', class: 'btn btn-secondary', 'data-passkey': 'login' });
  btn.addEventListener('click', async () => {
    status.replaceChildren();
    btn.disabled = true;
    await stopAutofill();
    try {
      await logInWithPasskey();
      ctx.go('home');
    } catch (err) {
      status.replaceChildren(notice('error', failureText(err)));
      rearmAutofill(ctx, autofillStatus, field, cancelled(err));
    } finally {
      btn.disabled = false;
    }
  });
  return h('div', { class: 'stack' }, status, btn);
}

function listItem(p, refresh, status) {
  const remove = button(t('passkey.remove'), { type: 'button', class: 'btn btn-secondary' });
  remove.addEventListener('click', async () => {
    remove.disabled = true;
    try {
      await api.call('DELETE', `/api/v1/me/passkeys/${p.id}`);
      await refresh();
    } catch (err) {
      status.replaceChildren(notice('error', errorText(err)));
      remove.disabled = false;
    }
  });
  return h('li', { class: 'card' },
    h('p', {}, t('passkey.added_at', { when: formatMoment(p.created_at) })),
    p.last_used_at ? h('p', { class: 'hint' }, t('passkey.used_at', { when: formatMoment(p.last_used_at) })) : null,
    remove);
}

// The settings section: the person's passkeys, add and remove. null where
// the browser has no WebAuthn or the server has passkeys off.
export async function settingsSection() {
  if (!supported()) return null;
  const list = h('ul', { class: 'list', 'data-passkeys': '' });
  const status = slot();
  async function refresh() {
    const { passkeys } = await api.call('GET', '/api/v1/me/passkeys');
    list.replaceChildren(...(passkeys.length
      ? passkeys.map((p) => listItem(p, refresh, status))
      : [h('li', { class: 'hint' }, t('passkey.none'))]));
  }
  try {
    await refresh();
  } catch {
    return null;   // passkeys_disabled, or offline: say nothing rather than offer what cannot work
  }
  const add = button(t('passkey.add'), { type: 'button', class: 'btn btn-secondary', 'data-passkey': 'add' });
  add.addEventListener('click', async () => {
    status.replaceChildren();
    add.disabled = true;
    try {
      await addPasskey();
      await refresh();
      status.replaceChildren(notice('ok', t('passkey.added')));
    } catch (err) {
      status.replaceChildren(notice('error', failureText(err)));
    } finally {
      add.disabled = false;
    }
  });
  return h('section', {},
    h('h2', {}, t('passkey.title')),
    h('p', { class: 'hint' }, t('passkey.hint')),
    list, status, add);
}
