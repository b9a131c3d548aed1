// Small DOM helpers shared by the app, kiosk and desk.
// Everything is built with createElement and textContent: no innerHTML,
// so text from the server or a catalog can never become markup.

// h('p', {class: 'note'}, 'text', child) -> element.
// Attributes: `class`, `for`, ARIA and data-* are set as attributes;
// `on<event>` values are attached as listeners; boolean true sets an empty
// attribute, false/null/undefined leaves it out. Children may be strings,
// numbers, nodes, or (nested) arrays of those; null/false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else if (name === 'checked' || name === 'disabled' || name === 'selected') {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// Replaces all children of `el` with `children` (same forms as h()).
export function replace(el, ...children) {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

// A stable id for label/for and aria-describedby pairs.
let seq = 0;
export function uid(prefix) {
  seq += 1;
  return `${prefix}-${seq}`;
}
