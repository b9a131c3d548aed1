// Issue 17: "a warning when the typed settlement does not belong to the
// chosen region". A person registering types Khimki (Moscow Oblast) and
// chooses Moscow: the form says so under the settlement, in the person's
// language with both regions named in it, and asks once more on submitting;
// choosing the right region clears it, "the address is right" lets the
// registration through as typed. A settlement the server's catalogue does
// not know is not judged. Tajik and Russian.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activateVia, fillAddress, fillText as fill, openAs, registrationOf } from './app_steps.mjs';
import { activationCodeFrom, catalog, shot, startBrowser, startServer } from './harness.mjs';

const PASSWORD = 'ochen-dlinnyi-parol-2025';
const HOME = { latitude: 55.889, longitude: 37.445, accuracy: 15 };
const tg = catalog('tg');
const ru = catalog('ru');

let server;
let browser;
let page;

const activate = (code) => activateVia(server, code, PASSWORD);

const registration = (tok) => registrationOf(server, tok);

// The register form, logged in as `tok`, in `lang`.
function openForm(tok, lang, cat) {
  return openAs(page, server.base, { token: tok, lang, route: 'register', title: cat['register.title'] });
}

function typeAddress(cat, region, settlement) {
  return fillAddress(page, cat, { region, settlement, street: 'Lenina', house: '12' }, HOME);
}

describe('the settlement against the chosen region', { timeout: 180000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await startBrowser(server.base);
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('warns in Tajik when Khimki is registered in Moscow, and the right region clears it', async () => {
    const tok = await activate(server.activationCode);
    await openForm(tok, 'tg', tg);
    await typeAddress(tg, '77', 'Химки');
    const note = page.getByTestId('settlement-note');
    const warning = fill(tg['address.settlement_other_region'],
      { settlement: 'Химки', region: tg['region.50'], chosen: tg['region.77'] });
    await note.getByText(warning).waitFor();
    assert.notEqual(tg['region.50'], 'Moscow Oblast', 'the region is named in Tajik');
    // submitting asks once more and registers nothing
    await page.getByRole('button', { name: tg['register.submit'] }).click();
    await note.getByRole('button', { name: tg['address.settlement_confirm'] }).waitFor();
    assert.equal(await registration(tok), null);
    await note.scrollIntoViewIfNeeded();
    await shot(page, 'register-settlement-warning');
    // the person picks the region the town is in: the warning goes
    await page.locator('select[name="region"]').selectOption('50');
    await page.waitForFunction(() => !document.querySelector('[data-testid="settlement-note"]').textContent);
    await page.getByRole('button', { name: tg['register.submit'] }).click();
    await page.locator('main h1', { hasText: tg['home.title'] }).waitFor();
    const reg = await registration(tok);
    assert.deepEqual([reg.region, reg.residence.settlement], ['50', 'Химки']);
  });

  it('in Russian, "the address is right" registers it as typed; an unknown town is not judged', async () => {
    const out = server.ctl(['person', 'add', '--document-kind', 'card', '--document-number', '7700654321',
      '--surname', 'KARIMOV', '--given-names', 'ALISHER', '--birth-date', '1990-02-03', '--citizenship', 'UZB',
      '--purpose', 'work', '--entry-regime', 'visa_free', '--language', 'ru']);
    const tok = await activate(activationCodeFrom(out));
    await openForm(tok, 'ru', ru);
    // a settlement the catalogue does not list: no warning at all
    await typeAddress(ru, '77', 'Гадюкино');
    await page.getByRole('button', { name: ru['register.submit'] }).click();
    await page.locator('main h1', { hasText: ru['home.title'] }).waitFor();
    assert.equal((await registration(tok)).residence.settlement, 'Гадюкино');
    // the same person moves: a town of the oblast typed in Latin letters, Moscow chosen
    const left = await server.api('DELETE', '/api/v1/me/registration', { reason: 'departed' }, tok);
    assert.equal(left.status, 200, JSON.stringify(left.body));
    await page.goto(`${server.base}/app/#/register`);
    await page.locator('main h1', { hasText: ru['register.title'] }).waitFor();
    const other = page.getByRole('button', { name: ru['register.other_address'] });
    if (await other.count()) await other.click();
    await typeAddress(ru, '77', 'г. Mytishchi');
    await page.getByRole('button', { name: ru['register.submit'] }).click();
    const note = page.getByTestId('settlement-note');
    await note.getByText(fill(ru['address.settlement_other_region'],
      { settlement: 'г. Mytishchi', region: ru['region.50'], chosen: ru['region.77'] })).waitFor();
    assert.equal(await registration(tok), null);
    await note.getByRole('button', { name: ru['address.settlement_confirm'] }).click();
    await page.locator('main h1', { hasText: ru['home.title'] }).waitFor();
    const reg = await registration(tok);
    assert.deepEqual([reg.region, reg.residence.settlement], ['77', 'г. Mytishchi']);
  });
});
