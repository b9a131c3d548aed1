#pragma once
/* The audit log (product rule 15): every state change and every officer read
 * is an event in a SHA-256 hash chain. Each event's hash covers the previous
 * event's hash and the event's own fields, so changing, removing or
 * reordering any event breaks every later link. */
#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

#define AUDIT_HASH_BYTES 32

/* Pure: the hash of one event (length-prefixed fields, big-endian integers). */
void audit_hash(const uint8_t prev[AUDIT_HASH_BYTES], int64_t seq, int64_t at, const char *actor,
                const char *action, const char *subject, const char *detail,
                uint8_t ret[AUDIT_HASH_BYTES]);

/* Appends an event inside the caller's write transaction. `detail` (borrowed,
 * may be NULL) is serialised canonically (sorted keys, compact). The caller
 * guarantees it carries no coordinates, document numbers or secrets. */
int audit_append(db_t *db, int64_t at, const char *actor, const char *action, const char *subject,
                 const json_t *detail, err_t *err);

/* Like audit_append with `detail` already serialised canonically (compact,
 * keys sorted), for hot paths that build it with snprintf. NULL means {}. */
int audit_append_text(db_t *db, int64_t at, const char *actor, const char *action, const char *subject,
                      const char *detail, err_t *err);

/* Walks the whole chain. *ret_count = events checked; *ret_broken = seq of the
 * first event whose link or hash is wrong, or 0 if the chain is intact. */
int audit_verify(db_t *db, int64_t *ret_count, int64_t *ret_broken, err_t *err);
