// The desk's document-set screen (issue 16), as a registrar uses it: a
// person sends one page (a photo of the ICAO "Utopia" specimen passport from
// the real MRZ set) for a temporary residence permit; the check reads it and
// finds what is missing. The registrar opens "Комплекты документов", reads
// the findings in Russian with the rule and act they come from, is stopped
// when the reason is empty, returns the set with a reason, and the person's
// own view shows the decision. Then the same list in English.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, shot, startBrowser, startDocsetServer } from './harness.mjs';
import { deskLogIn } from './desk_auth.mjs';

const PASSWORD = 'dokumenty-v-poryadke-7';
const OFFICER = { login: 'registrar-docs', password: 'desk-Passw0rd-long' };
const PAGE = path.join(REPO, 'tests/mrz/real/25_pass-uto.jpg');
const REASON = 'Приложите миграционную карту и медицинское заключение.';

let server;
let browser;
let page;
let token;
let setId;

async function waitChecked() {
  for (let i = 0; i < 600; i += 1) {
    const res = await server.api('GET', `/api/v1/document-sets/${setId}`, undefined, token);
    if (!['open', 'checking'].includes(res.body.state)) return res.body;
    await new Promise((resolve) => { setTimeout(resolve, 500); });
  }
  throw new Error('the set was not checked in 300 s');
}

async function logIn() {
  await deskLogIn(page, server, OFFICER.login, OFFICER.password);
}

describe('the desk: a registrar decides a document set', { timeout: 420000 }, () => {
  before(async () => {
    server = await startDocsetServer();
    const act = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(act.status, 201, JSON.stringify(act.body));
    token = act.body.token;
    const set = await server.api('POST', '/api/v1/document-sets', { procedure: 'rvp' }, token);
    assert.equal(set.status, 201, JSON.stringify(set.body));
    setId = set.body.id;
    const up = await fetch(`${server.base}/api/v1/document-sets/${setId}/pages`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/jpeg' }, body: fs.readFileSync(PAGE),
    });
    assert.equal(up.status, 202, await up.text());
    const sent = await server.api('POST', `/api/v1/document-sets/${setId}/submit`, undefined, token);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const checked = await waitChecked();
    assert.ok(['ready', 'referred', 'returned'].includes(checked.state), checked.state);
    server.ctl(['officer', 'add', '--login', OFFICER.login, '--name', 'Registrar Docs', '--role', 'registrar',
      '--password-stdin'], `${OFFICER.password}\n`);
    browser = await startBrowser(server.base);
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('shows the findings in words, with their rule and act, and needs a reason to decide', async () => {
    await logIn();
    await page.getByRole('button', { name: 'Комплекты документов' }).click();
    await page.getByRole('heading', { name: 'Комплекты документов' }).waitFor();
    const tab = (await server.api('GET', `/api/v1/document-sets/${setId}`, undefined, token)).body.state;
    if (!['ready', 'referred'].includes(tab)) {
      await page.getByRole('button', { name: 'С недостатками' }).click();
    }
    const card = page.getByRole('article', { name: `Комплект № ${setId}` });
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /Разрешение на временное проживание/);
    assert.match(text, /Что нашла проверка/);
    assert.match(text, /Не хватает документа\./, 'a missing document is named in Russian');
    assert.match(text, /Правило [a-z0-9._-]+; основание: \S/, 'each finding cites its rule and act');
    assert.doesNotMatch(text, /missing_document/, 'no raw codes for the registrar');
    await card.getByRole('heading', { name: 'Что нашла проверка' }).scrollIntoViewIfNeeded();
    await shot(page, 'desk/registrar-docsets');
    await card.getByRole('button', { name: 'Вернуть на доработку' }).click();
    assert.match(await page.locator('#status').innerText(), /Напишите основание решения/);
    assert.equal(await card.getByRole('textbox').getAttribute('aria-invalid'), 'true');
    const still = await server.api('GET', `/api/v1/document-sets/${setId}`, undefined, token);
    assert.notEqual(still.body.state, 'decided');
  });

  it('returns the set with a reason, and the person sees the decision', async () => {
    const card = page.getByRole('article', { name: `Комплект № ${setId}` });
    await card.getByRole('textbox').fill(REASON);
    await card.getByRole('button', { name: 'Вернуть на доработку' }).click();
    await page.getByText(`Комплект № ${setId} возвращён заявителю.`).waitFor();
    await card.waitFor({ state: 'detached' });
    const mine = await server.api('GET', `/api/v1/document-sets/${setId}`, undefined, token);
    assert.equal(mine.body.state, 'decided');
    assert.equal(mine.body.decision, 'returned');
  });

  it('tells the findings in English when the desk is in English', async () => {
    const other = await server.api('POST', '/api/v1/document-sets', { procedure: 'patent' }, token);
    setId = other.body.id;
    const up = await fetch(`${server.base}/api/v1/document-sets/${setId}/pages`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/jpeg' }, body: fs.readFileSync(PAGE),
    });
    assert.equal(up.status, 202);
    assert.equal((await server.api('POST', `/api/v1/document-sets/${setId}/submit`, undefined, token)).status, 202);
    const checked = await waitChecked();
    await page.locator('#lang button[data-lang="en"]').click();
    await page.getByRole('button', { name: 'Document sets' }).click();
    if (!['ready', 'referred'].includes(checked.state)) await page.getByRole('button', { name: 'With defects' }).click();
    const card = page.getByRole('article', { name: `Set No. ${setId}` });
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /Work patent/);
    assert.match(text, /A document is missing\./);
    assert.doesNotMatch(text, /Не хватает/);
  });
});
