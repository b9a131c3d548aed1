// Position fixes from the browser, on request only. Nothing here keeps a
// position: a fix is handed to the caller and forgotten.

export const GEO_TIMEOUT_MS = 30000;
// How long one request may listen for a sharper fix. Indoors the first fix
// is often coarse (a cell tower), and a GPS fix follows within seconds.
export const WATCH_MS = 20000;

const CODES = { 1: 'geo_denied', 2: 'geo_unavailable', 3: 'geo_timeout' };

function fixOf(pos) {
  return { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
}

// Resolves to {lat, lon, accuracy} or rejects with an Error whose message
// is one of 'geo_unsupported', 'geo_denied', 'geo_unavailable', 'geo_timeout'.
export function getPosition() {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('geo_unsupported'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve(fixOf(pos)),
      (err) => reject(new Error(CODES[err.code] || 'geo_unavailable')),
      { enableHighAccuracy: true, timeout: GEO_TIMEOUT_MS, maximumAge: 0 },
    );
  });
}

// Listens for at most `ms` and resolves to the sharpest fix seen, at once
// when one is within `goal` metres. `onProgress(secondsLeft, bestAccuracy)`
// is called every second so the screen can show a countdown. The watch is
// always cleared before the promise settles: this is one reading, not
// tracking. Rejects like getPosition() when no fix came at all.
export function bestPosition({ goal, ms = WATCH_MS, onProgress = () => {} }) {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('geo_unsupported'));
      return;
    }
    const end = Date.now() + ms;
    let best = null;
    let lastError = 'geo_timeout';
    let watch = null;
    let ticker = null;
    const finish = (fn) => {
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      clearInterval(ticker);
      watch = null;
      fn();
    };
    const tick = () => {
      const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      onProgress(left, best ? best.accuracy : null);
      if (left > 0) return;
      if (best) finish(() => resolve(best));
      else finish(() => reject(new Error(lastError)));
    };
    watch = navigator.geolocation.watchPosition(
      (pos) => {
        const fix = fixOf(pos);
        if (!best || fix.accuracy < best.accuracy) best = fix;
        if (best.accuracy <= goal) finish(() => resolve(best));
        else onProgress(Math.max(0, Math.ceil((end - Date.now()) / 1000)), best.accuracy);
      },
      (err) => {
        lastError = CODES[err.code] || 'geo_unavailable';
        if (err.code === 1) finish(() => reject(new Error(lastError)));
      },
      { enableHighAccuracy: true, timeout: ms, maximumAge: 0 },
    );
    ticker = setInterval(tick, 1000);
    onProgress(Math.ceil(ms / 1000), null);
  });
}

// The progress line for bestPosition(), in the person's language.
export function progressText(t, formatNumber, secondsLeft, accuracy) {
  const wait = t('geo.waiting', { seconds: formatNumber(secondsLeft) });
  return accuracy == null ? wait
    : `${wait} ${t('geo.best', { meters: formatNumber(Math.round(accuracy)) })}`;
}
