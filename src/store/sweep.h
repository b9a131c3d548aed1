#pragma once
/* The daily sweep (product rules 5, 6, 9, 16) for one region and one local
 * day D, run at the region's local midnight that starts D. It only
 * schedules; each step is written by the module that owns its rows
 * (store/lapse.c, store/registration.c, store/confirmation.c):
 *   - lapses every active registration whose due_date < D (not in practice
 *     mode; minors have no due_date), ended_at = the lapse moment (local
 *     midnight ending due_date), notice `lapsed`;
 *   - queues `one_day_left` where due_date is the next working day after D,
 *     and `last_day` where due_date == D;
 *   - turns minors whose 18th birthday is D into ordinary registrations with
 *     a fresh deadline (notice `minor_adult` to the person and the guardian);
 *   - deletes confirmation results older than the retention period.
 * Cost: O(registrations due), through the (region, due_date) and adult_on
 * indexes. A due date lapses in one transaction: one lapse_marks row
 * (readers see it through the view registrations), the date's notices, one
 * audit event per LAPSE_CHUNK registrations; the rows themselves are not
 * rewritten (PostgreSQL too: its write transactions all hold the advisory
 * write lock). Idempotent: a second run for the same day changes nothing
 * (lapsed dates are marked; notices are deduplicated). A crash loses at most the uncommitted step, which the next
 * run redoes. */
#include <stdint.h>

#include "base/err.h"
#include "rules/calendar.h"
#include "store/db.h"
#include "store/region.h"

#define SWEEP_RETENTION_DAYS 90

typedef struct sweep_result {
    int64_t lapsed, reminded, matured, deleted;
    bool skipped; /* another instance holds the sweep lock */
} sweep_result_t;

/* Runs the sweep for region rg and day. `now` is the current time (for
 * retention and bookkeeping). On PostgreSQL only one instance at a time may
 * sweep (advisory lock); a busy lock sets ret->skipped. */
int sweep_run(db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now, int retention_days,
    sweep_result_t *ret, err_t *err);

/* The next day to sweep for rg: the day after the last finished one, or
 * `today` when none has run; > today when nothing is due. */
int sweep_next_day(db_t *db, const region_t *rg, date_t today, date_t *ret, err_t *err);

/* Computes due_date for active, non-minor registrations that have none
 * (rows from before schema version 2). Returns how many through ret_n. */
int sweep_backfill_due(db_t *db, const calendar_t *cal, const region_set_t *regions, int64_t *ret_n, err_t *err);
