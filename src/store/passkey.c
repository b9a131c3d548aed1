#include "store/passkey.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"

static const char SQL_PURGE[] = "DELETE FROM passkey_challenges WHERE expires_at <= ?";
static const char SQL_ISSUE[] =
    "INSERT INTO passkey_challenges (challenge, purpose, person_id, expires_at) VALUES (?, ?, ?, ?)";
static const char SQL_TAKE[] = "DELETE FROM passkey_challenges WHERE challenge = ? AND purpose = ? AND expires_at > ?"
                               " AND (person_id = ? OR (person_id IS NULL AND ? = 0))";
static const char SQL_IDS[] = "SELECT credential_id FROM passkeys WHERE person_id = ? ORDER BY id";
static const char SQL_COUNT[] = "SELECT COUNT(*) FROM passkeys WHERE person_id = ?";
static const char SQL_EXISTS[] = "SELECT 1 FROM passkeys WHERE credential_id = ?";
static const char SQL_ADD[] = "INSERT INTO passkeys (person_id, credential_id, public_key, alg, sign_count, created_at)"
                              " VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
/* The session's person's passkeys in one statement (session.h). */
static const char SQL_LIST[] = SESSION_LIST_SQL("t.id, t.created_at, t.last_used_at",
    "SELECT id, created_at, last_used_at FROM passkeys WHERE person_id = " SESSION_ME_PERSON, "t.id");
static const char SQL_DELETE[] = "DELETE FROM passkeys WHERE id = ? AND person_id = ?";
static const char SQL_DELETE_PERSON[] = "DELETE FROM passkeys WHERE person_id = ?";
static const char SQL_FIND[] = "SELECT id, person_id, public_key, sign_count FROM passkeys WHERE credential_id = ?";
static const char SQL_USED[] = "UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ? AND sign_count = ?";

static void subject_of(char *buf, size_t cap, int64_t person_id)
{
    snprintf(buf, cap, "person:%lld", (long long)person_id);
}

static int audit_passkey(db_t *db, int64_t now, int64_t person_id, const char *action, int64_t passkey_id, err_t *err)
{
    char subject[32];
    subject_of(subject, sizeof subject, person_id);
    json_t *detail = json_pack("{s:I}", "passkey", (json_int_t)passkey_id);
    if (!detail)
        return err_set(err, -ENOMEM, "out_of_memory", "The service is short of memory; try again.");
    int r = audit_append(db, now, subject, action, subject, detail, err);
    json_decref(detail);
    return r;
}

/* --- challenges ---------------------------------------------------------------- */

static int issue(db_t *db, passkey_challenge_op_t *o)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_PURGE, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, o->now);
    if ((r = db_run(st, &o->op.err)) < 0 || (r = db_prepare(db, SQL_ISSUE, &st, &o->op.err)) < 0)
        return r;
    /* run may be repeated (store.h): a fresh challenge each time is fine,
     * the one posted back is the one the committed run wrote */
    randombytes_buf(o->ret_challenge, sizeof o->ret_challenge);
    o->ret_expires_at = o->now + PASSKEY_CHALLENGE_TTL_S;
    db_bind_blob(st, 1, o->ret_challenge, sizeof o->ret_challenge);
    db_bind_text(st, 2, o->for_login ? "login" : "register");
    if (o->for_login)
        db_bind_null(st, 3);
    else
        db_bind_int(st, 3, o->ret_person_id);
    db_bind_int(st, 4, o->ret_expires_at);
    return db_run(st, &o->op.err);
}

static int list_ids(db_t *db, passkey_challenge_op_t *o)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_IDS, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, o->ret_person_id);
    o->ret_nexclude = 0;
    while ((r = db_step(st, &o->op.err)) == 1) {
        size_t n = 0;
        const void *p = db_col_blob(st, 0, &n);
        if (o->ret_nexclude < PASSKEY_PER_PERSON_MAX && p && n <= WEBAUTHN_CRED_ID_MAX) {
            memcpy(o->ret_exclude[o->ret_nexclude], p, n);
            o->ret_exclude_len[o->ret_nexclude++] = n;
        }
    }
    return r;
}

static int run_challenge(db_t *db, store_op_t *op)
{
    passkey_challenge_op_t *o = (passkey_challenge_op_t *)op;
    o->ret_person_id = 0;
    int r = 0;
    if (!o->for_login &&
        ((r = session_person(db, o->token_hash, o->now, &o->ret_person_id, &op->err)) < 0 || (r = list_ids(db, o)) < 0))
        return r;
    return issue(db, o);
}

void passkey_challenge_op_init(passkey_challenge_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_challenge;
}

/* Deletes the challenge if it was issued for `purpose` (to person_id, or to
 * anyone when 0) and is still valid; *ret_ok says whether it was. */
static int take_challenge(
    db_t *db, const uint8_t *ch, const char *purpose, int64_t person_id, int64_t now, bool *ret_ok, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_TAKE, &st, err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, ch, WEBAUTHN_CHALLENGE_BYTES);
    db_bind_text(st, 2, purpose);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, person_id);
    db_bind_int(st, 5, person_id);
    if ((r = db_run(st, err)) < 0)
        return r;
    *ret_ok = db_changes(db) == 1;
    return 0;
}

static int challenge_invalid(err_t *err)
{
    return err_set(err, -EINVAL, "passkey_challenge_invalid",
        "This passkey request has expired or was already used; start again.");
}

/* --- registration ---------------------------------------------------------------- */

static int count_and_check(db_t *db, int64_t pid, const webauthn_credential_t *c, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_COUNT, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    if ((r = db_step(st, err)) < 0)
        return r;
    int64_t n = r == 1 ? db_col_int(st, 0) : 0;
    db_run(st, NULL);
    if (n >= PASSKEY_PER_PERSON_MAX)
        return err_set(err, -EPERM, "passkey_limit", "You have as many passkeys as uchet keeps; remove one first.");
    if ((r = db_prepare(db, SQL_EXISTS, &st, err)) < 0)
        return r;
    db_bind_blob(st, 1, c->id, c->id_len);
    if ((r = db_step(st, err)) < 0)
        return r;
    db_run(st, NULL);
    return r == 1 ? err_set(err, -EEXIST, "passkey_exists", "This passkey is already registered.") : 0;
}

static int store_credential(db_t *db, passkey_register_op_t *o, int64_t pid, const webauthn_credential_t *c)
{
    db_stmt_t *st;
    int r = count_and_check(db, pid, c, &o->op.err);
    if (r < 0 || (r = db_prepare(db, SQL_ADD, &st, &o->op.err)) < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_blob(st, 2, c->id, c->id_len);
    db_bind_blob(st, 3, c->cose_key, c->cose_len);
    db_bind_int(st, 4, c->alg);
    db_bind_int(st, 5, c->sign_count);
    db_bind_int(st, 6, o->now);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    o->ret_id = r == 1 ? db_col_int(st, 0) : 0;
    db_run(st, NULL);
    o->ret_created_at = o->now;
    return audit_passkey(db, o->now, pid, "passkey.added", o->ret_id, &o->op.err);
}

/* In its own write transaction: the challenge must be this person's and
 * unused, then the credential is stored. */
static int register_in_txn(db_t *db, passkey_register_op_t *o, const uint8_t *ch, const webauthn_credential_t *c)
{
    int64_t pid;
    bool ok = false;
    int r = session_person(db, o->token_hash, o->now, &pid, &o->op.err);
    if (r == 0)
        r = take_challenge(db, ch, "register", pid, o->now, &ok, &o->op.err);
    if (r == 0 && !ok)
        r = challenge_invalid(&o->op.err);
    if (r == 0)
        r = store_credential(db, o, pid, c);
    return r;
}

/* SLOW lane: the signature checks cost about a millisecond and a half
 * (OpenSSL 3 builds the key from parameters each time), so they run before
 * the write transaction, never holding the writer. */
static int run_register(db_t *db, store_op_t *op)
{
    passkey_register_op_t *o = (passkey_register_op_t *)op;
    uint8_t ch[WEBAUTHN_CHALLENGE_BYTES + 1];
    size_t chlen = 0;
    webauthn_credential_t c;
    int r = webauthn_client_challenge(o->client_data, o->client_data_len, ch, sizeof ch, &chlen, &op->err);
    if (r == 0 && chlen != WEBAUTHN_CHALLENGE_BYTES)
        r = challenge_invalid(&op->err);
    if (r < 0)
        return r;
    /* checked against itself here; whether it was issued is the transaction's question */
    webauthn_expect_t x = {o->rp_id, o->origin, ch, chlen, true};
    if ((r = webauthn_register(&x, o->client_data, o->client_data_len, o->att_obj, o->att_obj_len, &c, &op->err)) < 0)
        return r;
    if ((r = db_begin_write(db, &op->err)) < 0)
        return r;
    r = register_in_txn(db, o, ch, &c);
    if (r == 0)
        r = db_commit(db, &op->err);
    if (r < 0)
        db_rollback(db);
    return r;
}

void passkey_register_op_init(passkey_register_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_SLOW;
    o->op.run = run_register;
}

/* --- list, delete ------------------------------------------------------------------ */

static int run_list(db_t *db, store_op_t *op)
{
    passkey_list_op_t *o = (passkey_list_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LIST, &st, &op->err);
    if (r < 0)
        return r;
    session_list_bind(st, o->token_hash, o->now);
    o->ret_n = 0;
    for (r = session_list_first(st, &op->err); r == 1 && o->ret_n < PASSKEY_LIST_MAX; r = db_step(st, &op->err)) {
        passkey_info_t *p = &o->ret[o->ret_n++];
        p->id = db_col_int(st, 0);
        p->created_at = db_col_int(st, 1);
        p->last_used_at = db_col_int_or_zero(st, 2);
    }
    return r < 0 ? r : db_run(st, &op->err);
}

void passkey_list_op_init(passkey_list_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_list;
}

static int run_delete(db_t *db, store_op_t *op)
{
    passkey_delete_op_t *o = (passkey_delete_op_t *)op;
    int64_t pid;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = db_prepare(db, SQL_DELETE, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, o->id);
    db_bind_int(st, 2, pid);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(&op->err, -ENOENT, "passkey_not_found", "There is no such passkey.");
    return audit_passkey(db, o->now, pid, "passkey.removed", o->id, &op->err);
}

void passkey_delete_op_init(passkey_delete_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_delete;
}

int passkey_remove_person(db_t *db, int64_t person_id, int64_t *ret_removed, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_DELETE_PERSON, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, person_id);
    if ((r = db_run(st, err)) < 0)
        return r;
    *ret_removed = db_changes(db);
    return 0;
}

/* --- log-in ---------------------------------------------------------------------------- */

/* The limit account: the person (shared with the password log-in of every
 * document of theirs), or the unknown credential itself. */
static void login_account(passkey_login_start_op_t *o)
{
    if (o->ret_person_id > 0) {
        snprintf(o->ret_account, sizeof o->ret_account, "person:%lld", (long long)o->ret_person_id);
        return;
    }
    int n = snprintf(o->ret_account, sizeof o->ret_account, "passkey:");
    for (size_t i = 0; i < o->cred_id_len && i < 32; i++)
        n += snprintf(o->ret_account + n, sizeof o->ret_account - (size_t)n, "%02x", o->cred_id[i]);
}

static int find_credential(db_t *db, passkey_login_start_op_t *o)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_FIND, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, o->cred_id, o->cred_id_len);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    o->ret_person_id = 0;
    if (r == 1) {
        size_t n = 0;
        const void *p = db_col_blob(st, 2, &n);
        if (p && n <= sizeof o->ret_cose) {
            o->ret_passkey_id = db_col_int(st, 0);
            o->ret_person_id = db_col_int(st, 1);
            memcpy(o->ret_cose, p, n);
            o->ret_cose_len = n;
            o->ret_sign_count = (uint32_t)db_col_int(st, 3);
        }
    }
    db_run(st, NULL);
    return 0;
}

static int run_login_start(db_t *db, store_op_t *op)
{
    passkey_login_start_op_t *o = (passkey_login_start_op_t *)op;
    int r = take_challenge(db, o->challenge, "login", 0, o->now, &o->ret_challenge_ok, &op->err);
    if (r < 0 || (r = find_credential(db, o)) < 0)
        return r;
    login_account(o);
    return login_limit_reserve(db, o->ret_account, o->addr, o->now, &o->ret_wait, &op->err);
}

void passkey_login_start_op_init(passkey_login_start_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_login_start;
}

static int record_use(db_t *db, passkey_login_op_t *o, uint32_t count)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_USED, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, count);
    db_bind_int(st, 2, o->now);
    db_bind_int(st, 3, o->passkey_id);
    db_bind_int(st, 4, o->sign_count);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    if (db_changes(db) != 1) /* another log-in with this key moved the counter meanwhile */
        return err_set(&o->op.err, -EACCES, "webauthn_counter", "The passkey was used twice at once; try again.");
    return 0;
}

/* SLOW lane, like the password check: verify first, then one write
 * transaction. */
static int run_login(db_t *db, store_op_t *op)
{
    passkey_login_op_t *o = (passkey_login_op_t *)op;
    webauthn_expect_t x = {o->rp_id, o->origin, o->challenge, sizeof o->challenge, true};
    uint32_t count = 0;
    int r = webauthn_assert(&x, o->cose, o->cose_len, o->sign_count, o->client_data, o->client_data_len, o->auth_data,
        o->auth_data_len, o->sig, o->sig_len, &count, &op->err);
    if (r < 0 || (r = db_begin_write(db, &op->err)) < 0)
        return r;
    r = record_use(db, o, count);
    if (r == 0)
        r = session_create(db, o->person_id, o->now, &o->ret, &op->err);
    if (r == 0)
        r = login_limit_clear(db, o->account, o->addr, &op->err);
    if (r == 0)
        r = db_commit(db, &op->err);
    if (r < 0)
        db_rollback(db);
    return r;
}

void passkey_login_op_init(passkey_login_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_SLOW;
    o->op.run = run_login;
}
