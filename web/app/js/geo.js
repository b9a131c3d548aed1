// One position fix from the browser, on request only. Nothing here keeps
// or watches the position: it is read once and handed to the caller.

export const GEO_TIMEOUT_MS = 30000;

// Resolves to {lat, lon, accuracy} or rejects with an Error whose message
// is one of 'geo_unsupported', 'geo_denied', 'geo_unavailable', 'geo_timeout'.
export function getPosition() {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('geo_unsupported'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({
        lat: pos.coords.latitude,
        lon: pos.coords.longitude,
        accuracy: pos.coords.accuracy,
      }),
      (err) => {
        const codes = { 1: 'geo_denied', 2: 'geo_unavailable', 3: 'geo_timeout' };
        reject(new Error(codes[err.code] || 'geo_unavailable'));
      },
      { enableHighAccuracy: true, timeout: GEO_TIMEOUT_MS, maximumAge: 0 },
    );
  });
}
