#include "store/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/date.h"
#include "rules/deadline.h"
#include "store/appeal.h"
#include "store/audit.h"
#include "store/notice.h"
#include "store/registration.h"

#define SWEEP_STR_(x) #x
#define SWEEP_STR(x) SWEEP_STR_(x)

/* The lapse works on one due date at a time (the lapse moment depends on
 * it), oldest first. Every date up to the region's last lapse mark has
 * lapsed (marks are made oldest first, each with all its date's events), so
 * the search starts after it. Minors have no due date. */
static const char SQL_OLDEST_DUE[] =
    "SELECT due_date FROM registrations WHERE region = ? AND status = 'active' AND due_date IS NOT NULL"
    " AND due_date < ? AND due_date > COALESCE((SELECT MAX(due_date) FROM lapse_marks WHERE region = ?), '')"
    " ORDER BY due_date LIMIT 1";
/* SQLite: one mark lapses a whole due date (schema v4), and the date's
 * rows are only read, through the covering registrations_due index:
 * nothing scattered through the table is written. */
static const char SQL_MARK[] = "INSERT INTO lapse_marks (region, due_date, lapsed_at) VALUES (?, ?, ?)";
static const char SQL_DUE_ROWS[] =
    "SELECT id, person_id FROM registrations WHERE region = ? AND status = 'active' AND due_date = ?";
static const char SQL_DATE_NOTICES[] =
    "INSERT INTO notices (person_id, kind, dedupe_key, params, created_at, next_push_at)"
    " SELECT person_id, 'lapsed', 'reg:' || id || ':lapsed:' || due_date, ?, ?, ? FROM registrations"
    " WHERE region = ? AND status = 'active' AND due_date = ? ON CONFLICT (dedupe_key) DO NOTHING";
/* PostgreSQL may have several uchetd writing at once: a confirmation could
 * move a due date while the sweep reads it. So there the lapse ends each row
 * under its row lock, up to SWEEP_CHUNK per transaction, and re-checks the
 * WHERE against rows changed meanwhile: only what really lapsed comes back. */
static const char SQL_LAPSE_PG[] =
    "UPDATE registrations SET status = 'ended', ended_at = ?, end_reason = 'lapsed'"
    " WHERE status = 'active' AND due_date = ? AND id IN (SELECT id FROM registrations"
    " WHERE region = ? AND status = 'active' AND due_date = ? ORDER BY id LIMIT " SWEEP_STR(SWEEP_CHUNK) ")"
    " RETURNING id, person_id";
static const char SQL_LAPSE_NOTICES_PG[] =
    "INSERT INTO notices (person_id, kind, dedupe_key, params, created_at, next_push_at)"
    " SELECT person_id, 'lapsed', 'reg:' || id || ':lapsed:' || due_date, ?, ?, ? FROM registrations"
    " WHERE id IN (SELECT value::bigint FROM json_array_elements_text(?::json)) ORDER BY id"
    " ON CONFLICT (dedupe_key) DO NOTHING";
/* The run's ids arrive as one JSON array: the same statement for 1 or 5000
 * rows. Wards are never marked (no due date), so their own rows are current. */
#define WARDS_OF_SQL(IDS)                                                                          \
    "SELECT id, person_id FROM registrations WHERE status = 'active'"                              \
    " AND guardian_registration_id IN (" IDS ") ORDER BY id"
static const char SQL_WARDS_OF[] = WARDS_OF_SQL("SELECT value FROM json_each(?)");
static const char SQL_WARDS_OF_PG[] = WARDS_OF_SQL("SELECT value::bigint FROM json_array_elements_text(?::json)");
/* Reminders for every registration due on a date, in one INSERT ... SELECT
 * keyed reg:ID:KIND:DUE. A marked date has lapsed: no reminders for it, even
 * when an operator sweeps an earlier day again. */
static const char SQL_REMIND[] =
    "INSERT INTO notices (person_id, kind, dedupe_key, params, created_at, next_push_at)"
    " SELECT person_id, ?, 'reg:' || id || ':' || ? || ':' || due_date, ?, ?, ? FROM registrations"
    " WHERE region = ? AND status = 'active' AND due_date = ? AND NOT EXISTS (SELECT 1 FROM lapse_marks m"
    " WHERE m.region = registrations.region AND m.due_date = registrations.due_date)"
    " ON CONFLICT (dedupe_key) DO NOTHING";
static const char SQL_MATURING[] =
    "SELECT r.id, r.person_id, r.guardian_registration_id FROM persons p"
    " JOIN registrations r ON r.person_id = p.id AND r.status = 'active'"
    " WHERE p.adult_on = ? AND r.region = ? AND r.guardian_registration_id IS NOT NULL";
static const char SQL_MATURE[] =
    "UPDATE registrations SET guardian_registration_id = NULL, last_confirmed_on = ?, due_date = ?"
    " WHERE id = ?";
static const char SQL_GUARDIAN_PERSON[] = "SELECT person_id FROM registrations WHERE id = ?";
static const char SQL_RETENTION[] = "DELETE FROM confirmations WHERE received_at < ?";
static const char SQL_RUN_START[] =
    "INSERT INTO sweep_runs (region, day, started_at) VALUES (?, ?, ?) ON CONFLICT (region, day) DO NOTHING";
static const char SQL_RUN_END[] =
    "UPDATE sweep_runs SET finished_at = ?, lapsed = ?, reminded = ?, matured = ?, deleted = ?"
    " WHERE region = ? AND day = ?";
static const char SQL_LAST_RUN[] =
    "SELECT MAX(day) FROM sweep_runs WHERE region = ? AND finished_at IS NOT NULL";
static const char SQL_LOCK[] = "SELECT CASE WHEN pg_try_advisory_lock(7741) THEN 1 ELSE 0 END";
static const char SQL_UNLOCK[] = "SELECT CASE WHEN pg_advisory_unlock(7741) THEN 1 ELSE 0 END";
static const char SQL_NO_DUE[] =
    "SELECT r.id, r.region, r.last_confirmed_on FROM registrations r WHERE r.status = 'active'"
    " AND r.due_date IS NULL AND r.guardian_registration_id IS NULL LIMIT 1000";   /* registrations_no_due */
static const char SQL_SET_DUE[] = "UPDATE registrations SET due_date = ? WHERE id = ?";

static json_t *date_json(date_t d)
{
    char buf[11];
    date_format(d, buf);
    return json_string(buf);
}

typedef struct lapsed {
    int64_t id, pid;
} lapsed_t;

/* The lapse of one due date: its rows are handled SWEEP_CHUNK at a time
 * (one audit event each; on PostgreSQL one transaction each). */
typedef struct lapse_run {
    const region_t *rg;
    date_t due;
    int64_t at;                /* the lapse moment: local midnight ending `due` */
    char params[96];           /* the `lapsed` notices' parameters */
    lapsed_t *rows;            /* SWEEP_CHUNK slots */
    int n;
    char *ids;                 /* the chunk's ids as a JSON array, LAPSE_IDS_BYTES */
    char *detail;              /* the chunk's audit detail, LAPSE_DETAIL_BYTES */
    int64_t lapsed;            /* rows lapsed so far by this run */
} lapse_run_t;

#define LAPSE_IDS_BYTES (SWEEP_CHUNK * 21 + 3)   /* "[" + ids of <= 20 digits and "," + "]" */
#define LAPSE_DETAIL_BYTES (LAPSE_IDS_BYTES + 64)

/* The oldest due date before `day` that still has open registrations. */
static int oldest_due(db_t *db, const region_t *rg, date_t day, date_t *ret, bool *ret_found, err_t *err)
{
    db_stmt_t *st;
    char d[11];
    date_format(day, d);
    int r = db_prepare(db, SQL_OLDEST_DUE, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, rg->code);
    db_bind_text(st, 2, d);
    db_bind_text(st, 3, rg->code);
    if ((r = db_step(st, err)) < 0)
        return r;
    const char *due = r == 1 ? db_col_text(st, 0) : NULL;
    *ret_found = due && date_parse(due, strlen(due), ret) == 0;
    if (r == 1)
        db_run(st, NULL);
    return 0;
}

static void run_start(lapse_run_t *run, date_t due)
{
    char at[32], until[11];
    run->due = due;
    run->at = date_local_midnight(due + 1, run->rg->utc_offset_minutes);
    run->n = 0;
    time_format_rfc3339(run->at, run->rg->utc_offset_minutes, at);
    date_format(due + 1 + APPEAL_WINDOW_DAYS, until);
    snprintf(run->params, sizeof run->params, "{\"appeal_until\":\"%s\",\"lapsed_at\":\"%s\"}", until, at);
}

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const lapsed_t *)a)->id, y = ((const lapsed_t *)b)->id;
    return (x > y) - (x < y);
}

/* Sorts the chunk and writes its ids as a JSON array into run->ids. */
static void chunk_ids(lapse_run_t *run)
{
    qsort(run->rows, (size_t)run->n, sizeof *run->rows, by_id);
    size_t k = 0;
    run->ids[k++] = '[';
    for (int i = 0; i < run->n; i++)
        k += (size_t)snprintf(run->ids + k, LAPSE_IDS_BYTES - k, "%s%lld", i ? "," : "", (long long)run->rows[i].id);
    run->ids[k++] = ']';
    run->ids[k] = '\0';
}

/* One audit event for the chunk: which registrations of which region lapsed
 * for which due date. Canonical JSON: keys sorted, compact. */
static int chunk_event(db_t *db, lapse_run_t *run, err_t *err)
{
    char subject[48], due[11];
    date_format(run->due, due);
    snprintf(subject, sizeof subject, "region:%s", run->rg->code);
    snprintf(run->detail, LAPSE_DETAIL_BYTES, "{\"due_date\":\"%s\",\"registrations\":%s}", due, run->ids);
    return audit_append_text(db, run->at, "system", "registrations.lapsed", subject, run->detail, err);
}

/* Rule 9: minors' registrations end with their guardian's. Rare, so they
 * go through registration_end one by one, after the chunk's own event. */
static int chunk_wards(db_t *db, const lapse_run_t *run, err_t *err)
{
    enum { BATCH = 256 };
    int64_t ids[BATCH], pids[BATCH];
    int n, r;
    do {
        db_stmt_t *st;
        if ((r = db_prepare(db, db_kind(db) == DB_POSTGRES ? SQL_WARDS_OF_PG : SQL_WARDS_OF, &st, err)) < 0)
            return r;
        db_bind_text(st, 1, run->ids);
        for (n = 0; n < BATCH && (r = db_step(st, err)) == 1; n++) {
            ids[n] = db_col_int(st, 0);
            pids[n] = db_col_int(st, 1);
        }
        if (r < 0 || (r == 1 && (r = db_run(st, err)) < 0))   /* stepping a finished statement runs it again */
            return r;
        for (int i = 0; i < n && r == 0; i++)
            r = registration_end(db, ids[i], pids[i], "guardian_ended", "system", run->at, err);
    } while (r == 0 && n == BATCH);
    return r;
}

/* The `lapsed` notices of the date (SQLite) or of the chunk (PostgreSQL),
 * keyed per lapse (registration and due date) as a late confirmation keys
 * its own: one notice per lapse, and another when a registration restored
 * by an appeal lapses again. */
static int lapse_notices(db_t *db, const lapse_run_t *run, err_t *err)
{
    char d[11];
    db_stmt_t *st;
    bool pg = db_kind(db) == DB_POSTGRES;
    int r = db_prepare(db, pg ? SQL_LAPSE_NOTICES_PG : SQL_DATE_NOTICES, &st, err);
    if (r < 0)
        return r;
    date_format(run->due, d);
    db_bind_text(st, 1, run->params);
    db_bind_int(st, 2, run->at);
    db_bind_int(st, 3, run->at);
    if (pg)
        db_bind_text(st, 4, run->ids);
    else {
        db_bind_text(st, 4, run->rg->code);
        db_bind_text(st, 5, d);
    }
    return db_run(st, err);
}

/* Everything a chunk of lapses owes: its event, (PostgreSQL) its notices,
 * its minors. */
static int chunk_done(db_t *db, lapse_run_t *run, err_t *err)
{
    if (run->n == 0)
        return 0;
    chunk_ids(run);
    int r = chunk_event(db, run, err);
    if (r == 0 && db_kind(db) == DB_POSTGRES)
        r = lapse_notices(db, run, err);
    if (r == 0)
        r = chunk_wards(db, run, err);
    run->lapsed += run->n;
    run->n = 0;
    return r;
}

static int mark_date(db_t *db, const lapse_run_t *run, err_t *err)
{
    db_stmt_t *st;
    char d[11];
    int r = db_prepare(db, SQL_MARK, &st, err);
    if (r < 0)
        return r;
    date_format(run->due, d);
    db_bind_text(st, 1, run->rg->code);
    db_bind_text(st, 2, d);
    db_bind_int(st, 3, run->at);
    return db_run(st, err);
}

/* SQLite, inside the caller's transaction: the mark, the date's notices in
 * one INSERT ... SELECT, then an event per chunk of the date's rows. The
 * rows are read while the events are written: other tables, and wards'
 * rows, which the due-date index does not hold. */
static int lapse_date_marked(db_t *db, lapse_run_t *run, err_t *err)
{
    db_stmt_t *st;
    char d[11];
    int r = mark_date(db, run, err);
    if (r < 0 || (r = lapse_notices(db, run, err)) < 0 || (r = db_prepare(db, SQL_DUE_ROWS, &st, err)) < 0)
        return r;
    date_format(run->due, d);
    db_bind_text(st, 1, run->rg->code);
    db_bind_text(st, 2, d);
    while ((r = db_step(st, err)) == 1) {
        run->rows[run->n].id = db_col_int(st, 0);
        run->rows[run->n++].pid = db_col_int(st, 1);
        if (run->n == SWEEP_CHUNK && (r = chunk_done(db, run, err)) < 0)
            return r;
    }
    return r < 0 ? r : chunk_done(db, run, err);
}

/* PostgreSQL, inside the caller's transaction: up to SWEEP_CHUNK rows of
 * the date ended under their row locks. */
static int lapse_chunk_rows(db_t *db, lapse_run_t *run, err_t *err)
{
    db_stmt_t *st;
    char d[11];
    int r = db_prepare(db, SQL_LAPSE_PG, &st, err);
    if (r < 0)
        return r;
    date_format(run->due, d);
    db_bind_int(st, 1, run->at);
    db_bind_text(st, 2, d);
    db_bind_text(st, 3, run->rg->code);
    db_bind_text(st, 4, d);
    while ((r = db_step(st, err)) == 1) {
        if (run->n == SWEEP_CHUNK)   /* the LIMIT makes this impossible; never lose a lapse's event */
            return err_set(err, -EIO, "storage_failed", "The lapse returned more rows than its limit.");
        run->rows[run->n].id = db_col_int(st, 0);
        run->rows[run->n++].pid = db_col_int(st, 1);
    }
    return r < 0 ? r : chunk_done(db, run, err);
}

/* One transaction: the oldest overdue due date lapsed whole (SQLite) or
 * up to SWEEP_CHUNK of its rows (PostgreSQL). *ret_found = false when
 * nothing is overdue. */
static int lapse_step(db_t *db, date_t day, lapse_run_t *run, bool *ret_found, err_t *err)
{
    bool found;
    date_t due;
    int r = db_begin_write(db, err);
    if (r < 0 || (r = oldest_due(db, run->rg, day, &due, &found, err)) < 0)
        goto fail;
    if (found) {
        run_start(run, due);
        r = db_kind(db) == DB_POSTGRES ? lapse_chunk_rows(db, run, err) : lapse_date_marked(db, run, err);
        if (r < 0)
            goto fail;
    }
    if ((r = db_commit(db, err)) < 0)
        goto fail;
    *ret_found = found;
    return 0;
fail:
    db_rollback(db);
    return r;
}

/* Lapses everything overdue, oldest due date first, a step per
 * transaction; a crash loses at most the step in flight, which the next
 * run redoes (nothing of it was committed). On PostgreSQL a few steps that
 * lapse nothing in a row (confirmations moved the rows meanwhile) end the
 * loop rather than spin; the next sweep finds what is left. */
static int lapse_overdue(db_t *db, const region_t *rg, date_t day, sweep_result_t *res, err_t *err)
{
    lapse_run_t run = {.rg = rg, .rows = malloc(SWEEP_CHUNK * sizeof *run.rows), .ids = malloc(LAPSE_IDS_BYTES),
                       .detail = malloc(LAPSE_DETAIL_BYTES)};
    bool found = true;
    int empty = 0, r = run.rows && run.ids && run.detail ? 0 : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    while (r == 0 && found && empty < 3) {
        int64_t before = run.lapsed;
        if ((r = lapse_step(db, day, &run, &found, err)) < 0)
            run.lapsed = before;   /* rolled back */
        empty = run.lapsed > before ? 0 : empty + 1;
    }
    res->lapsed += run.lapsed;
    free(run.rows);
    free(run.ids);
    free(run.detail);
    return r;
}

/* Queues `kind` for every registration due on `due`, with the parameters
 * notice_queue_at would write (canonical JSON: keys sorted). */
static int remind(db_t *db, const region_t *rg, date_t due, const char *kind, int64_t now, sweep_result_t *res,
                  err_t *err)
{
    char d[11], lapse[32], params[96];
    date_format(due, d);
    time_format_rfc3339(date_local_midnight(due + 1, rg->utc_offset_minutes), rg->utc_offset_minutes, lapse);
    snprintf(params, sizeof params, "{\"due_date\":\"%s\",\"lapse_at\":\"%s\"}", d, lapse);
    int64_t morning = date_local_midnight(date_local(now, rg->utc_offset_minutes), rg->utc_offset_minutes) +
                      NOTICE_MORNING_S;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_REMIND, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, params);
    db_bind_int(st, 4, now);
    db_bind_int(st, 5, morning > now ? morning : now);
    db_bind_text(st, 6, rg->code);
    db_bind_text(st, 7, d);
    if ((r = db_run(st, err)) == 0)
        res->reminded += db_changes(db);
    return r;
}

/* Reminders are queued when the sweep runs (the local midnight that starts
 * `day`, or later when catching up) and pushed from 09:00 local that day: in
 * the inbox at once, on the phone not in the middle of the night. */
static int remind_all(db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now,
                      sweep_result_t *res, err_t *err)
{
    int r = db_begin_write(db, err);
    if (r == 0 && (r = remind(db, rg, day, "last_day", now, res, err)) == 0)
        r = remind(db, rg, calendar_add_working_days(cal, day, 1, NULL), "one_day_left", now, res, err);
    if (r == 0)
        r = db_commit(db, err);
    if (r < 0)
        db_rollback(db);
    return r;
}

static int notify_matured(db_t *db, int64_t pid, int64_t guardian_reg, int64_t reg_id, date_t due, int64_t now,
                          err_t *err)
{
    char key[64];
    json_t *p = json_pack("{s:o}", "due_date", date_json(due));
    snprintf(key, sizeof key, "reg:%lld:minor_adult", (long long)reg_id);
    int r = notice_queue(db, pid, "minor_adult", key, p, now, NULL, err);
    db_stmt_t *st;
    if (r == 0 && (r = db_prepare(db, SQL_GUARDIAN_PERSON, &st, err)) == 0) {
        db_bind_int(st, 1, guardian_reg);
        if ((r = db_step(st, err)) == 1) {
            int64_t gpid = db_col_int(st, 0);
            db_run(st, NULL);
            snprintf(key, sizeof key, "reg:%lld:minor_adult:guardian", (long long)reg_id);
            r = notice_queue(db, gpid, "minor_adult", key, p, now, NULL, err);
        }
    }
    json_decref(p);
    return r < 0 ? r : 0;
}

/* Rule 9: on the 18th birthday a minor's registration becomes ordinary. */
static int mature(db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now,
                  sweep_result_t *res, err_t *err)
{
    db_stmt_t *st, *up;
    char d[11], due_s[11];
    date_format(day, d);
    date_t due = calendar_add_working_days(cal, day, rg->confirm_working_days, NULL);
    date_format(due, due_s);
    int r = db_begin_write(db, err);
    if (r < 0 || (r = db_prepare(db, SQL_MATURING, &st, err)) < 0)
        goto out;
    db_bind_text(st, 1, d);
    db_bind_text(st, 2, rg->code);
    while ((r = db_step(st, err)) == 1) {
        int64_t reg_id = db_col_int(st, 0), pid = db_col_int(st, 1), greg = db_col_int(st, 2);
        if ((r = db_prepare(db, SQL_MATURE, &up, err)) < 0)
            break;
        db_bind_text(up, 1, d);
        db_bind_text(up, 2, due_s);
        db_bind_int(up, 3, reg_id);
        if ((r = db_run(up, err)) < 0 || (r = notify_matured(db, pid, greg, reg_id, due, now, err)) < 0)
            break;
        res->matured++;
    }
    if (r == 0)
        r = db_commit(db, err);
out:
    if (r < 0)
        db_rollback(db);
    return r;
}

static int retention(db_t *db, int64_t now, int days, sweep_result_t *res, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RETENTION, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, now - (int64_t)days * 86400);
    if ((r = db_run(st, err)) == 0)
        res->deleted += db_changes(db);
    return r;
}

static int bookkeeping(db_t *db, const char *sql, const region_t *rg, date_t day, int64_t now,
                       const sweep_result_t *res, err_t *err)
{
    db_stmt_t *st;
    char d[11];
    date_format(day, d);
    int r = db_prepare(db, sql, &st, err), i = 1;
    if (r < 0)
        return r;
    if (sql == SQL_RUN_START) {
        db_bind_text(st, i++, rg->code);
        db_bind_text(st, i++, d);
        db_bind_int(st, i++, now);
    } else {
        db_bind_int(st, i++, now);
        db_bind_int(st, i++, res->lapsed);
        db_bind_int(st, i++, res->reminded);
        db_bind_int(st, i++, res->matured);
        db_bind_int(st, i++, res->deleted);
        db_bind_text(st, i++, rg->code);
        db_bind_text(st, i++, d);
    }
    return db_run(st, err);
}

/* PostgreSQL: one sweeping instance at a time. SQLite: one writer anyway. */
static int take_lock(db_t *db, const char *sql, bool *ret_got, err_t *err)
{
    *ret_got = true;
    if (db_kind(db) != DB_POSTGRES)
        return 0;
    db_stmt_t *st;
    int r = db_prepare(db, sql, &st, err);
    if (r < 0 || (r = db_step(st, err)) < 0)
        return r;
    *ret_got = r == 1 && db_col_int(st, 0) == 1;
    return db_run(st, err);
}

static int sweep_steps(db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now,
                       int retention_days, sweep_result_t *res, err_t *err)
{
    int r = bookkeeping(db, SQL_RUN_START, rg, day, now, res, err);
    if (r == 0 && !region_practice_mode(rg, day))
        r = lapse_overdue(db, rg, day, res, err);
    if (r == 0)
        r = mature(db, cal, rg, day, now, res, err);
    if (r == 0)
        r = remind_all(db, cal, rg, day, now, res, err);
    if (r == 0)
        r = retention(db, now, retention_days, res, err);
    if (r == 0)
        r = bookkeeping(db, SQL_RUN_END, rg, day, now, res, err);
    return r;
}

/* SQLite checks each notice's person_id against persons: a read of a
 * scattered persons page per notice, as long as all the rest of a 10 M
 * sweep. Every row the sweep writes refers to rows it has just read in the
 * same transaction, so on its own connection (uchetd's scheduler, uchetctl)
 * it turns the check off, and back on whatever happened. The pragma does
 * nothing inside a transaction: hence around the steps. */
static int references_checked(db_t *db, bool on, err_t *err)
{
    if (db_kind(db) == DB_POSTGRES)
        return 0;
    return db_exec(db, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF", err);
}

int sweep_run(db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now,
              int retention_days, sweep_result_t *ret, err_t *err)
{
    sweep_result_t res = {0};
    bool got;
    int r = take_lock(db, SQL_LOCK, &got, err);
    if (r < 0)
        return r;
    if (!got) {
        res.skipped = true;
        *ret = res;
        return 0;
    }
    r = references_checked(db, false, err);
    if (r == 0)
        r = sweep_steps(db, cal, rg, day, now, retention_days, &res, err);
    int back = references_checked(db, true, r < 0 ? NULL : err);
    if (r == 0)
        r = back;
    take_lock(db, SQL_UNLOCK, &got, NULL);
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
    while (r == 0 && (r = db_step(st, err)) == 1) {
        const region_t *rg = region_find(regions, db_col_text(st, 1));
        const char *last = db_col_text(st, 2);
        date_t l;
        char due[11];
        if (!last || date_parse(last, strlen(last), &l) < 0)
            continue;
        date_format(calendar_add_working_days(cal, l, rg ? rg->confirm_working_days : 3, NULL), due);
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
    } while (n == 1000);
    *ret_n = total;
    return 0;
}
