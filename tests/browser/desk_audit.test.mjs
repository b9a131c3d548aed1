// The auditor's screens at the desk (issue 15), in Chromium: verify the
// audit chain (intact, with its count and last hash; then, after a row is
// rewritten straight in the database, the event that was changed), one
// person's events with a reason (which the person then sees in the app's
// access log), and one officer's actions over a period with their CSV.
// uchetd signs audit checkpoints (--audit-key-file) here, so the chain's
// verification also checks them, as `uchetctl audit verify --key` does: all
// agree, then a checkpoint line altered by hand is named as forged.
// One server, one browser, steps in order.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILD, PERSON, shot, startBrowser, startServer } from './harness.mjs';
import { deskLogIn, deskToken } from './desk_auth.mjs';

const PASSWORD = 'kovrik-na-oknE-42';
const AUDITOR = { login: 'aud-1', password: 'audit-Passw0rd-long' };
const INSPECTOR = { login: 'insp-a', password: 'insp-Passw0rd-long' };
const CASE = 'дело № 2025/117';
const AUDIT_REASON = 'проверка 2025/31 по жалобе';

let server;
let browser;
let page;
let personToken;
let keyDir;
let checkpointFile;

// The database, read and written behind uchetd's back, as an intruder (or
// the test) would.
function sql(query) {
  return execFileSync('sqlite3', [path.join(server.dir, 'u.db'), query], { encoding: 'utf8' }).trim();
}

describe('the desk: an auditor', { timeout: 180000 }, () => {
  before(async () => {
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'uchet-audit-key-'));
    const key = path.join(keyDir, 'audit.key');
    execFileSync(path.join(BUILD, 'src', 'cli', 'uchetctl'), ['keys', 'audit-init', '--key-file', key]);
    checkpointFile = `${key}.checkpoints`;
    const config = path.join(keyDir, 'uchetd.ini');
    fs.writeFileSync(config, `[uchetd]\naudit_key_file = ${key}\n`);
    server = await startServer({ config });
    const act = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(act.status, 201, JSON.stringify(act.body));
    personToken = act.body.token;
    const reg = await server.api('POST', '/api/v1/me/registration', {
      region: '77',
      residence: { settlement: 'Moscow', street: 'Profsoyuznaya', house: '12', lat: 55.67, lon: 37.55 },
    }, personToken);
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    for (const [o, role] of [[INSPECTOR, 'inspector'], [AUDITOR, 'auditor']]) {
      server.ctl(['officer', 'add', '--login', o.login, '--name', `Officer ${o.login}`, '--role', role,
        '--password-stdin'], `${o.password}\n`);
    }
    const inspector = await deskToken(server, INSPECTOR.login, INSPECTOR.password);
    const look = await server.api('POST', '/api/v1/desk/person-lookups',
      { document_kind: 'card', document_number: PERSON.documentNumber, reason: CASE }, inspector);
    assert.equal(look.status, 200, JSON.stringify(look.body));
    browser = await startBrowser(server.base);
    page = browser.page;
    await page.setViewportSize({ width: 1280, height: 900 });   // the desk is a desktop workstation
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
  });

  it('logs in and sees the auditor screens only', async () => {
    await deskLogIn(page, server, AUDITOR.login, AUDITOR.password);
    const nav = (await page.locator('#nav').innerText()).split('\n').map((s) => s.trim()).filter(Boolean);
    assert.deepEqual(nav, ['Журнал проверок', 'Проверка журнала', 'События по человеку', 'Действия сотрудника']);
  });

  it('verifies the chain: intact, with the count and the last hash', async () => {
    await page.getByRole('button', { name: 'Проверка журнала' }).click();
    await page.getByRole('heading', { name: 'Проверка целостности журнала аудита' }).waitFor();
    const [seq, hash] = sql('SELECT seq, lower(hex(hash)) FROM audit ORDER BY seq DESC LIMIT 1').split('|');
    await page.getByRole('button', { name: 'Проверить' }).click();
    await page.getByRole('heading', { name: `Журнал цел, событий: ${seq}` }).waitFor();
    assert.equal((await page.locator('.hash code').innerText()).trim(), hash);
    assert.equal(sql("SELECT COUNT(*) FROM audit WHERE action = 'audit.chain_verified'"), '1');
    const lines = fs.readFileSync(checkpointFile, 'utf8').trim().split('\n');
    const last = Math.max(...lines.map((l) => Number(l.split(' ')[1])));
    const signed = await page.locator('section.checkpoints').innerText();
    assert.ok(signed.includes('Подписанные контрольные точки'), signed);
    assert.ok(signed.includes(`Все подписанные контрольные точки (${lines.length}) сходятся с журналом;`
      + ` последняя — на событии № ${last}.`), signed);
    await shot(page, 'desk/auditor-chain');
  });

  it("shows one person's events only with a reason, and the person sees the look", async () => {
    await page.getByRole('button', { name: 'События по человеку' }).click();
    await page.getByRole('heading', { name: 'События по одному человеку' }).waitFor();
    await page.getByLabel('Найти человека по').selectOption('card');
    await page.getByLabel('Номер', { exact: true }).fill(PERSON.documentNumber);
    await page.getByRole('button', { name: 'Показать события' }).click();
    await page.getByText('Без основания проверка невозможна', { exact: false }).waitFor();
    assert.equal(await page.locator('table').count(), 0);
    await page.getByLabel('Основание проверки').fill(AUDIT_REASON);
    await page.getByRole('button', { name: 'Показать события' }).click();
    await page.getByRole('cell', { name: 'person.read' }).waitFor();
    const table = await page.locator('table').innerText();
    for (const action of ['person.created', 'person.activated', 'registration.created']) {
      assert.ok(table.includes(action), `${action} in\n${table}`);
    }
    assert.ok(table.includes(CASE), 'the inspector look with its reason');
    assert.ok(!table.includes(PERSON.documentNumber), 'no document number in the log');
    const log = await server.api('GET', '/api/v1/me/access-log', undefined, personToken);
    assert.ok(log.body.items.some((i) => i.officer_role === 'auditor' && i.reason === AUDIT_REASON),
      JSON.stringify(log.body));
    await shot(page, 'desk/auditor-person-events');
  });

  it("shows an officer's actions in a period, with counts and a CSV", async () => {
    await page.getByRole('button', { name: 'Действия сотрудника' }).click();
    await page.getByRole('heading', { name: 'Действия сотрудника за период' }).waitFor();
    await page.getByLabel('Логин сотрудника').fill(INSPECTOR.login);
    await page.getByLabel('С', { exact: true }).fill('2025-10-31');
    await page.getByLabel('По', { exact: true }).fill('2025-10-31');
    await page.getByRole('button', { name: 'Показать' }).click();
    await page.getByRole('table', { name: 'По видам действий' }).waitFor();
    const counts = await page.getByRole('table', { name: 'По видам действий' }).innerText();
    assert.match(counts, /person\.read\s+1/);
    assert.match(counts, /officer\.session_created\s+1/);
    assert.ok((await text()).includes(`Officer ${INSPECTOR.login} (${INSPECTOR.login})`));
    const [download] = await Promise.all([page.waitForEvent('download'),
      page.getByRole('button', { name: 'Скачать CSV' }).click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('"seq","at","action","subject","detail"\r\n'), csv);
    assert.ok(csv.includes('"person.read"') && csv.includes(CASE), csv);
    await shot(page, 'desk/auditor-activity');
  });

  it('names a checkpoint line altered by hand as forged', async () => {
    const text = fs.readFileSync(checkpointFile, 'utf8');
    const f = text.split('\n')[0].split(' ');
    const seq = f[1];
    f[2] = (f[2][0] === '0' ? '1' : '0') + f[2].slice(1);   // another hash under the same signature
    fs.writeFileSync(checkpointFile, [f.join(' '), ...text.split('\n').slice(1)].join('\n'));
    try {
      await page.getByRole('button', { name: 'Проверка журнала' }).click();
      await page.getByRole('button', { name: 'Проверить' }).click();
      await page.getByRole('heading', { name: 'Контрольная точка подделана' }).waitFor();
      const alert = await page.getByRole('alert').innerText();
      assert.ok(alert.includes('Цепочка хешей связна'), alert);
      assert.ok(alert.includes(`Первая неверная контрольная точка — строка 1: подпись не сходится (событие № ${seq})`),
        alert);
      assert.match(alert, /поддельных: 1\./);
      await shot(page, 'desk/auditor-chain-forged');
    } finally {
      const now = fs.readFileSync(checkpointFile, 'utf8').split('\n');   // lines signed meanwhile stay
      fs.writeFileSync(checkpointFile, [text.split('\n')[0], ...now.slice(1)].join('\n'));
    }
  });

  it('names the event that was rewritten in the database', async () => {
    const victim = Number(sql("SELECT seq FROM audit WHERE action = 'person.read'"));
    sql(`UPDATE audit SET detail = '{"reason":"nothing to see"}' WHERE seq = ${victim}`);
    await page.getByRole('button', { name: 'Проверка журнала' }).click();
    await page.getByRole('button', { name: 'Проверить' }).click();
    await page.getByRole('heading', { name: 'Журнал нарушен' }).waitFor();
    const alert = await page.getByRole('alert').innerText();
    assert.ok(alert.includes(`Событие № ${victim} (31.10.2025 07:00 UTC) изменено`), alert);
    assert.ok(alert.includes(`(их ${victim - 1})`), alert);
    await shot(page, 'desk/auditor-chain-broken');
  });

  it('speaks English too', async () => {
    await page.getByRole('button', { name: 'EN' }).click();
    await page.getByRole('heading', { name: 'Verify the audit chain' }).waitFor();
    const nav = (await page.locator('#nav').innerText()).split('\n').map((s) => s.trim()).filter(Boolean);
    assert.deepEqual(nav, ['Look-up log', 'Verify the log', "A person's events", "An officer's actions"]);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'The chain is broken' }).waitFor();
    const alert = await page.getByRole('alert').innerText();
    assert.match(alert, /Event #\d+ \(31\.10\.2025 07:00 UTC\) was changed/);
    assert.ok(alert.includes('Signed checkpoints') && alert.includes('signed checkpoints agree'), alert);
    await page.getByRole('button', { name: 'RU' }).click();
  });
});

async function text() {
  return page.locator('main').innerText();
}
