// Appealing a lapse (product rule 13): within 30 days of the lapse the
// person writes what stopped them; a registrar decides with a written
// reason. Later visits show the appeal and its outcome.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { lapseState, loadAppeals } from '../appeals.js';
import { t } from '/common/i18n.js';
import { formatDate, formatMoment, formatNumber } from '/common/format.js';
import { loadMe } from '../state.js';
import { button, errorText, field, link, notice, officerText, page, slot } from '../ui.js';

const MIN = api.APPEAL_REASON_MIN;
const MAX = api.APPEAL_REASON_MAX;

// Set by a successful POST so that the next render says "sent".
let justSent = false;

// Characters as the server counts them (code points, not UTF-16 units).
function chars(text) {
  return [...text].length;
}

function lapseDay(me) {
  return formatDate(String(me.last_registration.ended_at).slice(0, 10));
}

// One appeal: status, dates, the person's reason, the registrar's reason.
function appealCard(a) {
  return h('li', { class: `card appeal appeal-${a.status}`, 'data-testid': 'appeal' },
    h('h2', {}, t(`appeal.status.${a.status}`)),
    h('p', { class: 'small' }, t('appeal.filed', { date: formatMoment(a.filed_at) })),
    h('p', { class: 'quote' }, t('appeal.your_reason', { reason: a.reason })),
    a.decided_at ? h('p', { class: 'small' }, t('appeal.decided', { date: formatMoment(a.decided_at) })) : null,
    a.decision_reason
      ? h('p', {}, t('appeal.decision_reason', { reason: '' }).replace(/\s*$/, ' '), ...officerText(a.decision_reason))
      : null);
}

function history(appeals) {
  if (!appeals.length) return null;
  return [h('h2', {}, t('appeal.mine')), h('ul', { class: 'list' }, appeals.map(appealCard))];
}

function registerAgain() {
  return link(t('home.register_button'), 'register', 'btn btn-primary');
}

// The form: a written reason with a live character count.
function appealForm(ctx) {
  const reason = field(t('appeal.reason_label'),
    { tag: 'textarea', name: 'reason', rows: 5, maxlength: MAX, required: true, autocomplete: 'off' },
    t('appeal.reason_hint', { min: formatNumber(MIN), max: formatNumber(MAX) }));
  const counter = h('p', { class: 'small counter', id: `${reason.input.id}-count` });
  function count() {
    const n = chars(reason.input.value.trim());
    counter.textContent = t('appeal.counter', { n: formatNumber(n), max: formatNumber(MAX) });
    counter.classList.toggle('counter-short', n > 0 && n < MIN);
  }
  count();
  reason.input.addEventListener('input', count);
  reason.input.setAttribute('aria-describedby',
    `${reason.input.getAttribute('aria-describedby')} ${counter.id}`);
  reason.input.after(counter);
  const status = slot();
  const submit = button(t('appeal.submit'), { type: 'submit', class: 'btn btn-primary' });

  async function onSubmit(ev) {
    ev.preventDefault();
    status.replaceChildren();
    const text = reason.input.value.trim();
    const n = chars(text);
    let problem = null;
    if (!n) problem = t('form.required');
    else if (n < MIN) problem = t('appeal.too_short', { min: formatNumber(MIN) });
    else if (n > MAX) problem = t('form.too_long', { max: formatNumber(MAX) });
    reason.setError(problem);
    if (problem) { reason.input.focus(); return; }
    submit.disabled = true;
    try {
      await api.call('POST', '/api/v1/me/appeals', { reason: text });
      justSent = true;
      ctx.go('appeal');
    } catch (err) {
      if (err.code === 'invalid_reason') {
        reason.setError(t('appeal.length', { min: formatNumber(MIN), max: formatNumber(MAX) }));
        reason.input.focus();
      } else {
        status.replaceChildren(notice('error', errorText(err)));
        if (['appeal_exists', 'appeal_window_closed', 'no_lapsed_registration'].includes(err.code)) {
          status.appendChild(link(t('nav.home'), 'home', 'btn btn-secondary'));
        }
      }
    } finally {
      submit.disabled = false;
    }
  }

  return h('form', { novalidate: true, onsubmit: onSubmit },
    reason.wrap, status, h('div', { class: 'stack' }, submit));
}

// What to say (and offer) for the person's situation.
function body(ctx, me, state) {
  switch (state.kind) {
    case 'open':
      return [
        h('p', {}, t('appeal.intro', { date: lapseDay(me) })),
        notice('warn', h('p', { 'data-testid': 'appeal-until' },
          t('appeal.until', { date: formatDate(state.until) }))),
        appealForm(ctx),
      ];
    case 'closed':
      return [notice('info', t('appeal.closed', { date: formatDate(state.until) })), registerAgain()];
    case 'pending':
      return [notice('info', h('p', { 'data-testid': 'decision-due' }, state.appeal.decision_due
        ? t('appeal.decision_due', { date: formatDate(state.appeal.decision_due) }) : t('appeal.pending_note')),
      h('p', {}, t('appeal.register_note')))];
    case 'refused':
      return [notice('warn', t('appeal.refused_note')), registerAgain()];
    default:
      return me.registration ? null : [notice('info', t('appeal.nothing'))];
  }
}

export async function render(ctx) {
  let me;
  let appeals;
  try {
    [me, appeals] = await Promise.all([loadMe().then((s) => s.me), loadAppeals()]);
  } catch (err) {
    return page(t('appeal.title'), notice('error', errorText(err)));
  }
  const state = lapseState(me, appeals);
  const sent = justSent;
  justSent = false;
  return page(t('appeal.title'),
    sent && state.kind === 'pending' ? notice('ok', t('appeal.sent')) : null,
    body(ctx, me, state),
    history(appeals));
}
