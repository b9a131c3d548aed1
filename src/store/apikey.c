#include "store/apikey.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"
#include "store/notice.h"
#include "store/person.h"
#include "store/registration.h"

static const char SQL_CHECK[] = "SELECT id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL";
static const char SQL_ADD[] = "INSERT INTO api_keys (name, key_hash, created_at) VALUES (?, ?, ?) RETURNING id";
static const char SQL_REVOKE[] = "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";

int apikey_check(db_t *db, const uint8_t key_hash[SECRET_HASH_BYTES], int64_t *ret_id, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_CHECK, &st, err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, key_hash, SECRET_HASH_BYTES);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -EACCES, "unauthorized", "The API key is unknown or revoked.");
    *ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

static void subject_of(char *buf, size_t cap, const char *kind, int64_t id)
{
    snprintf(buf, cap, "%s:%lld", kind, (long long)id);
}

static int run_add(db_t *db, store_op_t *op)
{
    apikey_add_op_t *o = (apikey_add_op_t *)op;
    uint8_t hash[SECRET_HASH_BYTES];
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ADD, &st, &op->err);
    if (r < 0)
        return r;
    secret_token_new(o->ret_key, hash);
    db_bind_text(st, 1, o->name);
    db_bind_blob(st, 2, hash, sizeof hash);
    db_bind_int(st, 3, o->now);
    if ((r = db_step(st, &op->err)) != 1)
        return r < 0 ? r : err_set(&op->err, -EIO, "storage_failed", "Insert returned no id.");
    o->ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    char subject[40];
    subject_of(subject, sizeof subject, "apikey", o->ret_id);
    json_t *d = json_pack("{s:s}", "name", o->name);
    r = audit_append(db, o->now, "operator", "apikey.created", subject, d, &op->err);
    json_decref(d);
    return r;
}

void apikey_add_op_init(apikey_add_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_add;
}

static int run_revoke(db_t *db, store_op_t *op)
{
    apikey_revoke_op_t *o = (apikey_revoke_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_REVOKE, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_int(st, 2, o->id);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(&op->err, -ENOENT, "not_found", "No such API key, or it is already revoked.");
    char subject[40];
    subject_of(subject, sizeof subject, "apikey", o->id);
    return audit_append(db, o->now, "operator", "apikey.revoked", subject, NULL, &op->err);
}

void apikey_revoke_op_init(apikey_revoke_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_revoke;
}

/* Ends the registration, records which region was reported and tells the
 * person. The dedupe key is the registration: it ends only once. */
static int end_elsewhere(db_t *db, apikey_report_op_t *o, int64_t key_id, int64_t pid, int64_t reg)
{
    char actor[40], subject[40], dedupe[48];
    subject_of(actor, sizeof actor, "apikey", key_id);
    subject_of(subject, sizeof subject, "person", pid);
    int r = registration_end(db, reg, pid, "registered_elsewhere", actor, o->now, &o->op.err);
    if (r < 0)
        return r;
    json_t *d = json_pack("{s:I,s:s}", "registration", (json_int_t)reg, "region", o->region);
    r = audit_append(db, o->now, actor, "registration.reported_elsewhere", subject, d, &o->op.err);
    json_decref(d);
    if (r < 0)
        return r;
    snprintf(dedupe, sizeof dedupe, "registered_elsewhere:%lld", (long long)reg);
    json_t *p = json_pack("{s:s}", "region", o->region);
    r = notice_queue(db, pid, "registered_elsewhere", dedupe, p, o->now, NULL, &o->op.err);
    json_decref(p);
    return r;
}

static int run_report(db_t *db, store_op_t *op)
{
    apikey_report_op_t *o = (apikey_report_op_t *)op;
    int64_t key_id = 0, pid = 0;
    registration_view_t reg;
    int r = apikey_check(db, o->key_hash, &key_id, &op->err);
    if (r < 0 || (r = person_by_document(db, o->doc_kind, o->doc_number, &pid, &op->err)) < 0)
        return r;
    r = registration_active(db, pid, &reg, &op->err);
    if (r == -ENOENT) {
        err_clear(&op->err);
        o->ret_outcome = APIKEY_ALREADY_ENDED;
        return 0;
    }
    if (r < 0 || (r = end_elsewhere(db, o, key_id, pid, reg.id)) < 0)
        return r;
    o->ret_outcome = APIKEY_ENDED;
    return 0;
}

void apikey_report_op_init(apikey_report_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_report;
}
