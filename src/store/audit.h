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

/* The chain's last link, for appending many events in one transaction
 * without reading it back each time (the sweep). seq 0 and a zero hash
 * when the log is empty. */
typedef struct audit_chain {
    int64_t seq;                       /* seq of the last event */
    uint8_t hash[AUDIT_HASH_BYTES];    /* its hash: the next event's prev_hash */
} audit_chain_t;

/* Reads the chain's last link inside the caller's write transaction. */
int audit_chain_head(db_t *db, audit_chain_t *ret, err_t *err);

/* Appends an event after *c (as audit_append_text does) and advances *c
 * to it; *c is unchanged on failure. The caller keeps *c current: any
 * other append in between (audit_append...) makes it stale, so read the
 * head again after one. */
int audit_chain_append_text(db_t *db, audit_chain_t *c, int64_t at, const char *actor, const char *action,
                            const char *subject, const char *detail, err_t *err);

#define AUDIT_BATCH 64   /* events per INSERT in audit_chain_append_batch */

typedef struct audit_event {
    int64_t at;
    const char *actor, *action, *subject;   /* borrowed */
    const char *detail;                     /* canonical JSON text, borrowed; NULL means {} */
} audit_event_t;

/* Appends n events after *c in order and advances *c past them; *c is
 * unchanged on failure. n == AUDIT_BATCH goes in one INSERT (one round
 * trip on PostgreSQL), other n one INSERT each. */
int audit_chain_append_batch(db_t *db, audit_chain_t *c, const audit_event_t *ev, int n, err_t *err);

/* Walks the whole chain. *ret_count = events checked; *ret_broken = seq of the
 * first event whose link or hash is wrong, or 0 if the chain is intact. */
int audit_verify(db_t *db, int64_t *ret_count, int64_t *ret_broken, err_t *err);
