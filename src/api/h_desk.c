/* POST /api/v1/desk/session, DELETE /api/v1/desk/session — officers' log-in
 * at the desk. Same shape and limits as a person's log-in, separate tokens. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login_gate.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "store/officer.h"

static void login_done(api_req_t *r, store_op_t *op)
{
    officer_login_op_t *o = (officer_login_op_t *)op;
    if (op->rc == -EACCES)
        login_gate_log(r, "auth.login_failed", "desk log-in", "officer", 0);
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 201, json_pack("{s:s,s:o,s:s}", "token", o->ret_token, "expires_at",
                                         view_time(o->ret_expires_at, 0), "role", officer_role_name(o->ret_role)));
    sodium_memzero(o->ret_token, sizeof o->ret_token);
    sodium_memzero(o->password, sizeof o->password);
}

/* The desk log-in, carried from the counting step to the hashing step. */
typedef struct desk_pending {
    officer_login_start_op_t start;
    char password[LIMIT_PASSWORD_MAX + 1];
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
        o->now = p->start.now;
        memcpy(o->login, p->start.login, sizeof o->login);
        memcpy(o->addr, p->start.addr, sizeof o->addr);
        snprintf(o->password, sizeof o->password, "%s", p->password);
        api_op_submit(r, &o->op);
    }
    sodium_memzero(p->password, sizeof p->password);
}

/* Like a person's log-in (h_session.c): a hashing place, the attempt
 * counted in the database, then the password checked on the officers' own
 * lane. */
void h_desk_session_create(api_req_t *r)
{
    static const char *const fields[] = {"login", "password", NULL};
    json_t *body = api_body_or_reply(r, fields);
    if (!body)
        return;
    err_t e = {0};
    const char *login = "", *pw = "";
    int rc = jsonx_string(body, "login", true, 1, OFFICER_LOGIN_MAX, &login, &e);
    if (rc == 0)
        rc = jsonx_string(body, "password", true, 1, LIMIT_PASSWORD_MAX, &pw, &e);
    if (rc < 0 || !login_gate_enter_or_reply(r, "officer")) {
        json_decref(body);
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
    }
    json_decref(body);
    if (p)
        api_op_submit(r, &p->start.op);
}

void h_desk_session_delete(api_req_t *r)
{
    officer_logout_op_t *o = api_op_new_or_reply(r, sizeof *o, api_finish_no_content);
    if (!o)
        return;
    officer_logout_op_init(o);
    if (!api_auth_or_reply(r, o->token_hash)) {
        api_op_submit_cancel(r, &o->op);
        return;
    }
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
