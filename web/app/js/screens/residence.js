// Register (#/register) and change the residence (#/residence): one
// structured address form, checked in the person's language, plus
// "I am at this address now" to take the reference point.

import { h } from '/common/dom.js';
import * as api from '../api.js';
import { getPosition } from '../geo.js';
import { formatNumber, t } from '../i18n.js';
import { loadMe } from '../state.js';
import { button, errorText, field, notice, page, slot } from '../ui.js';

export const FIELD_MAX = 120;
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
  return { ...residence, lat: point.lat, lon: point.lon };
}

// A server problem that names one of our fields goes under that field.
function fieldFor(err, fields) {
  if (err.code !== 'missing_field' && !String(err.code).startsWith('invalid_')) return null;
  const name = Object.keys(fields).find((n) => String(err.detail).includes(n)
    || String(err.code) === `invalid_${n}`);
  return name ? fields[name] : null;
}

async function regionField() {
  const res = await api.call('GET', '/api/v1/regions');
  const options = (res.items || []).map((r) => h('option', { value: r.code }, r.name));
  return field(t('address.region'), { tag: 'select', name: 'region', options });
}

export async function render(ctx) {
  const changing = ctx.route === 'residence';
  let me = null;
  let region = null;
  try {
    me = (await loadMe()).me;
    if (!changing) region = await regionField();
  } catch (err) {
    return page(t(changing ? 'residence.title' : 'register.title'), notice('error', errorText(err)));
  }
  if (changing && !me.registration) { ctx.go('register'); return h('div'); }
  const prefill = changing ? me.registration.residence : api.loadResidence();
  if (region && me.registration) region.input.value = me.registration.region;
  const fields = addressFields(prefill);
  const pointStatus = h('div', { class: 'slot', 'aria-live': 'polite', tabindex: '-1' });
  const status = slot();
  let point = null;

  const take = button(t('address.here_now'), { class: 'btn btn-secondary' });
  take.addEventListener('click', async () => {
    take.disabled = true;
    pointStatus.replaceChildren(notice('info', t('confirm.locating')));
    try {
      const pos = await getPosition();
      point = { lat: pos.lat, lon: pos.lon };
      pointStatus.replaceChildren(notice('ok', t('address.point_taken', { meters: formatNumber(Math.round(pos.accuracy)) })));
    } catch (err) {
      pointStatus.replaceChildren(notice('error', t(`confirm.${err.message}`)));
    } finally {
      take.disabled = false;
    }
  });

  const submit = button(t(changing ? 'residence.submit' : 'register.submit'),
    { type: 'submit', class: 'btn btn-primary' });
  async function onSubmit(ev) {
    ev.preventDefault();
    status.replaceChildren();
    const residence = collect(fields, point, pointStatus);
    if (!residence) return;
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

  return page(t(changing ? 'residence.title' : 'register.title'),
    h('p', {}, t(changing ? 'residence.intro' : 'register.intro')),
    h('form', { novalidate: true, onsubmit: onSubmit },
      region ? region.wrap : null,
      ADDRESS_FIELDS.map(([name]) => fields[name].wrap),
      h('div', { class: 'card' },
        h('h2', {}, t('address.point_title')),
        h('p', {}, t('address.point_why')),
        take, pointStatus),
      status,
      h('div', { class: 'stack' }, submit)));
}
