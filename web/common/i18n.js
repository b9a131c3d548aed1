// Translations for every front end (the app, the desk, the host page, the
// kiosk). Catalogs are generated from po/<lang>.po by scripts/po2json.py
// into /app/i18n/<lang>.json; Russian is the fallback for any message a
// catalog lacks. Dates and numbers: /common/format.js.

export const LANGUAGES = [
  // code, name in its own language and script
  ['ru', 'Русский'], ['uk', 'Українська'], ['tg', 'Тоҷикӣ'],
  ['uz', 'Oʻzbekcha'], ['ro', 'Română (Moldova)'], ['en', 'English'],
  ['fr', 'Français'], ['de', 'Deutsch'], ['ky', 'Кыргызча'],
  ['kk', 'Қазақша'], ['zh', '中文'], ['tr', 'Türkçe'],
  ['ka', 'ქართული'], ['hy', 'Հայերեն'], ['az', 'Azərbaycanca'],
];

const LANG_KEY = 'uchet.lang';
const FALLBACK = 'ru';

let lang = FALLBACK;
let messages = {};
let fallback = {};

export function isLanguage(code) {
  return LANGUAGES.some(([c]) => c === code);
}

// The language chosen on this phone, or null on the very first start.
export function storedLanguage() {
  const code = localStorage.getItem(LANG_KEY);
  return isLanguage(code) ? code : null;
}

async function fetchCatalog(code) {
  const res = await fetch(`/app/i18n/${code}.json`);
  if (!res.ok) throw new Error(`catalog ${code}: ${res.status}`);
  const data = await res.json();
  return data.messages || {};
}

// Loads `code` (and the fallback) and makes it current. Resolves once t()
// answers in the new language. Does not remember the choice: see
// rememberLanguage().
export async function setLanguage(code) {
  const next = isLanguage(code) ? code : FALLBACK;
  if (!Object.keys(fallback).length) fallback = await fetchCatalog(FALLBACK);
  messages = next === FALLBACK ? fallback : await fetchCatalog(next);
  lang = next;
  document.documentElement.lang = next;
}

// Remembers the person's choice on this phone (the first start is over).
export function rememberLanguage(code) {
  if (isLanguage(code)) localStorage.setItem(LANG_KEY, code);
}

export function currentLanguage() {
  return lang;
}

// The message for `key` with {name} placeholders filled from `params`.
// A missing key shows the key itself, so a gap is visible, never blank.
export function t(key, params) {
  const text = messages[key] ?? fallback[key] ?? key;
  if (!params) return text;
  const filled = text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  // A value that ends in an abbreviation's dot ("2025 г.") before the
  // sentence's own full stop would read "г.."; one dot ends both.
  return filled.replace(/\.\.(?!\.)/g, '.');
}
