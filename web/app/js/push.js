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

// 'unsupported' | 'denied' | 'on' | 'off'.
export async function pushState() {
  if (!('PushManager' in window) || !('Notification' in window)) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const reg = await workerReady();
  if (!reg) return 'unsupported';
  const sub = await reg.pushManager.getSubscription();
  return sub ? 'on' : 'off';
}

// Subscribes and tells the server. Rejects with an Error whose message is
// 'push_denied', 'push_unsupported', 'push_failed', or with an ApiError.
export async function pushOn() {
  const reg = await workerReady();
  if (!reg) throw new Error('push_unsupported');
  if (await Notification.requestPermission() !== 'granted') throw new Error('push_denied');
  const { key } = await api.call('GET', '/api/v1/push/vapid-public-key');
  let sub;
  try {
    sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
  } catch {
    throw new Error('push_failed');
  }
  const json = sub.toJSON();
  try {
    await api.call('POST', '/api/v1/me/push-subscriptions',
      { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } });
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
  await api.call('DELETE', '/api/v1/me/push-subscriptions', { endpoint: sub.endpoint });
  await sub.unsubscribe();
}
