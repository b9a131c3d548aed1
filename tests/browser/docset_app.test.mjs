// The app's "My documents" screen (issue 16), as a person uses it on a
// 360×740 phone: in Russian, start a set for a temporary residence permit,
// pick a text file by mistake and read why it was refused, add the real
// specimen page (the ICAO "Utopia" passport photo of the MRZ set) twice and
// remove the second, watch the page being read, send, and read the outcome:
// the missing documents named in Russian, each with what to do and its
// rule. Then the same person in Tajik reads the findings in Tajik, and the
// inbox's "documents returned" notice opens the set. Every screen stays
// inside 360 px and passes axe-core with no violation at all.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { activateVia, fillText, openAs } from './app_steps.mjs';
import { REPO, catalog, startBrowser, startDocsetServer } from './harness.mjs';
import { axeViolations, layoutFaults } from './kiosk_screen.mjs';

const PASSWORD = 'dokumenty-na-rvp-2025';
const PAGE = path.join(REPO, 'tests/mrz/real/25_pass-uto.jpg');
const PHONE = { w: 360, h: Infinity, minFont: 12, minTarget: 40, targets: 'button, a.btn' };
// Four prints of Debian's public-domain portrait of Grace Hopper laid two
// abreast on a desk, as a phone photographs them (JPEG on stdout).
const HOPPER = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const SHEET_OF_FOUR = `
import io, sys
from PIL import Image
face = Image.open(sys.argv[1]).convert("RGB").resize((300, 386))
sheet = Image.new("RGB", (800, 972), (236, 234, 228))
for i in range(4):
    sheet.paste(face, (80 + (i % 2) * 340, 80 + (i // 2) * 426))
buf = io.BytesIO()
sheet.save(buf, "JPEG", quality=85)
sys.stdout.buffer.write(buf.getvalue())
`;
const ru = catalog('ru');
const tg = catalog('tg');

let server;
let browser;
let page;
let token;
let setId;

// The phone screen as a person would see it wrong: anything wider than
// 360 px, clipped text, a small target; then axe-core, every impact.
async function checkScreen(name) {
  await page.waitForLoadState('networkidle');
  assert.deepEqual(await layoutFaults(page, PHONE), [], `layout of ${name}`);
  const found = await axeViolations(page);
  if (found !== null) assert.deepEqual(found, [], `axe on ${name}`);
}

async function chooseLanguage(code) {
  await page.goto(`${server.base}/app/#/language`);
  await page.locator(`.lang-btn[data-lang="${code}"]`).click();
  await page.locator('main h1', { hasText: catalog(code)['settings.title'] }).waitFor();
}

async function apiSet() {
  const res = await server.api('GET', `/api/v1/document-sets/${setId}`, undefined, token);
  assert.equal(res.status, 200);
  return res.body;
}

describe('the app: a person sends a document set and reads the outcome', { timeout: 600000 }, () => {
  before(async () => {
    server = await startDocsetServer();
    token = await activateVia(server, server.activationCode, PASSWORD);
    browser = await startBrowser(server.base);
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('opens "My documents" from home in Russian and starts a set', async () => {
    await openAs(page, server.base, { token, lang: 'ru', route: 'home', title: ru['home.title'] });
    await chooseLanguage('ru');   // the app tells the server too: notices and findings in Russian
    await page.goto(`${server.base}/app/#/home`);
    await page.getByRole('link', { name: ru['nav.documents'] }).click();
    await page.locator('main h1', { hasText: ru['docs.title'] }).waitFor();
    await page.getByText(ru['docs.none']).waitFor();
    await checkScreen('the list');
    await page.getByRole('button', { name: ru['docs.start'] }).click();
    await page.getByText(ru['docs.procedure_needed']).waitFor();
    assert.equal(await page.getByLabel(ru['docs.procedure']).getAttribute('aria-invalid'), 'true');
    await page.getByLabel(ru['docs.procedure']).selectOption({ label: ru['docset.procedure.rvp'] });
    await page.getByRole('button', { name: ru['docs.start'] }).click();
    await page.locator('main h1', { hasText: /№ \d+/ }).waitFor();
    setId = Number((await page.locator('main h1').innerText()).match(/№ (\d+)/)[1]);
    assert.equal((await apiSet()).procedure, 'rvp');
    const include = await page.locator('ul.required').innerText();   // what to include, in words
    for (const r of (await apiSet()).required) assert.ok(include.includes(ru[`docset.type.${r.type}`]), r.type);
  });

  it('refuses a text file with a clear reason, takes the real page, and removes one', async () => {
    const picker = page.getByLabel(ru['docs.add_file']);
    assert.equal(await picker.getAttribute('accept'), 'image/jpeg,image/png,application/pdf');
    assert.equal(await page.getByLabel(ru['docs.add_photo']).getAttribute('capture'), 'environment');
    await picker.setInputFiles({ name: 'заметки.txt', mimeType: 'text/plain', buffer: Buffer.from('не документ\n'.repeat(50)) });
    const refusal = page.getByRole('alert');
    await refusal.getByText(fillText(ru['docs.file_error'], { file: 'заметки.txt', error: ru['error.unsupported_media_type'] })).waitFor();
    assert.doesNotMatch(await refusal.innerText(), new RegExp(ru['error.generic']));
    assert.equal((await apiSet()).page_count, 0, 'nothing stored');
    await checkScreen('a refused file');

    await picker.setInputFiles(PAGE);
    await page.getByText(fillText(ru['docs.added'], { file: '25_pass-uto.jpg' })).waitFor();
    await picker.setInputFiles(PAGE);
    await page.locator('li[data-page="2"]').waitFor();
    await page.getByRole('button', { name: fillText(ru['docs.remove_page'], { page: fillText(ru['docs.page'], { n: 2 }) }) }).click();
    await page.locator('li[data-page="2"]').waitFor({ state: 'detached' });
    assert.deepEqual((await apiSet()).pages.map((p) => p.n), [1]);
    // the page is read while the set is still open: its state changes on screen
    const first = page.locator('li[data-page="1"]');
    await first.locator('.page-state', { hasText: new RegExp(`${ru['docs.page_state.read']}|${ru['docs.page_state.illegible']}|${ru['docs.page_state.unknown']}`) })
      .waitFor({ timeout: 240000 });
    await checkScreen('an open set with a page');
  });

  it('sends the set and shows the outcome with the missing documents named in Russian', async () => {
    await page.getByRole('button', { name: ru['docs.send'] }).click();
    // checking: each page's state and the count read (the check itself may
    // already be over when the screen is drawn)
    const progress = page.getByTestId('progress');
    const outcome = page.getByTestId('outcome');
    await progress.or(outcome).first().waitFor();
    if (await progress.isVisible()) {
      assert.match(await progress.innerText(), new RegExp(fillText(ru['docs.progress'], { done: '\\d+', total: '1' })));
      assert.equal(await page.locator('progress').getAttribute('max'), '1');
    }
    await outcome.waitFor({ timeout: 240000 });
    const set = await apiSet();
    assert.ok(['ready', 'returned', 'referred'].includes(set.state), set.state);
    assert.equal(await outcome.innerText(), ru[`docset.outcome.${set.outcome}`]);
    const missing = set.result.findings.filter((f) => f.code === 'missing_document');
    assert.ok(missing.length > 0, 'a passport alone is not an РВП set');
    const list = page.getByTestId('findings');
    const text = await list.innerText();
    for (const f of missing) {
      assert.ok(text.includes(fillText(ru['docs.finding_document'], { type: ru[`docset.type.${f.type}`] })), f.type);
    }
    assert.ok(text.includes(ru['docset.finding.missing_document']));
    assert.ok(text.includes(ru['docset.todo.missing_document']), 'what to do about it');
    assert.match(text, /Правило [a-z0-9._-]+; основание: \S/, 'each defect cites its rule');
    assert.doesNotMatch(text, /missing_document|docset\./, 'no raw codes or keys');
    await checkScreen('the outcome');
  });

  it('tells the same findings in Tajik once the person reads Tajik', async () => {
    await chooseLanguage('tg');
    await page.goto(`${server.base}/app/#/documents?set=${setId}`);
    await page.locator('main h1', { hasText: fillText(tg['docs.set_title'], { id: setId }) }).waitFor();
    const text = await page.getByTestId('findings').innerText();
    assert.ok(text.includes(tg['docset.finding.missing_document']), text);
    assert.ok(text.includes(tg['docset.todo.missing_document']));
    for (const f of (await apiSet()).result.findings.filter((x) => x.code === 'missing_document')) {
      assert.ok(text.includes(fillText(tg['docs.finding_document'], { type: tg[`docset.type.${f.type}`] })), f.type);
    }
    assert.ok(!text.includes(ru['docset.finding.missing_document']), 'no Russian left');
    await checkScreen('the outcome in Tajik');
  });

  it('lists the outcome notice in the inbox, and tapping it opens the set', async () => {
    const set = await apiSet();
    await page.goto(`${server.base}/app/#/notices`);
    await page.locator('main h1', { hasText: tg['notices.title'] }).waitFor();
    const card = page.locator('li.card', { hasText: tg[`notice.docset_${set.outcome}.title`] });
    await card.waitFor();
    await checkScreen('the inbox');
    await card.getByRole('link', { name: fillText(tg['notices.open_set'], { id: setId }) }).click();
    await page.locator('main h1', { hasText: fillText(tg['docs.set_title'], { id: setId }) }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/documents?set=${setId}`);
    await page.getByTestId('outcome').waitFor();
  });

  // A studio's sheet of four prints sent as one page for a residence
  // permit's four photographs: the page says how many it holds.
  it('shows how many photographs a sheet of prints holds', async () => {
    const res = await server.api('POST', '/api/v1/document-sets', { procedure: 'vnzh' }, token);
    assert.equal(res.status, 201);
    const sheet = execFileSync('/usr/bin/python3', ['-c', SHEET_OF_FOUR, HOPPER]);
    await page.goto(`${server.base}/app/#/documents?set=${res.body.id}`);
    await page.locator('main h1', { hasText: fillText(tg['docs.set_title'], { id: res.body.id }) }).waitFor();
    await page.getByLabel(tg['docs.add_file']).setInputFiles({ name: 'sheet.jpg', mimeType: 'image/jpeg', buffer: sheet });
    await page.locator('li[data-page="1"] .page-looks', { hasText: fillText(tg['docs.page_prints'], { count: 4 }) })
      .waitFor({ timeout: 240000 });
    await checkScreen('a sheet of prints');
  });
});
