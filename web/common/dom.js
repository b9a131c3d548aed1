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

// A QR code as SVG from uchetd's rows of "0"/"1" (api/qr.h: the server
// encodes, so no script library is needed), with a 4-module quiet zone.
export function qrSvg(rows, label) {
  const NS = 'http://www.w3.org/2000/svg';
  const n = rows.length;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `-4 -4 ${n + 8} ${n + 8}`);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const bg = document.createElementNS(NS, 'rect');
  for (const [k, v] of Object.entries({ x: -4, y: -4, width: n + 8, height: n + 8, fill: '#fff' })) bg.setAttribute(k, v);
  svg.appendChild(bg);
  let d = '';
  rows.forEach((row, y) => { for (let x = 0; x < row.length; x++) if (row[x] === '1') d += `M${x} ${y}h1v1h-1z`; });
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.appendChild(path);
  return svg;
}
