// Register (#/register) and change the residence (#/residence): one
// structured address form, checked in the person's language, plus
// "I am at this address now" to take the reference point. After a
// registration ended, registering again is one screen: "Register again at
// <address>?" and "I am here" (the address comes from the server, so it
// works from any phone).

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { bestPosition, progressText } from '../geo.js';
import { t } from '/common/i18n.js';
import { formatNumber } from '/common/format.js';
import { addressLine, regionName } from '../format.js';
import { loadMe } from '../state.js';
import { button, errorText, field, notice, page, slot } from '../ui.js';

export const FIELD_MAX = 120;
// The server refuses a reference point less accurate than this (rule 2,
// GEO_HOME_POINT_MAX_ACCURACY_M); we listen for one sharper than HOME_GOAL_M.
export const HOME_POINT_MAX_M = 150;
const HOME_GOAL_M = 50;
const ADDRESS_FIELDS = [
  // name, required, autocomplete
  ['settlement', true, 'address-level2'],
  ['street', true, 'address-line1'],
  ['house', true, 'off'],
  ['building', false, 'off'],
  ['apartment', false, 'off'],
  ['address_id', false, 'off'],
];

function addressFields(prefill) {
  const fields = {};
  for (const [name, required, autocomplete] of ADDRESS_FIELDS) {
    const label = required ? t(`address.${name}`) : t('form.optional', { label: t(`address.${name}`) });
    fields[name] = field(label, {
      name, autocomplete, required, maxlength: FIELD_MAX, value: (prefill && prefill[name]) || '',
    }, name === 'address_id' ? t('address.address_id_hint') : null);
  }
  return fields;
}

// Checks the form; marks each bad field. Returns the residence object or
// null (and focuses the first bad field).
function collect(fields, point, pointStatus) {
  const residence = {};
  let first = null;
  for (const [name, required] of ADDRESS_FIELDS) {
    const value = fields[name].input.value.trim();
    let problem = null;
    if (required && !value) problem = t('form.required');
    else if (value.length > FIELD_MAX) problem = t('form.too_long', { max: FIELD_MAX });
    fields[name].setError(problem);
    if (problem && !first) first = fields[name].input;
    if (value) residence[name] = value;
  }
  if (!point) {
    pointStatus.replaceChildren(notice('error', t('address.point_missing')));
    if (!first) first = pointStatus;
  }
  if (first) { first.focus(); return null; }
  return residenceBody(residence, point);
}

// A server problem that names one of our fields goes under that field.
function fieldFor(err, fields) {
  if (err.code !== 'missing_field' && !String(err.code).startsWith('invalid_')) return null;
  const name = Object.keys(fields).find((n) => String(err.detail).includes(n)
    || String(err.code) === `invalid_${n}`);
  return name ? fields[name] : null;
}

// Nothing is preselected for a first registration (a wrong default is
// easily missed); a re-registration starts from the previous region.
async function regionField(preselect) {
  const res = await api.call('GET', '/api/v1/regions');
  const options = [h('option', { value: '' }, t('address.choose_region')),
    ...(res.items || []).map((r) => h('option', { value: r.code }, regionName(r.code, r.name)))];
  const f = field(t('address.region'), { tag: 'select', name: 'region', required: true, options });
  f.input.value = preselect && (res.items || []).some((r) => r.code === preselect) ? preselect : '';
  return f;
}

// Issue 17: the server knows which region some settlements are in
// (POST /api/v1/address-checks, a small catalogue: Moscow and its towns,
// Moscow Oblast's towns). Resolves to its answer, or null when it cannot
// tell or cannot be asked: then there is nothing to warn about, and the
// registration goes ahead as before.
async function settlementRegion(regionCode, settlement) {
  if (!regionCode || !settlement) return null;
  try {
    return await api.call('POST', '/api/v1/address-checks', { region: regionCode, settlement });
  } catch {
    return null;
  }
}

// Listens for a sharp fix; resolves to {lat, lon, accuracy} or null after
// saying in `out` why there is none.
async function takePoint(out) {
  const progress = h('p', { 'data-testid': 'geo-progress' });
  out.replaceChildren(notice('info', h('p', {}, t('confirm.locating')), progress));
  try {
    const pos = await bestPosition({
      goal: HOME_GOAL_M,
      onProgress: (left, acc) => { progress.textContent = progressText(t, formatNumber, left, acc); },
    });
    const meters = formatNumber(Math.round(pos.accuracy));
    if (pos.accuracy > HOME_POINT_MAX_M) {
      out.replaceChildren(notice('error', t('address.point_too_inaccurate', { meters })));
      return null;
    }
    out.replaceChildren(notice('ok', t('address.point_taken', { meters })));
    return pos;
  } catch (err) {
    out.replaceChildren(notice('error', t(`confirm.${err.message}`)));
    return null;
  }
}

function residenceBody(residence, point) {
  return { ...residence, lat: point.lat, lon: point.lon, accuracy_m: point.accuracy };
}

// "Register again at <address>?" — one tap takes the point and registers.
function againCard(ctx, last, showForm) {
  const out = slot();
  const go = button(t('register.again_button'), { class: 'btn btn-primary btn-big' });
  go.addEventListener('click', async () => {
    go.disabled = true;
    try {
      const point = await takePoint(out);
      if (!point) return;
      const { id, confirmed_by_host: _c, ...address } = last.residence;
      for (const k of Object.keys(address)) if (address[k] == null || address[k] === '') delete address[k];
      await api.call('POST', '/api/v1/me/registration',
        { region: last.region, residence: residenceBody(address, point) });
      ctx.go('home');
    } catch (err) {
      out.replaceChildren(notice('error', errorText(err)));
    } finally {
      go.disabled = false;
    }
  });
  const other = button(t('register.other_address'), { class: 'btn btn-secondary' });
  const card = h('div', { class: 'card', 'data-testid': 'register-again' },
    h('h2', {}, t('register.again_title')),
    h('p', { 'data-testid': 'again-address' }, addressLine(last.residence)),
    h('p', { class: 'small' }, regionName(last.region, last.region_name)),
    h('p', { class: 'hint' }, t('register.again_hint')),
    go, out, other);
  other.addEventListener('click', () => { card.remove(); showForm(); });
  return card;
}

export async function render(ctx) {
  const changing = ctx.route === 'residence';
  let me = null;
  let region = null;
  try {
    me = (await loadMe()).me;
    const last = me.registration || me.last_registration;
    if (!changing) region = await regionField(last && last.region);
  } catch (err) {
    return page(t(changing ? 'residence.title' : 'register.title'), notice('error', errorText(err)));
  }
  if (changing && !me.registration) { ctx.go('register'); return h('div'); }
  const ended = !changing && !me.registration && me.last_registration && me.last_registration.residence
    ? me.last_registration : null;
  const prefill = changing ? me.registration.residence
    : (api.loadResidence() || (ended && ended.residence));
  const fields = addressFields(prefill);
  const pointStatus = h('div', { class: 'slot', 'aria-live': 'polite', tabindex: '-1' });
  const status = slot();
  let point = null;

  const take = button(t('address.here_now'), { class: 'btn btn-secondary' });
  take.addEventListener('click', async () => {
    take.disabled = true;
    point = await takePoint(pointStatus);
    take.disabled = false;
  });

  const submit = button(t(changing ? 'residence.submit' : 'register.submit'),
    { type: 'submit', class: 'btn btn-primary' });

  // A settlement typed in another region than the one chosen ("Химки" with
  // Moscow): said under the settlement as soon as both are filled in, and
  // asked once more on submitting; "the address is right" lets it through
  // (the catalogue is small and the person may know better). Changing the
  // residence keeps the registration's region (the form does not ask for
  // it), so a move is judged against that region, by the same code.
  const settlementNote = h('div', { class: 'slot', 'aria-live': 'polite', tabindex: '-1',
    'data-testid': 'settlement-note' });
  const regionCode = () => (region ? region.input.value : me.registration.region);
  let acknowledged = null;   // "region|settlement" the person said is right
  const pairKey = () => `${regionCode()}|${fields.settlement.input.value.trim()}`;
  async function checkSettlement(onSubmitting) {
    const key = pairKey();
    const [code, settlement] = [regionCode(), fields.settlement.input.value.trim()];
    const res = acknowledged === key ? null : await settlementRegion(code, settlement);
    if (key !== pairKey()) return true;   // changed meanwhile: the next change asks again
    if (!res || res.in_region !== false) { settlementNote.replaceChildren(); return true; }
    const right = button(t('address.settlement_confirm'), { class: 'btn btn-secondary' });
    right.addEventListener('click', () => {
      acknowledged = key;
      settlementNote.replaceChildren();
      if (onSubmitting) form.requestSubmit();
    });
    settlementNote.replaceChildren(notice('warn',
      h('p', {}, t('address.settlement_other_region', {
        settlement, region: regionName(res.settlement_region), chosen: regionName(code),
      })),
      onSubmitting ? right : null));
    if (onSubmitting) settlementNote.focus();
    return false;
  }
  if (region) region.input.addEventListener('change', () => checkSettlement(false));
  fields.settlement.input.addEventListener('change', () => checkSettlement(false));

  async function onSubmit(ev) {
    ev.preventDefault();
    status.replaceChildren();
    const residence = collect(fields, point, pointStatus);
    if (region) region.setError(region.input.value ? null : t('form.required'));
    if (!residence) return;
    if (region && !region.input.value) { region.input.focus(); return; }
    if (!(await checkSettlement(true))) return;
    submit.disabled = true;
    try {
      if (changing) await api.call('PUT', '/api/v1/me/registration/residence', residence);
      else await api.call('POST', '/api/v1/me/registration', { region: region.input.value, residence });
      ctx.go('home');
    } catch (err) {
      const target = fieldFor(err, fields);
      if (target) { target.setError(errorText(err)); target.input.focus(); } else {
        status.replaceChildren(notice('error', errorText(err)));
      }
    } finally {
      submit.disabled = false;
    }
  }

  const form = h('form', { novalidate: true, onsubmit: onSubmit, hidden: Boolean(ended) },
      region ? region.wrap : null,
      ADDRESS_FIELDS.map(([name]) => (name === 'settlement' ? [fields[name].wrap, settlementNote] : fields[name].wrap)),
      h('div', { class: 'card' },
        h('h2', {}, t('address.point_title')),
        h('p', {}, t('address.point_why')),
        take, pointStatus),
      status,
      h('div', { class: 'stack' }, submit));
  const intro = h('p', { hidden: Boolean(ended) }, t(changing ? 'residence.intro' : 'register.intro'));
  const showForm = () => { form.hidden = false; intro.hidden = false; fields.settlement.input.focus(); };
  return page(t(changing ? 'residence.title' : 'register.title'),
    ended ? againCard(ctx, ended, showForm) : null, intro, form);
}
