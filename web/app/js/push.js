// Web Push on and off: a subscription made with the server's VAPID key and
// registered with the server; turning off removes it on both sides.

import * as api from './api.js';

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
  const sub = await reg.pushManager.getSubscription();
  return sub ? 'on' : 'off';
}

// Subscribes and tells the server. Rejects with an Error whose message is
// 'push_denied', 'push_unsupported', 'push_failed', 'push_timeout', or with
// an ApiError.
export async function pushOn() {
  const reg = await workerReady();
  if (!reg) throw new Error('push_unsupported');
  if (await Notification.requestPermission() !== 'granted') throw new Error('push_denied');
  const { key } = await inTime(api.call('GET', '/api/v1/push/vapid-public-key'));
  let sub;
  try {
    sub = await inTime(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  } catch (err) {
    throw new Error(err.message === 'push_timeout' ? 'push_timeout' : 'push_failed');
  }
  const json = sub.toJSON();
  try {
    await inTime(api.call('POST', '/api/v1/me/push-subscriptions',
      { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } }));
  } catch (err) {
    await sub.unsubscribe();
    throw err;
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
}
