#pragma once
/* The lapse (product rules 4, 5 and 6 applied to stored registrations): the
 * only code that lapses registrations and queues the notices about it.
 *
 * When a registration lapses is rules/deadline.c's to say (the lapse moment,
 * whether it is overdue, the appeal's last day); this module applies it:
 *   - lapse_if_overdue: a confirmation that arrives after the lapse moment
 *     but before the sweep lapses its registration on the spot;
 *   - lapse_overdue: the sweep's lapse of a region, oldest due date first
 *     (one lapse_marks row per due date, which the view `registrations`
 *     reads as the lapse of every open row of that date, on both backends;
 *     the stored rows are registration_rows);
 *   - lapse_remind: the reminders before it (one_day_left, last_day).
 * Every `lapsed` notice, whoever queues it, carries the key
 * reg:ID:lapsed:DUE, built in one SQL expression in lapse.c: one notice per
 * lapse, and another when a registration restored by an appeal lapses
 * again. Wards end with their guardian through registration.c (rule 9). */
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "rules/calendar.h"
#include "store/db.h"
#include "store/region.h"
#include "store/registration.h"

/* Registrations lapsed per audit event. */
#define LAPSE_CHUNK 5000

/* Inside the caller's write transaction: when reg (person_id's active
 * registration, in region rg) is overdue on local date today (not a minor's,
 * not in practice mode), ends it with `lapsed` at its lapse moment (its
 * wards with it) and queues the `lapsed` notice at now. *ret_lapsed tells
 * whether it did. */
int lapse_if_overdue(db_t *db, const calendar_t *cal, const registration_view_t *reg, int64_t person_id,
    const region_t *rg, date_t today, int64_t now, bool *ret_lapsed, err_t *err);

/* Lapses every registration of rg due before day, oldest due date first,
 * one transaction per step (the caller is outside any transaction): a crash
 * loses at most the step in flight, which the next run redoes. Adds the
 * number lapsed to *ret_lapsed (also when it fails: what was committed). */
int lapse_overdue(db_t *db, const region_t *rg, date_t day, int64_t *ret_lapsed, err_t *err);

/* Rule 5, in one transaction: `last_day` for registrations due on day,
 * `one_day_left` for those due on the next working day; queued at now,
 * pushed from NOTICE_MORNING_S local. Adds how many to *ret_reminded. */
int lapse_remind(
    db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now, int64_t *ret_reminded, err_t *err);
