// Issue 17: the settlement check on the residence-change screen (#/residence).
// A person registered in Moscow moves to Khimki (Moscow Oblast): the change
// screen keeps the registration's region and warns, as the register form
// does, in the person's language with both regions named, asks once more on
// submitting and changes nothing until "the address is right, continue";
// then the residence is changed as typed. A move within the region
// (Zelenograd is Moscow) is not warned about. Tajik and Russian.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activateVia, fillAddress, fillText, openAs, registrationOf } from './app_steps.mjs';
import { activationCodeFrom, catalog, shot, startBrowser, startServer } from './harness.mjs';

const PASSWORD = 'ochen-dlinnyi-parol-2025';
const HOME = { latitude: 55.7601, longitude: 37.6186, accuracy: 15 };
const MOSCOW = { settlement: 'Москва', street: 'Tverskaya', house: '1', lat: 55.7601, lon: 37.6186, accuracy_m: 20 };
const tg = catalog('tg');
const ru = catalog('ru');

let server;
let browser;
let page;

const activate = (code) => activateVia(server, code, PASSWORD);

const registration = (tok) => registrationOf(server, tok);

// Registered in Moscow (through the API), then the change screen in `lang`.
async function registeredInMoscow(tok, lang, cat) {
  const res = await server.api('POST', '/api/v1/me/registration', { region: '77', residence: MOSCOW }, tok);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  await openAs(page, server.base, { token: tok, lang, route: 'residence', title: cat['residence.title'] });
}

function typeAddress(cat, settlement) {
  return fillAddress(page, cat, { settlement, street: 'Lenina', house: '12' }, HOME);
}

describe('the settlement against the region when the residence changes', { timeout: 180000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await startBrowser(server.base);
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('warns in Tajik on a move from Moscow to Khimki, and "the address is right" changes it', async () => {
    const tok = await activate(server.activationCode);
    await registeredInMoscow(tok, 'tg', tg);
    assert.equal(await page.locator('select[name="region"]').count(), 0, 'the change screen keeps the region');
    await typeAddress(tg, 'Химки');
    const note = page.getByTestId('settlement-note');
    const warning = fillText(tg['address.settlement_other_region'],
      { settlement: 'Химки', region: tg['region.50'], chosen: tg['region.77'] });
    await note.getByText(warning).waitFor();
    assert.notEqual(tg['region.77'], 'Moscow', 'the region is named in Tajik');
    // submitting asks once more and changes nothing
    await page.getByRole('button', { name: tg['residence.submit'] }).click();
    const right = note.getByRole('button', { name: tg['address.settlement_confirm'] });
    await right.waitFor();
    assert.equal((await registration(tok)).residence.settlement, 'Москва');
    await note.scrollIntoViewIfNeeded();
    await shot(page, 'residence-settlement-warning');
    await right.click();
    await page.locator('main h1', { hasText: tg['home.title'] }).waitFor();
    const reg = await registration(tok);
    assert.deepEqual([reg.region, reg.residence.settlement, reg.residence.street], ['77', 'Химки', 'Lenina']);
  });

  it('in Russian, a move within the region (Zelenograd) is not warned about', async () => {
    const out = server.ctl(['person', 'add', '--document-kind', 'card', '--document-number', '7700654322',
      '--surname', 'KARIMOV', '--given-names', 'ALISHER', '--birth-date', '1990-02-03', '--citizenship', 'UZB',
      '--purpose', 'work', '--entry-regime', 'visa_free', '--language', 'ru']);
    const tok = await activate(activationCodeFrom(out));
    await registeredInMoscow(tok, 'ru', ru);
    // the screen asks the server, which places Zelenograd in Moscow: no warning
    const asked = page.waitForResponse((r) => r.url().endsWith('/api/v1/address-checks'));
    await typeAddress(ru, 'Зеленоград');
    const answer = await (await asked).json();
    assert.deepEqual([answer.region, answer.settlement_region, answer.in_region], ['77', '77', true]);
    assert.equal(await page.getByTestId('settlement-note').innerText(), '');
    await page.getByRole('button', { name: ru['residence.submit'] }).click();
    await page.locator('main h1', { hasText: ru['home.title'] }).waitFor();
    const reg = await registration(tok);
    assert.deepEqual([reg.region, reg.residence.settlement], ['77', 'Зеленоград']);
  });
});
