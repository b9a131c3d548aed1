// Enrolment review at the desk, end to end: two enrolments are made through
// the kiosk API with a real uchet-devsim (tests/browser/enrol_helper.py, the
// helpers of tests/api/test_kiosk.py); a registrar opens the first at the
// desk, sees the face photo, approves it and prints the activation letter;
// the person reads the code in the letter (pdftotext, as a person reads
// paper) and activates in the app with it. The second is returned with a
// reason, which the applicant's status answer then carries.

import assert from 'node:assert/strict';
import { deskLogIn, deskToken } from './desk_auth.mjs';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { catalog, shot, startBrowser, startServer } from './harness.mjs';
import { startEnrolHelper } from './enrol_steps.mjs';

const OFFICER = { login: 'registrar-9', password: 'desk-Passw0rd-long' };
const PASSWORD = 'kovrik-na-oknE-42';
const WHY = 'Фото страницы паспорта нечитаемо: подойдите в окно 3 с паспортом';
const BIRTH = '1995-04-12';
const en = catalog('en');
const PAGE_TITLE = catalog('ru')['desk.review.image.document'];
const CAMERA_NOTE = catalog('ru')['desk.review.page_camera'];

let enrolments;
let server;
let browser;
let page;
let receipts = [];
let code;

describe('the desk: a registrar reviews kiosk enrolments', { timeout: 600000 }, () => {
  before(async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uchet-review-'));
    enrolments = await startEnrolHelper(tmp);
    server = await startServer({ config: enrolments.config });
    server.ctl(['officer', 'add', '--login', OFFICER.login, '--name', 'Officer Nine', '--role', 'registrar',
      '--password-stdin'], `${OFFICER.password}\n`);
    await deskToken(server, OFFICER.login, OFFICER.password);   // enrols the authenticator (issue 15)
    const key = server.ctl(['kiosk', 'add', 'Hall A']).trim().split('\n').pop();
    receipts.push(await enrolments.enrol(server.base, key, { language: 'tg' }, true));
    receipts.push(await enrolments.enrol(server.base, key, { document_number: 'ZX7654321', surname_latin: 'NAZAROV', given_names_latin: 'ALISHER' }, 'camera'));
    browser = await startBrowser(server.base);
    page = browser.page;
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (enrolments) enrolments.stop();
  });

  it('shows the queue of pending enrolments to a registrar', async () => {
    await deskLogIn(page, server, OFFICER.login, OFFICER.password);
    await page.getByRole('button', { name: 'Заявления с киоска' }).click();
    await page.getByRole('heading', { name: 'Заявления с киоска' }).waitFor();
    for (const r of receipts) await page.getByRole('button', { name: new RegExp(r) }).waitFor();
  });

  it('opens one for decision: the passport page and the face photo side by side, the findings listed', async () => {
    await page.getByRole('button', { name: new RegExp(receipts[0]) }).click();
    await page.getByRole('button', { name: 'Открыть для решения' }).click();
    const face = page.getByRole('img', { name: 'Фото с киоска' });
    await face.waitFor();
    const width = await face.evaluate((img) => img.decode().then(() => img.naturalWidth));
    assert.ok(width > 100, `a real photo: ${width}px`);
    assert.ok((await face.getAttribute('src')).startsWith('blob:'), 'from memory, not a cacheable URL');
    const shown = await page.locator('#review').innerText();
    assert.ok(shown.includes('RAKHIMOV FARRUKH') && shown.includes('401234567'), shown);
    assert.ok(shown.includes('Отпечатки пальцев') && shown.includes('Right IndexFinger'), shown);
    // the passport page the kiosk scanned, beside the face
    const pageImg = page.getByRole('img', { name: PAGE_TITLE });
    const pageWidth = await pageImg.evaluate((img) => img.decode().then(() => img.naturalWidth));
    assert.ok(pageWidth > 300, `a real page: ${pageWidth}px`);
    assert.ok((await pageImg.getAttribute('src')).startsWith('blob:'));
    const row = await page.locator('.side-by-side figure').allInnerTexts();
    assert.equal(row.length, 2);
    assert.ok(!shown.includes('Киоск не сохранил это изображение.'), 'the page is there');
    assert.ok(!shown.includes(CAMERA_NOTE), 'a scanned page carries no camera warning');
    await shot(page, 'desk-review');
  });

  it('approves, prints the letter once, and the person activates with its code', async () => {
    await page.getByRole('button', { name: 'Одобрить' }).click();
    await page.getByText(/Номер карты: \d{10}/).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Напечатать письмо об активации' }).click(),
    ]);
    const pdf = path.join(os.tmpdir(), `letter-${process.pid}.pdf`);
    await download.saveAs(pdf);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    fs.rmSync(pdf);
    const codes = [...new Set(text.match(/\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b/g) || [])];
    assert.equal(codes.length, 1, text);
    [code] = codes;
    assert.ok(text.includes('Номаи фаъолсозӣ'), 'a page in the kiosk language (Tajik)');
    const again = await page.evaluate(async (r) => {
      const s = JSON.parse(sessionStorage.getItem('uchet.desk.session'));
      const res = await fetch(`/api/v1/desk/enrolments/${r}/letter.pdf`, { headers: { Authorization: `Bearer ${s.token}` } });
      return [res.status, (await res.json()).code];
    }, receipts[0]);
    assert.deepEqual(again, [409, 'letter_printed']);

    const app = await browser.context.newPage();
    await app.goto(`${server.base}/app/`);
    await app.locator('.lang-btn[data-lang="en"]').click();
    await app.getByRole('link', { name: en['welcome.activate'] }).click();
    await app.getByLabel(en['activate.code']).fill(code);
    await app.getByLabel(en['activate.password'], { exact: true }).fill(PASSWORD);
    await app.getByLabel(en['activate.password_repeat']).fill(PASSWORD);
    await app.getByRole('button', { name: en['activate.submit'] }).click();
    await app.locator('main h1', { hasText: en['home.title'] }).waitFor({ timeout: 10000 });
    await app.close();
  });

  it('returns the other with a reason the applicant reads on the status answer', async () => {
    await page.getByRole('button', { name: '← К списку' }).click().catch(() => {});
    await page.getByRole('button', { name: 'Ожидают решения' }).click();
    await page.getByRole('button', { name: new RegExp(receipts[1]) }).click();
    await page.getByRole('button', { name: 'Открыть для решения' }).click();
    // a page from the kiosk's camera is shown, and said to be no certified scan
    await page.getByRole('img', { name: PAGE_TITLE }).waitFor();
    await page.locator('.side-by-side .camera-page', { hasText: CAMERA_NOTE }).waitFor();
    await shot(page, 'desk-review-camera-page');
    await page.getByRole('button', { name: 'Вернуть с причиной' }).click();
    await page.getByText('Напишите, почему заявление возвращено').waitFor();
    await page.getByLabel(/Основание/).fill(WHY);
    await page.getByRole('button', { name: 'Вернуть с причиной' }).click();
    await page.getByText(`Заявление ${receipts[1]} возвращено`).waitFor();
    const st = await server.api('GET', `/api/v1/kiosk/enrolments/${receipts[1]}/status?birth_date=${BIRTH}`);
    assert.equal(st.status, 200);
    assert.equal(st.body.state, 'returned');
    assert.equal(st.body.reason, WHY);
    assert.deepEqual(browser.cspErrors, []);
  });
});
