// The on-screen keyboard of the typed-details correction and the status
// page: Latin, Cyrillic (with the letters of Ukrainian, Tajik, Kazakh,
// Kyrgyz and Uzbek Cyrillic) and digits. A kiosk has no physical keyboard.

import { h, replace } from '/common/dom.js';
import { t } from '/common/i18n.js';

const LAYOUTS = {
  latin: ['QWERTYUIOP', 'ASDFGHJKL', "ZXCVBNM-'"],
  cyrillic: ['ЙЦУКЕНГШЩЗХЪ', 'ФЫВАПРОЛДЖЭ', 'ЯЧСМИТЬБЮЁ-', 'ІЇЄҐҒӢҚӮҲҶӘӨҮҰҢҺ'],
  digits: ['-'],
};
const DIGITS = '1234567890';

// Shows a keyboard editing `initial` inside `host`. `layouts` lists the
// allowed layouts (first shown). Resolves via onDone(text) / onCancel().
export function keyboard(host, { label, initial, layouts, onDone, onCancel }) {
  let text = initial || '';
  let layout = layouts[0];
  const display = h('output', { class: 'kb-display', 'aria-live': 'polite', 'aria-label': label });
  const keys = h('div', { class: 'kb-keys' });

  function key(ch, cls, action, name) {
    return h('button', { type: 'button', class: `kb-key ${cls || ''}`, 'aria-label': name || ch, onclick: action }, ch);
  }
  function type(ch) {
    text += ch;
    draw();
  }
  function draw() {
    display.textContent = text;
    const rows = [DIGITS, ...LAYOUTS[layout]].map((row) => h('div', { class: 'kb-row' },
      [...row].map((ch) => key(ch, '', () => type(ch)))));
    const switches = layouts.length > 1 ? layouts.map((l) => key(t(`kiosk.keyboard.${l}`),
      `kb-wide${l === layout ? ' kb-on' : ''}`, () => { layout = l; draw(); })) : [];
    rows.push(h('div', { class: 'kb-row' }, switches,
      layout === 'digits' ? null : key(t('kiosk.keyboard.space'), 'kb-wide', () => type(' ')),
      key('⌫', 'kb-wide', () => { text = [...text].slice(0, -1).join(''); draw(); }, t('kiosk.keyboard.erase'))));
    replace(keys, rows);
  }
  draw();
  replace(host, h('div', { class: 'kb' },
    h('p', { class: 'kb-label' }, label), display, keys,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => onCancel() }, t('kiosk.back')),
      h('button', { type: 'button', class: 'primary', onclick: () => onDone(text.trim()) }, t('kiosk.keyboard.done')))));
}
