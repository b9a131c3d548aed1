// The desk, as a registrar uses it: log in, see the appeal queue (reasons
// and dates, never a name), grant an appeal with a written reason, find it
// among the granted ones, log out. The person's registration is active
// again afterwards. One server, one browser, steps in order.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERSON, shot, startBrowser, startServer } from './harness.mjs';

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
    await page.getByText('Неверный логин или пароль.').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Жалобы на прекращение регистрации' }).count(), 0);
  });

  it('shows the queue with the reason and the dates, and no name', async () => {
    await page.getByLabel('Пароль').fill(OFFICER.password);
    await page.getByRole('button', { name: 'Войти' }).click();
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
    await shot(page, 'desk-queue');
  });

  it('will not decide without a written reason', async () => {
    await page.getByRole('button', { name: 'Удовлетворить' }).click();
    await page.getByText('Напишите основание решения').waitFor();
    assert.equal(await page.getByRole('textbox', { name: /Основание решения/ }).getAttribute('aria-invalid'), 'true');
    const queue = await server.api('GET', '/api/v1/desk/appeals', undefined,
      (await server.api('POST', '/api/v1/desk/session', OFFICER)).body.token);
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
