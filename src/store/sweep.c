#include "store/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/date.h"
#include "rules/deadline.h"
#include "store/audit.h"
#include "store/notice.h"
#include "store/registration.h"

#define SWEEP_STR_(x) #x
#define SWEEP_STR(x) SWEEP_STR_(x)

/* The lapse works on one due date at a time (the lapse moment depends on
 * it), up to SWEEP_CHUNK rows, all through registrations_due. Minors have
 * no due date; the guardian test only makes sure. */
static const char SQL_OLDEST_DUE[] =
    "SELECT due_date FROM registrations WHERE region = ? AND status = 'active' AND due_date IS NOT NULL"
    " AND due_date < ? AND guardian_registration_id IS NULL ORDER BY due_date LIMIT 1";
/* SQLite: OR FAIL, because a statement that may abort half way keeps the
 * original of every page it changes in a statement journal (a temporary
 * file: here one more write per page). A failure rolls the whole chunk
 * back anyway, so the journal buys nothing. */
#define LAPSE_SQL(UPDATE)                                                                            \
    UPDATE " registrations SET status = 'ended', ended_at = ?, end_reason = 'lapsed'"                 \
    " WHERE status = 'active' AND due_date = ? AND id IN (SELECT id FROM registrations"              \
    " WHERE region = ? AND status = 'active' AND due_date = ? AND guardian_registration_id IS NULL"   \
    " ORDER BY id LIMIT " SWEEP_STR(SWEEP_CHUNK) ") RETURNING id, person_id"
static const char SQL_LAPSE[] = LAPSE_SQL("UPDATE OR FAIL");
static const char SQL_LAPSE_PG[] = LAPSE_SQL("UPDATE");
/* The run's ids arrive as one JSON array: the same statement for 1 or 5000
 * rows, on either backend. */
#define LAPSE_NOTICES_SQL(IDS)                                                                     \
    "INSERT INTO notices (person_id, kind, dedupe_key, params, created_at, next_push_at)"           \
    " SELECT person_id, 'lapsed', 'reg:' || id || ':lapsed', ?, ?, ? FROM registrations"            \
    " WHERE id IN (" IDS ") ORDER BY id ON CONFLICT (dedupe_key) DO NOTHING"
#define WARDS_OF_SQL(IDS)                                                                          \
    "SELECT id, person_id FROM registrations WHERE status = 'active'"                              \
    " AND guardian_registration_id IN (" IDS ") ORDER BY id"
#define IDS_SQLITE "SELECT value FROM json_each(?)"
#define IDS_PG "SELECT value::bigint FROM json_array_elements_text(?::json)"
static const char SQL_LAPSE_NOTICES[] = LAPSE_NOTICES_SQL(IDS_SQLITE);
static const char SQL_LAPSE_NOTICES_PG[] = LAPSE_NOTICES_SQL(IDS_PG);
static const char SQL_WARDS_OF[] = WARDS_OF_SQL(IDS_SQLITE);
static const char SQL_WARDS_OF_PG[] = WARDS_OF_SQL(IDS_PG);
static const char SQL_DUE_ON[] =
    "SELECT id, person_id FROM registrations WHERE region = ? AND status = 'active'"
    " AND due_date = ? ORDER BY id";
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

static json_t *time_json(int64_t t, int offset)
{
    char buf[32];
    time_format_rfc3339(t, offset, buf);
    return json_string(buf);
}

static json_t *date_json(date_t d)
{
    char buf[11];
    date_format(d, buf);
    return json_string(buf);
}

typedef struct lapsed {
    int64_t id, pid;
} lapsed_t;

/* One lapse run: the registrations of one due date lapsed in one
 * transaction, at most SWEEP_CHUNK of them. */
typedef struct lapse_run {
    const region_t *rg;
    date_t due;
    int64_t at;                /* the lapse moment: local midnight ending `due` */
    lapsed_t *rows;            /* SWEEP_CHUNK slots, sorted by id once filled */
    int n;
    char *ids;                 /* the ids as a JSON array, LAPSE_IDS_BYTES */
} lapse_run_t;

#define LAPSE_IDS_BYTES (SWEEP_CHUNK * 21 + 3)   /* "[" + ids of <= 20 digits and "," + "]" */

/* The oldest due date before `day` that still has active registrations. */
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
    if ((r = db_step(st, err)) < 0)
        return r;
    const char *due = r == 1 ? db_col_text(st, 0) : NULL;
    *ret_found = due && date_parse(due, strlen(due), ret) == 0;
    if (r == 1)
        db_run(st, NULL);
    return 0;
}

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const lapsed_t *)a)->id, y = ((const lapsed_t *)b)->id;
    return (x > y) - (x < y);
}

/* Rule 6, set-based: one UPDATE ends up to SWEEP_CHUNK registrations due on
 * run->due and returns which (PostgreSQL re-checks the WHERE against rows a
 * confirmation changed meanwhile, so only what really lapsed comes back). */
static int lapse_update(db_t *db, lapse_run_t *run, err_t *err)
{
    db_stmt_t *st;
    char d[11];
    date_format(run->due, d);
    int r = db_prepare(db, db_kind(db) == DB_POSTGRES ? SQL_LAPSE_PG : SQL_LAPSE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, run->at);
    db_bind_text(st, 2, d);
    db_bind_text(st, 3, run->rg->code);
    db_bind_text(st, 4, d);
    run->n = 0;
    while ((r = db_step(st, err)) == 1) {
        if (run->n == SWEEP_CHUNK)   /* the LIMIT makes this impossible; never lose a lapse's event */
            return err_set(err, -EIO, "storage_failed", "The lapse returned more rows than its limit.");
        run->rows[run->n].id = db_col_int(st, 0);
        run->rows[run->n++].pid = db_col_int(st, 1);
    }
    if (r < 0)
        return r;
    qsort(run->rows, (size_t)run->n, sizeof *run->rows, by_id);
    return 0;
}

/* One audit event per lapse, as registration_end writes it, chained in
 * memory and inserted AUDIT_BATCH at a time: no read of the chain head in
 * between, and on PostgreSQL one round trip per batch. */
static int lapse_audit(db_t *db, const lapse_run_t *run, err_t *err)
{
    char subject[AUDIT_BATCH][REGISTRATION_SUBJECT_BYTES], detail[AUDIT_BATCH][REGISTRATION_DETAIL_BYTES];
    audit_event_t ev[AUDIT_BATCH];
    audit_chain_t c;
    int r = audit_chain_head(db, &c, err);
    for (int i = 0; r == 0 && i < run->n; i += AUDIT_BATCH) {
        int k = run->n - i < AUDIT_BATCH ? run->n - i : AUDIT_BATCH;
        for (int j = 0; j < k; j++) {
            registration_ended_event(run->rows[i + j].id, run->rows[i + j].pid, "lapsed", subject[j], detail[j]);
            ev[j] = (audit_event_t){.at = run->at, .actor = "system", .action = "registration.ended",
                                    .subject = subject[j], .detail = detail[j]};
        }
        r = audit_chain_append_batch(db, &c, ev, k, err);
    }
    return r;
}

static void ids_json(lapse_run_t *run)
{
    size_t k = 0;
    run->ids[k++] = '[';
    for (int i = 0; i < run->n; i++)
        k += (size_t)snprintf(run->ids + k, LAPSE_IDS_BYTES - k, "%s%lld", i ? "," : "", (long long)run->rows[i].id);
    run->ids[k++] = ']';
    run->ids[k] = '\0';
}

/* The `lapsed` notices of the run in one INSERT ... SELECT: the same key
 * and parameters for each as notice_queue_text would write. */
static int lapse_notices(db_t *db, const lapse_run_t *run, err_t *err)
{
    char at[32], until[11], params[96];
    time_format_rfc3339(run->at, run->rg->utc_offset_minutes, at);
    date_format(run->due + 1 + 30, until);
    snprintf(params, sizeof params, "{\"appeal_until\":\"%s\",\"lapsed_at\":\"%s\"}", until, at);
    db_stmt_t *st;
    int r = db_prepare(db, db_kind(db) == DB_POSTGRES ? SQL_LAPSE_NOTICES_PG : SQL_LAPSE_NOTICES, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, params);
    db_bind_int(st, 2, run->at);
    db_bind_int(st, 3, run->at);
    db_bind_text(st, 4, run->ids);
    return db_run(st, err);
}

/* Rule 9: minors' registrations end with their guardian's. Rare, so they
 * go through registration_end one by one, after the run's own events. */
static int lapse_wards(db_t *db, const lapse_run_t *run, err_t *err)
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

/* One transaction: lapses up to SWEEP_CHUNK registrations of the oldest
 * overdue due date. *ret_found = false when nothing is overdue; run->n = 0
 * with *ret_found when a confirmation (PostgreSQL) changed the rows after
 * they were found. */
static int lapse_chunk(db_t *db, date_t day, lapse_run_t *run, bool *ret_found, err_t *err)
{
    bool found;
    int r = db_begin_write(db, err);
    if (r < 0 || (r = oldest_due(db, run->rg, day, &run->due, &found, err)) < 0)
        goto fail;
    run->n = 0;
    if (found) {
        run->at = date_local_midnight(run->due + 1, run->rg->utc_offset_minutes);
        if ((r = lapse_update(db, run, err)) < 0 || (r = lapse_audit(db, run, err)) < 0)
            goto fail;
        ids_json(run);
        if (run->n > 0 && ((r = lapse_notices(db, run, err)) < 0 || (r = lapse_wards(db, run, err)) < 0))
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

/* Lapses everything overdue, oldest due date first, a chunk per
 * transaction; a crash loses at most the chunk in flight, which the next
 * run redoes (nothing of it was committed). A few empty chunks in a row
 * end the loop rather than spin; the next sweep finds what is left. */
static int lapse_overdue(db_t *db, const region_t *rg, date_t day, sweep_result_t *res, err_t *err)
{
    lapse_run_t run = {.rg = rg, .rows = malloc(SWEEP_CHUNK * sizeof *run.rows), .ids = malloc(LAPSE_IDS_BYTES)};
    bool found = true;
    int empty = 0, r = run.rows && run.ids ? 0 : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    while (r == 0 && found && empty < 3 && (r = lapse_chunk(db, day, &run, &found, err)) == 0) {
        res->lapsed += run.n;
        empty = run.n ? 0 : empty + 1;
    }
    free(run.rows);
    free(run.ids);
    return r;
}

/* Queues `kind` for every registration due on `due`. */
static int remind(db_t *db, const region_t *rg, date_t due, const char *kind, int64_t now, sweep_result_t *res,
                  err_t *err)
{
    db_stmt_t *st;
    char d[11];
    date_format(due, d);
    int r = db_prepare(db, SQL_DUE_ON, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, rg->code);
    db_bind_text(st, 2, d);
    int64_t lapse_at = date_local_midnight(due + 1, rg->utc_offset_minutes);
    int64_t morning = date_local_midnight(date_local(now, rg->utc_offset_minutes), rg->utc_offset_minutes) +
                      NOTICE_MORNING_S;
    json_t *p = json_pack("{s:s,s:o}", "due_date", d, "lapse_at", time_json(lapse_at, rg->utc_offset_minutes));
    /* Notices are inserted while the cursor is open: same connection, and
     * the rows inserted are not the rows read. */
    while ((r = db_step(st, err)) == 1) {
        char key[80];
        bool queued;
        snprintf(key, sizeof key, "reg:%lld:%s:%s", (long long)db_col_int(st, 0), kind, d);
        if ((r = notice_queue_at(db, db_col_int(st, 1), kind, key, p, now, morning, &queued, err)) < 0)
            break;
        res->reminded += queued;
    }
    json_decref(p);
    return r < 0 ? r : 0;
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
    r = sweep_steps(db, cal, rg, day, now, retention_days, &res, err);
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
