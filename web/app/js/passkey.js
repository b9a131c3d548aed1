// Passkeys (issue 17, docs/PASSKEYS.md): log in with the phone's own screen
// lock instead of the password. Offered only where the browser has
// WebAuthn (window.PublicKeyCredential); the server checks everything
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

// Logs in with a passkey the phone offers; resolves once the token is kept.
export async function logInWithPasskey() {
  const opts = (await api.call('POST', '/api/v1/session/passkey/options')).public_key;
  const cred = await navigator.credentials.get({
    publicKey: { ...opts, challenge: fromB64u(opts.challenge), allowCredentials: [] },
  });
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

// The log-in page's "Log in with a passkey" button and its status line;
// null where the browser has no WebAuthn or no passkey was set up on it.
export function loginButton(ctx) {
  if (!supported() || !localStorage.getItem(HAS_PASSKEY_KEY)) return null;
  const status = slot();
  const btn = button(t('passkey.login'), { type: 'button', class: 'btn btn-secondary', 'data-passkey': 'login' });
  btn.addEventListener('click', async () => {
    status.replaceChildren();
    btn.disabled = true;
    try {
      await logInWithPasskey();
      ctx.go('home');
    } catch (err) {
      status.replaceChildren(notice('error', failureText(err)));
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
