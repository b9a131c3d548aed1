// First start (and Settings → Language): the 15 languages, each written in
// its own script, as large buttons.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { LANGUAGES, currentLanguage, rememberLanguage, setLanguage, storedLanguage, t } from '/common/i18n.js';
import { notice, page } from '../ui.js';

async function choose(code, ctx, status) {
  const firstStart = !storedLanguage();
  await setLanguage(code);
  rememberLanguage(code);
  if (api.token()) {
    // Notices are written in the person's language: tell the server too.
    try {
      await api.call('PATCH', '/api/v1/me', { language: code });
    } catch {
      status.replaceChildren(notice('warn', t('language.not_saved')));
    }
  }
  window.dispatchEvent(new Event('uchet:language'));
  ctx.go(firstStart || !api.token() ? 'welcome' : 'settings');
}

export async function render(ctx) {
  const status = h('div', { class: 'slot', 'aria-live': 'polite' });
  const list = h('ul', { class: 'lang-list' },
    LANGUAGES.map(([code, name]) => h('li', {},
      h('button', {
        type: 'button',
        class: 'lang-btn',
        lang: code,
        'data-lang': code,
        'aria-current': storedLanguage() && code === currentLanguage() ? 'true' : null,
        onclick: () => choose(code, ctx, status),
      }, name))));
  return page(t('language.title'), h('p', {}, t('language.intro')), status, list);
}
