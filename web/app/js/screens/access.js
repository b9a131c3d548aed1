// "Who viewed my record": every officer read, with its stated reason.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { t } from '/common/i18n.js';
import { formatMoment } from '/common/format.js';
import { errorText, notice, officerText, page } from '../ui.js';

function row(item) {
  const role = t(`access.role.${item.officer_role}`);
  return h('li', { class: 'card' },
    h('p', { class: 'small' }, formatMoment(item.at)),
    h('p', {}, role.startsWith('access.role.') ? item.officer_role : role),
    item.office ? h('p', { class: 'small' }, t('access.office', { office: item.office })) : null,
    h('p', {}, t('access.reason', { reason: '' }).replace(/\s*$/, ' '), ...officerText(item.reason)));
}

export async function render() {
  const intro = h('p', {}, t('access.intro'));
  try {
    const res = await api.call('GET', '/api/v1/me/access-log');
    const items = res.items || [];
    return page(t('access.title'), intro,
      items.length ? h('ul', { class: 'list' }, items.map(row)) : notice('ok', t('access.empty')));
  } catch (err) {
    const text = api.isMissing(err) ? t('common.not_available') : errorText(err);
    return page(t('access.title'), intro, notice('info', text));
  }
}
