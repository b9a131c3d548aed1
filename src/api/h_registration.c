/* POST /api/v1/me/registration, PUT /api/v1/me/registration/residence,
 * POST /api/v1/me/registration/residence/reaffirm, DELETE /api/v1/me/registration */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/geo.h"
#include "store/registration.h"

static const char *const residence_fields[] = {
    "settlement", "street", "house", "building", "apartment", "address_id", "lat", "lon", "accuracy_m", NULL};

static int copy_part(const json_t *o, const char *key, bool required, char *dst, size_t cap, err_t *e)
{
    const char *v;
    int rc = jsonx_string(o, key, required, required ? 1 : 0, LIMIT_ADDRESS_PART_BYTES, &v, e);
    if (rc == 0)
        snprintf(dst, cap, "%s", v ? v : "");
    return rc;
}

/* Reads a structured residence with its reference point (rule 2). */
static int parse_residence(const json_t *o, residence_t *res, err_t *e)
{
    int rc = jsonx_only_fields(o, residence_fields, e);
    if (rc == 0)
        rc = copy_part(o, "settlement", true, res->settlement, sizeof res->settlement, e);
    if (rc == 0)
        rc = copy_part(o, "street", true, res->street, sizeof res->street, e);
    if (rc == 0)
        rc = copy_part(o, "house", true, res->house, sizeof res->house, e);
    if (rc == 0)
        rc = copy_part(o, "building", false, res->building, sizeof res->building, e);
    if (rc == 0)
        rc = copy_part(o, "apartment", false, res->apartment, sizeof res->apartment, e);
    if (rc == 0)
        rc = copy_part(o, "address_id", false, res->address_id, sizeof res->address_id, e);
    if (rc == 0)
        rc = jsonx_number(o, "lat", true, -GEO_JSON_COORD_MAX, GEO_JSON_COORD_MAX, &res->ref_lat, e);
    if (rc == 0)
        rc = jsonx_number(o, "lon", true, -GEO_JSON_COORD_MAX, GEO_JSON_COORD_MAX, &res->ref_lon, e);
    if (rc == 0)
        rc = geo_validate(res->ref_lat, res->ref_lon, e);
    if (rc == 0 && json_object_get(o, "accuracy_m")) {
        double accuracy;
        rc = jsonx_number(o, "accuracy_m", true, -1e9, 1e9, &accuracy, e);
        if (rc == 0)
            rc = geo_validate_home_accuracy(accuracy, e);
    }
    return rc;
}

static void registration_done(api_req_t *r, store_op_t *op, const registration_view_t *reg, int status)
{
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, status, view_registration(r->w, reg, api_now(r)));
}

static void create_done(api_req_t *r, store_op_t *op)
{
    registration_done(r, op, &((registration_create_op_t *)op)->ret, 201);
}

static int parse_create(api_req_t *r, json_t *body, registration_create_op_t *o, err_t *e)
{
    const char *region;
    json_t *res;
    int rc = jsonx_string(body, "region", true, 1, 7, &region, e);
    if (rc == 0)
        rc = jsonx_object(body, "residence", true, &res, e);
    if (rc == 0)
        rc = parse_residence(res, &o->res, e);
    if (rc < 0)
        return rc;
    const region_t *g = region_find(&r->w->regions, region);
    if (!g)
        return err_set(e, -ENOENT, "unknown_region", "No such region.");
    if (!g->regime)
        return err_set(e, -EPERM, "region_not_in_regime",
            "This region does not run the registration regime; nothing to register here.");
    snprintf(o->region, sizeof o->region, "%s", g->code);
    o->now = api_now(r);
    o->today = date_local(o->now, g->utc_offset_minutes);
    o->cal = r->w->cal;
    o->working_days = g->confirm_working_days;
    return 0;
}

void h_registration_create(api_req_t *r)
{
    registration_create_op_t in, *o = &in; /* built and checked here; allocated once valid */
    registration_create_op_init(o);
    err_t e = {0};
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    json_t *body = r->body;
    int rc = parse_create(r, body, o, &e);
    if (rc < 0) {
        sodium_memzero(&in, sizeof in); /* a position or address read so far (product rule 3) */
        api_problem_err(r, &e);
        return;
    }
    if ((o = api_op_new_from(r, &in, sizeof in, create_done)))
        api_op_submit(r, &o->op);
}

static void residence_done(api_req_t *r, store_op_t *op)
{
    registration_done(r, op, &((registration_residence_op_t *)op)->ret, 200);
}

void h_residence_put(api_req_t *r)
{
    registration_residence_op_t in, *o = &in; /* built and checked here; allocated once valid */
    registration_residence_op_init(o);
    err_t e = {0};
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    json_t *body = r->body;
    int rc = parse_residence(body, &o->res, &e);
    if (rc < 0) {
        sodium_memzero(&in, sizeof in); /* a position or address read so far (product rule 3) */
        api_problem_err(r, &e);
        return;
    }
    o->now = api_now(r);
    if ((o = api_op_new_from(r, &in, sizeof in, residence_done)))
        api_op_submit(r, &o->op);
}

static void reaffirm_done(api_req_t *r, store_op_t *op)
{
    registration_done(r, op, &((registration_reaffirm_op_t *)op)->ret, 200);
}

/* No body: the answer is the request itself. */
void h_residence_reaffirm(api_req_t *r)
{
    registration_reaffirm_op_t *o = api_op_new_or_reply(r, sizeof *o, reaffirm_done);
    if (!o)
        return;
    registration_reaffirm_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

static void end_done(api_req_t *r, store_op_t *op)
{
    registration_end_op_t *o = (registration_end_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 200, view_ended(r->w, &o->ret));
}

void h_registration_delete(api_req_t *r)
{
    registration_end_op_t in, *o = &in; /* built and checked here; allocated once valid */
    registration_end_op_init(o);
    err_t e = {0};
    const char *reason;
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    json_t *body = r->body;
    int rc = jsonx_string(body, "reason", true, 1, 24, &reason, &e);
    if (rc == 0 && strcmp(reason, "departed") != 0)
        rc = err_set(&e, -EINVAL, "invalid_reason", "The only reason a person can give is \"departed\".");
    if (rc == 0)
        snprintf(o->reason, sizeof o->reason, "%s", reason);
    if (rc < 0) {
        api_problem_err(r, &e);
        return;
    }
    o->now = api_now(r);
    if ((o = api_op_new_from(r, &in, sizeof in, end_done)))
        api_op_submit(r, &o->op);
}
