// Web Push on and off: a subscription made with the server's VAPID key and
// registered with the server; turning off removes it on both sides.

import * as api from './api.js';
import { loadMe } from './state.js';

// Whose subscription this browser holds: a phone passed on still holds the
// first owner's, and must not tell the next person that push is on.
const OWNER_KEY = 'uchet.push.person';

// The status the app last loaded is enough to tell whose phone this is; only
// when there is none is GET /me asked again.
async function currentPerson() {
  const snap = api.loadSnapshot();
  if (snap && snap.me && snap.me.person) return String(snap.me.person.id);
  try {
    const { me } = await loadMe();
    return me && me.person ? String(me.person.id) : null;
  } catch {
    return null;
  }
}

// The service worker registration, or null if there is none within `ms`.
async function workerReady(ms = 3000) {
  if (!('serviceWorker' in navigator)) return null;
  const timeout = new Promise((resolve) => { setTimeout(() => resolve(null), ms); });
  return Promise.race([navigator.serviceWorker.ready, timeout]);
}

function keyBytes(base64url) {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

// A push service or a server that never answers must not leave the switch
// disabled for ever: each step gives up after this long ('push_timeout').
export const PUSH_STEP_MS = 20000;

function inTime(promise, ms = PUSH_STEP_MS) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('push_timeout')), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// iPhone and iPad offer Web Push only to a web app added to the Home
// Screen; in the browser tab the API is simply missing.
export function iosOutsideHomeScreen() {
  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent)
    || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  const standalone = navigator.standalone === true
    || (window.matchMedia && window.matchMedia('(display-mode: standalone)').matches);
  return ios && !standalone;
}

// 'unsupported' | 'ios_hint' | 'denied' | 'on' | 'off'.
export async function pushState() {
  if (!('PushManager' in window) || !('Notification' in window)) {
    return iosOutsideHomeScreen() ? 'ios_hint' : 'unsupported';
  }
  if (Notification.permission === 'denied') return 'denied';
  const reg = await workerReady();
  if (!reg) return 'unsupported';
  const sub = await inTime(reg.pushManager.getSubscription(), 3000);
  if (!sub) return 'off';
  const person = await currentPerson();
  return person !== null && localStorage.getItem(OWNER_KEY) === person ? 'on' : 'off';
}

async function subscribe(reg, key) {
  try {
    return await inTime(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  } catch (err) {
    throw new Error(err.message === 'push_timeout' ? 'push_timeout' : 'push_failed');
  }
}

function tellServer(sub) {
  const json = sub.toJSON();
  return inTime(api.call('POST', '/api/v1/me/push-subscriptions',
    { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } }));
}

// Subscribes and tells the server. Rejects with an Error whose message is
// 'push_denied', 'push_unsupported', 'push_failed', 'push_timeout', or with
// an ApiError. A phone passed on keeps the first owner's subscription in the
// browser: the server refuses it to anyone else (endpoint_taken), so this
// browser's subscription is dropped and a fresh one made, once.
export async function pushOn() {
  const reg = await workerReady();
  if (!reg) throw new Error('push_unsupported');
  if (await Notification.requestPermission() !== 'granted') throw new Error('push_denied');
  const { key } = await inTime(api.call('GET', '/api/v1/push/vapid-public-key'));
  for (let attempt = 0; ; attempt += 1) {
    const sub = await subscribe(reg, key);
    try {
      await tellServer(sub);
      const person = await currentPerson();
      if (person !== null) localStorage.setItem(OWNER_KEY, person);
      return;
    } catch (err) {
      await sub.unsubscribe();
      if (!(err instanceof api.ApiError && err.code === 'endpoint_taken') || attempt > 0) throw err;
    }
  }
}

// Unsubscribes here and on the server (the server first: if that fails the
// subscription stays and the person can try again).
export async function pushOff() {
  const reg = await workerReady();
  const sub = reg && await reg.pushManager.getSubscription();
  if (!sub) return;
  await inTime(api.call('DELETE', '/api/v1/me/push-subscriptions', { endpoint: sub.endpoint }));
  await sub.unsubscribe();
  localStorage.removeItem(OWNER_KEY);
}
