#pragma once
/* The injected clock. uchetd and uchetctl read "now" only through this, so
 * tests can fix it (--clock TIME) or move it (PUT /api/v1/test/clock when
 * started with --allow-clock-control). Real time unless set. */
#include <stdbool.h>
#include <stdint.h>

typedef struct uclock {
    _Atomic int64_t fixed_s; /* the fixed time (unix seconds) when is_fixed */
    _Atomic bool is_fixed;   /* false: real time */
} uclock_t;

/* Initialises to real time. */
void clock_init_real(uclock_t *c);
/* Fixes "now" at unix_s (seconds, UTC). Thread-safe. */
void clock_set_fixed(uclock_t *c, int64_t unix_s);
/* Current time, unix seconds (UTC). Thread-safe. */
int64_t clock_now(const uclock_t *c);
/* Monotonic nanoseconds, for measuring durations (metrics, benchmarks). */
uint64_t clock_mono_ns(void);
