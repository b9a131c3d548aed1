#include "store/session.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"
#include "store/credential.h"
#include "store/officer.h"
#include "store/passkey.h"

static const char SQL_BY_CODE[] = "SELECT id FROM persons WHERE activation_hash = ? AND activation_expires_at > ?";
static const char SQL_ACTIVATE[] =
    "UPDATE persons SET password_hash = ?, activation_hash = NULL, activation_expires_at = NULL"
    " WHERE id = ? AND activation_hash = ?";
static const char SQL_BY_DOC[] = "SELECT p.id, p.password_hash FROM documents d JOIN persons p ON p.id = d.person_id"
                                 " WHERE d.kind = ? AND d.number = ?";

int session_person(
    db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, int64_t *ret_person_id, err_t *err)
{
    return credential_session_find(db, CREDENTIAL_PERSON, token_hash, now, ret_person_id, NULL, 0, err);
}

void session_list_bind(db_stmt_t *st, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now)
{
    db_bind_blob(st, 1, token_hash, SECRET_HASH_BYTES);
    db_bind_int(st, 2, now);
}

int session_list_first(db_stmt_t *st, err_t *err)
{
    int r = db_step(st, err);
    if (r == 0)
        return err_set(err, -EACCES, "unauthorized", "The session is unknown or has expired; log in again.");
    return r < 0 ? r : !db_col_null(st, 0);
}

static void audit_subject(char *buf, size_t cap, int64_t id)
{
    snprintf(buf, cap, "person:%lld", (long long)id);
}

void session_policy_default(session_policy_t *p)
{
    p->idle_s = SESSION_IDLE_DEFAULT_S;
    p->max_s = SESSION_MAX_DEFAULT_S;
    p->recheck_s = SESSION_RECHECK_DEFAULT_S;
}

int session_create(db_t *db, int64_t person_id, int64_t now, session_result_t *ret, err_t *err)
{
    session_policy_t p;
    session_policy_default(&p);
    return session_create_device(db, person_id, now, &p, "", ret, err);
}

int session_create_device(db_t *db, int64_t person_id, int64_t now, const session_policy_t *policy, const char *device,
    session_result_t *ret, err_t *err)
{
    int64_t cap = now + policy->max_s;
    int64_t idle = now + policy->idle_s;
    session_result_t s = {.person_id = person_id, .expires_at = idle < cap ? idle : cap};
    credential_session_t row = {
        .subject_id = person_id, .now = now, .expires_at = s.expires_at, .max_expires_at = cap, .device = device};
    int r = credential_session_open(db, CREDENTIAL_PERSON, &row, s.token, err);
    if (r < 0)
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
    if (db_changes(db) != 1) /* used by a concurrent request meanwhile */
        return err_set(&o->op.err, -ENOENT, "activation_code_invalid", "This activation code was already used.");
    char subject[32];
    audit_subject(subject, sizeof subject, id);
    if ((r = audit_append(db, o->now, subject, "person.activated", subject, NULL, &o->op.err)) < 0)
        return r;
    /* A new password ends every session opened with the old one. */
    if ((r = credential_sessions_end_all(db, CREDENTIAL_PERSON, id, NULL, &o->op.err)) < 0)
        return r;
    if ((r = login_limit_clear(db, NULL, o->addr, &o->op.err)) < 0)
        return r;
    return session_create_device(db, id, o->now, &o->policy, o->device, &o->ret, &o->op.err);
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
    session_policy_default(&o->policy);
    o->op.lane = STORE_SLOW;
    o->op.run = run_activate;
}

void session_login_account(int64_t person_id, const char *doc_kind, const char *doc_number, char *buf, size_t cap)
{
    if (person_id > 0)
        snprintf(buf, cap, "person:%lld", (long long)person_id);
    else
        snprintf(buf, cap, "document:%s:%s", doc_kind, doc_number);
}

/* Steps SQL_BY_DOC for one document (a log-in and a re-issue name the
 * account so): 1 with the row in *st, 0 when nobody holds it, < 0 on failure. */
static int step_by_doc(db_t *db, const char *kind, const char *number, db_stmt_t **st, err_t *err)
{
    int r = db_prepare(db, SQL_BY_DOC, st, err);
    if (r < 0)
        return r;
    db_bind_text(*st, 1, kind);
    db_bind_text(*st, 2, number);
    return db_step(*st, err);
}

/* Finds the account and its password hash; person 0 and "" when there is
 * none (or it is not activated yet). */
static int lookup_login(db_t *db, session_login_start_op_t *o)
{
    db_stmt_t *st;
    int r = step_by_doc(db, o->doc_kind, o->doc_number, &st, &o->op.err);
    if (r < 0)
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

static int run_login(db_t *db, store_op_t *op)
{
    session_login_op_t *o = (session_login_op_t *)op;
    bool ok = credential_password_ok(o->stored, o->password) && o->person_id > 0;
    sodium_memzero(o->password, sizeof o->password);
    if (!ok)
        return err_set(&op->err, -EACCES, "bad_credentials", "The document number or the password is wrong.");
    int r = db_begin_write(db, &op->err);
    if (r < 0)
        return r;
    r = session_create_device(db, o->person_id, o->now, &o->policy, o->device, &o->ret, &op->err);
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
    session_policy_default(&o->policy);
    o->op.lane = STORE_SLOW;
    o->op.run = run_login;
}

static int purge_in_txn(db_t *db, int64_t now, int64_t *ret_deleted, err_t *err)
{
    int64_t n = 0;
    int r = credential_sessions_purge(db, now, &n, err);
    if (r == 0)
        r = login_limit_purge(db, now, err);
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
    return credential_session_end(db, CREDENTIAL_PERSON, o->token_hash, o->now, &op->err);
}

void session_logout_op_init(session_logout_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_logout;
}

/* --- device sessions (issue 17) --- */

static const char SQL_RENEW[] =
    "UPDATE sessions SET expires_at = CASE WHEN max_expires_at < ? THEN max_expires_at ELSE ? END,"
    " last_used_at = ? WHERE token_hash = ? AND expires_at > ? RETURNING expires_at, max_expires_at";
static const char SQL_RECHECK_AT[] = "SELECT recheck_at FROM sessions WHERE token_hash = ? AND expires_at > ?";
static const char SQL_PW_OF[] = "SELECT password_hash FROM persons WHERE id = ?";
static const char SQL_SET_PW[] = "UPDATE persons SET password_hash = ? WHERE id = ?";
static const char SQL_END_OTHERS[] = "DELETE FROM sessions WHERE person_id = ? AND token_hash <> ?";
static const char SQL_MARK_RECHECK[] = "UPDATE sessions SET recheck_at = ? WHERE token_hash = ?";
static const char SQL_LIST[] = SESSION_LIST_SQL("t.token_hash, t.created_at, t.last_used_at, t.expires_at, t.device",
    "SELECT token_hash, created_at, last_used_at, expires_at, device FROM sessions"
    " WHERE person_id = " SESSION_ME_PERSON " AND expires_at > ?"
    " ORDER BY last_used_at DESC, created_at DESC LIMIT 50",
    "t.last_used_at DESC, t.created_at DESC");

static int run_renew(db_t *db, store_op_t *op)
{
    session_renew_op_t *o = (session_renew_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RENEW, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, o->now + o->idle_s);
    db_bind_int(st, 2, o->now + o->idle_s);
    db_bind_int(st, 3, o->now);
    db_bind_blob(st, 4, o->token_hash, sizeof o->token_hash);
    db_bind_int(st, 5, o->now);
    if ((r = db_step(st, &op->err)) < 0)
        return r;
    if (r == 0)
        return err_set(&op->err, -EACCES, "unauthorized", "The session is unknown or has expired; log in again.");
    o->ret_expires_at = db_col_int(st, 0);
    o->ret_max_expires_at = db_col_int(st, 1);
    db_run(st, NULL);
    return 0;
}

void session_renew_op_init(session_renew_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->idle_s = SESSION_IDLE_DEFAULT_S;
    o->op.lane = STORE_WRITE;
    o->op.run = run_renew;
}

static int run_recheck(db_t *db, store_op_t *op)
{
    session_recheck_op_t *o = (session_recheck_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RECHECK_AT, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, o->token_hash, sizeof o->token_hash);
    db_bind_int(st, 2, o->now);
    if ((r = db_step(st, &op->err)) < 0)
        return r;
    if (r == 0)
        return err_set(&op->err, -EACCES, "unauthorized", "The session is unknown or has expired; log in again.");
    o->ret_recheck_at = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

void session_recheck_op_init(session_recheck_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_recheck;
}

static int password_of(db_t *db, int64_t person_id, char *buf, size_t cap, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_PW_OF, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, person_id);
    if ((r = db_step(st, err)) < 0)
        return r;
    buf[0] = '\0';
    if (r == 1 && !db_col_null(st, 0))
        db_col_copy(st, 0, buf, cap);
    db_run(st, NULL);
    return 0;
}

static int run_password_start(db_t *db, store_op_t *op)
{
    session_password_start_op_t *o = (session_password_start_op_t *)op;
    int r = session_person(db, o->token_hash, o->now, &o->ret_person_id, &op->err);
    if (r == 0)
        r = password_of(db, o->ret_person_id, o->ret_hash, sizeof o->ret_hash, &op->err);
    if (r < 0)
        return r;
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    session_login_account(o->ret_person_id, "", "", account, sizeof account);
    return login_limit_reserve(db, account, o->addr, o->now, &o->ret_wait, &op->err);
}

void session_password_start_op_init(session_password_start_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_password_start;
}

static int run_stmt_int_blob(db_t *db, const char *sql, int64_t v, const uint8_t *blob, size_t len, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, sql, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, v);
    db_bind_blob(st, 2, blob, len);
    return db_run(st, err);
}

/* The new password (if any) and the other sessions ended, inside the write
 * transaction; the old sessions were opened with the old password. */
static int change_in_txn(db_t *db, session_password_op_t *o, const char *pwhash)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SET_PW, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, pwhash);
    db_bind_int(st, 2, o->person_id);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    if ((r = run_stmt_int_blob(db, SQL_END_OTHERS, o->person_id, o->token_hash, sizeof o->token_hash, &o->op.err)) < 0)
        return r;
    o->ret_ended = db_changes(db);
    char subject[32];
    audit_subject(subject, sizeof subject, o->person_id);
    json_t *detail = json_pack("{s:I}", "sessions_ended", (json_int_t)o->ret_ended);
    r = audit_append(db, o->now, subject, "person.password_changed", subject, detail, &o->op.err);
    json_decref(detail);
    return r;
}

static int password_in_txn(db_t *db, session_password_op_t *o, const char *pwhash)
{
    int r = pwhash[0] ? change_in_txn(db, o, pwhash) : 0;
    if (r < 0)
        return r;
    if ((r = run_stmt_int_blob(db, SQL_MARK_RECHECK, o->now, o->token_hash, sizeof o->token_hash, &o->op.err)) < 0)
        return r;
    return login_limit_clear(db, o->account, o->addr, &o->op.err);
}

static int run_password(db_t *db, store_op_t *op)
{
    session_password_op_t *o = (session_password_op_t *)op;
    bool ok = o->person_id > 0 && credential_password_ok(o->stored, o->current);
    char pwhash[SECRET_PWHASH_MAX] = "";
    int r = 0;
    if (ok && o->new_password[0] &&
        (r = secret_password_hash(o->new_password, strlen(o->new_password), o->opslimit, o->memlimit, pwhash)) < 0)
        err_set(&op->err, r, "out_of_memory", "Cannot hash the password now; try again.");
    sodium_memzero(o->current, sizeof o->current);
    sodium_memzero(o->new_password, sizeof o->new_password);
    if (r < 0)
        return r;
    if (!ok)
        return err_set(&op->err, -EPERM, "wrong_password", "The password is wrong.");
    if ((r = db_begin_write(db, &op->err)) < 0)
        return r;
    r = password_in_txn(db, o, pwhash);
    if (r == 0)
        r = db_commit(db, &op->err);
    if (r < 0)
        db_rollback(db);
    sodium_memzero(pwhash, sizeof pwhash);
    return r;
}

void session_password_op_init(session_password_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_SLOW;
    o->op.run = run_password;
}

static int run_list(db_t *db, store_op_t *op)
{
    session_list_op_t *o = (session_list_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LIST, &st, &op->err);
    if (r < 0)
        return r;
    session_list_bind(st, o->token_hash, o->now);
    db_bind_int(st, 3, o->now);
    o->ret_n = 0;
    for (r = session_list_first(st, &op->err); r == 1 && o->ret_n < SESSION_LIST_MAX; r = db_step(st, &op->err)) {
        session_info_t *s = &o->ret[o->ret_n++];
        size_t len = 0;
        const void *h = db_col_blob(st, 0, &len);
        s->current = len == sizeof o->token_hash && memcmp(h, o->token_hash, len) == 0;
        s->created_at = db_col_int(st, 1);
        s->last_used_at = db_col_int(st, 2);
        s->expires_at = db_col_int(st, 3);
        db_col_copy(st, 4, s->device, sizeof s->device);
    }
    return r < 0 ? r : db_run(st, &op->err);
}

void session_list_op_init(session_list_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_list;
}

int session_end_person(db_t *db, int64_t person_id, int64_t *ret_ended, err_t *err)
{
    return credential_sessions_end_all(db, CREDENTIAL_PERSON, person_id, ret_ended, err);
}

static int run_end_all(db_t *db, store_op_t *op)
{
    session_end_all_op_t *o = (session_end_all_op_t *)op;
    int64_t pid;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r == 0)
        r = session_end_person(db, pid, &o->ret_ended, &op->err);
    if (r < 0)
        return r;
    char subject[32];
    audit_subject(subject, sizeof subject, pid);
    json_t *detail = json_pack("{s:I}", "sessions_ended", (json_int_t)o->ret_ended);
    r = audit_append(db, o->now, subject, "session.ended_everywhere", subject, detail, &op->err);
    json_decref(detail);
    return r;
}

void session_end_all_op_init(session_end_all_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_end_all;
}

/* --- password recovery through a registrar --- */

static const char SQL_REISSUE[] =
    "UPDATE persons SET activation_hash = ?, activation_expires_at = ?, password_hash = NULL WHERE id = ?";

static int reissue_find(db_t *db, session_reissue_op_t *o)
{
    db_stmt_t *st;
    int r = step_by_doc(db, o->doc_kind, o->doc_number, &st, &o->op.err);
    if (r < 0)
        return r;
    if (r == 0)
        return err_set(&o->op.err, -ENOENT, "not_found", "Nobody holds this document.");
    o->ret_person_id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

static int run_reissue(db_t *db, store_op_t *op)
{
    session_reissue_op_t *o = (session_reissue_op_t *)op;
    int r = 0;
    if (o->by_officer) {
        officer_ref_t me;
        if ((r = officer_session(db, o->token_hash, o->now, o->officer_roles, &me, &op->err)) < 0)
            return r;
        snprintf(o->actor, sizeof o->actor, "officer:%lld", (long long)me.id);
    }
    r = reissue_find(db, o);
    db_stmt_t *st;
    if (r < 0 || (r = db_prepare(db, SQL_REISSUE, &st, &op->err)) < 0)
        return r;
    o->ret_expires_at = o->now + LIMIT_ACTIVATION_TTL_S;
    db_bind_blob(st, 1, o->code_hash, sizeof o->code_hash);
    db_bind_int(st, 2, o->ret_expires_at);
    db_bind_int(st, 3, o->ret_person_id);
    if ((r = db_run(st, &op->err)) < 0 || (r = session_end_person(db, o->ret_person_id, &o->ret_ended, &op->err)) < 0 ||
        (r = passkey_remove_person(db, o->ret_person_id, &o->ret_passkeys_removed, &op->err)) < 0)
        return r;
    char account[LOGIN_LIMIT_ACCOUNT_MAX], subject[32];
    session_login_account(o->ret_person_id, "", "", account, sizeof account);
    if ((r = login_limit_forget_account(db, account, &op->err)) < 0)
        return r;
    audit_subject(subject, sizeof subject, o->ret_person_id);
    json_t *detail = json_pack("{s:s,s:I,s:I}", "reason", o->reason, "sessions_ended", (json_int_t)o->ret_ended,
        "passkeys_removed", (json_int_t)o->ret_passkeys_removed);
    r = audit_append(db, o->now, o->actor, "person.activation_reissued", subject, detail, &op->err);
    json_decref(detail);
    return r;
}

void session_reissue_op_init(session_reissue_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_reissue;
}
