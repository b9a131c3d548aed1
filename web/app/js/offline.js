// The offline notice. The browser's online/offline events drive it, and a
// request that got no answer at all (api code 'offline') shows it too, since
// a phone can claim to be online with no working connection.

let banner = null;
let translate = (k) => k;
let unreachable = false;

function update() {
  if (!banner) return;
  const offline = !navigator.onLine || unreachable;
  banner.hidden = !offline;
  banner.textContent = offline ? translate('offline.banner') : '';
  document.body.classList.toggle('is-offline', offline);
}

// Starts watching; `t` translates the banner text.
export function watchConnection(t) {
  banner = document.getElementById('offline');
  translate = t;
  window.addEventListener('online', () => { unreachable = false; update(); });
  window.addEventListener('offline', update);
  window.addEventListener('uchet:language', update);
  update();
}

// Called by screens when a request failed without an answer (true) or got
// one (false).
export function setUnreachable(value) {
  unreachable = value;
  update();
}

export function isOffline() {
  return !navigator.onLine || unreachable;
}
