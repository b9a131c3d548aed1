// The enrolment kiosk (/kiosk/) end to end: a real uchetd with the kiosk
// API, a real uchet-devsim reached by the page itself, Debian's Chromium
// at the booth's 1080 × 1920. Whole enrolments in Russian and Tajik (with
// their timings), a face that fails twice then passes, a finger declared
// missing, the device unplugged mid-capture, the idle wipe, the status
// page, and no Content-Security-Policy violation anywhere.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { catalog, shot, startBrowser } from './harness.mjs';
import { startKioskBench } from './kiosk_env.mjs';
import { H, W, checkScreen as checkLayout, layoutFaults as faultsOf, waitScreen } from './kiosk_screen.mjs';


let bench;
let browser;
let page;
const timings = [];
const checked = { screens: new Set(), axe: 0 };

function sleep(ms) {
  return new Promise((resolve) => { setTimeout(resolve, ms); });
}

function heading(text, timeout) {
  return waitScreen(page, text, timeout);
}

function btn(name) {
  return page.getByRole('button', { name, exact: true });
}

// The kiosk's provisioning: the operator types the key once.
async function provision(idleS = 90, countdownS = 20) {
  const ru = catalog('ru');
  await page.goto(`${bench.base}/kiosk/#setup`);
  await heading(ru['kiosk.setup.title']);
  await page.fill('#setup-key', bench.key);
  await page.fill('#setup-idle', String(idleS));
  await page.fill('#setup-countdown', String(countdownS));
  await btn(ru['kiosk.setup.save']).click();
  await heading(ru['kiosk.choose_language']);
}

// The current screen checked in every language (kiosk_screen.mjs), counted.
async function checkScreen(name, lang) {
  if (await checkLayout(page, name, lang)) checked.axe += 1;
  checked.screens.add(name);
}

async function capture(m, kind, shots) {
  await heading(m[`kiosk.${kind}.title`]);
  if (shots) await shot(page, `kiosk/${shots}-${kind}`);
  if (shots === 'ru') await checkScreen(kind, 'ru');
  await btn(kind === 'face' ? m['kiosk.face.take'] : m['kiosk.capture.take']).click();
  await page.locator('.good', { hasText: m['kiosk.capture.ok'] }).waitFor({ timeout: 120000 });
  if (shots) await shot(page, `kiosk/${shots}-${kind}-done`);
  if (shots === 'ru') await checkScreen(`${kind} done`, 'ru');
  await btn(m['kiosk.next']).click();
}

async function sign(m) {
  await heading(m['kiosk.signature.title']);
  const box = await page.locator('canvas.pad').boundingBox();
  await page.mouse.move(box.x + 100, box.y + 300);
  await page.mouse.down();
  for (let i = 0; i <= 40; i += 1) await page.mouse.move(box.x + 100 + i * 15, box.y + 300 - 120 * Math.sin(i / 4));
  await page.mouse.up();
}

// A plain straight line across the pad: bio/sigcheck's too_simple.
async function signLine(m) {
  await heading(m['kiosk.signature.title']);
  const box = await page.locator('canvas.pad').boundingBox();
  await page.mouse.move(box.x + 100, box.y + 350);
  await page.mouse.down();
  for (let i = 0; i <= 40; i += 1) await page.mouse.move(box.x + 100 + i * 18, box.y + 350 - i * 5);
  await page.mouse.up();
}

async function passportAndDetails(m, shots) {
  await heading(m['kiosk.passport.title']);
  if (shots) await shot(page, `kiosk/${shots}-passport`);
  if (shots === 'ru') await checkScreen('passport', 'ru');
  // the scanner's signed capture goes to uchetd as it came (no separate OCR call)
  const [sent] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith('/document')),
    btn(m['kiosk.passport.scan']).click(),
  ]);
  assert.deepEqual(Object.keys(JSON.parse(sent.postData())), ['sbi']);
  await heading(m['kiosk.details.title']);
  if (shots) await shot(page, `kiosk/${shots}-details`);
  if (shots === 'ru') await checkScreen('details', 'ru');
  await btn(m['kiosk.details.confirm']).click();
}

// One whole enrolment in `lang`, every capture passing first time
// (lineFirst: a straight line is tried on the signature pad first).
// Resolves to the receipt number and the page's timings.
async function enrol(lang, name, shots, lineFirst = false) {
  const m = catalog(lang);
  await heading(catalog('ru')['kiosk.choose_language']);
  if (shots) await shot(page, `kiosk/${shots}-language`);
  await btn(name).click();
  await heading(m['kiosk.consent.title']);
  if (shots) await shot(page, `kiosk/${shots}-consent`);
  if (shots === 'ru') await checkScreen('consent', 'ru');
  await btn(m['kiosk.consent.agree']).click();
  await passportAndDetails(m, shots);
  for (const kind of ['face', 'slap-left', 'slap-right', 'thumbs', 'palm-left', 'palm-right']) {
    await capture(m, kind, shots);
  }
  if (shots === 'ru') {
    await heading(m['kiosk.signature.title']);
    await checkScreen('signature', 'ru');
  }
  if (lineFirst) {
    // a straight line is refused with the too-simple message in the page's
    // language, on a fresh pad; a proper signature then goes on
    const tooSimple = m['kiosk.signature.too_simple'];
    assert.ok(tooSimple, `kiosk.signature.too_simple in the ${lang} catalog`);
    await signLine(m);
    const [sent] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith('/signature')),
      btn(m['kiosk.next']).click(),
    ]);
    assert.deepEqual(JSON.parse(sent.postData()).pad, { width: 10000, height: 5000 });
    await page.locator('.problem').waitFor({ timeout: 30000 });
    assert.equal(await page.locator('.problem').innerText(), tooSimple);
    await heading(m['kiosk.signature.title']);
    if (shots) await shot(page, `kiosk/${shots}-signature-too-simple`);
    await checkScreen('signature too simple', lang);
    assert.equal(await page.locator('.problem').innerText(), tooSimple);
  }
  await sign(m);
  if (shots) await shot(page, `kiosk/${shots}-signature`);
  await btn(m['kiosk.next']).click();
  await heading(m['kiosk.review.title']);
  if (shots) await shot(page, `kiosk/${shots}-review`);
  if (shots === 'ru') await checkScreen('review', 'ru');
  // the page is kept with the session, from the certified scanner
  const { sid } = await page.evaluate(() => window.kiosk.state());
  const look = await bench.api('GET', `/api/v1/kiosk/sessions/${sid}`);
  assert.equal(look.body.steps.document_page.source, 'scanner');
  await btn(m['kiosk.review.submit']).click();
  await heading(m['kiosk.receipt.title']);
  if (shots) await shot(page, `kiosk/${shots}-receipt`);
  if (shots === 'ru') await checkScreen('receipt', 'ru');
  const receipt = (await page.locator('.receipt-number').innerText()).replace(/\s/g, '');
  const result = await page.evaluate(() => window.kiosk.result);
  return { receipt, result };
}

// Starts an enrolment in `lang` up to the first capture step `kind`
// (passport scanned, details confirmed, earlier captures passing).
async function upTo(lang, name, kind) {
  const m = catalog(lang);
  await heading(catalog('ru')['kiosk.choose_language']);
  await btn(name).click();
  await btn(m['kiosk.consent.agree']).click();
  await passportAndDetails(m);
  for (const k of ['face', 'slap-left', 'slap-right', 'thumbs', 'palm-left', 'palm-right']) {
    if (k === kind) break;
    await capture(m, k);
  }
  await heading(m[`kiosk.${kind}.title`]);
  return m;
}

async function startOver(m) {
  await btn(m['kiosk.start_over']).click();
  await btn(m['kiosk.yes']).click();
  await heading(catalog('ru')['kiosk.choose_language']);
}

async function sessionStatus() {
  const { sid } = await page.evaluate(() => window.kiosk.state());
  return (await bench.api('GET', `/api/v1/kiosk/sessions/${sid}`)).status;
}

describe('the enrolment kiosk', { concurrency: false }, () => {
  before(async () => {
    bench = await startKioskBench();
    browser = await startBrowser(bench.base);
    page = browser.page;
    await page.setViewportSize({ width: W, height: H });
    await provision();
  });

  after(async () => {
    if (timings.length) console.log(`kiosk timings: ${JSON.stringify(timings)}`);
    if (process.env.UCHET_KIOSK_TIMINGS) fs.writeFileSync(process.env.UCHET_KIOSK_TIMINGS, JSON.stringify(timings));
    if (browser) await browser.close();
    if (bench) await bench.stop();
  });

  it('is served with a CSP that reaches uchetd and the SBI ports only', async () => {
    const res = await fetch(`${bench.base}/kiosk/`);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /connect-src 'self' http:\/\/127\.0\.0\.1:4501 /);
    assert.match(csp, / http:\/\/127\.0\.0\.1:4600;/);
    assert.doesNotMatch(csp, /4500|4601|\*|unsafe/);
    assert.equal((await fetch(`${bench.base}/kiosk`, { redirect: 'manual' })).headers.get('location'), '/kiosk/');
    const app = (await fetch(`${bench.base}/app/`)).headers.get('content-security-policy');
    assert.doesNotMatch(app, /4501/);
  });

  it('a whole enrolment in Russian: every screen in every language fits 1080×1920, receipt, status page', async () => {
    await checkScreen('language', 'ru');
    const { receipt, result } = await enrol('ru', 'Русский', 'ru');
    assert.match(receipt, /^\d{12}$/);
    timings.push({ lang: 'ru', ...result });
    assert.ok(checked.screens.size >= 16, [...checked.screens].join(', '));
    // the submitted enrolment is pending and the status page finds it
    const ru = catalog('ru');
    await btn(ru['kiosk.receipt.done']).click();
    await heading(ru['kiosk.choose_language']);
    const row = bench.ctl(['kiosk', 'list']);
    assert.match(row, /Browser test hall/);
    await page.goto(`${bench.base}/kiosk/status`);
    await heading(ru['kiosk.status.title']);
    const birth = (await bench.api('GET', `/api/v1/kiosk/enrolments/${receipt}/status?birth_date=1900-01-01`)).status;
    assert.equal(birth, 404);
    // type the number on the on-screen keyboard, digit by digit
    await page.getByRole('button', { name: ru['kiosk.details.change'] }).first().click();
    for (const d of receipt) await page.locator('.kb-key', { hasText: new RegExp(`^${d}$`) }).first().click();
    await btn(ru['kiosk.keyboard.done']).click();
    await heading(ru['kiosk.status.title']);
    assert.equal((await page.locator('.details dd .value').first().innerText()).replace(/\s/g, ''), receipt);
    assert.deepEqual(await faultsOf(page), []);
    await shot(page, 'kiosk/ru-status');
    assert.deepEqual(browser.cspErrors, []);
  });

  it('a whole enrolment in Tajik, a straight line refused as a signature on the way', async () => {
    await page.goto(`${bench.base}/kiosk/`);
    const { receipt, result } = await enrol('tg', 'Тоҷикӣ', 'tg', true);
    assert.match(receipt, /^\d{12}$/);
    timings.push({ lang: 'tg', ...result });
    // the receipt is printed, never saved on the shared booth: no PDF button,
    // no download, Print hands the page to the printer
    const tg = catalog('tg');
    let downloads = 0;
    page.on('download', () => { downloads += 1; });
    assert.equal(await page.getByRole('button', { name: /PDF/i }).count(), 0);
    assert.equal(await page.locator('a[href*="receipt.pdf"], a[download]').count(), 0);
    await page.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
    await btn(tg['kiosk.receipt.print']).click();
    assert.equal(await page.evaluate(() => window.printed), 1);
    assert.equal(downloads, 0);
    // the printed page carries the QR code of the number (zbarimg reads it
    // from the page as the printer gets it)
    await page.emulateMedia({ media: 'print' });
    const printedQr = path.join(bench.dir, 'printed-qr.png');
    await page.locator('.receipt-qr svg').screenshot({ path: printedQr });
    await page.emulateMedia({ media: 'screen' });
    assert.equal(execFileSync('zbarimg', ['--quiet', '--raw', printedQr], { encoding: 'utf8' }).trim(), receipt);
    // uchetd's receipt PDF (for a print path that takes a PDF): its text
    // (pdftotext) and its QR code (zbarimg) carry the number
    const res = await fetch(`${bench.base}/api/v1/kiosk/enrolments/${receipt}/receipt.pdf?lang=tg`,
      { headers: { Authorization: `Kiosk ${bench.key}` } });
    assert.equal(res.status, 200);
    const pdf = path.join(bench.dir, 'receipt.pdf');
    fs.writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    assert.ok(text.replace(/\s/g, '').includes(receipt), text.slice(0, 300));
    execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', pdf, path.join(bench.dir, 'receipt')]);
    const qr = execFileSync('zbarimg', ['--quiet', '--raw', path.join(bench.dir, 'receipt.png')], { encoding: 'utf8' });
    assert.equal(qr.trim(), receipt);
    await btn(tg['kiosk.receipt.done']).click();
  });

  // The next four share one English session, in order.
  let en;
  it('a face that fails twice, each time with one instruction and its picture, then passes', async () => {
    await bench.devsim.admin('profile', { seed: 7, face: 'too_small' });
    en = await upTo('en', 'English', 'face');
    const advice = new Set(Object.entries(en).filter(([k]) => k.startsWith('kiosk.advice.')).map(([, v]) => v));
    for (let i = 0; i < 2; i += 1) {
      await btn(i === 0 ? en['kiosk.face.take'] : en['kiosk.capture.retry']).click();
      await page.locator('.advice').waitFor({ timeout: 60000 });
      const text = await page.locator('.advice p').innerText();
      assert.ok(advice.has(text), text);
      assert.equal(await page.locator('.advice img').count(), 1);
      if (i === 0) await shot(page, 'kiosk/face-advice');
    }
    await bench.devsim.admin('profile', { seed: 7, face: 'good' });
    await btn(en['kiosk.capture.retry']).click();
    await page.locator('.good', { hasText: en['kiosk.capture.ok'] }).waitFor({ timeout: 60000 });
    assert.equal(await page.locator('.info', { hasText: en['kiosk.face.marked'] }).count(), 0);
  });

  it('after three failed faces the best one is kept and marked for the registrar', async () => {
    await bench.devsim.admin('profile', { seed: 7, face: 'too_small' });
    await btn(en['kiosk.capture.again']).click();
    await btn(en['kiosk.face.take']).click();
    for (let i = 0; i < 2; i += 1) {
      await page.locator('.advice').waitFor({ timeout: 60000 });
      await btn(en['kiosk.capture.retry']).click();
    }
    await page.locator('.info', { hasText: en['kiosk.face.marked'] }).waitFor({ timeout: 60000 });
    await shot(page, 'kiosk/face-marked');
    const { sid } = await page.evaluate(() => window.kiosk.state());
    const look = await bench.api('GET', `/api/v1/kiosk/sessions/${sid}`);
    assert.equal(look.status, 200);
    assert.equal(JSON.stringify(look.body).includes('"marked":true'), true, JSON.stringify(look.body).slice(0, 400));
    await bench.devsim.admin('profile', { seed: 7, face: 'good' });
    await btn(en['kiosk.next']).click();
  });

  it('a finger declared missing, with its reason', async () => {
    await heading(en['kiosk.slap-left.title']);
    await btn(en['kiosk.fingers.missing']).click();
    await heading(en['kiosk.fingers.missing_title']);
    const little = page.locator('.missing li', { hasText: en['kiosk.finger.left_little'] });
    await little.getByRole('button', { name: en['kiosk.fingers.reason_amputated'] }).click();
    await shot(page, 'kiosk/missing-finger');
    assert.deepEqual(await faultsOf(page), []);
    await btn(en['kiosk.fingers.save']).click();
    await page.locator('.info', { hasText: en['kiosk.finger.left_little'] }).waitFor();
    await btn(en['kiosk.capture.take']).click();
    await page.locator('.good', { hasText: en['kiosk.capture.ok'] }).waitFor({ timeout: 120000 });
    assert.equal(await page.locator('.chips li').count(), 3);
    const { sid } = await page.evaluate(() => window.kiosk.state());
    const look = await bench.api('GET', `/api/v1/kiosk/sessions/${sid}`);
    assert.match(JSON.stringify(look.body), /"exceptions":\["Left LittleFinger"\]/);
    // the reason chosen reaches uchetd with the finger (the registrar sees it; AMP XX)
    assert.match(JSON.stringify(look.body), /"exception_reasons":\{"Left LittleFinger":"amputated"\}/);
    await btn(en['kiosk.next']).click();
  });

  it('the device unplugged mid-capture: a clear message, the session kept, a retry once it is back', async () => {
    await heading(en['kiosk.slap-right.title']);
    await bench.devsim.admin('delay', { method: 'RCAPTURE', delayMs: 5000 });
    await btn(en['kiosk.capture.take']).click();
    await sleep(1000);
    await bench.devsim.kill();
    await page.locator('.problem', { hasText: en['kiosk.device.unplugged'] }).waitFor({ timeout: 30000 });
    await shot(page, 'kiosk/unplugged');
    assert.equal(await sessionStatus(), 200);
    await bench.devsim.start();
    await btn(en['kiosk.capture.retry']).click();
    await page.locator('.good', { hasText: en['kiosk.capture.ok'] }).waitFor({ timeout: 120000 });
  });

  it('idle: "Are you still there?" with a countdown, then the screen and the session are wiped', async () => {
    await page.evaluate(() => {
      localStorage.setItem('uchet.kiosk.idle_s', '3');
      localStorage.setItem('uchet.kiosk.countdown_s', '4');
    });
    await page.locator('main h1').click();
    await page.locator('#idle h2', { hasText: en['kiosk.idle.title'] }).waitFor({ timeout: 10000 });
    assert.match(await page.locator('.idle-count').innerText(), /\d/);
    await shot(page, 'kiosk/idle');
    assert.deepEqual(await faultsOf(page), []);
    const { sid } = await page.evaluate(() => window.kiosk.state());
    await heading(catalog('ru')['kiosk.choose_language'], 15000);
    const gone = await bench.api('GET', `/api/v1/kiosk/sessions/${sid}`);
    assert.ok([404, 410].includes(gone.status), String(gone.status));
    assert.equal(await page.evaluate(() => window.kiosk.state().sid), null);
    await page.evaluate(() => {
      localStorage.setItem('uchet.kiosk.idle_s', '90');
      localStorage.setItem('uchet.kiosk.countdown_s', '20');
    });
  });

  it('reported no Content-Security-Policy violation', () => {
    assert.deepEqual(browser.cspErrors, []);
  });
});
