// The service worker: keeps the app's shell so it opens without a network.
// API calls are never cached (they carry personal data and must be fresh);
// the page itself says when it is offline.

const VERSION = 'uchet-app-6';
const LANGS = ['ru', 'uk', 'tg', 'uz', 'ro', 'en', 'fr', 'de', 'ky', 'kk', 'zh', 'tr', 'ka', 'hy', 'az'];
const SHELL = [
  '/app/',
  '/app/app.css',
  '/app/manifest.webmanifest',
  '/app/icons/icon.svg',
  '/app/icons/icon-192.png',
  '/common/base.css',
  '/common/api.js',
  '/common/dom.js',
  '/common/format.js',
  '/common/i18n.js',
  '/app/js/main.js',
  '/app/js/api.js',
  '/app/js/appeals.js',
  '/app/js/format.js',
  '/app/js/geo.js',
  '/app/js/offline.js',
  '/app/js/passkey.js',
  '/app/js/push.js',
  '/app/js/recheck.js',
  '/app/js/state.js',
  '/app/js/ui.js',
  '/app/js/screens/access.js',
  '/app/js/screens/activate.js',
  '/app/js/screens/appeal.js',
  '/app/js/screens/confirm.js',
  '/app/js/screens/documents.js',
  '/app/js/screens/help.js',
  '/app/js/screens/home.js',
  '/app/js/screens/landlord.js',
  '/app/js/screens/language.js',
  '/app/js/screens/leave.js',
  '/app/js/screens/login.js',
  '/app/js/screens/minor.js',
  '/app/js/screens/notices.js',
  '/app/js/screens/residence.js',
  '/app/js/screens/settings.js',
  '/app/js/screens/welcome.js',
  ...LANGS.map((l) => `/app/i18n/${l}.json`),
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(VERSION)
    .then((cache) => cache.addAll(SHELL.map((u) => new Request(u, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function isShell(url) {
  return url.origin === self.location.origin
    && (url.pathname.startsWith('/app/') || url.pathname.startsWith('/common/'));
}

// Network first so that a new version shows at once; the cache answers
// when the network does not. Navigations fall back to the cached /app/.
async function networkFirst(request) {
  const cache = await caches.open(VERSION);
  try {
    const res = await fetch(request);
    if (res.ok && res.type === 'basic') cache.put(request, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    if (request.mode === 'navigate') {
      const shell = await cache.match('/app/');
      if (shell) return shell;
    }
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!isShell(url)) return; // API and anything else: straight to the network
  event.respondWith(networkFirst(request));
});

// Web Push: the server sends {title, body} already in the person's language,
// and document_set when the notice is about one: tapping it opens that set.
function openUrl(data) {
  const set = Number(data.document_set);
  return Number.isSafeInteger(set) && set > 0 ? `/app/#/documents?set=${set}` : '/app/#/notices';
}

self.addEventListener('push', (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || 'Учёт', {
    body: data.body || '',
    icon: '/app/icons/icon-192.png',
    tag: data.tag || 'uchet',
    data: { url: openUrl(data) },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = (event.notification.data && event.notification.data.url) || '/app/';
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((list) => {
    for (const c of list) {
      if (c.url.includes('/app/') && 'focus' in c) { c.navigate(target); return c.focus(); }
    }
    return self.clients.openWindow(target);
  }));
});
