// Before log-in: activate with the code from the migration centre, or log in.

import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import * as api from '../api.js';
import { link, notice, page } from '../ui.js';

export async function render() {
  return page(t('welcome.title'),
    api.takeSessionEnded() ? notice('warn', t('error.unauthorized')) : null,
    h('p', {}, t('welcome.intro')),
    h('div', { class: 'stack' },
      link(t('welcome.activate'), 'activate', 'btn btn-primary'),
      link(t('welcome.login'), 'login', 'btn btn-secondary')),
    h('p', { class: 'hint' }, t('welcome.activate_hint')),
    h('nav', { class: 'links', 'aria-label': t('nav.more') },
      link(t('nav.language'), 'language', 'link'),
      link(t('nav.help'), 'help', 'link')));
}
