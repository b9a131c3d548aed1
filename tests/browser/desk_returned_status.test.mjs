// A registrar's decision, read by the applicant on /kiosk/status (issue 15:
// "return with a written reason → the applicant sees it on the status
// page"). Two enrolments are made through the kiosk API with a real
// uchet-devsim; the registrar returns one with a written reason and approves
// the other through the desk API (review.test.mjs walks the same decisions
// on the desk's screens). Then, in Chromium, the applicant types each
// receipt number and the birth date on the status page's on-screen keyboard
// and reads "returned" with the registrar's own words, or "approved" with
// what comes next, in Russian and in English.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deskToken } from './desk_auth.mjs';
import { startEnrolHelper } from './enrol_steps.mjs';
import { catalog, shot, startBrowser, startServer } from './harness.mjs';

const REGISTRAR = { login: 'registrar-4', password: 'desk-Passw0rd-long' };
const WHY = 'Лицо на фото закрыто волосами: подойдите в окно 2 до 20 ноября';
const BIRTH = '1995-04-12';   // tests/api/test_kiosk.py's DETAILS
const ru = catalog('ru');
const en = catalog('en');

let enrolments;
let server;
let browser;
let page;
let tmp;
let returned;
let approved;

async function decide(token, receipt, verb, body) {
  const claim = await server.api('POST', `/api/v1/desk/enrolments/${receipt}/claim`, undefined, token);
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  const r = await server.api('POST', `/api/v1/desk/enrolments/${receipt}/${verb}`, body, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

// Types `text` on the status page's keyboard into the field whose "change"
// button is the index-th.
async function type(index, text) {
  await page.getByRole('button', { name: ru['kiosk.details.change'] }).nth(index).click();
  await page.locator('.kb-key', { hasText: /^⌫$/ }).waitFor();
  for (let i = 0; i < 20; i += 1) await page.locator('.kb-key', { hasText: /^⌫$/ }).click();   // clear it
  for (const c of text) await page.locator('.kb-key', { hasText: new RegExp(`^${c}$`) }).first().click();
  await page.getByRole('button', { name: ru['kiosk.keyboard.done'] }).click();
  await page.getByRole('heading', { name: ru['kiosk.status.title'] }).waitFor();
}

async function check(receipt) {
  await type(0, receipt);
  await type(1, BIRTH);
  await page.getByRole('button', { name: ru['kiosk.status.check'] }).click();
  return page.getByRole('status');
}

describe('the applicant reads the registrar\'s decision on /kiosk/status', { timeout: 600000 }, () => {
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uchet-returned-'));
    enrolments = await startEnrolHelper(tmp);
    server = await startServer({ config: enrolments.config });
    server.ctl(['officer', 'add', '--login', REGISTRAR.login, '--name', 'Officer Four', '--role', 'registrar',
      '--password-stdin'], `${REGISTRAR.password}\n`);
    const token = await deskToken(server, REGISTRAR.login, REGISTRAR.password);
    const key = server.ctl(['kiosk', 'add', 'Hall B']).trim().split('\n').pop();
    returned = await enrolments.enrol(server.base, key, {});
    approved = await enrolments.enrol(server.base, key,
      { document_number: 'ZX7654321', surname_latin: 'NAZAROV', given_names_latin: 'ALISHER' });
    await decide(token, returned, 'return', { reason: WHY });
    await decide(token, approved, 'approve', { reason: 'Passport and face checked' });
    browser = await startBrowser(server.base);
    page = browser.page;
    await page.setViewportSize({ width: 1080, height: 1920 });   // the kiosk's portrait screen
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (enrolments) enrolments.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a returned enrolment: "returned" and the registrar\'s reason, word for word', async () => {
    await page.goto(`${server.base}/kiosk/status`);
    await page.getByRole('heading', { name: ru['kiosk.status.title'] }).waitFor();
    const status = await check(returned);
    await status.waitFor();
    assert.equal((await status.innerText()).trim(), ru['kiosk.status.returned'].replace('{reason}', WHY));
    assert.ok((await status.getAttribute('class')).includes('returned'));
    await shot(page, 'desk/kiosk-status-returned');
  });

  it('an approved one: what to do next', async () => {
    const status = await check(approved);
    await page.getByRole('status').filter({ hasText: ru['kiosk.status.approved'] }).waitFor();
    assert.equal((await status.innerText()).trim(), ru['kiosk.status.approved']);
  });

  it('the same in English, and a wrong birth date finds nothing', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: en['kiosk.status.title'] }).waitFor();
    await page.getByRole('button', { name: en['kiosk.status.check'] }).click();
    await page.getByRole('status').filter({ hasText: en['kiosk.status.approved'] }).waitFor();
    await page.getByRole('button', { name: en['kiosk.details.change'] }).first().click();
    await page.locator('.kb-key', { hasText: /^⌫$/ }).waitFor();
    for (let i = 0; i < 20; i += 1) await page.locator('.kb-key', { hasText: /^⌫$/ }).click();
    for (const c of returned) await page.locator('.kb-key', { hasText: new RegExp(`^${c}$`) }).first().click();
    await page.getByRole('button', { name: en['kiosk.keyboard.done'] }).click();
    await page.getByRole('button', { name: en['kiosk.status.check'] }).click();
    const text = en['kiosk.status.returned'].replace('{reason}', WHY);
    await page.getByRole('status').filter({ hasText: text }).waitFor();
    await page.getByRole('button', { name: en['kiosk.details.change'] }).nth(1).click();
    await page.locator('.kb-key', { hasText: /^⌫$/ }).click();
    await page.locator('.kb-key', { hasText: /^3$/ }).first().click();   // 1995-04-13
    await page.getByRole('button', { name: en['kiosk.keyboard.done'] }).click();
    await page.getByRole('button', { name: en['kiosk.status.check'] }).click();
    await page.getByRole('alert').filter({ hasText: en['kiosk.status.not_found'] }).waitFor();
    assert.deepEqual(browser.cspErrors, []);
  });
});
