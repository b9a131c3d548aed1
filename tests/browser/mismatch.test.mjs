// Rule 8 in the app, in Tajik: after three confirmations away from home the
// inbox asks "is your address still right?", and the person answers from
// the notice itself: "my address is right" (the server starts the count
// again) — the dead end issue 17 found, where the notice asked for a button
// that did not exist.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { START_CLOCK, catalog, startBrowser, startServer } from './harness.mjs';
import { openAs } from './app_steps.mjs';

const PASSWORD = 'ochen-dlinnyi-parol-2025';
const RESIDENCE = { settlement: 'Moskva', street: 'Tverskaya', house: '7', lat: 55.7601, lon: 37.6186, accuracy_m: 20 };
let confirmations = 0;
function away() {
  confirmations += 1;
  return { lat: 55.80, lon: 37.70, accuracy_m: 30, client_time: START_CLOCK, idempotency_key: `mismatch-away-${confirmations}` };
}
const tg = catalog('tg');

let server;
let browser;
let page;
let tok;

describe('the mismatch notice has its answer (Tajik)', { timeout: 120000 }, () => {
  before(async () => {
    server = await startServer();
    let res = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    tok = res.body.token;
    res = await server.api('POST', '/api/v1/me/registration', { region: '77', residence: RESIDENCE }, tok);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    for (let i = 0; i < 3; i += 1) {
      res = await server.api('POST', '/api/v1/me/confirmations', away(), tok);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.at_residence, false);
    }
    browser = await startBrowser(server.base);
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('answers "my address is right" from the notice, and the server starts the count again', async () => {
    // openAs waits for the service worker's first install before it leaves
    // the page: a CI run timed out here when a reload came while it was
    // caching the shell
    await openAs(page, server.base, { token: tok, lang: 'tg', route: 'notices', title: tg['notices.title'] });
    const card = page.locator('li.card', { hasText: tg['notice.mismatch.title'] });
    await card.waitFor({ timeout: 10000 });
    assert.ok(await card.getByRole('link', { name: tg['notices.mismatch.change'] }).isVisible());
    await card.getByRole('button', { name: tg['notices.mismatch.right'] }).click();
    await card.getByText(tg['notices.mismatch.right_done']).waitFor();
    assert.equal(await card.getByRole('button', { name: tg['notices.mismatch.right'] }).count(), 0);
    const list = await server.api('GET', '/api/v1/me/notifications', undefined, tok);
    assert.equal(list.body.items.find((n) => n.kind === 'mismatch').read, true);
    // counted from zero again: one more away is a streak of one, no new notice
    const res = await server.api('POST', '/api/v1/me/confirmations', away(), tok);
    assert.equal(res.status, 201);
    await page.reload();
    await card.waitFor();
    assert.equal(await card.getByRole('button', { name: tg['notices.mismatch.right'] }).count(), 0);
  });
});
