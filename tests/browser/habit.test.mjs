// Issue 17, "the app as a two-second habit", in Tajik as a person would meet
// it: registering again from a fresh phone in one step, the region named in
// the person's language, home and inbox stating the deadline alike (with an
// unread badge), the cached deadline judged against the phone's clock
// offline and refreshed when the connection returns, a coarse home point
// refused, a child listed once, numbers that cannot be misread.
// The steps share one server and one browser and run in order.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERSON, catalog, startBrowser, startServer } from './harness.mjs';

const PASSWORD = 'ochen-dlinnyi-parol-2025';
const HOME = { latitude: 55.7601, longitude: 37.6186, accuracy: 15 };
const COARSE = { latitude: 55.7601, longitude: 37.6186, accuracy: 400 };
const RESIDENCE = { settlement: 'Khimki', street: 'Lenina', house: '12', apartment: '4', lat: 55.889, lon: 37.445, accuracy_m: 20 };
const ONE_DAY_LEFT = '2025-11-05T10:00:00+03:00'; // registered Fri 10-31, due Thu 11-06
const tg = catalog('tg');

let server;
let browser;
let page;

function sleep(ms) { return new Promise((resolve) => { setTimeout(resolve, ms); }); }

async function waitForH1(text) {
  await page.locator('main h1', { hasText: text }).waitFor({ timeout: 10000 });
}

async function token() {
  return page.evaluate(() => localStorage.getItem('uchet.token'));
}

async function me() {
  const res = await server.api('GET', '/api/v1/me', undefined, await token());
  assert.equal(res.status, 200);
  return res.body;
}

// Logs in through the app's own log-in screen, in Tajik.
async function logIn() {
  await page.goto(`${server.base}/app/#/login`);
  await waitForH1(tg['login.title']);
  await page.getByLabel(tg['login.card_number']).fill(PERSON.documentNumber);
  await page.getByLabel(tg['login.password']).fill(PASSWORD);
  await page.getByRole('button', { name: tg['login.submit'] }).click();
  await waitForH1(tg['home.title']);
}

describe('the app as a two-second habit (Tajik)', { timeout: 240000 }, () => {
  before(async () => {
    server = await startServer();
    // The person was registered in Moscow Oblast on another phone and left;
    // this browser (a fresh profile: a new phone) has never seen them.
    let res = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const tok = res.body.token;
    res = await server.api('POST', '/api/v1/me/registration', { region: '50', residence: RESIDENCE }, tok);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    res = await server.api('DELETE', '/api/v1/me/registration', { reason: 'departed' }, tok);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    browser = await startBrowser(server.base);
    page = browser.page;
    await page.clock.install();
    await page.goto(`${server.base}/app/`);
    await page.evaluate(() => localStorage.setItem('uchet.lang', 'tg'));
    await page.reload();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('registers again from a new phone in one step, at the address the server kept', async () => {
    await logIn();
    await page.getByRole('link', { name: tg['home.register_button'] }).click();
    await waitForH1(tg['register.title']);
    const card = page.getByTestId('register-again');
    await card.waitFor();
    assert.match(await page.getByTestId('again-address').innerText(), /Khimki, Lenina, 12/);
    assert.ok((await card.innerText()).includes(tg['region.50']), 'the region in Tajik');
    assert.equal(await page.locator('form').isVisible(), false, 'no form to fill in');
    await page.context().setGeolocation(HOME);
    await page.getByRole('button', { name: tg['register.again_button'] }).click();
    await waitForH1(tg['home.title']);
    await page.getByTestId('days-left').waitFor();
    const reg = (await me()).registration;
    assert.equal(reg.region, '50');
    assert.deepEqual([reg.residence.settlement, reg.residence.street, reg.residence.apartment], ['Khimki', 'Lenina', '4']);
    const region = await page.locator('main').innerText();
    assert.ok(region.includes(tg['region.50']) && !region.includes('Moscow Oblast'), 'home names the region in Tajik');
  });

  it('changing the residence does not ask for the region again', async () => {
    await page.goto(`${server.base}/app/#/residence`);
    await waitForH1(tg['residence.title']);
    assert.equal(await page.locator('select[name="region"]').count(), 0, 'changing the residence keeps the region');
  });

  it('refuses a home point taken at 400 m and keeps the old one', async () => {
    await page.context().setGeolocation(COARSE);
    await page.getByRole('button', { name: tg['address.here_now'] }).click();
    await page.getByTestId('geo-progress').waitFor();
    const want = tg['address.point_too_inaccurate'].replace('{meters}', '400');
    await page.getByText(want).waitFor({ timeout: 30000 });
    assert.equal((await me()).registration.residence.street, 'Lenina');
  });

  it('on the day before the last, home says what the notice says, with an unread badge', async () => {
    await server.setClock(ONE_DAY_LEFT);
    // uchetd's own scheduler catches up the days the clock skipped.
    const tok = await server.personToken(PERSON.documentNumber, PASSWORD);
    for (let i = 0; ; i += 1) {
      const res = await server.api('GET', '/api/v1/me/notifications', undefined, tok);
      if ((res.body.items || []).some((n) => n.kind === 'one_day_left')) break;
      assert.ok(i < 100, 'the one_day_left notice was queued');
      await sleep(100);
    }
    await page.evaluate((t) => localStorage.setItem('uchet.token', t), tok);
    await page.goto(`${server.base}/app/#/home`);
    await page.getByTestId('days-left').waitFor();
    const status = page.locator('[data-status]');
    assert.equal(await status.getAttribute('data-status'), 'urgent');
    assert.equal(await status.locator('h2').innerText(), tg['notice.one_day_left.title']);
    assert.equal((await page.getByTestId('days-left').innerText()).trim(), '1');
    const badge = page.getByTestId('unread');
    await badge.waitFor();
    assert.match(await badge.innerText(), /\d/);
    await page.getByRole('link', { name: tg['nav.notices'] }).click();
    await page.getByText(tg['notice.one_day_left.title']).first().waitFor();
  });

  it('offline, judges the cached deadline by the phone clock, and refreshes when back online', async () => {
    await page.goto(`${server.base}/app/#/home`);
    await page.getByTestId('days-left').waitFor();
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) await page.reload();
    await page.getByTestId('days-left').waitFor();
    await page.context().setOffline(true);
    try {
      await page.clock.setSystemTime(new Date('2025-11-07T08:00:00+03:00'));
      await page.reload();
      await page.getByTestId('offline-lapsed').waitFor();
      assert.equal(await page.getByTestId('days-left').count(), 0, 'no stale count of days');
    } finally {
      await page.context().setOffline(false);
    }
    // The server's clock still says 11-05: the fresh status replaces the guess.
    await page.getByTestId('days-left').waitFor({ timeout: 40000 });
    assert.equal(await page.getByTestId('offline-lapsed').count(), 0);
    await page.locator('#offline').waitFor({ state: 'hidden' });
  });

  it('lists a child once, however often the button is pressed', async () => {
    await page.goto(`${server.base}/app/#/minor`);
    await waitForH1(tg['minor.title']);
    await page.getByTestId('minors-none').waitFor();
    for (let i = 0; i < 2; i += 1) {
      await page.getByLabel(tg['minor.surname']).fill('RAHIMOVA');
      await page.getByLabel(tg['minor.given_names']).fill('ZARINA');
      await page.locator('input[name="birth_date"]').fill('2016-05-20');
      await page.getByRole('button', { name: tg['minor.submit'] }).click();
      await page.getByText(i === 0 ? tg['minor.done'] : tg['minor.already_listed']).waitFor();
    }
    assert.equal(await page.getByTestId('minors').locator('li').count(), 1);
    assert.equal(await page.getByLabel(tg['minor.surname']).inputValue(), 'RAHIMOVA', 'the second try kept what was typed');
    const kids = await server.api('GET', '/api/v1/me/minors', undefined, await token());
    assert.equal(kids.body.items.length, 1);
  });

  it('writes numbers so that a comma cannot be read as a decimal mark', async () => {
    const shown = await page.evaluate(async () => {
      const format = await import('/common/format.js');
      return [2000, 12000].map((n) => format.formatNumber(n));
    });
    for (const s of shown) assert.doesNotMatch(s, /,/, s);
  });

  it('ran without a Content-Security-Policy violation', () => {
    assert.deepEqual(browser.cspErrors, []);
  });
});
