// What a person would see wrong on a kiosk screen, shared by the kiosk's
// browser tests (kiosk.test.mjs, kiosk_camera.test.mjs): the portrait
// touch screen's size, its 13 languages, the layout check and axe-core.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

export const W = 1080;
export const H = 1920;
export const LANGS = ['ru', 'uk', 'tg', 'uz', 'ro', 'en', 'fr', 'de', 'ky', 'kk', 'zh', 'tr', 'ka'];
const AXE = path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules', 'axe-core', 'axe.min.js');

// Anything wider than the screen or below its bottom edge, text that is
// clipped or under 20 px, a target under 56 px (the kiosk's sizes; the
// app's phone screens pass their own: 360 px wide, scrolling down).
export async function layoutFaults(page, { w = W, h = H, minFont = 20, minTarget = 56, targets = 'button, a.button' } = {}) {
  return page.evaluate(({ w, h, minFont, minTarget, targets }) => {
    const out = [];
    if (document.documentElement.scrollWidth > w) out.push(`page ${document.documentElement.scrollWidth} px wide`);
    if (document.documentElement.scrollHeight > h) out.push(`page ${document.documentElement.scrollHeight} px tall`);
    for (const el of document.querySelectorAll('main *, header *, #idle *')) {
      const r = el.getBoundingClientRect();
      if (!r.width || el.closest('[hidden]')) continue;
      if (r.right > w + 0.5 || r.left < -0.5) out.push(`${el.tagName}.${el.className} "${el.textContent.slice(0, 30)}" x ${Math.round(r.left)}–${Math.round(r.right)}`);
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') out.push(`${el.tagName}.${el.className} clips "${el.textContent.slice(0, 30)}"`);
      const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (hasText && parseFloat(getComputedStyle(el).fontSize) < minFont) out.push(`${el.tagName} "${el.textContent.slice(0, 20)}" font ${getComputedStyle(el).fontSize}`);
      if (el.matches(targets) && (r.height < minTarget || r.width < minTarget)) out.push(`target "${el.textContent.slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    return out;
  }, { w, h, minFont, minTarget, targets });
}

// axe-core's violations on the page as "id: nodes" (none when axe-core is
// not installed: null), of the given impacts (all when none given).
export async function axeViolations(page, impacts = null) {
  if (!fs.existsSync(AXE)) return null;
  await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  return page.evaluate(async (keep) => (await window.axe.run(document, { resultTypes: ['violations'] }))
    .violations.filter((v) => !keep || keep.includes(v.impact)).map((v) => `${v.id}: ${v.nodes.length}`), impacts);
}

// The current screen in every kiosk language: nothing overflows; then back
// to `lang`, and axe-core once (where installed): no serious or critical
// violation. Returns whether axe ran.
export async function checkScreen(page, name, lang) {
  for (const code of LANGS) {
    await page.evaluate((c) => window.kiosk.relang(c), code);
    await page.waitForFunction((c) => document.documentElement.lang === c, code);
    assert.deepEqual(await layoutFaults(page), [], `${name} in ${code}`);
  }
  await page.evaluate((c) => window.kiosk.relang(c), lang);
  await page.waitForFunction((c) => document.documentElement.lang === c, lang);
  const found = await axeViolations(page, ['serious', 'critical']);
  if (found === null) return false;
  assert.deepEqual(found, [], `axe on ${name}`);
  return true;
}

// Waits for the kiosk screen titled `text`; on a timeout, the error says
// what the kiosk shows instead.
export async function waitScreen(page, text, timeout = 60000) {
  try {
    await page.locator('main h1', { hasText: text }).first().waitFor({ timeout });
  } catch {
    const shown = await page.locator('main').innerText().catch(() => '?');
    throw new Error(`no screen "${text}"; the kiosk shows:\n${shown}`);
  }
}
