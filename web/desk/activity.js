// One officer's activity over a period (auditor): how many of each action
// (log-ins, look-ups, decisions, ...) and the actions themselves in order,
// exportable as CSV like the look-up log (csv.js: quoted, formula-safe).
// The officer by login, as the look-up log shows it. Looking is itself an
// audit event (audit.officer_activity_read).
import { t } from '/common/i18n.js';
import { h, replace, uid } from '/common/dom.js';
import { period, saveCsv } from '/desk/audit.js';
import { call, problem, status } from '/desk/desk.js';
import { eventTable } from '/desk/person_events.js';

async function fetchPage(request, after) {
  const res = await call('POST', '/api/v1/desk/audit/officer-activity',
    after ? { ...request, after_seq: after } : request).catch(() => null);
  if (!res) throw new Error(t('desk.offline'));
  if (!res.ok) throw Object.assign(new Error(res.status === 401 ? '' : problem(res)), { res });
  return res.body;
}

// Every page of the period, for the CSV: the export holds all of it.
async function everything(request, first) {
  let items = first.items;
  let { more } = first;
  while (more) {
    const next = await fetchPage(request, items[items.length - 1].seq);   // one page after the other: each follows the last
    items = items.concat(next.items);
    more = next.more;
  }
  return items;
}

function summary(body) {
  const o = body.officer;
  const counts = Object.entries(body.counts);
  return [
    h('dl', { class: 'facts' },
      h('dt', {}, t('desk.activity.officer')), h('dd', {}, `${o.name} (${o.login}), ${t(`desk.role.${o.role}`)}`),
      h('dt', {}, t('desk.activity.total')), h('dd', {}, String(body.total))),
    counts.length ? h('table', { class: 'officers counts' },
      h('caption', {}, t('desk.activity.by_action')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('desk.events.col.action')),
        h('th', { scope: 'col' }, t('desk.activity.count')))),
      h('tbody', {}, counts.map(([a, n]) => h('tr', {}, h('td', {}, a), h('td', {}, String(n)))))) : null,
  ];
}

export function activityScreen(box) {
  const ids = { login: uid('login'), from: uid('from'), to: uid('to') };
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true },
    h('label', { for: ids.login }, t('desk.activity.login')),
    h('input', { id: ids.login, type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
      maxlength: '64', required: true }),
    h('label', { for: ids.from }, t('desk.audit.from')), h('input', { id: ids.from, type: 'date', required: true }),
    h('label', { for: ids.to }, t('desk.audit.to')), h('input', { id: ids.to, type: 'date', required: true }),
    h('button', { type: 'submit', class: 'primary' }, t('desk.audit.show')));
  replace(box, h('h1', {}, t('desk.activity.heading')), h('p', { class: 'hint' }, t('desk.activity.hint')), form, out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const login = document.getElementById(ids.login).value.trim();
    const from = document.getElementById(ids.from).value;
    const to = document.getElementById(ids.to).value;
    replace(out);
    if (!login) return status('err', t('desk.activity.need_login'));
    if (!from || !to) return status('err', t('desk.audit.need_period'));
    const request = { officer_login: login, ...period(from, to) };
    status('', t('desk.loading'));
    let body;
    try {
      body = await fetchPage(request, 0);
    } catch (e) {
      return e.message ? status('err', e.message) : null;
    }
    status('', '');
    const csv = h('button', { type: 'button' }, t('desk.audit.csv'));
    csv.addEventListener('click', async () => {
      csv.disabled = true;
      try {
        const items = await everything(request, body);
        saveCsv(`activity-${login}-${from}-${to}.csv`, ['seq', 'at', 'action', 'subject', 'detail'],
          items.map((i) => [i.seq, i.at, i.action, i.subject, JSON.stringify(i.detail)]));
      } catch (e) {
        if (e.message) status('err', e.message);
      } finally {
        csv.disabled = false;
      }
    });
    return replace(out, summary(body), body.items.length
      ? [eventTable(t('desk.activity.shown', { n: body.items.length, total: body.total }), body.items), csv]
      : h('p', { class: 'empty' }, t('desk.activity.none')));
  });
  document.getElementById(ids.login).focus();
}
