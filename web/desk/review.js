// Enrolment review at the desk (docs/ENROLMENT.md, "Review"): a registrar
// sees the queue of kiosk enrolments, opens one for decision, compares the
// passport page and the live face photo by eye, reads the kiosk checks'
// findings and possible duplicates, and approves (then prints the
// activation letter once) or returns it with a reason the applicant reads.
//
// One of the desk's screens (desk.js SCREENS); it reads the desk session
// desk.js keeps in sessionStorage. Images are fetched with the token and shown from
// blob: URLs that are revoked when the enrolment is closed; the server sends
// them with Cache-Control: no-store.
import { h, replace, uid } from '/common/dom.js';

const KEY = 'uchet.desk.session';
const BASE = '/api/v1/desk/enrolments';
const MIN_REASON = 5;   // letters or digits, as the server counts them (rules/reason.h)
const STATES = { pending: 'ожидают решения', approved: 'одобрены', returned: 'возвращены' };
const IMAGES = [['document', 'Страница паспорта'], ['face', 'Фото с киоска']];
const FINGERS = ['slap-left', 'slap-right', 'thumbs'];
const CAPTURE_NAMES = {
  'slap-left': 'Левая рука, 4 пальца', 'slap-right': 'Правая рука, 4 пальца', thumbs: 'Большие пальцы',
  'palm-left': 'Левая ладонь', 'palm-right': 'Правая ладонь',
};
const PROBLEMS = {
  enrolment_claimed: 'Это заявление рассматривает другой регистратор.',
  enrolment_not_claimed: 'Сначала откройте заявление для решения.',
  enrolment_decided: 'По этому заявлению уже принято решение.',
  letter_printed: 'Письмо об активации уже напечатано.',
  document_exists: 'Человек с этим паспортом уже зарегистрирован: верните заявление с этим основанием.',
  image_not_found: 'Изображения нет.',
  invalid_reason: `Напишите основание (не короче ${MIN_REASON} букв или цифр).`,
  forbidden: 'Заявления рассматривает регистратор.',
};

let showing = 'pending';
let urls = [];   // blob: URLs of the open enrolment's images

function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
}

function say(kind, text) {
  replace(document.getElementById('review-status'), text ? h('div', { class: `result ${kind}` }, text) : null);
}

function problem(res) {
  const code = res.body && res.body.code;
  return PROBLEMS[code] || `Не получилось: ${(res.body && res.body.detail) || res.status}`;
}

async function call(method, path, body, raw) {
  const s = session();
  const headers = { Accept: raw ? '*/*' : 'application/json' };
  if (s) headers.Authorization = `Bearer ${s.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store',
  });
  if (raw && res.ok) return { ok: true, status: res.status, blob: await res.blob() };
  const data = await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, body: data };
}

function forget() {
  for (const u of urls) URL.revokeObjectURL(u);
  urls = [];
}

function day(iso) {
  if (!iso) return '—';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}.${m}.${y}`;
}

function when(rfc3339) {
  return rfc3339 ? `${day(rfc3339)} ${rfc3339.slice(11, 16)}` : '—';
}

function facts(rows) {
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function detailsFacts(d) {
  return facts([
    ['Фамилия, имя', `${d.surname} ${d.given_names}`],
    ['Латиницей (как в паспорте)', `${d.surname_latin} ${d.given_names_latin}`],
    ['Дата рождения', day(d.birth_date)], ['Пол', d.sex], ['Гражданство', d.citizenship],
    ['Номер документа', d.document_number], ['Действует до', day(d.document_expiry)],
  ]);
}

function documentCheck(dc) {
  if (!dc) return h('p', { class: 'hint' }, 'Проверка документа на киоске не проводилась.');
  const checks = Array.isArray(dc.checks) ? dc.checks : [];
  const failed = checks.filter((c) => c && c.ok === false);
  const verdict = dc.valid === true || (checks.length && !failed.length)
    ? 'машиночитаемая зона прочитана, контрольные цифры сходятся'
    : 'есть замечания';
  return h('div', {},
    h('p', {}, `Проверка документа: ${verdict}.`),
    failed.length ? h('ul', {}, failed.map((c) => h('li', {}, `${c.name || c.check || ''}: ${c.reason || ''}`))) : null);
}

function qualityTable(title, captures) {
  const rows = [];
  for (const c of captures) {
    for (const x of c.results || []) {
      rows.push(h('tr', {}, h('td', {}, CAPTURE_NAMES[c.capture] || c.capture), h('td', {}, x.position),
        h('td', {}, String(x.quality)), h('td', {}, x.ok ? 'годен' : 'низкое'), h('td', {}, x.reason || '')));
    }
    for (const e of c.exceptions || []) {
      rows.push(h('tr', { class: 'exception' }, h('td', {}, CAPTURE_NAMES[c.capture] || c.capture), h('td', {}, e),
        h('td', {}, '—'), h('td', {}, 'заявлено отсутствие'), h('td', {}, 'травма или отсутствие пальца')));
    }
  }
  return h('table', { class: 'quality' }, h('caption', {}, title),
    h('thead', {}, h('tr', {}, ['Снимок', 'Позиция', 'Качество', 'Итог', 'Замечание'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows));
}

function duplicates(list) {
  if (!list.length) return h('p', { class: 'hint' }, 'Возможных повторов не найдено.');
  const match = { document_number: 'тот же номер документа', names_birth_date: 'те же имя и дата рождения' };
  return h('div', { class: 'result err', role: 'alert' },
    h('strong', {}, 'Возможный повтор:'),
    h('ul', {}, list.map((d) => h('li', {}, d.kind === 'person'
      ? `уже есть человек: ${match[d.match]}`
      : `заявление ${d.receipt} (${STATES[d.state] || d.state}): ${match[d.match]}`))));
}

async function images(e, box) {
  forget();
  const row = h('div', { class: 'side-by-side' });
  replace(box, row);
  for (const [kind, title] of IMAGES) {
    const res = await call('GET', `/${e.receipt}/images/${kind}`, undefined, true);
    let body;
    if (res.ok) {
      const u = URL.createObjectURL(res.blob);
      urls.push(u);
      body = h('img', { src: u, alt: title, class: 'evidence' });
    } else {
      body = h('p', { class: 'hint' }, res.status === 404 ? 'Киоск не сохранил это изображение.' : problem(res));
    }
    row.appendChild(h('figure', {}, body, h('figcaption', {}, title)));
  }
}

function letterLink(receipt, area) {
  const button = h('button', { type: 'button', class: 'primary', onclick: async () => {
    button.disabled = true;
    const res = await call('GET', `/${receipt}/letter.pdf`, undefined, true);
    if (!res.ok) { say('err', problem(res)); return; }
    const u = URL.createObjectURL(res.blob);
    urls.push(u);
    const a = h('a', { href: u, download: `letter-${receipt}.pdf`, class: 'download' }, 'Сохранить письмо об активации (PDF)');
    replace(area, h('p', {}, 'Письмо напечатано один раз: код в нём больше нигде не хранится. Передайте его человеку.'), a);
    a.click();
  } }, 'Напечатать письмо об активации');
  return button;
}

function decisionArea(e, area) {
  const id = uid('decision');
  const field = h('textarea', { id, rows: '3', maxlength: '800' });
  const approve = async () => {
    const reason = field.value.trim();
    const res = await call('POST', `/${e.receipt}/approve`, reason ? { reason } : {});
    if (!res.ok) return say('err', problem(res));
    say('ok', `Заявление ${e.receipt} одобрено. Номер карты: ${res.body.card_number}.`);
    return replace(area, letterLink(e.receipt, area));
  };
  const giveBack = async () => {
    const reason = field.value.trim();
    if (reason.replace(/[^\p{L}\p{N}]/gu, '').length < MIN_REASON) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      return say('err', 'Напишите, почему заявление возвращено: это прочтёт человек.');
    }
    const res = await call('POST', `/${e.receipt}/return`, { reason });
    if (!res.ok) return say('err', problem(res));
    say('ok', `Заявление ${e.receipt} возвращено. Причину человек увидит на странице статуса.`);
    return queue();
  };
  replace(area,
    h('label', { for: id }, 'Основание (для возврата обязательно: его прочтёт человек)'), field,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'grant', onclick: approve }, 'Одобрить'),
      h('button', { type: 'button', class: 'refuse', onclick: giveBack }, 'Вернуть с причиной')));
}

async function open(receipt) {
  forget();
  say('', '');
  const target = document.getElementById('review-list');
  const res = await call('GET', `/${receipt}`);
  if (!res.ok) return say('err', problem(res));
  const e = res.body;
  const pics = h('div', { class: 'evidence-area' });
  const area = h('div', { class: 'decision' });
  const claim = async () => {
    const c = await call('POST', `/${e.receipt}/claim`);
    if (!c.ok) return say('err', problem(c));
    await images(e, pics);
    return decisionArea(e, area);
  };
  replace(target,
    h('button', { type: 'button', class: 'quiet back', onclick: () => queue() }, '← К списку'),
    h('article', { class: 'appeal', 'aria-label': `Заявление ${e.receipt}` },
      h('h2', {}, `Заявление ${e.receipt} — ${STATES[e.state] || e.state}`),
      facts([['Подано', when(e.submitted_at)], ['Язык киоска', e.language]]),
      duplicates(e.duplicates),
      pics,
      detailsFacts(e.details),
      documentCheck(e.document_check),
      h('p', {}, (e.face && e.face.length)
        ? `Фото лица: качество ${e.face[0].quality}, ${e.face[0].ok ? 'проверка пройдена' : 'принят лучший снимок'}`
        : 'Фото лица: нет данных проверки'),
      qualityTable('Отпечатки пальцев', e.fingers.filter((f) => FINGERS.includes(f.capture))),
      qualityTable('Ладони', e.palms),
      e.reason ? h('p', {}, `Основание решения: ${e.reason}`) : null,
      area));
  if (e.state !== 'pending') return null;
  if (e.claim === 'other') return say('err', PROBLEMS.enrolment_claimed);
  if (e.claim === 'mine') return claim();
  return replace(area, h('button', { type: 'button', class: 'primary', onclick: claim }, 'Открыть для решения'));
}

async function queue() {
  forget();
  const target = document.getElementById('review-list');
  for (const t of document.querySelectorAll('.review-tab')) t.setAttribute('aria-pressed', String(t.dataset.state === showing));
  replace(target, h('p', { class: 'empty' }, 'Загружаем…'));
  const res = await call('GET', `?state=${showing}`);
  if (!res.ok) return replace(target, h('p', { class: 'result err' }, problem(res)));
  if (!res.body.items.length) return replace(target, h('p', { class: 'empty' }, 'Заявлений нет.'));
  return replace(target, h('ul', { class: 'queue' }, res.body.items.map((i) => h('li', {},
    h('button', { type: 'button', class: 'queue-item', onclick: () => open(i.receipt) },
      `${i.receipt} · ${i.surname_latin} ${i.given_names_latin} · ${day(i.birth_date)} · ${i.citizenship} · подано ${when(i.submitted_at)}`
      + (i.claim === 'mine' ? ' · открыто вами' : i.claim === 'other' ? ' · у другого регистратора' : ''))))));
}

// The desk's screen (desk.js SCREENS, registrars): the tabs and the queue.
export function reviewScreen(container) {
  if (!document.querySelector('link[href="/desk/review.css"]')) {
    document.head.appendChild(h('link', { rel: 'stylesheet', href: '/desk/review.css' }));
  }
  forget();
  replace(container, h('section', { id: 'review' },
    h('h1', {}, 'Заявления с киоска'),
    h('p', { class: 'hint' }, 'Сравните страницу паспорта и фото с киоска. Каждый просмотр изображения записывается в журнал.'),
    h('nav', { class: 'tabs', 'aria-label': 'Какие заявления показать' },
      Object.entries(STATES).map(([state, name]) => h('button', { type: 'button', class: 'tab review-tab', 'data-state': state,
        'aria-pressed': String(state === showing), onclick: () => { showing = state; say('', ''); queue(); } }, name))),
    h('div', { id: 'review-status', role: 'status', 'aria-live': 'polite' }),
    h('div', { id: 'review-list', 'aria-live': 'polite' })));
  queue();
}

// Log-out drops the open enrolment's images at once.
document.getElementById('logout')?.addEventListener('click', () => forget());
