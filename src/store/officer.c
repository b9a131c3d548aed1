#include "store/officer.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "rules/deadline.h"
#include "store/audit.h"
#include "store/session.h"

static const char SQL_SESSION[] =
    "SELECT o.id, o.role FROM officer_sessions s JOIN officers o ON o.id = s.officer_id"
    " WHERE s.token_hash = ? AND s.expires_at > ?";
static const char SQL_ADD[] =
    "INSERT INTO officers (login, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char SQL_BY_LOGIN[] = "SELECT id, role, password_hash FROM officers WHERE login = ?";
static const char SQL_SESSION_ADD[] =
    "INSERT INTO officer_sessions (token_hash, officer_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
static const char SQL_SESSION_DEL[] = "DELETE FROM officer_sessions WHERE token_hash = ? RETURNING officer_id";
static const char SQL_BY_DOC[] =
    "SELECT p.id, p.surname, p.given_names, p.surname_cyr, p.given_names_cyr, d.verified FROM documents d"
    " JOIN persons p ON p.id = d.person_id WHERE d.kind = ? AND d.number = ?";
/* The newest registration is the current one: a new registration ends the
 * old, and an appeal restores only a registration with nothing after it. */
static const char SQL_LAST_REG[] =
    "SELECT region, status, last_confirmed_on, end_reason, guardian_registration_id FROM registrations_now"
    " WHERE person_id = ? ORDER BY id DESC LIMIT 1";
static const char SQL_READ_ADD[] = "INSERT INTO officer_reads (officer_id, person_id, reason, at) VALUES (?, ?, ?, ?)";
static const char SQL_ACCESS[] =
    "SELECT r.at, o.role, r.reason FROM officer_reads r JOIN officers o ON o.id = r.officer_id"
    " WHERE r.person_id = ? ORDER BY r.id DESC LIMIT 100";

static const struct { officer_role_t role; const char *name; } role_names[] = {
    {OFFICER_REGISTRAR, "registrar"}, {OFFICER_INSPECTOR, "inspector"}, {OFFICER_AUDITOR, "auditor"},
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
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SESSION, &st, err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, token_hash, SECRET_HASH_BYTES);
    db_bind_int(st, 2, now);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -EACCES, "unauthorized", "The desk session is unknown or has expired; log in again.");
    officer_ref_t o = {.id = db_col_int(st, 0)};
    const char *role = db_col_text(st, 1);
    r = officer_role_parse(role ? role : "", &o.role);
    db_run(st, NULL);
    if (r < 0 || !(o.role & allowed))
        return err_set(err, -EPERM, "forbidden", "Your role may not do this.");
    *ret = o;
    return 0;
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

/* Finds the officer's id, role and password hash; *ret_hash = "" if none. */
static int lookup_login(db_t *db, officer_login_op_t *o, int64_t *ret_id, char *ret_hash, size_t cap)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_BY_LOGIN, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->login);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    ret_hash[0] = '\0';
    if (r == 1) {
        *ret_id = db_col_int(st, 0);
        const char *role = db_col_text(st, 1);
        if (officer_role_parse(role ? role : "", &o->ret_role) == 0)
            db_col_copy(st, 2, ret_hash, cap);
    }
    db_run(st, NULL);
    return 0;
}

/* Checks the password; an unknown login still costs one argon2id hash so
 * that timing does not tell which part was wrong. */
static bool password_ok(const char *stored, const char *pw)
{
    if (stored[0])
        return secret_password_verify(stored, pw, strlen(pw));
    char burn[SECRET_PWHASH_MAX];
    secret_password_hash(pw, strlen(pw), 0, 0, burn);
    return false;
}

static int open_session(db_t *db, officer_login_op_t *o, int64_t id)
{
    uint8_t hash[SECRET_HASH_BYTES];
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SESSION_ADD, &st, &o->op.err);
    if (r < 0)
        return r;
    secret_token_new(o->ret_token, hash);
    o->ret_expires_at = o->now + LIMIT_SESSION_TTL_S;
    db_bind_blob(st, 1, hash, sizeof hash);
    db_bind_int(st, 2, id);
    db_bind_int(st, 3, o->now);
    db_bind_int(st, 4, o->ret_expires_at);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    char actor[40];
    actor_of(actor, sizeof actor, "officer", id);
    return audit_append(db, o->now, actor, "officer.session_created", actor, NULL, &o->op.err);
}

static int run_login(db_t *db, store_op_t *op)
{
    officer_login_op_t *o = (officer_login_op_t *)op;
    char stored[SECRET_PWHASH_MAX];
    int64_t id = 0;
    int r = lookup_login(db, o, &id, stored, sizeof stored);
    bool ok = r == 0 && password_ok(stored, o->password);
    sodium_memzero(o->password, sizeof o->password);
    if (r < 0)
        return r;
    if (!ok)
        return err_set(&op->err, -EACCES, "bad_credentials", "The login or the password is wrong.");
    if ((r = db_begin_write(db, &op->err)) < 0)
        return r;
    r = open_session(db, o, id);
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    snprintf(account, sizeof account, "officer:%s", o->login);
    if (r == 0)
        r = login_limit_clear(db, account, o->addr, &op->err);
    if (r == 0)
        r = db_commit(db, &op->err);
    if (r < 0) {
        db_rollback(db);
        sodium_memzero(o->ret_token, sizeof o->ret_token);
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

static int run_logout(db_t *db, store_op_t *op)
{
    officer_logout_op_t *o = (officer_logout_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SESSION_DEL, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, o->token_hash, sizeof o->token_hash);
    if ((r = db_step(st, &op->err)) < 0)
        return r;
    if (r == 0)
        return err_set(&op->err, -EACCES, "unauthorized", "The desk session is unknown or has expired.");
    char actor[40];
    actor_of(actor, sizeof actor, "officer", db_col_int(st, 0));
    db_run(st, NULL);
    return audit_append(db, o->now, actor, "officer.session_ended", actor, NULL, &op->err);
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
    int offset = rg ? rg->utc_offset_minutes : 180;
    deadline_t dl;
    deadline_compute(o->cal, d, date_local(o->now, offset), rg ? rg->confirm_working_days : 3, offset, &dl);
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
static int record_read(db_t *db, officer_lookup_op_t *o, int64_t officer_id, int64_t pid)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_READ_ADD, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, officer_id);
    db_bind_int(st, 2, pid);
    db_bind_text(st, 3, o->reason);
    db_bind_int(st, 4, o->now);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    char actor[40], subject[40];
    actor_of(actor, sizeof actor, "officer", officer_id);
    actor_of(subject, sizeof subject, "person", pid);
    json_t *d = json_pack("{s:s}", "reason", o->reason);
    r = audit_append(db, o->now, actor, "person.read", subject, d, &o->op.err);
    json_decref(d);
    return r;
}

static int run_lookup(db_t *db, store_op_t *op)
{
    officer_lookup_op_t *o = (officer_lookup_op_t *)op;
    officer_ref_t me = {0};
    int64_t pid = 0;
    int r = officer_session(db, o->token_hash, o->now, OFFICER_INSPECTOR | OFFICER_REGISTRAR, &me, &op->err);
    if (r < 0 || (r = find_person(db, o, &pid)) < 0 || (r = read_status(db, o, pid)) < 0)
        return r;
    return record_read(db, o, me.id, pid);
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
    int64_t pid;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = db_prepare(db, SQL_ACCESS, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, pid);
    while (o->ret_n < OFFICER_ACCESS_LOG_MAX && (r = db_step(st, &op->err)) == 1) {
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
    o->op.run = run_access_log;
}
