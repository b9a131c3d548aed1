#pragma once
/* Product rule 4: when a registration lapses.
 *
 * A registration lapses when no counted confirmation has arrived for more
 * than n working days (default 3) after the local date of the last one (or of
 * registration): due = the n-th working day after that date, and the
 * registration lapses at the local midnight that ends due. */
#include <stdbool.h>
#include <stdint.h>

#include "rules/calendar.h"
#include "rules/date.h"

/* The default number of working days allowed between confirmations. */
#define DEADLINE_WORKING_DAYS 3
/* Rule 13: days after the lapse day on which an appeal can still be filed. */
#define APPEAL_WINDOW_DAYS 30
/* uchet's service standard, not a law: a registrar decides an appeal within
 * this many working days after the day it was filed. The person is told
 * the day (issue 17: a pending appeal said nothing of when). */
#define APPEAL_DECISION_WORKING_DAYS 5

typedef struct deadline {
    date_t due_date;       /* last working day on which a confirmation still counts */
    int64_t lapse_at;      /* unix time: local midnight ending due_date */
    int working_days_left; /* working days in [max(today, last + 1), due_date]; 0 after due */
    bool provisional;      /* some day involved had no official calendar */
} deadline_t;

/* Computes the deadline after a counted confirmation (or registration) on
 * local date last, as seen on local date today, allowing n working days
 * (n < 0 is treated as 0), in a region offset_min minutes east of UTC
 * (Moscow +180). cal may be NULL (every year provisional).
 *
 *   due_date          = calendar_add_working_days(cal, last, n)
 *   lapse_at          = date_local_midnight(due_date + 1, offset_min)
 *   working_days_left = working days d with max(today, last + 1) <= d <= due:
 *                       the day of the last confirmation itself does not
 *                       count, today does when it is a working day after
 *                       last; 0 once today > due.
 *
 * Always succeeds; writes every field of *ret. */
void deadline_compute(const calendar_t *cal, date_t last, date_t today, int n, int offset_min, deadline_t *ret);

/* The lapse moment of a registration due on local date due, in a region
 * offset_min minutes east of UTC: the local midnight ending due. */
int64_t deadline_lapse_at(date_t due, int offset_min);

/* True when a registration due on local date due has lapsed by local date
 * today (today is after due). */
bool deadline_overdue(date_t due, date_t today);

/* Rule 13: the instant (exclusive) the appeal window closes for a
 * registration that lapsed at lapsed_at (a lapse moment, so a local
 * midnight): the end of the APPEAL_WINDOW_DAYS-th day after the lapse day.
 * Regions keep a fixed offset, so the days are whole. */
int64_t deadline_appeal_closes(int64_t lapsed_at);

/* The last local date on which that appeal can be filed (the lapse notice's
 * and the app's `appeal_until`). */
date_t deadline_appeal_until(int64_t lapsed_at, int offset_min);

/* The local date by which an appeal filed at filed_at is decided: the
 * APPEAL_DECISION_WORKING_DAYS-th working day after the filing day. cal may
 * be NULL (every year provisional). */
date_t deadline_appeal_decision_due(const calendar_t *cal, int64_t filed_at, int offset_min);
