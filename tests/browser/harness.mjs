// Starts a real uchetd for the browser tests, and a fresh Chromium.
//
// startServer(): free port, temp dir, `uchetctl init`, one person added
// (the activation code is the last line uchetctl prints), then uchetd with
// an injected clock and clock control, waiting for GET /readyz = 200.
// The build dir comes from UCHET_BUILD (default <repo>/build).

import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD = path.resolve(REPO, process.env.UCHET_BUILD || 'build');
export const START_CLOCK = '2025-10-31T10:00+03:00';
export const PERSON = {
  documentKind: 'card', documentNumber: '7700123456', surname: 'RAHIMOV',
  givenNames: 'FARRUKH', birthDate: '1995-04-12', citizenship: 'TJK', language: 'tg',
};
const READY_TIMEOUT_MS = 20000;

// The first existing path among the places meson may put a binary.
function binary(name, subdirs) {
  const tried = [name, ...subdirs.map((d) => path.join(d, name))].map((p) => path.join(BUILD, p));
  const found = tried.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`${name} not found; looked at:\n  ${tried.join('\n  ')}\nBuild first, or set UCHET_BUILD.`);
  return found;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => { setTimeout(resolve, ms); });
}

// The activation code: the last word of the last non-empty line of stdout.
export function activationCodeFrom(stdout) {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!lines.length) throw new Error('uchetctl person add printed nothing');
  const words = lines[lines.length - 1].split(/\s+/);
  return words[words.length - 1];
}

function addPerson(ctl, db) {
  execFileSync(ctl, ['--database', db, 'init'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = execFileSync(ctl, ['--database', db, 'person', 'add',
    '--document-kind', PERSON.documentKind, '--document-number', PERSON.documentNumber,
    '--surname', PERSON.surname, '--given-names', PERSON.givenNames,
    '--birth-date', PERSON.birthDate, '--citizenship', PERSON.citizenship,
    '--purpose', 'work', '--entry-regime', 'visa_free', '--language', PERSON.language,
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return activationCodeFrom(out);
}

async function waitReady(base, child, logPath) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`uchetd exited with ${child.exitCode}:\n${fs.readFileSync(logPath, 'utf8')}`);
    }
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`uchetd not ready in ${READY_TIMEOUT_MS} ms:\n${fs.readFileSync(logPath, 'utf8')}`);
}

// The key file uchetd seals the officers' TOTP secrets under (required), in
// `uchetctl keys totp-init`'s format, written here without an uchetctl run.
export function writeTotpKey(dir) {
  const file = path.join(dir, 'totp.key');
  const hex = (n) => crypto.randomBytes(n).toString('hex');
  fs.writeFileSync(file, `${hex(8)} ${hex(32)}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

// Starts uchetd. Resolves to {base, activationCode, dir, api, setClock,
// personToken, waitForLapse, ctl, stop}. opts.passkeys: passkeys on, with
// http://localhost:PORT as the public origin (WebAuthn accepts a domain as
// the RP ID, not an IP address); the browser must then load base from there.
// opts.config: an INI file for uchetd --config (e.g. the kiosk settings of
// enrol_helper.py). opts.docsetKey: the document-set check on (see
// startDocsetServer).
export async function startServer(opts = {}) {
  const ctl = binary('uchetctl', ['src/cli', 'src']);
  const daemon = binary('uchetd', ['src/api', 'src']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uchet-browser-'));
  const db = path.join(dir, 'u.db');
  const activationCode = addPerson(ctl, db);
  const totpKey = writeTotpKey(dir);
  const env = { ...process.env, UCHET_TOTP_KEY_FILE: totpKey };
  if (opts.docsetKey) {
    env.UCHET_DOCSET_KEY_FILE = path.join(dir, 'docset.key');
    execFileSync(ctl, ['keys', 'enrolment-init', '--key-file', env.UCHET_DOCSET_KEY_FILE],
      { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const port = await freePort();
  const logPath = path.join(dir, 'uchetd.log');
  const log = fs.openSync(logPath, 'a');
  const child = spawn(daemon, ['--database', db, '--listen', `127.0.0.1:${port}`,
    '--clock', START_CLOCK, '--allow-clock-control', '--web-root', path.join(REPO, 'web'),
    ...(opts.passkeys ? ['--public-origin', `http://localhost:${port}`] : []),
    ...(opts.config ? ['--config', opts.config] : [])],
  { stdio: ['ignore', log, log], env });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(base, child, logPath);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }

  // One API call from the test itself (not the browser). Resolves to
  // {status, body}.
  async function api(method, p, body, token) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  }

  let clock = START_CLOCK;   // what uchetd's injected clock reads (desk TOTP codes follow it)
  async function setClock(now) {
    const res = await api('PUT', '/api/v1/test/clock', { now });
    if (res.status !== 200 && res.status !== 204) throw new Error(`clock: ${res.status} ${JSON.stringify(res.body)}`);
    clock = now;
  }

  async function stop() {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => { child.once('exit', resolve); });
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.closeSync(log);
    if (!process.env.UCHET_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  }

  // Runs uchetctl against this server's database, e.g. to add a person or
  // an officer. `input` goes to its stdin. Resolves to its stdout.
  function runCtl(args, input) {
    return execFileSync(ctl, ['--database', db, ...args], {
      encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  // A session of the test itself (not the browser) for the card `number`.
  async function personToken(number, password) {
    const res = await api('POST', '/api/v1/session', { document_kind: 'card', document_number: number, password });
    if (res.status !== 201) throw new Error(`log-in of ${number}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token;
  }

  // Moves the clock to `when` and waits until uchetd's own scheduler has
  // lapsed the card `number`'s registration. Resolves to its GET /api/v1/me.
  async function waitForLapse(number, password, when) {
    await setClock(when);
    const tok = await personToken(number, password);
    for (let i = 0; i < 100; i += 1) {
      const me = (await api('GET', '/api/v1/me', undefined, tok)).body;
      if (me.registration === null && me.last_registration) return me;
      await sleep(100);
    }
    throw new Error(`${number} did not lapse at ${when}`);
  }

  return {
    base, activationCode, dir, logPath, api, setClock, personToken, waitForLapse, ctl: runCtl, stop, clock: () => clock,
  };
}

// startServer with the document-set check on: a fresh key from `uchetctl
// keys enrolment-init` in the server's temp dir, given to uchetd as
// UCHET_DOCSET_KEY_FILE; stop() removes it with the dir.
export function startDocsetServer(opts = {}) {
  return startServer({ ...opts, docsetKey: true });
}

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A fresh Chromium profile (its own --user-data-dir) with a 360×740 phone
// viewport and geolocation allowed for `origin`. Resolves to
// {context, page, close, cspErrors}: cspErrors collects every Content
// Security Policy violation the page reports, for a test to assert empty.
export async function startBrowser(origin) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'uchet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 1,
    hasTouch: true,
    isMobile: false,
    locale: 'en-US',
    timezoneId: 'Europe/Moscow',
    geolocation: { latitude: 0, longitude: 0, accuracy: 10 },
    permissions: [],
  });
  await context.grantPermissions(['geolocation'], { origin });
  const page = context.pages()[0] || await context.newPage();
  const cspErrors = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) cspErrors.push(msg.text());
  });
  async function close() {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return { context, page, close, cspErrors };
}

// The messages of one generated catalog, to find elements by their text.
export function catalog(lang) {
  const file = path.join(REPO, 'web', 'app', 'i18n', `${lang}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')).messages;
}

// Screenshots go to docs/screenshots/ only when asked (UCHET_SCREENSHOTS=docs),
// so that `make check` leaves the tracked tree as it found it.
export const SCREENSHOTS = process.env.UCHET_SCREENSHOTS === 'docs'
  ? path.join(REPO, 'docs', 'screenshots')
  : path.join(os.tmpdir(), 'uchet-screenshots');
export function shot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
