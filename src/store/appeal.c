#include "store/appeal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rules/date.h"
#include "rules/deadline.h"
#include "store/audit.h"
#include "store/notice.h"
#include "store/officer.h"
#include "store/registration.h"
#include "store/session.h"

/* lapsed_at: the lapse the appeal is about (schema v3). Appeals filed
 * before v3 and granted since have none recorded; the registration's own
 * ended_at stands in while it is still the lapsed one. */
#define ROW_COLS                                                                                                       \
    "a.id, a.registration_id, g.region, g.last_confirmed_on,"                                                          \
    " COALESCE(a.lapsed_at, CASE WHEN g.status = 'ended' AND g.end_reason = 'lapsed' THEN g.ended_at END),"            \
    " a.status, a.reason, a.filed_at, a.decided_at, a.decision_reason, a.person_id"                                    \
    " FROM appeals a JOIN registrations g ON g.id = a.registration_id"

static const char SQL_NEWEST_REG[] =
    "SELECT id, status, end_reason, ended_at FROM registrations WHERE person_id = ? ORDER BY id DESC LIMIT 1";
static const char SQL_INSERT[] =
    "INSERT INTO appeals (registration_id, person_id, reason, filed_at, lapsed_at) VALUES (?, ?, ?, ?, ?)"
    " RETURNING id";
static const char SQL_GET[] = "SELECT " ROW_COLS " WHERE a.id = ?";
#define APPEAL_STR_(x) #x
#define APPEAL_STR(x) APPEAL_STR_(x)
static const char SQL_MINE[] = SESSION_LIST_SQL("t.*",
    "SELECT " ROW_COLS " WHERE a.person_id = " SESSION_ME_PERSON
    " ORDER BY a.id DESC LIMIT " APPEAL_STR(APPEAL_MINE_MAX),
    "t.id DESC");
/* The desk's queue, the registrar's session and role checked in the same
 * statement (OFFICER_READ_SQL). The literal 'pending' lets SQLite and
 * PostgreSQL use the partial index. */
static const char SQL_QUEUE_PENDING[] = OFFICER_READ_SQL("t.*",
    "SELECT " ROW_COLS " WHERE a.status = 'pending' AND " OFFICER_ME_ALLOWED
    " ORDER BY a.filed_at, a.id LIMIT " APPEAL_STR(APPEAL_QUEUE_MAX),
    "t.filed_at, t.id");
static const char SQL_QUEUE_DECIDED[] = OFFICER_READ_SQL("t.*",
    "SELECT " ROW_COLS " WHERE a.status = ? AND " OFFICER_ME_ALLOWED
    " ORDER BY a.decided_at DESC, a.id DESC LIMIT " APPEAL_STR(APPEAL_QUEUE_MAX),
    "t.decided_at DESC, t.id DESC");
#define ROW_NCOLS 11 /* the columns of ROW_COLS */
static const char SQL_NEWER_REG[] = "SELECT id FROM registrations WHERE person_id = ? AND id > ? LIMIT 1";
static const char SQL_DECIDE[] = "UPDATE appeals SET status = ?, decided_at = ?, officer_id = ?, decision_reason = ?"
                                 " WHERE id = ? AND status = 'pending'";

/* json_pack's NULL (out of memory) as an error: never an audit event or a
 * notice written with an empty {} instead (tests/unit/test_faults.c). */
static int packed(const json_t *j, err_t *err)
{
    return j ? 0 : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
}

/* Fills *a from a row of ROW_COLS; returns the appeal's person id. */
static int64_t row_to_appeal(db_stmt_t *st, appeal_row_t *a)
{
    memset(a, 0, sizeof *a);
    a->id = db_col_int(st, 0);
    a->registration_id = db_col_int(st, 1);
    db_col_copy(st, 2, a->region, sizeof a->region);
    const char *d = db_col_text(st, 3);
    if (!d || date_parse(d, strlen(d), &a->last_confirmed_on) < 0)
        a->last_confirmed_on = 0;
    a->lapsed_at = db_col_int_or_zero(st, 4);
    db_col_copy(st, 5, a->status, sizeof a->status);
    db_col_copy(st, 6, a->reason, sizeof a->reason);
    a->filed_at = db_col_int(st, 7);
    a->decided_at = db_col_int_or_zero(st, 8);
    db_col_copy(st, 9, a->decision_reason, sizeof a->decision_reason);
    return db_col_int(st, 10);
}

/* Reads one appeal by id; -ENOENT (not_found). */
static int get_appeal(db_t *db, int64_t id, appeal_row_t *ret, int64_t *ret_pid, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_GET, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, id);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -ENOENT, "not_found", "No such appeal.");
    *ret_pid = row_to_appeal(st, ret);
    return db_run(st, err);
}

static void subject_of(char *buf, size_t cap, const char *kind, int64_t id)
{
    snprintf(buf, cap, "%s:%lld", kind, (long long)id);
}

/* The registration that may be appealed: the person's newest, ended with
 * `lapsed`, its appeal window still open; and when it lapsed. */
static int appealable(db_t *db, appeal_file_op_t *o, int64_t pid, int64_t *ret_reg, int64_t *ret_lapsed_at)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_NEWEST_REG, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    bool lapsed = r == 1 && db_col_text(st, 1) && strcmp(db_col_text(st, 1), "ended") == 0 && db_col_text(st, 2) &&
                  strcmp(db_col_text(st, 2), "lapsed") == 0;
    int64_t reg = lapsed ? db_col_int(st, 0) : 0, ended_at = lapsed ? db_col_int_or_zero(st, 3) : 0;
    if (r == 1)
        db_run(st, NULL);
    if (!lapsed)
        return err_set(&o->op.err, -EEXIST, "no_lapsed_registration",
            "Only a registration that lapsed can be appealed, and yours did not.");
    if (o->now >= deadline_appeal_closes(ended_at))
        return err_set(&o->op.err, -EEXIST, "appeal_window_closed",
            "An appeal is possible within %d days of the lapse; that time has passed.", APPEAL_WINDOW_DAYS);
    *ret_reg = reg;
    *ret_lapsed_at = ended_at;
    return 0;
}

/* One appeal per lapse (unique index appeals_one_per_lapse). */
static int insert_appeal(db_t *db, appeal_file_op_t *o, int64_t pid, int64_t reg, int64_t lapsed_at, int64_t *ret_id)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_INSERT, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, reg);
    db_bind_int(st, 2, pid);
    db_bind_text(st, 3, o->reason);
    db_bind_int(st, 4, o->now);
    db_bind_int(st, 5, lapsed_at);
    if ((r = db_step(st, &o->op.err)) == -EEXIST)
        return err_set(&o->op.err, -EEXIST, "appeal_exists", "You have already appealed this lapse.");
    if (r != 1)
        return r < 0 ? r : err_set(&o->op.err, -EIO, "storage_failed", "Insert returned no id.");
    *ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

static int run_file(db_t *db, store_op_t *op)
{
    appeal_file_op_t *o = (appeal_file_op_t *)op;
    int64_t pid, reg = 0, lapsed_at = 0, id = 0;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = appealable(db, o, pid, &reg, &lapsed_at)) < 0 ||
        (r = insert_appeal(db, o, pid, reg, lapsed_at, &id)) < 0)
        return r;
    char actor[40];
    subject_of(actor, sizeof actor, "person", pid);
    /* The person's reason may speak of health: it stays in the appeal row,
     * out of the audit log that is kept for the whole legal period. */
    json_t *d = json_pack("{s:I,s:I}", "appeal", (json_int_t)id, "registration", (json_int_t)reg);
    r = packed(d, &op->err);
    if (r == 0)
        r = audit_append(db, o->now, actor, "appeal.filed", actor, d, &op->err);
    json_decref(d);
    return r < 0 ? r : get_appeal(db, id, &o->ret, &pid, &op->err);
}

void appeal_file_op_init(appeal_file_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_file;
}

static int run_mine(db_t *db, store_op_t *op)
{
    appeal_mine_op_t *o = (appeal_mine_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_MINE, &st, &op->err), n = 0;
    if (r < 0)
        return r;
    session_list_bind(st, o->token_hash, o->now);
    for (r = session_list_first(st, &op->err); r == 1 && n < APPEAL_MINE_MAX; r = db_step(st, &op->err))
        row_to_appeal(st, &o->ret[n++]);
    if (r < 0 || (r = db_run(st, &op->err)) < 0)
        return r;
    o->ret_n = n;
    return 0;
}

void appeal_mine_op_init(appeal_mine_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_mine;
}

static int run_queue(db_t *db, store_op_t *op)
{
    appeal_queue_op_t *o = (appeal_queue_op_t *)op;
    db_stmt_t *st;
    bool pending = strcmp(o->status, "pending") == 0;
    int n = 0, r = db_prepare(db, pending ? SQL_QUEUE_PENDING : SQL_QUEUE_DECIDED, &st, &op->err);
    if (r < 0)
        return r;
    officer_read_bind(st, o->token_hash, o->now, o->roles);
    if (!pending)
        db_bind_text(st, 5, o->status);
    for (r = officer_read_first(st, ROW_NCOLS, o->roles, &o->ret_me, &op->err); r == 1 && n < APPEAL_QUEUE_MAX;
         r = db_step(st, &op->err))
        row_to_appeal(st, &o->ret[n++]);
    if (r < 0 || (r = db_run(st, &op->err)) < 0)
        return r;
    o->ret_n = n;
    return 0;
}

void appeal_queue_op_init(appeal_queue_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_queue;
}

/* -EEXIST (registered_again) when the person has a registration newer than
 * the appealed one: restoring the old one would undo their own choice. */
static int check_not_registered_again(db_t *db, int64_t pid, int64_t reg, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_NEWER_REG, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_int(st, 2, reg);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return 0;
    db_run(st, NULL);
    return err_set(err, -EEXIST, "registered_again",
        "The person has registered again since the lapse; the appeal cannot restore the old registration.");
}

static int grant(db_t *db, appeal_decide_op_t *o, const officer_ref_t *me, int64_t pid, const appeal_row_t *a)
{
    const region_t *rg = region_resolve(o->regions, a->region);
    date_t today = date_local(o->now, rg->utc_offset_minutes);
    deadline_t dl;
    char actor[40], subject[40], due[11], key[48];
    deadline_compute(o->cal, today, today, rg->confirm_working_days, rg->utc_offset_minutes, &dl);
    subject_of(actor, sizeof actor, "officer", me->id);
    int r = check_not_registered_again(db, pid, a->registration_id, &o->op.err);
    if (r < 0 || (r = registration_restore(db, a->registration_id, today, dl.due_date, &o->op.err)) < 0 ||
        (r = registration_restore_wards(db, a->registration_id, a->lapsed_at, actor, o->now, &o->op.err)) < 0)
        return r;
    subject_of(subject, sizeof subject, "person", pid);
    date_format(dl.due_date, due);
    json_t *d = json_pack(
        "{s:I,s:I,s:s}", "registration", (json_int_t)a->registration_id, "appeal", (json_int_t)a->id, "due_date", due);
    r = packed(d, &o->op.err);
    if (r == 0)
        r = audit_append(db, o->now, actor, "registration.restored", subject, d, &o->op.err);
    json_decref(d);
    if (r < 0)
        return r;
    o->ret_due_date = dl.due_date;
    snprintf(key, sizeof key, "appeal:%lld", (long long)a->id);
    json_t *p = json_pack("{s:s}", "due_date", due);
    r = packed(p, &o->op.err);
    if (r == 0)
        r = notice_queue(db, pid, "appeal_granted", key, p, o->now, NULL, &o->op.err);
    json_decref(p);
    return r;
}

static int refuse(db_t *db, appeal_decide_op_t *o, int64_t pid, const appeal_row_t *a)
{
    char key[48];
    snprintf(key, sizeof key, "appeal:%lld", (long long)a->id);
    json_t *p = json_pack("{s:s}", "reason", o->reason);
    int r = packed(p, &o->op.err);
    if (r == 0)
        r = notice_queue(db, pid, "appeal_refused", key, p, o->now, NULL, &o->op.err);
    json_decref(p);
    return r;
}

/* Writes the decision on the appeal row and in the audit log. */
static int record_decision(db_t *db, appeal_decide_op_t *o, const officer_ref_t *me, int64_t pid)
{
    const char *status = o->grant ? "granted" : "refused";
    db_stmt_t *st;
    int r = db_prepare(db, SQL_DECIDE, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, status);
    db_bind_int(st, 2, o->now);
    db_bind_int(st, 3, me->id);
    db_bind_text(st, 4, o->reason);
    db_bind_int(st, 5, o->appeal_id);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(&o->op.err, -EEXIST, "appeal_decided", "This appeal has already been decided.");
    char actor[40], subject[40], action[24];
    subject_of(actor, sizeof actor, "officer", me->id);
    subject_of(subject, sizeof subject, "person", pid);
    snprintf(action, sizeof action, "appeal.%s", status);
    json_t *d = json_pack("{s:I,s:s}", "appeal", (json_int_t)o->appeal_id, "reason", o->reason);
    r = packed(d, &o->op.err);
    if (r == 0)
        r = audit_append(db, o->now, actor, action, subject, d, &o->op.err);
    json_decref(d);
    return r;
}

static int run_decide(db_t *db, store_op_t *op)
{
    appeal_decide_op_t *o = (appeal_decide_op_t *)op;
    officer_ref_t me = {0};
    appeal_row_t a = {0};
    int64_t pid = 0;
    int r = officer_session_touch(db, o->token_hash, o->now, o->roles, &me, &op->err);
    if (r < 0 || (r = get_appeal(db, o->appeal_id, &a, &pid, &op->err)) < 0)
        return r;
    if (strcmp(a.status, "pending") != 0)
        return err_set(&op->err, -EEXIST, "appeal_decided", "This appeal has already been decided.");
    r = o->grant ? grant(db, o, &me, pid, &a) : refuse(db, o, pid, &a);
    if (r < 0 || (r = record_decision(db, o, &me, pid)) < 0)
        return r;
    return get_appeal(db, o->appeal_id, &o->ret, &pid, &op->err);
}

void appeal_decide_op_init(appeal_decide_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_decide;
}
