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

  it('every literal key the app asks for exists in the fallback catalog', () => {
    const keys = new Set();
    for (const file of walk(path.join(APP, 'js'))) {
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
