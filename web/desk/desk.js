// The desk "Control": one page for every officer role. An officer logs in
// with a password and a TOTP code (the first log-in enrols the
// authenticator app from a QR code and shows the recovery codes once), then
// sees the screens of their role, listed in SCREENS: a registrar decides
// appeals against a lapse (product rule 13) and may look persons up, an
// inspector looks persons up with a reason, a supervisor manages officers,
// an auditor reads and verifies the audit log.
// The server decides what a role may do (api/desk_acl.c); the list only
// shows what is worth opening. The session lives in sessionStorage, so
// closing the tab on a shared computer ends it here too. Texts come from
// po/ (keys desk.*), in Russian or English.
import { bearer, request } from '/common/api.js';
import { setLanguage, t } from '/common/i18n.js';
import { h, qrSvg, replace, uid } from '/common/dom.js';
import { numericDay, numericMoment } from '/common/format.js';
import { activityScreen } from '/desk/activity.js';
import { auditScreen } from '/desk/audit.js';
import { chainScreen } from '/desk/chain.js';
import { docsetsScreen } from '/desk/docsets.js';
import { lookupScreen } from '/desk/lookup.js';
import { officersScreen } from '/desk/officers.js';
import { personEventsScreen } from '/desk/person_events.js';
import { recoveryScreen } from '/desk/recovery.js';
import { reviewScreen } from '/desk/review.js';

const KEY = 'uchet.desk.session';
const LANG_KEY = 'uchet.desk.lang';
const MIN_REASON = 10;   // letters or digits, as the server counts them (rules/reason.h)
let session = null;   // {token, role, login}
let showing = 'pending';
let current = null;   // the open screen's id

// The desk's screens, in the order of the navigation. Each: id, the key of
// its name, the roles that see it, and render(container, desk). Add a
// screen by adding an entry (e.g. the enrolment review, review.js).
export const SCREENS = [
  { id: 'appeals', name: 'desk.nav.appeals', roles: ['registrar'], render: appealsScreen },
  { id: 'review', name: 'desk.nav.review', roles: ['registrar'], render: reviewScreen },
  { id: 'docsets', name: 'desk.nav.docsets', roles: ['registrar'], render: docsetsScreen },
  { id: 'lookup', name: 'desk.nav.lookup', roles: ['inspector', 'registrar'], render: lookupScreen },
  { id: 'recovery', name: 'desk.nav.recovery', roles: ['registrar'], render: recoveryScreen },
  { id: 'officers', name: 'desk.nav.officers', roles: ['supervisor'], render: officersScreen },
  { id: 'audit', name: 'desk.nav.audit', roles: ['auditor'], render: auditScreen },
  { id: 'chain', name: 'desk.nav.chain', roles: ['auditor'], render: chainScreen },
  { id: 'person-events', name: 'desk.nav.person_events', roles: ['auditor'], render: personEventsScreen },
  { id: 'activity', name: 'desk.nav.activity', roles: ['auditor'], render: activityScreen },
];

function load() {
  try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
}

function save(s) {
  session = s;
  try {
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
    else sessionStorage.removeItem(KEY);
  } catch { /* storage off: the session lasts as long as the page */ }
}

export function status(kind, text) {
  replace(document.getElementById('status'), text ? h('div', { class: `result ${kind}` }, text) : null);
}

// One request with the desk's session (/common/api.js); resolves to the
// answer whatever its status ({status, ok, body, blob, retryAfter, ...}),
// rejects when there is none. opts: raw (a Blob for images and PDFs). A 401
// ends the session here: back to the log-in, saying why.
export async function call(method, path, body, opts = {}) {
  const res = await request(method, path, { ...opts, body, auth: session ? bearer(session.token) : undefined });
  if (res.status === 401 && session) {
    save(null);
    show();
    status('err', t('desk.session_over'));
  }
  return res;
}

// A refusal in words: the desk's own message for its code, else the server's.
export function problem(res) {
  const code = res.body && res.body.code;
  if (res.status === 429) {
    return t('desk.error.rate_limited', { minutes: Math.max(1, Math.ceil((Number(res.retryAfter) || 60) / 60)) });
  }
  const key = `desk.error.${code}`;
  const text = code ? t(key) : key;
  if (text !== key) return text;
  return t('desk.error.other', { detail: (res.body && res.body.detail) || res.status });
}

export function me() {
  return session;
}

// --- log-in: password and code; the first time, the authenticator -------

function recoveryCodes(codes) {
  const box = document.getElementById('enrol');
  const done = h('button', { type: 'button', class: 'primary' }, t('desk.enrol.saved'));
  replace(box,
    h('h1', {}, t('desk.enrol.recovery_title')),
    h('p', {}, t('desk.enrol.recovery_hint')),
    h('ol', { class: 'codes', 'aria-label': t('desk.enrol.recovery_title') }, codes.map((c) => h('li', {}, c))),
    done);
  done.addEventListener('click', () => { box.hidden = true; replace(box); show(); });
  done.focus();
}

function enrolment(login, e) {
  document.getElementById('login').hidden = true;
  const box = document.getElementById('enrol');
  box.hidden = false;
  const id = uid('code');
  const field = h('input', { id, type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
    maxlength: '6', pattern: '[0-9]{6}', required: true });
  const form = h('form', { novalidate: true },
    h('label', { for: id }, t('desk.enrol.code')), field,
    h('button', { type: 'submit', class: 'primary' }, t('desk.enrol.confirm')));
  replace(box,
    h('h1', {}, t('desk.enrol.title')),
    h('p', {}, t('desk.enrol.hint')),
    e.qr ? qrSvg(e.qr, t('desk.enrol.qr_label')) : null,
    h('p', {}, t('desk.enrol.secret'), ' ', h('code', { class: 'secret' }, e.secret)),
    form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = field.value.trim();
    if (!/^[0-9]{6}$/.test(code)) { field.setAttribute('aria-invalid', 'true'); return status('err', t('desk.login.code_format')); }
    const res = await call('POST', '/api/v1/desk/session/totp', { enrolment_token: e.enrolment_token, code });
    if (res.ok) {
      save({ token: res.body.token, role: res.body.role, login });
      status('ok', t('desk.enrol.done'));
      recoveryCodes(res.body.recovery_codes);
    } else {
      box.hidden = true;
      show();
      status('err', problem(res));
    }
  });
  field.focus();
}

async function logIn(event) {
  event.preventDefault();
  const login = document.getElementById('login-name').value.trim();
  const password = document.getElementById('login-password').value;
  const code = document.getElementById('login-code').value.replace(/\s/g, '');
  if (!login || !password) return status('err', t('desk.login.missing'));
  const body = { login, password };
  if (/^[0-9]{6}$/.test(code)) body.code = code;
  else if (code) body.recovery_code = code;
  const button = document.getElementById('login-submit');
  button.disabled = true;
  status('', t('desk.login.busy'));
  try {
    const res = await call('POST', '/api/v1/desk/session', body);
    if (res.status === 202) {
      document.getElementById('login-form').reset();
      status('', '');
      enrolment(login, res.body);
    } else if (res.ok) {
      save({ token: res.body.token, role: res.body.role, login });
      document.getElementById('login-form').reset();
      status('', '');
      show();
    } else {
      status('err', problem(res));
    }
  } catch {
    status('err', t('desk.offline'));
  } finally {
    button.disabled = false;
  }
}

// The page forgets the session at once (a shared computer), then tells the
// server; the token dies with the tab anyway if that call is lost.
async function logOut() {
  const token = session && session.token;
  save(null);
  status('', t('desk.logged_out'));
  show();
  try {
    await request('DELETE', '/api/v1/desk/session', { auth: bearer(token) });
  } catch { /* see above */ }
}

// --- appeals (registrar) ---------------------------------------------------

function facts(a) {
  const rows = [
    [t('desk.appeal.id'), t('desk.appeal.filed', { id: a.id, at: numericMoment(a.filed_at) })],
    [t('desk.appeal.region'), a.registration.region],
    [t('desk.appeal.last_confirmed'), numericDay(a.registration.last_confirmed_on)],
    [t('desk.appeal.lapsed'), numericMoment(a.registration.lapsed_at)],
  ];
  if (a.status !== 'pending') rows.push([t('desk.appeal.decision'), `${t(`desk.appeal.status.${a.status}`)}, ${numericMoment(a.decided_at)}`]);
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

async function decide(a, grant, box) {
  const field = box.querySelector('textarea');
  const reason = field.value.trim();
  if (reason.length < MIN_REASON) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
    return status('err', t('desk.appeal.need_reason', { min: MIN_REASON }));
  }
  field.removeAttribute('aria-invalid');
  for (const b of box.querySelectorAll('button')) b.disabled = true;
  status('', t('desk.appeal.saving'));
  try {
    const res = await call('POST', `/api/v1/desk/appeals/${a.id}/decision`, { grant, reason });
    if (res.ok) {
      status('ok', grant ? t('desk.appeal.granted', { id: a.id, due: numericDay(res.body.due_date) })
        : t('desk.appeal.refused', { id: a.id }));
      await list();
    } else if (res.status !== 401) {
      status('err', problem(res));
      for (const b of box.querySelectorAll('button')) b.disabled = false;
    }
  } catch {
    status('err', t('desk.appeal.offline'));
    for (const b of box.querySelectorAll('button')) b.disabled = false;
  }
}

function card(a) {
  const title = t('desk.appeal.title', { id: a.id });
  const box = h('article', { class: 'appeal', 'aria-label': title },
    h('h2', {}, `${title} — ${t(`desk.appeal.status.${a.status}`)}`),
    facts(a),
    h('p', {}, t('desk.appeal.person_says')),
    h('blockquote', { class: 'said' }, a.reason));
  if (a.status !== 'pending') {
    box.appendChild(h('p', {}, t('desk.appeal.decision_reason', { reason: a.decision_reason || '—' })));
    return box;
  }
  const id = uid('reason');
  box.appendChild(h('label', { for: id }, t('desk.appeal.reason_label')));
  box.appendChild(h('textarea', { id, rows: '3', maxlength: '500', required: true }));
  box.appendChild(h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'grant', onclick: () => decide(a, true, box) }, t('desk.appeal.grant')),
    h('button', { type: 'button', class: 'refuse', onclick: () => decide(a, false, box) }, t('desk.appeal.refuse'))));
  return box;
}

async function list() {
  const target = document.getElementById('list');
  if (!target) return null;
  replace(target, h('p', { class: 'empty' }, t('desk.loading')));
  for (const b of document.querySelectorAll('.tab')) b.setAttribute('aria-pressed', String(b.dataset.status === showing));
  let res;
  try {
    res = await call('GET', `/api/v1/desk/appeals?status=${showing}`);
  } catch {
    return replace(target, h('p', { class: 'result err' }, t('desk.offline')));
  }
  if (!res.ok) return res.status === 401 ? null : replace(target, h('p', { class: 'result err' }, problem(res)));
  const items = res.body.items;
  if (!items.length) {
    return replace(target, h('p', { class: 'empty' },
      showing === 'pending' ? t('desk.appeal.none_pending') : t('desk.appeal.none')));
  }
  return replace(target, items.map(card));
}

function appealsScreen(box) {
  const tabs = ['pending', 'granted', 'refused'].map((s) => {
    const b = h('button', { type: 'button', class: 'tab', 'data-status': s, 'aria-pressed': String(s === showing) },
      t(`desk.appeal.tab.${s}`));
    b.addEventListener('click', () => { showing = s; status('', ''); list(); });
    return b;
  });
  replace(box,
    h('h1', {}, t('desk.appeal.heading')),
    h('p', { class: 'hint' }, t('desk.appeal.hint')),
    h('nav', { class: 'tabs', 'aria-label': t('desk.appeal.tabs') }, tabs),
    h('div', { id: 'list', 'aria-live': 'polite' }));
  list();
}

// --- the frame: navigation, language, who is logged in ----------------------

function screensFor(role) {
  return SCREENS.filter((s) => s.roles.includes(role));
}

function open(id) {
  current = id;
  const screen = SCREENS.find((s) => s.id === id);
  for (const b of document.querySelectorAll('#nav button')) {
    b.setAttribute('aria-current', String(b.dataset.screen === id));
  }
  status('', '');
  screen.render(document.getElementById('screen'));
}

function nav(screens) {
  replace(document.getElementById('nav'), h('ul', {}, screens.map((s) => {
    const b = h('button', { type: 'button', 'data-screen': s.id }, t(s.name));
    b.addEventListener('click', () => open(s.id));
    return h('li', {}, b);
  })));
}

function frameTexts() {
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  document.title = t('desk.title');
}

function show() {
  const inSession = Boolean(session);
  document.getElementById('login').hidden = inSession || !document.getElementById('enrol').hidden;
  document.getElementById('work').hidden = !inSession;
  document.getElementById('logout').hidden = !inSession;
  const who = document.getElementById('who');
  who.hidden = !inSession;
  who.textContent = inSession ? `${session.login} (${t(`desk.role.${session.role}`)})` : '';
  if (!inSession) {
    current = null;
    replace(document.getElementById('screen'));
    if (document.getElementById('enrol').hidden) document.getElementById('login-name').focus();
    return;
  }
  const screens = screensFor(session.role);
  nav(screens);
  if (!screens.length) return replace(document.getElementById('screen'), h('p', { class: 'hint' }, t('desk.nothing_here')));
  return open(screens.some((s) => s.id === current) ? current : screens[0].id);
}

async function chooseLanguage(code) {
  try { localStorage.setItem(LANG_KEY, code); } catch { /* a private window: this page only */ }
  await setLanguage(code);
  for (const b of document.querySelectorAll('#lang button')) b.setAttribute('aria-pressed', String(b.dataset.lang === code));
  frameTexts();
  show();
}

async function start() {
  session = load();
  let lang = 'ru';
  try { lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'ru'; } catch { /* default */ }
  await setLanguage(lang);
  for (const b of document.querySelectorAll('#lang button')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    b.addEventListener('click', () => chooseLanguage(b.dataset.lang));
  }
  frameTexts();
  document.getElementById('login-form').addEventListener('submit', logIn);
  document.getElementById('logout').addEventListener('click', logOut);
  show();
}

start();
