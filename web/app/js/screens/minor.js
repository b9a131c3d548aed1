// Adding a minor (a child under 18 living with the person, product rule 9).
// The child is registered at the person's residence with the person's
// citizenship; the passport number is optional (young children often have none).

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { t } from '../i18n.js';
import { loadMe } from '../state.js';
import { button, errorText, field, notice, page, slot } from '../ui.js';

export async function render(ctx) {
  const surname = field(t('minor.surname'), { name: 'surname', autocomplete: 'off', required: true });
  const given = field(t('minor.given_names'), { name: 'given_names', autocomplete: 'off', required: true });
  const birth = field(t('minor.birth_date'), { type: 'date', name: 'birth_date', required: true });
  const doc = field(t('minor.document_number'), { name: 'passport_number', autocomplete: 'off' });
  const status = slot();
  const submit = button(t('minor.submit'), { type: 'submit', class: 'btn btn-primary' });
  const required = [surname, given, birth];

  async function onSubmit(ev) {
    ev.preventDefault();
    status.replaceChildren();
    let ok = true;
    for (const f of required) {
      const missing = !f.input.value.trim();
      f.setError(missing ? t('form.required') : null);
      if (missing && ok) { f.input.focus(); ok = false; }
    }
    if (!ok) return;
    submit.disabled = true;
    try {
      const { me } = await loadMe();
      const body = {
        surname: surname.input.value.trim(), given_names: given.input.value.trim(),
        birth_date: birth.input.value, citizenship: me.person.citizenship,
      };
      if (doc.input.value.trim()) body.passport_number = doc.input.value.trim();
      await api.call('POST', '/api/v1/me/minors', body);
      status.replaceChildren(notice('ok', t('minor.done')));
    } catch (err) {
      status.replaceChildren(api.isMissing(err)
        ? notice('info', t('common.not_available')) : notice('error', errorText(err)));
    } finally {
      submit.disabled = false;
    }
  }

  return page(t('minor.title'),
    h('p', {}, t('minor.intro')),
    h('form', { novalidate: true, onsubmit: onSubmit },
      [...required, doc].map((f) => f.wrap), status, h('div', { class: 'stack' }, submit)));
}
