// Ending the registration when leaving the region. Two steps (tick, then
// press) because it cannot be undone from the phone.

import { h, uid } from '/common/dom.js';
import * as api from '../api.js';
import { t } from '/common/i18n.js';
import { button, errorText, link, notice, page, slot } from '../ui.js';

export async function render(ctx) {
  const id = uid('leave');
  const tick = h('input', { type: 'checkbox', id });
  const status = slot();
  const end = button(t('leave.submit'), { class: 'btn btn-danger', disabled: true });
  tick.addEventListener('change', () => { end.disabled = !tick.checked; });
  end.addEventListener('click', async () => {
    end.disabled = true;
    try {
      await api.call('DELETE', '/api/v1/me/registration', { reason: 'departed' });
      status.replaceChildren(notice('ok', t('leave.done')), link(t('nav.home'), 'home', 'btn btn-secondary'));
      tick.disabled = true;
    } catch (err) {
      status.replaceChildren(notice('error', errorText(err)));
      end.disabled = !tick.checked;
    }
  });
  return page(t('leave.title'),
    h('p', {}, t('leave.intro')),
    h('p', {}, t('leave.return')),
    h('div', { class: 'choice' }, tick, h('label', { for: id }, t('leave.tick'))),
    h('div', { class: 'stack' }, end, link(t('form.cancel'), 'home', 'btn btn-secondary')),
    status);
}
