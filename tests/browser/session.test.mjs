// Issue 17: staying logged in on one's own phone, in Russian (and Tajik), with the
// server's clock moved: the app renews its session each time it opens, the
// session ends at its cap, the password is asked again (and only then) before
// a change to the record, the password change and "log out everywhere" from
// the settings screen, and where to get a new activation code. The steps share one server and one browser, in order.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERSON, catalog, startBrowser, startServer } from './harness.mjs';
import { workerSettled } from './app_steps.mjs';

const PASSWORD = 'ochen-dlinnyi-parol-2025';
const NEW_PASSWORD = 'sovsem-drugoi-parol-2026';
const RESIDENCE = { settlement: 'Moscow', street: 'Tverskaya', house: '7', apartment: '12', lat: 55.7575, lon: 37.6136 };
const ru = catalog('ru');
const tg = catalog('tg');

let server;
let browser;
let page;

async function waitForH1(text) {
  await page.locator('main h1', { hasText: text }).waitFor({ timeout: 15000 });
}

async function browserToken() {
  return page.evaluate(() => localStorage.getItem('uchet.token'));
}

async function sessionsOf(token) {
  const res = await server.api('GET', '/api/v1/me/sessions', undefined, token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.sessions;
}

async function logIn(password) {
  await page.goto(`${server.base}/app/#/login`);
  await waitForH1(ru['login.title']);
  await page.getByLabel(ru['login.card_number']).fill(PERSON.documentNumber);
  await page.getByLabel(ru['login.password']).fill(password);
  await page.getByRole('button', { name: ru['login.submit'] }).click();
  await waitForH1(ru['home.title']);
}

describe('a session on one\'s own phone (Russian)', { timeout: 240000 }, () => {
  before(async () => {
    server = await startServer();
    const res = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    browser = await startBrowser(server.base);
    page = browser.page;
    await page.goto(`${server.base}/app/`);
    await workerSettled(page);   // no reload while the worker caches the shell
    await page.evaluate(() => localStorage.setItem('uchet.lang', 'ru'));
    await page.reload();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('says on the log-in screen where a forgotten password is replaced', async () => {
    await page.goto(`${server.base}/app/#/login`);
    await waitForH1(ru['login.title']);
    const forgot = page.getByTestId('forgot-password');
    await forgot.getByText(ru['login.forgot_text']).waitFor({ timeout: 10000 });
    // the migration centres the server lists (regions.centre_address), named in Russian
    const centres = await forgot.locator('li').allTextContents();
    assert.ok(centres.length >= 1, 'at least one centre is listed');
    assert.ok(centres.some((c) => c.startsWith(`${ru['region.77']}: `) && /Sakharovo/.test(c)), centres.join('\n'));
  });

  it('stays logged in for weeks while the app is opened, and ends at the cap', async () => {
    await logIn(PASSWORD);
    const tok = await browserToken();
    const current = async () => (await sessionsOf(tok)).find((x) => x.current);
    assert.equal((await current()).device, 'Linux computer');   // the label the app sent
    // 25 days later the phone is opened again: still home, and renewed
    await server.setClock('2025-11-25T09:00:00+03:00');
    await page.goto(`${server.base}/app/`);
    await waitForH1(ru['home.title']);
    let s = await current();
    for (let i = 0; i < 50 && !s.last_used_at.startsWith('2025-11-25T06:00'); i += 1) {
      await new Promise((r) => { setTimeout(r, 100); });
      s = await current();
    }
    assert.ok(s.last_used_at.startsWith('2025-11-25T06:00'), s.last_used_at);
    // 50 days after the log-in (more than 30 since it was made): still in
    await server.setClock('2025-12-20T09:00:00+03:00');
    await page.goto(`${server.base}/app/`);
    await waitForH1(ru['home.title']);
    // past 90 days after the log-in: renewals no longer help
    await server.setClock('2026-01-29T10:05:00+03:00');
    await page.goto(`${server.base}/app/`);
    await waitForH1(ru['welcome.title']);
    assert.equal(await browserToken(), null);
  });

  it('asks for the password again before leaving, not before reading', async () => {
    await logIn(PASSWORD);
    const tok = await browserToken();
    const reg = await server.api('POST', '/api/v1/me/registration', { region: '77', residence: RESIDENCE }, tok);
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    await server.setClock('2026-01-29T11:30:00+03:00');   // an hour later
    await page.goto(`${server.base}/app/#/leave`);
    await waitForH1(ru['leave.title']);
    await page.getByLabel(ru['leave.tick']).check();
    await page.getByRole('button', { name: ru['leave.submit'] }).click();
    const dialog = page.getByRole('dialog', { name: ru['recheck.title'] });
    await dialog.waitFor({ timeout: 10000 });
    await dialog.getByLabel(ru['login.password']).fill('не тот пароль совсем');
    await dialog.getByRole('button', { name: ru['recheck.submit'] }).click();
    await dialog.getByText(ru['error.wrong_password']).waitFor({ timeout: 10000 });
    await dialog.getByLabel(ru['login.password']).fill(PASSWORD);
    await dialog.getByRole('button', { name: ru['recheck.submit'] }).click();
    await page.getByText(ru['leave.done']).waitFor({ timeout: 10000 });
    assert.equal(await dialog.count(), 0);
    const me = await server.api('GET', '/api/v1/me', undefined, tok);
    assert.equal(me.body.registration, null);
  });

  it('changes the password, lists the sessions, logs out everywhere', async () => {
    const other = await server.personToken(PERSON.documentNumber, PASSWORD);
    await page.goto(`${server.base}/app/#/settings`);
    await waitForH1(ru['settings.title']);
    const list = page.locator('ul.sessions li');
    assert.equal(await list.count(), 2);
    assert.match(await list.allTextContents().then((t) => t.join('\n')), new RegExp(ru['settings.this_device']));
    await page.getByLabel(ru['settings.current_password']).fill(PASSWORD);
    await page.getByLabel(ru['settings.new_password']).fill(NEW_PASSWORD);
    await page.getByLabel(ru['activate.password_repeat']).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: ru['settings.change_password'] }).click();
    await page.getByText(ru['settings.password_changed']).waitFor({ timeout: 10000 });
    assert.equal((await server.api('GET', '/api/v1/me', undefined, other)).status, 401);
    const tok = await browserToken();
    assert.equal((await server.api('GET', '/api/v1/me', undefined, tok)).status, 200);
    const third = await server.personToken(PERSON.documentNumber, NEW_PASSWORD);
    await page.getByRole('button', { name: ru['settings.logout_everywhere'] }).click();
    await waitForH1(ru['welcome.title']);
    assert.equal(await browserToken(), null);
    assert.equal((await server.api('GET', '/api/v1/me', undefined, third)).status, 401);
    assert.equal((await server.api('GET', '/api/v1/me', undefined, tok)).status, 401);
  });

  it('in Tajik: the list says "this phone", and a cancelled re-check changes nothing', async () => {
    await page.evaluate(() => localStorage.setItem('uchet.lang', 'tg'));
    await page.goto(`${server.base}/app/#/login`);
    await page.reload();
    await waitForH1(tg['login.title']);
    await page.getByLabel(tg['login.card_number']).fill(PERSON.documentNumber);
    await page.getByLabel(tg['login.password']).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: tg['login.submit'] }).click();
    await waitForH1(tg['home.title']);
    await page.goto(`${server.base}/app/#/settings`);
    await waitForH1(tg['settings.title']);
    await page.getByRole('heading', { name: tg['settings.devices'] }).waitFor();
    assert.match((await page.locator('ul.sessions li').allTextContents()).join('\n'), new RegExp(tg['settings.this_device']));
    await server.setClock('2026-01-29T12:00:00+03:00');   // 20 minutes and more after this log-in
    await page.goto(`${server.base}/app/#/minor`);
    await waitForH1(tg['minor.title']);
    await page.locator('input[name="surname"]').fill('RAHIMOVA');
    await page.locator('input[name="given_names"]').fill('ZARINA');
    await page.locator('input[name="birth_date"]').fill('2016-05-20');
    await page.getByRole('button', { name: tg['minor.submit'] }).click();
    const dialog = page.getByRole('dialog', { name: tg['recheck.title'] });
    await dialog.waitFor({ timeout: 10000 });
    await dialog.getByRole('button', { name: tg['recheck.cancel'] }).click();
    await page.getByText(tg['error.password_recheck_required']).waitFor({ timeout: 10000 });
    const kids = await server.api('GET', '/api/v1/me/minors', undefined, await browserToken());
    assert.deepEqual(kids.body.items, []);
  });
});
