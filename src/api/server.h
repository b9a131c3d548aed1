#pragma once
/* The HTTP server: N event-loop threads (h2o evloop), each with its own
 * listening socket on the same port (SO_REUSEPORT), its own h2o context and
 * a queue for store completions. */
#include "api/api.h"
#include "base/err.h"

/* Binds host:port on `threads` sockets and serves until SIGTERM/SIGINT, then
 * stops gracefully: readiness goes false, listeners close, in-flight requests
 * finish (at most `drain_s` seconds), and the function returns 0. The caller
 * then closes the store, which flushes the writer. */
int server_run(api_world_t *w, const char *host, int port, int threads, int drain_s, err_t *err);
