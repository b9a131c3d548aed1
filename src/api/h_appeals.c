/* POST /api/v1/me/appeals, GET /api/v1/me/appeals — a person appeals a lapse;
 * GET /api/v1/desk/appeals, POST /api/v1/desk/appeals/{id}/decision — a
 * registrar decides (product rule 13). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/desk_slide.h"
#include "api/desk_acl.h"
#include "api/handlers.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/parse.h"
#include "rules/date.h"
#include "rules/deadline.h"
#include "rules/reason.h"
#include "store/appeal.h"

/* Characters (not bytes) of a string jansson has already checked as UTF-8. */
static size_t chars_of(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

#define APPEAL_REASON_MIN_VISIBLE 5 /* letters or digits in a person's appeal (issue 12) */

/* A free-text reason of min..max characters with at least min_visible
 * letters or digits (rules/reason.h: blanks, dots, invisible characters are
 * no reason); line breaks allowed. */
static int reason_field(const json_t *body, size_t min, size_t max, int min_visible, char *dst, size_t cap, err_t *e)
{
    const char *s;
    int rc = jsonx_string_lf(body, "reason", &s, e);
    if (rc < 0)
        return rc;
    size_t n = chars_of(s);
    if (n < min || n > max || strlen(s) >= cap)
        return err_set(e, -EINVAL, "invalid_reason", "The reason must have %zu to %zu characters.", min, max);
    if ((rc = reason_check(s, strlen(s), min_visible, (int)max, REASON_ALLOW_NEWLINE, e)) < 0)
        return rc;
    snprintf(dst, cap, "%s", s);
    return 0;
}

static json_t *opt_time(int64_t t, int offset)
{
    return t ? view_time(t, offset) : json_null();
}

static json_t *view_appeal(const api_req_t *r, const appeal_row_t *a)
{
    int offset = region_resolve(&r->w->regions, a->region)->utc_offset_minutes;
    char last[11];
    date_format(a->last_confirmed_on, last);
    json_t *reg = json_pack("{s:I,s:s,s:s,s:o}", "id", (json_int_t)a->registration_id, "region", a->region,
        "last_confirmed_on", last, "lapsed_at", opt_time(a->lapsed_at, offset));
    char due[11];
    date_format(deadline_appeal_decision_due(r->w->cal, a->filed_at, offset), due);
    return json_pack("{s:I,s:s,s:s,s:o,s:s,s:o,s:o,s:o}", "id", (json_int_t)a->id, "status", a->status, "reason",
        a->reason, "filed_at", view_time(a->filed_at, offset), "decision_due", due, "decided_at",
        opt_time(a->decided_at, offset), "decision_reason",
        a->decision_reason[0] ? json_string(a->decision_reason) : json_null(), "registration", reg);
}

static json_t *view_list(const api_req_t *r, const appeal_row_t *rows, int n)
{
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, view_appeal(r, &rows[i]));
    return json_pack("{s:o}", "items", items);
}

static void file_done(api_req_t *r, store_op_t *op)
{
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 201, view_appeal(r, &((appeal_file_op_t *)op)->ret));
}

void h_appeal_create(api_req_t *r)
{
    appeal_file_op_t in;
    appeal_file_op_init(&in);
    err_t e = {0};
    if (reason_field(r->body, APPEAL_REASON_MIN, APPEAL_REASON_MAX, APPEAL_REASON_MIN_VISIBLE, in.reason,
            sizeof in.reason, &e) < 0) {
        api_problem(r, 400, e.code, e.msg);
        return;
    }
    memcpy(in.token_hash, r->token_hash, sizeof in.token_hash);
    in.now = api_now(r);
    appeal_file_op_t *o = api_op_new_from(r, &in, sizeof in, file_done);
    if (o)
        api_op_submit(r, &o->op);
}

static void mine_done(api_req_t *r, store_op_t *op)
{
    appeal_mine_op_t *o = (appeal_mine_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 200, view_list(r, o->ret, o->ret_n));
}

void h_appeal_list(api_req_t *r)
{
    appeal_mine_op_t *o = api_op_new_or_reply(r, sizeof *o, mine_done);
    if (!o)
        return;
    appeal_mine_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

static void queue_done(api_req_t *r, store_op_t *op)
{
    appeal_queue_op_t *o = (appeal_queue_op_t *)op;
    desk_slide(r, o->token_hash, &o->ret_me, o->now);
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 200, view_list(r, o->ret, o->ret_n));
}

/* ?status=pending|granted|refused (default pending); nothing else. */
static int parse_status(const api_req_t *r, char *dst, size_t cap, err_t *e)
{
    static const char *const allowed[] = {"status=pending", "status=granted", "status=refused"};
    if (r->query.len == 0) {
        snprintf(dst, cap, "pending");
        return 0;
    }
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (h2o_memis(r->query.base, r->query.len, allowed[i], strlen(allowed[i]))) {
            snprintf(dst, cap, "%s", allowed[i] + strlen("status="));
            return 0;
        }
    return err_set(e, -EINVAL, "invalid_status", "status must be pending, granted or refused.");
}

void h_desk_appeal_list(api_req_t *r)
{
    char status[sizeof((appeal_queue_op_t *)0)->status];
    err_t e = {0};
    if (parse_status(r, status, sizeof status, &e) < 0) {
        api_problem_err(r, &e);
        return;
    }
    appeal_queue_op_t *o = api_op_new_or_reply(r, sizeof *o, queue_done);
    if (!o)
        return;
    appeal_queue_op_init(o);
    o->roles = desk_acl_roles(r);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    memcpy(o->status, status, sizeof status);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

static void decide_done(api_req_t *r, store_op_t *op)
{
    appeal_decide_op_t *o = (appeal_decide_op_t *)op;
    char due[11];
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    if (o->ret_due_date)
        date_format(o->ret_due_date, due);
    api_reply_json(r, 200,
        json_pack("{s:o,s:o}", "appeal", view_appeal(r, &o->ret), "due_date",
            o->ret_due_date ? json_string(due) : json_null()));
}

static int parse_decision(api_req_t *r, const json_t *body, appeal_decide_op_t *o, err_t *e)
{
    uint64_t id;
    const json_t *g = json_object_get(body, "grant");
    if (parse_u64(r->params[0].base, r->params[0].len, 1, INT64_MAX, &id) < 0)
        return err_set(e, -ENOENT, "not_found", "No such appeal.");
    o->appeal_id = (int64_t)id;
    if (!g)
        return err_set(e, -EINVAL, "missing_field", "The field \"grant\" is required.");
    if (!json_is_boolean(g))
        return err_set(e, -EINVAL, "invalid_type", "The field \"grant\" must be true or false.");
    o->grant = json_is_true(g);
    return reason_field(
        body, APPEAL_DECISION_MIN, APPEAL_REASON_MAX, LIMIT_REASON_MIN_CHARS, o->reason, sizeof o->reason, e);
}

void h_desk_appeal_decide(api_req_t *r)
{
    appeal_decide_op_t in;
    appeal_decide_op_init(&in);
    err_t e = {0};
    if (parse_decision(r, r->body, &in, &e) < 0) {
        api_problem(r, e.errnum == -ENOENT && !strcmp(e.code, "not_found") ? 404 : 400, e.code, e.msg);
        return;
    }
    in.roles = desk_acl_roles(r);
    memcpy(in.token_hash, r->token_hash, sizeof in.token_hash);
    in.now = api_now(r);
    in.cal = r->w->cal;
    in.regions = &r->w->regions;
    appeal_decide_op_t *o = api_op_new_from(r, &in, sizeof in, decide_done);
    if (o)
        api_op_submit(r, &o->op);
}
