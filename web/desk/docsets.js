// Document sets at the desk (issue 16, docs/DOCSETS.md): a registrar sees
// the sets the check has read, referred ones first, with what the check
// found: each finding in words, the rule it comes from (act and article)
// and the document and field it concerns. The registrar accepts a set or
// returns it with a reason the person reads. The check never decides: it
// only prepares the registrar's decision (product rule: a person decides).
//
// No name or document number reaches this screen: the queue carries none.
import { currentLanguage, t } from '/common/i18n.js';
import { h, replace, uid } from '/common/dom.js';
import { numericMoment } from '/common/format.js';
import { call, problem, status } from '/desk/desk.js';

const MIN_REASON = 10;   // letters or digits, as the server counts them (rules/reason.h)
const TABS = ['queue', 'ready', 'referred', 'returned'];
let showing = 'queue';

function finding(f) {
  const where = [];
  if (f.type && f.type !== 'unknown') where.push(t('desk.docsets.document', { type: f.type_title || f.type }));
  if (f.field) where.push(t('desk.docsets.field', { field: f.field }));
  if (f.date) where.push(t('desk.docsets.date', { date: f.date }));
  const source = [f.act, f.article].filter(Boolean).join(', ');
  return h('li', { class: `finding ${f.severity}` },
    h('strong', {}, t(`desk.docsets.severity.${f.severity}`)), ' ',
    f.message || f.code,
    where.length ? h('div', { class: 'hint' }, where.join(' · ')) : null,
    f.rule ? h('div', { class: 'hint' }, t('desk.docsets.rule', { rule: f.rule, source: source || '—' })) : null);
}

function findings(result) {
  const list = (result && result.findings) || [];
  if (!list.length) return h('p', {}, t('desk.docsets.no_findings'));
  return h('ul', { class: 'findings' }, list.map(finding));
}

function facts(s) {
  const rows = [
    [t('desk.docsets.procedure'), t(`desk.docsets.procedure.${s.procedure}`)],
    [t('desk.docsets.category'), t(`desk.docsets.category.${s.category}`)],
    [t('desk.docsets.submitted'), numericMoment(s.submitted_at)],
    [t('desk.docsets.pages'), String(s.page_count)],
    [t('desk.docsets.outcome'), s.outcome ? t(`desk.docsets.outcome.${s.outcome}`) : '—'],
  ];
  if (s.result && s.result.fee_due !== null && s.result.fee_due !== undefined) {
    rows.push([t('desk.docsets.fee'), String(s.result.fee_due)]);
  }
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

async function decide(s, decision, box) {
  const field = box.querySelector('textarea');
  const reason = field.value.trim();
  if (reason.replace(/[^\p{L}\p{N}]/gu, '').length < MIN_REASON) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
    return status('err', t('desk.docsets.need_reason', { min: MIN_REASON }));
  }
  field.removeAttribute('aria-invalid');
  const buttons = box.querySelectorAll('button');
  for (const b of buttons) b.disabled = true;
  status('', t('desk.docsets.saving'));
  try {
    const res = await call('POST', `/api/v1/desk/document-sets/${s.id}/decision`, { decision, reason });
    if (res.ok) {
      status('ok', t(`desk.docsets.decided.${decision}`, { id: s.id }));
      return list();
    }
    if (res.status !== 401) status('err', problem(res));
  } catch {
    status('err', t('desk.offline'));
  }
  for (const b of buttons) b.disabled = false;
  return null;
}

function card(s) {
  const title = t('desk.docsets.title', { id: s.id });
  const box = h('article', { class: 'appeal docset', 'aria-label': title },
    h('h2', {}, title), facts(s),
    h('h3', {}, t('desk.docsets.findings')), findings(s.result));
  if (s.state === 'decided') return box;
  const id = uid('reason');
  box.append(
    h('label', { for: id }, t('desk.docsets.reason_label')),
    h('textarea', { id, rows: '3', maxlength: '1000', required: true }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'grant', onclick: () => decide(s, 'accepted', box) }, t('desk.docsets.accept')),
      h('button', { type: 'button', class: 'refuse', onclick: () => decide(s, 'returned', box) }, t('desk.docsets.return'))));
  return box;
}

async function list() {
  const target = document.getElementById('docsets');
  if (!target) return null;
  for (const b of document.querySelectorAll('#docset-tabs .tab')) b.setAttribute('aria-pressed', String(b.dataset.state === showing));
  replace(target, h('p', { class: 'empty' }, t('desk.loading')));
  const lang = currentLanguage() === 'en' ? 'en' : 'ru';
  const query = showing === 'queue' ? `lang=${lang}` : `state=${showing}&lang=${lang}`;
  let res;
  try {
    res = await call('GET', `/api/v1/desk/document-sets?${query}`);
  } catch {
    return replace(target, h('p', { class: 'result err' }, t('desk.offline')));
  }
  if (!res.ok) return res.status === 401 ? null : replace(target, h('p', { class: 'result err' }, problem(res)));
  const items = res.body.items;
  if (!items.length) return replace(target, h('p', { class: 'empty' }, t('desk.docsets.none')));
  return replace(target, items.map(card));
}

export function docsetsScreen(box) {
  const tabs = TABS.map((s) => {
    const b = h('button', { type: 'button', class: 'tab', 'data-state': s, 'aria-pressed': String(s === showing) },
      t(`desk.docsets.tab.${s}`));
    b.addEventListener('click', () => { showing = s; status('', ''); list(); });
    return b;
  });
  replace(box,
    h('h1', {}, t('desk.docsets.heading')),
    h('p', { class: 'hint' }, t('desk.docsets.hint')),
    h('nav', { class: 'tabs', id: 'docset-tabs', 'aria-label': t('desk.docsets.tabs') }, tabs),
    h('div', { id: 'docsets', 'aria-live': 'polite' }));
  list();
}
