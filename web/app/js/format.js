// Formatting of records for display, in the current language.

import { t } from '/common/i18n.js';
import { formatDay } from '/common/format.js';

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
  const date = last.ended_at ? formatDay(String(last.ended_at).slice(0, 10)) : '';
  const key = `home.ended.${last.end_reason}`;
  const text = t(key, { date, region: regionName(last.region, last.region_name) });
  return text === key ? t('home.ended.other', { date }) : text;
}

// A region's name in the person's language (po/ region.<code>), else the
// server's name, else its code.
export function regionName(code, serverName) {
  const key = `region.${code}`;
  const text = t(key);
  return text !== key ? text : (serverName || code || '');
}

// ICAO 9303 three-letter codes of the countries most users come from, to
// their ISO 3166 two-letter codes, so the browser can name them
// (Intl.DisplayNames). Anything else is shown as its code.
const ALPHA2 = {
  UZB: 'UZ', TJK: 'TJ', KGZ: 'KG', KAZ: 'KZ', ARM: 'AM', AZE: 'AZ', GEO: 'GE', UKR: 'UA', MDA: 'MD',
  BLR: 'BY', CHN: 'CN', TUR: 'TR', TKM: 'TM', VNM: 'VN', IND: 'IN', AFG: 'AF', MNG: 'MN', PRK: 'KP',
  KOR: 'KR', SRB: 'RS', DEU: 'DE', FRA: 'FR', GBR: 'GB', USA: 'US', ROU: 'RO', BGD: 'BD', PAK: 'PK',
  NPL: 'NP', LKA: 'LK', EGY: 'EG', SYR: 'SY', IRN: 'IR', IRQ: 'IQ', CUB: 'CU', LVA: 'LV', LTU: 'LT',
  EST: 'EE', POL: 'PL', ISR: 'IL',
};

// "UZB" → "Uzbekistan" in the current language where the browser knows it.
export function countryName(alpha3, lang) {
  const a2 = ALPHA2[alpha3];
  if (!a2) return alpha3;
  try {
    const name = new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' }).of(a2);
    return name && name !== a2 ? name : alpha3;
  } catch {
    return alpha3;
  }
}
