// Adding a minor (a child under 18 living with the person, product rule 9),
// and the list of the children already added. The child is registered at
// the person's residence with the person's citizenship; the passport number
// is optional (young children often have none).

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { t } from '/common/i18n.js';
import { formatDay } from '/common/format.js';
import { loadMe } from '../state.js';
import { button, errorText, field, notice, page, slot } from '../ui.js';

function sameChild(m, body) {
  const norm = (s) => String(s || '').trim().toLocaleUpperCase();
  return norm(m.surname) === norm(body.surname) && norm(m.given_names) === norm(body.given_names)
    && m.birth_date === body.birth_date;
}

async function loadMinors() {
  try {
    const res = await api.call('GET', '/api/v1/me/minors');
    return res.items || [];
  } catch {
    return null;
  }
}

function listView(minors) {
  if (minors === null) return null;
  if (!minors.length) return h('p', { class: 'hint', 'data-testid': 'minors-none' }, t('minor.none'));
  return h('ul', { class: 'list', 'data-testid': 'minors' }, minors.map((m) => h('li', { class: 'card' },
    h('h3', {}, `${m.surname} ${m.given_names}`),
    h('p', { class: 'small' }, formatDay(m.birth_date)),
    h('p', {}, m.status === 'active' ? t('minor.status_active') : t('minor.status_ended')))));
}

export async function render() {
  const surname = field(t('minor.surname'), { name: 'surname', autocomplete: 'off', required: true });
  const given = field(t('minor.given_names'), { name: 'given_names', autocomplete: 'off', required: true });
  const birth = field(t('minor.birth_date'), { type: 'date', name: 'birth_date', required: true });
  const doc = field(t('minor.document_number'), { name: 'passport_number', autocomplete: 'off' });
  const status = slot();
  const submit = button(t('minor.submit'), { type: 'submit', class: 'btn btn-primary' });
  const required = [surname, given, birth];
  let minors = await loadMinors();
  const listBox = h('div', {}, listView(minors));

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
      // A second tap on the same child must not add it twice.
      if ((minors || []).some((m) => m.status === 'active' && sameChild(m, body))) {
        status.replaceChildren(notice('info', t('minor.already_listed')));
        return;
      }
      await api.call('POST', '/api/v1/me/minors', body);
      for (const f of [...required, doc]) f.input.value = '';
      minors = await loadMinors();
      listBox.replaceChildren(listView(minors));
      status.replaceChildren(notice('ok', t('minor.done')));
    } catch (err) {
      status.replaceChildren(api.isMissing(err)
        ? notice('info', t('common.not_available')) : notice('error', errorText(err)));
    } finally {
      submit.disabled = false;
    }
  }

  return page(t('minor.title'),
    h('h2', {}, t('minor.list_title')), listBox,
    h('p', {}, t('minor.intro')),
    h('form', { novalidate: true, onsubmit: onSubmit },
      [...required, doc].map((f) => f.wrap), status, h('div', { class: 'stack' }, submit)));
}
