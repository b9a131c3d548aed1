// "Are you still there?": after `idleMs` without a touch the kiosk shows a
// countdown; when it runs out, onExpire() wipes the screen and the session.
// Paused while the kiosk itself waits (a capture, a submission), so that a
// slow device never ends a person's session. idleMs and countdownMs are
// functions: the setup screen's values are read at every touch.

import { h, replace } from '/common/dom.js';
import { t } from '/common/i18n.js';

export function idleTimer(overlay, { idleMs, countdownMs, onExpire }) {
  let timer = null;
  let tick = null;
  let paused = 0;
  let armed = false;

  function hide() {
    clearInterval(tick);
    tick = null;
    overlay.hidden = true;
    replace(overlay);
  }
  function countdown() {
    let left = Math.ceil(countdownMs() / 1000);
    const secs = h('p', { class: 'idle-count', 'aria-live': 'assertive' });
    const draw = () => { secs.textContent = t('kiosk.idle.countdown', { seconds: left }); };
    draw();
    replace(overlay, h('div', { class: 'idle-box', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'idle-title' },
      h('h2', { id: 'idle-title' }, t('kiosk.idle.title')), secs,
      h('button', { type: 'button', class: 'primary', onclick: () => reset() }, t('kiosk.idle.stay'))));
    overlay.hidden = false;
    overlay.querySelector('button').focus();
    tick = setInterval(() => {
      left -= 1;
      draw();
      if (left <= 0) {
        hide();
        armed = false;
        onExpire();
      }
    }, 1000);
  }
  function reset() {
    clearTimeout(timer);
    if (tick) hide();
    if (armed && paused === 0) timer = setTimeout(countdown, idleMs());
  }
  for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, () => reset(), true);
  return {
    arm() { armed = true; reset(); },
    disarm() { armed = false; clearTimeout(timer); hide(); },
    pause() { paused += 1; clearTimeout(timer); },
    resume() { paused = Math.max(0, paused - 1); reset(); },
  };
}
