// The signature pad: pointer strokes as ANSI/NIST Type-8 pen vectors
// (the API's {"points": [[x, y, pressure], …]}): x, y in 0.001 inch from
// the pad's bottom-left corner, pressure 0 = pen up. A CSS pixel is taken
// as 1/96 inch (CSS's own definition; the booth's screen is close to it).

import { h } from '/common/dom.js';

const MILLI_INCH_PER_PX = 1000 / 96;
const PEN_DOWN = 200;

export function signaturePad(onChange) {
  const canvas = h('canvas', { class: 'pad', width: 960, height: 480, role: 'img' });
  const ctx = canvas.getContext('2d');
  let points = [];
  let drawing = false;

  function at(ev) {
    const r = canvas.getBoundingClientRect();
    return [(ev.clientX - r.left) * (canvas.width / r.width), (ev.clientY - r.top) * (canvas.height / r.height)];
  }
  function record(x, y, pressure) {
    points.push([Math.round(x * MILLI_INCH_PER_PX), Math.round((canvas.height - y) * MILLI_INCH_PER_PX), pressure]);
  }
  canvas.addEventListener('pointerdown', (ev) => {
    ev.preventDefault();
    canvas.setPointerCapture(ev.pointerId);
    drawing = true;
    const [x, y] = at(ev);
    ctx.beginPath();
    ctx.moveTo(x, y);
    record(x, y, PEN_DOWN);
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (!drawing) return;
    const [x, y] = at(ev);
    ctx.lineTo(x, y);
    ctx.lineWidth = 5;
    ctx.lineCap = 'round';
    ctx.strokeStyle = '#000';
    ctx.stroke();
    record(x, y, PEN_DOWN);
  });
  const up = (ev) => {
    if (!drawing) return;
    drawing = false;
    const [x, y] = at(ev);
    record(x, y, 0);
    onChange(points.length);
  };
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
  return {
    canvas,
    points: () => points.slice(),
    clear() {
      points = [];
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      onChange(0);
    },
  };
}
