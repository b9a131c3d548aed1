/* POST /api/v1/desk/person-lookups — an officer looks a person up, with a reason;
 * GET /api/v1/me/access-log — the person sees who looked (product rule 14). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/desk_acl.h"
#include "api/desk_subject.h"
#include "api/handlers.h"
#include "store/region.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/date.h"
#include "rules/reason.h"
#include "store/officer.h"

/* The look-up's fields from the POST body (ASVS 8.3.1: the number and the
 * reason stay out of URLs, so out of proxy access logs). */
static int parse_lookup(const json_t *body, void *arg, err_t *e)
{
    officer_lookup_op_t *o = arg;
    static const desk_reason_rule_t rule = {.max_bytes = OFFICER_REASON_BYTES,
        .min_visible = LIMIT_REASON_MIN_CHARS,
        .max_chars = OFFICER_READ_REASON_MAX,
        .flags = REASON_NEED_REFERENCE};
    desk_subject_t who;
    int rc = desk_subject_parse(body, &rule, &who, e);
    if (rc == 0) {
        snprintf(o->doc_kind, sizeof o->doc_kind, "%s", who.doc_kind);
        snprintf(o->doc_number, sizeof o->doc_number, "%s", who.doc_number);
        snprintf(o->reason, sizeof o->reason, "%s", who.reason);
    }
    return rc;
}

static json_t *opt_text(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

static json_t *opt_date(date_t d)
{
    char buf[11];
    if (!d)
        return json_null();
    date_format(d, buf);
    return json_string(buf);
}

static void lookup_done(api_req_t *r, store_op_t *op)
{
    officer_lookup_op_t *o = (officer_lookup_op_t *)op;
    const officer_lookup_result_t *p = &o->ret;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    const region_t *rg = p->region[0] ? region_find(&r->w->regions, p->region) : NULL;
    api_reply_json(r, 200,
        json_pack("{s:s,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:b}", "surname", p->surname, "given_names", p->given_names,
            "surname_cyr", opt_text(p->surname_cyr), "given_names_cyr", opt_text(p->given_names_cyr), "status",
            p->status, "region", opt_text(p->region), "region_name", rg ? json_string(rg->name) : json_null(),
            "due_date", opt_date(p->due_date), "end_reason", opt_text(p->end_reason), "document_verified",
            p->document_verified));
}

/* GET /api/v1/desk/persons: gone (the number was in the URL). */
void h_desk_persons(api_req_t *r)
{
    api_problem(r, 410, "use_post",
        "Look persons up with POST /api/v1/desk/person-lookups; numbers and reasons do not go in URLs.");
}

void h_desk_person_lookup(api_req_t *r)
{
    officer_lookup_op_t in;
    officer_lookup_op_init(&in);
    if (!api_body_parse_or_reply(r, parse_lookup, &in))
        return;
    in.roles = desk_acl_roles(r);
    memcpy(in.token_hash, r->token_hash, sizeof in.token_hash);
    in.now = api_now(r);
    in.cal = r->w->cal;
    in.regions = &r->w->regions;
    officer_lookup_op_t *o = api_op_new_from(r, &in, sizeof in, lookup_done);
    if (o)
        api_op_submit(r, &o->op);
}

static void access_log_done(api_req_t *r, store_op_t *op)
{
    officer_access_log_op_t *o = (officer_access_log_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    /* in the region's time, as every other moment the person sees (issue 17) */
    int offset = region_resolve(&r->w->regions, NULL)->utc_offset_minutes;
    json_t *items = json_array();
    for (int i = 0; i < o->ret_n; i++)
        json_array_append_new(items, json_pack("{s:o,s:s,s:s}", "at", view_time(o->ret[i].at, offset), "officer_role",
                                         o->ret[i].role, "reason", o->ret[i].reason));
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_access_log(api_req_t *r)
{
    officer_access_log_op_t *o = api_op_new_or_reply(r, sizeof *o, access_log_done);
    if (!o)
        return;
    officer_access_log_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
