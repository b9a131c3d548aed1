/* POST /api/v1/me/registration/host-code — the person gets a one-time code;
 * POST /api/v1/host/confirmations — the landlord confirms with it (rule 12). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/ratelimit.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "store/host.h"

static void code_done(api_req_t *r, store_op_t *op)
{
    host_code_op_t *o = (host_code_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(
            r, 201, json_pack("{s:s,s:o}", "code", o->ret_code, "expires_at", view_time(o->ret_expires_at, 0)));
    sodium_memzero(o->ret_code, sizeof o->ret_code);
}

void h_host_code_create(api_req_t *r)
{
    host_code_op_t *o = api_op_new_or_reply(r, sizeof *o, code_done);
    if (!o)
        return;
    host_code_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

/* Wrong codes count against the client's address, in a window of their own
 * ("host:" prefix) so that they never lock anyone out of logging in. */
static void host_key(api_req_t *r, char *buf, size_t cap)
{
    char addr[64];
    api_peer(r, addr, sizeof addr);
    snprintf(buf, cap, "host:%s", addr);
}

/* Before the body is read: a client that guessed too often is told so
 * whatever it sends. */
bool h_gate_host_rate(api_req_t *r)
{
    char key[80];
    host_key(r, key, sizeof key);
    int wait = ratelimit_check(r->w->rl_address, key, strlen(key), api_now(r));
    if (!wait)
        return true;
    char secs[16], detail[160];
    snprintf(secs, sizeof secs, "%d", wait);
    snprintf(detail, sizeof detail, "Too many wrong codes. Try again in %d minutes.", (wait + 59) / 60);
    h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
        h2o_strdup(&r->req->pool, secs, SIZE_MAX).base, strlen(secs));
    api_problem(r, 429, "rate_limited", detail);
    return false;
}

static void count_wrong_code(api_req_t *r)
{
    char key[80];
    host_key(r, key, sizeof key);
    ratelimit_fail(r->w->rl_address, key, strlen(key), api_now(r));
}

static void confirm_done(api_req_t *r, store_op_t *op)
{
    host_confirm_op_t *o = (host_confirm_op_t *)op;
    if (op->rc == -ENOENT)
        count_wrong_code(r);
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 200, json_pack("{s:s}", "address", o->ret_address));
}

static size_t chars_of(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* 0, or -EINVAL for a bad name, or -ENOENT (host_code_invalid) for a string
 * that cannot be a code at all (counted as a wrong code). */
static int parse_confirm(const json_t *body, host_confirm_op_t *o, err_t *e)
{
    const char *code = "", *name = "";
    int rc = jsonx_string(body, "code", true, 1, 64, &code, e);
    if (rc == 0)
        rc = jsonx_string(body, "landlord_name", true, 1, HOST_LANDLORD_MAX, &name, e);
    if (rc == 0 && chars_of(name) < HOST_LANDLORD_MIN)
        rc = err_set(e, -EINVAL, "too_short", "Write the landlord's name.");
    if (rc < 0)
        return rc == -ENOENT ? -EINVAL : rc;
    snprintf(o->landlord_name, sizeof o->landlord_name, "%s", name);
    if (secret_code_hash(code, strlen(code), o->code_hash) < 0)
        return err_set(e, -ENOENT, "host_code_invalid",
            "This code is not valid: a code has 12 letters and digits, like ABCD-EFGH-JKMN.");
    return 0;
}

void h_host_confirm(api_req_t *r)
{
    json_t *body = r->body;
    host_confirm_op_t in, *o = &in; /* built and checked here; allocated once valid */
    host_confirm_op_init(o);
    err_t e = {0};
    int rc = parse_confirm(body, o, &e);
    if (rc < 0) {
        if (rc == -ENOENT)
            count_wrong_code(r);
        api_problem(r, rc == -ENOENT ? 404 : 400, e.code, e.msg);
        return;
    }
    o->now = api_now(r);
    if ((o = api_op_new_from(r, &in, sizeof in, confirm_done)))
        api_op_submit(r, &o->op);
}
