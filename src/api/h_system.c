/* GET /healthz, /readyz, /metrics; PUT /api/v1/test/clock (tests only). */
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/metrics.h"
#include "base/jsonx.h"
#include "rules/date.h"

void h_healthz(api_req_t *r)
{
    api_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void h_readyz(api_req_t *r)
{
    if (!r->w->ready) {
        api_problem(r, 503, "not_ready", "The service is starting or stopping.");
        return;
    }
    api_reply_json(r, 200, json_pack("{s:s}", "status", "ready"));
}

void h_metrics(api_req_t *r)
{
    if (r->w->metrics_separate && !r->metrics_listener) {
        api_problem(r, 404, "not_found", "No such resource.");
        return;
    }
    char *text = metrics_render(r->w->metrics, store_stats(r->w->store));
    if (!text) {
        api_problem(r, 500, "internal", "Metrics could not be rendered.");
        return;
    }
    h2o_req_t *req = r->req;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; version=0.0.4; charset=utf-8"));
    api_security_headers(req);
    metrics_observe(r->w->metrics, r->route, 200, clock_mono_ns() - r->start_ns);
    req->res.content_length = strlen(text);
    h2o_send_inline(req, text, strlen(text));
    free(text);
}

/* Moves the injected clock. Exists only when uchetd was started with
 * --allow-clock-control (tests); otherwise 404 like any unknown path. */
void h_test_clock(api_req_t *r)
{
    static const char *const fields[] = {"now", NULL};
    if (!r->w->allow_clock_control) {
        api_problem(r, 404, "not_found", "No such resource.");
        return;
    }
    json_t *body = api_body_or_reply(r, fields);
    if (!body)
        return;
    err_t e = {0};
    const char *now;
    int64_t t;
    int rc = jsonx_string(body, "now", true, 1, 40, &now, &e);
    if (rc == 0 && time_parse_rfc3339(now, strlen(now), &t, NULL) < 0)
        rc = err_set(&e, -22, "invalid_time", "now must be an RFC 3339 time.");
    json_decref(body);
    if (rc < 0) {
        api_problem_err(r, &e);
        return;
    }
    clock_set_fixed(&r->w->clock, t);
    api_reply_json(r, 200, json_pack("{s:I}", "now_unix", (json_int_t)t));
}
