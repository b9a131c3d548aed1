// Home: the registration at a glance. Calm when all is well; unmistakable
// when one working day or less is left.

import { h } from '/common/dom.js';
import { formatDate, formatLocal, formatMoment, formatNumber, t } from '../i18n.js';
import { lapseState, loadAppeals } from '../appeals.js';
import { addressLine, endedText } from '../format.js';
import { loadMe, today } from '../state.js';
import { errorText, link, notice, page } from '../ui.js';

// 'calm' | 'urgent': one working day left, or the due date is today.
export function urgency(reg, now) {
  if (reg.working_days_left <= 1 || reg.due_date <= now) return 'urgent';
  return 'calm';
}

function statusCard(me) {
  const reg = me.registration;
  const level = urgency(reg, today(me));
  const lastDay = reg.due_date === today(me);
  return h('div', { class: `status status-${level}`, 'data-status': level },
    h('h2', {}, level === 'calm' ? t('home.status_calm') : (lastDay ? t('home.status_last_day') : t('home.status_urgent'))),
    h('p', { class: 'days' },
      h('span', { class: 'days-label' }, t('home.days_left_label')),
      h('span', { class: 'days-number', 'data-testid': 'days-left' }, formatNumber(reg.working_days_left))),
    h('p', {}, t('home.due', { date: formatDate(reg.due_date) })),
    h('p', { class: 'lapse' }, t('home.lapse_at', { moment: formatMoment(reg.lapse_at) })),
    reg.last_confirmed_on
      ? h('p', { class: 'small' }, t('home.last_confirmed', { date: formatDate(reg.last_confirmed_on) }))
      : null);
}

function residenceCard(reg) {
  const res = reg.residence || {};
  return h('div', { class: 'card' },
    h('h2', {}, t('home.residence')),
    h('p', { 'data-testid': 'address' }, addressLine(res)),
    h('p', { class: 'small' }, t('home.region', { region: reg.region_name || reg.region })),
    res.confirmed_by_host ? h('p', { class: 'badge', 'data-testid': 'host-confirmed' }, t('home.host_confirmed')) : null,
    h('div', { class: 'links' },
      link(t('home.change_residence'), 'residence', 'link'),
      link(t('home.landlord_link'), 'landlord', 'link')));
}

function activeView(me) {
  const reg = me.registration;
  const mustConfirm = me.person.duty === 'confirm';
  return [
    reg.practice_mode ? notice('info', t('home.practice_mode')) : null,
    mustConfirm ? statusCard(me) : notice('ok', t('home.active_no_duty')),
    mustConfirm ? link(t('home.confirm_button'), 'confirm', 'btn btn-primary btn-big') : null,
    reg.calendar === 'provisional' ? h('p', { class: 'hint' }, t('home.calendar_provisional')) : null,
    residenceCard(reg),
  ];
}

// After a lapse: what the person can still do about it (rule 13).
function appealCard(lapse) {
  const until = lapse.until ? formatDate(lapse.until) : '';
  const view = link(t('home.appeal.view'), 'appeal', 'link');
  switch (lapse.kind) {
    case 'open':
      return h('div', { class: 'card', 'data-testid': 'appeal-card' },
        h('h2', {}, t('home.appeal.open_title')),
        h('p', {}, t('home.appeal.open', { date: until })),
        link(t('home.appeal.button'), 'appeal', 'btn btn-secondary'));
    case 'closed':
      return h('div', { class: 'card', 'data-testid': 'appeal-card' }, h('p', {}, t('appeal.closed', { date: until })));
    case 'pending':
      return h('div', { class: 'card', 'data-testid': 'appeal-card' },
        h('p', {}, t('home.appeal.pending', { date: formatMoment(lapse.appeal.filed_at) })),
        h('p', { class: 'small' }, t('appeal.register_note')), view);
    case 'refused':
      return h('div', { class: 'card', 'data-testid': 'appeal-card' }, h('p', {}, t('home.appeal.refused')), view);
    default:
      return null;
  }
}

function inactiveView(me, lapse) {
  return [
    me.last_registration
      ? notice(me.last_registration.end_reason === 'lapsed' ? 'warn' : 'info', endedText(me.last_registration))
      : h('p', {}, t('home.not_registered')),
    link(t('home.register_button'), 'register', 'btn btn-primary btn-big'),
    appealCard(lapse),
  ];
}

// The lapse and its appeal, looked up only when the last registration
// lapsed; offline or on error, the window alone is shown.
async function lapseOf(me, stale) {
  const last = me.last_registration;
  if (me.registration || !last || last.end_reason !== 'lapsed') return { kind: 'none' };
  let appeals = [];
  if (!stale) {
    try { appeals = await loadAppeals(); } catch { /* shown from the window alone */ }
  }
  return lapseState(me, appeals);
}

function dutyNote(person) {
  if (person.duty === 'minor') return notice('info', t('home.duty_minor'));
  if (person.duty === 'none') return notice('info', t('home.duty_none'));
  return null;
}

function menu(hasRegistration) {
  return h('nav', { class: 'menu', 'aria-label': t('nav.more') }, h('ul', {},
    h('li', {}, link(t('nav.notices'), 'notices', 'menu-link')),
    h('li', {}, link(t('nav.access'), 'access', 'menu-link')),
    h('li', {}, link(t('nav.minor'), 'minor', 'menu-link')),
    h('li', {}, link(t('nav.help'), 'help', 'menu-link')),
    hasRegistration ? h('li', {}, link(t('nav.leave'), 'leave', 'menu-link')) : null));
}

export async function render(ctx) {
  let state;
  try {
    state = await loadMe();
  } catch (err) {
    if (err.status === 401) { ctx.go('welcome'); return h('div'); }
    return page(t('home.title'), notice('error', errorText(err)),
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => ctx.go('home') }, t('form.retry')));
  }
  const { me } = state;
  const lapse = await lapseOf(me, state.stale);
  const stale = state.stale
    ? notice('warn', t('home.stale', { time: formatLocal(new Date(state.savedAt)) }))
    : null;
  return page(t('home.title'),
    h('p', { class: 'greeting' }, t('home.hello', { name: me.person.given_names })),
    stale,
    dutyNote(me.person),
    me.registration ? activeView(me) : inactiveView(me, lapse),
    menu(Boolean(me.registration)));
}
