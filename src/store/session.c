#include "store/session.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"

static const char SQL_RESOLVE[] = "SELECT person_id FROM sessions WHERE token_hash = ? AND expires_at > ?";
static const char SQL_CREATE[] =
    "INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
static const char SQL_DELETE[] = "DELETE FROM sessions WHERE token_hash = ? RETURNING person_id";
static const char SQL_BY_CODE[] =
    "SELECT id FROM persons WHERE activation_hash = ? AND activation_expires_at > ?";
static const char SQL_ACTIVATE[] =
    "UPDATE persons SET password_hash = ?, activation_hash = NULL, activation_expires_at = NULL"
    " WHERE id = ? AND activation_hash = ?";
static const char SQL_BY_DOC[] =
    "SELECT p.id, p.password_hash FROM documents d JOIN persons p ON p.id = d.person_id"
    " WHERE d.kind = ? AND d.number = ?";
static const char SQL_END_ALL[] = "DELETE FROM sessions WHERE person_id = ?";
static const char SQL_PURGE[] = "DELETE FROM sessions WHERE expires_at <= ?";
static const char SQL_PURGE_OFFICERS[] = "DELETE FROM officer_sessions WHERE expires_at <= ?";

int session_person(db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now,
                   int64_t *ret_person_id, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RESOLVE, &st, err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, token_hash, SECRET_HASH_BYTES);
    db_bind_int(st, 2, now);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -EACCES, "unauthorized", "The session is unknown or has expired; log in again.");
    *ret_person_id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

static void audit_subject(char *buf, size_t cap, int64_t id)
{
    snprintf(buf, cap, "person:%lld", (long long)id);
}

int session_create(db_t *db, int64_t person_id, int64_t now, session_result_t *ret, err_t *err)
{
    uint8_t hash[SECRET_HASH_BYTES];
    session_result_t s = {.person_id = person_id, .expires_at = now + LIMIT_SESSION_TTL_S};
    secret_token_new(s.token, hash);
    db_stmt_t *st;
    int r = db_prepare(db, SQL_CREATE, &st, err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, hash, sizeof hash);
    db_bind_int(st, 2, person_id);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, s.expires_at);
    if ((r = db_run(st, err)) < 0)
        return r;
    char subject[32];
    audit_subject(subject, sizeof subject, person_id);
    if ((r = audit_append(db, now, subject, "session.created", subject, NULL, err)) < 0)
        return r;
    *ret = s;
    return 0;
}

static int find_by_code(db_t *db, session_activate_op_t *o, int64_t *ret_id)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_BY_CODE, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, o->code_hash, sizeof o->code_hash);
    db_bind_int(st, 2, o->now);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    if (r == 0)
        return err_set(&o->op.err, -ENOENT, "activation_code_invalid",
                       "This activation code is not valid: it may be mistyped, used or expired.");
    *ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

static int activate_in_txn(db_t *db, session_activate_op_t *o, int64_t id, const char *pwhash)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ACTIVATE, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, pwhash);
    db_bind_int(st, 2, id);
    db_bind_blob(st, 3, o->code_hash, sizeof o->code_hash);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    if (db_changes(db) != 1)   /* used by a concurrent request meanwhile */
        return err_set(&o->op.err, -ENOENT, "activation_code_invalid", "This activation code was already used.");
    char subject[32];
    audit_subject(subject, sizeof subject, id);
    if ((r = audit_append(db, o->now, subject, "person.activated", subject, NULL, &o->op.err)) < 0)
        return r;
    /* A new password ends every session opened with the old one. */
    if ((r = db_prepare(db, SQL_END_ALL, &st, &o->op.err)) < 0)
        return r;
    db_bind_int(st, 1, id);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    if ((r = login_limit_clear(db, NULL, o->addr, &o->op.err)) < 0)
        return r;
    return session_create(db, id, o->now, &o->ret, &o->op.err);
}

static int run_activate(db_t *db, store_op_t *op)
{
    session_activate_op_t *o = (session_activate_op_t *)op;
    char pwhash[SECRET_PWHASH_MAX] = "";
    int64_t id = 0;
    int r = find_by_code(db, o, &id);
    if (r == 0) {
        /* Hash before taking the write lock: argon2id takes tens of ms. */
        r = secret_password_hash(o->password, strlen(o->password), o->opslimit, o->memlimit, pwhash);
        if (r < 0)
            err_set(&op->err, r, "out_of_memory", "Cannot hash the password now; try again.");
    }
    sodium_memzero(o->password, sizeof o->password);
    if (r < 0 || (r = db_begin_write(db, &op->err)) < 0)
        return r;
    r = activate_in_txn(db, o, id, pwhash);
    if (r == 0)
        r = db_commit(db, &op->err);
    if (r < 0)
        db_rollback(db);
    return r;
}

void session_activate_op_init(session_activate_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_SLOW;
    o->op.run = run_activate;
}

void session_login_account(int64_t person_id, const char *doc_kind, const char *doc_number, char *buf,
                           size_t cap)
{
    if (person_id > 0)
        snprintf(buf, cap, "person:%lld", (long long)person_id);
    else
        snprintf(buf, cap, "document:%s:%s", doc_kind, doc_number);
}

/* Finds the account and its password hash; person 0 and "" when there is
 * none (or it is not activated yet). */
static int lookup_login(db_t *db, session_login_start_op_t *o)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_BY_DOC, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->doc_kind);
    db_bind_text(st, 2, o->doc_number);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    o->ret_hash[0] = '\0';
    o->ret_person_id = 0;
    if (r == 1) {
        o->ret_person_id = db_col_int(st, 0);
        db_col_copy(st, 1, o->ret_hash, sizeof o->ret_hash);
    }
    db_run(st, NULL);
    return 0;
}

static int run_login_start(db_t *db, store_op_t *op)
{
    session_login_start_op_t *o = (session_login_start_op_t *)op;
    int r = lookup_login(db, o);
    if (r < 0)
        return r;
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    session_login_account(o->ret_person_id, o->doc_kind, o->doc_number, account, sizeof account);
    return login_limit_reserve(db, account, o->addr, o->now, &o->ret_wait, &op->err);
}

void session_login_start_op_init(session_login_start_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_login_start;
}

static int run_activation_start(db_t *db, store_op_t *op)
{
    session_activation_start_op_t *o = (session_activation_start_op_t *)op;
    return login_limit_reserve(db, NULL, o->addr, o->now, &o->ret_wait, &op->err);
}

void session_activation_start_op_init(session_activation_start_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_activation_start;
}

/* Checks the password. With no account (or one not yet activated) it still
 * spends one argon2id computation, so timing does not tell which was wrong. */
static bool password_ok(const char *stored, const char *pw)
{
    if (stored[0])
        return secret_password_verify(stored, pw, strlen(pw));
    char burn[SECRET_PWHASH_MAX];
    secret_password_hash(pw, strlen(pw), 0, 0, burn);
    return false;
}

static int run_login(db_t *db, store_op_t *op)
{
    session_login_op_t *o = (session_login_op_t *)op;
    bool ok = password_ok(o->stored, o->password) && o->person_id > 0;
    sodium_memzero(o->password, sizeof o->password);
    if (!ok)
        return err_set(&op->err, -EACCES, "bad_credentials",
                       "The document number or the password is wrong.");
    int r = db_begin_write(db, &op->err);
    if (r < 0)
        return r;
    r = session_create(db, o->person_id, o->now, &o->ret, &op->err);
    if (r == 0)
        r = login_limit_clear(db, o->account, o->addr, &op->err);
    if (r == 0)
        r = db_commit(db, &op->err);
    if (r < 0)
        db_rollback(db);
    return r;
}

void session_login_op_init(session_login_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_SLOW;
    o->op.run = run_login;
}

static int purge_in_txn(db_t *db, int64_t now, int64_t *ret_deleted, err_t *err)
{
    static const char *const sqls[] = {SQL_PURGE, SQL_PURGE_OFFICERS};
    int64_t n = 0;
    for (size_t i = 0; i < sizeof sqls / sizeof *sqls; i++) {
        db_stmt_t *st;
        int r = db_prepare(db, sqls[i], &st, err);
        if (r < 0)
            return r;
        db_bind_int(st, 1, now);
        if ((r = db_run(st, err)) < 0)
            return r;
        n += db_changes(db);
    }
    int r = login_limit_purge(db, now, err);
    if (r < 0)
        return r;
    *ret_deleted = n + db_changes(db);
    return 0;
}

int session_purge(db_t *db, int64_t now, int64_t *ret_deleted, err_t *err)
{
    int64_t n = 0;
    int r = db_begin_write(db, err);
    if (r < 0)
        return r;
    r = purge_in_txn(db, now, &n, err);
    if (r == 0)
        r = db_commit(db, err);
    if (r < 0) {
        db_rollback(db);
        return r;
    }
    *ret_deleted = n;
    return 0;
}

static int run_logout(db_t *db, store_op_t *op)
{
    session_logout_op_t *o = (session_logout_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_DELETE, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, o->token_hash, sizeof o->token_hash);
    if ((r = db_step(st, &op->err)) < 0)
        return r;
    if (r == 0)
        return err_set(&op->err, -EACCES, "unauthorized", "The session is unknown or has expired.");
    int64_t pid = db_col_int(st, 0);
    db_run(st, NULL);
    char subject[32];
    audit_subject(subject, sizeof subject, pid);
    return audit_append(db, o->now, subject, "session.ended", subject, NULL, &op->err);
}

void session_logout_op_init(session_logout_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_logout;
}
