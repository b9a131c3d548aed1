#include "store/officer.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/deadline.h"
#include "store/audit.h"
#include "store/credential.h"
#include "store/session.h"
#include "store/totp.h"

static const char SQL_TOUCH[] = "UPDATE officer_sessions SET last_seen_at = ? WHERE token_hash = ?";
static const char SQL_SLIDE[] = "UPDATE officer_sessions SET last_seen_at = ? WHERE token_hash = ?"
                                " AND COALESCE(last_seen_at, created_at) < ?";
static const char SQL_ADD[] =
    "INSERT INTO officers (login, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char SQL_BY_LOGIN[] =
    "SELECT id, role, password_hash, disabled_at, totp_secret, totp_enrolled_at, totp_last_step"
    " FROM officers WHERE login = ?";
static const char SQL_ENROL_START[] =
    "UPDATE officers SET totp_secret = ?, enrol_token_hash = ?, enrol_expires_at = ? WHERE id = ?";
static const char SQL_STEP_USE[] = "UPDATE officers SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?";
static const char SQL_RECOVERY_USE[] =
    "UPDATE officer_recovery_codes SET used_at = ? WHERE officer_id = ? AND code_hash = ? AND used_at IS NULL";
static const char SQL_RECOVERY_LEFT[] =
    "SELECT COUNT(*) FROM officer_recovery_codes WHERE officer_id = ? AND used_at IS NULL";
static const char SQL_BY_ENROL[] =
    "SELECT id, role, totp_secret FROM officers WHERE enrol_token_hash = ? AND enrol_expires_at > ?"
    " AND disabled_at IS NULL AND totp_enrolled_at IS NULL";
static const char SQL_ENROL_END[] = "UPDATE officers SET enrol_token_hash = NULL, enrol_expires_at = NULL WHERE id = ?";
static const char SQL_ENROL_DONE[] =
    "UPDATE officers SET enrol_token_hash = NULL, enrol_expires_at = NULL, totp_enrolled_at = ?,"
    " totp_last_step = ? WHERE id = ?";
static const char SQL_SECRETS[] = "SELECT id, totp_secret FROM officers WHERE totp_secret IS NOT NULL";
static const char SQL_SEAL[] = "UPDATE officers SET totp_secret = ? WHERE id = ? AND totp_secret = ?";
static const char SQL_RECOVERY_CLEAR[] = "DELETE FROM officer_recovery_codes WHERE officer_id = ?";
static const char SQL_RECOVERY_ADD[] = "INSERT INTO officer_recovery_codes (officer_id, code_hash) VALUES (?, ?)";
static const char SQL_BY_DOC[] =
    "SELECT p.id, p.surname, p.given_names, p.surname_cyr, p.given_names_cyr, d.verified FROM documents d"
    " JOIN persons p ON p.id = d.person_id WHERE d.kind = ? AND d.number = ?";
/* The newest registration is the current one: a new registration ends the
 * old, and an appeal restores only a registration with nothing after it. */
static const char SQL_LAST_REG[] =
    "SELECT region, status, last_confirmed_on, end_reason, guardian_registration_id FROM registrations"
    " WHERE person_id = ? ORDER BY id DESC LIMIT 1";
static const char SQL_READ_ADD[] = "INSERT INTO officer_reads (officer_id, person_id, reason, at) VALUES (?, ?, ?, ?)";
static const char SQL_ACCESS[] = SESSION_LIST_SQL("t.at, t.role, t.reason",
    "SELECT r.id, r.at, o.role, r.reason FROM officer_reads r JOIN officers o ON o.id = r.officer_id"
    " WHERE r.person_id = " SESSION_ME_PERSON " ORDER BY r.id DESC LIMIT 100",
    "t.id DESC");

static const struct {
    officer_role_t role;
    const char *name;
} role_names[] = {
    {OFFICER_REGISTRAR, "registrar"},
    {OFFICER_INSPECTOR, "inspector"},
    {OFFICER_AUDITOR, "auditor"},
    {OFFICER_SUPERVISOR, "supervisor"},
};

int officer_role_parse(const char *s, officer_role_t *ret)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (strcmp(s, role_names[i].name) == 0) {
            *ret = role_names[i].role;
            return 0;
        }
    return -EINVAL;
}

const char *officer_role_name(officer_role_t role)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (role_names[i].role == role)
            return role_names[i].name;
    return "unknown";
}

static void actor_of(char *buf, size_t cap, const char *kind, int64_t id)
{
    snprintf(buf, cap, "%s:%lld", kind, (long long)id);
}

int officer_session(db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, unsigned allowed,
    officer_ref_t *ret, err_t *err)
{
    officer_ref_t o = {0};
    char role[CREDENTIAL_TAG_MAX] = "";
    int r = credential_session_find(db, CREDENTIAL_OFFICER, token_hash, now, &o.id, role, sizeof role, err);
    if (r < 0)
        return r;
    r = officer_role_parse(role, &o.role);
    if (r < 0 || !(o.role & allowed))
        return err_set(err, -EPERM, "role_forbidden", "Your role (%s) may not do this.", officer_role_name(o.role));
    *ret = o;
    return 0;
}

void officer_read_bind(db_stmt_t *st, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, unsigned allowed)
{
    db_bind_int(st, 1, allowed);
    db_bind_blob(st, 2, token_hash, SECRET_HASH_BYTES);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, now);
}

int officer_read_first(db_stmt_t *st, int me_col, unsigned allowed, officer_ref_t *ret, err_t *err)
{
    int r = db_step(st, err);
    if (r == 0)
        return err_set(err, -EACCES, "unauthorized", "The desk session is unknown or has expired; log in again.");
    if (r < 0)
        return r;
    officer_ref_t o = {.id = db_col_int(st, me_col), .seen_at = db_col_int(st, me_col + 2)};
    const char *role = db_col_text(st, me_col + 1);
    if (officer_role_parse(role ? role : "", &o.role) < 0 || !(o.role & allowed)) {
        db_run(st, NULL); /* the one row: LIST read nothing for this role */
        return err_set(err, -EPERM, "role_forbidden", "Your role (%s) may not do this.", officer_role_name(o.role));
    }
    *ret = o;
    return !db_col_null(st, 0);
}

int officer_session_touch(db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, unsigned allowed,
    officer_ref_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = officer_session(db, token_hash, now, allowed, ret, err);
    if (r < 0 || (r = db_prepare(db, SQL_TOUCH, &st, err)) < 0)
        return r;
    db_bind_int(st, 1, now);
    db_bind_blob(st, 2, token_hash, SECRET_HASH_BYTES);
    return db_run(st, err);
}

static int run_slide(db_t *db, store_op_t *op)
{
    officer_slide_op_t *o = (officer_slide_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SLIDE, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_blob(st, 2, o->token_hash, SECRET_HASH_BYTES);
    db_bind_int(st, 3, o->now);
    return db_run(st, &op->err);
}

void officer_slide_op_init(officer_slide_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_slide;
}

int officer_audit(db_t *db, const officer_ref_t *me, int64_t now, const char *action, const char *subject,
    const char *reason, json_t *extra, err_t *err)
{
    char actor[40];
    actor_of(actor, sizeof actor, "officer", me->id);
    json_t *d = extra ? json_deep_copy(extra) : json_object();
    if (!d)
        return err_set(err, -ENOMEM, "out_of_memory", "No memory for the audit detail.");
    json_object_set_new(d, "role", json_string(officer_role_name(me->role)));
    if (reason)
        json_object_set_new(d, "reason", json_string(reason));
    int r = audit_append(db, now, actor, action, subject ? subject : actor, d, err);
    json_decref(d);
    return r;
}

static int run_add(db_t *db, store_op_t *op)
{
    officer_add_op_t *o = (officer_add_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ADD, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->login);
    db_bind_text(st, 2, o->name);
    db_bind_text(st, 3, officer_role_name(o->role));
    db_bind_text(st, 4, o->password_hash);
    db_bind_int(st, 5, o->now);
    if ((r = db_step(st, &op->err)) == -EEXIST)
        return err_set(&op->err, -EEXIST, "officer_exists", "An officer with this login already exists.");
    if (r != 1)
        return r < 0 ? r : err_set(&op->err, -EIO, "storage_failed", "Insert returned no id.");
    o->ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    char subject[40];
    actor_of(subject, sizeof subject, "officer", o->ret_id);
    json_t *d = json_pack("{s:s}", "role", officer_role_name(o->role));
    r = audit_append(db, o->now, "operator", "officer.created", subject, d, &op->err);
    json_decref(d);
    return r;
}

void officer_add_op_init(officer_add_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_add;
}

/* What a log-in needs to know about the officer behind a login. */
typedef struct login_row {
    int64_t id;
    char hash[SECRET_PWHASH_MAX]; /* "" when the login is unknown */
    bool disabled, enrolled;
    bool secret_ok; /* the stored secret opened for this officer */
    uint8_t secret[TOTP_SECRET_BYTES];
    int64_t last_step;
} login_row_t;

static int lookup_login(db_t *db, officer_login_op_t *o, login_row_t *ret)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_BY_LOGIN, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->login);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    if (r == 1) {
        ret->id = db_col_int(st, 0);
        const char *role = db_col_text(st, 1);
        if (officer_role_parse(role ? role : "", &o->ret_role) == 0)
            db_col_copy(st, 2, ret->hash, sizeof ret->hash);
        ret->disabled = !db_col_null(st, 3);
        size_t len = 0;
        const void *sec = db_col_blob(st, 4, &len);
        ret->enrolled = !db_col_null(st, 5) && sec;
        if (ret->enrolled) /* a plain, altered or moved secret does not open: codes fail, recovery codes work */
            ret->secret_ok = totp_unseal(o->totp_keys, ret->id, sec, len, ret->secret, NULL) == 0;
        ret->last_step = db_col_int(st, 6);
    }
    db_run(st, NULL);
    return 0;
}

static int open_session(db_t *db, const officer_ref_t *me, int64_t now, int64_t idle_s,
    char ret_token[SECRET_TOKEN_CHARS + 1], int64_t *ret_expires, err_t *err)
{
    credential_session_t row = {.subject_id = me->id,
        .now = now,
        .expires_at = now + LIMIT_SESSION_TTL_S,
        .idle_s = idle_s > 0 ? idle_s : OFFICER_IDLE_DEFAULT_S};
    *ret_expires = row.expires_at;
    int r = credential_session_open(db, CREDENTIAL_OFFICER, &row, ret_token, err);
    if (r < 0)
        return r;
    return officer_audit(db, me, now, "officer.session_created", NULL, NULL, NULL, err);
}

static int run_stmt_changes(db_t *db, db_stmt_t *st, err_t *err)
{
    int r = db_run(st, err);
    return r < 0 ? r : (int)db_changes(db);
}

/* The second factor, inside the log-in's transaction: a TOTP code for a step
 * after the last one used, or an unused recovery code (then used up). */
static int second_factor(db_t *db, officer_login_op_t *o, const login_row_t *row)
{
    static const char WRONG[] = "The login, the password or the code is wrong.";
    db_stmt_t *st;
    int r;
    if (o->recovery_code[0]) {
        uint8_t h[SECRET_HASH_BYTES];
        if (secret_code_hash(o->recovery_code, strlen(o->recovery_code), h) < 0)
            return err_set(&o->op.err, -EACCES, "bad_credentials", WRONG);
        if ((r = db_prepare(db, SQL_RECOVERY_USE, &st, &o->op.err)) < 0)
            return r;
        db_bind_int(st, 1, o->now);
        db_bind_int(st, 2, row->id);
        db_bind_blob(st, 3, h, sizeof h);
        if ((r = run_stmt_changes(db, st, &o->op.err)) <= 0)
            return r < 0 ? r : err_set(&o->op.err, -EACCES, "bad_credentials", WRONG);
        if ((r = db_prepare(db, SQL_RECOVERY_LEFT, &st, &o->op.err)) < 0)
            return r;
        db_bind_int(st, 1, row->id);
        if ((r = db_step(st, &o->op.err)) < 0)
            return r;
        o->ret_recovery_left = (int)db_col_int(st, 0);
        return db_run(st, &o->op.err);
    }
    int64_t step = 0;
    if (!row->secret_ok) {
        o->ret_unsealable_id = row->id;
        return err_set(&o->op.err, -EACCES, "bad_credentials", WRONG);
    }
    if ((r = totp_check(row->secret, o->now, o->code, row->last_step, &step, &o->op.err)) < 0)
        return err_set(&o->op.err, -EACCES, "bad_credentials", WRONG);
    if ((r = db_prepare(db, SQL_STEP_USE, &st, &o->op.err)) < 0)
        return r;
    db_bind_int(st, 1, step);
    db_bind_int(st, 2, row->id);
    db_bind_int(st, 3, step);
    if ((r = run_stmt_changes(db, st, &o->op.err)) <= 0) /* a parallel log-in took this step */
        return r < 0 ? r : err_set(&o->op.err, -EACCES, "bad_credentials", WRONG);
    return 0;
}

/* First log-in (or after a reset): a new secret and an enrolment token,
 * shown once; the officer confirms with the first code (officer_enrol_op). */
static int start_enrolment(db_t *db, officer_login_op_t *o, const officer_ref_t *me)
{
    uint8_t secret[TOTP_SECRET_BYTES], sealed[TOTP_SEALED_BYTES], hash[SECRET_HASH_BYTES];
    db_stmt_t *st;
    totp_secret_new(secret);
    int r = totp_seal(o->totp_keys, me->id, secret, sealed, &o->op.err);
    if (r == 0)
        r = totp_uri(secret, o->login, o->ret_otpauth_uri, sizeof o->ret_otpauth_uri, &o->op.err);
    if (r == 0)
        r = totp_secret_base32(secret, o->ret_secret_b32, sizeof o->ret_secret_b32, &o->op.err);
    if (r == 0)
        r = db_prepare(db, SQL_ENROL_START, &st, &o->op.err);
    if (r == 0) {
        secret_token_new(o->ret_enrol_token, hash);
        o->ret_expires_at = o->now + OFFICER_ENROL_TTL_S;
        db_bind_blob(st, 1, sealed, sizeof sealed); /* never the plain secret */
        db_bind_blob(st, 2, hash, sizeof hash);
        db_bind_int(st, 3, o->ret_expires_at);
        db_bind_int(st, 4, me->id);
        r = db_run(st, &o->op.err);
    }
    sodium_memzero(secret, sizeof secret);
    if (r == 0)
        r = officer_audit(db, me, o->now, "officer.totp_enrolment_started", NULL, NULL, NULL, &o->op.err);
    o->ret_enrol = r == 0;
    return r;
}

static int login_write(db_t *db, officer_login_op_t *o, const login_row_t *row)
{
    officer_ref_t me = {.id = row->id, .role = o->ret_role};
    int r = row->enrolled ? second_factor(db, o, row) : start_enrolment(db, o, &me);
    if (r == 0 && row->enrolled)
        r = open_session(db, &me, o->now, o->idle_s, o->ret_token, &o->ret_expires_at, &o->op.err);
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    snprintf(account, sizeof account, "officer:%s", o->login);
    if (r == 0)
        r = login_limit_clear(db, account, o->addr, &o->op.err);
    return r;
}

static void wipe_login(officer_login_op_t *o)
{
    sodium_memzero(o->password, sizeof o->password);
    sodium_memzero(o->recovery_code, sizeof o->recovery_code);
}

static int run_login(db_t *db, store_op_t *op)
{
    officer_login_op_t *o = (officer_login_op_t *)op;
    login_row_t row = {0};
    int r = lookup_login(db, o, &row);
    bool ok = r == 0 && credential_password_ok(row.hash, o->password);
    sodium_memzero(o->password, sizeof o->password);
    if (r == 0 && !ok)
        r = err_set(&op->err, -EACCES, "bad_credentials", "The login, the password or the code is wrong.");
    else if (r == 0 && row.disabled)
        r = err_set(&op->err, -EACCES, "officer_disabled", "This desk account is disabled; ask a supervisor.");
    else if (r == 0 && row.enrolled && !o->code[0] && !o->recovery_code[0])
        r = err_set(&op->err, -EACCES, "totp_required",
            "Type the 6-digit code from your authenticator app (or a recovery code).");
    if (r == 0 && (r = db_begin_write(db, &op->err)) == 0) {
        r = login_write(db, o, &row);
        if (r == 0)
            r = db_commit(db, &op->err);
        if (r < 0)
            db_rollback(db);
    }
    sodium_memzero(&row, sizeof row);
    wipe_login(o);
    if (r < 0) {
        sodium_memzero(o->ret_token, sizeof o->ret_token);
        sodium_memzero(o->ret_enrol_token, sizeof o->ret_enrol_token);
        sodium_memzero(o->ret_otpauth_uri, sizeof o->ret_otpauth_uri);
        sodium_memzero(o->ret_secret_b32, sizeof o->ret_secret_b32);
        o->ret_enrol = false;
    }
    return r;
}

void officer_login_op_init(officer_login_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_SLOW_OFFICER;
    o->op.run = run_login;
}

static int run_login_start(db_t *db, store_op_t *op)
{
    officer_login_start_op_t *o = (officer_login_start_op_t *)op;
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    snprintf(account, sizeof account, "officer:%s", o->login);
    return login_limit_reserve(db, account, o->addr, o->now, &o->ret_wait, &op->err);
}

void officer_login_start_op_init(officer_login_start_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_login_start;
}

/* Makes the recovery codes (returned once) and stores their hashes. */
static int make_recovery(db_t *db, officer_enrol_op_t *o, int64_t id)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RECOVERY_CLEAR, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, id);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    for (int i = 0; i < OFFICER_RECOVERY_CODES && r == 0; i++) {
        uint8_t h[SECRET_HASH_BYTES];
        secret_code_new(o->ret_recovery[i]);
        secret_code_hash(o->ret_recovery[i], strlen(o->ret_recovery[i]), h);
        if ((r = db_prepare(db, SQL_RECOVERY_ADD, &st, &o->op.err)) < 0)
            break;
        db_bind_int(st, 1, id);
        db_bind_blob(st, 2, h, sizeof h);
        r = db_run(st, &o->op.err);
    }
    return r;
}

static int enrol_finish(db_t *db, officer_enrol_op_t *o, const officer_ref_t *me, int64_t step)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ENROL_DONE, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_int(st, 2, step);
    db_bind_int(st, 3, me->id);
    if ((r = db_run(st, &o->op.err)) < 0 || (r = make_recovery(db, o, me->id)) < 0)
        return r;
    if ((r = officer_audit(db, me, o->now, "officer.totp_enrolled", NULL, NULL, NULL, &o->op.err)) < 0)
        return r;
    return open_session(db, me, o->now, o->idle_s, o->ret_token, &o->ret_expires_at, &o->op.err);
}

static int run_enrol(db_t *db, store_op_t *op)
{
    officer_enrol_op_t *o = (officer_enrol_op_t *)op;
    uint8_t secret[TOTP_SECRET_BYTES];
    size_t len = 0;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_BY_ENROL, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, o->enrol_hash, sizeof o->enrol_hash);
    db_bind_int(st, 2, o->now);
    if ((r = db_step(st, &op->err)) < 0)
        return r;
    const void *sec = r == 1 ? db_col_blob(st, 2, &len) : NULL;
    officer_ref_t me = {0};
    if (!sec || officer_role_parse(db_col_text(st, 1) ? db_col_text(st, 1) : "", &me.role) < 0) {
        db_run(st, NULL);
        return err_set(&op->err, -EACCES, "unauthorized", "The enrolment has expired; log in again.");
    }
    me.id = db_col_int(st, 0);
    /* A secret that does not open counts as a wrong code: log in again for a new one. */
    bool opened = totp_unseal(o->totp_keys, me.id, sec, len, secret, NULL) == 0;
    db_run(st, NULL);
    int64_t step = 0;
    err_t ignored = {0};
    bool good = opened && totp_check(secret, o->now, o->code, 0, &step, &ignored) == 0;
    sodium_memzero(secret, sizeof secret);
    o->ret_role = me.role;
    if (good)
        return enrol_finish(db, o, &me, step);
    /* A wrong first code ends this enrolment: guessing needs a new log-in,
     * which the log-in limits count. */
    o->ret_refused = true;
    if ((r = db_prepare(db, SQL_ENROL_END, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, me.id);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    return officer_audit(db, &me, o->now, "officer.totp_enrolment_failed", NULL, NULL, NULL, &op->err);
}

void officer_enrol_op_init(officer_enrol_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_enrol;
}

/* A stored secret to seal again: plain (an older database) or sealed under
 * an older key of the file (rotation). `old` is the stored value, so that a
 * row changed meanwhile (another instance starting) is left alone. */
typedef struct to_seal {
    int64_t id;
    bool plain;
    uint8_t secret[TOTP_SECRET_BYTES];
    uint8_t old[TOTP_SEALED_BYTES];
    size_t old_len;
} to_seal_t;

/* What one stored value needs: 1 to seal it again (*ret filled), 0 nothing
 * (sealed under the current key, or sealed for another row: log-in refuses
 * it), -1 sealed under a key k does not hold. */
static int judge(const vault_keys_t *k, int64_t id, const uint8_t *v, size_t len, to_seal_t *ret)
{
    int key = totp_sealed_key_index(k, v, len);
    *ret = (to_seal_t){.id = id, .plain = len == TOTP_SECRET_BYTES, .old_len = len};
    if (ret->plain)
        memcpy(ret->secret, v, TOTP_SECRET_BYTES);
    else if (key < 0)
        return -1;
    else if (key == 0 || totp_unseal(k, id, v, len, ret->secret, NULL) < 0)
        return 0;
    memcpy(ret->old, v, len);
    return 1;
}

/* Appends one row's work to *rows (grown by one: officers are few; the
 * caller wipes and frees it); counts a secret under an unknown key. */
static int keep(db_stmt_t *st, const vault_keys_t *k, to_seal_t **rows, int *n, int *unknown, err_t *err)
{
    size_t len = 0;
    const uint8_t *v = db_col_blob(st, 1, &len);
    to_seal_t one;
    int verdict = judge(k, db_col_int(st, 0), v, len, &one);
    *unknown += verdict < 0;
    to_seal_t *grown = verdict > 0 ? malloc((size_t)(*n + 1) * sizeof *grown) : NULL;
    if (verdict > 0 && grown) {
        if (*n)
            memcpy(grown, *rows, (size_t)*n * sizeof *grown);
        grown[(*n)++] = one;
        if (*rows)
            sodium_memzero(*rows, (size_t)(*n - 1) * sizeof **rows);
        free(*rows);
        *rows = grown;
    }
    sodium_memzero(&one, sizeof one);
    return verdict > 0 && !grown ? err_set(err, -ENOMEM, "out_of_memory", "Out of memory.") : 0;
}

/* Seals one secret under the current key, unless its row changed since it
 * was read; 1 when it wrote the row. */
static int seal_row(db_t *db, const vault_keys_t *k, const to_seal_t *p, err_t *err)
{
    uint8_t sealed[TOTP_SEALED_BYTES];
    db_stmt_t *st;
    int r = totp_seal(k, p->id, p->secret, sealed, err);
    if (r == 0 && (r = db_prepare(db, SQL_SEAL, &st, err)) == 0) {
        db_bind_blob(st, 1, sealed, sizeof sealed);
        db_bind_int(st, 2, p->id);
        db_bind_blob(st, 3, p->old, p->old_len);
        r = run_stmt_changes(db, st, err);
    }
    return r;
}

static int seal_rows(
    db_t *db, const vault_keys_t *k, int64_t now, const to_seal_t *rows, int n, officer_totp_sealing_t *ret, err_t *err)
{
    int r = 0;
    for (int i = 0; r >= 0 && i < n; i++) {
        r = seal_row(db, k, &rows[i], err); /* 0: another instance starting did it first */
        ret->plain += r > 0 && rows[i].plain;
        ret->rekeyed += r > 0 && !rows[i].plain;
    }
    if (r < 0)
        return r;
    r = 0;
    if (ret->plain || ret->rekeyed) {
        json_t *d = json_pack("{s:i,s:i}", "plain", ret->plain, "rekeyed", ret->rekeyed);
        r = audit_append(db, now, "system", "officer.totp_secrets_sealed", "officers", d, err);
        json_decref(d);
    }
    return r;
}

static int seal_all_in(db_t *db, const vault_keys_t *k, int64_t now, officer_totp_sealing_t *ret, err_t *err)
{
    to_seal_t *rows = NULL;
    int n = 0, unknown = 0;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SECRETS, &st, err);
    while (r == 0 && (r = db_step(st, err)) == 1)
        r = keep(st, k, &rows, &n, &unknown, err);
    if (r == 0 && unknown)
        r = err_set(err, -EINVAL, "totp_unknown_key",
            "%d officer(s)' TOTP secrets are sealed under a key that totp_key_file does not hold:"
            " is it the right key file?",
            unknown);
    if (r == 0)
        r = seal_rows(db, k, now, rows, n, ret, err);
    if (rows)
        sodium_memzero(rows, (size_t)n * sizeof *rows);
    free(rows);
    return r;
}

int officer_totp_seal_all(db_t *db, const vault_keys_t *k, int64_t now, officer_totp_sealing_t *ret, err_t *err)
{
    *ret = (officer_totp_sealing_t){0};
    int r = db_begin_write(db, err);
    if (r < 0)
        return r;
    r = seal_all_in(db, k, now, ret, err);
    if (r == 0)
        r = db_commit(db, err);
    if (r < 0) {
        db_rollback(db);
        *ret = (officer_totp_sealing_t){0};
    }
    return r;
}

static int run_logout(db_t *db, store_op_t *op)
{
    officer_logout_op_t *o = (officer_logout_op_t *)op;
    return credential_session_end(db, CREDENTIAL_OFFICER, o->token_hash, o->now, &op->err);
}

void officer_logout_op_init(officer_logout_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_logout;
}

static int find_person(db_t *db, officer_lookup_op_t *o, int64_t *ret_pid)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_BY_DOC, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->doc_kind);
    db_bind_text(st, 2, o->doc_number);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    if (r == 0)
        return err_set(&o->op.err, -ENOENT, "unknown_document", "No person has this document.");
    *ret_pid = db_col_int(st, 0);
    db_col_copy(st, 1, o->ret.surname, sizeof o->ret.surname);
    db_col_copy(st, 2, o->ret.given_names, sizeof o->ret.given_names);
    db_col_copy(st, 3, o->ret.surname_cyr, sizeof o->ret.surname_cyr);
    db_col_copy(st, 4, o->ret.given_names_cyr, sizeof o->ret.given_names_cyr);
    o->ret.document_verified = db_col_int(st, 5) != 0;
    db_run(st, NULL);
    return 0;
}

/* The due date of an active adult registration, as the person's app shows
 * it; minors (linked to a guardian) have none. */
static date_t due_of(const officer_lookup_op_t *o, const char *last, bool minor)
{
    date_t d;
    const region_t *rg = region_find(o->regions, o->ret.region);
    if (minor || !last || date_parse(last, strlen(last), &d) < 0)
        return 0;
    int offset = rg ? rg->utc_offset_minutes : REGION_DEFAULT_UTC_OFFSET_MIN;
    deadline_t dl;
    deadline_compute(
        o->cal, d, date_local(o->now, offset), rg ? rg->confirm_working_days : DEADLINE_WORKING_DAYS, offset, &dl);
    return dl.due_date;
}

static int read_status(db_t *db, officer_lookup_op_t *o, int64_t pid)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LAST_REG, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    snprintf(o->ret.status, sizeof o->ret.status, "none");
    if (r == 0)
        return 0;
    db_col_copy(st, 0, o->ret.region, sizeof o->ret.region);
    db_col_copy(st, 1, o->ret.status, sizeof o->ret.status);
    if (strcmp(o->ret.status, "active") == 0)
        o->ret.due_date = due_of(o, db_col_text(st, 2), !db_col_null(st, 4));
    else
        db_col_copy(st, 3, o->ret.end_reason, sizeof o->ret.end_reason);
    return db_run(st, &o->op.err);
}

/* Writes the read down twice: for the person (officer_reads) and for the
 * auditors (the hash chain), in the lookup's own transaction. */
static int record_read(db_t *db, officer_lookup_op_t *o, const officer_ref_t *me, int64_t pid)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_READ_ADD, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, me->id);
    db_bind_int(st, 2, pid);
    db_bind_text(st, 3, o->reason);
    db_bind_int(st, 4, o->now);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    char subject[40];
    actor_of(subject, sizeof subject, "person", pid);
    return officer_audit(db, me, o->now, "person.read", subject, o->reason, NULL, &o->op.err);
}

static int run_lookup(db_t *db, store_op_t *op)
{
    officer_lookup_op_t *o = (officer_lookup_op_t *)op;
    officer_ref_t me = {0};
    int64_t pid = 0;
    int r = officer_session_touch(db, o->token_hash, o->now, o->roles, &me, &op->err);
    if (r < 0 || (r = find_person(db, o, &pid)) < 0 || (r = read_status(db, o, pid)) < 0)
        return r;
    return record_read(db, o, &me, pid);
}

void officer_lookup_op_init(officer_lookup_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_lookup;
}

static int run_access_log(db_t *db, store_op_t *op)
{
    officer_access_log_op_t *o = (officer_access_log_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ACCESS, &st, &op->err);
    if (r < 0)
        return r;
    session_list_bind(st, o->token_hash, o->now);
    for (r = session_list_first(st, &op->err); r == 1 && o->ret_n < OFFICER_ACCESS_LOG_MAX; r = db_step(st, &op->err)) {
        officer_access_row_t *a = &o->ret[o->ret_n++];
        a->at = db_col_int(st, 0);
        db_col_copy(st, 1, a->role, sizeof a->role);
        db_col_copy(st, 2, a->reason, sizeof a->reason);
    }
    return r < 0 ? r : db_run(st, &op->err);
}

void officer_access_log_op_init(officer_access_log_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_access_log;
}

/* --- officer management ------------------------------------------------- */

static const char SQL_TARGET_BY_ID[] = "SELECT id, login, disabled_at FROM officers WHERE id = ?";
static const char SQL_TARGET_BY_LOGIN[] = "SELECT id, login, disabled_at FROM officers WHERE login = ?";
static const char SQL_DISABLE[] = "UPDATE officers SET disabled_at = ? WHERE id = ?";
static const char SQL_RESET[] =
    "UPDATE officers SET password_hash = ?, totp_secret = NULL, totp_enrolled_at = NULL, enrol_token_hash = NULL,"
    " enrol_expires_at = NULL WHERE id = ?";
#define LIST_COLS "id, login, name, role, created_at, disabled_at, totp_enrolled_at"
#define LIST_NCOLS 7
_Static_assert(OFFICER_LIST_MAX == 500, "SQL_LIST and SQL_DESK_LIST say LIMIT 500");
static const char SQL_LIST[] = "SELECT " LIST_COLS " FROM officers ORDER BY login LIMIT 500";
/* The desk's list: the supervisor's session and role in the same statement. */
static const char SQL_DESK_LIST[] = OFFICER_READ_SQL(
    "t.*", "SELECT " LIST_COLS " FROM officers WHERE " OFFICER_ME_ALLOWED " ORDER BY login LIMIT 500", "t.login");

/* Who acts: a supervisor's session (slid), or the operator. */
static int manager(
    db_t *db, bool by_operator, const uint8_t *token_hash, int64_t now, unsigned roles, officer_ref_t *ret, err_t *err)
{
    if (by_operator) {
        *ret = (officer_ref_t){0};
        return 0;
    }
    return officer_session_touch(db, token_hash, now, roles, ret, err);
}

static int find_target(db_t *db, officer_manage_op_t *o, bool *ret_disabled)
{
    db_stmt_t *st;
    int r = db_prepare(db, o->target_id ? SQL_TARGET_BY_ID : SQL_TARGET_BY_LOGIN, &st, &o->op.err);
    if (r < 0)
        return r;
    if (o->target_id)
        db_bind_int(st, 1, o->target_id);
    else
        db_bind_text(st, 1, o->login);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    if (r == 0)
        return err_set(&o->op.err, -ENOENT, "unknown_officer", "No such officer.");
    o->ret_id = db_col_int(st, 0);
    db_col_copy(st, 1, o->ret_login, sizeof o->ret_login);
    *ret_disabled = !db_col_null(st, 2);
    return db_run(st, &o->op.err);
}

static int insert_officer(db_t *db, officer_manage_op_t *o, const char *hash)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ADD, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->login);
    db_bind_text(st, 2, o->name);
    db_bind_text(st, 3, officer_role_name(o->role));
    db_bind_text(st, 4, hash);
    db_bind_int(st, 5, o->now);
    if ((r = db_step(st, &o->op.err)) == -EEXIST)
        return err_set(&o->op.err, -EEXIST, "officer_exists", "An officer with this login already exists.");
    if (r != 1)
        return r < 0 ? r : err_set(&o->op.err, -EIO, "storage_failed", "Insert returned no id.");
    o->ret_id = db_col_int(st, 0);
    snprintf(o->ret_login, sizeof o->ret_login, "%s", o->login);
    return db_run(st, NULL);
}

static int change_target(db_t *db, officer_manage_op_t *o, const char *hash)
{
    bool disabled = false;
    int r = find_target(db, o, &disabled);
    if (r < 0)
        return r;
    if (o->action == OFFICER_MANAGE_DISABLE && disabled)
        return err_set(&o->op.err, -EALREADY, "officer_disabled", "This officer is already disabled.");
    if (o->action == OFFICER_MANAGE_DISABLE)
        r = db_run_ints(db, SQL_DISABLE, (const int64_t[]){o->now, o->ret_id}, 2, &o->op.err);
    else {
        db_stmt_t *st;
        if ((r = db_prepare(db, SQL_RESET, &st, &o->op.err)) < 0)
            return r;
        db_bind_text(st, 1, hash);
        db_bind_int(st, 2, o->ret_id);
        r = db_run(st, &o->op.err);
    }
    return r < 0 ? r : credential_sessions_end_all(db, CREDENTIAL_OFFICER, o->ret_id, NULL, &o->op.err);
}

static int manage_write(db_t *db, officer_manage_op_t *o, const char *hash)
{
    static const char *const actions[] = {"officer.created", "officer.disabled", "officer.reset"};
    officer_ref_t me;
    int r = manager(db, o->by_operator, o->token_hash, o->now, o->roles, &me, &o->op.err);
    if (r < 0)
        return r;
    if (!o->by_operator && o->target_id == me.id && o->action != OFFICER_MANAGE_ADD)
        return err_set(&o->op.err, -EPERM, "not_yourself", "Another supervisor must do this to your own account.");
    r = o->action == OFFICER_MANAGE_ADD ? insert_officer(db, o, hash) : change_target(db, o, hash);
    if (r < 0)
        return r;
    char subject[40];
    actor_of(subject, sizeof subject, "officer", o->ret_id);
    json_t *d = json_pack("{s:s}", "login", o->ret_login);
    if (o->action == OFFICER_MANAGE_ADD)
        json_object_set_new(d, "new_role", json_string(officer_role_name(o->role)));
    if (o->by_operator) {
        if (o->reason[0])
            json_object_set_new(d, "reason", json_string(o->reason));
        r = audit_append(db, o->now, "operator", actions[o->action], subject, d, &o->op.err);
    } else
        r = officer_audit(db, &me, o->now, actions[o->action], subject, o->reason, d, &o->op.err);
    json_decref(d);
    return r;
}

static void new_password(char pw[OFFICER_PASSWORD_CHARS + 1])
{
    char a[SECRET_CODE_CHARS + 1], b[SECRET_CODE_CHARS + 1];
    secret_code_new(a);
    secret_code_new(b);
    snprintf(pw, OFFICER_PASSWORD_CHARS + 1, "%s-%s", a, b);
    sodium_memzero(a, sizeof a);
    sodium_memzero(b, sizeof b);
}

static int run_manage(db_t *db, store_op_t *op)
{
    officer_manage_op_t *o = (officer_manage_op_t *)op;
    char hash[SECRET_PWHASH_MAX] = "";
    int r = 0;
    if (o->action != OFFICER_MANAGE_DISABLE) {
        new_password(o->ret_password);
        if (secret_password_hash(o->ret_password, strlen(o->ret_password), o->opslimit, o->memlimit, hash) < 0)
            r = err_set(&op->err, -ENOMEM, "out_of_memory", "Cannot hash the password (out of memory).");
    }
    if (r == 0 && (r = db_begin_write(db, &op->err)) == 0) {
        r = manage_write(db, o, hash);
        if (r == 0)
            r = db_commit(db, &op->err);
        if (r < 0)
            db_rollback(db);
    }
    if (r < 0)
        sodium_memzero(o->ret_password, sizeof o->ret_password);
    return r;
}

void officer_manage_op_init(officer_manage_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_SLOW_OFFICER;
    o->op.run = run_manage;
}

/* One row of LIST_COLS into the next slot; a row with a role this build
 * does not know is left out. */
static void list_row(db_stmt_t *st, officer_list_op_t *o)
{
    officer_row_t *w = &o->ret[o->ret_n];
    const char *role = db_col_text(st, 3);
    if (officer_role_parse(role ? role : "", &w->role) < 0)
        return;
    w->id = db_col_int(st, 0);
    db_col_copy(st, 1, w->login, sizeof w->login);
    db_col_copy(st, 2, w->name, sizeof w->name);
    w->created_at = db_col_int(st, 4);
    w->disabled_at = db_col_int_or_zero(st, 5);
    w->enrolled = !db_col_null(st, 6);
    o->ret_n++;
}

static int run_list(db_t *db, store_op_t *op)
{
    officer_list_op_t *o = (officer_list_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, o->by_operator ? SQL_LIST : SQL_DESK_LIST, &st, &op->err);
    if (r < 0)
        return r;
    if (o->by_operator)
        r = db_step(st, &op->err);
    else {
        officer_read_bind(st, o->token_hash, o->now, o->roles);
        r = officer_read_first(st, LIST_NCOLS, o->roles, &o->ret_me, &op->err);
    }
    for (; r == 1 && o->ret_n < OFFICER_LIST_MAX; r = db_step(st, &op->err))
        list_row(st, o);
    return r < 0 ? r : db_run(st, &op->err);
}

void officer_list_op_init(officer_list_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_list;
}

/* --- auditor views ------------------------------------------------------ */

static const char SQL_READS[] =
    "SELECT r.at, r.officer_id, o.login, o.role, r.person_id, r.reason FROM officer_reads r"
    " JOIN officers o ON o.id = r.officer_id WHERE r.at >= ? AND r.at < ? ORDER BY r.id DESC LIMIT 500";

static int run_reads(db_t *db, store_op_t *op)
{
    officer_reads_op_t *o = (officer_reads_op_t *)op;
    officer_ref_t me;
    db_stmt_t *st;
    int r = officer_session_touch(db, o->token_hash, o->now, o->roles, &me, &op->err);
    if (r < 0 || (r = db_prepare(db, SQL_READS, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, o->from);
    db_bind_int(st, 2, o->to);
    while (o->ret_n < OFFICER_READS_MAX && (r = db_step(st, &op->err)) == 1) {
        officer_read_row_t *w = &o->ret[o->ret_n++];
        w->at = db_col_int(st, 0);
        w->officer_id = db_col_int(st, 1);
        db_col_copy(st, 2, w->login, sizeof w->login);
        db_col_copy(st, 3, w->role, sizeof w->role);
        w->person_id = db_col_int(st, 4);
        db_col_copy(st, 5, w->reason, sizeof w->reason);
    }
    if (r < 0 || (r = db_run(st, &op->err)) < 0)
        return r;
    json_t *d = json_pack("{s:I,s:I,s:i}", "from", (json_int_t)o->from, "to", (json_int_t)o->to, "rows", o->ret_n);
    r = officer_audit(db, &me, o->now, "audit.lookups_read", NULL, NULL, d, &op->err);
    json_decref(d);
    return r;
}

void officer_reads_op_init(officer_reads_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_reads;
}
