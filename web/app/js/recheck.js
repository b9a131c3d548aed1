// The password asked again before a change to the record (issue 17): a
// modal dialog with one password field. api.call() opens it when the server
// answers 403 password_recheck_required, and sends the request again once
// the password is right. The password is never kept.

import { h } from '/common/dom.js';
import { t } from '/common/i18n.js';
import { button, errorText, field, notice, slot } from './ui.js';

// Resolves to true once check(password) succeeded, false when the person
// cancels. check rejects with an ApiError, shown in the dialog.
export function askPassword(check) {
  return new Promise((resolve) => {
    const pw = field(t('login.password'), {
      type: 'password', name: 'password', autocomplete: 'current-password', required: true,
    });
    const status = slot();
    const ok = button(t('recheck.submit'), { type: 'submit', class: 'btn btn-primary' });
    const cancel = button(t('recheck.cancel'), { class: 'btn btn-secondary' });
    const titleId = 'recheck-title';
    let done = false;
    const dialog = h('dialog', { class: 'recheck', 'aria-labelledby': titleId });
    function finish(value) {
      if (done) return;
      done = true;
      pw.input.value = '';
      dialog.close();
      dialog.remove();
      resolve(value);
    }
    async function onSubmit(ev) {
      ev.preventDefault();
      status.replaceChildren();
      if (!pw.input.value) {
        pw.setError(t('form.required'));
        return;
      }
      ok.disabled = true;
      try {
        await check(pw.input.value);
        finish(true);
      } catch (err) {
        status.replaceChildren(notice('error', errorText(err)));
        pw.input.select();
      } finally {
        ok.disabled = false;
      }
    }
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', () => finish(false));   // Escape
    dialog.append(
      h('form', { novalidate: true, onsubmit: onSubmit },
        h('h2', { id: titleId }, t('recheck.title')),
        h('p', {}, t('recheck.text')),
        pw.wrap, status,
        h('div', { class: 'stack' }, ok, cancel)));
    document.body.append(dialog);
    dialog.showModal();
    pw.input.focus();
  });
}
