// The regime over time, as a person sees it in the app: the registration
// lapses, home says until when an appeal is possible, the person appeals
// with a written reason, a registrar grants it and the registration is
// active again; then the landlord confirms the residence with a one-time
// code from the app. A second person whose appeal window has closed is told
// to register again. The steps share one server and one browser and run in
// order.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fillAddress } from './app_steps.mjs';
import { PERSON, activationCodeFrom, catalog, shot, startBrowser, startServer } from './harness.mjs';
import { deskToken as deskTokenFor } from './desk_auth.mjs';

const HOME = { latitude: 55.7601, longitude: 37.6186, accuracy: 15 };
const PASSWORD = 'kovrik-na-oknE-42';
const LAPSED = '2025-11-07T09:00:00+03:00';   // registered Fri 10-31, due Thu 11-06: lapsed at 11-07 00:00
const DECIDED = '2025-11-10T11:00:00+03:00';  // Monday: the registrar decides
const TOO_LATE = '2025-12-10T10:00:00+03:00'; // the lapse day 11-07 + 30 is 12-07
const REASON = 'My phone broke on 5 November and I could not confirm.';
const DECISION = 'Repair receipt checked, case 44/2025';
const OFFICER_PASSWORD = 'desk-Passw0rd-long';
const SECOND = { number: '7700999888', surname: 'KARIMOVA', given: 'DILNOZA' };
const THIRD = { number: '7700777666', surname: 'SAIDOV', given: 'BAKHTIYOR' };
const REFUSAL = 'No evidence was given for the claim.';
const en = catalog('en');

let server;
let browser;
let page;

async function waitForH1(text) {
  await page.locator('main h1', { hasText: text }).waitFor({ timeout: 15000 });
}

// The text of a catalog message up to its first placeholder.
function prefix(key) {
  return en[key].split('{')[0];
}

async function logIn(number) {
  await page.goto(`${server.base}/app/#/login`);
  await waitForH1(en['login.title']);
  await page.getByLabel(en['login.card_number']).fill(number);
  await page.getByLabel(en['login.password']).fill(PASSWORD);
  await page.getByRole('button', { name: en['login.submit'] }).click();
  await waitForH1(en['home.title']);
}

// A registrar's desk session (the account is created once).
let registrar = null;
async function deskToken() {
  if (!registrar) {
    server.ctl(['officer', 'add', '--login', 'registrar-1', '--name', 'Officer One',
      '--role', 'registrar', '--password-stdin'], `${OFFICER_PASSWORD}\n`);
    registrar = 'registrar-1';
  }
  return deskTokenFor(server, registrar, OFFICER_PASSWORD);   // password and TOTP code (issue 15)
}

async function pageWidth() {
  await page.waitForLoadState('networkidle');
  return page.evaluate(() => document.documentElement.scrollWidth);
}

describe('the regime over time: appeal and landlord', { timeout: 240000 }, () => {
  before(async () => {
    server = await startServer();
    // Two more persons, registered at the same time: one never appeals, one
    // is refused.
    for (const p of [SECOND, THIRD]) {
      const out = server.ctl(['person', 'add', '--document-kind', 'card', '--document-number', p.number,
        '--surname', p.surname, '--given-names', p.given, '--birth-date', '1993-02-01',
        '--citizenship', 'UZB', '--purpose', 'work', '--entry-regime', 'visa_free', '--language', 'en']);
      const act = await server.api('POST', '/api/v1/activation',
        { activation_code: activationCodeFrom(out), password: PASSWORD });
      assert.equal(act.status, 201, JSON.stringify(act.body));
      const reg = await server.api('POST', '/api/v1/me/registration', {
        region: '77',
        residence: { settlement: 'Moscow', street: 'Profsoyuznaya', house: '12', lat: 55.67, lon: 37.55 },
      }, act.body.token);
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
    }
    browser = await startBrowser(server.base);
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('activates and registers', async () => {
    await page.goto(`${server.base}/app/`);
    await page.locator('.lang-btn[data-lang="en"]').click();
    await waitForH1(en['welcome.title']);
    await page.getByRole('link', { name: en['welcome.activate'] }).click();
    await waitForH1(en['activate.title']);
    await page.getByLabel(en['activate.code']).fill(server.activationCode);
    await page.getByLabel(en['activate.password'], { exact: true }).fill(PASSWORD);
    await page.getByLabel(en['activate.password_repeat']).fill(PASSWORD);
    await page.getByRole('button', { name: en['activate.submit'] }).click();
    await waitForH1(en['home.title']);
    await page.getByRole('link', { name: en['home.register_button'] }).click();
    await waitForH1(en['register.title']);
    await fillAddress(page, en, { region: '77', settlement: 'Moscow', street: 'Tverskaya', house: '7' }, HOME);
    await page.getByRole('button', { name: en['register.submit'] }).click();
    await waitForH1(en['home.title']);
    await page.getByTestId('days-left').waitFor();
  });

  it('after the lapse, home says what happened and the last day to appeal', async () => {
    await server.waitForLapse(PERSON.documentNumber, PASSWORD, LAPSED);
    await logIn(PERSON.documentNumber); // days later the old session has ended
    await page.getByText(prefix('home.ended.lapsed')).waitFor();
    const card = page.getByTestId('appeal-card');
    await card.waitFor();
    const text = await card.innerText();
    assert.ok(text.includes(en['home.appeal.open_title']), text);
    assert.ok(text.includes(prefix('home.appeal.open')), text);
    assert.match(text, /December 7, 2025/, 'the lapse day 7 November + 30 days');
    await page.getByRole('link', { name: en['home.register_button'] }).waitFor();
    await shot(page, 'home-lapsed');
  });

  it('files an appeal with a written reason and sees it pending', async () => {
    await page.getByRole('link', { name: en['home.appeal.button'], exact: true }).click();
    await waitForH1(en['appeal.title']);
    assert.match(await page.getByTestId('appeal-until').innerText(), /December 7, 2025/);
    const reason = page.getByLabel(en['appeal.reason_label']);
    await page.getByRole('button', { name: en['appeal.submit'] }).click();
    await page.locator('.field-error:visible', { hasText: en['form.required'] }).waitFor();
    await reason.fill('Phone!');
    await page.getByText(en['appeal.counter'].replace('{n}', '6').replace('{max}', '500')).waitFor();
    await page.getByRole('button', { name: en['appeal.submit'] }).click();
    await page.locator('.field-error:visible', { hasText: en['appeal.too_short'].replace('{min}', '10') }).waitFor();
    assert.equal(await reason.evaluate((el) => el === document.activeElement), true, 'focus is on the reason');
    await reason.fill(REASON);
    await page.getByText(en['appeal.counter'].replace('{n}', String(REASON.length)).replace('{max}', '500')).waitFor();
    await shot(page, 'appeal');
    await page.getByRole('button', { name: en['appeal.submit'] }).click();
    await page.getByText(en['appeal.sent']).waitFor();
    const item = page.getByTestId('appeal');
    assert.equal(await item.count(), 1);
    const shown = await item.innerText();
    assert.ok(shown.includes(en['appeal.status.pending']), shown);
    assert.ok(shown.includes(REASON), shown);
    // filed on Friday 11-07: decided by the 5th working day after it
    assert.match(await page.getByTestId('decision-due').innerText(), /November 14, 2025/);
    assert.equal(await page.getByRole('button', { name: en['appeal.submit'] }).count(), 0, 'one appeal per lapse');
    await shot(page, 'appeal-pending');
    await page.goto(`${server.base}/app/#/home`);
    await waitForH1(en['home.title']);
    const card = await page.getByTestId('appeal-card').innerText();
    assert.ok(card.includes(prefix('home.appeal.pending')), card);
    assert.match(card, /November 14, 2025/, 'home says when the decision is due, too');
    assert.equal(await page.getByRole('link', { name: en['home.appeal.button'], exact: true }).count(), 0);
  });

  it('a registrar grants the appeal and the app shows the registration active again', async () => {
    await server.setClock(DECIDED);
    const desk = await deskToken();
    const queue = await server.api('GET', '/api/v1/desk/appeals', undefined, desk);
    assert.equal(queue.body.items.length, 1);
    const decided = await server.api('POST', `/api/v1/desk/appeals/${queue.body.items[0].id}/decision`,
      { grant: true, reason: DECISION }, desk);
    assert.equal(decided.status, 200, JSON.stringify(decided.body));

    await logIn(PERSON.documentNumber);
    await page.getByTestId('days-left').waitFor();
    assert.equal(await page.locator('[data-status]').count(), 1, 'the status card is back');
    assert.equal(await page.getByTestId('appeal-card').count(), 0);
    await page.getByRole('link', { name: en['home.confirm_button'] }).waitFor();
    await page.goto(`${server.base}/app/#/appeal`);
    await waitForH1(en['appeal.title']);
    const shown = await page.getByTestId('appeal').innerText();
    assert.ok(shown.includes(en['appeal.status.granted']), shown);
    assert.ok(shown.includes(en['appeal.decision_reason'].replace('{reason}', DECISION)), shown);
    // the officer wrote in Russian: marked so, for the reader and for a screen reader
    assert.ok(shown.includes(en['common.officer_wrote_ru']), shown);
    assert.equal(await page.getByTestId('appeal').locator('span[lang="ru"]').innerText(), DECISION);
    await shot(page, 'appeal-granted');
  });

  it('says when the appeal was already filed elsewhere, then shows the refusal and its reason', async () => {
    await logIn(THIRD.number);
    await page.getByRole('link', { name: en['home.appeal.button'], exact: true }).click();
    await waitForH1(en['appeal.title']);
    await page.getByLabel(en['appeal.reason_label']).fill(REASON);
    // Meanwhile the same person files from another phone.
    const other = await server.api('POST', '/api/v1/me/appeals', { reason: 'I was in hospital, 3 to 9 November.' },
      await server.personToken(THIRD.number, PASSWORD));
    assert.equal(other.status, 201, JSON.stringify(other.body));
    await page.getByRole('button', { name: en['appeal.submit'] }).click();
    await page.getByRole('alert').getByText(en['error.appeal_exists']).waitFor();

    const desk = await deskToken();
    const decided = await server.api('POST', `/api/v1/desk/appeals/${other.body.id}/decision`,
      { grant: false, reason: REFUSAL }, desk);
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    await page.goto(`${server.base}/app/#/home`);
    await waitForH1(en['home.title']);
    assert.ok((await page.getByTestId('appeal-card').innerText()).includes(en['home.appeal.refused']));
    await page.getByRole('link', { name: en['home.appeal.view'] }).click();
    await waitForH1(en['appeal.title']);
    const shown = await page.getByTestId('appeal').innerText();
    assert.ok(shown.includes(en['appeal.status.refused']), shown);
    assert.ok(shown.includes(en['appeal.decision_reason'].replace('{reason}', REFUSAL)), shown);
    await page.getByText(en['appeal.refused_note']).waitFor();
    await page.getByRole('link', { name: en['home.register_button'] }).waitFor();
    await shot(page, 'appeal-refused');
  });

  it('gives a one-time code for the landlord, who confirms on /host/', async () => {
    await logIn(PERSON.documentNumber);
    assert.equal(await page.getByTestId('host-confirmed').count(), 0);
    await page.getByRole('link', { name: en['home.landlord_link'] }).click();
    await waitForH1(en['landlord.title']);
    assert.equal(await page.getByTestId('host-status').innerText(), en['landlord.not_confirmed']);
    await page.getByRole('button', { name: en['landlord.get_code'] }).click();
    const codeEl = page.getByTestId('host-code');
    await codeEl.waitFor();
    const first = (await codeEl.innerText()).trim();
    assert.match(first, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const card = await page.getByTestId('host-code-card').innerText();
    assert.ok(card.includes(en['landlord.instruction'].replace('{url}', `${server.base}/host/`)), card);
    assert.ok(card.includes(prefix('landlord.valid_until')), card);
    assert.match(card, /November 17, 2025, 11:00 \(UTC\+03:00\)/, 'valid 7 days, in the region\'s time');
    // Asking again shows a new code in place of the old one.
    await page.getByRole('button', { name: en['landlord.new_code'] }).click();
    await page.getByText(en['landlord.replaced']).waitFor();
    const code = (await codeEl.innerText()).trim();
    assert.notEqual(code, first);
    assert.equal(await page.getByTestId('host-code').count(), 1);
    assert.ok(!page.url().includes(code), 'the code is not in the URL');
    await shot(page, 'landlord-code');

    const host = await browser.context.newPage();
    await host.goto(`${server.base}/host/`);
    await host.locator('button.lang[data-lang="en"]').click();
    await host.getByLabel('Code').fill(code);
    await host.getByLabel('Your name (the landlord)').fill('Galina Orlova');
    await host.getByRole('button', { name: 'Confirm' }).click();
    await host.locator('.result.ok').getByText('Moscow, Tverskaya, 7').waitFor();
    await host.close();

    await page.goto(`${server.base}/app/#/home`);
    await waitForH1(en['home.title']);
    assert.equal(await page.getByTestId('host-confirmed').innerText(), en['home.host_confirmed']);
    await page.goto(`${server.base}/app/#/landlord`);
    await waitForH1(en['landlord.title']);
    assert.equal(await page.getByTestId('host-status').innerText(), en['home.host_confirmed']);
  });

  it('keeps the new screens inside 360 px in Georgian and Tajik', async () => {
    for (const lang of ['ka', 'tg']) {
      const msgs = catalog(lang);
      await page.goto(`${server.base}/app/#/language`);
      await page.locator(`.lang-btn[data-lang="${lang}"]`).click();
      await page.locator('main h1', { hasText: msgs['settings.title'] }).waitFor();
      for (const route of ['home', 'appeal', 'landlord']) {
        await page.goto(`${server.base}/app/#/${route}`);
        await page.locator('main h1').waitFor();
        if (route === 'landlord') {
          await page.getByRole('button', { name: msgs['landlord.get_code'] }).click();
          await page.getByTestId('host-code').waitFor();
        }
        const width = await pageWidth();
        assert.ok(width <= 360, `${lang} #/${route} is ${width} px wide`);
      }
      if (lang === 'tg') await shot(page, 'landlord-code-tg');
    }
    await page.goto(`${server.base}/app/#/language`);
    await page.locator('.lang-btn[data-lang="en"]').click();
    await waitForH1(en['settings.title']);
  });

  it('when the 30 days have passed, says so and offers to register again', async () => {
    await server.setClock(TOO_LATE);
    await logIn(SECOND.number);
    const card = await page.getByTestId('appeal-card').innerText();
    assert.ok(card.includes(prefix('appeal.closed')), card);
    assert.match(card, /December 7, 2025/);
    assert.equal(await page.getByRole('link', { name: en['home.appeal.button'], exact: true }).count(), 0);
    await page.getByRole('link', { name: en['home.register_button'] }).waitFor();
    await shot(page, 'home-appeal-closed');
    await page.goto(`${server.base}/app/#/appeal`);
    await waitForH1(en['appeal.title']);
    await page.getByText(prefix('appeal.closed')).waitFor();
    assert.equal(await page.getByRole('button', { name: en['appeal.submit'] }).count(), 0);
    for (const lang of ['ka', 'tg']) {
      await page.goto(`${server.base}/app/#/language`);
      await page.locator(`.lang-btn[data-lang="${lang}"]`).click();
      await page.locator('main h1', { hasText: catalog(lang)['settings.title'] }).waitFor();
      for (const route of ['home', 'appeal']) {
        await page.goto(`${server.base}/app/#/${route}`);
        await page.locator('main h1').waitFor();
        const width = await pageWidth();
        assert.ok(width <= 360, `${lang} #/${route} (closed) is ${width} px wide`);
      }
    }
  });

  it('ran without a Content-Security-Policy violation', () => {
    assert.deepEqual(browser.cspErrors, []);
  });
});
