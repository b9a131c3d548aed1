#include "store/registration.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/policy.h"
#include "store/audit.h"
#include "store/notice.h"
#include "store/session.h"

#define REG_COLS REGISTRATION_VIEW_COLS

/* Readers read the view `registrations`, the truth: a lapse the sweep
 * marked shows there before the row itself is rewritten (schema v4, v13).
 * This module is the only writer of a registration's status; it writes the
 * stored rows, registration_rows. */
static const char SQL_ACTIVE[] =
    "SELECT " REG_COLS " FROM registrations r JOIN residences s ON s.registration_id = r.id"
    " AND s.replaced_at IS NULL WHERE r.person_id = ? AND r.status = 'active'";
static const char SQL_INSERT_REG[] =
    "INSERT INTO registration_rows (person_id, region, status, started_at, last_confirmed_on, due_date)"
    " VALUES (?, ?, 'active', ?, ?, ?) RETURNING id";
static const char SQL_INSERT_RES[] =
    "INSERT INTO residences (registration_id, settlement, street, house, building, apartment,"
    " address_id, ref_lat, ref_lon, declared_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_REPLACE_RES[] =
    "UPDATE residences SET replaced_at = ? WHERE registration_id = ? AND replaced_at IS NULL";
static const char SQL_END[] =
    "UPDATE registration_rows SET status = 'ended', ended_at = ?, end_reason = ? WHERE id = ? AND status = 'active'";
/* Rewrites a stored row a lapse mark covers (the person's, or one by id) to
 * what the view registrations shows, before anything that needs the stored
 * row itself to be current: it reads the raw row and the marks on purpose.
 * Only this module's writers call it, so no other module has to know that
 * marks exist. */
#define SETTLE_LAPSE_SQL(WHO)                                                                                          \
    "UPDATE registration_rows SET status = 'ended', end_reason = 'lapsed', ended_at = (SELECT m.lapsed_at"             \
    " FROM lapse_marks m WHERE m.region = registration_rows.region AND m.due_date = registration_rows.due_date)"       \
    " WHERE " WHO " = ? AND status = 'active' AND EXISTS (SELECT 1 FROM lapse_marks m"                                 \
    " WHERE m.region = registration_rows.region AND m.due_date = registration_rows.due_date)"
static const char SQL_SETTLE_LAPSE[] = SETTLE_LAPSE_SQL("person_id");
static const char SQL_SETTLE_ONE[] = SETTLE_LAPSE_SQL("id");
static const char SQL_RESTORE[] =
    "UPDATE registration_rows SET status = 'active', ended_at = NULL, end_reason = NULL, last_confirmed_on = ?,"
    " due_date = ? WHERE id = ? AND status = 'ended' AND end_reason = 'lapsed'";
/* Rule 9: the guardian's lapse ended the minors' registrations at the same
 * moment; "as if it had never lapsed" brings back those, and only those
 * with nothing newer since. */
static const char SQL_RESTORE_WARDS[] =
    "UPDATE registration_rows SET status = 'active', ended_at = NULL, end_reason = NULL"
    " WHERE guardian_registration_id = ? AND status = 'ended' AND end_reason = 'guardian_ended' AND ended_at = ?"
    " AND NOT EXISTS (SELECT 1 FROM registrations n WHERE n.person_id = registration_rows.person_id"
    " AND n.id > registration_rows.id) RETURNING id, person_id";
static const char SQL_RESET_STREAK[] = "UPDATE registration_rows SET mismatch_streak = 0 WHERE id = ?";
static const char SQL_MISMATCH_READ[] =
    "UPDATE notices SET read_at = ? WHERE person_id = ? AND kind = 'mismatch' AND read_at IS NULL";

/* json_pack's NULL (out of memory) as an error: never an audit event or a
 * notice written with an empty {} instead (tests/unit/test_faults.c). */
static int packed(const json_t *j, err_t *err)
{
    return j ? 0 : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
}

static void subject_of(char *buf, size_t cap, const char *kind, int64_t id)
{
    snprintf(buf, cap, "%s:%lld", kind, (long long)id);
}

/* Rule 8's count of away confirmations starts again: a new residence, or
 * the person saying the old one is still right. */
static int reset_streak(db_t *db, int64_t reg_id, err_t *err)
{
    return db_run_ints(db, SQL_RESET_STREAK, &reg_id, 1, err);
}

/* Appends the person's own event; takes the reference to `d`. */
static int audit_by_person(db_t *db, int64_t now, int64_t pid, const char *event, json_t *d, err_t *err)
{
    char actor[40];
    subject_of(actor, sizeof actor, "person", pid);
    int r = packed(d, err);
    if (r == 0)
        r = audit_append(db, now, actor, event, actor, d, err);
    json_decref(d);
    return r;
}

/* Fills *v from REGISTRATION_VIEW_COLS starting at column c. */
static void row_to_view_at(db_stmt_t *st, int c, registration_view_t *v)
{
    memset(v, 0, sizeof *v);
    v->id = db_col_int(st, c);
    db_col_copy(st, c + 1, v->region, sizeof v->region);
    db_col_copy(st, c + 2, v->status, sizeof v->status);
    v->started_at = db_col_int(st, c + 3);
    const char *d = db_col_text(st, c + 4);
    if (!d || date_parse(d, strlen(d), &v->last_confirmed_on) < 0)
        v->last_confirmed_on = 0;
    v->mismatch_streak = (int)db_col_int(st, c + 5);
    v->ended_at = db_col_null(st, c + 6) ? 0 : db_col_int(st, c + 6);
    db_col_copy(st, c + 7, v->end_reason, sizeof v->end_reason);
    residence_t *r = &v->res;
    r->id = db_col_int(st, c + 8);
    db_col_copy(st, c + 9, r->settlement, sizeof r->settlement);
    db_col_copy(st, c + 10, r->street, sizeof r->street);
    db_col_copy(st, c + 11, r->house, sizeof r->house);
    db_col_copy(st, c + 12, r->building, sizeof r->building);
    db_col_copy(st, c + 13, r->apartment, sizeof r->apartment);
    db_col_copy(st, c + 14, r->address_id, sizeof r->address_id);
    r->ref_lat = db_col_double(st, c + 15);
    r->ref_lon = db_col_double(st, c + 16);
    r->host_confirmed = !db_col_null(st, c + 17);
    v->minor = db_col_int(st, c + 18) != 0;
}

static void row_to_view(db_stmt_t *st, registration_view_t *v)
{
    row_to_view_at(st, 0, v);
}

void registration_view_from_row(db_stmt_t *st, registration_view_t *ret)
{
    row_to_view(st, ret);
}

static int read_one(db_t *db, const char *sql, int64_t person_id, registration_view_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, sql, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, person_id);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -ENOENT, "no_active_registration", "You have no active registration.");
    row_to_view(st, ret);
    db_run(st, NULL);
    return 0;
}

int registration_active(db_t *db, int64_t person_id, registration_view_t *ret, err_t *err)
{
    return read_one(db, SQL_ACTIVE, person_id, ret, err);
}

/* The open wards of one guardian registration, or of every registration in
 * a JSON array of ids (the sweep's chunk of lapses). The stored rows on
 * purpose: wards are never lapse-marked (they have no due date), so their
 * rows are the truth, and the partial index registrations_guardian (WHERE
 * status = 'active') serves only a query on the stored status, not the
 * view's computed one: the sweep asks this per chunk of 5,000 lapses. */
#define WARDS_OF_SQL(IDS)                                                                                              \
    "SELECT id, person_id FROM registration_rows WHERE status = 'active'"                                              \
    " AND guardian_registration_id IN (" IDS ") ORDER BY id"
static const char SQL_WARDS[] = WARDS_OF_SQL("?");
static const char SQL_WARDS_OF[] = WARDS_OF_SQL("SELECT value FROM json_each(?)");
static const char SQL_WARDS_OF_PG[] = WARDS_OF_SQL("SELECT value::bigint FROM json_array_elements_text(?::json)");

/* Rule 9, the only walk over wards that ends them: a minor's registration
 * ends when the guardian's ends. Wards are read WARDS_BATCH at a time and
 * ended one by one; an ended ward no longer matches, so the next read
 * starts with the rest: no cap, however many wards. The statement is bound
 * with `bind` (one id, or a JSON array of them). */
#define WARDS_BATCH 256
static int end_wards_matching(
    db_t *db, const char *sql, int64_t guardian_reg, const char *guardian_ids, int64_t now, err_t *err)
{
    int64_t ids[WARDS_BATCH], pids[WARDS_BATCH];
    int n, r;
    do {
        db_stmt_t *st;
        if ((r = db_prepare(db, sql, &st, err)) < 0)
            return r;
        if (guardian_ids)
            db_bind_text(st, 1, guardian_ids);
        else
            db_bind_int(st, 1, guardian_reg);
        for (n = 0; n < WARDS_BATCH && (r = db_step(st, err)) == 1; n++) {
            ids[n] = db_col_int(st, 0);
            pids[n] = db_col_int(st, 1);
        }
        if (r < 0 || (r == 1 && (r = db_run(st, err)) < 0)) /* stepping a finished statement runs it again */
            return r;
        for (int i = 0; i < n && r == 0; i++)
            r = registration_end(db, ids[i], pids[i], "guardian_ended", "system", now, err);
    } while (r == 0 && n == WARDS_BATCH);
    return r;
}

static int end_wards(db_t *db, int64_t guardian_reg, int64_t now, err_t *err)
{
    return end_wards_matching(db, SQL_WARDS, guardian_reg, NULL, now, err);
}

int registration_end_wards_of(db_t *db, const char *guardian_ids_json, int64_t now, err_t *err)
{
    return end_wards_matching(
        db, db_kind(db) == DB_POSTGRES ? SQL_WARDS_OF_PG : SQL_WARDS_OF, 0, guardian_ids_json, now, err);
}

int registration_end(
    db_t *db, int64_t reg_id, int64_t person_id, const char *reason, const char *actor, int64_t now, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_END, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, now);
    db_bind_text(st, 2, reason);
    db_bind_int(st, 3, reg_id);
    if ((r = db_run(st, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(err, -ENOENT, "no_active_registration", "The registration is not active.");
    char subject[40], d[96];
    subject_of(subject, sizeof subject, "person", person_id);
    /* reason is one of the fixed end reasons: no escaping needed. */
    snprintf(d, sizeof d, "{\"reason\":\"%s\",\"registration\":%lld}", reason, (long long)reg_id);
    r = audit_append_text(db, now, actor, "registration.ended", subject, d, err);
    return r < 0 ? r : end_wards(db, reg_id, now, err);
}

/* Inserts the residence for reg_id; the caller has closed the previous one. */
static int insert_residence(db_t *db, int64_t reg_id, residence_t *res, int64_t now, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_INSERT_RES, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, reg_id);
    db_bind_text(st, 2, res->settlement);
    db_bind_text(st, 3, res->street);
    db_bind_text(st, 4, res->house);
    db_bind_text(st, 5, res->building[0] ? res->building : NULL);
    db_bind_text(st, 6, res->apartment[0] ? res->apartment : NULL);
    db_bind_text(st, 7, res->address_id[0] ? res->address_id : NULL);
    db_bind_double(st, 8, res->ref_lat);
    db_bind_double(st, 9, res->ref_lon);
    db_bind_int(st, 10, now);
    if ((r = db_step(st, err)) != 1)
        return r < 0 ? r : err_set(err, -EIO, "storage_failed", "Insert returned no id.");
    res->id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

int registration_restore(db_t *db, int64_t reg_id, date_t today, date_t due, err_t *err)
{
    char t[11], d[11];
    db_stmt_t *st;
    int r = db_run_ints(db, SQL_SETTLE_ONE, &reg_id, 1, err); /* a marked row is lapsed: settle it first */
    if (r < 0 || (r = db_prepare(db, SQL_RESTORE, &st, err)) < 0)
        return r;
    date_format(today, t);
    date_format(due, d);
    db_bind_text(st, 1, t);
    db_bind_text(st, 2, d);
    db_bind_int(st, 3, reg_id);
    if ((r = db_run(st, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(err, -EEXIST, "registered_again", "The registration is no longer the lapsed one.");
    return 0;
}

/* Reads every row of a stepped-once statement (r is that first step's
 * result) into a growing array. Caller frees *ret. */
static int read_wards(db_stmt_t *st, int r, registration_ref_t **ret, size_t *ret_n, err_t *err)
{
    registration_ref_t *w = NULL;
    size_t n = 0, cap = 0;
    for (; r == 1; r = db_step(st, err)) {
        if (n == cap) {
            registration_ref_t *more = realloc(w, (cap = cap ? 2 * cap : 16) * sizeof *w);
            if (!more) {
                db_run(st, NULL);
                free(w);
                return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
            }
            w = more;
        }
        w[n++] = (registration_ref_t){db_col_int(st, 0), db_col_int(st, 1)};
    }
    if (r < 0) {
        free(w);
        return r;
    }
    *ret = w;
    *ret_n = n;
    return 0;
}

int registration_restore_wards(
    db_t *db, int64_t guardian_reg, int64_t ended_at, const char *actor, int64_t now, err_t *err)
{
    db_stmt_t *st;
    registration_ref_t *w = NULL;
    size_t n = 0;
    int r = db_prepare(db, SQL_RESTORE_WARDS, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, guardian_reg);
    db_bind_int(st, 2, ended_at);
    if ((r = read_wards(st, db_step(st, err), &w, &n, err)) < 0)
        return r;
    char subject[40], d[96];
    for (size_t i = 0; i < n && r == 0; i++) {
        subject_of(subject, sizeof subject, "person", w[i].person_id);
        snprintf(d, sizeof d, "{\"guardian_registration\":%lld,\"registration\":%lld}", (long long)guardian_reg,
            (long long)w[i].id);
        r = audit_append_text(db, now, actor, "registration.restored", subject, d, err);
    }
    free(w);
    return r;
}

/* Inside a write transaction: if a lapse mark covers the person's open
 * registration, rewrites its stored row as lapsed. Before a new
 * registration goes in (one open registration per person). */
static int settle_lapse(db_t *db, int64_t person_id, err_t *err)
{
    return db_run_ints(db, SQL_SETTLE_LAPSE, &person_id, 1, err);
}

/* Ends an active registration in another region (`moved`), or refuses a
 * second one in the same region. */
static int settle_existing(db_t *db, int64_t pid, const char *region, const char *actor, int64_t now, err_t *err)
{
    registration_view_t cur;
    int r = registration_active(db, pid, &cur, err);
    if (r == -ENOENT) {
        err_clear(err);
        return 0;
    }
    if (r < 0)
        return r;
    if (strcmp(cur.region, region) == 0)
        return err_set(err, -EEXIST, "already_registered",
            "You are already registered in this region; change the residence instead.");
    return registration_end(db, cur.id, pid, "moved", actor, now, err);
}

/* Only a person with the confirmation duty registers here (rule 1; minors
 * are added by a guardian). Nationality is not an input. */
static int check_duty(db_t *db, int64_t pid, date_t today, err_t *err)
{
    person_view_t p;
    purpose_t purpose;
    entry_regime_t entry;
    date_t birth;
    int r = person_get(db, pid, &p, err);
    if (r < 0)
        return r;
    if (policy_purpose_parse(p.purpose, &purpose) < 0 || policy_entry_regime_parse(p.entry_regime, &entry) < 0 ||
        date_parse(p.birth_date, strlen(p.birth_date), &birth) < 0 ||
        policy_duty(purpose, entry, birth, today) != DUTY_CONFIRM)
        return err_set(err, -EPERM, "not_subject_to_regime",
            "This registration is for adults who came to work without a visa; "
            "ask the migration centre what applies to you.");
    return 0;
}

static int run_create(db_t *db, store_op_t *op)
{
    registration_create_op_t *o = (registration_create_op_t *)op;
    int64_t pid;
    char actor[40], today[11];
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = check_duty(db, pid, o->today, &op->err)) < 0)
        return r;
    subject_of(actor, sizeof actor, "person", pid);
    if ((r = settle_lapse(db, pid, &op->err)) < 0 ||
        (r = settle_existing(db, pid, o->region, actor, o->now, &op->err)) < 0 ||
        (r = db_prepare(db, SQL_INSERT_REG, &st, &op->err)) < 0)
        return r;
    char due[11];
    date_format(o->today, today);
    date_format(calendar_add_working_days(o->cal, o->today, o->working_days, NULL), due);
    db_bind_int(st, 1, pid);
    db_bind_text(st, 2, o->region);
    db_bind_int(st, 3, o->now);
    db_bind_text(st, 4, today);
    db_bind_text(st, 5, due);
    if ((r = db_step(st, &op->err)) != 1)
        return r < 0 ? r : err_set(&op->err, -EIO, "storage_failed", "Insert returned no id.");
    int64_t reg_id = db_col_int(st, 0);
    db_run(st, NULL);
    if ((r = insert_residence(db, reg_id, &o->res, o->now, &op->err)) < 0)
        return r;
    json_t *d = json_pack("{s:I,s:s}", "registration", (json_int_t)reg_id, "region", o->region);
    if ((r = audit_by_person(db, o->now, pid, "registration.created", d, &op->err)) < 0)
        return r;
    return registration_active(db, pid, &o->ret, &op->err);
}

void registration_create_op_init(registration_create_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_create;
}

static int run_residence(db_t *db, store_op_t *op)
{
    registration_residence_op_t *o = (registration_residence_op_t *)op;
    int64_t pid;
    registration_view_t cur;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = registration_active(db, pid, &cur, &op->err)) < 0 ||
        (r = db_prepare(db, SQL_REPLACE_RES, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_int(st, 2, cur.id);
    if ((r = db_run(st, &op->err)) < 0 || (r = insert_residence(db, cur.id, &o->res, o->now, &op->err)) < 0 ||
        (r = reset_streak(db, cur.id, &op->err)) < 0)
        return r;
    json_t *d = json_pack("{s:I,s:I}", "registration", (json_int_t)cur.id, "residence", (json_int_t)o->res.id);
    r = audit_by_person(db, o->now, pid, "residence.changed", d, &op->err);
    return r < 0 ? r : registration_active(db, pid, &o->ret, &op->err);
}

void registration_residence_op_init(registration_residence_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_residence;
}

static int run_reaffirm(db_t *db, store_op_t *op)
{
    registration_reaffirm_op_t *o = (registration_reaffirm_op_t *)op;
    int64_t pid;
    registration_view_t cur;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = registration_active(db, pid, &cur, &op->err)) < 0 ||
        (r = reset_streak(db, cur.id, &op->err)) < 0 || (r = db_prepare(db, SQL_MISMATCH_READ, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_int(st, 2, pid);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    json_t *d = json_pack("{s:I,s:I,s:i}", "registration", (json_int_t)cur.id, "residence", (json_int_t)cur.res.id,
        "away_streak", cur.mismatch_streak);
    r = audit_by_person(db, o->now, pid, "residence.reaffirmed", d, &op->err);
    return r < 0 ? r : registration_active(db, pid, &o->ret, &op->err);
}

void registration_reaffirm_op_init(registration_reaffirm_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_reaffirm;
}

static int run_end(db_t *db, store_op_t *op)
{
    registration_end_op_t *o = (registration_end_op_t *)op;
    int64_t pid;
    char actor[40];
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = registration_active(db, pid, &o->ret, &op->err)) < 0)
        return r;
    subject_of(actor, sizeof actor, "person", pid);
    if ((r = registration_end(db, o->ret.id, pid, o->reason, actor, o->now, &op->err)) < 0)
        return r;
    snprintf(o->ret.status, sizeof o->ret.status, "ended");
    snprintf(o->ret.end_reason, sizeof o->ret.end_reason, "%s", o->reason);
    o->ret.ended_at = o->now;
    return 0;
}

void registration_end_op_init(registration_end_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_end;
}

/* GET /me in one statement: the session's person (a row of kind 0), its
 * active registration (kind 1) and its ended ones, newest first (kind 2),
 * each registration with its current residence as SQL_ACTIVE reads it.
 * One statement is one snapshot on both backends, so the op needs no read
 * transaction, and on PostgreSQL it is one round trip where it was six
 * (BEGIN, four SELECTs, the end). A UNION ALL of plain joins, not outer
 * joins: SQLite cannot flatten the view registrations (itself a join)
 * on the right of a LEFT JOIN and scanned all of it per request, while
 * every branch here is index look-ups on both backends. A person has a
 * handful of ended registrations at most; all come back, the first is used.
 * Columns: kind, REGISTRATION_VIEW_COLS (NULL on the person's row), the
 * person's 10 (NULL on registrations' rows). */
#define ME_NULLS10 "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
#define ME_REG_BRANCH(KIND, STATUS)                                                                                    \
    " SELECT " KIND ", " REG_COLS ", " ME_NULLS10                                                                      \
    " FROM sessions x JOIN registrations r ON r.person_id = x.person_id AND r.status = '" STATUS "'"                   \
    " JOIN residences s ON s.registration_id = r.id AND s.replaced_at IS NULL"                                         \
    " WHERE x.token_hash = ? AND x.expires_at > ?"
static const char SQL_ME[] =
    "SELECT 0, " ME_NULLS10 ", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    " p.id, p.surname, p.given_names, p.surname_cyr, p.given_names_cyr, p.birth_date, p.citizenship,"
    " p.purpose, p.entry_regime, p.language"
    " FROM sessions x JOIN persons p ON p.id = x.person_id WHERE x.token_hash = ? AND x.expires_at > ?"
    " UNION ALL" ME_REG_BRANCH("1", "active") " UNION ALL" ME_REG_BRANCH("2", "ended") " ORDER BY 1, 2 DESC";

static void me_person(db_stmt_t *st, person_view_t *p)
{
    int c = 1 + REGISTRATION_VIEW_NCOLS;
    memset(p, 0, sizeof *p);
    p->id = db_col_int(st, c);
    db_col_copy(st, c + 1, p->surname, sizeof p->surname);
    db_col_copy(st, c + 2, p->given_names, sizeof p->given_names);
    db_col_copy(st, c + 3, p->surname_cyr, sizeof p->surname_cyr);
    db_col_copy(st, c + 4, p->given_names_cyr, sizeof p->given_names_cyr);
    db_col_copy(st, c + 5, p->birth_date, sizeof p->birth_date);
    db_col_copy(st, c + 6, p->citizenship, sizeof p->citizenship);
    db_col_copy(st, c + 7, p->purpose, sizeof p->purpose);
    db_col_copy(st, c + 8, p->entry_regime, sizeof p->entry_regime);
    db_col_copy(st, c + 9, p->language, sizeof p->language);
}

static int run_me(db_t *db, store_op_t *op)
{
    registration_me_op_t *o = (registration_me_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ME, &st, &op->err);
    if (r < 0)
        return r;
    for (int i = 0; i < 3; i++) {
        db_bind_blob(st, 2 * i + 1, o->token_hash, SECRET_HASH_BYTES);
        db_bind_int(st, 2 * i + 2, o->now);
    }
    bool person = false;
    memset(&o->ret_active, 0, sizeof o->ret_active);
    memset(&o->ret_last, 0, sizeof o->ret_last);
    while ((r = db_step(st, &op->err)) == 1) {
        int64_t kind = db_col_int(st, 0);
        if (kind == 0) {
            me_person(st, &o->ret_person);
            person = true;
        } else if (kind == 1 && !o->ret_active.id) {
            row_to_view_at(st, 1, &o->ret_active);
        } else if (kind == 2 && !o->ret_last.id) {
            row_to_view_at(st, 1, &o->ret_last);
        }
    }
    if (r < 0)
        return r;
    if (!person)
        return err_set(&op->err, -EACCES, "unauthorized", "The session is unknown or has expired; log in again.");
    return 0;
}

void registration_me_op_init(registration_me_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_me;
}

/* Minors have no due date, so no mark covers them: the view reads their
 * rows as stored. */
static const char SQL_MATURING[] = "SELECT r.id, r.person_id, r.guardian_registration_id FROM persons p"
                                   " JOIN registrations r ON r.person_id = p.id AND r.status = 'active'"
                                   " WHERE p.adult_on = ? AND r.region = ? AND r.guardian_registration_id IS NOT NULL";
static const char SQL_MATURE[] =
    "UPDATE registration_rows SET guardian_registration_id = NULL, last_confirmed_on = ?, due_date = ?"
    " WHERE id = ?";
static const char SQL_GUARDIAN_PERSON[] = "SELECT person_id FROM registrations WHERE id = ?";

static int notify_matured(
    db_t *db, int64_t pid, int64_t guardian_reg, int64_t reg_id, const char *due, int64_t now, err_t *err)
{
    char key[64];
    json_t *p = json_pack("{s:s}", "due_date", due);
    snprintf(key, sizeof key, "reg:%lld:minor_adult", (long long)reg_id);
    int r = p ? notice_queue(db, pid, "minor_adult", key, p, now, NULL, err)
              : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
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

int registration_mature(
    db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now, int64_t *ret_matured, err_t *err)
{
    db_stmt_t *st, *up;
    char d[11], due[11];
    int64_t n = 0;
    date_format(day, d);
    date_format(calendar_add_working_days(cal, day, rg->confirm_working_days, NULL), due);
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
        db_bind_text(up, 2, due);
        db_bind_int(up, 3, reg_id);
        if ((r = db_run(up, err)) < 0 || (r = notify_matured(db, pid, greg, reg_id, due, now, err)) < 0)
            break;
        n++;
    }
    if (r == 0)
        r = db_commit(db, err);
out:
    if (r < 0) {
        db_rollback(db);
        return r;
    }
    *ret_matured += n;
    return 0;
}
