// The enrolment kiosk (/kiosk/): one person at a time, from language to
// receipt, on a 1080 × 1920 portrait touch screen. Screens are functions
// that draw into #screen; `s` is the one session's state and is wiped with
// the screen (after the receipt, on "start over", or when idle).
// docs/KIOSK.md describes the flow, the setup and the tests.

import { h, qrSvg, replace } from '/common/dom.js';
import { t, setLanguage } from '/common/i18n.js';
import * as sbi from './sbi.js';
import { uchet, ApiError, kioskKey, setKioskKey, timings } from './uchet.js';
import { keyboard } from './keyboard.js';
import { signaturePad } from './pad.js';
import { idleTimer } from './idle.js';
import { KIOSK_LANGUAGES, STEPS, CAPTURES, ADVICE_PICTURES, groupReceipt } from './flow.js';

const IDLE_KEY = 'uchet.kiosk.idle_s';
const COUNTDOWN_KEY = 'uchet.kiosk.countdown_s';
const FACE_TRIES = 3;

const screen = document.getElementById('screen');
const bar = document.getElementById('bar');
const idle = idleTimer(document.getElementById('idle'), {
  idleMs: () => setting(IDLE_KEY, 90) * 1000, countdownMs: () => setting(COUNTDOWN_KEY, 20) * 1000, onExpire: () => wipe(),
});

let s = fresh();

function fresh() {
  return { sid: null, prev: '', port: null, doc: null, details: null, captures: {}, tries: {},
    signature: null, receipt: null, receiptQr: null, redo: false, t0: 0, current: null, stream: null, noScanner: false };
}

function setting(key, dflt) {
  const v = Number(localStorage.getItem(key));
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

// For the browser tests and the benchmark: the person's time and uchetd's.
// relang(): the current screen again in another language (the tests check
// every screen in every kiosk language for overflow without 13 enrolments).
window.kiosk = {
  timings,
  state: () => ({ sid: s.sid, receipt: s.receipt, step: s.step }),
  relang: async (code) => {
    await setLanguage(code);
    if (s.current) go(s.current);
  },
};

/* ---------------------------------------------------------------- frame */

function draw(step, ...content) {
  s.step = step;
  const n = STEPS.indexOf(step);
  replace(bar, n < 0 ? null : [
    h('span', { class: 'progress' }, t('kiosk.progress', { n: n + 1, total: STEPS.length })),
    h('button', { type: 'button', class: 'secondary small', onclick: confirmStartOver }, t('kiosk.start_over')),
  ]);
  bar.hidden = n < 0;
  replace(screen, content);
  screen.scrollTop = 0;
  const first = screen.querySelector('h1');
  if (first) first.focus();
}

function go(fn) {
  s.current = fn;
  stopStream();
  fn();
}

function title(key, params) {
  return h('h1', { tabindex: '-1' }, t(key, params));
}

function actions(...buttons) {
  return h('div', { class: 'actions' }, buttons);
}

function button(key, onclick, cls = 'primary', params) {
  return h('button', { type: 'button', class: cls, onclick }, t(key, params));
}

function notice(text, cls = 'problem') {
  return h('p', { class: cls, role: cls === 'problem' ? 'alert' : 'status' }, text);
}

function picture(src, cls = 'picture') {
  return h('img', { src: `/kiosk/img/${src}`, alt: '', class: cls });
}

// Runs fn while the idle timer is paused and a "please wait" is shown.
async function waiting(fn) {
  idle.pause();
  const note = h('p', { class: 'working', role: 'status' }, t('kiosk.working'));
  screen.appendChild(note);
  screen.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  try {
    return await fn();
  } finally {
    note.remove();
    screen.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    idle.resume();
  }
}

// A problem the person can act on: the device's, uchetd's, or the network's.
function problemText(e) {
  if (e instanceof sbi.DeviceError) {
    if (e.code === 'unreachable' || e.code === '202') return t('kiosk.device.unplugged');
    if (['110', '111', '703', '701'].includes(e.code)) return t('kiosk.device.busy');
    return t('kiosk.device.error');
  }
  if (e instanceof ApiError && e.code === 'session_expired') return t('kiosk.session_expired');
  return t('kiosk.error.server');
}

/* ----------------------------------------------------------- the screens */

let hello = '';

function languageScreen() {
  draw('language',
    h('h1', { tabindex: '-1', class: 'hello' }, `${t('kiosk.choose_language')} · ${hello}`),
    h('div', { class: 'languages' }, KIOSK_LANGUAGES.map(([code, name]) => h('button', {
      type: 'button', class: 'lang', lang: code, onclick: () => chooseLanguage(code),
    }, name))));
}

async function chooseLanguage(code) {
  await setLanguage(code);
  s.t0 = performance.now();
  timings.uchetMs = 0;
  timings.calls = 0;
  timings.per = [];
  idle.arm();
  go(consentScreen);
}

function consentScreen() {
  draw('consent', title('kiosk.consent.title'),
    h('dl', { class: 'consent' }, ['what', 'why', 'who', 'how_long', 'refuse'].map((k) => [
      h('dt', {}, t(`kiosk.consent.${k}_q`)), h('dd', {}, t(`kiosk.consent.${k}`))])),
    actions(button('kiosk.consent.disagree', () => wipe(), 'secondary'),
      button('kiosk.consent.agree', startSession)));
}

async function startSession() {
  try {
    const r = await waiting(() => uchet.start());
    s.sid = r.id;
    s.prev = r.previous_hash;
    go(passportScreen);
  } catch (e) {
    screen.appendChild(notice(problemText(e)));
  }
}

// The scanner first; once it has failed this session (absent, unplugged,
// not ready) the kiosk's own camera is offered beside it.
function passportScreen(problem) {
  draw('passport', title('kiosk.passport.title'), picture('passport.svg', 'picture tall'),
    h('p', { class: 'lead' }, t('kiosk.passport.hint')),
    problem ? notice(problem) : null,
    s.noScanner ? notice(t('kiosk.passport.no_scanner'), 'info') : null,
    actions(button('kiosk.passport.type', () => { s.details = s.details || emptyDetails(); go(detailsScreen); }, 'secondary'),
      s.noScanner ? button('kiosk.passport.camera', () => go(cameraScreen), 'secondary') : null,
      button('kiosk.passport.scan', scanPassport)));
}

function emptyDetails() {
  return { surname: '', given_names: '', surname_latin: '', given_names_latin: '', birth_date: '', sex: '',
    citizenship: '', document_number: '', document_expiry: '' };
}

async function withDevice(fn) {
  try {
    if (!s.port) s.port = await sbi.findService();
    return await fn(s.port);
  } catch (e) {
    if (e instanceof sbi.DeviceError && e.code === 'unreachable') s.port = null;
    throw e;
  }
}

// The scanner's signed capture goes to uchetd as it came: uchetd verifies
// it, reads the zone off the page and keeps the page for the registrar.
async function scanPassport() {
  let read;
  try {
    read = await waiting(async () => {
      const ans = await withDevice((port) => sbi.capture(port, 'document', s.sid, s.prev));
      return uchet.document(s.sid, { sbi: ans });
    });
  } catch (e) {
    if (e instanceof sbi.DeviceError) {
      // the scanner failed: the screen says so and offers the camera
      s.noScanner = true;
      go(() => passportScreen());
      return;
    }
    const unreadable = e instanceof ApiError && [415, 422].includes(e.status);
    passportScreen(unreadable ? t('kiosk.passport.unreadable') : problemText(e));
    return;
  }
  takeDocument(read);
}

/* ------------------------------------------------ the camera fallback */

// No scanner: the passport held to the kiosk's camera, a live preview with
// a frame to hold the page in, one picture sent to uchetd, which reads the
// zone and keeps the page marked "camera, not a certified scanner".
function cameraScreen(problem) {
  const video = h('video', { class: 'preview', autoplay: true, playsinline: true, 'aria-label': t('kiosk.passport.camera_title') });
  video.muted = true;
  draw('passport', title('kiosk.passport.camera_title'),
    h('div', { class: 'preview-box page-box' }, video, h('div', { class: 'page-guide', 'aria-hidden': 'true' })),
    h('p', { class: 'lead' }, t('kiosk.passport.camera_hint')),
    problem ? notice(problem) : null,
    actions(button('kiosk.back', () => go(passportScreen), 'secondary'),
      button('kiosk.passport.camera_take', () => shootPassport(video))));
  setTimeout(() => startCamera(video), 0);
}

async function startCamera(video) {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: { width: { ideal: 1920 }, height: { ideal: 1080 } } });
  } catch {
    go(() => passportScreen(t('kiosk.passport.no_camera')));
    return;
  }
  const stop = () => stream.getTracks().forEach((track) => track.stop());
  if (!video.isConnected) { stop(); return; }   // the person left the screen meanwhile
  s.stream = { abort: stop };
  video.srcObject = stream;
}

function frameBase64(video) {
  const c = document.createElement('canvas');
  c.width = video.videoWidth;
  c.height = video.videoHeight;
  c.getContext('2d').drawImage(video, 0, 0);
  return new Promise((resolve, reject) => {
    c.toBlob((blob) => {
      c.width = 0;
      if (!blob) { reject(new Error('no frame')); return; }
      const r = new FileReader();
      r.onload = () => resolve(String(r.result).slice(String(r.result).indexOf(',') + 1));
      r.onerror = () => reject(r.error);
      r.readAsDataURL(blob);
    }, 'image/jpeg', 0.92);
  });
}

async function shootPassport(video) {
  if (!video.videoWidth) return;   // no picture yet
  let read;
  try {
    const frame = await frameBase64(video);
    read = await waiting(() => uchet.document(s.sid, { camera: frame }));
  } catch (e) {
    const unreadable = e instanceof ApiError && [415, 422].includes(e.status);
    go(() => cameraScreen(unreadable ? t('kiosk.passport.camera_unreadable') : problemText(e)));
    return;
  }
  stopStream();
  takeDocument(read);
}

// The check's answer: the chain value moves on after a scan; the details
// screen shows what the zone says.
function takeDocument(read) {
  if (read.previous_hash) s.prev = read.previous_hash;
  s.doc = read;
  const f = read.fields || {};
  s.details = {
    surname: f.surname || '', given_names: f.given_names || '', surname_latin: f.surname || '',
    given_names_latin: f.given_names || '', birth_date: f.birth_date || '', sex: f.sex || '',
    citizenship: f.nationality || '', document_number: f.document_number || '', document_expiry: f.expiry_date || '',
  };
  go(detailsScreen);
}

const DETAIL_FIELDS = [
  ['surname_latin', ['latin']], ['given_names_latin', ['latin']], ['surname', ['cyrillic', 'latin']],
  ['given_names', ['cyrillic', 'latin']], ['birth_date', ['digits']], ['sex', null],
  ['citizenship', ['latin']], ['document_number', ['latin']], ['document_expiry', ['digits']],
];

// uchetd's refusal codes for the typed details, and the line each is about.
const FIELD_OF_CODE = {
  invalid_latin_name: 'surname_latin', invalid_birth_date: 'birth_date', invalid_sex: 'sex',
  invalid_citizenship: 'citizenship', invalid_document_number: 'document_number', document_expired: 'document_expiry',
};

function detailsScreen(problem) {
  const d = s.details;
  const zoneWrong = s.doc && s.doc.status === 'invalid';
  draw('details', title('kiosk.details.title'),
    zoneWrong ? notice(t('kiosk.details.zone_errors', { count: (s.doc.faults || []).length || 1 }), 'warning') : null,
    h('p', { class: 'lead' }, t('kiosk.details.hint')),
    h('dl', { class: 'details' }, DETAIL_FIELDS.map(([name]) => h('div', { class: 'row' },
      h('dt', {}, t(`kiosk.details.${name}`)),
      h('dd', {}, h('span', { class: 'value' }, name === 'sex' && d.sex ? t(`kiosk.details.sex_${d.sex.toLowerCase()}`) : d[name] || '—'),
        button('kiosk.details.change', () => editField(name), 'secondary small'))))),
    problem ? notice(problem) : null,
    actions(button('kiosk.details.confirm', confirmDetails)));
}

function editField(name) {
  const [, layouts] = DETAIL_FIELDS.find(([n]) => n === name);
  if (!layouts) {
    draw('details', title('kiosk.details.sex'), h('div', { class: 'choices' }, ['M', 'F', 'X'].map((v) => button(
      `kiosk.details.sex_${v.toLowerCase()}`, () => { s.details.sex = v; go(detailsScreen); }, 'choice'))));
    return;
  }
  draw('details', title('kiosk.details.change_title'), h('div', { id: 'kb' }));
  keyboard(screen.querySelector('#kb'), {
    label: t(`kiosk.details.${name}`), initial: s.details[name], layouts,
    onDone: (text) => { s.details[name] = text; go(detailsScreen); },
    onCancel: () => go(detailsScreen),
  });
}

async function confirmDetails() {
  const d = { ...s.details };
  if (!d.given_names) delete d.given_names;
  if (!d.given_names_latin) delete d.given_names_latin;
  try {
    await waiting(() => uchet.details(s.sid, d));
  } catch (e) {
    const field = e instanceof ApiError ? FIELD_OF_CODE[e.code] || (e.body.field || '') : '';
    detailsScreen(e instanceof ApiError && [400, 422].includes(e.status)
      ? t('kiosk.details.invalid', { field: t(field ? `kiosk.details.${field}` : 'kiosk.step.details') }) : problemText(e));
    return;
  }
  next('details');
}

// The step after `done`, or the review when a step was redone from there.
function next(done) {
  if (s.redo) {
    s.redo = false;
    go(reviewScreen);
    return;
  }
  const step = STEPS[STEPS.indexOf(done) + 1];
  if (CAPTURES.includes(step)) go(() => captureScreen(step));
  else if (step === 'signature') go(signatureScreen);
  else go(reviewScreen);
}

/* ------------------------------------------------------------ captures */

function stopStream() {
  if (s.stream) s.stream.abort();
  s.stream = null;
}

function startPreview(img) {
  const ctl = new AbortController();
  s.stream = ctl;
  let last = null;
  withDevice((port) => sbi.stream(port, (blob) => {
    if (last) URL.revokeObjectURL(last);
    last = URL.createObjectURL(blob);
    img.src = last;
  }, ctl.signal)).catch(() => {});
}

function fingerKey(name) {
  return `kiosk.finger.${name.toLowerCase().replace(' ', '_').replace('finger', '')}`;
}

function resultChips(kind, results) {
  if (!results || kind === 'face') return null;
  return h('ul', { class: 'chips' }, results.map((r) => h('li', { class: r.ok ? 'ok' : 'bad' },
    `${r.ok ? '✓' : '✗'} ${kind.startsWith('palm') ? t(`kiosk.step.${kind}`) : t(fingerKey(r.position))}`)));
}

function adviceOf(results) {
  const bad = (results || []).find((r) => !r.ok) || {};
  const key = `kiosk.advice.${bad.reason}`;
  const text = t(key);
  return { code: bad.reason, text: text === key ? t('kiosk.advice.generic') : text };
}

function captureScreen(kind, extra = {}) {
  const done = s.captures[kind];
  const fingers = sbi.fingersOf(kind);
  const exc = (s.tries[kind] && s.tries[kind].exceptions) || [];
  let visual;
  if (kind === 'face') {
    const img = h('img', { class: 'preview', alt: t('kiosk.face.preview') });
    visual = h('div', { class: 'preview-box' }, img, h('div', { class: 'oval', 'aria-hidden': 'true' }));
    if (!done) setTimeout(() => startPreview(img), 0);
  } else {
    visual = h('div', { class: `place place-${kind}`, 'aria-hidden': 'true' },
      h('div', { class: 'glass' }), picture(`${kind.startsWith('palm') ? 'palm' : kind === 'thumbs' ? 'thumbs' : 'hand'}.svg`, 'hand'));
  }
  const advice = extra.results && !done ? adviceOf(extra.results) : null;
  draw(kind, title(`kiosk.${kind}.title`), visual,
    h('p', { class: 'lead' }, t(`kiosk.${kind}.hint`)),
    exc.length ? notice(t('kiosk.fingers.declared', { fingers: exc.map((f) => t(fingerKey(f))).join(', ') }), 'info') : null,
    resultChips(kind, done ? done.results : extra.results),
    advice ? h('div', { class: 'advice', role: 'alert' },
      kind === 'face' ? picture(ADVICE_PICTURES.has(advice.code) ? `advice-${advice.code}.svg` : 'face.svg', 'advice-pic') : null,
      h('p', {}, advice.text)) : null,
    done && done.marked ? notice(t('kiosk.face.marked'), 'info') : null,
    done ? notice(t('kiosk.capture.ok'), 'good') : null,
    extra.problem ? notice(extra.problem) : null,
    actions(
      fingers.length && !done ? button('kiosk.fingers.missing', () => go(() => missingScreen(kind)), 'secondary') : null,
      done ? button('kiosk.capture.again', () => { delete s.captures[kind]; go(() => captureScreen(kind)); }, 'secondary') : null,
      done ? button('kiosk.next', () => next(kind))
        : button(extra.results || extra.problem ? 'kiosk.capture.retry' : kind === 'face' ? 'kiosk.face.take' : 'kiosk.capture.take',
          () => takeCapture(kind))));
}

async function takeCapture(kind) {
  const tries = s.tries[kind] || (s.tries[kind] = { n: 0, best: null, exceptions: [] });
  const exc = tries.exceptions;
  let ans;
  try {
    ans = await waiting(() => withDevice((port) => sbi.capture(port, kind, s.sid, s.prev, exc)));
  } catch (e) {
    go(() => captureScreen(kind, { problem: problemText(e) }));
    return;
  }
  stopStream();
  const body = { sbi: ans };
  if (exc.length) {
    body.exceptions = exc;
    // why each is missing, as chosen on the missing-fingers screen; the
    // registrar sees it and the transaction records it (14.018 AMP)
    body.exception_reasons = Object.fromEntries(exc.map((f) => [f, (tries.reasons || {})[f] || 'injured']));
  }
  try {
    accept(kind, await waiting(() => uchet.capture(s.sid, kind, body)), exc);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 'capture_quality_low') {
      go(() => captureScreen(kind, { problem: problemText(e) }));
      return;
    }
    tries.n += 1;
    const q = Math.min(...(e.body.results || []).map((r) => r.quality));
    if (!tries.best || q > tries.best.q) tries.best = { q, body };
    if (kind === 'face' && tries.n >= FACE_TRIES) {
      await acceptBest(kind, tries.best.body);
      return;
    }
    go(() => captureScreen(kind, { results: e.body.results }));
  }
}

// The third failed face: the best of the tries is kept, marked for the
// registrar (the person cannot do better at the machine).
async function acceptBest(kind, body) {
  try {
    accept(kind, await waiting(() => uchet.capture(s.sid, kind, { ...body, accept_low_quality: true })), []);
  } catch (e) {
    go(() => captureScreen(kind, { problem: problemText(e) }));
  }
}

function accept(kind, r, exc) {
  s.prev = r.previous_hash;
  // a redo starts a new round of three tries; an older best capture would
  // no longer continue the chain
  if (s.tries[kind]) Object.assign(s.tries[kind], { n: 0, best: null });
  s.captures[kind] = { results: r.results, marked: Boolean(r.marked), exceptions: exc };
  go(() => captureScreen(kind));
}

function missingScreen(kind) {
  const tries = s.tries[kind] || (s.tries[kind] = { n: 0, best: null, exceptions: [] });
  const chosen = new Map(tries.exceptions.map((f) => [f, (tries.reasons || {})[f] || 'injured']));
  const fingers = sbi.fingersOf(kind);
  function redraw() {
    draw(kind, title('kiosk.fingers.missing_title'), h('p', { class: 'lead' }, t('kiosk.fingers.missing_hint')),
      h('ul', { class: 'missing' }, fingers.map((f) => h('li', {},
        h('span', { class: 'finger-name' }, t(fingerKey(f))),
        ['none', 'amputated', 'injured'].map((why) => h('button', {
          type: 'button', class: `choice small${(chosen.get(f) || 'none') === why ? ' on' : ''}`,
          'aria-pressed': String((chosen.get(f) || 'none') === why),
          onclick: () => { if (why === 'none') chosen.delete(f); else chosen.set(f, why); redraw(); },
        }, t(`kiosk.fingers.reason_${why}`)))))),
      chosen.size >= fingers.length ? notice(t('kiosk.fingers.need_one')) : null,
      actions(button('kiosk.back', () => go(() => captureScreen(kind)), 'secondary'),
        button('kiosk.fingers.save', () => {
          if (chosen.size >= fingers.length) return;
          tries.exceptions = fingers.filter((f) => chosen.has(f));
          tries.reasons = Object.fromEntries(chosen);
          go(() => captureScreen(kind));
        })));
  }
  redraw();
}

/* ---------------------------------------------------------- signature */

// uchetd's verdict on a signature (bio/sigcheck's reasons) as one sentence
// in the person's language; anything else as any other problem.
function signatureProblem(e) {
  if (!(e instanceof ApiError)) return problemText(e);
  if (e.code === 'signature_empty') return t('kiosk.signature.hint');
  if (e.code === 'signature_too_small') return t('kiosk.signature.too_small');
  if (e.code === 'signature_too_simple') return t('kiosk.signature.too_simple');
  return problemText(e);
}

function signatureScreen(problem) {
  let save;
  const pad = signaturePad((n) => { save.disabled = n === 0; });
  pad.canvas.setAttribute('aria-label', t('kiosk.signature.title'));
  save = button('kiosk.next', async () => {
    try {
      await waiting(() => uchet.signature(s.sid, pad.points(), pad.size));
    } catch (e) {
      // through go(), so that a change of language says it again in the new one
      go(() => signatureScreen(signatureProblem(e)));
      return;
    }
    s.signature = true;
    next('signature');
  });
  save.disabled = true;
  draw('signature', title('kiosk.signature.title'), h('p', { class: 'lead' }, t('kiosk.signature.hint')),
    h('div', { class: 'pad-box' }, pad.canvas), problem ? notice(problem) : null,
    actions(button('kiosk.signature.clear', () => pad.clear(), 'secondary'), save));
}

/* ------------------------------------------------------ review, receipt */

function reviewRow(step, summary, ok) {
  return h('li', { class: ok ? 'ok' : 'bad' },
    h('span', { class: 'what' }, `${ok ? '✓' : '✗'} ${t(`kiosk.step.${step}`)}`),
    summary ? h('span', { class: 'summary' }, summary) : null,
    button('kiosk.review.redo', () => {
      s.redo = true;
      if (step === 'details') go(detailsScreen);
      else if (step === 'signature') go(signatureScreen);
      else { delete s.captures[step]; go(() => captureScreen(step)); }
    }, 'secondary small'));
}

function reviewScreen(problem) {
  const d = s.details || {};
  const rows = [reviewRow('details', `${d.surname_latin || ''} ${d.given_names_latin || ''} · ${d.document_number || ''}`, Boolean(s.details))];
  for (const kind of CAPTURES) {
    const c = s.captures[kind];
    const notes = [];
    if (c && c.marked) notes.push(t('kiosk.review.marked'));
    if (c && c.exceptions.length) notes.push(t('kiosk.fingers.declared', { fingers: c.exceptions.map((f) => t(fingerKey(f))).join(', ') }));
    rows.push(reviewRow(kind, notes.join(' '), Boolean(c)));
  }
  rows.push(reviewRow('signature', '', Boolean(s.signature)));
  const complete = s.details && s.signature && CAPTURES.every((k) => s.captures[k]);
  draw('review', title('kiosk.review.title'), h('p', { class: 'lead' }, t('kiosk.review.hint')),
    h('ul', { class: 'review' }, rows), problem ? notice(problem) : null,
    actions(complete ? button('kiosk.review.submit', submit) : null));
}

async function submit() {
  try {
    const r = await waiting(() => uchet.submit(s.sid));
    s.receipt = r.receipt;
    s.receiptQr = r.receipt_qr;
  } catch (e) {
    reviewScreen(problemText(e));
    return;
  }
  window.kiosk.result = { personMs: Math.round(performance.now() - s.t0), uchetMs: Math.round(timings.uchetMs),
    calls: timings.calls, per: timings.per.slice() };
  go(receiptScreen);
}

// The receipt is printed, never saved: the booth is shared, and a PDF left
// in its download folder would be the previous person's data for the next
// one (docs/KIOSK.md, "Receipt"). Nothing of it outlives the wipe. The QR
// code holds the number only, drawn from uchetd's rows (submit's receipt_qr).
function receiptScreen() {
  draw('receipt', title('kiosk.receipt.title'),
    h('p', { class: 'lead' }, t('kiosk.receipt.number')),
    h('p', { class: 'receipt-number', 'aria-label': s.receipt.split('').join(' ') }, groupReceipt(s.receipt)),
    s.receiptQr ? h('div', { class: 'receipt-qr' }, qrSvg(s.receiptQr, t('kiosk.receipt.number'))) : null,
    h('h2', {}, t('kiosk.receipt.next_title')), h('p', {}, t('kiosk.receipt.next')),
    h('h2', {}, t('kiosk.receipt.where_title')), h('p', {}, t('kiosk.receipt.where')),
    h('div', { class: 'actions no-print' },
      button('kiosk.receipt.print', () => window.print(), 'secondary'),
      button('kiosk.receipt.done', () => wipe())));
}

/* ---------------------------------------------------------------- wipe */

function confirmStartOver() {
  const back = s.current;
  draw(s.step, title('kiosk.start_over_q'), h('p', { class: 'lead' }, t('kiosk.start_over_hint')),
    actions(button('kiosk.no', () => go(back), 'secondary'), button('kiosk.yes', () => wipe())));
}

// Everything on the screen and in the session goes: the server deletes the
// session's data (DELETE), the page forgets it and starts over.
async function wipe() {
  const { sid, receipt } = s;
  stopStream();
  idle.disarm();
  s = fresh();
  if (sid && !receipt) {
    try {
      await uchet.abandon(sid);
    } catch {
      // expired or already gone: the server wipes idle sessions itself
    }
  }
  await setLanguage('ru');
  go(languageScreen);
}

/* ---------------------------------------------------------------- setup */

// Operator's screen, once per kiosk (docs/KIOSK.md): the kiosk key from
// `uchetctl kiosk add`, checked by opening and deleting a session.
function setupScreen(problem) {
  const key = h('input', { id: 'setup-key', type: 'password', autocomplete: 'off', class: 'field' });
  const idleS = h('input', { id: 'setup-idle', type: 'number', min: '30', max: '900', value: String(setting(IDLE_KEY, 90)), class: 'field' });
  const countS = h('input', { id: 'setup-countdown', type: 'number', min: '5', max: '120', value: String(setting(COUNTDOWN_KEY, 20)), class: 'field' });
  draw('setup', title('kiosk.setup.title'), h('p', { class: 'lead' }, t('kiosk.setup.hint')),
    h('label', { for: 'setup-key' }, t('kiosk.setup.key')), key,
    h('label', { for: 'setup-idle' }, t('kiosk.setup.idle')), idleS,
    h('label', { for: 'setup-countdown' }, t('kiosk.setup.countdown')), countS,
    problem ? notice(problem) : null,
    actions(button('kiosk.setup.save', async () => {
      setKioskKey(key.value.trim());
      localStorage.setItem(IDLE_KEY, String(Math.max(3, Number(idleS.value) || 90)));
      localStorage.setItem(COUNTDOWN_KEY, String(Math.max(3, Number(countS.value) || 20)));
      try {
        const r = await uchet.start();
        await uchet.abandon(r.id);
      } catch (e) {
        setupScreen(e instanceof ApiError && e.status === 401 ? t('kiosk.setup.bad_key') : problemText(e));
        return;
      }
      location.hash = '';
      location.reload();
    })));
}

async function init() {
  await setLanguage('ru');
  try {
    hello = (await (await fetch('/app/i18n/en.json')).json()).messages['kiosk.choose_language'] || '';
  } catch {
    hello = '';
  }
  if (!kioskKey() || location.hash === '#setup') go(setupScreen);
  else go(languageScreen);
}

init();
