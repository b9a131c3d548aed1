// Issue 14's last app piece: a person who enrolled at a kiosk and has no
// log-in yet finds, on the app's log-in page, the way to the kiosk's status
// page (receipt number and birth date), which opens in the same language.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { catalog, startBrowser, startServer } from './harness.mjs';
import { waitTitle, workerSettled } from './app_steps.mjs';

let server;
let browser;

describe('the log-in page links to the enrolment status page', { timeout: 60000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await startBrowser(server.base);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  for (const lang of ['tg', 'ru']) {
    it(`in ${lang}`, async () => {
      const cat = catalog(lang);
      const { page } = browser;
      await page.goto(`${server.base}/app/`);
      await workerSettled(page);
      await page.evaluate((l) => localStorage.setItem('uchet.lang', l), lang);
      // A full load at the route, by way of about:blank, as openAs does: a
      // hash change on the open page followed by a reload came up on the
      // welcome screen in 2 of 7 runs (the hash change not taken).
      await page.goto('about:blank');
      await page.goto(`${server.base}/app/#/login`);
      await waitTitle(page, cat['login.title']);
      await page.getByRole('link', { name: cat['login.kiosk_status'] }).click();
      await page.getByRole('heading', { name: cat['kiosk.status.title'] }).waitFor();
      const url = new URL(page.url());
      assert.equal(url.pathname, '/kiosk/status.html');
      assert.ok((await page.locator('dl.details').innerText()).includes(cat['kiosk.status.receipt']));
      assert.equal(url.searchParams.get('lang'), lang);
    });
  }
});
