#pragma once
/* The HTTP server: N event-loop threads (h2o evloop), each with its own
 * listening socket on the same port (SO_REUSEPORT), its own h2o context and
 * a queue for store completions. */
#include "api/api.h"
#include "base/err.h"

/* Edge rules (RFC 9112 §6.1 framing, no cleartext HTTP/2, a connection cap
 * below the open-file limit, which is raised to its hard value first): see
 * server.c and docs/SECURITY.md. metrics_port > 0 binds a second listener
 * that serves /metrics alone (and /metrics is then 404 on host:port).
 *
 * Binds host:port on `threads` sockets and serves until SIGTERM/SIGINT, then
 * stops gracefully: readiness goes false, listeners close, in-flight requests
 * finish (at most `drain_s` seconds), and the function returns 0. The caller
 * then closes the store, which flushes the writer. */
int server_run(api_world_t *w, const char *host, int port, const char *metrics_host, int metrics_port, int threads,
    int drain_s, err_t *err);
