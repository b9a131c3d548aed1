// Officers' two-factor log-in for the browser tests (issue 15): TOTP codes
// (RFC 6238, HMAC-SHA-1, 30 s, 6 digits) computed here with node:crypto,
// independently of the liboath uchetd uses, from the server's injected
// clock; and API log-ins that enrol an officer the first time.
import crypto from 'node:crypto';

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

export function stepAt(rfc3339) {
  return Math.floor(Date.parse(rfc3339) / 1000 / 30);
}

// login -> {secret, step}: each officer's authenticator as the tests keep it.
const authenticators = new Map();

// The next code nobody has used yet (the clock is frozen in tests: this
// step, then the next).
export function nextCode(server, login) {
  const a = authenticators.get(login);
  const now = stepAt(server.clock());
  const step = Math.max(now, a.step + 1);
  if (step > now + 1) throw new Error(`${login}: no unused TOTP step left at ${server.clock()}`);
  a.step = step;
  return totp(a.secret, step);
}

export function remember(server, login, secret) {
  authenticators.set(login, { secret, step: stepAt(server.clock()) });
}

// A desk token for `login` through the API (enrolling it the first time).
export async function deskToken(server, login, password) {
  if (!authenticators.has(login)) {
    const first = await server.api('POST', '/api/v1/desk/session', { login, password });
    if (first.status !== 202) throw new Error(`enrol ${login}: ${first.status} ${JSON.stringify(first.body)}`);
    remember(server, login, first.body.secret);
    const code = totp(first.body.secret, authenticators.get(login).step);
    const done = await server.api('POST', '/api/v1/desk/session/totp',
      { enrolment_token: first.body.enrolment_token, code });
    if (done.status !== 201) throw new Error(`enrol ${login}: ${done.status} ${JSON.stringify(done.body)}`);
    return done.body.token;
  }
  const res = await server.api('POST', '/api/v1/desk/session', { login, password, code: nextCode(server, login) });
  if (res.status !== 201) throw new Error(`log-in ${login}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

// The desk's enrolment screen, as an officer meets it at the first log-in:
// read the key shown once, compute the code the app would show, confirm;
// then the recovery codes (ten, shown once), then the desk.
export async function enrolInPage(page, server, login) {
  await page.getByRole('heading', { name: 'Подключите приложение-аутентификатор' }).waitFor();
  if (await page.getByRole('img', { name: 'QR-код для приложения-аутентификатора' }).count() !== 1) {
    throw new Error(`enrol ${login}: no QR code`);
  }
  const secret = (await page.locator('code.secret').innerText()).trim();
  if (!/^[A-Z2-7]{32}$/.test(secret)) throw new Error(`enrol ${login}: key ${secret}`);
  remember(server, login, secret);
  await page.getByLabel('Код из приложения (6 цифр)').fill(totp(secret, stepAt(server.clock())));
  await page.getByRole('button', { name: 'Подтвердить' }).click();
  await page.getByRole('heading', { name: 'Резервные коды' }).waitFor();
  if (await page.locator('ol.codes li').count() !== 10) throw new Error(`enrol ${login}: not ten recovery codes`);
  await page.getByRole('button', { name: 'Я записал коды' }).click();
}

// Logs `login` in at the desk in `page`, through the Russian log-in form:
// with the next TOTP code when its authenticator is known (deskToken or an
// earlier log-in enrolled it), else through the enrolment screen. Resolves
// once the desk shows the log-out button. opts.goto: false to use the
// log-in form already on the page (e.g. after a log-out).
export async function deskLogIn(page, server, login, password, { goto = true } = {}) {
  if (goto) await page.goto(`${server.base}/desk/`);
  const known = authenticators.has(login);
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(password);
  if (known) await page.getByLabel('Код из приложения').fill(nextCode(server, login));
  await page.getByRole('button', { name: 'Войти' }).click();
  if (!known) await enrolInPage(page, server, login);
  await page.getByRole('button', { name: 'Выйти', exact: true }).waitFor();
}
