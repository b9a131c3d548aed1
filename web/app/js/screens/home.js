// Home: the registration at a glance. Calm when all is well; unmistakable
// when one working day or less is left.

import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { formatDate, formatLocal, formatMoment, formatNumber, momentIn } from '/common/format.js';
import * as api from '../api.js';
import { lapseState, loadAppeals } from '../appeals.js';
import { addressLine, endedText, regionName } from '../format.js';
import { loadMe, today } from '../state.js';
import { errorText, link, notice, page } from '../ui.js';

// Working days left after today, as the notices count them: 1 on the day
// "one working day left" is sent, 0 on the last day. (A status cached by an
// older server lacks the field: its inclusive count is the best we have.)
function daysAfterToday(reg) {
  return Number.isFinite(reg.working_days_after_today) ? reg.working_days_after_today : reg.working_days_left;
}

// 'calm' | 'urgent': one working day left after today, or the due date is today.
export function urgency(reg, now) {
  if (daysAfterToday(reg) <= 1 || reg.due_date <= now) return 'urgent';
  return 'calm';
}

// The heading says what the notices say, in their words.
function heading(reg, now) {
  if (reg.due_date === now) return t('home.status_last_day');
  if (daysAfterToday(reg) === 1) return t('notice.one_day_left.title');
  return urgency(reg, now) === 'calm' ? t('home.status_calm') : t('home.status_urgent');
}

// The region's local date by this phone's clock (for a cached status).
function phoneToday(reg) {
  return momentIn(new Date().toISOString(), reg.lapse_at).slice(0, 10);
}

function statusCard(me, stale) {
  const reg = me.registration;
  // Offline, judge the cached deadline against the phone's own clock: the
  // count of days is the server's and is shown only for the day it was made.
  const now = stale ? phoneToday(reg) : today(me);
  if (stale && Date.now() >= Date.parse(reg.lapse_at)) {
    return notice('error', h('p', { 'data-testid': 'offline-lapsed' },
      t('home.offline_lapsed', { moment: formatMoment(reg.lapse_at) })));
  }
  const level = urgency(reg, now);
  const countKnown = !stale || now === today(me);
  return h('div', { class: `status status-${level}`, 'data-status': level },
    h('h2', {}, heading(reg, now)),
    countKnown ? h('p', { class: 'days' },
      h('span', { class: 'days-label' }, t('home.days_left_label')),
      h('span', { class: 'days-number', 'data-testid': 'days-left' }, formatNumber(daysAfterToday(reg)))) : null,
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
    h('p', { class: 'small' }, t('home.region', { region: regionName(reg.region, reg.region_name) })),
    res.confirmed_by_host ? h('p', { class: 'badge', 'data-testid': 'host-confirmed' }, t('home.host_confirmed')) : null,
    h('div', { class: 'links' },
      link(t('home.change_residence'), 'residence', 'link'),
      link(t('home.landlord_link'), 'landlord', 'link')));
}

function activeView(me, stale) {
  const reg = me.registration;
  const mustConfirm = me.person.duty === 'confirm';
  return [
    reg.practice_mode ? notice('info', t('home.practice_mode')) : null,
    mustConfirm ? statusCard(me, stale) : notice('ok', t('home.active_no_duty')),
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
        lapse.appeal.decision_due
          ? h('p', { 'data-testid': 'decision-due' }, t('appeal.decision_due', { date: formatDate(lapse.appeal.decision_due) }))
          : null,
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

// The notices link, with the number of unread notices when there are any.
function noticesLink(unread) {
  const a = link(t('nav.notices'), 'notices', 'menu-link');
  if (unread > 0) {
    a.append(' ', h('span', { class: 'badge badge-count', 'data-testid': 'unread' },
      t('home.unread', { n: formatNumber(unread) })));
  }
  return a;
}

async function unreadCount(stale) {
  if (stale) return 0;
  try {
    const res = await api.call('GET', '/api/v1/me/notifications');
    return (res.items || []).filter((n) => !n.read).length;
  } catch {
    return 0; // the inbox itself says what went wrong
  }
}

// While the status is a cached one, look again when the connection comes
// back (the browser's event) and every half minute (a phone can claim to be
// online with no working connection); stop once the screen is left.
function refreshWhenOnline(ctx) {
  const again = () => {
    clearInterval(timer);
    window.removeEventListener('online', again);
    if (document.body.dataset.screen === 'home') ctx.go('home');
  };
  const timer = setInterval(() => {
    if (document.body.dataset.screen !== 'home') { clearInterval(timer); window.removeEventListener('online', again); return; }
    api.call('GET', '/api/v1/me').then(again, () => {});
  }, 30000);
  window.addEventListener('online', again);
}

function menu(hasRegistration, unread) {
  return h('nav', { class: 'menu', 'aria-label': t('nav.more') }, h('ul', {},
    h('li', {}, noticesLink(unread)),
    h('li', {}, link(t('nav.documents'), 'documents', 'menu-link')),
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
  const [lapse, unread] = await Promise.all([lapseOf(me, state.stale), unreadCount(state.stale)]);
  const stale = state.stale
    ? notice('warn', t('home.stale', { time: formatLocal(new Date(state.savedAt)) }))
    : null;
  if (state.stale) refreshWhenOnline(ctx);
  return page(t('home.title'),
    h('p', { class: 'greeting' }, t('home.hello', { name: me.person.given_names })),
    stale,
    dutyNote(me.person),
    me.registration ? activeView(me, state.stale) : inactiveView(me, lapse),
    menu(Boolean(me.registration), unread));
}
