// The person's status from GET /me, shared by the screens. When the server
// cannot be reached the last status seen on this phone is returned, marked
// stale, so that the app still opens offline.

import * as api from './api.js';

// Resolves to {me, stale, savedAt}. Rejects with ApiError when the server
// answered with an error, or when offline and nothing was seen before.
export async function loadMe() {
  try {
    const me = await api.call('GET', '/api/v1/me');
    api.saveSnapshot(me);
    if (me.registration && me.registration.residence) api.saveResidence(me.registration.residence);
    return { me, stale: false, savedAt: null };
  } catch (err) {
    const snap = err.code === 'offline' ? api.loadSnapshot() : null;
    if (snap && snap.me) return { me: snap.me, stale: true, savedAt: snap.saved_at };
    throw err;
  }
}

// Local calendar date ("YYYY-MM-DD") of the server's "now".
export function today(me) {
  return String(me.now || '').slice(0, 10);
}
