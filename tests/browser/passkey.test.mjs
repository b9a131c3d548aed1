// Issue 17: a passkey as the log-in, in Chromium with its virtual
// authenticator (DevTools protocol: WebAuthn.addVirtualAuthenticator, a
// platform authenticator that verifies the user, as a phone's screen lock
// does). In Russian: log in with the password once, add a passkey in
// Settings, log out, log in with the passkey alone. Then in Tajik: the
// log-in page offers it in Tajik and it works again (the counter moves).
// A new phone (a fresh browser profile: no localStorage) holding the same
// passkey, as a synced one would, logs in through the card-number field's
// autofill (conditional mediation) without the button or a password, and
// reloading the log-in page does not ask the server for a challenge each
// time. A browser without WebAuthn is not offered the button; a removed
// passkey is told apart from a wrong one.
//
// What headless Chromium can and cannot show: its virtual authenticator
// answers a conditional request by itself, with the first passkey it holds,
// while "automatic presence simulation" is on, and leaves it pending while
// it is off; no autofill list is drawn and nobody picks from it. So these
// tests check that the page makes the conditional request, with the right
// field, and that its answer logs in; the list a person taps on a real phone
// is the browser's own and is not tested here.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PERSON, catalog, shot, startBrowser, startServer } from './harness.mjs';
import { workerSettled } from './app_steps.mjs';

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

async function setLanguage(lang, p = page) {
  await p.goto(`${origin}/app/`);
  await workerSettled(p);   // no reload while the worker caches the shell
  await p.evaluate((l) => localStorage.setItem('uchet.lang', l), lang);
  await p.reload();
}

const AUTHENTICATOR = {
  protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
  hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
};

// Off, the virtual authenticator leaves the page's conditional (autofill)
// request pending, as a phone does until the person picks a passkey; on, it
// answers the next request by itself.
async function presence(cdp, id, enabled) {
  await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: id, enabled });
}

// Waits until the log-in page's autofill request is pending (presence off),
// so that turning presence on afterwards leaves it pending and the button
// is what answers, however slow the page was to ask.
async function autofillPending(p = page) {
  await p.locator('input[data-passkey-autofill="pending"]').waitFor({ state: 'attached', timeout: 15000 });
}

// Log-in challenges the server holds (one row each, docs/PASSKEYS.md).
function loginChallenges() {
  return Number(execFileSync('sqlite3', [path.join(server.dir, 'u.db'),
    "SELECT count(*) FROM passkey_challenges WHERE purpose = 'login'"], { encoding: 'utf8' }).trim());
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
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR }));
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
    assert.equal(await page.getByLabel(ru['login.card_number']).getAttribute('autocomplete'), 'username webauthn',
      'the browser may offer passkeys in the card-number field');
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
    // The button, not the autofill: the authenticator waits until it is pressed.
    await presence(page.cdp, authenticatorId, false);
    await page.goto(`${origin}/app/#/login`);
    await waitForH1(ru['login.title']);
    await page.getByRole('button', { name: ru['passkey.login'] }).waitFor();
    await autofillPending();
    await shot(page, 'login-passkey');
    await presence(page.cdp, authenticatorId, true);
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
    await presence(page.cdp, authenticatorId, false);
    await setLanguage('tg');
    await page.goto(`${origin}/app/#/login`);
    await waitForH1(tg['login.title']);
    await autofillPending();
    await presence(page.cdp, authenticatorId, true);
    await page.getByRole('button', { name: tg['passkey.login'] }).click();
    await waitForH1(tg['home.title']);
    const { credentials } = await page.cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(credentials[0].signCount >= 2, `signCount ${credentials[0].signCount}`);
  });

  it('logs in on a new phone holding the same passkey, from the autofill, with no button and no password', async () => {
    const { credentials } = await page.cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const phone = await startBrowser(origin);
    try {
      const p = phone.page;
      const cdp = await p.context().newCDPSession(p);
      await cdp.send('WebAuthn.enable');
      const { authenticatorId: id } = await cdp.send('WebAuthn.addVirtualAuthenticator',
        { options: { ...AUTHENTICATOR, automaticPresenceSimulation: false } });
      // The passkey as a password manager syncs it: the same key, another phone.
      await cdp.send('WebAuthn.addCredential', { authenticatorId: id, credential: credentials[0] });
      await setLanguage('ru', p);
      assert.equal(await p.evaluate(() => localStorage.getItem('uchet.passkey')), null, 'a new phone');
      const before = loginChallenges();
      // Shown, reloaded, left for the welcome screen and opened again.
      for (const go of [() => p.goto(`${origin}/app/#/login`), () => p.reload(),
        () => p.goto(`${origin}/app/#/welcome`), () => p.goto(`${origin}/app/#/login`)]) {
        await go();
        if (p.url().endsWith('#/welcome')) continue;
        await p.locator('main h1', { hasText: ru['login.title'] }).waitFor({ timeout: 15000 });
        assert.equal(await p.getByRole('button', { name: ru['passkey.login'] }).count(), 0,
          'no button where no passkey was used: the browser offers it in the field');
        assert.equal(await p.getByLabel(ru['login.card_number']).getAttribute('autocomplete'), 'username webauthn');
        await autofillPending(p);
      }
      // The page asked once, and waits for the person to choose.
      assert.equal(loginChallenges() - before, 1, 'one challenge for the tab, not one per page view');
      // The person picks the passkey from the field's suggestions.
      await presence(cdp, id, true);
      await p.reload();
      await p.locator('main h1', { hasText: ru['home.title'] }).waitFor({ timeout: 15000 });
      const tok = await p.evaluate(() => localStorage.getItem('uchet.token'));
      assert.ok(tok, 'logged in');
      assert.equal((await server.api('GET', '/api/v1/me', undefined, tok)).status, 200);
      assert.equal(await p.evaluate(() => localStorage.getItem('uchet.passkey')), '1',
        'from now on this phone shows the button too');
      const used = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: id })).credentials[0];
      assert.ok(used.signCount > credentials[0].signCount, 'the new phone signed');
      assert.deepEqual(phone.cspErrors, []);
    } finally {
      await phone.close();
    }
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
    await presence(page.cdp, authenticatorId, false);
    await page.goto(`${origin}/app/#/login`);
    await waitForH1(tg['login.title']);
    await autofillPending();
    await presence(page.cdp, authenticatorId, true);
    await page.getByRole('button', { name: tg['passkey.login'] }).click();
    await page.getByText(tg['error.passkey_unknown']).waitFor({ timeout: 15000 });
    assert.equal(await token(), null);
    assert.deepEqual(browser.cspErrors, []);
  });
});
