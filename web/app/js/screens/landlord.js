// A one-time code for the landlord (product rule 12, optional): the landlord
// enters it with their name on /host/ and so confirms that the person lives
// at the declared residence. The code is shown once and kept nowhere here.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { addressLine } from '../format.js';
import { t } from '/common/i18n.js';
import { formatMoment, momentIn } from '/common/format.js';
import { loadMe } from '../state.js';
import { button, errorText, link, notice, page, slot } from '../ui.js';

function hostPage() {
  return `${location.origin}/host/`;
}

// The code, large, with how long it works and what the landlord does.
function codeCard(res, reg, replaced) {
  return h('div', { class: 'card host-code-card', 'data-testid': 'host-code-card' },
    replaced ? notice('info', t('landlord.replaced')) : null,
    h('h2', {}, t('landlord.code_label')),
    h('p', { class: 'host-code', 'data-testid': 'host-code', translate: 'no', lang: 'en' }, res.code),
    h('p', {}, t('landlord.valid_until', { moment: formatMoment(momentIn(res.expires_at, reg.lapse_at)) })),
    h('p', { class: 'instruction' }, t('landlord.instruction', { url: hostPage() })),
    h('p', { class: 'small' }, t('landlord.shown_once')));
}

export async function render() {
  let me;
  try {
    me = (await loadMe()).me;
  } catch (err) {
    return page(t('landlord.title'), notice('error', errorText(err)));
  }
  const reg = me.registration;
  if (!reg) {
    return page(t('landlord.title'), notice('info', t('error.no_active_registration')),
      link(t('home.register_button'), 'register', 'btn btn-primary'));
  }
  const residence = reg.residence || {};
  const shown = slot();
  const status = slot();
  let codes = 0;
  const get = button(t('landlord.get_code'), { class: 'btn btn-primary' });
  get.addEventListener('click', async () => {
    get.disabled = true;
    status.replaceChildren();
    try {
      const res = await api.call('POST', '/api/v1/me/registration/host-code');
      codes += 1;
      shown.replaceChildren(codeCard(res, reg, codes > 1));
      get.textContent = t('landlord.new_code');
      shown.querySelector('h2').scrollIntoView({ block: 'nearest' });
    } catch (err) {
      status.replaceChildren(api.isMissing(err)
        ? notice('info', t('common.not_available')) : notice('error', errorText(err)));
    } finally {
      get.disabled = false;
    }
  });
  return page(t('landlord.title'),
    h('p', {}, t('landlord.intro')),
    h('div', { class: 'card' },
      h('h2', {}, t('home.residence')),
      h('p', {}, addressLine(residence)),
      residence.confirmed_by_host
        ? h('p', { class: 'badge', 'data-testid': 'host-status' }, t('home.host_confirmed'))
        : h('p', { class: 'small', 'data-testid': 'host-status' }, t('landlord.not_confirmed'))),
    shown,
    status,
    h('div', { class: 'stack' }, get));
}
