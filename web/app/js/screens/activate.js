// Activation: the code from the migration centre and a new password.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { currentLanguage, t } from '/common/i18n.js';
import { button, errorText, field, link, notice, page, slot } from '../ui.js';

const { PASSWORD_MIN, PASSWORD_MAX } = api;

// The person's words for a password problem, or null when it is fine.
export function passwordProblem(password, repeat) {
  if (password.length < PASSWORD_MIN) return t('error.password_too_short', { min: PASSWORD_MIN });
  if (password.length > PASSWORD_MAX) return t('error.password_too_long', { max: PASSWORD_MAX });
  if (repeat !== undefined && repeat !== password) return t('activate.mismatch');
  return null;
}

// After a first sign-in, the server learns the language chosen on the phone
// so that notices come in it. A failure here is not worth stopping for.
export async function sendLanguage() {
  try {
    await api.call('PATCH', '/api/v1/me', { language: currentLanguage() });
  } catch {
    // Settings → Language can retry later.
  }
}

export async function render(ctx) {
  const code = field(t('activate.code'), {
    name: 'activation_code', autocomplete: 'one-time-code', autocapitalize: 'characters',
    spellcheck: 'false', required: true,
  }, t('activate.code_hint'));
  const pw = field(t('activate.password'), {
    type: 'password', name: 'password', autocomplete: 'new-password', required: true,
  }, t('activate.password_hint', { min: PASSWORD_MIN }));
  const pw2 = field(t('activate.password_repeat'), {
    type: 'password', name: 'password_repeat', autocomplete: 'new-password', required: true,
  });
  const status = slot();
  const submit = button(t('activate.submit'), { type: 'submit', class: 'btn btn-primary' });

  async function onSubmit(ev) {
    ev.preventDefault();
    status.replaceChildren();
    const activationCode = code.input.value.trim();
    code.setError(activationCode ? null : t('form.required'));
    const problem = passwordProblem(pw.input.value, pw2.input.value);
    pw.setError(problem);
    if (!activationCode) { code.input.focus(); return; }
    if (problem) { pw.input.focus(); return; }
    submit.disabled = true;
    try {
      const res = await api.call('POST', '/api/v1/activation',
        { activation_code: activationCode, password: pw.input.value, device: api.deviceLabel() });
      api.setToken(res.token);
      await sendLanguage();
      ctx.go('home');
    } catch (err) {
      if (err.code && err.code.startsWith('password_')) pw.setError(errorText(err));
      else if (err.code === 'activation_code_invalid') code.setError(errorText(err));
      else status.replaceChildren(notice('error', errorText(err)));
    } finally {
      submit.disabled = false;
    }
  }

  return page(t('activate.title'),
    h('p', {}, t('activate.intro')),
    h('form', { novalidate: true, onsubmit: onSubmit },
      code.wrap, pw.wrap, pw2.wrap, status, h('div', { class: 'stack' }, submit)),
    h('p', {}, link(t('activate.have_password'), 'login', 'link')));
}
