#pragma once
/* The sweep scheduler inside uchetd: a thread that, about once a second,
 * sweeps every regime region for each local day that has begun and has not
 * been swept yet (catching up on days missed while the service was down, at
 * most SCHEDULER_CATCH_UP_DAYS back). It uses the injected clock, so tests
 * that move the clock see the sweep happen. */
#include "api/api.h"
#include "base/err.h"

#define SCHEDULER_CATCH_UP_DAYS 31

typedef struct scheduler scheduler_t;

/* Starts the thread with its own connection to `url`. Caller owns *ret. */
int scheduler_start(api_world_t *w, const char *url, scheduler_t **ret, err_t *err);
/* Stops the thread (finishing a sweep in progress) and frees. Accepts NULL. */
void scheduler_stop(scheduler_t *s);
