// The auditor's screen (read-only): the look-ups made in a period, each
// with the officer and the stated reason, exportable as CSV (csv.js: quoted,
// formula-safe). Looking is itself recorded in the audit log. The auditor's
// other screens: chain.js (verify the chain), person_events.js (one
// person's events), activity.js (one officer's actions); they share the
// period and the CSV download from here.
import { t } from '/common/i18n.js';
import { h, replace, uid } from '/common/dom.js';
import { toCsv } from '/desk/csv.js';
import { numericMoment } from '/common/format.js';
import { call, problem, status } from '/desk/desk.js';

export function offset() {
  const m = -new Date().getTimezoneOffset();
  const a = Math.abs(m);
  return `${m < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

// The first and the last day picked, as the period [from 00:00, to 23:59:59]
// in this computer's time zone.
export function period(from, to) {
  const tz = offset();
  return { from: `${from}T00:00:00${tz}`, to: `${to}T23:59:59${tz}` };
}

export function saveCsv(name, header, rows) {
  const a = h('a', { href: URL.createObjectURL(new Blob([toCsv(header, rows)], { type: 'text/csv;charset=utf-8' })),
    download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function download(items, from, to) {
  saveCsv(`lookups-${from}-${to}.csv`, ['at', 'officer_login', 'officer_role', 'person_id', 'reason'],
    items.map((i) => [i.at, i.officer_login, i.officer_role, i.person_id, i.reason]));
}

export function auditScreen(box) {
  const ids = { from: uid('from'), to: uid('to') };
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true },
    h('label', { for: ids.from }, t('desk.audit.from')), h('input', { id: ids.from, type: 'date', required: true }),
    h('label', { for: ids.to }, t('desk.audit.to')), h('input', { id: ids.to, type: 'date', required: true }),
    h('button', { type: 'submit', class: 'primary' }, t('desk.audit.show')));
  replace(box, h('h1', {}, t('desk.audit.heading')), h('p', { class: 'hint' }, t('desk.audit.hint')), form, out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const from = document.getElementById(ids.from).value;
    const to = document.getElementById(ids.to).value;
    if (!from || !to) return status('err', t('desk.audit.need_period'));
    const res = await call('POST', '/api/v1/desk/audit/lookups', period(from, to)).catch(() => null);
    if (!res) return status('err', t('desk.offline'));
    if (!res.ok) return res.status === 401 ? null : status('err', problem(res));
    status('', '');
    const items = res.body.items;
    const csv = h('button', { type: 'button' }, t('desk.audit.csv'));
    csv.addEventListener('click', () => download(items, from, to));
    return replace(out, items.length ? [
      h('table', { class: 'officers' },
        h('caption', {}, t('desk.audit.count', { n: items.length })),
        h('thead', {}, h('tr', {}, ['at', 'officer', 'role', 'person', 'reason'].map((c) => h('th', { scope: 'col' }, t(`desk.audit.col.${c}`))))),
        h('tbody', {}, items.map((i) => h('tr', {}, [numericMoment(i.at), i.officer_login, t(`desk.role.${i.officer_role}`),
          `#${i.person_id}`, i.reason].map((v) => h('td', {}, v)))))),
      csv] : h('p', { class: 'empty' }, t('desk.audit.none')));
  });
}
