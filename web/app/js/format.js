// Formatting of records for display, in the current language.

import { formatDate, t } from './i18n.js';

// One line for a declared residence: "Moscow, Tverskaya St, 7, bldg. 2, apt. 15".
export function addressLine(res) {
  if (!res) return '';
  const parts = [res.settlement, res.street];
  let house = res.house || '';
  if (res.building) house += `, ${t('address.building_short')} ${res.building}`;
  parts.push(house);
  if (res.apartment) parts.push(`${t('address.apartment_short')} ${res.apartment}`);
  return parts.filter(Boolean).join(', ');
}

// "lapsed" → the sentence for how a past registration ended.
export function endedText(last) {
  const date = last.ended_at ? formatDate(String(last.ended_at).slice(0, 10)) : '';
  const key = `home.ended.${last.end_reason}`;
  const text = t(key, { date, region: last.region_name || last.region || '' });
  return text === key ? t('home.ended.other', { date }) : text;
}
