#pragma once
/* An event loop's own PostgreSQL read connections, driven without blocking.
 *
 * The loop has DBLOOP_CONNECTIONS reader connections (store_attach_loop),
 * each driven by a fiber (base/fiber.h) that runs queued READ ops one at a
 * time. When libpq would wait for the server, the connection's waiter
 * watches its socket on this loop and yields the fiber; the loop serves
 * other requests meanwhile and resumes the fiber when the socket is ready.
 * Several connections per loop: a read is a few round trips, and one
 * connection would make every read of the loop wait for the one before it
 * (measured with bench/confirmations.sh, GET /me on 2 cores: 1 connection
 * 1.5-1.7k reads/s, 4 connections 4.4k/s). A wait longer than DBLOOP_WAIT_MS gives up: the op
 * fails with storage_unavailable (503) and the connection is re-made at its
 * next use. Everything here runs on the loop's thread. */
#include <h2o.h>

#include "api/metrics.h"
#include "base/err.h"
#include "store/store.h"

#define DBLOOP_WAIT_MS 15000
#define DBLOOP_CONNECTIONS 4

typedef struct dbloop dbloop_t;

/* Attaches reader connections first_idx .. first_idx+nconns-1 of s to
 * `loop`; counts into m (may be NULL; borrowed). Call on the loop's thread
 * before it serves requests. Caller owns *ret (dbloop_free). */
int dbloop_new(h2o_evloop_t *loop, store_t *s, int first_idx, int nconns, metrics_t *m, dbloop_t **ret, err_t *err);

/* Queues a READ op; its post runs later on this loop (never from inside
 * this call). -EAGAIN when LIMIT_WRITE_QUEUE ops already wait. */
int dbloop_submit(dbloop_t *d, store_op_t *op);

/* Frees d if its fibers are idle; one stuck in a wait (the loop stopping
 * while PostgreSQL does not answer) is left to process exit. NULL is fine. */
void dbloop_free(dbloop_t *d);
