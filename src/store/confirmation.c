#include "store/confirmation.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/date.h"
#include "rules/deadline.h"
#include "rules/geo.h"
#include "store/audit.h"
#include "store/lapse.h"
#include "store/notice.h"
#include "store/registration.h"
#include "store/session.h"

static const char SQL_REPLAY[] = "SELECT answer FROM confirmations WHERE person_id = ? AND idempotency_key = ?";
static const char SQL_INSERT[] =
    "INSERT INTO confirmations (person_id, registration_id, idempotency_key, received_at, result,"
    " at_residence, answer) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_DELETE_BEFORE[] = "DELETE FROM confirmations WHERE received_at < ?";
static const char SQL_UPDATE_REG[] =
    "UPDATE registration_rows SET last_confirmed_on = ?, mismatch_streak = ?, due_date = ? WHERE id = ?";

/* Looks for an earlier answer to the same key: 1 found (copied), 0 none. */
static int find_replay(db_t *db, confirmation_op_t *o, int64_t pid)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_REPLAY, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_text(st, 2, o->idempotency_key);
    if ((r = db_step(st, &o->op.err)) == 1) {
        const char *a = db_col_text(st, 0);
        snprintf(o->ret_answer, sizeof o->ret_answer, "%s", a ? a : "{}");
        db_run(st, NULL);
    }
    return r;
}

static int save_registration(db_t *db, const registration_view_t *reg, date_t last, int streak, date_t due, err_t *err)
{
    db_stmt_t *st;
    char d[11], du[11] = "";
    int r = db_prepare(db, SQL_UPDATE_REG, &st, err);
    if (r < 0)
        return r;
    date_format(last, d);
    if (due)
        date_format(due, du);
    db_bind_text(st, 1, d);
    db_bind_int(st, 2, streak);
    db_bind_text(st, 3, due ? du : NULL); /* minors have no deadline */
    db_bind_int(st, 4, reg->id);
    return db_run_deferred(st, err); /* the id is the active registration's: it matches */
}

/* The JSON spelling of the verdict's at_residence: null when not counted. */
static const char *at_residence_json(fix_verdict_t v)
{
    return v == FIX_TOO_INACCURATE ? "null" : v == FIX_AT_RESIDENCE ? "true" : "false";
}

static const char *result_name(fix_verdict_t v)
{
    return geo_fix_counted(v) ? "counted" : "too_inaccurate";
}

static void format_answer(confirmation_op_t *o, fix_verdict_t v, const deadline_t *dl, int offset_min, bool practice)
{
    char due[11], lapse[32];
    date_format(dl->due_date, due);
    time_format_rfc3339(dl->lapse_at, offset_min, lapse);
    snprintf(o->ret_answer, sizeof o->ret_answer,
        "{\"result\":\"%s\",\"at_residence\":%s,\"due_date\":\"%s\",\"lapse_at\":\"%s\","
        "\"working_days_left\":%d,\"calendar\":\"%s\",\"practice_mode\":%s}",
        result_name(v), at_residence_json(v), due, lapse, dl->working_days_left,
        dl->provisional ? "provisional" : "official", practice ? "true" : "false");
}

static int insert_row(db_t *db, confirmation_op_t *o, int64_t pid, int64_t reg_id, fix_verdict_t v)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_INSERT, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_int(st, 2, reg_id);
    db_bind_text(st, 3, o->idempotency_key);
    db_bind_int(st, 4, o->now);
    db_bind_text(st, 5, result_name(v));
    if (!geo_fix_counted(v))
        db_bind_null(st, 6);
    else
        db_bind_int(st, 6, v == FIX_AT_RESIDENCE);
    db_bind_text(st, 7, o->ret_answer);
    /* Deferred: the key's replay was looked up under the writer's lock, so
     * a conflict here is a storage fault that fails the batch into replay. */
    return db_run_deferred(st, &o->op.err);
}

static int audit_confirmation(db_t *db, confirmation_op_t *o, int64_t pid, int64_t reg_id, fix_verdict_t v)
{
    char actor[40], d[112];
    snprintf(actor, sizeof actor, "person:%lld", (long long)pid);
    /* Canonical (sorted, compact) JSON built by hand: this runs per request. */
    snprintf(d, sizeof d, "{\"at_residence\":%s,\"registration\":%lld,\"result\":\"%s\"}", at_residence_json(v),
        (long long)reg_id, result_name(v));
    return audit_append_text(db, o->now, actor, "confirmation.received", actor, d, &o->op.err);
}

/* Rule 8: the third counted confirmation in a row away from the residence. */
static int maybe_mismatch(db_t *db, confirmation_op_t *o, const registration_view_t *reg, int streak, int64_t pid)
{
    if (streak != CONFIRMATION_MISMATCH_STREAK)
        return 0;
    char key[64];
    snprintf(key, sizeof key, "reg:%lld:res:%lld:mismatch", (long long)reg->id, (long long)reg->res.id);
    return notice_queue(db, pid, "mismatch", key, NULL, o->now, NULL, &o->op.err);
}

/* Counts the fix (or not) and writes the new state. */
static int record(
    db_t *db, confirmation_op_t *o, const registration_view_t *reg, const region_t *rg, date_t today, int64_t pid)
{
    fix_verdict_t v = geo_judge_fix(o->lat, o->lon, o->accuracy_m, reg->res.ref_lat, reg->res.ref_lon);
    date_t last = reg->last_confirmed_on;
    deadline_t dl;
    int r;
    if (geo_fix_counted(v))
        last = today > last ? today : last;
    deadline_compute(o->cal, last, today, rg->confirm_working_days, rg->utc_offset_minutes, &dl);
    if (geo_fix_counted(v)) {
        int streak = v == FIX_AT_RESIDENCE ? 0 : reg->mismatch_streak + 1;
        if ((r = save_registration(db, reg, last, streak, reg->minor ? 0 : dl.due_date, &o->op.err)) < 0 ||
            (r = maybe_mismatch(db, o, reg, streak, pid)) < 0)
            return r;
    }
    format_answer(o, v, &dl, rg->utc_offset_minutes, region_practice_mode(rg, today));
    o->ret_counted = geo_fix_counted(v);
    o->ret_at_residence = v == FIX_AT_RESIDENCE;
    if ((r = insert_row(db, o, pid, reg->id, v)) < 0)
        return r;
    return audit_confirmation(db, o, pid, reg->id, v);
}

/* The session's person, a replayed answer (1) or the active registration:
 * read ahead for the batch when that is valid, else each read here. */
static int lookup(db_t *db, confirmation_op_t *o, int64_t *pid, registration_view_t *reg)
{
    if (o->pre_txn && o->pre_txn == db_txn_serial(db)) {
        *pid = o->pre_pid;
        if (o->pre_replay)
            return 1;
        *reg = o->pre_reg;
        return 0;
    }
    int r = session_person(db, o->token_hash, o->now, pid, &o->op.err);
    if (r == 0 && (r = find_replay(db, o, *pid)) == 1)
        return 1;
    if (r < 0)
        return r;
    return registration_active(db, *pid, reg, &o->op.err);
}

static int run_confirm(db_t *db, store_op_t *op)
{
    confirmation_op_t *o = (confirmation_op_t *)op;
    int64_t pid;
    registration_view_t reg;
    bool lapsed;
    int r = lookup(db, o, &pid, &reg);
    if (r == 1) {
        o->ret_replay = true;
        return 0;
    }
    if (r < 0)
        return r;
    const region_t *rg = region_resolve(o->regions, reg.region);
    date_t today = date_local(o->now, rg->utc_offset_minutes);
    if ((r = lapse_if_overdue(db, o->cal, &reg, pid, rg, today, o->now, &lapsed, &op->err)) < 0)
        return r;
    if (lapsed) {
        o->ret_lapsed = true;
        return 0;
    }
    return record(db, o, &reg, rg, today, pid);
}

/* The batch's look-ups in one statement: per confirmation (in batch order,
 * n), its session's person, an earlier answer to its key and its active
 * registration with the current residence. Tokens go as hex (text arrays
 * bind simply), keys quoted ([A-Za-z0-9_-] only: nothing to escape). */
static const char SQL_PREFETCH_PG[] =
    "SELECT g.*, i.n, se.person_id, c.answer"
    " FROM unnest(?::text[], ?::text[], ?::bigint[]) WITH ORDINALITY AS i(tok, k, at, n)"
    " LEFT JOIN sessions se ON se.token_hash = decode(i.tok, 'hex') AND se.expires_at > i.at"
    " LEFT JOIN confirmations c ON c.person_id = se.person_id AND c.idempotency_key = i.k"
    " LEFT JOIN LATERAL (SELECT " REGISTRATION_VIEW_COLS " FROM registrations r"
    " JOIN residences s ON s.registration_id = r.id AND s.replaced_at IS NULL"
    " WHERE r.person_id = se.person_id AND r.status = 'active' LIMIT 1) g ON true"
    " ORDER BY i.n";

/* The n confirmations of a batch, in order (other ops left out). */
typedef struct prefetch_set {
    confirmation_op_t **ops;
    int n;
} prefetch_set_t;

/* The three array literals of the set's ops; false when out of memory. */
typedef struct prefetch_args {
    char *toks, *keys, *ats;
} prefetch_args_t;

static bool args_build(const prefetch_set_t *set, prefetch_args_t *a)
{
    size_t cap = (size_t)set->n * (SECRET_HASH_BYTES * 2 + LIMIT_IDEMPOTENCY_MAX + 32) + 8;
    a->toks = malloc(cap);
    a->keys = malloc(cap);
    a->ats = malloc(cap);
    if (!a->toks || !a->keys || !a->ats)
        return false;
    size_t t = 0, k = 0, w = 0;
    for (int i = 0; i < set->n; i++) {
        const confirmation_op_t *o = set->ops[i];
        char hex[SECRET_HASH_BYTES * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, o->token_hash, SECRET_HASH_BYTES);
        const char *sep = i ? "," : "{";
        t += (size_t)snprintf(a->toks + t, cap - t, "%s%s", sep, hex);
        k += (size_t)snprintf(a->keys + k, cap - k, "%s\"%s\"", sep, o->idempotency_key);
        w += (size_t)snprintf(a->ats + w, cap - w, "%s%lld", sep, (long long)o->now);
    }
    snprintf(a->toks + t, cap - t, "}");
    snprintf(a->keys + k, cap - k, "}");
    snprintf(a->ats + w, cap - w, "}");
    return true;
}

static void args_free(prefetch_args_t *a)
{
    free(a->toks);
    free(a->keys);
    free(a->ats);
}

/* Whether the person of the set's op i also confirms in an earlier op:
 * then the earlier one's writes change what op i must read. */
static bool person_seen_before(const prefetch_set_t *set, int i, int64_t pid)
{
    for (int j = 0; j < i; j++)
        if (set->ops[j]->pre_pid == pid)
            return true;
    return false;
}

/* Fills each op's read-ahead from the statement's rows. An op without a
 * session or registration gets none: run reads and answers the error. */
static void prefetch_rows(db_t *db, db_stmt_t *st, const prefetch_set_t *set)
{
    while (db_step(st, NULL) == 1) {
        int64_t i = db_col_int(st, REGISTRATION_VIEW_NCOLS) - 1;
        if (i < 0 || i >= set->n || db_col_null(st, REGISTRATION_VIEW_NCOLS + 1))
            continue;
        confirmation_op_t *o = set->ops[i];
        int64_t pid = db_col_int(st, REGISTRATION_VIEW_NCOLS + 1);
        o->pre_pid = pid;
        if (person_seen_before(set, (int)i, pid))
            continue; /* rows come in batch order, so earlier ops are filled */
        o->pre_replay = !db_col_null(st, REGISTRATION_VIEW_NCOLS + 2);
        if (o->pre_replay)
            db_col_copy(st, REGISTRATION_VIEW_NCOLS + 2, o->ret_answer, sizeof o->ret_answer);
        else if (db_col_null(st, 0))
            continue; /* no active registration */
        else
            registration_view_from_row(st, &o->pre_reg);
        o->pre_txn = db_txn_serial(db);
    }
}

/* The prefetch hook (store.h): every confirmation of the rest of the batch. Another
 * op that writes in between makes the store forget it all
 * (db_txn_forget); confirmations write only their own person's rows. */
static void prefetch(db_t *db, store_op_t *ops)
{
    prefetch_set_t set = {0};
    int cap = 0;
    for (store_op_t *op = ops; op; op = op->next)
        if (op->run == run_confirm) {
            confirmation_op_t *o = (confirmation_op_t *)op;
            o->pre_txn = 0;
            o->pre_pid = 0;
            cap++;
        }
    if (cap == 0 || db_kind(db) != DB_POSTGRES || !(set.ops = malloc((size_t)cap * sizeof *set.ops)))
        return;
    for (store_op_t *op = ops; op; op = op->next)
        if (op->run == run_confirm)
            set.ops[set.n++] = (confirmation_op_t *)op;
    prefetch_args_t a = {0};
    db_stmt_t *st;
    if (args_build(&set, &a) && db_prepare(db, SQL_PREFETCH_PG, &st, NULL) == 0) {
        db_bind_text(st, 1, a.toks);
        db_bind_text(st, 2, a.keys);
        db_bind_text(st, 3, a.ats);
        prefetch_rows(db, st, &set);
    }
    args_free(&a);
    free(set.ops);
}

void confirmation_op_init(confirmation_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_confirm;
    o->op.prefetch = prefetch;
}

int confirmation_delete_before(db_t *db, int64_t before, int64_t *ret_deleted, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_DELETE_BEFORE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, before);
    if ((r = db_run(st, err)) < 0)
        return r;
    *ret_deleted += db_changes(db);
    return 0;
}
