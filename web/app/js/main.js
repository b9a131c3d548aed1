// Boot and routing. Screens are ES modules under ./screens/ exporting
// render(ctx) -> Node. Routes live in the hash (#/home) because the server
// serves only /app/ itself as HTML; nothing secret ever goes in the URL.

import { replace } from '/common/dom.js';
import * as api from './api.js';
import { setLanguage, storedLanguage, t } from '/common/i18n.js';
import { watchConnection } from './offline.js';
import { askPassword } from './recheck.js';

const SCREENS = {
  language: { load: () => import('./screens/language.js'), auth: false },
  welcome: { load: () => import('./screens/welcome.js'), auth: false },
  activate: { load: () => import('./screens/activate.js'), auth: false },
  login: { load: () => import('./screens/login.js'), auth: false },
  help: { load: () => import('./screens/help.js'), auth: false },
  home: { load: () => import('./screens/home.js'), auth: true },
  confirm: { load: () => import('./screens/confirm.js'), auth: true },
  register: { load: () => import('./screens/residence.js'), auth: true },
  residence: { load: () => import('./screens/residence.js'), auth: true },
  leave: { load: () => import('./screens/leave.js'), auth: true },
  notices: { load: () => import('./screens/notices.js'), auth: true },
  access: { load: () => import('./screens/access.js'), auth: true },
  minor: { load: () => import('./screens/minor.js'), auth: true },
  appeal: { load: () => import('./screens/appeal.js'), auth: true },
  landlord: { load: () => import('./screens/landlord.js'), auth: true },
  settings: { load: () => import('./screens/settings.js'), auth: true },
  documents: { load: () => import('./screens/documents.js'), auth: true },
};

const main = document.getElementById('main');
let renderSeq = 0;

function routeName() {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  return SCREENS[name] ? name : '';
}

// The route's query (#/documents?set=12): which item a screen shows.
function routeQuery() {
  const q = location.hash.split('?')[1];
  return new URLSearchParams(q || '');
}

function defaultRoute() {
  if (!storedLanguage()) return 'language';
  return api.token() ? 'home' : 'welcome';
}

// Moves to a screen (a name, or a name with its query: 'documents?set=12').
// Same-screen navigation re-renders (e.g. after a save).
export function go(name) {
  if (location.hash === `#/${name}` || (routeName() === name && !location.hash.includes('?'))) render();
  else location.hash = `#/${name}`;
}

async function render() {
  const seq = ++renderSeq;
  let name = routeName() || defaultRoute();
  if (name !== 'language' && !storedLanguage()) name = 'language';
  if (SCREENS[name].auth && !api.token()) name = 'welcome';
  const query = name === routeName() ? routeQuery() : new URLSearchParams();
  const hash = `#/${name}${query.toString() ? `?${query}` : ''}`;
  if (hash !== location.hash) history.replaceState(null, '', hash);
  document.body.dataset.screen = name;
  updateTopbar(name);
  const mod = await SCREENS[name].load();
  const node = await mod.render({ go, route: name, query, current: () => seq === renderSeq });
  if (seq !== renderSeq) return; // a newer navigation won the race
  replace(main, node);
  const heading = main.querySelector('h1');
  document.title = heading ? `${heading.textContent} · ${t('app.name')}` : t('app.name');
  // After a navigation, move focus to the new heading so that screen
  // readers announce the screen; on first load the page start is right.
  if (heading && seq > 1) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

function updateTopbar(name) {
  document.getElementById('app-name').textContent = t('app.name');
  const back = document.getElementById('nav-home');
  back.textContent = t('nav.home');
  back.hidden = !api.token() || name === 'home' || name === 'language';
  const settings = document.getElementById('nav-settings');
  settings.textContent = t('nav.settings');
  settings.hidden = !api.token() || name === 'settings';
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
  } catch {
    // The app works without it; only the offline shell is lost.
  }
}

async function boot() {
  await setLanguage(storedLanguage() || navigatorLanguage());
  watchConnection(t);
  api.setPasswordPrompt(askPassword);
  api.renew();   // each opening keeps the session on this phone for weeks more
  window.addEventListener('hashchange', render);
  window.addEventListener('uchet:language', render);
  await render();
  document.body.classList.add('ready');
  registerWorker();
}

// Before the person chooses, show the picker in the phone's language when
// we have it (the picker lists every language in its own script anyway).
function navigatorLanguage() {
  const code = (navigator.language || '').slice(0, 2);
  return code;
}

boot();
