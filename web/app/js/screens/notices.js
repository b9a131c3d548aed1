// The notices inbox, and the switch for push notifications.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { t } from '/common/i18n.js';
import { formatMoment } from '/common/format.js';
import { pushOff, pushOn, pushState } from '../push.js';
import { button, errorText, link, notice, page, slot } from '../ui.js';

function item(n) {
  const li = h('li', { class: n.read ? 'card' : 'card unread' },
    h('h2', {}, n.title),
    h('p', { class: 'small' }, formatMoment(n.created_at)),
    h('p', {}, n.body));
  if (n.document_set) li.appendChild(openSet(n, li));
  if (!n.read && n.kind === 'mismatch') {
    li.appendChild(mismatchAnswer(li));
  } else if (!n.read) {
    const mark = button(t('notices.mark_read'), { class: 'btn btn-secondary btn-small' });
    mark.addEventListener('click', async () => {
      try {
        await api.call('POST', `/api/v1/me/notifications/${encodeURIComponent(n.id)}/read`);
        li.classList.remove('unread');
        mark.remove();
      } catch (err) {
        li.appendChild(notice('error', errorText(err)));
      }
    });
    li.appendChild(mark);
  }
  return li;
}

// A notice about a document set opens the set's screen; opening it counts
// as reading it (best effort: the set's screen is what matters).
function openSet(n, li) {
  const a = link(t('notices.open_set', { id: n.document_set }), `documents?set=${encodeURIComponent(n.document_set)}`,
    'btn btn-primary');
  a.addEventListener('click', () => {
    if (n.read) return;
    li.classList.remove('unread');
    api.call('POST', `/api/v1/me/notifications/${encodeURIComponent(n.id)}/read`).catch(() => {});
  });
  return a;
}

// Rule 8's two answers: "my address is right" (the server starts the count
// of away confirmations again and marks the notice read) or change it.
function mismatchAnswer(li) {
  const status = slot();
  const right = button(t('notices.mismatch.right'), { class: 'btn btn-primary' });
  const actions = h('div', { class: 'stack' }, right, link(t('notices.mismatch.change'), 'residence'));
  right.addEventListener('click', async () => {
    right.disabled = true;
    try {
      await api.call('POST', '/api/v1/me/registration/residence/reaffirm');
      li.classList.remove('unread');
      actions.remove();
      status.replaceChildren(notice('ok', t('notices.mismatch.right_done')));
    } catch (err) {
      right.disabled = false;
      status.replaceChildren(notice('error', errorText(err)));
    }
  });
  return h('div', {}, actions, status);
}

async function inbox() {
  try {
    const res = await api.call('GET', '/api/v1/me/notifications');
    const items = res.items || [];
    return items.length ? h('ul', { class: 'list' }, items.map(item)) : notice('info', t('notices.empty'));
  } catch (err) {
    return notice(api.isMissing(err) ? 'info' : 'error',
      api.isMissing(err) ? t('notices.empty') : errorText(err));
  }
}

// The box is shown at once; the switch joins it when the browser has said
// whether push is on, so that a slow service worker never hides the inbox.
function pushBox() {
  const box = h('div', { class: 'card' }, h('h2', {}, t('push.title')), h('p', {}, t('push.intro')));
  pushState().catch(() => 'unsupported').then((state) => fillPushBox(box, state));
  return box;
}

function fillPushBox(box, state) {
  const status = slot();
  if (state === 'unsupported' || state === 'denied' || state === 'ios_hint') {
    box.appendChild(notice('info', t(`push.${state}`)));
    return;
  }
  const toggle = button(state === 'on' ? t('push.turn_off') : t('push.turn_on'),
    { class: 'btn btn-secondary', 'aria-pressed': state === 'on' ? 'true' : 'false' });
  const line = h('p', { class: 'small' }, state === 'on' ? t('push.is_on') : t('push.is_off'));
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    const wasOn = toggle.getAttribute('aria-pressed') === 'true';
    try {
      if (wasOn) await pushOff(); else await pushOn();
      toggle.setAttribute('aria-pressed', wasOn ? 'false' : 'true');
      toggle.textContent = wasOn ? t('push.turn_on') : t('push.turn_off');
      line.textContent = wasOn ? t('push.is_off') : t('push.is_on');
      status.replaceChildren(notice('ok', wasOn ? t('push.off_done') : t('push.on_done')));
    } catch (err) {
      const key = `push.${err.message}`;
      const text = t(key) === key || err instanceof api.ApiError ? errorText(err) : t(key);
      status.replaceChildren(notice('error', api.isMissing(err) ? t('common.not_available') : text));
    } finally {
      toggle.disabled = false;
    }
  });
  box.append(line, toggle, status);
}

export async function render() {
  const list = await inbox();
  return page(t('notices.title'), pushBox(), h('h2', {}, t('notices.inbox')), list);
}
