// Building blocks shared by the screens: page frame, form fields, notices,
// and the translation of API errors into the person's language.

import { h, uid } from '/common/dom.js';
import { ApiError, PASSWORD_MAX, PASSWORD_MIN } from './api.js';
import { currentLanguage, t } from '/common/i18n.js';

// A screen: one h1 and its content.
export function page(title, ...children) {
  return h('section', { class: 'screen' }, h('h1', {}, title), ...children);
}

// A labelled input, or a select or textarea (attrs.tag). Returns
// {wrap, input, setError(text|null)}; the error
// text is tied to the input with aria-describedby and aria-invalid.
export function field(label, attrs = {}, hint = null) {
  const id = uid('f');
  const errId = `${id}-err`;
  const hintId = hint ? `${id}-hint` : null;
  let input;
  if (attrs.tag === 'select') input = h('select', { ...attrs, tag: null, id }, ...(attrs.options || []));
  else if (attrs.tag === 'textarea') input = h('textarea', { ...attrs, tag: null, id });
  else input = h('input', { type: 'text', ...attrs, id });
  const error = h('p', { class: 'field-error', id: errId, hidden: true });
  input.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    input, error);
  function setError(text) {
    error.hidden = !text;
    error.textContent = text || '';
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  // A correction clears the old complaint at once.
  input.addEventListener(attrs.tag === 'select' ? 'change' : 'input', () => setError(null));
  return { wrap, input, setError };
}

// A message box. kind: 'info' | 'ok' | 'warn' | 'error'. Errors are
// announced at once (role=alert), the rest politely (role=status).
export function notice(kind, ...children) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    ...children);
}

// An empty live region that later receives notices.
export function slot() {
  return h('div', { class: 'slot', 'aria-live': 'polite' });
}

export function button(label, attrs = {}) {
  return h('button', { type: 'button', class: 'btn', ...attrs }, label);
}

export function link(label, route, cls = 'btn btn-secondary') {
  return h('a', { href: `#/${route}`, class: cls }, label);
}

// The person-facing sentence for an API failure.
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.code === 'rate_limited') {
      const minutes = Math.max(1, Math.ceil((err.retryAfter || 60) / 60));
      return t('error.rate_limited', { minutes });
    }
    const key = `error.${err.code}`;
    const text = t(key, { min: PASSWORD_MIN, max: PASSWORD_MAX });
    if (text !== key) return text;
    if (err.status >= 500) return t('error.server');
  }
  return t('error.generic');
}

// A reason an officer wrote, as written (officers write Russian), marked
// lang="ru" for screen readers, with a note when the reader's language is
// another one: a Tajik reader should know why this one line is in Russian.
export function officerText(text) {
  const ru = currentLanguage() === 'ru';
  return [h('span', { lang: 'ru' }, text),
    ru ? null : h('span', { class: 'small officer-note' }, ` (${t('common.officer_wrote_ru')})`)];
}
