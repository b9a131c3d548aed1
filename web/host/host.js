// The host page: a landlord confirms a tenant's residence with the tenant's
// one-time code (product rule 12). The answer shows only the address the
// code is for; nothing about the tenant is ever sent to this page.
import { h, replace } from '/common/dom.js';
import { text, pickLanguage } from '/host/i18n.js';

const KEY = 'uchet.host.lang';
let lang = 'ru';

function stored() {
  try { return localStorage.getItem(KEY); } catch { return null; }
}

function setLanguage(next) {
  lang = next;
  try { localStorage.setItem(KEY, next); } catch { /* private mode: not remembered */ }
  document.documentElement.lang = next;
  document.title = text(lang, 'page_title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = text(lang, el.dataset.t);
  for (const b of document.querySelectorAll('.lang')) b.setAttribute('aria-pressed', String(b.dataset.lang === next));
}

function show(kind, ...children) {
  const box = document.getElementById('result');
  replace(box, h('div', { class: `result ${kind}` }, ...children));
}

function problemText(status, body, retryAfter) {
  const code = body && body.code;
  if (code === 'host_code_invalid') return text(lang, 'err_code');
  if (status === 429) return text(lang, 'err_rate', { minutes: Math.max(1, Math.ceil((Number(retryAfter) || 60) / 60)) });
  if (code === 'too_short' || code === 'missing_field') return text(lang, 'err_name');
  return text(lang, 'err_other', { detail: (body && body.detail) || status });
}

async function submit(event) {
  event.preventDefault();
  const code = document.getElementById('code').value.trim();
  const name = document.getElementById('name').value.trim();
  if (!code) return show('err', text(lang, 'err_code_empty'));
  if (name.length < 2) return show('err', text(lang, 'err_name'));
  const button = document.getElementById('submit');
  button.disabled = true;
  show('', text(lang, 'sending'));
  try {
    const res = await fetch('/api/v1/host/confirmations', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code, landlord_name: name }),
      credentials: 'omit',
    });
    const body = await res.json().catch(() => null);
    if (res.ok && body && body.address) {
      document.getElementById('form').reset();
      show('ok', h('p', {}, text(lang, 'done')), h('p', { class: 'address' }, body.address),
        h('p', {}, text(lang, 'done_note')));
    } else {
      show('err', problemText(res.status, body, res.headers.get('Retry-After')));
    }
  } catch {
    show('err', text(lang, 'err_network'));
  } finally {
    button.disabled = false;
  }
}

function boot() {
  setLanguage(stored() || pickLanguage(navigator.languages));
  for (const b of document.querySelectorAll('.lang')) b.addEventListener('click', () => setLanguage(b.dataset.lang));
  document.getElementById('form').addEventListener('submit', submit);
}

boot();
