// The host page: a landlord confirms a tenant's residence with the tenant's
// one-time code (product rule 12). The answer shows only the address the
// code is for; nothing about the tenant is ever sent to this page.
// Texts come from po/ (keys host.*) through the shared i18n module. The
// landlord may not read the tenant's language, so the page offers Russian
// and English; Russian is the fallback.
import { ApiError, request } from '/common/api.js';
import { h, replace } from '/common/dom.js';
import { setLanguage as loadLanguage, t } from '/common/i18n.js';

const KEY = 'uchet.host.lang';
const OFFERED = ['ru', 'en'];

function stored() {
  try { return localStorage.getItem(KEY); } catch { return null; }
}

// The first of the browser's languages the page offers, else Russian.
function pickLanguage(preferred) {
  for (const tag of preferred || []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (OFFERED.includes(base)) return base;
  }
  return 'ru';
}

// Choices apply in the order made, even when a catalog arrives late.
let switching = Promise.resolve();

function setLanguage(next) {
  switching = switching.then(() => applyLanguage(next)).catch(() => { /* no catalog: the page's Russian stays */ });
  return switching;
}

async function applyLanguage(next) {
  const lang = OFFERED.includes(next) ? next : 'ru';
  await loadLanguage(lang);
  try { localStorage.setItem(KEY, lang); } catch { /* private mode: not remembered */ }
  document.title = t('host.page_title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(`host.${el.dataset.t}`);
  for (const b of document.querySelectorAll('.lang')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
}

function show(kind, ...children) {
  const box = document.getElementById('result');
  replace(box, h('div', { class: `result ${kind}` }, ...children));
}

function problemText(res) {
  if (res.code === 'host_code_invalid') return t('host.err_code');
  if (res.status === 429) return t('host.err_rate', { minutes: Math.max(1, Math.ceil((res.retryAfter || 60) / 60)) });
  if (res.code === 'too_short' || res.code === 'missing_field') return t('host.err_name');
  return t('host.err_other', { detail: res.detail || res.status });
}

async function submit(event) {
  event.preventDefault();
  const code = document.getElementById('code').value.trim();
  const name = document.getElementById('name').value.trim();
  if (!code) return show('err', t('host.err_code_empty'));
  if (name.length < 2) return show('err', t('host.err_name'));
  const button = document.getElementById('submit');
  button.disabled = true;
  show('', t('host.sending'));
  try {
    const res = await request('POST', '/api/v1/host/confirmations', { body: { code, landlord_name: name } });
    if (res.ok && res.body && res.body.address) {
      document.getElementById('form').reset();
      show('ok', h('p', {}, t('host.done')), h('p', { class: 'address' }, res.body.address),
        h('p', {}, t('host.done_note')));
    } else {
      show('err', problemText(res));
    }
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    show('err', t('host.err_network'));
  } finally {
    button.disabled = false;
  }
}

function boot() {
  for (const b of document.querySelectorAll('.lang')) b.addEventListener('click', () => setLanguage(b.dataset.lang));
  document.getElementById('form').addEventListener('submit', submit);
  setLanguage(stored() || pickLanguage(navigator.languages));
}

boot();
