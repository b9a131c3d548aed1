#include "store/host.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"
#include "store/notice.h"
#include "store/registration.h"
#include "store/session.h"

static const char SQL_CODE_ADD[] =
    "INSERT INTO host_codes (code_hash, residence_id, person_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)";
/* A code is good only while its residence is the current one of an active
 * registration: a residence change or an ended registration voids it. */
static const char SQL_CODE_FIND[] =
    "SELECT c.residence_id, c.person_id, s.settlement, s.street, s.house FROM host_codes c"
    " JOIN residences s ON s.id = c.residence_id JOIN registrations g ON g.id = s.registration_id"
    " WHERE c.code_hash = ? AND c.used_at IS NULL AND c.expires_at > ? AND s.replaced_at IS NULL"
    " AND g.status = 'active'";
static const char SQL_CODE_USE[] = "UPDATE host_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL";
/* Rule 12: a new code replaces the person's unused ones for the residence. */
static const char SQL_CODE_VOID[] =
    "UPDATE host_codes SET expires_at = ? WHERE residence_id = ? AND used_at IS NULL AND expires_at > ?";
static const char SQL_CONFIRM[] = "UPDATE residences SET host_confirmed_at = ?, host_name = ? WHERE id = ?";

static void subject_of(char *buf, size_t cap, const char *kind, int64_t id)
{
    snprintf(buf, cap, "%s:%lld", kind, (long long)id);
}

static int void_codes(db_t *db, host_code_op_t *o, int64_t residence_id)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_CODE_VOID, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_int(st, 2, residence_id);
    db_bind_int(st, 3, o->now);
    return db_run(st, &o->op.err);
}

static int insert_code(db_t *db, host_code_op_t *o, int64_t pid, int64_t residence_id)
{
    uint8_t hash[SECRET_HASH_BYTES];
    db_stmt_t *st;
    int r = void_codes(db, o, residence_id);
    if (r < 0 || (r = db_prepare(db, SQL_CODE_ADD, &st, &o->op.err)) < 0)
        return r;
    secret_code_new(o->ret_code);
    secret_code_hash(o->ret_code, strlen(o->ret_code), hash);
    o->ret_expires_at = o->now + HOST_CODE_TTL_S;
    db_bind_blob(st, 1, hash, sizeof hash);
    db_bind_int(st, 2, residence_id);
    db_bind_int(st, 3, pid);
    db_bind_int(st, 4, o->now);
    db_bind_int(st, 5, o->ret_expires_at);
    return db_run(st, &o->op.err);
}

static int run_code(db_t *db, store_op_t *op)
{
    host_code_op_t *o = (host_code_op_t *)op;
    int64_t pid;
    registration_view_t reg;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = registration_active(db, pid, &reg, &op->err)) < 0 ||
        (r = insert_code(db, o, pid, reg.res.id)) < 0) {
        sodium_memzero(o->ret_code, sizeof o->ret_code);
        return r;
    }
    char actor[40];
    subject_of(actor, sizeof actor, "person", pid);
    json_t *d = json_pack("{s:I}", "residence", (json_int_t)reg.res.id);
    r = audit_append(db, o->now, actor, "host_code.created", actor, d, &op->err);
    json_decref(d);
    if (r < 0)
        sodium_memzero(o->ret_code, sizeof o->ret_code);
    return r;
}

void host_code_op_init(host_code_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_code;
}

/* Finds the code's residence and person and writes the address. */
static int find_code(db_t *db, host_confirm_op_t *o, int64_t *ret_res, int64_t *ret_pid)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_CODE_FIND, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, o->code_hash, sizeof o->code_hash);
    db_bind_int(st, 2, o->now);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    if (r == 0)
        return err_set(&o->op.err, -ENOENT, "host_code_invalid",
            "This code is not valid: it may be mistyped, used, expired or for an old address.");
    *ret_res = db_col_int(st, 0);
    *ret_pid = db_col_int(st, 1);
    const char *s = db_col_text(st, 2), *t = db_col_text(st, 3), *h = db_col_text(st, 4);
    snprintf(o->ret_address, sizeof o->ret_address, "%s, %s, %s", s ? s : "", t ? t : "", h ? h : "");
    db_run(st, NULL);
    return 0;
}

/* Spends the code and confirms the residence. The code's UPDATE is guarded
 * by used_at IS NULL, so two landlords racing with one code cannot both win. */
static int mark_confirmed(db_t *db, host_confirm_op_t *o, int64_t residence_id)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_CODE_USE, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_blob(st, 2, o->code_hash, sizeof o->code_hash);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(&o->op.err, -ENOENT, "host_code_invalid", "This code was already used.");
    if ((r = db_prepare(db, SQL_CONFIRM, &st, &o->op.err)) < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_text(st, 2, o->landlord_name);
    db_bind_int(st, 3, residence_id);
    return db_run(st, &o->op.err);
}

static int tell_person(db_t *db, host_confirm_op_t *o, int64_t residence_id, int64_t pid)
{
    char subject[40], dedupe[64];
    subject_of(subject, sizeof subject, "person", pid);
    /* The landlord's name stays on the residence row, out of the audit log. */
    json_t *d = json_pack("{s:I}", "residence", (json_int_t)residence_id);
    int r = audit_append(db, o->now, "host", "residence.host_confirmed", subject, d, &o->op.err);
    json_decref(d);
    if (r < 0)
        return r;
    snprintf(dedupe, sizeof dedupe, "host_confirmed:%lld:%lld", (long long)residence_id, (long long)o->now);
    json_t *p = json_pack("{s:s}", "host_name", o->landlord_name);
    r = notice_queue(db, pid, "host_confirmed", dedupe, p, o->now, NULL, &o->op.err);
    json_decref(p);
    return r;
}

static int run_confirm(db_t *db, store_op_t *op)
{
    host_confirm_op_t *o = (host_confirm_op_t *)op;
    int64_t residence_id = 0, pid = 0;
    int r = find_code(db, o, &residence_id, &pid);
    if (r < 0 || (r = mark_confirmed(db, o, residence_id)) < 0 || (r = tell_person(db, o, residence_id, pid)) < 0) {
        o->ret_address[0] = '\0';
        return r;
    }
    return 0;
}

void host_confirm_op_init(host_confirm_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_confirm;
}
