/* The supervisor's desk screen (issue 15): GET /api/v1/desk/officers, POST
 * /api/v1/desk/officers, POST /api/v1/desk/officers/{id}/disable and
 * /reset. Who may call them is declared in api/desk_acl.c (supervisors);
 * the store checks it, and that a supervisor does not act on their own
 * account, in the change's own transaction. Passwords are generated and
 * hashed on the officers' lane and shown once. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/desk_slide.h"
#include "api/desk_acl.h"
#include "api/handlers.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "base/parse.h"
#include "rules/date.h"
#include "rules/reason.h"
#include "store/officer.h"

static json_t *officer_json(const officer_row_t *w)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:b}", "id", (json_int_t)w->id, "login", w->login, "name", w->name,
        "role", officer_role_name(w->role), "created_at", view_time(w->created_at, 0), "disabled_at",
        w->disabled_at ? view_time(w->disabled_at, 0) : json_null(), "enrolled", w->enrolled);
}

static void list_done(api_req_t *r, store_op_t *op)
{
    officer_list_op_t *o = (officer_list_op_t *)op;
    desk_slide(r, o->token_hash, &o->ret_me, o->now);
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < o->ret_n; i++)
        json_array_append_new(items, officer_json(&o->ret[i]));
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_desk_officer_list(api_req_t *r)
{
    officer_list_op_t *o = api_op_new_or_reply(r, sizeof *o, list_done);
    if (!o)
        return;
    officer_list_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->roles = desk_acl_roles(r);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

static void manage_done(api_req_t *r, store_op_t *op)
{
    officer_manage_op_t *o = (officer_manage_op_t *)op;
    if (op->rc == -EALREADY)
        api_problem(r, 409, op->err.code, op->err.msg);
    else if (op->rc < 0)
        api_problem_err(r, &op->err);
    else {
        json_t *body = json_pack("{s:I,s:s}", "id", (json_int_t)o->ret_id, "login", o->ret_login);
        if (o->ret_password[0])
            json_object_set_new(body, "password", json_string(o->ret_password));
        api_reply_json(r, o->action == OFFICER_MANAGE_ADD ? 201 : 200, body);
    }
    sodium_memzero(o->ret_password, sizeof o->ret_password);
}

/* A supervisor's reason: like a decision's, at least LIMIT_REASON_MIN_CHARS
 * letters or digits, one line. */
static int parse_reason(const json_t *body, officer_manage_op_t *o, err_t *e)
{
    const char *reason = "";
    int rc = jsonx_string(body, "reason", true, 1, OFFICER_REASON_BYTES, &reason, e);
    if (rc == 0)
        rc = reason_check(reason, strlen(reason), LIMIT_REASON_MIN_CHARS, OFFICER_READ_REASON_MAX, 0, e);
    if (rc == 0)
        snprintf(o->reason, sizeof o->reason, "%s", reason);
    return rc;
}

static int parse_add(const json_t *body, officer_manage_op_t *o, err_t *e)
{
    const char *login = "", *name = "", *role = "";
    int rc = jsonx_string(body, "login", true, 1, OFFICER_LOGIN_MAX, &login, e);
    if (rc == 0)
        rc = jsonx_string(body, "name", true, 1, OFFICER_NAME_MAX, &name, e);
    if (rc == 0)
        rc = jsonx_string(body, "role", true, 1, 16, &role, e);
    if (rc == 0 && officer_role_parse(role, &o->role) < 0)
        rc = err_set(e, -EINVAL, "invalid_role", "role is registrar, inspector, auditor or supervisor.");
    if (rc == 0 && strspn(login, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(login))
        rc = err_set(e, -EINVAL, "invalid_login", "A login is lower-case letters, digits, '.', '_' and '-'.");
    if (rc == 0) {
        snprintf(o->login, sizeof o->login, "%s", login);
        snprintf(o->name, sizeof o->name, "%s", name);
    }
    return rc == 0 ? parse_reason(body, o, e) : rc;
}

static void manage(api_req_t *r, officer_manage_action_t action)
{
    officer_manage_op_t in, *o = &in; /* built and checked here; allocated once valid */
    officer_manage_op_init(o);
    err_t e = {0};
    uint64_t id = 0;
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    int rc = action == OFFICER_MANAGE_ADD ? parse_add(r->body, o, &e) : parse_reason(r->body, o, &e);
    if (rc == 0 && action != OFFICER_MANAGE_ADD &&
        parse_u64(r->params[0].base, r->params[0].len, 1, INT64_MAX, &id) < 0)
        rc = err_set(&e, -ENOENT, "unknown_officer", "No such officer.");
    if (rc < 0) {
        api_problem(r, rc == -ENOENT ? 404 : 400, e.code, e.msg);
        return;
    }
    o->action = action;
    o->target_id = (int64_t)id;
    o->roles = desk_acl_roles(r);
    o->now = api_now(r);
    o->opslimit = r->w->argon2_ops;
    o->memlimit = r->w->argon2_mem;
    if ((o = api_op_new_from(r, &in, sizeof in, manage_done)))
        api_op_submit(r, &o->op);
}

void h_desk_officer_add(api_req_t *r)
{
    manage(r, OFFICER_MANAGE_ADD);
}
void h_desk_officer_disable(api_req_t *r)
{
    manage(r, OFFICER_MANAGE_DISABLE);
}
void h_desk_officer_reset(api_req_t *r)
{
    manage(r, OFFICER_MANAGE_RESET);
}

/* POST /api/v1/desk/audit/lookups {from, to}: the auditor's list of the
 * look-ups made in [from, to) with the officer and the reason. A POST with
 * the period in the body, like the look-up itself, so nothing goes in URLs
 * or access logs. */
static void reads_done(api_req_t *r, store_op_t *op)
{
    officer_reads_op_t *o = (officer_reads_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < o->ret_n; i++) {
        const officer_read_row_t *w = &o->ret[i];
        json_array_append_new(items, json_pack("{s:o,s:I,s:s,s:s,s:I,s:s}", "at", view_time(w->at, 0), "officer_id",
                                         (json_int_t)w->officer_id, "officer_login", w->login, "officer_role", w->role,
                                         "person_id", (json_int_t)w->person_id, "reason", w->reason));
    }
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

typedef struct period_query {
    int64_t from, to;
} period_query_t;

static int parse_period(const json_t *body, void *arg, err_t *e)
{
    period_query_t *o = arg;
    const char *from = "", *to = "";
    int rc = jsonx_string(body, "from", true, 10, 40, &from, e);
    if (rc == 0)
        rc = jsonx_string(body, "to", true, 10, 40, &to, e);
    if (rc == 0 && (time_parse_rfc3339(from, strlen(from), &o->from, NULL) < 0 ||
                       time_parse_rfc3339(to, strlen(to), &o->to, NULL) < 0))
        rc = err_set(e, -EINVAL, "invalid_period", "from and to are RFC 3339 times, e.g. 2025-11-01T00:00:00+03:00.");
    if (rc == 0 && o->to <= o->from)
        rc = err_set(e, -EINVAL, "invalid_period", "to must come after from.");
    return rc;
}

void h_desk_audit_lookups(api_req_t *r)
{
    /* The op carries some 450 KB of rows, too big for the stack: it is
     * allocated only for a valid period. */
    period_query_t q = {0};
    if (!api_body_parse_or_reply(r, parse_period, &q))
        return;
    officer_reads_op_t *o = api_op_new_or_reply(r, sizeof *o, reads_done);
    if (!o)
        return;
    officer_reads_op_init(o);
    o->from = q.from;
    o->to = q.to;
    memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
    o->roles = desk_acl_roles(r);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
