// The signature pad: pointer strokes as ANSI/NIST Type-8 pen vectors
// (the API's {"points": [[x, y, pressure], …]}): x, y in 0.001 inch from
// the pad's bottom-left corner, pressure 0 = pen up. A CSS pixel is taken
// as 1/96 inch (CSS's own definition; the booth's screen is close to it),
// so the 960 × 480 pad is 10000 × 5000; uchetd is told the pad's size
// (`size`) and refuses a point off it, so a stroke dragged past the edge is
// kept on the edge.

import { h } from '/common/dom.js';

const MILLI_INCH_PER_PX = 1000 / 96;
const PEN_DOWN = 200;

const PAD_W = 960;
const PAD_H = 480;

function clamp(v, max) {
  return Math.min(Math.max(v, 0), max);
}

export function signaturePad(onChange) {
  const canvas = h('canvas', { class: 'pad', width: PAD_W, height: PAD_H, role: 'img' });
  const ctx = canvas.getContext('2d');
  let points = [];
  let drawing = false;

  function at(ev) {
    const r = canvas.getBoundingClientRect();
    return [(ev.clientX - r.left) * (canvas.width / r.width), (ev.clientY - r.top) * (canvas.height / r.height)];
  }
  function record(x, y, pressure) {
    points.push([Math.round(clamp(x, PAD_W) * MILLI_INCH_PER_PX),
      Math.round((PAD_H - clamp(y, PAD_H)) * MILLI_INCH_PER_PX), pressure]);
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
    size: { width: Math.round(PAD_W * MILLI_INCH_PER_PX), height: Math.round(PAD_H * MILLI_INCH_PER_PX) },
    points: () => points.slice(),
    clear() {
      points = [];
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      onChange(0);
    },
  };
}
