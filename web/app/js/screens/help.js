// Help: the rules in plain words and the working days ahead.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { t } from '/common/i18n.js';
import { formatShortDate } from '/common/format.js';
import { loadMe, today } from '../state.js';
import { notice, page } from '../ui.js';

export const CALENDAR_DAYS = 21;
const DEFAULT_REGION = '77';
const RULES = ['duty', 'register', 'confirm', 'deadline', 'notices', 'lapse', 'position', 'leave'];

function addDays(ymd, n) {
  const [y, m, d] = ymd.split('-').map((s) => Number.parseInt(s, 10));
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function localToday() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function context() {
  if (!api.token()) return { region: DEFAULT_REGION, from: localToday(), due: null };
  try {
    const { me } = await loadMe();
    const reg = me.registration;
    return { region: reg ? reg.region : DEFAULT_REGION, from: today(me), due: reg ? reg.due_date : null };
  } catch {
    return { region: DEFAULT_REGION, from: localToday(), due: null };
  }
}

function day(d, due) {
  const cls = ['day', d.working ? 'day-work' : 'day-off', d.date === due ? 'day-due' : ''].join(' ').trim();
  return h('li', { class: cls },
    h('span', { class: 'day-date' }, formatShortDate(d.date)),
    h('span', { class: 'day-kind' }, d.working ? t('help.working') : t('help.day_off')),
    d.date === due ? h('span', { class: 'day-mark' }, t('help.your_due')) : null);
}

async function calendar() {
  const { region, from, due } = await context();
  const to = addDays(from, CALENDAR_DAYS - 1);
  try {
    const res = await api.call('GET',
      `/api/v1/calendar/${encodeURIComponent(region)}/working-days?from=${from}&to=${to}`);
    return [
      res.calendar === 'provisional' ? h('p', { class: 'hint' }, t('home.calendar_provisional')) : null,
      h('ul', { class: 'days-list' }, (res.days || []).map((d) => day(d, due))),
    ];
  } catch {
    return notice('info', t('help.calendar_unavailable'));
  }
}

export async function render() {
  return page(t('help.title'),
    h('ol', { class: 'rules' }, RULES.map((r) => h('li', {}, t(`help.rule.${r}`)))),
    h('h2', {}, t('help.calendar_title')),
    await calendar());
}
