// The look-up screen (inspector, registrar): a known person by card or
// document number, with a reason that names a case or reference number
// (product rule 14; the server checks it too). The answer is the
// registration status only, and the person sees the look-up, by role and
// reason, in "who viewed my record". No search by name, region or address.
import { t } from '/common/i18n.js';
import { h, replace, uid } from '/common/dom.js';
import { numericDay } from '/common/format.js';
import { call, problem, status } from '/desk/desk.js';

// The server wants at least 10 letters or digits and a word with at least
// 3 digits (rules/reason.h); the page says so before sending.
const REFERENCE = /[0-9]/g;

function answer(p) {
  const name = [p.surname, p.given_names].filter(Boolean).join(' ');
  const rows = [
    [t('desk.lookup.name'), name + (p.surname_cyr ? ` (${p.surname_cyr} ${p.given_names_cyr || ''})`.trimEnd() : '')],
    [t('desk.lookup.status'), t(`desk.lookup.status.${p.status}`)],
  ];
  if (p.region) rows.push([t('desk.lookup.region'), p.region_name ? `${p.region_name} (${p.region})` : p.region]);
  if (p.due_date) rows.push([t('desk.lookup.due'), numericDay(p.due_date)]);
  if (p.end_reason) rows.push([t('desk.lookup.end_reason'), p.end_reason]);
  if (!p.document_verified) rows.push([t('desk.lookup.document'), t('desk.lookup.unverified')]);
  return h('section', { class: 'answer', 'aria-label': t('desk.lookup.answer') },
    h('h2', {}, t('desk.lookup.answer')),
    h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

export function lookupScreen(box) {
  const kind = uid('kind');
  const number = uid('number');
  const reason = uid('reason');
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true },
    h('label', { for: kind }, t('desk.lookup.kind')),
    h('select', { id: kind },
      h('option', { value: 'card' }, t('desk.lookup.kind.card')),
      h('option', { value: 'passport' }, t('desk.lookup.kind.passport'))),
    h('label', { for: number }, t('desk.lookup.number')),
    h('input', { id: number, type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '20', required: true }),
    h('label', { for: reason }, t('desk.lookup.reason')),
    h('input', { id: reason, type: 'text', autocomplete: 'off', maxlength: '200', required: true,
      'aria-describedby': `${reason}-hint` }),
    h('p', { id: `${reason}-hint`, class: 'hint' }, t('desk.lookup.reason_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('desk.lookup.submit')));
  replace(box, h('h1', {}, t('desk.lookup.heading')), h('p', { class: 'hint' }, t('desk.lookup.hint')), form, out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const num = document.getElementById(number);
    const why = document.getElementById(reason);
    replace(out);
    for (const f of [num, why]) f.removeAttribute('aria-invalid');
    if (!num.value.trim()) {
      num.setAttribute('aria-invalid', 'true');
      num.focus();
      return status('err', t('desk.lookup.need_number'));
    }
    const visible = why.value.replace(/[^\p{L}\p{N}]/gu, '').length;
    if ((why.value.match(REFERENCE) || []).length < 3 || visible < 10) {
      why.setAttribute('aria-invalid', 'true');
      why.focus();
      return status('err', t('desk.lookup.need_reason'));
    }
    status('', t('desk.loading'));
    const res = await call('POST', '/api/v1/desk/person-lookups', {
      document_kind: document.getElementById(kind).value,
      document_number: num.value.trim().toUpperCase(),
      reason: why.value.trim(),
    }).catch(() => null);
    if (!res) return status('err', t('desk.offline'));
    if (!res.ok) return res.status === 401 ? null : status('err', problem(res));
    status('ok', t('desk.lookup.recorded'));
    return replace(out, answer(res.body));
  });
  document.getElementById(number).focus();
}
