/* A person's account on their own phone (issue 17, issue 12):
 *   POST   /api/v1/me/password       change the password (ends the other sessions)
 *   POST   /api/v1/session/recheck   type the password again in this session
 *   POST   /api/v1/session/renew     slide the session's expiry (the app, on opening)
 *   GET    /api/v1/me/sessions       one's open sessions
 *   DELETE /api/v1/me/sessions       log out everywhere
 * and the password re-check in front of the actions that change the record
 * (h_*_rechecked, used by the router instead of the plain handlers).
 *
 * Why a re-check and not the password in every such request: the app keeps
 * no password, and one re-check covers the few steps of one errand (leave,
 * then register elsewhere) for session_policy.recheck_s. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login_gate.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "base/log.h"
#include "rules/password.h"
#include "store/session.h"

/* --- password change and re-check: counted like a log-in --- */

typedef struct password_pending {
    session_password_start_op_t start;
    char current[LIMIT_PASSWORD_MAX + 1];
    char new_password[LIMIT_PASSWORD_MAX + 1]; /* "" for a re-check */
} password_pending_t;

static void password_done(api_req_t *r, store_op_t *op)
{
    session_password_op_t *o = (session_password_op_t *)op;
    if (op->rc == -EPERM)
        login_gate_log(r, "auth.password_failed", "password check", "person", o->person_id);
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
    } else {
        char addr[64];
        api_peer(r, addr, sizeof addr);
        log_msg(LOG_INFO, o->new_password_set ? "auth.password_changed" : "auth.password_rechecked",
            "person %lld, client %s, other sessions ended %lld", (long long)o->person_id, addr[0] ? addr : "?",
            (long long)o->ret_ended);
        api_reply_empty(r, 204);
    }
    sodium_memzero(o->stored, sizeof o->stored);
}

static void password_counted(api_req_t *r, store_op_t *op)
{
    password_pending_t *p = (password_pending_t *)op;
    session_password_start_op_t *s = &p->start;
    if (op->rc < 0 || s->ret_wait > 0) {
        if (op->rc < 0)
            api_problem_err(r, &op->err);
        else
            login_gate_reply_limited(r, s->ret_wait, "password check", "person", s->ret_person_id);
    } else {
        session_password_op_t *o = api_op_new_or_reply(r, sizeof *o, password_done);
        if (o) {
            session_password_op_init(o);
            o->now = s->now;
            o->person_id = s->ret_person_id;
            memcpy(o->token_hash, s->token_hash, sizeof o->token_hash);
            memcpy(o->stored, s->ret_hash, sizeof o->stored);
            session_login_account(s->ret_person_id, "", "", o->account, sizeof o->account);
            memcpy(o->addr, s->addr, sizeof o->addr);
            snprintf(o->current, sizeof o->current, "%s", p->current);
            snprintf(o->new_password, sizeof o->new_password, "%s", p->new_password);
            o->new_password_set = p->new_password[0] != '\0';
            o->opslimit = r->w->argon2_ops;
            o->memlimit = r->w->argon2_mem;
            api_op_submit(r, &o->op);
        }
    }
    sodium_memzero(p->current, sizeof p->current);
    sodium_memzero(p->new_password, sizeof p->new_password);
    sodium_memzero(s->ret_hash, sizeof s->ret_hash);
}

/* Both requests: the bearer token, a hashing place (login_gate), the attempt
 * counted in the database, then the slow check. */
static void password_submit(
    api_req_t *r, const uint8_t token[SECRET_HASH_BYTES], const char *current, const char *new_password)
{
    if (!login_gate_enter_or_reply(r, "person"))
        return;
    password_pending_t *p = api_op_new_or_reply(r, sizeof *p, password_counted);
    if (!p)
        return;
    session_password_start_op_init(&p->start);
    p->start.now = api_now(r);
    memcpy(p->start.token_hash, token, SECRET_HASH_BYTES);
    api_peer(r, p->start.addr, sizeof p->start.addr);
    snprintf(p->current, sizeof p->current, "%s", current);
    snprintf(p->new_password, sizeof p->new_password, "%s", new_password);
    api_op_submit(r, &p->start.op);
}

void h_me_password(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *cur, *pw;
    int rc = jsonx_string(body, "current_password", true, 1, LIMIT_PASSWORD_MAX, &cur, &e);
    if (rc == 0)
        rc = jsonx_string(body, "new_password", true, 0, 4 * LIMIT_PASSWORD_MAX, &pw, &e);
    if (rc == 0)
        rc = password_check(pw, strlen(pw), r->w->passwords, &e);
    if (rc == 0 && strcmp(cur, pw) == 0)
        rc = err_set(&e, -EINVAL, "password_unchanged", "The new password is the same as the current one.");
    if (rc < 0)
        api_problem_err(r, &e);
    else
        password_submit(r, r->token_hash, cur, pw);
}

void h_session_recheck(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *pw;
    if (jsonx_string(body, "password", true, 1, LIMIT_PASSWORD_MAX, &pw, &e) < 0)
        api_problem_err(r, &e);
    else
        password_submit(r, r->token_hash, pw, "");
}

/* --- renewal, the list, log out everywhere --- */

static void renew_done(api_req_t *r, store_op_t *op)
{
    session_renew_op_t *o = (session_renew_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 200,
            json_pack("{s:o,s:o}", "expires_at", view_time(o->ret_expires_at, 0), "renewable_until",
                view_time(o->ret_max_expires_at, 0)));
}

void h_session_renew(api_req_t *r)
{
    session_renew_op_t *o = api_op_new_or_reply(r, sizeof *o, renew_done);
    if (!o)
        return;
    session_renew_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    o->idle_s = r->w->sessions.idle_s;
    api_op_submit(r, &o->op);
}

static void list_done(api_req_t *r, store_op_t *op)
{
    session_list_op_t *o = (session_list_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < o->ret_n; i++) {
        const session_info_t *s = &o->ret[i];
        json_array_append_new(arr, json_pack("{s:s,s:o,s:o,s:o,s:b}", "device", s->device, "created_at",
                                       view_time(s->created_at, 0), "last_used_at", view_time(s->last_used_at, 0),
                                       "expires_at", view_time(s->expires_at, 0), "current", s->current));
    }
    api_reply_json(r, 200, json_pack("{s:o}", "sessions", arr));
}

void h_me_sessions_list(api_req_t *r)
{
    session_list_op_t *o = api_op_new_or_reply(r, sizeof *o, list_done);
    if (!o)
        return;
    session_list_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

static void end_all_done(api_req_t *r, store_op_t *op)
{
    session_end_all_op_t *o = (session_end_all_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    char addr[64];
    api_peer(r, addr, sizeof addr);
    log_msg(LOG_INFO, "auth.logout_everywhere", "sessions ended %lld, client %s", (long long)o->ret_ended,
        addr[0] ? addr : "?");
    api_reply_empty(r, 204);
}

void h_me_sessions_delete(api_req_t *r)
{
    session_end_all_op_t *o = api_op_new_or_reply(r, sizeof *o, end_all_done);
    if (!o)
        return;
    session_end_all_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

/* --- the re-check in front of actions that change the record --- */

typedef struct recheck_pending {
    session_recheck_op_t op;
    void (*handler)(api_req_t *r);
} recheck_pending_t;

static void recheck_done(api_req_t *r, store_op_t *op)
{
    recheck_pending_t *p = (recheck_pending_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    if (p->op.ret_recheck_at + r->w->sessions.recheck_s < p->op.now) {
        api_problem(r, 403, "password_recheck_required",
            "For this change, type your password again (POST /api/v1/session/recheck), then retry.");
        return;
    }
    p->handler(r);
}

/* Runs handler when the password was typed in this session within
 * recheck_s; else 403 password_recheck_required. An unknown or expired
 * session is the handler's usual 401. */
static void recheck_then(api_req_t *r, void (*handler)(api_req_t *r))
{
    recheck_pending_t *p = api_op_new_or_reply(r, sizeof *p, recheck_done);
    if (!p)
        return;
    session_recheck_op_init(&p->op);
    p->handler = handler;
    memcpy(p->op.token_hash, r->token_hash, sizeof r->token_hash);
    p->op.now = api_now(r);
    api_op_submit(r, &p->op.op);
}

void h_registration_create_rechecked(api_req_t *r)
{
    recheck_then(r, h_registration_create);
}
void h_registration_delete_rechecked(api_req_t *r)
{
    recheck_then(r, h_registration_delete);
}
void h_residence_put_rechecked(api_req_t *r)
{
    recheck_then(r, h_residence_put);
}
void h_minor_create_rechecked(api_req_t *r)
{
    recheck_then(r, h_minor_create);
}
void h_appeal_create_rechecked(api_req_t *r)
{
    recheck_then(r, h_appeal_create);
}
