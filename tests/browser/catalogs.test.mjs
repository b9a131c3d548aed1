// Checks that need no browser: the translation catalogs are complete and
// up to date with po/, every key the code asks for exists, and the service
// worker caches every file of the shell.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO, catalog } from './harness.mjs';

const LANGS = ['ru', 'uk', 'tg', 'uz', 'ro', 'en', 'fr', 'de', 'ky', 'kk', 'zh', 'tr', 'ka', 'hy', 'az'];
const APP = path.join(REPO, 'web', 'app');

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

function placeholders(text) {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

describe('translation catalogs', () => {
  it('the generated JSON matches po/ (scripts/po2json.py --check)', () => {
    execFileSync('/usr/bin/python3', [path.join(REPO, 'scripts', 'po2json.py'), '--check'],
      { stdio: 'pipe' });
  });

  it('there is one .po per language and no other', () => {
    const po = fs.readdirSync(path.join(REPO, 'po')).filter((f) => f.endsWith('.po'))
      .map((f) => f.slice(0, -3)).sort();
    assert.deepEqual(po, [...LANGS].sort());
  });

  const ru = catalog('ru');
  for (const lang of LANGS) {
    it(`${lang} has every message, with the same placeholders`, () => {
      const msgs = catalog(lang);
      const missing = Object.keys(ru).filter((k) => !(k in msgs));
      assert.deepEqual(missing, []);
      const extra = Object.keys(msgs).filter((k) => !(k in ru));
      assert.deepEqual(extra, []);
      for (const [key, text] of Object.entries(msgs)) {
        assert.deepEqual(placeholders(text), placeholders(ru[key]), `${lang} ${key}`);
      }
      assert.equal(msgs['date.months'].split(',').length, 12, `${lang} months`);
      assert.equal(msgs['date.weekdays'].split(',').length, 7, `${lang} weekdays`);
    });
  }

  // What a person reads is in their language: only the officers' desk
  // (desk.*, Russian and English) and the landlord's page (host.*) may carry
  // the English text in another catalog. Issue 16's document-set messages
  // were English in ten catalogs until 2026-12-07.
  // Texts with no word in them ("{date}, {time}", "ABC", "DD.MM.YYYY")
  // are alike in every language; so are the product's name and the words
  // listed here, spelled in that language as in English.
  const en = catalog('en');
  const wordless = (text) => !/\p{Ll}{2,}/u.test(text.replace(/\{\w+\}/g, ''));
  const sameWord = {
    '*': ['app.name'],
    uz: ['access.role.auditor'],
    az: ['access.role.auditor'],
    ro: ['access.role.auditor', 'access.role.inspector'],
    fr: ['activate.title', 'kiosk.step.face', 'kiosk.step.signature'],
    de: ['address.region', 'home.region', 'passkey.title', 'settings.name'],
  };
  for (const lang of LANGS.filter((l) => l !== 'en')) {
    it(`${lang} tells a person nothing in English`, () => {
      const msgs = catalog(lang);
      const alike = new Set([...sameWord['*'], ...(sameWord[lang] || [])]);
      const english = Object.keys(en).filter((k) => !/^(desk|host)\./.test(k) && msgs[k] === en[k] &&
        !wordless(en[k]) && !alike.has(k));
      assert.deepEqual(english, [], `${lang}: still the English text`);
    });
  }

  // Issue 17: "2,000 м" read as "2 m" in languages whose decimal mark is a
  // comma, and "г.." ended sentences twice.
  for (const lang of LANGS) {
    it(`${lang} has no "2,000"-style number and no doubled punctuation`, () => {
      for (const [key, text] of Object.entries(catalog(lang))) {
        assert.doesNotMatch(text, /\d,\d{3}(?!\d)/, `${lang} ${key}`);
        assert.doesNotMatch(text, /(?<!\.)\.\.(?!\.)|[,;:]\s*[.,]/, `${lang} ${key}`);
      }
    });
  }

  // Every problem code a person can meet in the app's own screens has a
  // message with a next step: the codes the person-facing handlers and the
  // store operations behind them can answer, read from the C sources, less
  // those the app's own checks rule out (listed, with why).
  it('every error code of the person-facing API is translated', () => {
    const files = ['api/h_registration.c', 'api/h_confirmation.c', 'api/h_minors.c', 'api/h_me.c',
      'api/h_notices.c', 'api/h_access.c', 'store/registration.c', 'store/confirmation.c',
      'store/minor.c', 'rules/geo.c',
      'api/h_session.c', 'api/h_account.c', 'store/session.c', 'rules/password.c', // log-in, password, re-check (issue 17)
      'api/h_docset.c', 'store/docset.c', 'docset/sniff.c', 'docset/intake.c', 'docset/pdfpage.c']; // My documents (issue 16)
    const notForPeople = new Set([
      'invalid_client_time', 'invalid_idempotency_key', 'invalid_query', 'invalid_status',
      'invalid_type', 'invalid_document_kind', 'unknown_language', 'invalid_citizenship', // set by the app itself
      'not_found', 'unknown_region', // the app only offers what the server listed
      'storage_failed', // a 5xx: error.server says to try later
      'invalid_reason', // DELETE /me/registration: the app sends "departed" itself
      'too_inaccurate', // a confirmation's result (201), shown by confirm.too_inaccurate
      'too_short', 'use_post', // the desk's look-up, which shares h_access.c with the access log
      'registered_again', // an appeal's restore refused to the registrar deciding it
      'out_of_memory', // a 5xx: error.server says to try later
      'set_not_checked', 'set_decided', 'invalid_decision', // a registrar's decision (the desk), in h_docset.c too
      'unknown_procedure', // the app offers only the catalogue's procedures
      'vault_bad_file', 'vault_unknown_key', // a 5xx (the server's key file): error.server
    ]);
    const codes = new Set();
    for (const f of files) {
      const src = fs.readFileSync(path.join(REPO, 'src', f), 'utf8');
      for (const m of src.matchAll(/(?:api_problem\(r,\s*\d+,\s*|err_set\([^,]+,\s*-E[A-Z]+,\s*)"([a-z_]+)"/g)) codes.add(m[1]);
    }
    assert.ok(codes.size > 15, `found only ${codes.size} codes`);
    for (const lang of LANGS) {
      const msgs = catalog(lang);
      const missing = [...codes].filter((c) => !notForPeople.has(c) && !(`error.${c}` in msgs));
      assert.deepEqual(missing, [], lang);
    }
  });

  it('every literal key the front ends ask for exists in the fallback catalog', () => {
    const keys = new Set();
    const dirs = [path.join(APP, 'js'), ...['common', 'desk', 'host', 'kiosk'].map((d) => path.join(REPO, 'web', d))];
    for (const file of dirs.flatMap(walk).filter((f) => f.endsWith('.js'))) {
      const src = fs.readFileSync(file, 'utf8');
      for (const m of src.matchAll(/\bt\('([a-z_.]+)'/g)) keys.add(m[1]);
    }
    assert.ok(keys.size > 100, `found only ${keys.size} keys`);
    assert.deepEqual([...keys].filter((k) => !(k in ru)), []);
  });
});

describe('service worker shell', () => {
  const sw = fs.readFileSync(path.join(APP, 'sw.js'), 'utf8');
  const shell = sw.slice(sw.indexOf('const SHELL = ['), sw.indexOf('];', sw.indexOf('const SHELL = [')));
  const listed = new Set([...shell.matchAll(/'(\/(?:app|common)\/[^'$]*)'/g)].map((m) => m[1]));
  for (const lang of LANGS) listed.add(`/app/i18n/${lang}.json`);

  it('lists every script, style sheet and catalog of the app', () => {
    const files = [
      ...walk(path.join(APP, 'js')), ...walk(path.join(APP, 'i18n')),
      ...walk(path.join(REPO, 'web', 'common')), path.join(APP, 'app.css'),
    ].map((f) => `/${path.relative(path.join(REPO, 'web'), f).split(path.sep).join('/')}`);
    assert.deepEqual(files.filter((f) => !listed.has(f)), []);
  });

  it('lists no file that does not exist', () => {
    const missing = [...listed].filter((u) => u !== '/app/'
      && !fs.existsSync(path.join(REPO, 'web', u)));
    assert.deepEqual(missing, []);
  });
});
