/* POST /api/v1/desk/person-lookups — an officer looks a person up, with a reason;
 * GET /api/v1/me/access-log — the person sees who looked (product rule 14). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/desk_acl.h"
#include "api/handlers.h"
#include "store/region.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/date.h"
#include "rules/reason.h"
#include "store/officer.h"

/* Characters in a NUL-terminated UTF-8 string, or -1 if it is not valid
 * UTF-8 (jansson would refuse to put it in an answer). */
static long utf8_chars(const char *s)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        int extra = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (extra < 0 || (extra == 1 && *p < 0xC2))
            return -1;
        p++;
        for (int k = 0; k < extra; k++, p++)
            if ((*p & 0xC0) != 0x80)
                return -1;
    }
    return n;
}

/* The look-up's fields from the POST body (ASVS 8.3.1: the number and the
 * reason stay out of URLs, so out of proxy access logs). */
static int parse_lookup(const json_t *body, officer_lookup_op_t *o, err_t *e)
{
    const char *kind = "", *number = "", *reason = "";
    int rc = jsonx_string(body, "document_kind", true, 1, 16, &kind, e);
    if (rc == 0 && strcmp(kind, "card") != 0 && strcmp(kind, "passport") != 0)
        rc = err_set(e, -EINVAL, "invalid_document_kind", "document_kind must be \"card\" or \"passport\".");
    if (rc == 0)
        rc = jsonx_string(body, "document_number", true, 1, LIMIT_DOCNUM_BYTES, &number, e);
    if (rc == 0)
        rc = jsonx_string(body, "reason", true, 1, OFFICER_REASON_BYTES, &reason, e);
    if (rc == 0 && utf8_chars(reason) < 0)
        rc = err_set(e, -EINVAL, "invalid_reason", "The reason is not valid UTF-8 text.");
    if (rc == 0)
        rc = reason_check(reason, strlen(reason), LIMIT_REASON_MIN_CHARS, OFFICER_READ_REASON_MAX,
                          REASON_NEED_REFERENCE, e);
    if (rc == 0) {
        snprintf(o->doc_kind, sizeof o->doc_kind, "%s", kind);
        snprintf(o->doc_number, sizeof o->doc_number, "%s", number);
        snprintf(o->reason, sizeof o->reason, "%s", reason);
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
    api_reply_json(r, 200, json_pack("{s:s,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:b}", "surname", p->surname,
        "given_names", p->given_names, "surname_cyr", opt_text(p->surname_cyr), "given_names_cyr",
        opt_text(p->given_names_cyr), "status", p->status, "region", opt_text(p->region), "region_name",
        rg ? json_string(rg->name) : json_null(), "due_date", opt_date(p->due_date), "end_reason",
        opt_text(p->end_reason), "document_verified", p->document_verified));
}

/* GET /api/v1/desk/persons: gone (the number was in the URL). */
void h_desk_persons(api_req_t *r)
{
    api_problem(r, 410, "use_post",
                "Look persons up with POST /api/v1/desk/person-lookups; numbers and reasons do not go in URLs.");
}

void h_desk_person_lookup(api_req_t *r)
{
    static const char *const fields[] = {"document_kind", "document_number", "reason", NULL};
    officer_lookup_op_t *o = api_op_new_or_reply(r, sizeof *o, lookup_done);
    if (!o)
        return;
    officer_lookup_op_init(o);
    o->roles = desk_acl_roles(r);
    err_t e = {0};
    json_t *body = NULL;
    if (!api_auth_or_reply(r, o->token_hash) || !(body = api_body_or_reply(r, fields))) {
        api_op_submit_cancel(r, &o->op);
        return;
    }
    int rc = parse_lookup(body, o, &e);
    json_decref(body);
    if (rc < 0) {
        api_op_submit_cancel(r, &o->op);
        api_problem(r, 400, e.code, e.msg);
        return;
    }
    o->now = api_now(r);
    o->cal = r->w->cal;
    o->regions = &r->w->regions;
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
    if (!api_auth_or_reply(r, o->token_hash)) {
        api_op_submit_cancel(r, &o->op);
        return;
    }
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
