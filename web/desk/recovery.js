// The registrar's "new activation code" screen (issue 17): password
// recovery for a person who forgot the password or lost the phone. The
// registrar checks the card or passport in front of them, types its number
// and a reason; the server (POST /api/v1/desk/activation-codes, registrars
// only: api/desk_acl.c) ends the old password, every session and every
// passkey of the person, audits it, and answers the new one-time code. The
// code exists only in that answer: it is shown here once, can be printed on
// a slip for the person, and is dropped from the page when the registrar
// starts another or leaves the screen. The API makes no PDF letter for a
// re-issued code (the kiosk's activation letter is for new enrolments), so
// the slip is this page printed (desk.css, @media print).
import { t } from '/common/i18n.js';
import { h, replace, uid } from '/common/dom.js';
import { moscowMoment } from '/common/format.js';
import { call, problem, status } from '/desk/desk.js';

const MIN_REASON = 10;   // letters or digits, as the server counts them (rules/reason.h)

function slip(body) {
  const print = h('button', { type: 'button', class: 'quiet print' }, t('desk.recovery.print'));
  print.addEventListener('click', () => window.print());
  return h('section', { class: 'answer slip', 'aria-label': t('desk.recovery.code') },
    h('h2', {}, t('desk.recovery.code')),
    h('p', { class: 'code', 'data-testid': 'reissued-code' }, body.activation_code),
    h('p', {}, t('desk.recovery.expires', { date: moscowMoment(body.expires_at) })),
    h('p', {}, t('desk.recovery.tell')),
    h('p', { class: 'hint' }, t('desk.recovery.ended',
      { sessions: body.sessions_ended, passkeys: body.passkeys_removed ?? 0 })),
    print);
}

export function recoveryScreen(box) {
  const kind = uid('kind');
  const number = uid('number');
  const reason = uid('reason');
  const seen = uid('seen');
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('desk.recovery.submit'));
  const form = h('form', { novalidate: true },
    h('label', { for: kind }, t('desk.lookup.kind')),
    h('select', { id: kind },
      h('option', { value: 'card' }, t('desk.lookup.kind.card')),
      h('option', { value: 'passport' }, t('desk.lookup.kind.passport'))),
    h('label', { for: number }, t('desk.lookup.number')),
    h('input', { id: number, type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '20', required: true }),
    h('label', { for: reason }, t('desk.recovery.reason')),
    h('input', { id: reason, type: 'text', autocomplete: 'off', maxlength: '200', required: true,
      'aria-describedby': `${reason}-hint` }),
    h('p', { id: `${reason}-hint`, class: 'hint' }, t('desk.recovery.reason_hint')),
    h('p', { class: 'check' },
      h('input', { id: seen, type: 'checkbox', required: true }),
      ' ', h('label', { for: seen }, t('desk.recovery.seen'))),
    submit);
  replace(box, h('h1', {}, t('desk.recovery.heading')), h('p', { class: 'hint' }, t('desk.recovery.hint')), form, out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const num = document.getElementById(number);
    const why = document.getElementById(reason);
    const checked = document.getElementById(seen);
    replace(out);   // a code shown before goes away before another is asked for
    for (const f of [num, why, checked]) f.removeAttribute('aria-invalid');
    if (!num.value.trim()) {
      num.setAttribute('aria-invalid', 'true');
      num.focus();
      return status('err', t('desk.lookup.need_number'));
    }
    if (why.value.replace(/[^\p{L}\p{N}]/gu, '').length < MIN_REASON) {
      why.setAttribute('aria-invalid', 'true');
      why.focus();
      return status('err', t('desk.recovery.need_reason'));
    }
    if (!checked.checked) {
      checked.setAttribute('aria-invalid', 'true');
      checked.focus();
      return status('err', t('desk.recovery.need_seen'));
    }
    submit.disabled = true;
    status('', t('desk.loading'));
    try {
      const res = await call('POST', '/api/v1/desk/activation-codes', {
        document_kind: document.getElementById(kind).value,
        document_number: num.value.trim().toUpperCase(),
        reason: why.value.trim(),
      }).catch(() => null);
      if (!res) return status('err', t('desk.offline'));
      if (res.status === 404) return status('err', t('desk.error.unknown_document'));
      if (!res.ok) return res.status === 401 ? null : status('err', problem(res));
      form.reset();   // one code per visit to the desk: nothing left to send twice
      status('ok', t('desk.recovery.done'));
      return replace(out, slip(res.body));
    } finally {
      submit.disabled = false;
    }
  });
  document.getElementById(number).focus();
}
