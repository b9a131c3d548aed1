// The registrar's "new activation code" screen (issue 17): a person who
// forgot the password (or lost the phone) stands at the desk; the registrar
// checks the card, types its number and a reason, ticks that the document
// was checked, and hands over the code the page shows once. The person's old
// password and session stop working, the new code activates, and an
// inspector's desk has no such screen. Log-in with TOTP as in desk_auth.mjs.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERSON, catalog, shot, startBrowser, startServer } from './harness.mjs';
import { deskLogIn, deskToken } from './desk_auth.mjs';

const PASSWORD = 'kovrik-na-oknE-42';
const NEW_PASSWORD = 'purple lantern over meadow';
const REGISTRAR = { login: 'registrar-17', password: 'desk-Passw0rd-long' };
const INSPECTOR = { login: 'inspector-17', password: 'desk-Passw0rd-long' };
const REASON = 'забыл пароль, карта проверена';
const ru = catalog('ru');

let server;
let browser;
let page;
let personToken;

function logIn(officer) {
  return deskLogIn(page, server, officer.login, officer.password);
}

async function statusText() {
  return page.locator('#status').innerText();
}

describe('the desk: a registrar re-issues an activation code', { timeout: 120000 }, () => {
  before(async () => {
    server = await startServer();
    const act = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(act.status, 201, JSON.stringify(act.body));
    personToken = act.body.token;
    for (const [o, role] of [[REGISTRAR, 'registrar'], [INSPECTOR, 'inspector']]) {
      server.ctl(['officer', 'add', '--login', o.login, '--name', `Officer ${role}`, '--role', role,
        '--password-stdin'], `${o.password}\n`);
      await deskToken(server, o.login, o.password);   // enrols the authenticator
    }
    browser = await startBrowser(server.base);
    page = browser.page;
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('asks for the number, a reason and the checked document before sending anything', async () => {
    await logIn(REGISTRAR);
    await page.getByRole('button', { name: ru['desk.nav.recovery'] }).click();
    await page.getByRole('heading', { name: ru['desk.recovery.heading'] }).waitFor();
    const submit = page.getByRole('button', { name: ru['desk.recovery.submit'] });
    await submit.click();
    assert.equal(await statusText(), ru['desk.lookup.need_number']);
    await page.getByLabel(ru['desk.lookup.number']).fill(PERSON.documentNumber);
    await page.getByLabel(ru['desk.recovery.reason'], { exact: true }).fill('забыл');
    await submit.click();
    assert.equal(await statusText(), ru['desk.recovery.need_reason']);
    await page.getByLabel(ru['desk.recovery.reason'], { exact: true }).fill(REASON);
    await submit.click();
    assert.equal(await statusText(), ru['desk.recovery.need_seen']);
    // nothing happened to the person so far
    assert.equal((await server.api('GET', '/api/v1/me', undefined, personToken)).status, 200);
  });

  it('says so when nobody holds the document', async () => {
    await page.getByLabel(ru['desk.lookup.number']).fill('7700999999');
    await page.getByLabel(ru['desk.recovery.seen']).check();
    await page.getByRole('button', { name: ru['desk.recovery.submit'] }).click();
    await page.getByText(ru['desk.error.unknown_document']).waitFor();
    assert.equal(await page.getByTestId('reissued-code').count(), 0);
  });

  it('shows the new code once; the old password and session end, the code activates', async () => {
    await page.getByLabel(ru['desk.lookup.number']).fill(PERSON.documentNumber);
    await page.getByRole('button', { name: ru['desk.recovery.submit'] }).click();
    const shown = page.getByTestId('reissued-code');
    await shown.waitFor();
    const code = (await shown.innerText()).trim();
    assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    assert.equal(await statusText(), ru['desk.recovery.done']);
    const slip = await page.locator('.slip').innerText();
    assert.ok(slip.includes('Действует до 30.11.2025 10:00'), slip);   // 30 days, Moscow time
    assert.ok(slip.includes('Завершено входов: 1. Удалено ключей доступа: 0.'), slip);
    // the form is empty again: a second tap cannot re-issue by accident
    assert.equal(await page.getByLabel(ru['desk.lookup.number']).inputValue(), '');
    assert.equal(await page.getByLabel(ru['desk.recovery.seen']).isChecked(), false);
    await shot(page, 'desk/registrar-recovery');
    // printed, the slip is all there is on the page
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#nav').isVisible(), false);
    assert.equal(await page.locator('#screen form').isVisible(), false);
    assert.equal(await shown.isVisible(), true);
    await page.emulateMedia({ media: 'screen' });

    assert.equal((await server.api('GET', '/api/v1/me', undefined, personToken)).status, 401);
    const old = await server.api('POST', '/api/v1/session',
      { document_kind: 'card', document_number: PERSON.documentNumber, password: PASSWORD });
    assert.equal(old.status, 401);
    const act = await server.api('POST', '/api/v1/activation', { activation_code: code, password: NEW_PASSWORD });
    assert.equal(act.status, 201, JSON.stringify(act.body));
    // leaving the screen drops the code from the page
    await page.getByRole('button', { name: ru['desk.nav.lookup'] }).click();
    await page.getByRole('button', { name: ru['desk.nav.recovery'] }).click();
    assert.equal(await page.getByTestId('reissued-code').count(), 0);
    assert.equal(await page.locator('main').innerText().then((t) => t.includes(code)), false);
  });

  it('is not on an inspector\'s desk', async () => {
    await page.getByRole('button', { name: 'Выйти', exact: true }).click();
    await logIn(INSPECTOR);
    await page.getByRole('button', { name: ru['desk.nav.lookup'] }).waitFor();
    assert.equal(await page.getByRole('button', { name: ru['desk.nav.recovery'] }).count(), 0);
  });
});
