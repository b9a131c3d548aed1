/* POST /api/v1/activation, POST /api/v1/session, DELETE /api/v1/session */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/ratelimit.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "store/session.h"

static void reply_session(api_req_t *r, const session_result_t *s)
{
    json_t *o = json_pack("{s:s,s:o}", "token", s->token, "expires_at", view_time(s->expires_at, 0));
    api_reply_json(r, 201, o);
}

/* Password rules: length in characters (UTF-8), not bytes. */
static int check_password(const char *pw, err_t *e)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    if (chars < LIMIT_PASSWORD_MIN)
        return err_set(e, -EINVAL, "password_too_short", "The password must have at least %d characters.",
                       LIMIT_PASSWORD_MIN);
    if (strlen(pw) > LIMIT_PASSWORD_MAX)
        return err_set(e, -EINVAL, "password_too_long", "The password must have at most %d characters.",
                       LIMIT_PASSWORD_MAX);
    return 0;
}

static void activation_done(api_req_t *r, store_op_t *op)
{
    session_activate_op_t *o = (session_activate_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        reply_session(r, &o->ret);
    sodium_memzero(&o->ret, sizeof o->ret);
}

void h_activation(api_req_t *r)
{
    static const char *const fields[] = {"activation_code", "password", NULL};
    json_t *body = api_body_or_reply(r, fields);
    if (!body)
        return;
    err_t e = {0};
    const char *code, *pw;
    int rc = jsonx_string(body, "activation_code", true, 1, 64, &code, &e);
    if (rc == 0)
        rc = jsonx_string(body, "password", true, 0, 4 * LIMIT_PASSWORD_MAX, &pw, &e);
    if (rc == 0)
        rc = check_password(pw, &e);
    session_activate_op_t *o = rc == 0 ? api_op_new(r, sizeof *o, activation_done) : NULL;
    if (rc == 0 && o) {
        session_activate_op_init(o);
        if (secret_code_hash(code, strlen(code), o->code_hash) < 0)
            rc = err_set(&e, -EINVAL, "activation_code_invalid",
                         "An activation code has 12 letters and digits, like ABCD-EFGH-JKMN.");
        snprintf(o->password, sizeof o->password, "%s", pw);
        o->now = api_now(r);
        o->opslimit = r->w->argon2_ops;
        o->memlimit = r->w->argon2_mem;
    }
    json_decref(body);
    if (rc < 0) {
        if (o)
            api_op_submit_cancel(r, &o->op);
        api_problem_err(r, &e);
        return;
    }
    if (!o) {
        api_problem_oom(r);
        return;
    }
    api_op_submit(r, &o->op);
}

/* Rate-limit keys: the document (kind + number) and the client address. */
static void login_keys(api_req_t *r, const char *kind, const char *number, char *acc, size_t acap,
                       char *addr, size_t bcap)
{
    snprintf(acc, acap, "%s:%s", kind, number);
    api_peer(r, addr, bcap);
}

static void login_done(api_req_t *r, store_op_t *op)
{
    session_login_op_t *o = (session_login_op_t *)op;
    char acc[64], addr[64];
    login_keys(r, o->doc_kind, o->doc_number, acc, sizeof acc, addr, sizeof addr);
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
        reply_session(r, &o->ret);
    sodium_memzero(&o->ret, sizeof o->ret);
}

static bool rate_limited_or_reply(api_req_t *r, const char *kind, const char *number)
{
    char acc[64], addr[64];
    login_keys(r, kind, number, acc, sizeof acc, addr, sizeof addr);
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

static int parse_login(json_t *body, const char **kind, const char **number, const char **pw, err_t *e)
{
    int rc = jsonx_string(body, "document_kind", true, 1, 16, kind, e);
    if (rc == 0 && strcmp(*kind, "card") != 0 && strcmp(*kind, "passport") != 0)
        rc = err_set(e, -EINVAL, "invalid_document_kind", "document_kind must be \"card\" or \"passport\".");
    if (rc == 0)
        rc = jsonx_string(body, "document_number", true, 1, LIMIT_DOCNUM_BYTES, number, e);
    if (rc == 0)
        rc = jsonx_string(body, "password", true, 1, LIMIT_PASSWORD_MAX, pw, e);
    return rc;
}

void h_session_create(api_req_t *r)
{
    static const char *const fields[] = {"document_kind", "document_number", "password", NULL};
    json_t *body = api_body_or_reply(r, fields);
    if (!body)
        return;
    err_t e = {0};
    const char *kind, *number, *pw;
    if (parse_login(body, &kind, &number, &pw, &e) < 0) {
        json_decref(body);
        api_problem_err(r, &e);
        return;
    }
    if (rate_limited_or_reply(r, kind, number)) {
        json_decref(body);
        return;
    }
    session_login_op_t *o = api_op_new_or_reply(r, sizeof *o, login_done);
    if (!o) {
        json_decref(body);
        return;
    }
    session_login_op_init(o);
    o->now = api_now(r);
    snprintf(o->doc_kind, sizeof o->doc_kind, "%s", kind);
    snprintf(o->doc_number, sizeof o->doc_number, "%s", number);
    snprintf(o->password, sizeof o->password, "%s", pw);
    json_decref(body);
    api_op_submit(r, &o->op);
}

void h_session_delete(api_req_t *r)
{
    session_logout_op_t *o = api_op_new_or_reply(r, sizeof *o, api_finish_no_content);
    if (!o)
        return;
    session_logout_op_init(o);
    if (!api_auth_or_reply(r, o->token_hash)) {
        api_op_submit_cancel(r, &o->op);
        return;
    }
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
