// The supervisor's screen: every officer, and add / disable / reset, each
// with a reason that goes to the audit log. Not on one's own account (the
// server refuses it too). A new or reset password is shown once, here; the
// officer's first log-in enrols a new authenticator.
import { t } from '/common/i18n.js';
import { h, replace, uid } from '/common/dom.js';
import { numericMoment } from '/common/format.js';
import { call, me, problem, status } from '/desk/desk.js';

const ROLES = ['registrar', 'inspector', 'auditor', 'supervisor'];

function stateOf(o) {
  if (o.disabled_at) return t('desk.officers.state.disabled', { at: numericMoment(o.disabled_at) });
  return o.enrolled ? t('desk.officers.state.active') : t('desk.officers.state.not_enrolled');
}

function shownOnce(box, login, password) {
  replace(box, h('div', { class: 'result ok', role: 'alert' },
    h('p', {}, t('desk.officers.password_once', { login })),
    h('p', {}, h('code', { class: 'secret' }, password))));
}

async function act(o, verb, reasonField, once, refresh) {
  const reason = reasonField.value.trim();
  if (reason.replace(/[^\p{L}\p{N}]/gu, '').length < 10) {
    reasonField.setAttribute('aria-invalid', 'true');
    reasonField.focus();
    return status('err', t('desk.officers.need_reason'));
  }
  reasonField.removeAttribute('aria-invalid');
  const res = await call('POST', `/api/v1/desk/officers/${o.id}/${verb}`, { reason }).catch(() => null);
  if (!res) return status('err', t('desk.offline'));
  if (!res.ok) return res.status === 401 ? null : status('err', problem(res));
  status('ok', t(`desk.officers.done.${verb}`, { login: o.login }));
  await refresh();
  if (res.body.password) shownOnce(once, o.login, res.body.password);
  return null;
}

function row(o, reasonField, once, refresh) {
  const mine = me() && o.login === me().login;
  const cells = [o.login, o.name, t(`desk.role.${o.role}`), stateOf(o)].map((v) => h('td', {}, v));
  const buttons = mine || o.disabled_at ? [] : [
    h('button', { type: 'button', onclick: () => act(o, 'reset', reasonField, once, refresh),
      'aria-label': t('desk.officers.reset_who', { login: o.login }) }, t('desk.officers.reset')),
    h('button', { type: 'button', class: 'refuse', onclick: () => act(o, 'disable', reasonField, once, refresh),
      'aria-label': t('desk.officers.disable_who', { login: o.login }) }, t('desk.officers.disable')),
  ];
  return h('tr', {}, cells, h('td', { class: 'actions' }, mine ? t('desk.officers.you') : buttons));
}

export function officersScreen(box) {
  const reason = uid('reason');
  const ids = { login: uid('login'), name: uid('name'), role: uid('role') };
  const reasonField = h('input', { id: reason, type: 'text', maxlength: '200', autocomplete: 'off' });
  const once = h('div', { 'aria-live': 'polite' });
  const table = h('div');
  const refresh = async () => {
    const res = await call('GET', '/api/v1/desk/officers').catch(() => null);
    if (!res || !res.ok) return replace(table, h('p', { class: 'result err' }, res ? problem(res) : t('desk.offline')));
    return replace(table, h('table', { class: 'officers' },
      h('caption', {}, t('desk.officers.list')),
      h('thead', {}, h('tr', {}, ['login', 'name', 'role', 'state', 'actions'].map((c) => h('th', { scope: 'col' }, t(`desk.officers.col.${c}`))))),
      h('tbody', {}, res.body.items.map((o) => row(o, reasonField, once, refresh)))));
  };
  const form = h('form', { novalidate: true, class: 'add' },
    h('h2', {}, t('desk.officers.add')),
    h('label', { for: ids.login }, t('desk.officers.col.login')),
    h('input', { id: ids.login, type: 'text', autocapitalize: 'none', spellcheck: 'false', maxlength: '64', pattern: '[a-z0-9._-]+' }),
    h('label', { for: ids.name }, t('desk.officers.col.name')),
    h('input', { id: ids.name, type: 'text', maxlength: '128' }),
    h('label', { for: ids.role }, t('desk.officers.col.role')),
    h('select', { id: ids.role }, ROLES.map((r) => h('option', { value: r }, t(`desk.role.${r}`)))),
    h('button', { type: 'submit', class: 'primary' }, t('desk.officers.add_submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const login = document.getElementById(ids.login).value.trim();
    const name = document.getElementById(ids.name).value.trim();
    if (!login || !name) return status('err', t('desk.officers.need_login_name'));
    const text = reasonField.value.trim();
    if (text.replace(/[^\p{L}\p{N}]/gu, '').length < 10) {
      reasonField.setAttribute('aria-invalid', 'true');
      reasonField.focus();
      return status('err', t('desk.officers.need_reason'));
    }
    reasonField.removeAttribute('aria-invalid');
    const res = await call('POST', '/api/v1/desk/officers',
      { login, name, role: document.getElementById(ids.role).value, reason: text }).catch(() => null);
    if (!res) return status('err', t('desk.offline'));
    if (!res.ok) return res.status === 401 ? null : status('err', problem(res));
    form.reset();
    status('ok', t('desk.officers.done.add', { login }));
    await refresh();
    shownOnce(once, login, res.body.password);
    return null;
  });
  replace(box,
    h('h1', {}, t('desk.officers.heading')),
    h('label', { for: reason }, t('desk.officers.reason')),
    reasonField,
    h('p', { class: 'hint' }, t('desk.officers.reason_hint')),
    once, table, form);
  refresh();
}
