#include "store/outbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/session.h"

static const char SQL_SUBSCRIBE[] =
    "INSERT INTO push_subscriptions (person_id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh,"
    " auth = excluded.auth, created_at = excluded.created_at"
    " WHERE push_subscriptions.person_id = excluded.person_id";
static const char SQL_NEWEST_FIRST[] =
    "SELECT id FROM push_subscriptions WHERE person_id = ? ORDER BY created_at DESC, id DESC";
static const char SQL_DELETE_ID[] = "DELETE FROM push_subscriptions WHERE id = ?";
static const char SQL_UNSUBSCRIBE[] = "DELETE FROM push_subscriptions WHERE endpoint = ? AND person_id = ?";
static const char SQL_DUE[] = "SELECT id FROM notices WHERE push_state = 'pending' AND next_push_at <= ?"
                              " ORDER BY next_push_at, id LIMIT ?";
static const char SQL_LEASE[] =
    "UPDATE notices SET next_push_at = ? WHERE id = ? AND push_state = 'pending' AND next_push_at <= ?";
static const char SQL_ITEM[] = "SELECT n.person_id, n.kind, n.params, n.push_attempts, p.language FROM notices n"
                               " JOIN persons p ON p.id = n.person_id WHERE n.id = ?";
static const char SQL_SUBS[] = "SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE person_id = ?"
                               " ORDER BY created_at DESC, id DESC";
static const char SQL_RECORD[] =
    "UPDATE notices SET push_state = ?, push_attempts = push_attempts + ?, next_push_at = ?"
    " WHERE id = ? AND push_state = 'pending'";
static const char SQL_GONE[] = "DELETE FROM push_subscriptions WHERE id = ? AND p256dh = ?";
static const char SQL_FORGET_ALL[] = "DELETE FROM push_subscriptions";

/* Copies a blob column of exactly `len` bytes; false for any other size. */
static bool copy_blob(db_stmt_t *st, int i, uint8_t *dst, size_t len)
{
    size_t n = 0;
    const void *p = db_col_blob(st, i, &n);
    if (!p || n != len)
        return false;
    memcpy(dst, p, len);
    return true;
}

/* --- subscriptions -------------------------------------------------------- */

/* Deletes the person's subscriptions beyond the OUTBOX_SUBS_MAX newest. */
static int trim_subscriptions(db_t *db, int64_t person_id, err_t *err)
{
    int64_t old[64];
    int n = 0, seen = 0, r;
    db_stmt_t *st;
    if ((r = db_prepare(db, SQL_NEWEST_FIRST, &st, err)) < 0)
        return r;
    db_bind_int(st, 1, person_id);
    while ((r = db_step(st, err)) == 1)
        if (seen++ >= OUTBOX_SUBS_MAX && n < (int)(sizeof old / sizeof old[0]))
            old[n++] = db_col_int(st, 0);
    if (r < 0)
        return r;
    for (int i = 0; i < n && r == 0; i++) {
        if ((r = db_prepare(db, SQL_DELETE_ID, &st, err)) == 0) {
            db_bind_int(st, 1, old[i]);
            r = db_run(st, err);
        }
    }
    return r;
}

static int run_subscribe(db_t *db, store_op_t *op)
{
    outbox_subscribe_op_t *o = (outbox_subscribe_op_t *)op;
    int64_t pid;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = db_prepare(db, SQL_SUBSCRIBE, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_text(st, 2, o->endpoint);
    db_bind_blob(st, 3, o->p256dh, sizeof o->p256dh);
    db_bind_blob(st, 4, o->auth, sizeof o->auth);
    db_bind_int(st, 5, o->now);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    if (db_changes(db) == 0) /* another person's browser: its owner stays (issue 12) */
        return err_set(&op->err, -EEXIST, "endpoint_taken",
            "This browser's push subscription belongs to another account; subscribe it anew.");
    return trim_subscriptions(db, pid, &op->err);
}

void outbox_subscribe_op_init(outbox_subscribe_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_subscribe;
}

static int run_unsubscribe(db_t *db, store_op_t *op)
{
    outbox_unsubscribe_op_t *o = (outbox_unsubscribe_op_t *)op;
    int64_t pid;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = db_prepare(db, SQL_UNSUBSCRIBE, &st, &op->err)) < 0)
        return r;
    db_bind_text(st, 1, o->endpoint);
    db_bind_int(st, 2, pid);
    return db_run(st, &op->err);
}

void outbox_unsubscribe_op_init(outbox_unsubscribe_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_unsubscribe;
}

int outbox_forget_all(db_t *db, int64_t *ret_n, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_FORGET_ALL, &st, err);
    if (r == 0 && (r = db_run(st, err)) == 0 && ret_n)
        *ret_n = db_changes(db);
    return r;
}

/* --- claim ------------------------------------------------------------------ */

static int due_ids(db_t *db, int64_t now, int limit, int64_t *ids, int *ret_n, err_t *err)
{
    db_stmt_t *st;
    int n = 0, r = db_prepare(db, SQL_DUE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, limit);
    while (n < limit && (r = db_step(st, err)) == 1)
        ids[n++] = db_col_int(st, 0);
    if (r < 0 || (r = db_run(st, err)) < 0)
        return r;
    *ret_n = n;
    return 0;
}

/* Leases one notice; *ret_won is false when another worker got it first. */
static int lease(db_t *db, int64_t id, int64_t now, bool *ret_won, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LEASE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, now + OUTBOX_LEASE_S);
    db_bind_int(st, 2, id);
    db_bind_int(st, 3, now);
    if ((r = db_run(st, err)) < 0)
        return r;
    *ret_won = db_changes(db) == 1;
    return 0;
}

static int load_subs(db_t *db, outbox_item_t *it, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SUBS, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, it->person_id);
    while ((r = db_step(st, err)) == 1) {
        if (it->nsubs == OUTBOX_SUBS_MAX)
            continue; /* trimmed on the next subscribe; the newest are here */
        outbox_sub_t *s = &it->subs[it->nsubs];
        s->id = db_col_int(st, 0);
        db_col_copy(st, 1, s->endpoint, sizeof s->endpoint);
        if (copy_blob(st, 2, s->p256dh, sizeof s->p256dh) && copy_blob(st, 3, s->auth, sizeof s->auth))
            it->nsubs++;
    }
    return r;
}

static int load_item(db_t *db, int64_t id, outbox_item_t *it, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ITEM, &st, err);
    if (r < 0)
        return r;
    memset(it, 0, sizeof *it);
    db_bind_int(st, 1, id);
    if ((r = db_step(st, err)) != 1)
        return r < 0 ? r : err_set(err, -ENOENT, "not_found", "The notice went away while claimed.");
    it->notice_id = id;
    it->person_id = db_col_int(st, 0);
    db_col_copy(st, 1, it->kind, sizeof it->kind);
    db_col_copy(st, 2, it->params, sizeof it->params);
    it->attempts = (int)db_col_int(st, 3);
    db_col_copy(st, 4, it->language, sizeof it->language);
    if ((r = db_run(st, err)) < 0)
        return r;
    return load_subs(db, it, err);
}

static int run_claim(db_t *db, store_op_t *op)
{
    outbox_claim_op_t *o = (outbox_claim_op_t *)op;
    int64_t ids[OUTBOX_BATCH];
    int n, r;
    int limit = o->limit > 0 && o->limit < OUTBOX_BATCH ? o->limit : OUTBOX_BATCH;
    o->ret_n = 0;
    if ((r = due_ids(db, o->now, limit, ids, &n, &op->err)) < 0)
        return r;
    for (int i = 0; i < n; i++) {
        bool won;
        if ((r = lease(db, ids[i], o->now, &won, &op->err)) < 0)
            return r;
        if (won && (r = load_item(db, ids[i], &o->ret[o->ret_n], &op->err)) < 0)
            return r;
        o->ret_n += won;
    }
    return 0;
}

void outbox_claim_op_init(outbox_claim_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_claim;
}

/* --- record ----------------------------------------------------------------- */

static const char *state_name(outbox_outcome_t k)
{
    switch (k) {
        case OUTBOX_SENT: return "sent";
        case OUTBOX_FAILED: return "failed";
        case OUTBOX_NONE: return "none";
        default: return "pending";
    }
}

static int delete_gone(db_t *db, const outbox_result_t *res, int64_t *deleted, err_t *err)
{
    for (int i = 0; i < res->ngone; i++) {
        db_stmt_t *st;
        int r = db_prepare(db, SQL_GONE, &st, err);
        if (r < 0)
            return r;
        db_bind_int(st, 1, res->gone[i].id);
        db_bind_blob(st, 2, res->gone[i].p256dh, sizeof res->gone[i].p256dh);
        if ((r = db_run(st, err)) < 0)
            return r;
        *deleted += db_changes(db);
    }
    return 0;
}

static int record_one(db_t *db, const outbox_result_t *res, int64_t now, int64_t *deleted, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RECORD, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, state_name(res->outcome));
    db_bind_int(st, 2, res->outcome == OUTBOX_NONE || res->outcome == OUTBOX_RELEASE ? 0 : 1);
    db_bind_int(st, 3, res->outcome == OUTBOX_RETRY ? res->next_push_at : now);
    db_bind_int(st, 4, res->notice_id);
    if ((r = db_run(st, err)) < 0)
        return r;
    return delete_gone(db, res, deleted, err);
}

static int run_record(db_t *db, store_op_t *op)
{
    outbox_record_op_t *o = (outbox_record_op_t *)op;
    o->ret_deleted = 0;
    for (int i = 0; i < o->n && i < OUTBOX_BATCH; i++) {
        int r = record_one(db, &o->results[i], o->now, &o->ret_deleted, &op->err);
        if (r < 0)
            return r;
    }
    return 0;
}

void outbox_record_op_init(outbox_record_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_record;
}
