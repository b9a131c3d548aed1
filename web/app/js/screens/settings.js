// Settings: language, what the service knows about me, the password, where
// I am logged in, log-out (here or everywhere).

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { LANGUAGES, currentLanguage, t } from '/common/i18n.js';
import { formatDate, formatLocal } from '/common/format.js';
import { loadMe } from '../state.js';
import { countryName } from '../format.js';
import { settingsSection } from '../passkey.js';
import { button, errorText, field, link, notice, page, slot } from '../ui.js';
import { passwordProblem } from './activate.js';

function personCard(person) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return h('dl', { class: 'card facts' },
    row(t('settings.name'), `${person.surname} ${person.given_names}`),
    row(t('settings.birth_date'), formatDate(person.birth_date)),
    row(t('settings.citizenship'), countryName(person.citizenship, currentLanguage())));
}

// The password change: the current one and a new one (twice). The server
// ends every other session; this one stays.
function passwordForm() {
  const cur = field(t('settings.current_password'), {
    type: 'password', name: 'current_password', autocomplete: 'current-password', required: true,
  });
  const pw = field(t('settings.new_password'), {
    type: 'password', name: 'new_password', autocomplete: 'new-password', required: true,
  }, t('activate.password_hint', { min: api.PASSWORD_MIN }));
  const pw2 = field(t('activate.password_repeat'), {
    type: 'password', name: 'new_password_repeat', autocomplete: 'new-password', required: true,
  });
  const status = slot();
  const submit = button(t('settings.change_password'), { type: 'submit', class: 'btn btn-primary' });
  async function onSubmit(ev) {
    ev.preventDefault();
    status.replaceChildren();
    cur.setError(cur.input.value ? null : t('form.required'));
    const problem = passwordProblem(pw.input.value, pw2.input.value);
    pw.setError(problem);
    if (!cur.input.value || problem) return;
    submit.disabled = true;
    try {
      await api.call('POST', '/api/v1/me/password',
        { current_password: cur.input.value, new_password: pw.input.value });
      for (const f of [cur, pw, pw2]) f.input.value = '';
      status.replaceChildren(notice('ok', t('settings.password_changed')));
    } catch (err) {
      status.replaceChildren(notice('error', errorText(err)));
    } finally {
      submit.disabled = false;
    }
  }
  return h('form', { novalidate: true, onsubmit: onSubmit, class: 'password-change' },
    cur.wrap, pw.wrap, pw2.wrap, status, h('div', { class: 'stack' }, submit));
}

// One's open sessions: device, when logged in, when last used.
async function sessionList() {
  let sessions;
  try {
    sessions = (await api.call('GET', '/api/v1/me/sessions')).sessions;
  } catch {
    return null;   // the rest of the screen still works
  }
  const when = (iso) => formatLocal(new Date(iso));
  return h('ul', { class: 'card sessions' }, sessions.map((s) => h('li', {},
    t('settings.device_line', {
      device: s.current ? t('settings.this_device') : (s.device || t('settings.device_unknown')),
      created: when(s.created_at),
      used: when(s.last_used_at),
    }))));
}

export async function render(ctx) {
  let person = null;
  try {
    person = (await loadMe()).me.person;
  } catch {
    // Log-out must stay reachable even when the status cannot be loaded.
  }
  const passkeys = await settingsSection();
  const name = (LANGUAGES.find(([c]) => c === currentLanguage()) || [])[1];
  const out = button(t('settings.logout'), { class: 'btn btn-danger' });
  out.addEventListener('click', async () => {
    out.disabled = true;
    await api.logOut();
    ctx.go('welcome');
  });
  const everywhere = button(t('settings.logout_everywhere'), { class: 'btn btn-danger' });
  everywhere.addEventListener('click', async () => {
    everywhere.disabled = true;
    try {
      await api.call('DELETE', '/api/v1/me/sessions');
    } catch {
      // A 401 has dropped the token already; anything else: log out here anyway.
    }
    await api.logOut();
    ctx.go('welcome');
  });
  return page(t('settings.title'),
    person ? personCard(person) : null,
    h('h2', {}, t('settings.language')),
    h('p', {}, name),
    link(t('settings.change_language'), 'language'),
    passkeys,
    h('h2', {}, t('settings.password')),
    passwordForm(),
    h('h2', {}, t('settings.devices')),
    await sessionList(),
    h('p', {}, t('settings.logout_everywhere_hint')),
    everywhere,
    h('h2', {}, t('settings.session')),
    h('p', {}, t('settings.logout_hint')),
    out);
}
