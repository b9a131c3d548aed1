// Issue 17: a passkey as the log-in, in Chromium with its virtual
// authenticator (DevTools protocol: WebAuthn.addVirtualAuthenticator, a
// platform authenticator that verifies the user, as a phone's screen lock
// does). In Russian: log in with the password once, add a passkey in
// Settings, log out, log in with the passkey alone. Then in Tajik: the
// log-in page offers it in Tajik and it works again (the counter moves).
// A browser without WebAuthn is not offered the button; a removed passkey
// is told apart from a wrong one.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERSON, catalog, startBrowser, startServer } from './harness.mjs';

const PASSWORD = 'ochen-dlinnyi-parol-2025';
const ru = catalog('ru');
const tg = catalog('tg');

let server;
let browser;
let page;
let origin;
let authenticatorId;

async function waitForH1(text) {
  await page.locator('main h1', { hasText: text }).waitFor({ timeout: 15000 });
}

async function token() {
  return page.evaluate(() => localStorage.getItem('uchet.token'));
}

async function setLanguage(lang) {
  await page.goto(`${origin}/app/`);
  await page.evaluate((l) => localStorage.setItem('uchet.lang', l), lang);
  await page.reload();
}

describe('passkey log-in with a virtual platform authenticator', { timeout: 180000 }, () => {
  before(async () => {
    server = await startServer({ passkeys: true });
    origin = server.base.replace('127.0.0.1', 'localhost');
    const res = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    browser = await startBrowser(origin);
    page = browser.page;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
        hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
      },
    }));
    page.cdp = cdp;
    await setLanguage('ru');
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('adds a passkey in Settings after a password log-in (Russian)', async () => {
    await page.goto(`${origin}/app/#/login`);
    await waitForH1(ru['login.title']);
    await page.getByLabel(ru['login.card_number']).fill(PERSON.documentNumber);
    await page.getByLabel(ru['login.password']).fill(PASSWORD);
    assert.equal(await page.getByRole('button', { name: ru['passkey.login'] }).count(), 0,
      'no passkey offered before one was set up on this phone');
    await page.getByRole('button', { name: ru['login.submit'], exact: true }).click();
    await waitForH1(ru['home.title']);
    await page.goto(`${origin}/app/#/settings`);
    await waitForH1(ru['settings.title']);
    assert.ok(await page.getByText(ru['passkey.none']).isVisible());
    await page.getByRole('button', { name: ru['passkey.add'] }).click();
    await page.getByText(ru['passkey.added']).waitFor({ timeout: 15000 });
    assert.equal(await page.locator('[data-passkeys] li.card').count(), 1);
    const { credentials } = await page.cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0].isResidentCredential, true, 'a discoverable credential: no number typed at log-in');
    const list = await server.api('GET', '/api/v1/me/passkeys', undefined, await token());
    assert.equal(list.body.passkeys.length, 1);
  });

  it('logs out, then logs in with the passkey and no password', async () => {
    await page.getByRole('button', { name: ru['settings.logout'], exact: true }).click();
    await waitForH1(ru['welcome.title']);
    assert.equal(await token(), null);
    await page.goto(`${origin}/app/#/login`);
    await waitForH1(ru['login.title']);
    await page.getByRole('button', { name: ru['passkey.login'] }).click();
    await waitForH1(ru['home.title']);
    const tok = await token();
    assert.ok(tok, 'a session token is kept');
    const me = await server.api('GET', '/api/v1/me', undefined, tok);
    assert.equal(me.status, 200);
    const list = await server.api('GET', '/api/v1/me/passkeys', undefined, tok);
    assert.ok(list.body.passkeys[0].last_used_at, 'the passkey is marked used');
  });

  it('works again in Tajik, and the authenticator counter moves forward', async () => {
    await page.evaluate(() => localStorage.removeItem('uchet.token'));
    await setLanguage('tg');
    await page.goto(`${origin}/app/#/login`);
    await waitForH1(tg['login.title']);
    await page.getByRole('button', { name: tg['passkey.login'] }).click();
    await waitForH1(tg['home.title']);
    const { credentials } = await page.cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(credentials[0].signCount >= 2, `signCount ${credentials[0].signCount}`);
  });

  it('offers no passkey button where the browser has no WebAuthn', async () => {
    const other = await browser.context.newPage();
    await other.addInitScript(() => { delete window.PublicKeyCredential; });
    await other.goto(`${origin}/app/#/login`);
    await other.locator('main h1', { hasText: tg['login.title'] }).waitFor({ timeout: 15000 });
    assert.equal(await other.getByRole('button', { name: tg['login.submit'], exact: true }).count(), 1);
    assert.equal(await other.getByRole('button', { name: tg['passkey.login'] }).count(), 0);
    await other.close();
  });

  it('says so in the person\'s language when the passkey was removed on the server', async () => {
    const list = await server.api('GET', '/api/v1/me/passkeys', undefined, await token());
    const del = await server.api('DELETE', `/api/v1/me/passkeys/${list.body.passkeys[0].id}`, undefined, await token());
    assert.equal(del.status, 204);
    await page.evaluate(() => localStorage.removeItem('uchet.token'));
    await page.goto(`${origin}/app/#/login`);
    await waitForH1(tg['login.title']);
    await page.getByRole('button', { name: tg['passkey.login'] }).click();
    await page.getByText(tg['error.passkey_unknown']).waitFor({ timeout: 15000 });
    assert.equal(await token(), null);
    assert.deepEqual(browser.cspErrors, []);
  });
});
