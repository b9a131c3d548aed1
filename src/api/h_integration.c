/* POST /api/v1/integration/registrations — another system reports that a
 * person registered in a region outside the regime (product rule 10).
 * Authorization: ApiKey <key>. The answer never carries the person's data. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/region_code.h"
#include "store/apikey.h"

/* Reads "ApiKey <key>" into a hash; replies 401 and returns false otherwise. */
/* Fills the op; a regime region is refused here with 422 (returns 1 when
 * that reply has been sent). */
static int parse_report(api_req_t *r, const json_t *body, apikey_report_op_t *o, err_t *e)
{
    const char *kind = "", *number = "", *region = "";
    int rc = jsonx_string(body, "document_kind", true, 1, 16, &kind, e);
    if (rc == 0 && strcmp(kind, "card") != 0 && strcmp(kind, "passport") != 0)
        rc = err_set(e, -EINVAL, "invalid_document_kind", "document_kind must be \"card\" or \"passport\".");
    if (rc == 0)
        rc = jsonx_string(body, "document_number", true, 1, LIMIT_DOCNUM_BYTES, &number, e);
    if (rc == 0)
        rc = jsonx_string(body, "region", true, 1, sizeof o->region - 1, &region, e);
    /* Strictly a known code (rules/region_code.h): "077", "zz" never pass
     * as some region outside the regime. */
    if (rc == 0 && !region_code_known(region))
        rc = err_set(e, -EINVAL, "invalid_region", "region is the two-digit code of a region, such as 16.");
    if (rc < 0)
        return rc;
    const region_t *g = region_find(&r->w->regions, region);
    if (g && g->regime) {
        api_problem(r, 422, "region_in_regime",
            "This region runs the regime: a registration there is made by the person in the app.");
        return 1;
    }
    snprintf(o->doc_kind, sizeof o->doc_kind, "%s", kind);
    snprintf(o->doc_number, sizeof o->doc_number, "%s", number);
    snprintf(o->region, sizeof o->region, "%s", region);
    return 0;
}

static void report_done(api_req_t *r, store_op_t *op)
{
    apikey_report_op_t *o = (apikey_report_op_t *)op;
    /* The same answer whether uchet knows the document or not: a key holder
     * cannot use this door to learn who is registered. */
    if (op->rc == -ENOENT && strcmp(op->err.code, "unknown_document") == 0)
        api_reply_json(r, 200, json_pack("{s:s}", "status", "already_ended"));
    else if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(
            r, 200, json_pack("{s:s}", "status", o->ret_outcome == APIKEY_ENDED ? "ended" : "already_ended"));
}

void h_integration_registration(api_req_t *r)
{
    apikey_report_op_t in, *o = &in; /* built and checked here; allocated once valid */
    apikey_report_op_init(o);
    err_t e = {0};
    memcpy(o->key_hash, r->token_hash, sizeof o->key_hash); /* API_AUTH_APIKEY */
    json_t *body = r->body;
    int rc = parse_report(r, body, o, &e);
    if (rc != 0) {
        if (rc < 0)
            api_problem(r, 400, e.code, e.msg);
        return;
    }
    o->now = api_now(r);
    if ((o = api_op_new_from(r, &in, sizeof in, report_done)))
        api_op_submit(r, &o->op);
}
