import assert from 'node:assert/strict';

// A catalog text with its {placeholders} filled in, as the app says it.
export function fillText(text, vars) {
  return Object.entries(vars).reduce((s, [k, v]) => s.replace(`{${k}}`, v), text);
}

// Opens the app at `#/<route>` logged in as `token`, in `lang`, and waits
// for the screen's title `title`. The app reads the token and the language
// on start, so it is loaded once to set them and then loaded afresh at the
// route, by way of about:blank: a full load, not a hash change on the page
// already open followed by a reload (once in make check that came up on
// #/home, the hash change not taken).
export async function openAs(page, base, { token, lang, route, title }) {
  await page.goto(`${base}/app/`);
  await workerSettled(page);
  await page.evaluate(([t, l]) => { localStorage.setItem('uchet.token', t); localStorage.setItem('uchet.lang', l); },
    [token, lang]);
  await page.goto('about:blank');
  await page.goto(`${base}/app/#/${route}`);
  await waitTitle(page, title);
}

// Waits until the app's service worker, registered by the first load of a
// fresh browser, is installed and active (at most 15 s), so that the page is
// not reloaded or left while it is still caching the shell. Two first-test
// timeouts in make check (settlement, login_links) happened in exactly that
// window.
export async function workerSettled(page) {
  await page.evaluate(() => Promise.race([
    navigator.serviceWorker ? navigator.serviceWorker.ready : Promise.resolve(),
    new Promise((resolve) => { setTimeout(resolve, 15000); }),
  ]));
}

// Waits for the app's screen titled `title`; on a timeout the error says
// what the page shows instead, and where it is.
export async function waitTitle(page, title, timeout = 30000) {
  try {
    await page.locator('main h1', { hasText: title }).waitFor({ timeout });
  } catch (e) {
    const shown = await page.locator('body').innerText().catch(() => '?');
    throw new Error(`no screen "${title}" at ${page.url()}; the page shows:\n${shown.slice(0, 600)}\n${e.message}`);
  }
}

// The app's registration form as a person fills it, shared by the browser
// tests that register or change the residence (app, regime, settlement,
// residence_settlement): the region (when the form
// asks for it), the address, then the reference point taken "here, now" at
// `position`; resolves once the form says the point is taken. `cat` is the
// catalog of the page's language, for the labels.
export async function fillAddress(page, cat, { region, settlement, street, house, apartment }, position) {
  if (region) await page.locator('select[name="region"]').selectOption(region);
  await page.getByLabel(cat['address.settlement'], { exact: true }).fill(settlement);
  await page.getByLabel(cat['address.street'], { exact: true }).focus();   // the settlement's change event
  await page.getByLabel(cat['address.street'], { exact: true }).fill(street);
  await page.getByLabel(cat['address.house'], { exact: true }).fill(house);
  if (apartment) await page.getByLabel(cat['form.optional'].replace('{label}', cat['address.apartment'])).fill(apartment);
  await page.context().setGeolocation(position);
  await page.getByRole('button', { name: cat['address.here_now'] }).click();
  await page.getByText(cat['address.point_taken'].replace('{meters}', String(position.accuracy)))
    .waitFor({ timeout: 30000 });
}

// Activates the person of `code` through the API with `password`; returns
// the session token.
export async function activateVia(server, code, password) {
  const res = await server.api('POST', '/api/v1/activation', { activation_code: code, password });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.token;
}

// The person's current registration, as GET /me says it.
export async function registrationOf(server, tok) {
  const res = await server.api('GET', '/api/v1/me', undefined, tok);
  assert.equal(res.status, 200);
  return res.body.registration;
}
