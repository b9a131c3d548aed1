// A phone passed on (issue 12/17): the browser still holds the first owner's
// push subscription, and the server refuses it to anyone else
// (409 endpoint_taken). Turning push on as the new owner must then drop the
// old subscription and make a fresh one — once — and say "on". Headless
// Chromium has no push service, so PushManager is replaced by a stand-in
// that behaves as a browser does: subscribe() returns the existing
// subscription until it is unsubscribed. Keys are real P-256 points (the
// server encrypts to them once to check).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { activationCodeFrom, catalog, startBrowser, startServer } from './harness.mjs';
import { activateVia } from './app_steps.mjs';

const PASSWORD = 'ochen-dlinnyi-parol-2025';
const OLD_ENDPOINT = 'https://push.example.net/send/first-owner';
const en = catalog('en');

function keys() {
  const ecdh = crypto.createECDH('prime256v1');
  return { p256dh: ecdh.generateKeys().toString('base64url'), auth: crypto.randomBytes(16).toString('base64url') };
}

let server;
let browser;
let page;

const activate = (code) => activateVia(server, code, PASSWORD);

describe('push on a phone passed on', { timeout: 120000 }, () => {
  before(async () => {
    server = await startServer();
    const first = await activate(server.activationCode);
    const oldKeys = keys();
    const res = await server.api('POST', '/api/v1/me/push-subscriptions', { endpoint: OLD_ENDPOINT, keys: oldKeys }, first);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const out = server.ctl(['person', 'add', '--document-kind', 'card', '--document-number', '7700654321',
      '--surname', 'KARIMOVA', '--given-names', 'DILNOZA', '--birth-date', '1993-02-01', '--citizenship', 'UZB',
      '--purpose', 'work', '--entry-regime', 'visa_free', '--language', 'en']);
    const second = await activate(activationCodeFrom(out));
    const fresh = keys();
    browser = await startBrowser(server.base);
    page = browser.page;
    await browser.context.grantPermissions(['notifications'], { origin: server.base });
    await page.addInitScript(([oldEndpoint, oldK, freshK]) => {
      let made = 0;
      let current = null;
      const make = (endpoint, k) => ({
        endpoint,
        toJSON: () => ({ endpoint, keys: k }),
        unsubscribe: async () => { current = null; return true; },
      });
      // the first owner's subscription is still in this browser
      current = make(oldEndpoint, oldK);
      window.__pushSubscribes = () => made;
      PushManager.prototype.subscribe = async function subscribe() {
        made += 1;
        if (!current) current = make(`https://push.example.net/send/fresh-${made}`, freshK);
        return current;
      };
      PushManager.prototype.getSubscription = async function getSubscription() { return current; };
    }, [OLD_ENDPOINT, oldKeys, fresh]);
    await page.goto(`${server.base}/app/`);
    await page.evaluate(([t]) => {
      localStorage.setItem('uchet.lang', 'en');
      localStorage.setItem('uchet.token', t);
    }, [second]);
    page.secondToken = second;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('turns push on for the new owner with a fresh subscription, leaving the first owner\'s alone', async () => {
    // the service worker installs on the first visit (it caches the shell): wait for it, as a phone would have
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.goto(`${server.base}/app/#/notices`);
    await page.reload();
    // the browser holds a subscription, but not this person's: the switch says off
    const toggle = page.getByRole('button', { name: en['push.turn_on'] });
    await page.locator('main h1').waitFor();
    await toggle.waitFor();
    assert.equal(await page.getByRole('button', { name: en['push.turn_off'] }).count(), 0);
    await toggle.click();
    await page.getByRole('status').filter({ hasText: en['push.on_done'] }).waitFor({ timeout: 15000 });
    assert.equal(await page.evaluate(() => window.__pushSubscribes()), 2, 'the stale subscription, then a fresh one');
    // the server kept the first owner's endpoint; the new owner has the fresh one
    const again = await server.api('POST', '/api/v1/me/push-subscriptions',
      { endpoint: OLD_ENDPOINT, keys: keys() }, page.secondToken);
    assert.equal(again.status, 409, 'still the first owner\'s');
    assert.equal(again.body.code, 'endpoint_taken');
    // and after a reload the switch says on, for this person
    await page.reload();
    await page.getByRole('button', { name: en['push.turn_off'] }).waitFor();
  });
});
