// Confirming presence: explain first, then listen briefly for the sharpest
// position (a countdown shows how long), send that one fix, and say what came
// of it. The position is never stored here.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { bestPosition, progressText } from '../geo.js';
import { t } from '/common/i18n.js';
import { formatDate, formatMoment, formatNumber } from '/common/format.js';
import { button, errorText, link, notice, page, slot } from '../ui.js';

// A fix this sharp is sent at once; a coarser one is improved for up to
// WATCH_MS (a confirmation still counts up to 500 m).
const CONFIRM_GOAL_M = 100;

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// RFC 3339 with the phone's own offset, e.g. 2025-10-31T10:00:05+03:00.
export function clientTime(date = new Date()) {
  const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, '0');
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `${sign}${pad(off / 60)}:${pad(off % 60)}`;
}

function resultView(res, accuracy) {
  if (res.result === 'too_inaccurate') {
    return notice('warn',
      h('h2', {}, t('confirm.too_inaccurate_title')),
      h('p', {}, t('confirm.too_inaccurate', { meters: formatNumber(Math.round(accuracy)) })),
      h('p', {}, t('confirm.advice_window')));
  }
  const where = res.at_residence === true ? t('confirm.at_residence')
    : res.at_residence === false ? t('confirm.not_at_residence') : null;
  return notice(res.at_residence === false ? 'warn' : 'ok',
    h('h2', {}, t('confirm.counted_title')),
    where ? h('p', { 'data-testid': 'where' }, where) : null,
    res.at_residence === false ? h('p', {}, link(t('home.change_residence'), 'residence', 'link')) : null,
    h('p', {}, t('home.due', { date: formatDate(res.due_date) })),
    h('p', {}, t('home.lapse_at', { moment: formatMoment(res.lapse_at) })),
    Number.isFinite(res.working_days_left)
      ? h('p', {}, t('confirm.days_left', { n: formatNumber(res.working_days_left) })) : null);
}

function geoError(code) {
  return notice('error', h('p', {}, t(`confirm.${code}`)),
    code === 'geo_denied' ? null : h('p', {}, t('confirm.advice_window')));
}

export async function render() {
  const status = slot();
  let key = newKey();
  const send = button(t('confirm.send'), { class: 'btn btn-primary btn-big' });

  async function run() {
    send.disabled = true;
    const progress = h('p', { 'data-testid': 'geo-progress' });
    status.replaceChildren(notice('info', h('p', {}, t('confirm.locating')), progress));
    let pos;
    try {
      pos = await bestPosition({
        goal: CONFIRM_GOAL_M,
        onProgress: (left, acc) => { progress.textContent = progressText(t, formatNumber, left, acc); },
      });
    } catch (err) {
      status.replaceChildren(geoError(err.message));
      send.disabled = false;
      return;
    }
    status.replaceChildren(notice('info', t('confirm.sending')));
    try {
      const res = await api.call('POST', '/api/v1/me/confirmations', {
        lat: pos.lat, lon: pos.lon, accuracy_m: pos.accuracy,
        client_time: clientTime(), idempotency_key: key,
      });
      key = newKey(); // answered: the next tap is a new confirmation
      status.replaceChildren(resultView(res, pos.accuracy), link(t('nav.home'), 'home', 'btn btn-secondary'));
    } catch (err) {
      // No answer: keep the key, so a retry cannot count twice.
      if (err.code !== 'offline') key = newKey();
      status.replaceChildren(notice('error', errorText(err)));
    } finally {
      send.disabled = false;
    }
  }
  send.addEventListener('click', run);

  return page(t('confirm.title'),
    h('p', {}, t('confirm.why')),
    h('p', {}, t('confirm.not_kept')),
    h('p', { class: 'hint' }, t('confirm.prompt_hint')),
    send, status);
}
