/* POST /api/v1/me/confirmations — one position fix, compared and dropped. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/metrics.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/date.h"
#include "rules/geo.h"
#include "store/confirmation.h"

static void confirm_done(api_req_t *r, store_op_t *op)
{
    confirmation_op_t *o = (confirmation_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    if (o->ret_lapsed) {
        api_problem(r, 409, "registration_lapsed",
            "The deadline passed and the registration has lapsed. Register again in one step, "
            "or appeal within 30 days if something kept you from confirming.");
        return;
    }
    metric_confirm_t kind = o->ret_replay         ? METRIC_CONFIRM_REPLAY
                            : !o->ret_counted     ? METRIC_CONFIRM_TOO_INACCURATE
                            : o->ret_at_residence ? METRIC_CONFIRM_AT_RESIDENCE
                                                  : METRIC_CONFIRM_AWAY;
    metrics_confirmation(r->w->metrics, kind);
    api_reply_text_json(r, 201, o->ret_answer, strlen(o->ret_answer));
}

static bool key_chars_ok(const char *k)
{
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '-' ||
                *k == '_'))
            return false;
    return true;
}

/* Validates the fix. Error messages never echo the coordinates. */
static int parse_fix(api_req_t *r, json_t *body, confirmation_op_t *o, err_t *e)
{
    const char *key, *client_time;
    int64_t ct;
    int rc = jsonx_number(body, "lat", true, -GEO_JSON_COORD_MAX, GEO_JSON_COORD_MAX, &o->lat, e);
    if (rc == 0)
        rc = jsonx_number(body, "lon", true, -GEO_JSON_COORD_MAX, GEO_JSON_COORD_MAX, &o->lon, e);
    if (rc == 0)
        rc = geo_validate(o->lat, o->lon, e);
    if (rc == 0)
        rc = jsonx_number(body, "accuracy_m", true, 0, 1e7, &o->accuracy_m, e);
    if (rc == 0)
        rc = jsonx_string(body, "client_time", true, 1, 40, &client_time, e);
    if (rc == 0 && time_parse_rfc3339(client_time, strlen(client_time), &ct, NULL) < 0)
        rc = err_set(e, -EINVAL, "invalid_client_time", "client_time must be an RFC 3339 time.");
    if (rc == 0)
        rc = jsonx_string(body, "idempotency_key", true, LIMIT_IDEMPOTENCY_MIN, LIMIT_IDEMPOTENCY_MAX, &key, e);
    if (rc == 0 && !key_chars_ok(key))
        rc = err_set(e, -EINVAL, "invalid_idempotency_key", "idempotency_key may use only letters, digits, - and _.");
    if (rc == 0)
        snprintf(o->idempotency_key, sizeof o->idempotency_key, "%s", key);
    (void)r;
    return rc;
}

void h_confirmation_create(api_req_t *r)
{
    confirmation_op_t in, *o = &in; /* built and checked here; allocated once valid */
    confirmation_op_init(o);
    err_t e = {0};
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    json_t *body = r->body;
    int rc = parse_fix(r, body, o, &e);
    if (rc < 0) {
        sodium_memzero(&in, sizeof in); /* a position or address read so far (product rule 3) */
        api_problem_err(r, &e);
        return;
    }
    o->now = api_now(r);
    o->cal = r->w->cal;
    o->regions = &r->w->regions;
    if ((o = api_op_new_from(r, &in, sizeof in, confirm_done)))
        api_op_submit(r, &o->op);
}
