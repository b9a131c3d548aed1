#include "store/lapse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/date.h"
#include "rules/deadline.h"
#include "store/audit.h"
#include "store/notice.h"

/* Every statement here reads the stored rows, registration_rows, on
 * purpose, never the view `registrations` (schema v13): the sweep finds a
 * due date's rows through the covering index registrations_due, whose
 * predicate (status = 'active') matches only the stored status, not the
 * view's computed one; and the rows it lapses are the ones its own mark,
 * made earlier in the same transaction, already shows as ended in the view.
 * Where a mark must count, the statement says so itself (SQL_OLDEST_DUE,
 * SQL_REMIND).
 *
 * The `lapsed` notices of the registrations WHERE selects, for due date DUE
 * (an SQL expression): the notice key is written here and nowhere else.
 * Parameters: the notice's params, created_at, next_push_at, then WHERE's. */
#define LAPSE_NOTICES_SQL(DUE, WHERE)                                                                                  \
    "INSERT INTO notices (person_id, kind, params, created_at, next_push_at, dedupe_key)"                              \
    " SELECT person_id, 'lapsed', ?, ?, ?, 'reg:' || id || ':lapsed:' || " DUE " FROM registration_rows WHERE " WHERE  \
    " ON CONFLICT (dedupe_key) DO NOTHING"
/* Every registration of a region open on a due date. */
static const char SQL_DATE_NOTICES[] =
    LAPSE_NOTICES_SQL("due_date", "region = ? AND status = 'active' AND due_date = ?");
/* A late confirmation: one registration, the due date it computed (its row
 * is ended already: WHERE names only the id). */
static const char SQL_ONE_NOTICE[] = LAPSE_NOTICES_SQL("?", "id = ?");

/* The lapse works on one due date at a time (the lapse moment depends on
 * it), oldest first. Every date up to the region's last lapse mark has
 * lapsed (marks are made oldest first, each with all its date's events), so
 * the search starts after it. Minors have no due date. */
static const char SQL_OLDEST_DUE[] =
    "SELECT due_date FROM registration_rows WHERE region = ? AND status = 'active' AND due_date IS NOT NULL"
    " AND due_date < ? AND due_date > COALESCE((SELECT MAX(due_date) FROM lapse_marks WHERE region = ?), '')"
    " ORDER BY due_date LIMIT 1";
/* One mark lapses a whole due date (schema v4), and the date's rows are
 * only read, through the covering registrations_due index: nothing
 * scattered through the table is written. PostgreSQL too (issue 18): its
 * row-by-row lapse rewrote every due row and two index entries, 2.6 s of
 * a 1 M sweep's 4 s. Marks are safe with several uchetd on one database
 * because every write transaction there, the sweep's steps included, first
 * takes the one advisory write lock (db_begin_write): no confirmation can
 * move a due date between the sweep's reading the date's rows and its
 * commit. */
static const char SQL_MARK[] = "INSERT INTO lapse_marks (region, due_date, lapsed_at) VALUES (?, ?, ?)";
static const char SQL_DUE_ROWS[] =
    "SELECT id, person_id FROM registration_rows WHERE region = ? AND status = 'active' AND due_date = ?";
/* Reminders for every registration due on a date, in one INSERT ... SELECT
 * keyed reg:ID:KIND:DUE. A marked date has lapsed: no reminders for it, even
 * when an operator sweeps an earlier day again. The NOT EXISTS is the view's
 * rule written out, so the due-date index still serves. */
static const char SQL_REMIND[] =
    "INSERT INTO notices (person_id, kind, dedupe_key, params, created_at, next_push_at)"
    " SELECT person_id, ?, 'reg:' || id || ':' || ? || ':' || due_date, ?, ?, ? FROM registration_rows"
    " WHERE region = ? AND status = 'active' AND due_date = ? AND NOT EXISTS (SELECT 1 FROM lapse_marks m"
    " WHERE m.region = registration_rows.region AND m.due_date = registration_rows.due_date)"
    " ON CONFLICT (dedupe_key) DO NOTHING";

/* The `lapsed` notice's parameters for a lapse at `at` (canonical JSON:
 * keys sorted, compact), as notice_queue would write them. */
static void notice_params(int64_t at, int offset_min, char *buf, size_t cap)
{
    char lapsed[32], until[11];
    time_format_rfc3339(at, offset_min, lapsed);
    date_format(deadline_appeal_until(at, offset_min), until);
    snprintf(buf, cap, "{\"appeal_until\":\"%s\",\"lapsed_at\":\"%s\"}", until, lapsed);
}

/* "A minute later" matters as much as "a minute earlier": a registration
 * whose deadline passed lapses at once, even if the sweep has not run. */
int lapse_if_overdue(db_t *db, const calendar_t *cal, const registration_view_t *reg, int64_t person_id,
    const region_t *rg, date_t today, int64_t now, bool *ret_lapsed, err_t *err)
{
    if (reg->minor || region_practice_mode(rg, today)) {
        *ret_lapsed = false;
        return 0;
    }
    date_t due = calendar_add_working_days(cal, reg->last_confirmed_on, rg->confirm_working_days, NULL);
    if (!deadline_overdue(due, today)) {
        *ret_lapsed = false;
        return 0;
    }
    int64_t at = deadline_lapse_at(due, rg->utc_offset_minutes);
    char params[96], d[11];
    db_stmt_t *st;
    int r = registration_end(db, reg->id, person_id, "lapsed", "system", at, err);
    if (r < 0 || (r = db_prepare(db, SQL_ONE_NOTICE, &st, err)) < 0)
        return r;
    notice_params(at, rg->utc_offset_minutes, params, sizeof params);
    date_format(due, d);
    db_bind_text(st, 1, params);
    db_bind_int(st, 2, now);
    db_bind_int(st, 3, now);
    db_bind_text(st, 4, d);
    db_bind_int(st, 5, reg->id);
    if ((r = db_run(st, err)) < 0)
        return r;
    *ret_lapsed = true;
    return 0;
}

/* The lapse of one due date: its rows are handled LAPSE_CHUNK at a time
 * (one audit event each). */
typedef struct lapse_run {
    const region_t *rg;
    date_t due;
    int64_t at;               /* the lapse moment: local midnight ending `due` */
    char params[96];          /* the `lapsed` notices' parameters */
    registration_ref_t *rows; /* LAPSE_CHUNK slots */
    int n;
    char *ids;      /* the chunk's ids as a JSON array, LAPSE_IDS_BYTES */
    char *detail;   /* the chunk's audit detail, LAPSE_DETAIL_BYTES */
    int64_t lapsed; /* rows lapsed so far by this run */
} lapse_run_t;

#define LAPSE_IDS_BYTES (LAPSE_CHUNK * 21 + 3) /* "[" + ids of <= 20 digits and "," + "]" */
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
    run->due = due;
    run->at = deadline_lapse_at(due, run->rg->utc_offset_minutes);
    run->n = 0;
    notice_params(run->at, run->rg->utc_offset_minutes, run->params, sizeof run->params);
}

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const registration_ref_t *)a)->id, y = ((const registration_ref_t *)b)->id;
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

/* The `lapsed` notices of the date, in one INSERT ... SELECT. */
static int lapse_notices(db_t *db, const lapse_run_t *run, err_t *err)
{
    char d[11];
    db_stmt_t *st;
    int r = db_prepare(db, SQL_DATE_NOTICES, &st, err);
    if (r < 0)
        return r;
    date_format(run->due, d);
    db_bind_text(st, 1, run->params);
    db_bind_int(st, 2, run->at);
    db_bind_int(st, 3, run->at);
    db_bind_text(st, 4, run->rg->code);
    db_bind_text(st, 5, d);
    return db_run(st, err);
}

/* Everything a chunk of lapses owes: its event, its minors (rule 9, after
 * the chunk's own event). */
static int chunk_done(db_t *db, lapse_run_t *run, err_t *err)
{
    if (run->n == 0)
        return 0;
    chunk_ids(run);
    int r = chunk_event(db, run, err);
    if (r == 0)
        r = registration_end_wards_of(db, run->ids, run->at, err);
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

/* Inside the caller's transaction: the mark, the date's notices in
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
        run->rows[run->n++].person_id = db_col_int(st, 1);
        if (run->n == LAPSE_CHUNK && (r = chunk_done(db, run, err)) < 0)
            return r;
    }
    return r < 0 ? r : chunk_done(db, run, err);
}

/* One transaction: the oldest overdue due date lapsed whole. *ret_found =
 * false when nothing is overdue. */
static int lapse_step(db_t *db, date_t day, lapse_run_t *run, bool *ret_found, err_t *err)
{
    bool found;
    date_t due;
    int r = db_begin_write(db, err);
    if (r < 0 || (r = oldest_due(db, run->rg, day, &due, &found, err)) < 0)
        goto fail;
    if (found) {
        run_start(run, due);
        if ((r = lapse_date_marked(db, run, err)) < 0)
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

/* A few steps that lapse nothing in a row (none should: each step's date
 * has open rows) end the loop rather than spin; the next sweep finds what
 * is left. */
int lapse_overdue(db_t *db, const region_t *rg, date_t day, int64_t *ret_lapsed, err_t *err)
{
    lapse_run_t run = {.rg = rg,
        .rows = malloc(LAPSE_CHUNK * sizeof *run.rows),
        .ids = malloc(LAPSE_IDS_BYTES),
        .detail = malloc(LAPSE_DETAIL_BYTES)};
    bool found = true;
    int empty = 0, r = run.rows && run.ids && run.detail ? 0 : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    while (r == 0 && found && empty < 3) {
        int64_t before = run.lapsed;
        if ((r = lapse_step(db, day, &run, &found, err)) < 0)
            run.lapsed = before; /* rolled back */
        empty = run.lapsed > before ? 0 : empty + 1;
    }
    *ret_lapsed += run.lapsed;
    free(run.rows);
    free(run.ids);
    free(run.detail);
    return r;
}

/* Queues `kind` for every registration due on `due`, with the parameters
 * notice_queue_at would write (canonical JSON: keys sorted). */
static int remind(
    db_t *db, const region_t *rg, date_t due, const char *kind, int64_t now, int64_t *ret_reminded, err_t *err)
{
    char d[11], lapse[32], params[96];
    date_format(due, d);
    time_format_rfc3339(deadline_lapse_at(due, rg->utc_offset_minutes), rg->utc_offset_minutes, lapse);
    snprintf(params, sizeof params, "{\"due_date\":\"%s\",\"lapse_at\":\"%s\"}", d, lapse);
    int64_t morning =
        date_local_midnight(date_local(now, rg->utc_offset_minutes), rg->utc_offset_minutes) + NOTICE_MORNING_S;
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
        *ret_reminded += db_changes(db);
    return r;
}

/* Reminders are queued when the sweep runs (the local midnight that starts
 * `day`, or later when catching up) and pushed from 09:00 local that day: in
 * the inbox at once, on the phone not in the middle of the night. */
int lapse_remind(
    db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now, int64_t *ret_reminded, err_t *err)
{
    int64_t n = 0;
    int r = db_begin_write(db, err);
    if (r == 0 && (r = remind(db, rg, day, "last_day", now, &n, err)) == 0)
        r = remind(db, rg, calendar_add_working_days(cal, day, 1, NULL), "one_day_left", now, &n, err);
    if (r == 0)
        r = db_commit(db, err);
    if (r < 0) {
        db_rollback(db);
        return r;
    }
    *ret_reminded += n;
    return 0;
}
