// A kiosk test bench: uchetd with the kiosk API switched on (an enrolment
// key, a spool directory, a trust store holding the simulator's key), one
// kiosk added with `uchetctl kiosk add`, and a real uchet-devsim on a port
// of 4501–4600 (the only loopback ports the kiosk page's CSP lets it reach),
// as tests/api/test_kiosk.py sets them up.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BUILD, REPO, START_CLOCK, writeTotpKey } from './harness.mjs';

const READY_TIMEOUT_MS = 20000;
export const DEVSIM = path.join(BUILD, 'src/devsim/uchet-devsim');
const CTL = path.join(BUILD, 'src/cli/uchetctl');
const DAEMON = path.join(BUILD, 'src/api/uchetd');

function sleep(ms) {
  return new Promise((resolve) => { setTimeout(resolve, ms); });
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function anyFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A free port of the SBI range, starting at a random place so that two
// test files running at once rarely race for one.
async function sbiPort() {
  const start = 4501 + Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i += 1) {
    const p = 4501 + ((start - 4501 + i) % 100);
    if (await portFree(p)) return p;
  }
  throw new Error('no free port in 4501-4600');
}

// uchet-devsim with its own key; `start()` again after `kill()` brings the
// same device back on the same port (a cable plugged in again).
export async function startDevsim(dir) {
  const keys = path.join(dir, 'devkeys');
  const trust = path.join(dir, 'trust');
  fs.mkdirSync(keys);
  fs.mkdirSync(trust);
  execFileSync(DEVSIM, ['--keygen', keys], { stdio: 'pipe' });
  fs.copyFileSync(path.join(keys, 'devsim.pub'), path.join(trust, 'devsim.pub'));
  const port = await sbiPort();
  const url = `http://127.0.0.1:${port}`;
  let child = null;
  async function start() {
    child = spawn(DEVSIM, ['--port', String(port), '--key', path.join(keys, 'devsim.key'), '--seed', '7'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; if (out.includes('listening')) resolve(); });
      child.once('exit', (code) => reject(new Error(`devsim exited ${code}`)));
    });
    await admin('profile', { seed: 7 });
  }
  async function admin(what, body) {
    const res = await fetch(`${url}/admin/${what}`, { method: 'POST', body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`devsim admin ${what}: ${res.status} ${await res.text()}`);
    return res.json();
  }
  function kill() {
    if (child && child.exitCode === null) {
      const gone = new Promise((resolve) => { child.once('exit', resolve); });
      child.kill('SIGKILL');
      return gone;
    }
    return Promise.resolve();
  }
  await start();
  return { port, url, trust, admin, start, kill };
}

async function waitReady(base, child, logPath) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`uchetd exited:\n${fs.readFileSync(logPath, 'utf8')}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`uchetd not ready:\n${fs.readFileSync(logPath, 'utf8')}`);
}

// Resolves to {base, key, devsim, dir, api, ctl, stop}.
export async function startKioskBench() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uchet-kiosk-'));
  const db = path.join(dir, 'u.db');
  const ctl = (args) => execFileSync(CTL, ['--database', db, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const devsim = await startDevsim(dir);
  ctl(['init']);
  const keyFile = path.join(dir, 'enrolment.key');
  ctl(['keys', 'enrolment-init', '--key-file', keyFile]);
  const key = ctl(['kiosk', 'add', 'Browser test hall']).trim().split('\n').pop().trim();
  const cfg = path.join(dir, 'kiosk.ini');
  fs.writeFileSync(cfg, `[uchetd]\nenrolment_dir = ${path.join(dir, 'enrolments')}\nenrolment_key_file = ${keyFile}\n`
    + `sbi_trust_dir = ${devsim.trust}\nkiosk_idle_seconds = 600\ntotp_key_file = ${writeTotpKey(dir)}\n`);
  const port = await anyFreePort();
  const logPath = path.join(dir, 'uchetd.log');
  const log = fs.openSync(logPath, 'a');
  const child = spawn(DAEMON, ['--database', db, '--listen', `127.0.0.1:${port}`, '--clock', START_CLOCK,
    '--allow-clock-control', '--web-root', path.join(REPO, 'web'), '--config', cfg], { stdio: ['ignore', log, log] });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(base, child, logPath);

  async function api(method, p, body) {
    const headers = { Accept: 'application/json', Authorization: `Kiosk ${key}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  }

  async function stop() {
    await devsim.kill();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => { child.once('exit', resolve); });
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.closeSync(log);
    if (!process.env.UCHET_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  }
  return { base, key, devsim, dir, db, logPath, api, ctl, stop };
}
