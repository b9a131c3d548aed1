/* POST /api/v1/desk/session, POST /api/v1/desk/session/totp, DELETE
 * /api/v1/desk/session — officers' log-in at the desk: password and a TOTP
 * code (or a recovery code), the same limits as a person's log-in, separate
 * tokens. An officer without an authenticator yet gets a TOTP secret (once)
 * and confirms it with the first code at /session/totp. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login_gate.h"
#include "api/qr.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "base/log.h"
#include "store/officer.h"
#include "store/totp.h"

static int64_t idle_of(const api_req_t *r)
{
    return r->w->desk_idle_s > 0 ? r->w->desk_idle_s : OFFICER_IDLE_DEFAULT_S;
}

static json_t *session_json(const char *token, int64_t expires_at, officer_role_t role, int64_t idle_s)
{
    return json_pack("{s:s,s:o,s:s,s:I}", "token", token, "expires_at", view_time(expires_at, 0), "role",
        officer_role_name(role), "idle_timeout_s", (json_int_t)idle_s);
}

static void login_done(api_req_t *r, store_op_t *op)
{
    officer_login_op_t *o = (officer_login_op_t *)op;
    if (op->rc == -EACCES)
        login_gate_log(r, "auth.login_failed", "desk log-in", "officer", 0);
    if (o->ret_unsealable_id) /* the operator's to look into; the client hears only bad_credentials */
        log_msg(LOG_WARN, "desk.totp_unsealable",
            "officer %lld's stored TOTP secret does not open (altered, copied from another row, or sealed under"
            " another key): codes fail until a supervisor resets the officer",
            (long long)o->ret_unsealable_id);
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else if (o->ret_enrol) { /* 202: the log-in goes on at /session/totp */
        json_t *body = json_pack("{s:s,s:s,s:s,s:o,s:s}", "enrolment_token", o->ret_enrol_token, "otpauth_uri",
            o->ret_otpauth_uri, "secret", o->ret_secret_b32, "expires_at", view_time(o->ret_expires_at, 0), "role",
            officer_role_name(o->ret_role));
        json_t *qr = qr_rows(o->ret_otpauth_uri);
        if (qr)
            json_object_set_new(body, "qr", qr);
        api_reply_json_secret(r, 202, body); /* the secret, its URI and QR: wiped after sending */
    } else {
        json_t *body = session_json(o->ret_token, o->ret_expires_at, o->ret_role, idle_of(r));
        if (o->recovery_code[0] || o->ret_recovery_left)
            json_object_set_new(body, "recovery_codes_left", json_integer(o->ret_recovery_left));
        api_reply_json(r, 201, body);
    }
    sodium_memzero(o->ret_token, sizeof o->ret_token);
    sodium_memzero(o->ret_enrol_token, sizeof o->ret_enrol_token);
    sodium_memzero(o->ret_otpauth_uri, sizeof o->ret_otpauth_uri);
    sodium_memzero(o->ret_secret_b32, sizeof o->ret_secret_b32);
    sodium_memzero(o->password, sizeof o->password);
}

/* The desk log-in, carried from the counting step to the hashing step. */
typedef struct desk_pending {
    officer_login_start_op_t start;
    char password[LIMIT_PASSWORD_MAX + 1];
    char code[16];
    char recovery_code[32];
} desk_pending_t;

static void login_counted(api_req_t *r, store_op_t *op)
{
    desk_pending_t *p = (desk_pending_t *)op;
    if (op->rc < 0 || p->start.ret_wait > 0) {
        if (op->rc < 0)
            api_problem_err(r, &op->err);
        else
            login_gate_reply_limited(r, p->start.ret_wait, "desk log-in", "officer", 0);
        sodium_memzero(p->password, sizeof p->password);
        return;
    }
    officer_login_op_t *o = api_op_new_or_reply(r, sizeof *o, login_done);
    if (o) {
        officer_login_op_init(o);
        o->totp_keys = &r->w->totp_keys;
        o->now = p->start.now;
        memcpy(o->login, p->start.login, sizeof o->login);
        memcpy(o->addr, p->start.addr, sizeof o->addr);
        snprintf(o->password, sizeof o->password, "%s", p->password);
        memcpy(o->code, p->code, sizeof o->code);
        memcpy(o->recovery_code, p->recovery_code, sizeof o->recovery_code);
        o->idle_s = idle_of(r);
        api_op_submit(r, &o->op);
    }
    sodium_memzero(p->password, sizeof p->password);
    sodium_memzero(p->recovery_code, sizeof p->recovery_code);
}

/* Like a person's log-in (h_session.c): a hashing place, the attempt
 * counted in the database, then the password checked on the officers' own
 * lane. */
void h_desk_session_create(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *login = "", *pw = "", *code = "", *recovery = "";
    int rc = jsonx_string(body, "login", true, 1, OFFICER_LOGIN_MAX, &login, &e);
    if (rc == 0)
        rc = jsonx_string(body, "password", true, 1, LIMIT_PASSWORD_MAX, &pw, &e);
    if (rc == 0)
        rc = jsonx_string(body, "code", false, TOTP_DIGITS, TOTP_DIGITS, &code, &e);
    if (rc == 0)
        rc = jsonx_string(body, "recovery_code", false, 1, 31, &recovery, &e);
    if (rc < 0 || !login_gate_enter_or_reply(r, "officer")) {
        if (rc < 0)
            api_problem_err(r, &e);
        return;
    }
    desk_pending_t *p = api_op_new_or_reply(r, sizeof *p, login_counted);
    if (p) {
        officer_login_start_op_init(&p->start);
        p->start.now = api_now(r);
        snprintf(p->start.login, sizeof p->start.login, "%s", login);
        api_peer(r, p->start.addr, sizeof p->start.addr);
        snprintf(p->password, sizeof p->password, "%s", pw);
        snprintf(p->code, sizeof p->code, "%s", code ? code : ""); /* absent: NULL */
        snprintf(p->recovery_code, sizeof p->recovery_code, "%s", recovery ? recovery : "");
    }
    if (p)
        api_op_submit(r, &p->start.op);
}

static void enrol_done(api_req_t *r, store_op_t *op)
{
    officer_enrol_op_t *o = (officer_enrol_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else if (o->ret_refused)
        api_problem(r, 401, "bad_code", "The code does not match; log in again for a new QR code.");
    else {
        json_t *body = session_json(o->ret_token, o->ret_expires_at, o->ret_role, idle_of(r));
        json_t *codes = json_array();
        for (int i = 0; i < OFFICER_RECOVERY_CODES; i++)
            json_array_append_new(codes, json_string(o->ret_recovery[i]));
        json_object_set_new(body, "recovery_codes", codes);
        api_reply_json_secret(r, 201, body); /* the recovery codes, shown once: wiped after sending */
    }
    sodium_memzero(o->ret_token, sizeof o->ret_token);
    sodium_memzero(o->ret_recovery, sizeof o->ret_recovery);
}

/* POST /api/v1/desk/session/totp {enrolment_token, code}: the first code
 * confirms the authenticator; the answer is a session and the recovery
 * codes, each shown this once. */
void h_desk_totp_enrol(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *token = "", *code = "";
    int rc = jsonx_string(body, "enrolment_token", true, SECRET_TOKEN_CHARS, SECRET_TOKEN_CHARS, &token, &e);
    if (rc == 0)
        rc = jsonx_string(body, "code", true, TOTP_DIGITS, TOTP_DIGITS, &code, &e);
    officer_enrol_op_t *o = rc < 0 ? NULL : api_op_new_or_reply(r, sizeof *o, enrol_done);
    if (o) {
        officer_enrol_op_init(o);
        o->totp_keys = &r->w->totp_keys;
        secret_hash(token, strlen(token), o->enrol_hash);
        snprintf(o->code, sizeof o->code, "%s", code);
        o->now = api_now(r);
        o->idle_s = idle_of(r);
    }
    if (rc < 0)
        api_problem_err(r, &e);
    else if (o)
        api_op_submit(r, &o->op);
}

void h_desk_session_delete(api_req_t *r)
{
    officer_logout_op_t *o = api_op_new_or_reply(r, sizeof *o, api_finish_no_content);
    if (!o)
        return;
    officer_logout_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
