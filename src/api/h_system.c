/* GET /healthz, /readyz, /metrics; PUT /api/v1/test/clock (tests only). */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "api/handlers.h"
#include "api/metrics.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/date.h"

void h_healthz(api_req_t *r)
{
    api_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* The write probe /readyz sends while the storage is down: an UPDATE that
 * changes no value but, like any write, needs room in the WAL (SQLite) or a
 * live server with room for its WAL (PostgreSQL). */
static const char SQL_PROBE[] =
    "UPDATE schema_version SET applied_at = applied_at WHERE version = (SELECT MAX(version) FROM schema_version)";

static int probe_run(db_t *db, store_op_t *op)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_PROBE, &st, &op->err);
    return r < 0 ? r : db_run(st, &op->err);
}

static void probe_finish(api_req_t *r, store_op_t *op)
{
    if (op->rc < 0) { /* the completion already kept storage_down set */
        api_problem(r, 503, "not_ready", "The database cannot take writes (disk full or unreachable).");
        return;
    }
    api_reply_json(r, 200, json_pack("{s:s}", "status", "ready"));
}

#define PROBE_INTERVAL_NS 1000000000ull /* at most one write probe a second */

/* SQLite: true when the database's file system has less room than
 * LIMIT_DISK_FREE_MIN_BYTES. A write probe alone is not enough: a one-page
 * write still fits in the WAL's room when a real one does not. */
static bool disk_nearly_full(const api_world_t *w)
{
    if (!w->db_dir[0])
        return false;
    struct statvfs vfs;
    if (statvfs(w->db_dir, &vfs) < 0)
        return false;
    return (unsigned long long)vfs.f_bavail * vfs.f_frsize < LIMIT_DISK_FREE_MIN_BYTES;
}

void h_readyz(api_req_t *r)
{
    api_world_t *w = r->w;
    if (!w->ready) {
        api_problem(r, 503, "not_ready", "The service is starting or stopping.");
        return;
    }
    if (disk_nearly_full(w)) {
        atomic_store(&w->storage_down, true);
        api_problem(r, 503, "not_ready", "The disk holding the database is nearly full.");
        return;
    }
    if (atomic_load(&w->storage_down)) {
        /* Not ready until a write succeeds; with no traffic, /readyz itself
         * tries one, so the service comes back when the disk has room. */
        uint64_t now = clock_mono_ns(), last = atomic_load(&w->storage_probe_ns);
        if (now - last < PROBE_INTERVAL_NS || !atomic_compare_exchange_strong(&w->storage_probe_ns, &last, now)) {
            api_problem(r, 503, "not_ready", "The database cannot take writes (disk full or unreachable).");
            return;
        }
        store_op_t *op = api_op_new_or_reply(r, sizeof *op, probe_finish);
        if (!op)
            return;
        op->lane = STORE_WRITE;
        op->run = probe_run;
        api_op_submit(r, op);
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

bool h_gate_test_clock(api_req_t *r)
{
    if (r->w->allow_clock_control)
        return true;
    api_problem(r, 404, "not_found", "No such resource.");
    return false;
}

/* Moves the injected clock. Exists only when uchetd was started with
 * --allow-clock-control (tests); otherwise 404 like any unknown path. */
void h_test_clock(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *now;
    int64_t t;
    int rc = jsonx_string(body, "now", true, 1, 40, &now, &e);
    if (rc == 0 && time_parse_rfc3339(now, strlen(now), &t, NULL) < 0)
        rc = err_set(&e, -22, "invalid_time", "now must be an RFC 3339 time.");
    if (rc < 0) {
        api_problem_err(r, &e);
        return;
    }
    clock_set_fixed(&r->w->clock, t);
    api_reply_json(r, 200, json_pack("{s:I}", "now_unix", (json_int_t)t));
}
