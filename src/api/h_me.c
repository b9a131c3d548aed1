/* GET /api/v1/me, PATCH /api/v1/me */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "store/person.h"
#include "store/registration.h"

static void me_done(api_req_t *r, store_op_t *op)
{
    registration_me_op_t *o = (registration_me_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    int64_t now = o->now;
    const region_t *rg = region_resolve(&r->w->regions, o->ret_active.id ? o->ret_active.region : NULL);
    int offset = rg->utc_offset_minutes;
    json_t *body = json_pack("{s:o,s:o,s:o,s:o}", "now", view_time(now, offset), "person",
        view_person(&o->ret_person, date_local(now, offset)), "registration",
        o->ret_active.id ? view_registration(r->w, &o->ret_active, now) : json_null(), "last_registration",
        o->ret_last.id ? view_ended(r->w, &o->ret_last) : json_null());
    api_reply_json(r, 200, body);
}

void h_me_get(api_req_t *r)
{
    registration_me_op_t *o = api_op_new_or_reply(r, sizeof *o, me_done);
    if (!o)
        return;
    registration_me_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

static void patch_done(api_req_t *r, store_op_t *op)
{
    person_language_op_t *o = (person_language_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 200, json_pack("{s:s}", "language", o->language));
}

void h_me_patch(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *lang;
    int rc = jsonx_string(body, "language", true, 2, 3, &lang, &e);
    if (rc == 0 && !person_language_known(lang))
        rc = err_set(&e, -EINVAL, "unknown_language", "Unknown language code.");
    person_language_op_t *o = rc == 0 ? api_op_new(r, sizeof *o, patch_done) : NULL;
    if (o) {
        person_language_op_init(o);
        memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
        snprintf(o->language, sizeof o->language, "%s", lang);
        o->now = api_now(r);
    }
    if (rc < 0)
        api_problem_err(r, &e);
    else if (!o)
        api_problem_oom(r);
    else
        api_op_submit(r, &o->op);
}
