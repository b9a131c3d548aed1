// Dates, times and numbers for every front end (the app, the desk, the host
// page, the kiosk), so that a date reads the same on each. Two families:
// - in words, in the current language (formatDate, formatDay, ...), for
//   persons: month and weekday names from Intl where the browser really
//   knows the language, else from the catalog (po/ date.*);
// - numeric day-month-year (numericDay, numericMoment, moscowMoment), for
//   officers' tables: "07.11.2025 00:00".
// Numbers never carry a group separator that reads as a decimal mark.
import { currentLanguage, t } from '/common/i18n.js';

// Browsers ship trimmed locale data: some of our languages are missing or
// come back as "M11 6". Use Intl only where it really knows the language,
// otherwise build dates from the catalog's own month and weekday names.
const intlKnown = new Map();   // language -> whether Intl really knows it

function intlOk() {
  const code = currentLanguage();
  if (!intlKnown.has(code)) intlKnown.set(code, probeIntl(code));
  return intlKnown.get(code);
}

function probeIntl(code) {
  try {
    if (!Intl.DateTimeFormat.supportedLocalesOf([code]).length) return false;
    const sample = new Intl.DateTimeFormat(code, { month: 'long', timeZone: 'UTC' })
      .format(Date.UTC(2025, 10, 6));
    return !/^M\d/.test(sample) && !/\d/.test(sample);
  } catch {
    return false;
  }
}

// Integers as "2000" and "12 000" (a no-break space groups from five
// digits) in every language: a browser's "2,000" reads as two in languages
// whose decimal mark is a comma (Tajik, Uzbek, Kyrgyz ...), and browsers
// ship trimmed locale data that falls back to exactly that.
export function formatNumber(n) {
  if (!Number.isFinite(n)) return String(n);
  const [int, frac] = String(Math.abs(n)).split('.');
  const grouped = int.length >= 5 ? int.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0') : int;
  return `${n < 0 ? '−' : ''}${grouped}${frac ? `,${frac}` : ''}`;
}

// `ymd` is "YYYY-MM-DD" (a local calendar date). Long form with weekday,
// e.g. "четверг, 6 ноября 2025".
export function formatDate(ymd) {
  const [y, m, d] = ymd.split('-').map((s) => Number.parseInt(s, 10));
  const utc = Date.UTC(y, m - 1, d);
  if (intlOk()) {
    return new Intl.DateTimeFormat(currentLanguage(), {
      weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
    }).format(utc);
  }
  const weekday = t('date.weekdays').split(',')[(new Date(utc).getUTCDay() + 6) % 7] || '';
  const month = t('date.months').split(',')[m - 1] || String(m);
  return t('date.pattern', { weekday: weekday.trim(), day: d, month: month.trim(), year: y });
}

// A date inside a sentence, without the weekday: "7 ноября 2025 г.", so
// that "прекращён {date}" never reads "прекращён пятница".
export function formatDay(ymd) {
  const [y, m, d] = ymd.split('-').map((s) => Number.parseInt(s, 10));
  const utc = Date.UTC(y, m - 1, d);
  if (intlOk()) {
    return new Intl.DateTimeFormat(currentLanguage(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
      .format(utc);
  }
  const month = t('date.months').split(',')[m - 1] || String(m);
  return t('date.pattern', { weekday: '', day: d, month: month.trim(), year: y })
    .replace(/^[\s,]+|[\s,]+$/g, '');
}

// Short date for lists: "6 нояб." style where Intl knows the language.
export function formatShortDate(ymd) {
  const [y, m, d] = ymd.split('-').map((s) => Number.parseInt(s, 10));
  const utc = Date.UTC(y, m - 1, d);
  if (intlOk()) {
    return new Intl.DateTimeFormat(currentLanguage(), {
      weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC',
    }).format(utc);
  }
  const weekday = t('date.weekdays').split(',')[(new Date(utc).getUTCDay() + 6) % 7] || '';
  const month = t('date.months').split(',')[m - 1] || String(m);
  return t('date.pattern_short', { weekday: weekday.trim(), day: d, month: month.trim() });
}

// An RFC 3339 moment shown in the wall-clock time of its own offset (the
// region's time), with the offset spelled out: "7 ноября 2025, 00:00 (UTC+03:00)".
export function formatMoment(rfc3339) {
  const parts = splitMoment(rfc3339);
  if (!parts) return rfc3339;
  return t('date.moment', { date: formatDate(parts.ymd), time: parts.hm, offset: parts.offset });
}

// A moment of this phone's own clock (a Date), in its local time:
// "четверг, 6 ноября 2025 г., 10:05". For "as of" notes, not for deadlines.
export function formatLocal(date) {
  const pad = (n) => String(n).padStart(2, '0');
  const ymd = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${formatDate(ymd)}, ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// {ymd, hm, offset} of an RFC 3339 timestamp in its own offset, or null.
export function splitMoment(rfc3339) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/
    .exec(String(rfc3339));
  if (!m) return null;
  const offset = m[4] === 'Z' ? 'UTC' : `UTC${m[4]}`;
  return { ymd: m[1], hm: `${m[2]}:${m[3]}`, offset };
}

// The same instant as `rfc3339`, written in the UTC offset of `like` (another
// RFC 3339 moment, e.g. a registration's lapse_at in the region's time), so
// that a time the server gives in UTC is shown in the region's wall clock.
export function momentIn(rfc3339, like) {
  const ms = Date.parse(rfc3339);
  const m = /([+-])(\d{2}):(\d{2})$/.exec(String(like || ''));
  if (!Number.isFinite(ms) || !m) return rfc3339;
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  const local = new Date(ms + minutes * 60000).toISOString().slice(0, 19);
  return `${local}${m[0]}`;
}

// "2025-11-07" (or the date part of an RFC 3339 moment) -> "07.11.2025";
// "—" for none.
export function numericDay(iso) {
  if (!iso) return '—';
  const [y, m, d] = String(iso).slice(0, 10).split('-');
  return `${d}.${m}.${y}`;
}

// "2025-11-07T00:00:00+03:00" -> "07.11.2025 00:00", in the wall clock of
// the moment's own offset (the region's time); "—" for none.
export function numericMoment(rfc3339) {
  if (!rfc3339) return '—';
  return `${numericDay(rfc3339)} ${rfc3339.slice(11, 16)}`;
}

// Any RFC 3339 moment (e.g. in UTC, "...T07:00:00Z") in Moscow time, the
// time uchet speaks where no region is at hand: "30.11.2025 10:00".
export function moscowMoment(rfc3339) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('ru-RU', {
    timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(rfc3339)).map((x) => [x.type, x.value]));
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}
