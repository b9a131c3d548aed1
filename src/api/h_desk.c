/* POST /api/v1/desk/session, DELETE /api/v1/desk/session — officers' log-in
 * at the desk. Same shape and limits as a person's log-in, separate tokens. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/ratelimit.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "store/officer.h"

/* Rate-limit keys: the login (prefixed, so it never shares a window with a
 * person's document) and the client address. */
static void login_keys(api_req_t *r, const char *login, char *acc, size_t acap, char *addr, size_t bcap)
{
    snprintf(acc, acap, "officer:%s", login);
    api_peer(r, addr, bcap);
}

static bool rate_limited_or_reply(api_req_t *r, const char *login)
{
    char acc[OFFICER_LOGIN_MAX + 16], addr[64];
    login_keys(r, login, acc, sizeof acc, addr, sizeof addr);
    int64_t now = api_now(r);
    int wait = ratelimit_check(r->w->rl_account, acc, strlen(acc), now);
    int wait2 = ratelimit_check(r->w->rl_address, addr, strlen(addr), now);
    if (wait2 > wait)
        wait = wait2;
    if (!wait)
        return false;
    char secs[16], detail[160];
    snprintf(secs, sizeof secs, "%d", wait);
    snprintf(detail, sizeof detail, "Too many failed log-ins. Try again in %d minutes.", (wait + 59) / 60);
    h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                   h2o_strdup(&r->req->pool, secs, SIZE_MAX).base, strlen(secs));
    api_problem(r, 429, "rate_limited", detail);
    return true;
}

static void login_done(api_req_t *r, store_op_t *op)
{
    officer_login_op_t *o = (officer_login_op_t *)op;
    char acc[OFFICER_LOGIN_MAX + 16], addr[64];
    login_keys(r, o->login, acc, sizeof acc, addr, sizeof addr);
    int64_t now = api_now(r);
    if (op->rc == -EACCES) {
        ratelimit_fail(r->w->rl_account, acc, strlen(acc), now);
        ratelimit_fail(r->w->rl_address, addr, strlen(addr), now);
    } else if (op->rc == 0) {
        ratelimit_reset(r->w->rl_account, acc, strlen(acc));
    }
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 201, json_pack("{s:s,s:o,s:s}", "token", o->ret_token, "expires_at",
                                         view_time(o->ret_expires_at, 0), "role", officer_role_name(o->ret_role)));
    sodium_memzero(o->ret_token, sizeof o->ret_token);
}

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
    if (rc < 0 || rate_limited_or_reply(r, login)) {
        json_decref(body);
        if (rc < 0)
            api_problem_err(r, &e);
        return;
    }
    officer_login_op_t *o = api_op_new_or_reply(r, sizeof *o, login_done);
    if (!o) {
        json_decref(body);
        return;
    }
    officer_login_op_init(o);
    o->now = api_now(r);
    snprintf(o->login, sizeof o->login, "%s", login);
    snprintf(o->password, sizeof o->password, "%s", pw);
    json_decref(body);
    api_op_submit(r, &o->op);
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
