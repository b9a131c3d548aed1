// The kiosk's camera fallback for the passport (issue 14: "scanned by the
// document scanner (or held to the camera)"): the document scanner is
// switched off in uchet-devsim, the passport screen offers the kiosk's own
// camera, a live preview with a frame guide, one picture; uchetd reads the
// zone off it and keeps the page marked "camera, not a certified scanner".
//
// The camera is Chromium's fake capture device fed from a Y4M file this test
// writes: one frame showing a real specimen passport data page the document
// check's tests hold (tests/mrz/real/100_pass-ltu.jpg, Lithuania), drawn
// into a 1280 × 720 frame by Chromium itself and converted to I420 here.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, REPO, catalog, shot } from './harness.mjs';
import { startKioskBench } from './kiosk_env.mjs';
import { H, W, checkScreen as checkLayout, waitScreen } from './kiosk_screen.mjs';

const FRAME_W = 1280;
const FRAME_H = 720;
const SPECIMEN = path.join(REPO, 'tests', 'mrz', 'real', '100_pass-ltu.jpg');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let bench;
let context;
let page;
let profile;
const cspErrors = [];

// The specimen centred on a grey background, as RGBA, drawn by Chromium.
async function specimenFrame() {
  const b = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const p = await b.newPage();
    const src = `data:image/jpeg;base64,${fs.readFileSync(SPECIMEN).toString('base64')}`;
    const rgba = await p.evaluate(async ({ url, w, h }) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const g = c.getContext('2d');
      g.fillStyle = '#808080';
      g.fillRect(0, 0, w, h);
      const scale = Math.min((w * 0.8) / img.naturalWidth, (h * 0.85) / img.naturalHeight);
      const dw = Math.round(img.naturalWidth * scale);
      const dh = Math.round(img.naturalHeight * scale);
      g.drawImage(img, Math.round((w - dw) / 2), Math.round((h - dh) / 2), dw, dh);
      const d = g.getImageData(0, 0, w, h).data;
      let bin = '';
      for (let i = 0; i < d.length; i += 0x8000) bin += String.fromCharCode(...d.subarray(i, i + 0x8000));
      return btoa(bin);
    }, { url: src, w: FRAME_W, h: FRAME_H });
    return Buffer.from(rgba, 'base64');
  } finally {
    await b.close();
  }
}

// One I420 frame (BT.601, full-range "jpeg" chroma siting) as a Y4M file.
function writeY4m(file, rgba, w, h) {
  const y = Buffer.alloc(w * h);
  const u = Buffer.alloc((w / 2) * (h / 2));
  const v = Buffer.alloc((w / 2) * (h / 2));
  for (let j = 0; j < h; j += 1) {
    for (let i = 0; i < w; i += 1) {
      const k = (j * w + i) * 4;
      y[j * w + i] = Math.round(0.299 * rgba[k] + 0.587 * rgba[k + 1] + 0.114 * rgba[k + 2]);
    }
  }
  for (let j = 0; j < h; j += 2) {
    for (let i = 0; i < w; i += 2) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [di, dj] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const k = ((j + dj) * w + i + di) * 4;
        r += rgba[k];
        g += rgba[k + 1];
        b += rgba[k + 2];
      }
      r /= 4;
      g /= 4;
      b /= 4;
      const o = (j / 2) * (w / 2) + i / 2;
      u[o] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
      v[o] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
    }
  }
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F30:1 Ip A1:1 C420jpeg\nFRAME\n`), y, u, v]));
}

function heading(text, timeout) {
  return waitScreen(page, text, timeout);
}

// The screen in every kiosk language, then axe-core in English.
async function checkScreen(name) {
  await checkLayout(page, name, 'en');
}

function btn(name) {
  return page.getByRole('button', { name, exact: true });
}

describe('the kiosk without a document scanner: the passport held to the camera', { concurrency: false }, () => {
  before(async () => {
    bench = await startKioskBench();
    const y4m = path.join(bench.dir, 'passport.y4m');
    writeY4m(y4m, await specimenFrame(), FRAME_W, FRAME_H);
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'uchet-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...ARGS, '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
      viewport: { width: W, height: H },
      deviceScaleFactor: 1,
      hasTouch: true,
      locale: 'en-US',
      timezoneId: 'Europe/Moscow',
    });
    await context.grantPermissions(['camera'], { origin: bench.base });
    page = context.pages()[0] || await context.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspErrors.push(msg.text());
    });
    const ru = catalog('ru');
    await page.goto(`${bench.base}/kiosk/#setup`);
    await heading(ru['kiosk.setup.title']);
    await page.fill('#setup-key', bench.key);
    await btn(ru['kiosk.setup.save']).click();
    await heading(ru['kiosk.choose_language']);
  });

  after(async () => {
    if (context) await context.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    if (bench) await bench.stop();
  });

  it('offers the camera when the scanner is off, reads the page it shows, and marks it for the registrar', async () => {
    const en = catalog('en');
    await bench.devsim.admin('status', { deviceId: '4', deviceStatus: 'Disconnected' });
    await btn('English').click();
    await btn(en['kiosk.consent.agree']).click();
    await heading(en['kiosk.passport.title']);
    assert.equal(await btn(en['kiosk.passport.camera']).count(), 0, 'the scanner is tried first');
    await btn(en['kiosk.passport.scan']).click();
    await page.locator('.info', { hasText: en['kiosk.passport.no_scanner'] }).waitFor({ timeout: 60000 });
    await shot(page, 'kiosk/passport-no-scanner');
    await checkScreen('passport without a scanner');
    await btn(en['kiosk.passport.camera']).click();
    await heading(en['kiosk.passport.camera_title']);
    // the live preview runs, with the frame to hold the page in
    await page.waitForFunction(() => {
      const v = document.querySelector('video.preview');
      return v && v.videoWidth > 0 && !v.paused;
    }, null, { timeout: 30000 });
    assert.equal(await page.locator('.page-guide').count(), 1);
    await shot(page, 'kiosk/passport-camera');
    await checkScreen('passport camera');
    await page.waitForFunction(() => {
      const v = document.querySelector('video.preview');
      return v && v.videoWidth > 0 && !v.paused;
    }, null, { timeout: 30000 });
    const [sent] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith('/document')),
      btn(en['kiosk.passport.camera_take']).click(),
    ]);
    const body = JSON.parse(sent.postData());
    assert.deepEqual(Object.keys(body), ['camera']);
    assert.ok(Buffer.from(body.camera, 'base64').subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), 'a JPEG frame');
    // the zone uchetd read off the camera's frame fills the details
    await heading(en['kiosk.details.title']);
    const shown = await page.locator('main').innerText();
    assert.ok(shown.includes('BASANAVICIENE') && shown.includes('LTU'), shown);
    // the camera is off again once the page is taken
    assert.equal(await page.evaluate(() => document.querySelectorAll('video').length), 0);
    const { sid } = await page.evaluate(() => window.kiosk.state());
    const look = await bench.api('GET', `/api/v1/kiosk/sessions/${sid}`);
    assert.equal(look.status, 200);
    assert.equal(look.body.steps.document_page.source, 'camera');
    assert.equal(look.body.steps.document.page, 'camera');
    assert.deepEqual(cspErrors, []);
  });
});
