// One person's events (auditor): every audit event about a known person or
// made by them, in order. The person by id (as the look-up log names them)
// or by card or passport number, never by name; and like every look at a
// person it needs a reason with a case or reference number (product rule
// 14), is written to the audit log and shown to the person in "who viewed
// my record". Each further page is a look of its own, with the same reason.
import { t } from '/common/i18n.js';
import { h, replace, uid } from '/common/dom.js';
import { numericMoment } from '/common/format.js';
import { call, problem, status } from '/desk/desk.js';

const DIGITS = /[0-9]/g;

export function eventRows(items) {
  return items.map((i) => h('tr', {},
    h('td', {}, `#${i.seq}`), h('td', {}, numericMoment(i.at)), h('td', {}, i.actor), h('td', {}, i.action),
    h('td', {}, i.subject), h('td', { class: 'detail' }, h('code', {}, JSON.stringify(i.detail)))));
}

export function eventTable(caption, items) {
  return h('table', { class: 'officers events' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ['seq', 'at', 'actor', 'action', 'subject', 'detail']
      .map((c) => h('th', { scope: 'col' }, t(`desk.events.col.${c}`))))),
    h('tbody', {}, eventRows(items)));
}

export function personEventsScreen(box) {
  const ids = { kind: uid('kind'), number: uid('number'), reason: uid('reason') };
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true },
    h('label', { for: ids.kind }, t('desk.pevents.by')),
    h('select', { id: ids.kind },
      h('option', { value: 'id' }, t('desk.pevents.by.id')),
      h('option', { value: 'card' }, t('desk.lookup.kind.card')),
      h('option', { value: 'passport' }, t('desk.lookup.kind.passport'))),
    h('label', { for: ids.number }, t('desk.pevents.number')),
    h('input', { id: ids.number, type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '20', required: true }),
    h('label', { for: ids.reason }, t('desk.lookup.reason')),
    h('input', { id: ids.reason, type: 'text', autocomplete: 'off', maxlength: '200', required: true,
      'aria-describedby': `${ids.reason}-hint` }),
    h('p', { id: `${ids.reason}-hint`, class: 'hint' }, t('desk.pevents.reason_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('desk.pevents.submit')));
  replace(box, h('h1', {}, t('desk.pevents.heading')), h('p', { class: 'hint' }, t('desk.pevents.hint')), form, out);

  let shown = [];
  async function page(request, after) {
    status('', t('desk.loading'));
    const res = await call('POST', '/api/v1/desk/audit/person-events',
      after ? { ...request, after_seq: after } : request).catch(() => null);
    if (!res) return status('err', t('desk.offline'));
    if (!res.ok) return res.status === 401 ? null : status('err', problem(res));
    status('ok', t('desk.lookup.recorded'));
    shown = after ? shown.concat(res.body.items) : res.body.items;
    const more = res.body.more ? h('button', { type: 'button' }, t('desk.events.more')) : null;
    if (more) more.addEventListener('click', () => page(request, shown[shown.length - 1].seq));
    return replace(out, shown.length
      ? [eventTable(t('desk.pevents.count', { id: res.body.person_id, n: shown.length }), shown), more]
      : h('p', { class: 'empty' }, t('desk.pevents.none')));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const kind = document.getElementById(ids.kind).value;
    const num = document.getElementById(ids.number);
    const why = document.getElementById(ids.reason);
    replace(out);
    for (const f of [num, why]) f.removeAttribute('aria-invalid');
    const value = num.value.trim().replace(/^#/, '');
    if (!value || (kind === 'id' && !/^[1-9][0-9]{0,15}$/.test(value))) {
      num.setAttribute('aria-invalid', 'true');
      num.focus();
      return status('err', t(kind === 'id' ? 'desk.pevents.need_id' : 'desk.lookup.need_number'));
    }
    const visible = why.value.replace(/[^\p{L}\p{N}]/gu, '').length;
    if ((why.value.match(DIGITS) || []).length < 3 || visible < 10) {
      why.setAttribute('aria-invalid', 'true');
      why.focus();
      return status('err', t('desk.lookup.need_reason'));
    }
    const request = kind === 'id'
      ? { person_id: Number(value), reason: why.value.trim() }
      : { document_kind: kind, document_number: value.toUpperCase(), reason: why.value.trim() };
    return page(request, 0);
  });
  document.getElementById(ids.number).focus();
}
