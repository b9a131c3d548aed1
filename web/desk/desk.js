// The desk: an officer logs in and a registrar decides appeals against a
// lapse (product rule 13) with a written reason the person will read. The
// queue carries no names: the decision rests on the reason and the dates.
// The session lives in sessionStorage, so closing the tab on a shared
// computer ends it here too.
import { h, replace, uid } from '/common/dom.js';

const KEY = 'uchet.desk.session';
const MIN_REASON = 10;   // letters or digits, as the server counts them (rules/reason.h)
const ROLE_NAMES = { registrar: 'регистратор', inspector: 'инспектор', auditor: 'аудитор' };
const STATUS_NAMES = { pending: 'ожидает решения', granted: 'удовлетворена', refused: 'отклонена' };
let session = null;   // {token, role, login}
let showing = 'pending';

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

// "2025-11-07T00:00:00+03:00" -> "07.11.2025 00:00", in the region's own time.
function when(rfc3339) {
  if (!rfc3339) return '—';
  const [y, m, d] = rfc3339.slice(0, 10).split('-');
  return `${d}.${m}.${y} ${rfc3339.slice(11, 16)}`;
}

function day(iso) {
  if (!iso) return '—';
  const [y, m, d] = iso.split('-');
  return `${d}.${m}.${y}`;
}

function status(kind, text) {
  replace(document.getElementById('status'), text ? h('div', { class: `result ${kind}` }, text) : null);
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit',
  });
  const data = await res.json().catch(() => null);
  if (res.status === 401 && session) {
    save(null);
    show();
    status('err', 'Сессия закончилась. Войдите снова.');
  }
  return { status: res.status, ok: res.ok, body: data, retryAfter: res.headers.get('Retry-After') };
}

function problem(res) {
  const code = res.body && res.body.code;
  const known = {
    appeal_decided: 'По этой жалобе уже принято решение.',
    registered_again: 'Человек уже зарегистрировался заново: восстановить прежнюю регистрацию нельзя. Жалобу можно отклонить с этим основанием.',
    forbidden: 'Решения по жалобам принимает регистратор.',
    not_found: 'Такой жалобы нет.',
  };
  if (known[code]) return known[code];
  if (res.status === 429) {
    return `Слишком много попыток. Попробуйте через ${Math.max(1, Math.ceil((Number(res.retryAfter) || 60) / 60))} мин.`;
  }
  return `Не получилось: ${(res.body && res.body.detail) || res.status}`;
}

async function logIn(event) {
  event.preventDefault();
  const login = document.getElementById('login-name').value.trim();
  const password = document.getElementById('login-password').value;
  if (!login || !password) return status('err', 'Введите логин и пароль.');
  const button = document.getElementById('login-submit');
  button.disabled = true;
  status('', 'Входим…');
  try {
    const res = await call('POST', '/api/v1/desk/session', { login, password });
    if (res.ok) {
      save({ token: res.body.token, role: res.body.role, login });
      document.getElementById('login-form').reset();
      status('', '');
      show();
    } else {
      status('err', res.status === 401 ? 'Неверный логин или пароль.' : problem(res));
    }
  } catch {
    status('err', 'Нет связи с сервером. Попробуйте ещё раз.');
  } finally {
    button.disabled = false;
  }
}

async function logOut() {
  try { await call('DELETE', '/api/v1/desk/session'); } catch { /* the token dies with the tab anyway */ }
  save(null);
  status('', 'Вы вышли.');
  show();
}

function facts(a) {
  const rows = [
    ['Жалоба', `№ ${a.id}, подана ${when(a.filed_at)}`],
    ['Регион', a.registration.region],
    ['Последнее подтверждение', day(a.registration.last_confirmed_on)],
    ['Регистрация прекращена', when(a.registration.lapsed_at)],
  ];
  if (a.status !== 'pending') rows.push(['Решение', `${STATUS_NAMES[a.status]}, ${when(a.decided_at)}`]);
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

async function decide(a, grant, box) {
  const field = box.querySelector('textarea');
  const reason = field.value.trim();
  if (reason.length < MIN_REASON) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
    return status('err', `Напишите основание решения (не короче ${MIN_REASON} знаков): его прочтёт человек.`);
  }
  field.removeAttribute('aria-invalid');
  for (const b of box.querySelectorAll('button')) b.disabled = true;
  status('', 'Сохраняем решение…');
  try {
    const res = await call('POST', `/api/v1/desk/appeals/${a.id}/decision`, { grant, reason });
    if (res.ok) {
      status('ok', grant
        ? `Жалоба № ${a.id} удовлетворена: регистрация восстановлена, новый срок подтверждения — ${day(res.body.due_date)}.`
        : `Жалоба № ${a.id} отклонена. Человек получит уведомление с основанием.`);
      await list();
    } else if (res.status !== 401) {
      status('err', problem(res));
      for (const b of box.querySelectorAll('button')) b.disabled = false;
    }
  } catch {
    status('err', 'Нет связи с сервером. Решение не сохранено; попробуйте ещё раз.');
    for (const b of box.querySelectorAll('button')) b.disabled = false;
  }
}

function card(a) {
  const box = h('article', { class: 'appeal', 'aria-label': `Жалоба № ${a.id}` },
    h('h2', {}, `Жалоба № ${a.id} — ${STATUS_NAMES[a.status]}`),
    facts(a),
    h('p', {}, 'Человек пишет:'),
    h('blockquote', { class: 'said' }, a.reason));
  if (a.status !== 'pending') {
    box.appendChild(h('p', {}, `Основание решения: ${a.decision_reason || '—'}`));
    return box;
  }
  if (session.role !== 'registrar') return box;
  const id = uid('reason');
  box.appendChild(h('label', { for: id }, 'Основание решения (его увидит человек)'));
  box.appendChild(h('textarea', { id, rows: '3', maxlength: '500', required: true }));
  box.appendChild(h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'grant', onclick: () => decide(a, true, box) }, 'Удовлетворить'),
    h('button', { type: 'button', class: 'refuse', onclick: () => decide(a, false, box) }, 'Отказать')));
  return box;
}

async function list() {
  const target = document.getElementById('list');
  replace(target, h('p', { class: 'empty' }, 'Загружаем…'));
  for (const t of document.querySelectorAll('.tab')) t.setAttribute('aria-pressed', String(t.dataset.status === showing));
  let res;
  try {
    res = await call('GET', `/api/v1/desk/appeals?status=${showing}`);
  } catch {
    return replace(target, h('p', { class: 'result err' }, 'Нет связи с сервером.'));
  }
  if (!res.ok) return res.status === 401 ? null : replace(target, h('p', { class: 'result err' }, problem(res)));
  const items = res.body.items;
  if (!items.length) {
    return replace(target, h('p', { class: 'empty' },
      showing === 'pending' ? 'Жалоб, ожидающих решения, нет.' : 'Здесь пока пусто.'));
  }
  const note = session.role === 'registrar' || showing !== 'pending'
    ? null : h('p', { class: 'hint' }, 'Решения по жалобам принимает регистратор.');
  return replace(target, note, items.map(card));
}

function show() {
  const inSession = Boolean(session);
  document.getElementById('login').hidden = inSession;
  document.getElementById('appeals').hidden = !inSession;
  document.getElementById('logout').hidden = !inSession;
  const who = document.getElementById('who');
  who.hidden = !inSession;
  who.textContent = inSession ? `${session.login} (${ROLE_NAMES[session.role] || session.role})` : '';
  if (inSession) list();
  else document.getElementById('login-name').focus();
}

function start() {
  session = load();
  document.getElementById('login-form').addEventListener('submit', logIn);
  document.getElementById('logout').addEventListener('click', logOut);
  for (const t of document.querySelectorAll('.tab')) {
    t.addEventListener('click', () => { showing = t.dataset.status; status('', ''); list(); });
  }
  show();
}

start();
