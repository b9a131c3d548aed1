#pragma once
/* Failed-log-in limits per account and per client address (ASVS 2.2.1):
 * a fixed window per key in a bounded table (a full table evicts the oldest
 * window). In-process: each uchetd instance limits on its own. Log-in
 * failures are counted in the database instead (store/login_limit.h); this
 * table keeps the landlord-code window and the in-flight bound of hashing
 * per client (ratelimit_enter). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ratelimit ratelimit_t;

/* slots: table size; max_fails per window_s. NULL on OOM. */
ratelimit_t *ratelimit_new(size_t slots, int max_fails, int window_s);
void ratelimit_free(ratelimit_t *rl); /* accepts NULL */
/* 0 if key may try now, else seconds until it may (for Retry-After). */
int ratelimit_check(ratelimit_t *rl, const void *key, size_t len, int64_t now);
/* Records a failure for key. */
void ratelimit_fail(ratelimit_t *rl, const void *key, size_t len, int64_t now);
/* Forgets key (after a successful log-in). */
void ratelimit_reset(ratelimit_t *rl, const void *key, size_t len);
/* In-flight bound: takes one of `max` places of key; false when all are
 * taken. Every true is matched by one ratelimit_leave. (A full table may
 * evict a key with places taken; it then starts again from zero.) */
bool ratelimit_enter(ratelimit_t *rl, const void *key, size_t len, int max);
void ratelimit_leave(ratelimit_t *rl, const void *key, size_t len);
