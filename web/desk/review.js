// Enrolment review at the desk (docs/ENROLMENT.md, "Review"): a registrar
// sees the queue of kiosk enrolments, opens one for decision, compares the
// passport page and the live face photo by eye, reads the kiosk checks'
// findings and possible duplicates, and approves (then prints the
// activation letter once) or returns it with a reason the applicant reads.
//
// One of the desk's screens (desk.js SCREENS); its requests go through
// desk.js's call(), with the desk's session. Images are fetched with the token and shown from
// blob: URLs that are revoked when the enrolment is closed; the server sends
// them with Cache-Control: no-store.
import { t } from '/common/i18n.js';
import { h, replace, uid } from '/common/dom.js';
import { numericDay, numericMoment } from '/common/format.js';
import { call as deskCall } from '/desk/desk.js';

const BASE = '/api/v1/desk/enrolments';
const MIN_REASON = 5;   // letters or digits, as the server counts them (rules/reason.h)
const STATES = ['pending', 'approved', 'returned'];
const IMAGES = ['document', 'face'];
const FINGERS = ['slap-left', 'slap-right', 'thumbs'];
const CAPTURES = ['slap-left', 'slap-right', 'thumbs', 'palm-left', 'palm-right'];

function stateName(state) {
  return STATES.includes(state) ? t(`desk.review.state.${state}`) : state;
}

function captureName(capture) {
  return CAPTURES.includes(capture) ? t(`desk.review.capture.${capture}`) : capture;
}

let showing = 'pending';
let urls = [];   // blob: URLs of the open enrolment's images

function say(kind, text) {
  replace(document.getElementById('review-status'), text ? h('div', { class: `result ${kind}` }, text) : null);
}

// The desk's own words for a refusal (desk.error.<code>), else the server's.
function problem(res) {
  const code = res.body && res.body.code;
  if (code === 'invalid_reason') return t('desk.review.need_reason', { min: MIN_REASON });
  const key = `desk.error.${code}`;
  const text = code ? t(key) : key;
  return text !== key ? text : t('desk.error.other', { detail: (res.body && res.body.detail) || res.status });
}

// A request under the enrolments' base; raw answers come as a Blob.
function call(method, path, body, raw) {
  return deskCall(method, BASE + path, body, { raw });
}

function forget() {
  for (const u of urls) URL.revokeObjectURL(u);
  urls = [];
}

function facts(rows) {
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function detailsFacts(d) {
  return facts([
    [t('desk.review.name'), `${d.surname} ${d.given_names}`],
    [t('desk.review.name_latin'), `${d.surname_latin} ${d.given_names_latin}`],
    [t('desk.review.birth_date'), numericDay(d.birth_date)], [t('desk.review.sex'), d.sex], [t('desk.review.citizenship'), d.citizenship],
    [t('desk.review.document_number'), d.document_number], [t('desk.review.expiry'), numericDay(d.document_expiry)],
  ]);
}

function documentCheck(dc) {
  if (!dc) return h('p', { class: 'hint' }, t('desk.review.no_document_check'));
  const checks = Array.isArray(dc.checks) ? dc.checks : [];
  const failed = checks.filter((c) => c && c.ok === false);
  const verdict = dc.valid === true || (checks.length && !failed.length)
    ? t('desk.review.check_ok')
    : t('desk.review.check_findings');
  return h('div', {},
    h('p', {}, t('desk.review.document_check', { verdict })),
    failed.length ? h('ul', {}, failed.map((c) => h('li', {}, `${c.name || c.check || ''}: ${c.reason || ''}`))) : null);
}

function qualityTable(title, captures) {
  const rows = [];
  for (const c of captures) {
    for (const x of c.results || []) {
      rows.push(h('tr', {}, h('td', {}, captureName(c.capture)), h('td', {}, x.position),
        h('td', {}, String(x.quality)), h('td', {}, x.ok ? t('desk.review.quality_ok') : t('desk.review.quality_low')), h('td', {}, x.reason || '')));
    }
    for (const e of c.exceptions || []) {
      // the reason the person chose at the kiosk; older enrolments have none
      const why = (c.exception_reasons || {})[e];
      const remark = why ? t(`desk.review.missing_${why}`) : t('desk.review.missing_why');
      rows.push(h('tr', { class: 'exception' }, h('td', {}, captureName(c.capture)), h('td', {}, e),
        h('td', {}, '—'), h('td', {}, t('desk.review.declared_missing')), h('td', {}, remark)));
    }
  }
  return h('table', { class: 'quality' }, h('caption', {}, title),
    h('thead', {}, h('tr', {}, ['capture', 'position', 'quality', 'verdict', 'remark'].map((c) => h('th', { scope: 'col' }, t(`desk.review.col.${c}`))))),
    h('tbody', {}, rows));
}

function duplicates(list) {
  if (!list.length) return h('p', { class: 'hint' }, t('desk.review.no_duplicates'));
  const match = (m) => t(`desk.review.match.${m === 'document_number' ? 'document_number' : 'names_birth_date'}`);
  return h('div', { class: 'result err', role: 'alert' },
    h('strong', {}, t('desk.review.duplicate')),
    h('ul', {}, list.map((d) => h('li', {}, d.kind === 'person'
      ? t('desk.review.dup_person', { match: match(d.match) })
      : t('desk.review.dup_enrolment', { receipt: d.receipt, state: stateName(d.state), match: match(d.match) })))));
}

async function images(e, box) {
  forget();
  const row = h('div', { class: 'side-by-side' });
  replace(box, row);
  for (const kind of IMAGES) {
    const title = t(`desk.review.image.${kind}`);
    const res = await call('GET', `/${e.receipt}/images/${kind}`, undefined, true);
    let body;
    if (res.ok) {
      const u = URL.createObjectURL(res.blob);
      urls.push(u);
      body = h('img', { src: u, alt: title, class: 'evidence' });
    } else {
      body = h('p', { class: 'hint' }, res.status === 404 ? t('desk.review.no_image') : problem(res));
    }
    // a page from the kiosk's camera is no certified scan: the registrar is told
    const camera = kind === 'document' && res.ok && e.document_check && e.document_check.page === 'camera';
    row.appendChild(h('figure', {}, body, h('figcaption', {}, title),
      camera ? h('p', { class: 'warn camera-page' }, t('desk.review.page_camera')) : null));
  }
}

function letterLink(receipt, area) {
  const button = h('button', { type: 'button', class: 'primary', onclick: async () => {
    button.disabled = true;
    const res = await call('GET', `/${receipt}/letter.pdf`, undefined, true);
    if (!res.ok) { say('err', problem(res)); return; }
    const u = URL.createObjectURL(res.blob);
    urls.push(u);
    const a = h('a', { href: u, download: `letter-${receipt}.pdf`, class: 'download' }, t('desk.review.save_letter'));
    replace(area, h('p', {}, t('desk.review.letter_once')), a);
    a.click();
  } }, t('desk.review.print_letter'));
  return button;
}

function decisionArea(e, area) {
  const id = uid('decision');
  const field = h('textarea', { id, rows: '3', maxlength: '800' });
  const approve = async () => {
    const reason = field.value.trim();
    const res = await call('POST', `/${e.receipt}/approve`, reason ? { reason } : {});
    if (!res.ok) return say('err', problem(res));
    say('ok', t('desk.review.approved', { receipt: e.receipt, card: res.body.card_number }));
    return replace(area, letterLink(e.receipt, area));
  };
  const giveBack = async () => {
    const reason = field.value.trim();
    if (reason.replace(/[^\p{L}\p{N}]/gu, '').length < MIN_REASON) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      return say('err', t('desk.review.need_reason', { min: MIN_REASON }));
    }
    const res = await call('POST', `/${e.receipt}/return`, { reason });
    if (!res.ok) return say('err', problem(res));
    say('ok', t('desk.review.returned', { receipt: e.receipt }));
    return queue();
  };
  replace(area,
    h('label', { for: id }, t('desk.review.reason_label')), field,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'grant', onclick: approve }, t('desk.review.approve')),
      h('button', { type: 'button', class: 'refuse', onclick: giveBack }, t('desk.review.return'))));
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
    h('button', { type: 'button', class: 'quiet back', onclick: () => queue() }, t('desk.review.back')),
    h('article', { class: 'appeal', 'aria-label': t('desk.review.title', { receipt: e.receipt }) },
      h('h2', {}, `${t('desk.review.title', { receipt: e.receipt })} — ${stateName(e.state)}`),
      facts([[t('desk.review.submitted'), numericMoment(e.submitted_at)], [t('desk.review.kiosk_language'), e.language]]),
      duplicates(e.duplicates),
      pics,
      detailsFacts(e.details),
      documentCheck(e.document_check),
      h('p', {}, (e.face && e.face.length)
        ? t(e.face[0].ok ? 'desk.review.face_ok' : 'desk.review.face_best', { quality: e.face[0].quality })
        : t('desk.review.face_none')),
      qualityTable(t('desk.review.fingers'), e.fingers.filter((f) => FINGERS.includes(f.capture))),
      qualityTable(t('desk.review.palms'), e.palms),
      e.reason ? h('p', {}, t('desk.review.decision_reason', { reason: e.reason })) : null,
      area));
  if (e.state !== 'pending') return null;
  if (e.claim === 'other') return say('err', t('desk.error.enrolment_claimed'));
  if (e.claim === 'mine') return claim();
  return replace(area, h('button', { type: 'button', class: 'primary', onclick: claim }, t('desk.review.claim')));
}

async function queue() {
  forget();
  const target = document.getElementById('review-list');
  for (const b of document.querySelectorAll('.review-tab')) b.setAttribute('aria-pressed', String(b.dataset.state === showing));
  replace(target, h('p', { class: 'empty' }, t('desk.loading')));
  const res = await call('GET', `?state=${showing}`);
  if (!res.ok) return replace(target, h('p', { class: 'result err' }, problem(res)));
  if (!res.body.items.length) return replace(target, h('p', { class: 'empty' }, t('desk.review.none')));
  return replace(target, h('ul', { class: 'queue' }, res.body.items.map((i) => h('li', {},
    h('button', { type: 'button', class: 'queue-item', onclick: () => open(i.receipt) },
      `${i.receipt} · ${i.surname_latin} ${i.given_names_latin} · ${numericDay(i.birth_date)} · ${i.citizenship} · ${t('desk.review.submitted_at', { at: numericMoment(i.submitted_at) })}`
      + (i.claim === 'mine' ? ` · ${t('desk.review.claim_mine')}` : i.claim === 'other' ? ` · ${t('desk.review.claim_other')}` : ''))))));
}

// The desk's screen (desk.js SCREENS, registrars): the tabs and the queue.
export function reviewScreen(container) {
  if (!document.querySelector('link[href="/desk/review.css"]')) {
    document.head.appendChild(h('link', { rel: 'stylesheet', href: '/desk/review.css' }));
  }
  forget();
  replace(container, h('section', { id: 'review' },
    h('h1', {}, t('desk.nav.review')),
    h('p', { class: 'hint' }, t('desk.review.hint')),
    h('nav', { class: 'tabs', 'aria-label': t('desk.review.tabs') },
      STATES.map((state) => h('button', { type: 'button', class: 'tab review-tab', 'data-state': state,
        'aria-pressed': String(state === showing), onclick: () => { showing = state; say('', ''); queue(); } }, stateName(state)))),
    h('div', { id: 'review-status', role: 'status', 'aria-live': 'polite' }),
    h('div', { id: 'review-list', 'aria-live': 'polite' })));
  queue();
}

// Log-out drops the open enrolment's images at once.
document.getElementById('logout')?.addEventListener('click', () => forget());
