#pragma once
/* Prometheus metrics: requests and latency per route, confirmations by
 * result, write batch sizes. Lock-free counters; labels never carry personal
 * data (routes are templates, not paths). */
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct metrics metrics_t;

typedef enum {
    METRIC_CONFIRM_AT_RESIDENCE = 0,
    METRIC_CONFIRM_AWAY,
    METRIC_CONFIRM_TOO_INACCURATE,
    METRIC_CONFIRM_REPLAY,
    METRIC_CONFIRM__N
} metric_confirm_t;

/* route_names: nroutes borrowed strings (they must outlive the metrics). */
metrics_t *metrics_new(size_t nroutes, const char *const *route_names);
void metrics_free(metrics_t *m); /* accepts NULL */
/* route < 0 counts as "other" (static files, unknown paths). */
void metrics_observe(metrics_t *m, int route, int status, uint64_t duration_ns);
void metrics_confirmation(metrics_t *m, metric_confirm_t kind);
/* A READ op an event loop ran itself on PostgreSQL, and how many times it
 * handed the loop back while waiting for the server (api/dbloop.h). */
void metrics_loop_read(metrics_t *m, unsigned waits);
/* Renders the text exposition format. Caller frees. NULL on OOM. */
char *metrics_render(const metrics_t *m, const store_stats_t *ss);
