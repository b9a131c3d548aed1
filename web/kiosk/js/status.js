// /kiosk/status: a person checks an enrolment by its receipt number and
// birth date (GET /api/v1/kiosk/enrolments/{receipt}/status, public).
// Typed on the on-screen keyboard (digits); nothing is kept.

import { h, replace } from '/common/dom.js';
import { t, setLanguage, currentLanguage } from '/common/i18n.js';
import { uchet, ApiError } from './uchet.js';
import { keyboard } from './keyboard.js';
import { idleTimer } from './idle.js';
import { KIOSK_LANGUAGES, groupReceipt } from './flow.js';

const screen = document.getElementById('screen');
const bar = document.getElementById('bar');
const form = { receipt: '', birth_date: '' };
// The next person must not see the last one's number and birth date.
const idle = idleTimer(document.getElementById('idle'), {
  idleMs: () => (Number(localStorage.getItem('uchet.kiosk.idle_s')) || 90) * 1000,
  countdownMs: () => (Number(localStorage.getItem('uchet.kiosk.countdown_s')) || 20) * 1000,
  onExpire: async () => {
    form.receipt = '';
    form.birth_date = '';
    await setLanguage('ru');
    langBar();
    formScreen();
    idle.arm();
  },
});

function langBar() {
  replace(bar, KIOSK_LANGUAGES.map(([code, name]) => h('button', {
    type: 'button', lang: code, class: `lang small${code === currentLanguage() ? ' on' : ''}`,
    'aria-pressed': String(code === currentLanguage()),
    onclick: async () => { await setLanguage(code); langBar(); formScreen(); },
  }, name)));
}

function field(name, value) {
  return h('div', { class: 'row' }, h('dt', {}, t(`kiosk.status.${name}`)),
    h('dd', {}, h('span', { class: 'value' }, name === 'receipt' && value ? groupReceipt(value) : value || '—'),
      h('button', { type: 'button', class: 'secondary small', onclick: () => edit(name) }, t('kiosk.details.change'))));
}

function formScreen(result) {
  replace(screen,
    h('h1', { tabindex: '-1' }, t('kiosk.status.title')),
    h('p', { class: 'lead' }, t('kiosk.status.hint')),
    h('dl', { class: 'details' }, field('receipt', form.receipt), field('birth_date', form.birth_date)),
    result || null,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: check }, t('kiosk.status.check'))));
}

function edit(name) {
  replace(screen, h('h1', { tabindex: '-1' }, t(`kiosk.status.${name}`)), h('div', { id: 'kb' }));
  keyboard(screen.querySelector('#kb'), {
    label: t(`kiosk.status.${name}`), initial: form[name], layouts: ['digits'],
    onDone: (text) => { form[name] = text.replace(/\s+/g, ''); formScreen(); },
    onCancel: () => formScreen(),
  });
}

async function check() {
  let r;
  try {
    r = await uchet.status(form.receipt, form.birth_date);
  } catch (e) {
    const notFound = e instanceof ApiError && [400, 404, 422].includes(e.status);
    formScreen(h('p', { class: 'problem', role: 'alert' }, t(notFound ? 'kiosk.status.not_found' : 'kiosk.error.server')));
    return;
  }
  const text = r.state === 'returned' ? t('kiosk.status.returned', { reason: r.reason || '' }) : t(`kiosk.status.${r.state}`);
  formScreen(h('div', { class: `result ${r.state}`, role: 'status' }, h('p', {}, text)));
}

const wanted = new URLSearchParams(location.search).get('lang');
await setLanguage(KIOSK_LANGUAGES.some(([c]) => c === wanted) ? wanted : 'ru');
langBar();
formScreen();
idle.arm();
