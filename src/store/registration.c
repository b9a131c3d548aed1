#include "store/registration.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rules/policy.h"
#include "store/audit.h"
#include "store/session.h"

#define REG_COLS \
    "r.id, r.region, r.status, r.started_at, r.last_confirmed_on, r.mismatch_streak, r.ended_at," \
    " r.end_reason, s.id, s.settlement, s.street, s.house, s.building, s.apartment, s.address_id," \
    " s.ref_lat, s.ref_lon, s.host_confirmed_at, r.guardian_registration_id IS NOT NULL"

/* Readers go through registrations_now: a lapse the sweep marked shows
 * there before the row itself is rewritten (schema v4). */
static const char SQL_ACTIVE[] =
    "SELECT " REG_COLS " FROM registrations_now r JOIN residences s ON s.registration_id = r.id"
    " AND s.replaced_at IS NULL WHERE r.person_id = ? AND r.status = 'active'";
static const char SQL_LAST_ENDED[] =
    "SELECT " REG_COLS " FROM registrations_now r JOIN residences s ON s.registration_id = r.id"
    " AND s.replaced_at IS NULL WHERE r.person_id = ? AND r.status = 'ended' ORDER BY r.id DESC LIMIT 1";
static const char SQL_INSERT_REG[] =
    "INSERT INTO registrations (person_id, region, status, started_at, last_confirmed_on, due_date)"
    " VALUES (?, ?, 'active', ?, ?, ?) RETURNING id";
static const char SQL_INSERT_RES[] =
    "INSERT INTO residences (registration_id, settlement, street, house, building, apartment,"
    " address_id, ref_lat, ref_lon, declared_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_REPLACE_RES[] =
    "UPDATE residences SET replaced_at = ? WHERE registration_id = ? AND replaced_at IS NULL";
static const char SQL_END[] =
    "UPDATE registrations SET status = 'ended', ended_at = ?, end_reason = ? WHERE id = ? AND status = 'active'";
/* Rewrites the person's row a lapse mark covers to what registrations_now
 * shows, before anything that needs the row itself to be current. */
static const char SQL_SETTLE_LAPSE[] =
    "UPDATE registrations SET status = 'ended', end_reason = 'lapsed', ended_at = (SELECT m.lapsed_at"
    " FROM lapse_marks m WHERE m.region = registrations.region AND m.due_date = registrations.due_date)"
    " WHERE person_id = ? AND status = 'active' AND EXISTS (SELECT 1 FROM lapse_marks m"
    " WHERE m.region = registrations.region AND m.due_date = registrations.due_date)";
static const char SQL_RESET_STREAK[] = "UPDATE registrations SET mismatch_streak = 0 WHERE id = ?";

static void row_to_view(db_stmt_t *st, registration_view_t *v)
{
    memset(v, 0, sizeof *v);
    v->id = db_col_int(st, 0);
    db_col_copy(st, 1, v->region, sizeof v->region);
    db_col_copy(st, 2, v->status, sizeof v->status);
    v->started_at = db_col_int(st, 3);
    const char *d = db_col_text(st, 4);
    if (!d || date_parse(d, strlen(d), &v->last_confirmed_on) < 0)
        v->last_confirmed_on = 0;
    v->mismatch_streak = (int)db_col_int(st, 5);
    v->ended_at = db_col_null(st, 6) ? 0 : db_col_int(st, 6);
    db_col_copy(st, 7, v->end_reason, sizeof v->end_reason);
    residence_t *r = &v->res;
    r->id = db_col_int(st, 8);
    db_col_copy(st, 9, r->settlement, sizeof r->settlement);
    db_col_copy(st, 10, r->street, sizeof r->street);
    db_col_copy(st, 11, r->house, sizeof r->house);
    db_col_copy(st, 12, r->building, sizeof r->building);
    db_col_copy(st, 13, r->apartment, sizeof r->apartment);
    db_col_copy(st, 14, r->address_id, sizeof r->address_id);
    r->ref_lat = db_col_double(st, 15);
    r->ref_lon = db_col_double(st, 16);
    r->host_confirmed = !db_col_null(st, 17);
    v->minor = db_col_int(st, 18) != 0;
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

static void subject_of(char *buf, size_t cap, const char *kind, int64_t id)
{
    snprintf(buf, cap, "%s:%lld", kind, (long long)id);
}

static const char SQL_WARDS[] =
    "SELECT id, person_id FROM registrations WHERE guardian_registration_id = ? AND status = 'active'";

/* Rule 9: a minor's registration ends when the guardian's ends. */
static int end_wards(db_t *db, int64_t guardian_reg, int64_t now, err_t *err)
{
    int64_t ids[64], pids[64];
    int n = 0, r;
    db_stmt_t *st;
    if ((r = db_prepare(db, SQL_WARDS, &st, err)) < 0)
        return r;
    db_bind_int(st, 1, guardian_reg);
    while (n < 64 && (r = db_step(st, err)) == 1) {
        ids[n] = db_col_int(st, 0);
        pids[n++] = db_col_int(st, 1);
    }
    if (r < 0 || (r = db_run(st, err)) < 0)
        return r;
    for (int i = 0; i < n && r == 0; i++)
        r = registration_end(db, ids[i], pids[i], "guardian_ended", "system", now, err);
    return r;
}

int registration_end(db_t *db, int64_t reg_id, int64_t person_id, const char *reason, const char *actor,
                     int64_t now, err_t *err)
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

int registration_settle_lapse(db_t *db, int64_t person_id, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SETTLE_LAPSE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, person_id);
    return db_run(st, err);
}

/* Ends an active registration in another region (`moved`), or refuses a
 * second one in the same region. */
static int settle_existing(db_t *db, int64_t pid, const char *region, const char *actor, int64_t now,
                           err_t *err)
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
    if ((r = registration_settle_lapse(db, pid, &op->err)) < 0 ||
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
    r = audit_append(db, o->now, actor, "registration.created", actor, d, &op->err);
    json_decref(d);
    if (r < 0)
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
    char actor[40];
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = registration_active(db, pid, &cur, &op->err)) < 0 ||
        (r = db_prepare(db, SQL_REPLACE_RES, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_int(st, 2, cur.id);
    if ((r = db_run(st, &op->err)) < 0 || (r = insert_residence(db, cur.id, &o->res, o->now, &op->err)) < 0 ||
        (r = db_prepare(db, SQL_RESET_STREAK, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, cur.id);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    subject_of(actor, sizeof actor, "person", pid);
    json_t *d = json_pack("{s:I,s:I}", "registration", (json_int_t)cur.id, "residence", (json_int_t)o->res.id);
    r = audit_append(db, o->now, actor, "residence.changed", actor, d, &op->err);
    json_decref(d);
    return r < 0 ? r : registration_active(db, pid, &o->ret, &op->err);
}

void registration_residence_op_init(registration_residence_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_residence;
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

static int run_me(db_t *db, store_op_t *op)
{
    registration_me_op_t *o = (registration_me_op_t *)op;
    int64_t pid;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = person_get(db, pid, &o->ret_person, &op->err)) < 0)
        return r;
    r = read_one(db, SQL_ACTIVE, pid, &o->ret_active, &op->err);
    if (r == -ENOENT)
        o->ret_active.id = 0;
    else if (r < 0)
        return r;
    r = read_one(db, SQL_LAST_ENDED, pid, &o->ret_last, &op->err);
    if (r == -ENOENT)
        o->ret_last.id = 0;
    else if (r < 0)
        return r;
    err_clear(&op->err);
    return 0;
}

void registration_me_op_init(registration_me_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.run = run_me;
}
