// The auditor's chain check (product rule 15): the same check as
// `uchetctl audit verify`, run by the server one step at a time (POST
// /api/v1/desk/audit/verify) so that a long chain shows its progress and no
// request holds the server long. The page only carries the server's cursor
// from step to step; the cursor is signed by the server, so the page cannot
// skip a step, and "intact" comes from the server alone, after the last one.
// When uchetd signs audit checkpoints, the walk is followed by their check
// (phase "checkpoints"), and "intact" also means every one of them agrees.
import { t } from '/common/i18n.js';
import { h, replace } from '/common/dom.js';
import { numericMoment } from '/common/format.js';
import { call, problem, status } from '/desk/desk.js';

const STEP = 2000;   // events a step: tens of ms each (docs/DESK.md), so the bar moves smoothly

// The signed checkpoints' verdict (the second half of `uchetctl audit verify
// --key`), or a plain word that uchetd signs none.
function checkpoints(cp) {
  if (!cp) return null;
  const heading = h('h3', {}, t('desk.chain.cp.heading'));
  if (!cp.configured) return h('section', { class: 'checkpoints off' }, heading, h('p', {}, t('desk.chain.cp.off')));
  const says = cp.verdict === 'agree' ? t('desk.chain.cp.agree', { valid: cp.valid, seq: cp.last_seq })
    : cp.verdict === 'not_anchored' ? t('desk.chain.cp.none') : null;
  const bad = cp.first_bad ? t('desk.chain.cp.first_bad', {
    line: cp.first_bad.line,
    why: t(`desk.chain.cp.why.${cp.first_bad.why}`, { seq: cp.first_bad.seq ?? '' }),
  }) : null;
  return h('section', { class: `checkpoints ${cp.verdict}` }, heading,
    says ? h('p', {}, says) : null,
    h('p', {}, t('desk.chain.cp.lines', { n: cp.lines, valid: cp.valid, forged: cp.forged })),
    bad ? h('p', { class: 'first-bad' }, bad) : null);
}

function outcome(body) {
  if (body.state === 'intact') {
    return h('section', { class: 'result ok', role: 'status' },
      h('h2', {}, t('desk.chain.intact', { n: body.checked })),
      body.last_seq ? h('dl', { class: 'facts' },
        h('dt', {}, t('desk.chain.last_event')), h('dd', {}, `#${body.last_seq}, ${numericMoment(body.last_at)} UTC`),
        h('dt', {}, t('desk.chain.last_hash')), h('dd', { class: 'hash' }, h('code', {}, body.last_hash))) : null,
      checkpoints(body.checkpoints));
  }
  if (body.state !== 'broken') {   // the chain links; its signed checkpoints do not agree
    return h('section', { class: 'result err', role: 'alert' },
      h('h2', {}, t(`desk.chain.${body.state}`)),
      h('p', {}, t('desk.chain.links', { n: body.checked })),
      checkpoints(body.checkpoints));
  }
  const where = body.missing ? t('desk.chain.missing', { seq: body.broken_seq })
    : t('desk.chain.changed', { seq: body.broken_seq, at: `${numericMoment(body.broken_at)} UTC` });
  return h('section', { class: 'result err', role: 'alert' },
    h('h2', {}, t('desk.chain.broken')),
    h('p', {}, where),
    h('p', {}, t('desk.chain.checked_before', { n: body.checked })),
    checkpoints(body.checkpoints));
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
        replace(label, r.phase === 'checkpoints' ? t('desk.chain.cp.progress', { n: r.checkpoint_lines })
          : t('desk.chain.progress', { checked: r.checked, total: r.total }));
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
