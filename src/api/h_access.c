/* GET /api/v1/desk/persons — an officer looks a person up, with a reason;
 * GET /api/v1/me/access-log — the person sees who looked (product rule 14). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/view.h"
#include "base/limits.h"
#include "rules/date.h"
#include "store/officer.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a form-encoded value (%XX, '+' for space) into buf (NUL-terminated).
 * -EINVAL for a bad escape, a control character or a value longer than cap-1. */
static int form_decode(h2o_iovec_t v, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        int c = (unsigned char)v.base[i];
        if (c == '+')
            c = ' ';
        else if (c == '%') {
            int hi = i + 2 < v.len ? hex_value(v.base[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(v.base[i + 2]) : -1;
            if (lo < 0)
                return -EINVAL;
            c = hi << 4 | lo;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || n + 1 >= cap)
            return -EINVAL;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return 0;
}

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

/* The value of query parameter `name`, decoded into buf. -ENOENT
 * (missing_field) when absent, -EINVAL (invalid_query) when malformed. */
static int query_get(const api_req_t *r, const char *name, char *buf, size_t cap, err_t *e)
{
    size_t nlen = strlen(name);
    const char *p = r->query.base, *end = p + r->query.len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
            h2o_iovec_t v = h2o_iovec_init(p + nlen + 1, (size_t)(stop - p) - nlen - 1);
            if (form_decode(v, buf, cap) < 0 || utf8_chars(buf) < 0)
                return err_set(e, -EINVAL, "invalid_query", "The query parameter \"%s\" is malformed or too long.", name);
            return 0;
        }
        p = amp ? amp + 1 : end;
    }
    return err_set(e, -ENOENT, "missing_field", "The query parameter \"%s\" is required.", name);
}

static int parse_lookup(const api_req_t *r, officer_lookup_op_t *o, err_t *e)
{
    int rc = query_get(r, "document_kind", o->doc_kind, sizeof o->doc_kind, e);
    if (rc == 0 && strcmp(o->doc_kind, "card") != 0 && strcmp(o->doc_kind, "passport") != 0)
        rc = err_set(e, -EINVAL, "invalid_document_kind", "document_kind must be \"card\" or \"passport\".");
    if (rc == 0)
        rc = query_get(r, "document_number", o->doc_number, sizeof o->doc_number, e);
    if (rc == 0 && !o->doc_number[0])
        rc = err_set(e, -EINVAL, "too_short", "document_number must not be empty.");
    if (rc == 0)
        rc = query_get(r, "reason", o->reason, sizeof o->reason, e);
    long chars = rc == 0 ? utf8_chars(o->reason) : 0;
    if (rc == 0 && (chars < OFFICER_READ_REASON_MIN || chars > OFFICER_READ_REASON_MAX))
        rc = err_set(e, -EINVAL, "invalid_reason", "State the reason (a case or reference number) in %d to %d characters.",
                     OFFICER_READ_REASON_MIN, OFFICER_READ_REASON_MAX);
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
    api_reply_json(r, 200, json_pack("{s:s,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:o}", "surname", p->surname,
        "given_names", p->given_names, "surname_cyr", opt_text(p->surname_cyr), "given_names_cyr",
        opt_text(p->given_names_cyr), "status", p->status, "region", opt_text(p->region), "region_name",
        rg ? json_string(rg->name) : json_null(), "due_date", opt_date(p->due_date), "end_reason",
        opt_text(p->end_reason)));
}

void h_desk_persons(api_req_t *r)
{
    officer_lookup_op_t *o = api_op_new_or_reply(r, sizeof *o, lookup_done);
    if (!o)
        return;
    officer_lookup_op_init(o);
    err_t e = {0};
    if (!api_auth_or_reply(r, o->token_hash)) {
        api_op_submit_cancel(r, &o->op);
        return;
    }
    if (parse_lookup(r, o, &e) < 0) {
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
    json_t *items = json_array();
    for (int i = 0; i < o->ret_n; i++)
        json_array_append_new(items, json_pack("{s:o,s:s,s:s}", "at", view_time(o->ret[i].at, 0), "officer_role",
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
