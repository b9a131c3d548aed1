#include "api/metrics.h"

#include "store/db.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 12
static const double bucket_s[NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};
static const char *const status_class[5] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
static const char *const confirm_names[METRIC_CONFIRM__N] = {"at_residence", "away", "too_inaccurate", "replay"};

typedef struct route_metrics {
    _Atomic uint64_t by_class[5];
    _Atomic uint64_t buckets[NBUCKETS]; /* non-cumulative; rendered cumulative */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
} route_metrics_t;

struct metrics {
    size_t nroutes;
    const char *const *names;
    route_metrics_t *routes; /* nroutes + 1 ("other") */
    _Atomic uint64_t confirm[METRIC_CONFIRM__N];
    _Atomic uint64_t loop_reads, loop_waits;
};

metrics_t *metrics_new(size_t nroutes, const char *const *route_names)
{
    metrics_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->routes = calloc(nroutes + 1, sizeof *m->routes);
    if (!m->routes) {
        free(m);
        return NULL;
    }
    m->nroutes = nroutes;
    m->names = route_names;
    return m;
}

void metrics_free(metrics_t *m)
{
    if (!m)
        return;
    free(m->routes);
    free(m);
}

void metrics_observe(metrics_t *m, int route, int status, uint64_t ns)
{
    route_metrics_t *rm = &m->routes[route < 0 || (size_t)route >= m->nroutes ? m->nroutes : (size_t)route];
    int cls = status / 100 - 1;
    if (cls >= 0 && cls < 5)
        atomic_fetch_add_explicit(&rm->by_class[cls], 1, memory_order_relaxed);
    double s = (double)ns / 1e9;
    int b = 0;
    while (b < NBUCKETS && s > bucket_s[b])
        b++;
    if (b < NBUCKETS)
        atomic_fetch_add_explicit(&rm->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rm->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rm->sum_ns, ns, memory_order_relaxed);
}

void metrics_confirmation(metrics_t *m, metric_confirm_t kind)
{
    if (kind < METRIC_CONFIRM__N)
        atomic_fetch_add_explicit(&m->confirm[kind], 1, memory_order_relaxed);
}

typedef struct out {
    char *buf;
    size_t len, cap;
    int failed;
} out_t;

static void outf(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(out_t *o, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !o->failed; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->failed = 1;
            return;
        }
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap + (size_t)n) * 2;
        char *g = realloc(o->buf, cap);
        if (!g) {
            o->failed = 1;
            return;
        }
        o->buf = g;
        o->cap = cap;
    }
}

static void render_route(out_t *o, const char *name, const route_metrics_t *rm)
{
    for (int c = 0; c < 5; c++) {
        uint64_t v = atomic_load(&rm->by_class[c]);
        if (v)
            outf(o, "uchet_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n", name, status_class[c],
                (unsigned long long)v);
    }
    uint64_t cum = 0;
    for (int b = 0; b < NBUCKETS; b++) {
        cum += atomic_load(&rm->buckets[b]);
        outf(o, "uchet_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", name, bucket_s[b],
            (unsigned long long)cum);
    }
    uint64_t count = atomic_load(&rm->count);
    outf(o, "uchet_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", name,
        (unsigned long long)count);
    outf(o, "uchet_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
        (double)atomic_load(&rm->sum_ns) / 1e9);
    outf(o, "uchet_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name, (unsigned long long)count);
}

static void render_store(out_t *o, const store_stats_t *ss)
{
    static const char *const le[8] = {"1", "3", "7", "15", "31", "63", "127", "+Inf"};
    outf(o, "# HELP uchet_write_batch_size Operations committed per group commit.\n"
            "# TYPE uchet_write_batch_size histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b < 8; b++) {
        cum += atomic_load(&ss->batch_hist[b]);
        outf(o, "uchet_write_batch_size_bucket{le=\"%s\"} %llu\n", le[b], (unsigned long long)cum);
    }
    outf(o, "uchet_write_batch_size_sum %llu\nuchet_write_batch_size_count %llu\n",
        (unsigned long long)atomic_load(&ss->batch_ops), (unsigned long long)atomic_load(&ss->batches));
    outf(o, "# TYPE uchet_write_queue_depth gauge\nuchet_write_queue_depth %llu\n",
        (unsigned long long)atomic_load(&ss->queue_depth));
    outf(o, "# TYPE uchet_commit_failures_total counter\nuchet_commit_failures_total %llu\n",
        (unsigned long long)atomic_load(&ss->commit_failures));
    outf(o,
        "# HELP uchet_db_round_trips_total Round trips to PostgreSQL: loop = the event loops' readers,"
        " slow = the slow lane's threads, thread = the writer and every other blocking connection.\n"
        "# TYPE uchet_db_round_trips_total counter\n"
        "uchet_db_round_trips_total{conn=\"thread\"} %llu\nuchet_db_round_trips_total{conn=\"loop\"} %llu\n"
        "uchet_db_round_trips_total{conn=\"slow\"} %llu\n",
        (unsigned long long)db_round_trips(DB_TRIPS_THREAD), (unsigned long long)db_round_trips(DB_TRIPS_LOOP),
        (unsigned long long)db_round_trips(DB_TRIPS_SLOW));
}

void metrics_loop_read(metrics_t *m, unsigned waits)
{
    if (!m)
        return;
    atomic_fetch_add_explicit(&m->loop_reads, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->loop_waits, waits, memory_order_relaxed);
}

char *metrics_render(const metrics_t *m, const store_stats_t *ss)
{
    out_t o = {.cap = 8192};
    if (!(o.buf = malloc(o.cap)))
        return NULL;
    outf(&o, "# HELP uchet_http_requests_total HTTP requests by route and status class.\n"
             "# TYPE uchet_http_requests_total counter\n"
             "# HELP uchet_http_request_duration_seconds Time to answer, by route.\n"
             "# TYPE uchet_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->nroutes; i++)
        render_route(&o, i < m->nroutes ? m->names[i] : "other", &m->routes[i]);
    outf(&o, "# HELP uchet_confirmations_total Confirmations of presence by result.\n"
             "# TYPE uchet_confirmations_total counter\n");
    for (int k = 0; k < METRIC_CONFIRM__N; k++)
        outf(&o, "uchet_confirmations_total{result=\"%s\"} %llu\n", confirm_names[k],
            (unsigned long long)atomic_load(&m->confirm[k]));
    outf(&o,
        "# HELP uchet_db_loop_reads_total Reads an event loop ran itself (PostgreSQL).\n"
        "# TYPE uchet_db_loop_reads_total counter\n"
        "uchet_db_loop_reads_total %llu\n"
        "# HELP uchet_db_loop_waits_total Times such a read let its loop serve others while the server worked.\n"
        "# TYPE uchet_db_loop_waits_total counter\n"
        "uchet_db_loop_waits_total %llu\n",
        (unsigned long long)atomic_load(&m->loop_reads), (unsigned long long)atomic_load(&m->loop_waits));
    if (ss)
        render_store(&o, ss);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    return o.buf;
}
