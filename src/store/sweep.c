#include "store/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rules/date.h"
#include "rules/deadline.h"
#include "store/confirmation.h"
#include "store/lapse.h"
#include "store/registration.h"

/* The sweep only schedules: each step's rows are written by the module that
 * owns them (lapse.c: lapses and reminders; registration.c: minors coming
 * of age; confirmation.c: retention). What is here: one sweeping instance
 * at a time, the record of each run, and the reference checks around it. */
static const char SQL_RUN_START[] =
    "INSERT INTO sweep_runs (region, day, started_at) VALUES (?, ?, ?) ON CONFLICT (region, day) DO NOTHING";
static const char SQL_RUN_END[] =
    "UPDATE sweep_runs SET finished_at = ?, lapsed = ?, reminded = ?, matured = ?, deleted = ?"
    " WHERE region = ? AND day = ?";
static const char SQL_LAST_RUN[] = "SELECT MAX(day) FROM sweep_runs WHERE region = ? AND finished_at IS NOT NULL";
/* Registrations from before schema version 2 have no due date: the
 * registrations_no_due index finds them, BACKFILL_BATCH per transaction.
 * The stored rows on purpose: no lapse mark covers a row without a due
 * date, so they are the truth, and the partial index matches only the
 * stored status. */
#define BACKFILL_BATCH 1000
static const char SQL_NO_DUE[] =
    "SELECT r.id, r.region, r.last_confirmed_on FROM registration_rows r WHERE r.status = 'active'"
    " AND r.due_date IS NULL AND r.guardian_registration_id IS NULL LIMIT ?";
static const char SQL_SET_DUE[] = "UPDATE registration_rows SET due_date = ? WHERE id = ?";

static int retention(db_t *db, int64_t now, int days, sweep_result_t *res, err_t *err)
{
    int r = db_begin_write(db, err);
    if (r == 0 &&
        (r = confirmation_delete_before(db, now - (int64_t)days * DATE_SECONDS_PER_DAY, &res->deleted, err)) == 0)
        r = db_commit(db, err);
    if (r < 0)
        db_rollback(db);
    return r;
}

/* Records that the sweep of rg for day started (once: a rerun keeps the first start). */
static int run_started(db_t *db, const region_t *rg, date_t day, int64_t now, err_t *err)
{
    db_stmt_t *st;
    char d[11];
    date_format(day, d);
    int r = db_prepare(db, SQL_RUN_START, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, rg->code);
    db_bind_text(st, 2, d);
    db_bind_int(st, 3, now);
    return db_run(st, err);
}

/* Records that it finished, with what it did. */
static int run_finished(db_t *db, const region_t *rg, date_t day, int64_t now, const sweep_result_t *res, err_t *err)
{
    db_stmt_t *st;
    char d[11];
    date_format(day, d);
    int r = db_prepare(db, SQL_RUN_END, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, res->lapsed);
    db_bind_int(st, 3, res->reminded);
    db_bind_int(st, 4, res->matured);
    db_bind_int(st, 5, res->deleted);
    db_bind_text(st, 6, rg->code);
    db_bind_text(st, 7, d);
    return db_run(st, err);
}

static int sweep_steps(db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now, int retention_days,
    sweep_result_t *res, err_t *err)
{
    int r = run_started(db, rg, day, now, err);
    if (r == 0 && !region_practice_mode(rg, day))
        r = lapse_overdue(db, rg, day, &res->lapsed, err);
    if (r == 0)
        r = registration_mature(db, cal, rg, day, now, &res->matured, err);
    if (r == 0)
        r = lapse_remind(db, cal, rg, day, now, &res->reminded, err);
    if (r == 0)
        r = retention(db, now, retention_days, res, err);
    if (r == 0)
        r = run_finished(db, rg, day, now, res, err);
    return r;
}

/* References stay checked throughout, on both backends: the one check
 * that cost a scattered page per lapse, a notice's person, is gone from the
 * schema (version 14, store/migrate_schema.h). */
int sweep_run(db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now, int retention_days,
    sweep_result_t *ret, err_t *err)
{
    sweep_result_t res = {0};
    bool got;
    int r = db_instance_lock_try(db, DB_LOCK_SWEEP, &got, err);
    if (r < 0)
        return r;
    if (!got) {
        res.skipped = true;
        *ret = res;
        return 0;
    }
    r = sweep_steps(db, cal, rg, day, now, retention_days, &res, err);
    db_instance_unlock(db, DB_LOCK_SWEEP);
    if (r == 0)
        *ret = res;
    return r;
}

int sweep_next_day(db_t *db, const region_t *rg, date_t today, date_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LAST_RUN, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, rg->code);
    if ((r = db_step(st, err)) < 0)
        return r;
    const char *last = r == 1 ? db_col_text(st, 0) : NULL;
    date_t d;
    *ret = last && date_parse(last, strlen(last), &d) == 0 ? d + 1 : today;
    db_run(st, NULL);
    return 0;
}

static int backfill_chunk(db_t *db, const calendar_t *cal, const region_set_t *regions, int64_t *ret_n, err_t *err)
{
    db_stmt_t *st, *up;
    int r = db_prepare(db, SQL_NO_DUE, &st, err);
    int64_t n = 0;
    if (r == 0)
        db_bind_int(st, 1, BACKFILL_BATCH);
    while (r == 0 && (r = db_step(st, err)) == 1) {
        const region_t *rg = region_resolve(regions, db_col_text(st, 1));
        const char *last = db_col_text(st, 2);
        date_t l;
        char due[11];
        if (!last || date_parse(last, strlen(last), &l) < 0)
            continue;
        date_format(calendar_add_working_days(cal, l, rg->confirm_working_days, NULL), due);
        int64_t id = db_col_int(st, 0);
        if ((r = db_prepare(db, SQL_SET_DUE, &up, err)) < 0)
            break;
        db_bind_text(up, 1, due);
        db_bind_int(up, 2, id);
        r = db_run(up, err);
        n++;
    }
    *ret_n = n;
    return r < 0 ? r : 0;
}

int sweep_backfill_due(db_t *db, const calendar_t *cal, const region_set_t *regions, int64_t *ret_n, err_t *err)
{
    int64_t total = 0, n;
    int r;
    do {
        if ((r = db_begin_write(db, err)) < 0)
            return r;
        if ((r = backfill_chunk(db, cal, regions, &n, err)) < 0 || (r = db_commit(db, err)) < 0) {
            db_rollback(db);
            return r;
        }
        total += n;
    } while (n == BACKFILL_BATCH);
    *ret_n = total;
    return 0;
}
