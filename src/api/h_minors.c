/* POST /api/v1/me/minors, GET /api/v1/me/minors — a guardian adds a child's
 * registration (product rule 9). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/date.h"
#include "store/minor.h"
#include "store/person.h"
#include "store/region.h"

static json_t *view_minor(const minor_view_t *m)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)m->person_id, "surname", m->surname,
        "given_names", m->given_names, "birth_date", m->birth_date, "adult_on", m->adult_on, "status", m->status,
        "end_reason", m->end_reason[0] ? json_string(m->end_reason) : json_null());
}

static void add_done(api_req_t *r, store_op_t *op)
{
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 201, view_minor(&((minor_add_op_t *)op)->ret));
}

static int copy_str(
    const json_t *b, const char *key, bool required, size_t min, size_t max, char *dst, size_t cap, err_t *e)
{
    const char *v;
    int rc = jsonx_string(b, key, required, min, max, &v, e);
    if (rc == 0)
        snprintf(dst, cap, "%s", v ? v : "");
    return rc;
}

static int parse_minor(const json_t *b, minor_add_op_t *o, err_t *e)
{
    date_t birth;
    int rc = copy_str(b, "surname", true, 1, LIMIT_NAME_BYTES, o->surname, sizeof o->surname, e);
    if (rc == 0)
        rc = copy_str(b, "given_names", true, 1, LIMIT_NAME_BYTES, o->given_names, sizeof o->given_names, e);
    if (rc == 0)
        rc = copy_str(b, "birth_date", true, 10, 10, o->birth_date, sizeof o->birth_date, e);
    if (rc == 0)
        rc = copy_str(b, "citizenship", true, 3, 3, o->citizenship, sizeof o->citizenship, e);
    if (rc == 0)
        rc = copy_str(b, "passport_number", false, 1, LIMIT_DOCNUM_BYTES, o->doc_number, sizeof o->doc_number, e);
    if (rc == 0 && date_parse(o->birth_date, strlen(o->birth_date), &birth) < 0)
        rc = err_set(e, -EINVAL, "invalid_date", "birth_date must be a date YYYY-MM-DD.");
    if (rc == 0 && !person_citizenship_valid(o->citizenship))
        rc = err_set(e, -EINVAL, "invalid_citizenship", "citizenship is an ISO 3166 alpha-3 code such as TJK.");
    return rc;
}

void h_minor_create(api_req_t *r)
{
    minor_add_op_t in, *o = &in; /* built and checked here; allocated once valid */
    minor_add_op_init(o);
    err_t e = {0};
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    json_t *body = r->body;
    int rc = parse_minor(body, o, &e);
    if (rc < 0) {
        api_problem_err(r, &e);
        return;
    }
    o->now = api_now(r);
    o->today = date_local(o->now, REGION_DEFAULT_UTC_OFFSET_MIN);
    if ((o = api_op_new_from(r, &in, sizeof in, add_done)))
        api_op_submit(r, &o->op);
}

static void list_done(api_req_t *r, store_op_t *op)
{
    minor_list_op_t *o = (minor_list_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < o->ret_n; i++)
        json_array_append_new(items, view_minor(&o->ret[i]));
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_minor_list(api_req_t *r)
{
    minor_list_op_t *o = api_op_new_or_reply(r, sizeof *o, list_done);
    if (!o)
        return;
    minor_list_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
