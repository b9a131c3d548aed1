// The desk, as a registrar uses it: log in (the first time enrolling the
// authenticator app from the QR code, with a code computed here), see the
// appeal queue (reasons and dates, never a name), grant an appeal with a
// written reason, find it among the granted ones, log out. The person's
// registration is active again afterwards. Then (issue 15) a supervisor adds
// an inspector, who enrols and logs in; the inspector's look-up is
// impossible without a reason and with one shows in the person's app. One
// server per part, one browser, steps in order.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PERSON, shot, startBrowser, startServer } from './harness.mjs';
import { deskLogIn, deskToken } from './desk_auth.mjs';

const PASSWORD = 'kovrik-na-oknE-42';
const OFFICER = { login: 'registrar-7', password: 'desk-Passw0rd-long' };
const LAPSED = '2025-11-07T09:00:00+03:00';   // registered Fri 10-31, due Thu 11-06: lapsed at 11-07 00:00
const REASON = 'I was in hospital from 4 to 8 November; certificate attached at the centre.';
const DECISION = 'Hospital certificate 118/2025 checked';

let server;
let browser;
let page;
let appealId;

function personToken() {
  return server.personToken(PERSON.documentNumber, PASSWORD);
}

async function text() {
  return page.locator('main').innerText();
}

describe('the desk: a registrar decides an appeal', { timeout: 120000 }, () => {
  before(async () => {
    server = await startServer();
    const act = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(act.status, 201, JSON.stringify(act.body));
    const reg = await server.api('POST', '/api/v1/me/registration', {
      region: '77',
      residence: { settlement: 'Moscow', street: 'Profsoyuznaya', house: '12', lat: 55.67, lon: 37.55 },
    }, act.body.token);
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    server.ctl(['officer', 'add', '--login', OFFICER.login, '--name', 'Officer Seven', '--role', 'registrar',
      '--password-stdin'], `${OFFICER.password}\n`);
    const me = await server.waitForLapse(PERSON.documentNumber, PASSWORD, LAPSED);
    assert.equal(me.last_registration.end_reason, 'lapsed');
    const filed = await server.api('POST', '/api/v1/me/appeals', { reason: REASON }, await personToken());
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    appealId = filed.body.id;
    browser = await startBrowser(server.base);
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('refuses a wrong password and says so', async () => {
    await page.goto(`${server.base}/desk/`);
    await page.getByRole('heading', { name: 'Вход для сотрудника' }).waitFor();
    await page.getByLabel('Логин').fill(OFFICER.login);
    await page.getByLabel('Пароль').fill('not-the-password');
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByText('Неверный логин, пароль или код.').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Жалобы на прекращение регистрации' }).count(), 0);
  });

  it('enrols the authenticator at the first log-in and shows the recovery codes once', async () => {
    await deskLogIn(page, server, OFFICER.login, OFFICER.password, { goto: false });
  });

  it('shows the queue with the reason and the dates, and no name', async () => {
    const appeal = page.getByRole('article', { name: `Жалоба № ${appealId}` });
    await appeal.waitFor();
    const shown = await appeal.innerText();
    assert.ok(shown.includes(REASON), shown);
    assert.ok(shown.includes('07.11.2025 00:00'), `the lapse moment: ${shown}`);
    assert.ok(shown.includes('31.10.2025'), `the last confirmation: ${shown}`);
    assert.ok(!(await text()).includes(PERSON.surname), 'no name in the queue');
    assert.ok((await page.locator('header').innerText()).includes('регистратор'));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no sideways scrolling on a phone: ${width}px`);
    const nav = await page.getByRole('navigation', { name: 'Разделы' }).innerText();
    assert.deepEqual(nav.split('\n').filter(Boolean), ['Жалобы', 'Заявления с киоска', 'Комплекты документов', 'Проверка статуса', 'Новый код активации'], 'a registrar\'s screens');
    await shot(page, 'desk/registrar-queue');
  });

  it('will not decide without a written reason', async () => {
    await page.getByRole('button', { name: 'Удовлетворить' }).click();
    await page.getByText('Напишите основание решения').waitFor();
    assert.equal(await page.getByRole('textbox', { name: /Основание решения/ }).getAttribute('aria-invalid'), 'true');
    const queue = await server.api('GET', '/api/v1/desk/appeals', undefined,
      await deskToken(server, OFFICER.login, OFFICER.password));
    assert.equal(queue.body.items[0].status, 'pending', 'nothing was sent');
  });

  it('grants with a reason: the registration is back, the queue is empty', async () => {
    await page.getByRole('textbox', { name: /Основание решения/ }).fill(DECISION);
    await page.getByRole('button', { name: 'Удовлетворить' }).click();
    await page.getByText(`Жалоба № ${appealId} удовлетворена`).waitFor();
    assert.ok((await text()).includes('новый срок подтверждения — 12.11.2025'), await text());
    await page.getByText('Жалоб, ожидающих решения, нет.').waitFor();
    const me = (await server.api('GET', '/api/v1/me', undefined, await personToken())).body;
    assert.equal(me.registration.status, 'active');
    assert.equal(me.registration.due_date, '2025-11-12');
    await page.getByRole('button', { name: 'Удовлетворены' }).click();
    const done = page.getByRole('article', { name: `Жалоба № ${appealId}` });
    await done.waitFor();
    assert.ok((await done.innerText()).includes(`Основание решения: ${DECISION}`), await done.innerText());
    assert.equal(await done.getByRole('button').count(), 0, 'a decided appeal has no buttons');
    assert.deepEqual(browser.cspErrors, []);
  });

  it('logs out, and a reload does not log back in', async () => {
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('heading', { name: 'Вход для сотрудника' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Вход для сотрудника' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('uchet.desk.session')), null);
  });
});

describe('the desk: a supervisor adds an inspector, who looks a person up with a reason', { timeout: 180000 }, () => {
  const SUPERVISOR = { login: 'chief-1', password: 'chief-Passw0rd-long' };
  const CASE = 'дело № 2025/12-345';
  let inspectorPassword;

  before(async () => {
    server = await startServer();
    const act = await server.api('POST', '/api/v1/activation',
      { activation_code: server.activationCode, password: PASSWORD });
    assert.equal(act.status, 201, JSON.stringify(act.body));
    server.ctl(['officer', 'add', '--login', SUPERVISOR.login, '--name', 'Chief One', '--role', 'supervisor',
      '--password-stdin'], `${SUPERVISOR.password}\n`);
    browser = await startBrowser(server.base);
    page = browser.page;
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('a supervisor enrols, and adds an inspector whose password is shown once', async () => {
    await deskLogIn(page, server, SUPERVISOR.login, SUPERVISOR.password);
    await page.getByRole('heading', { name: 'Сотрудники', level: 1 }).waitFor();
    const screen = page.locator('#screen');
    await screen.getByLabel('Логин').fill('insp.k');
    await screen.getByLabel('Имя').fill('Karina K');
    await screen.getByLabel('Роль').selectOption('inspector');
    await page.getByRole('button', { name: 'Добавить', exact: true }).click();
    await page.getByText('Укажите основание').waitFor();
    assert.equal(await page.getByRole('cell', { name: 'insp.k', exact: true }).count(), 0, 'nothing added without a reason');
    await page.getByLabel('Основание действия').fill('приказ № 2025/88 о приёме');
    await page.getByRole('button', { name: 'Добавить', exact: true }).click();
    await page.getByText('Пароль для insp.k').waitFor();
    inspectorPassword = (await page.locator('code.secret').innerText()).trim();
    assert.match(inspectorPassword, /^[A-Z2-9-]{29}$/);
    await page.getByRole('cell', { name: 'insp.k', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: /chief-1/ }).count(), 0, 'no buttons on one\'s own row');
    await shot(page, 'desk/supervisor-officers');
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('heading', { name: 'Вход для сотрудника' }).waitFor();
  });

  it('the new inspector enrols the authenticator and logs in', async () => {
    await deskLogIn(page, server, 'insp.k', inspectorPassword, { goto: false });
    await page.getByRole('heading', { name: 'Проверка статуса регистрации' }).waitFor();
    assert.ok((await page.locator('header').innerText()).includes('insp.k (инспектор)'));
  });

  it('a look-up without a reason is impossible; with one it shows in the person\'s app', async () => {
    await page.getByLabel('Номер').fill(PERSON.documentNumber);
    await page.getByRole('button', { name: 'Проверить' }).click();
    await page.getByText('Без основания проверка невозможна').waitFor();
    await page.getByLabel('Основание проверки').fill('проверка');
    await page.getByRole('button', { name: 'Проверить' }).click();
    await page.getByText('Без основания проверка невозможна').waitFor();
    const token = await server.personToken(PERSON.documentNumber, PASSWORD);
    assert.deepEqual((await server.api('GET', '/api/v1/me/access-log', undefined, token)).body.items, [],
      'nothing was sent');
    await page.getByLabel('Основание проверки').fill(CASE);
    await page.getByRole('button', { name: 'Проверить' }).click();
    const answer = page.getByRole('region', { name: 'Ответ' });
    await answer.waitFor();
    assert.ok((await answer.innerText()).includes('не регистрировался'), await answer.innerText());
    await shot(page, 'desk/inspector-lookup');
    // the person's own app: "who viewed my record"
    const app = await browser.context.newPage();
    await app.goto(`${server.base}/app/`);
    await app.evaluate((tok) => { localStorage.setItem('uchet.lang', 'en'); localStorage.setItem('uchet.token', tok); }, token);
    await app.goto(`${server.base}/app/#/access`);
    await app.getByText(CASE).waitFor();
    assert.ok((await app.locator('main').innerText()).match(/инспектор|inspector/i), await app.locator('main').innerText());
    await app.close();
    assert.deepEqual(browser.cspErrors, []);
  });

  it('an auditor sees the look-up with its reason and exports it as CSV', async () => {
    server.ctl(['officer', 'add', '--login', 'audit-1', '--name', 'Auditor One', '--role', 'auditor',
      '--password-stdin'], 'audit-Passw0rd-long\n');
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('heading', { name: 'Вход для сотрудника' }).waitFor();
    await deskLogIn(page, server, 'audit-1', 'audit-Passw0rd-long', { goto: false });
    await page.getByRole('heading', { name: 'Проверки за период' }).waitFor();
    await page.getByLabel('С', { exact: true }).fill('2025-10-31');
    await page.getByLabel('По', { exact: true }).fill('2025-10-31');
    await page.getByRole('button', { name: 'Показать' }).click();
    await page.getByRole('cell', { name: CASE }).waitFor();
    assert.ok((await page.locator('table').innerText()).includes('insp.k'));
    const [download] = await Promise.all([page.waitForEvent('download'),
      page.getByRole('button', { name: 'Скачать CSV' }).click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('"at","officer_login","officer_role","person_id","reason"\r\n'), csv);
    assert.ok(csv.includes(`"insp.k","inspector"`) && csv.includes(`"${CASE}"`), csv);
    await shot(page, 'desk/auditor-lookups');
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('heading', { name: 'Вход для сотрудника' }).waitFor();
    await deskLogIn(page, server, 'insp.k', inspectorPassword, { goto: false });
    await page.getByRole('heading', { name: 'Проверка статуса регистрации' }).waitFor();
  });

  it('switches to English', async () => {
    await page.getByRole('button', { name: 'EN' }).click();
    await page.getByRole('heading', { name: 'Registration status look-up' }).waitFor();
    assert.ok((await page.locator('header').innerText()).includes('insp.k (inspector)'));
    await page.getByRole('button', { name: 'RU' }).click();
    await page.getByRole('heading', { name: 'Проверка статуса регистрации' }).waitFor();
  });
});
