#pragma once
/* The push outbox's SQL: push subscriptions (the person's browsers), and
 * the claim / record cycle the delivery worker (notify/outbox) runs over
 * the notices table.
 *
 * A notice is due for push while push_state = 'pending' and next_push_at
 * <= now. Claiming one does not change its state: it only moves
 * next_push_at OUTBOX_LEASE_S ahead, so that no other worker (another
 * uchetd on the same PostgreSQL) takes it meanwhile. Its state changes only
 * when the push service has answered (outbox_record_op). If uchetd stops
 * between the two, the lease runs out and the notice is claimed again:
 * delivery is at least once, never lost. */
#include <stdint.h>

#include "base/secret.h"
#include "store/store.h"

#define OUTBOX_BATCH 16          /* notices claimed per round */
#define OUTBOX_SUBS_MAX 8        /* push subscriptions kept per person (newest) */
#define OUTBOX_ENDPOINT_MAX 1024 /* bytes of a subscription endpoint URL */
#define OUTBOX_LEASE_S 600       /* a claimed notice is due again after this */
#define OUTBOX_P256DH_LEN 65     /* uncompressed P-256 point */
#define OUTBOX_AUTH_LEN 16       /* subscription auth secret */

/* --- subscriptions (HTTP handlers) --- */

/* WRITE lane. Adds or refreshes the session person's subscription for
 * `endpoint`. An endpoint another person subscribed stays theirs, keys and
 * all: -EEXIST (endpoint_taken), nothing written (issue 12: a re-post must
 * not move a subscription to the poster). Keeps the person's
 * OUTBOX_SUBS_MAX newest subscriptions and deletes older ones. -EACCES
 * (unauthorized) for a bad session. The handler validates the inputs. */
typedef struct outbox_subscribe_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char endpoint[OUTBOX_ENDPOINT_MAX + 1];
    uint8_t p256dh[OUTBOX_P256DH_LEN];
    uint8_t auth[OUTBOX_AUTH_LEN];
} outbox_subscribe_op_t;
void outbox_subscribe_op_init(outbox_subscribe_op_t *o);

/* WRITE lane. Deletes the session person's subscription for `endpoint`;
 * succeeds also when there is none (so a retried DELETE is fine). -EACCES
 * (unauthorized) for a bad session. */
typedef struct outbox_unsubscribe_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char endpoint[OUTBOX_ENDPOINT_MAX + 1];
} outbox_unsubscribe_op_t;
void outbox_unsubscribe_op_init(outbox_unsubscribe_op_t *o);

/* --- delivery (the worker) --- */

typedef struct outbox_sub {
    int64_t id;
    char endpoint[OUTBOX_ENDPOINT_MAX + 1];
    uint8_t p256dh[OUTBOX_P256DH_LEN];
    uint8_t auth[OUTBOX_AUTH_LEN];
} outbox_sub_t;

typedef struct outbox_item {
    int64_t notice_id;
    int64_t person_id;
    char kind[40];
    char params[2048]; /* JSON text (an appeal refusal carries a 500-byte reason) */
    char language[8];  /* the person's language */
    int attempts;      /* pushes tried before this claim */
    int nsubs;
    outbox_sub_t subs[OUTBOX_SUBS_MAX];
} outbox_item_t;

/* WRITE lane. Claims up to `limit` (<= OUTBOX_BATCH) due notices, oldest
 * first (next_push_at, then id), each with its person's language and
 * current subscriptions, and leases them until now + OUTBOX_LEASE_S. */
typedef struct outbox_claim_op {
    store_op_t op;
    int64_t now;
    int limit;
    int ret_n;
    outbox_item_t ret[OUTBOX_BATCH];
} outbox_claim_op_t;
void outbox_claim_op_init(outbox_claim_op_t *o);

typedef enum {
    OUTBOX_SENT = 1, /* a push service took it for at least one browser */
    OUTBOX_RETRY,    /* a push service was busy or unreachable: try again */
    OUTBOX_FAILED,   /* refused for good, or out of attempts */
    OUTBOX_NONE,     /* the person has no subscription: inbox only */
    OUTBOX_RELEASE,  /* not finished (the worker is stopping): due again now, no try counted */
} outbox_outcome_t;

/* A subscription the push service no longer knows (404/410). */
typedef struct outbox_gone {
    int64_t id;
    uint8_t p256dh[OUTBOX_P256DH_LEN]; /* the keys it had when claimed */
} outbox_gone_t;

typedef struct outbox_result {
    int64_t notice_id;
    outbox_outcome_t outcome;
    int64_t next_push_at; /* OUTBOX_RETRY: when */
    int ngone;
    outbox_gone_t gone[OUTBOX_SUBS_MAX];
} outbox_result_t;

/* WRITE lane. Records what delivering each claimed notice came to: its
 * push_state ('sent', 'failed', 'none'; or still 'pending' with a new
 * next_push_at for OUTBOX_RETRY, or due now for OUTBOX_RELEASE), one more
 * push attempt unless NONE or RELEASE, and
 * deletes the gone subscriptions (only if still the same keys: a browser
 * that subscribed again meanwhile keeps its new subscription). A notice no
 * longer pending (another worker finished it) is left alone. */
typedef struct outbox_record_op {
    store_op_t op;
    int64_t now;
    int n;
    outbox_result_t results[OUTBOX_BATCH];
    int64_t ret_deleted; /* subscriptions deleted */
} outbox_record_op_t;
void outbox_record_op_init(outbox_record_op_t *o);

/* Deletes every push subscription (after a VAPID key rotation they can no
 * longer be used: browsers bound them to the old key). Inside the caller's
 * write transaction; the count through ret_n. */
int outbox_forget_all(db_t *db, int64_t *ret_n, err_t *err);
