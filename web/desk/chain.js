// The auditor's chain check (product rule 15): the same check as
// `uchetctl audit verify`, run by the server one step at a time (POST
// /api/v1/desk/audit/verify) so that a long chain shows its progress and no
// request holds the server long. The page only carries the server's cursor
// from step to step; the cursor is signed by the server, so the page cannot
// skip a step, and "intact" comes from the server alone, after the last one.
import { t } from '/common/i18n.js';
import { h, replace } from '/common/dom.js';
import { numericMoment } from '/common/format.js';
import { call, problem, status } from '/desk/desk.js';

const STEP = 2000;   // events a step: tens of ms each (docs/DESK.md), so the bar moves smoothly

function outcome(body) {
  if (body.state === 'intact') {
    return h('section', { class: 'result ok', role: 'status' },
      h('h2', {}, t('desk.chain.intact', { n: body.checked })),
      body.last_seq ? h('dl', { class: 'facts' },
        h('dt', {}, t('desk.chain.last_event')), h('dd', {}, `#${body.last_seq}, ${numericMoment(body.last_at)} UTC`),
        h('dt', {}, t('desk.chain.last_hash')), h('dd', { class: 'hash' }, h('code', {}, body.last_hash))) : null);
  }
  const where = body.missing ? t('desk.chain.missing', { seq: body.broken_seq })
    : t('desk.chain.changed', { seq: body.broken_seq, at: `${numericMoment(body.broken_at)} UTC` });
  return h('section', { class: 'result err', role: 'alert' },
    h('h2', {}, t('desk.chain.broken')),
    h('p', {}, where),
    h('p', {}, t('desk.chain.checked_before', { n: body.checked })));
}

export function chainScreen(box) {
  const start = h('button', { type: 'button', class: 'primary' }, t('desk.chain.start'));
  const bar = h('progress', { max: '1', value: '0', 'aria-label': t('desk.chain.progress_label') });
  const label = h('p', { class: 'hint' });
  const progress = h('div', { class: 'progress', hidden: true }, bar, label);
  const out = h('div', { 'aria-live': 'polite' });
  replace(box, h('h1', {}, t('desk.chain.heading')), h('p', { class: 'hint' }, t('desk.chain.hint')),
    start, progress, out);
  let running = false;
  start.addEventListener('click', async () => {
    if (running) return;
    running = true;
    start.disabled = true;
    replace(out);
    status('', '');
    progress.hidden = false;
    bar.removeAttribute('value');   // indeterminate until the first step says how many
    replace(label, t('desk.chain.starting'));
    let body = { max_events: STEP };
    try {
      for (;;) {
        const res = await call('POST', '/api/v1/desk/audit/verify', body).catch(() => null);
        if (!res) { status('err', t('desk.offline')); break; }
        if (!res.ok) { if (res.status !== 401) status('err', problem(res)); break; }
        const r = res.body;
        bar.max = Math.max(1, r.total);
        bar.value = r.checked;
        replace(label, t('desk.chain.progress', { checked: r.checked, total: r.total }));
        if (r.state !== 'running') {
          progress.hidden = r.state === 'intact';
          replace(out, outcome(r));
          break;
        }
        body = { max_events: STEP, cursor: r.cursor };
      }
    } finally {
      running = false;
      start.disabled = false;
    }
  });
  start.focus();
}
