// Settings: language, what the service knows about me, log-out.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { LANGUAGES, currentLanguage, formatDate, t } from '../i18n.js';
import { loadMe } from '../state.js';
import { countryName } from '../format.js';
import { button, link, page } from '../ui.js';
import { settingsSection } from '../passkey.js';

function personCard(person) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return h('dl', { class: 'card facts' },
    row(t('settings.name'), `${person.surname} ${person.given_names}`),
    row(t('settings.birth_date'), formatDate(person.birth_date)),
    row(t('settings.citizenship'), countryName(person.citizenship, currentLanguage())));
}

export async function render(ctx) {
  let person = null;
  try {
    person = (await loadMe()).me.person;
  } catch {
    // Log-out must stay reachable even when the status cannot be loaded.
  }
  const passkeys = await settingsSection();
  const name = (LANGUAGES.find(([c]) => c === currentLanguage()) || [])[1];
  const out = button(t('settings.logout'), { class: 'btn btn-danger' });
  out.addEventListener('click', async () => {
    out.disabled = true;
    await api.logOut();
    ctx.go('welcome');
  });
  return page(t('settings.title'),
    person ? personCard(person) : null,
    h('h2', {}, t('settings.language')),
    h('p', {}, name),
    link(t('settings.change_language'), 'language'),
    passkeys,
    h('h2', {}, t('settings.session')),
    h('p', {}, t('settings.logout_hint')),
    out);
}
