// Log-in with the foreign citizen's card number, or the passport number
// when the card is lost.

import { h, uid } from '/common/dom.js';
import * as api from '../api.js';
import { currentLanguage, t } from '/common/i18n.js';
import { button, errorText, field, link, notice, page, slot } from '../ui.js';
import { sendLanguage } from './activate.js';
import { armAutofill, loginButton } from '../passkey.js';
import { regionName } from '../format.js';

// Where to get a new activation code when the password is forgotten: the
// migration centres' addresses the server has (regions.centre_address);
// none listed, the text alone says "the migration centre". Opening hours are
// not in uchet's data, so none are shown rather than invented.
async function forgotten() {
  let centres = [];
  try {
    centres = ((await api.call('GET', '/api/v1/regions')).items || []).filter((r) => r.centre_address);
  } catch {
    // Offline: the text alone still says where to go.
  }
  return h('section', { class: 'forgot', 'data-testid': 'forgot-password' },
    h('h2', {}, t('login.forgot_title')),
    h('p', {}, t('login.forgot_text')),
    centres.length ? h('ul', { class: 'centres' }, centres.map((r) => h('li', {},
      t('login.centre_line', { region: regionName(r.code, r.name), address: r.centre_address })))) : null);
}

function kindChoice() {
  const name = uid('kind');
  const option = (value, label, checked) => {
    const id = uid('kind');
    return h('div', { class: 'choice' },
      h('input', { type: 'radio', name, id, value, checked }),
      h('label', { for: id }, label));
  };
  const fieldset = h('fieldset', { class: 'choices' },
    h('legend', {}, t('login.document')),
    option('card', t('login.card'), true),
    option('passport', t('login.passport'), false));
  return {
    fieldset,
    value: () => fieldset.querySelector('input:checked').value,
    onChange: (fn) => fieldset.addEventListener('change', fn),
  };
}

export async function render(ctx) {
  const kind = kindChoice();
  const number = field(t('login.card_number'), {
    // "webauthn": the browser may offer the phone's passkeys here (passkey.js).
    name: 'document_number', autocomplete: 'username webauthn', autocapitalize: 'characters',
    spellcheck: 'false', required: true,
  });
  kind.onChange(() => {
    number.wrap.querySelector('label').textContent =
      kind.value() === 'card' ? t('login.card_number') : t('login.passport_number');
  });
  const pw = field(t('login.password'), {
    type: 'password', name: 'password', autocomplete: 'current-password', required: true,
  });
  const status = slot();
  const submit = button(t('login.submit'), { type: 'submit', class: 'btn btn-primary' });

  async function onSubmit(ev) {
    ev.preventDefault();
    status.replaceChildren();
    const doc = number.input.value.replace(/\s+/g, '');
    number.setError(doc ? null : t('form.required'));
    pw.setError(pw.input.value ? null : t('form.required'));
    if (!doc || !pw.input.value) return;
    submit.disabled = true;
    try {
      const res = await api.call('POST', '/api/v1/session',
        { document_kind: kind.value(), document_number: doc, password: pw.input.value,
          device: api.deviceLabel() });
      api.setToken(res.token);
      await sendLanguage();
      ctx.go('home');
    } catch (err) {
      status.replaceChildren(notice('error', errorText(err)));
    } finally {
      submit.disabled = false;
    }
  }

  armAutofill(ctx, status, number.input);
  return page(t('login.title'),
    h('form', { novalidate: true, onsubmit: onSubmit },
      kind.fieldset, number.wrap, pw.wrap, status, h('div', { class: 'stack' }, submit)),
    loginButton(ctx, status, number.input),
    h('p', { class: 'hint' }, t('login.lost_card_hint')),
    h('p', {}, link(t('login.first_time'), 'activate', 'link')),
    // Issue 14: someone who enrolled at a kiosk has no log-in until a
    // registrar approves; the kiosk's status page (receipt number and birth
    // date) says where the application is, in the same language.
    h('p', {}, h('a', { href: `/kiosk/status.html?lang=${encodeURIComponent(currentLanguage())}`, class: 'link',
      'data-testid': 'kiosk-status' }, t('login.kiosk_status'))),
    await forgotten());
}
