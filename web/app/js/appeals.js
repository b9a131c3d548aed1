// Appeals against a lapse (product rule 13), shared by home and the appeal
// screen: where the person stands, and the last day to appeal.

import * as api from './api.js';
import { today } from './state.js';

// Days after the lapse day on which an appeal is still possible.
export const APPEAL_WINDOW_DAYS = 30;

// "YYYY-MM-DD" plus n calendar days.
export function addDays(ymd, n) {
  const [y, m, d] = ymd.split('-').map((s) => Number.parseInt(s, 10));
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// The last local day to appeal a lapse: the server's appeal_until; an older
// server without it gets the same rule here (the lapse day, i.e. the local
// date of ended_at, + 30, as in the lapse notice).
export function appealUntil(last) {
  if (last.appeal_until) return last.appeal_until;
  return addDays(String(last.ended_at).slice(0, 10), APPEAL_WINDOW_DAYS);
}

// The person's appeals, newest first; [] when there are none or the
// server does not offer them.
export async function loadAppeals() {
  try {
    const res = await api.call('GET', '/api/v1/me/appeals');
    return res.items || [];
  } catch (err) {
    if (api.isMissing(err)) return [];
    throw err;
  }
}

// Where the person stands after a lapse. Returns
// {kind, until, appeal}, kind one of:
//   'none'    nothing to appeal (no lapse, or registered again since);
//   'open'    lapsed, no appeal of this lapse yet, the window is open until `until`;
//   'closed'  lapsed, no appeal of this lapse, the window closed after `until`;
//   'pending' | 'refused'  the appeal of this lapse (in `appeal`).
// A granted appeal restores the registration, so it shows as active. An
// appeal of an earlier lapse of the same registration (restored, then lapsed
// again) does not count: each lapse may be appealed once.
export function lapseState(me, appeals) {
  const last = me.last_registration;
  if (me.registration || !last || last.end_reason !== 'lapsed') return { kind: 'none' };
  const until = appealUntil(last);
  const appeal = (appeals || []).find((a) => a.registration && a.registration.id === last.id
    && Date.parse(a.filed_at) >= Date.parse(last.ended_at));
  if (appeal) return { kind: appeal.status === 'refused' ? 'refused' : 'pending', until, appeal };
  return { kind: today(me) <= until ? 'open' : 'closed', until };
}
