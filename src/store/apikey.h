#pragma once
/* API keys of other systems, and the one thing a key may do (product rule
 * 10): report that a person registered in a region outside the regime, which
 * ends the person's active registration with `registered_elsewhere`.
 *
 * The door only pushes: a report's answer says whether it ended something,
 * never anything about the person. Keys are random tokens shown once; only
 * their SHA-256 is stored, so a copy of the database opens nothing. */
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "store/store.h"

#define APIKEY_NAME_MAX 64 /* bytes: which system holds the key */
#define APIKEY_CHARS SECRET_TOKEN_CHARS

/* Resolves a key's hash inside the caller's transaction. -EACCES
 * (unauthorized) when unknown or revoked. */
int apikey_check(db_t *db, const uint8_t key_hash[SECRET_HASH_BYTES], int64_t *ret_id, err_t *err);

/* WRITE lane (uchetctl). Creates a key for `name`; ret_key is the plaintext,
 * to be shown once and wiped by the caller. Audited as the operator. */
typedef struct apikey_add_op {
    store_op_t op;
    int64_t now;
    char name[APIKEY_NAME_MAX + 1];
    int64_t ret_id;
    char ret_key[APIKEY_CHARS + 1];
} apikey_add_op_t;
void apikey_add_op_init(apikey_add_op_t *o);

/* WRITE lane (uchetctl). Revokes key `id` at once. -ENOENT (not_found) when
 * there is no such key or it is already revoked. */
typedef struct apikey_revoke_op {
    store_op_t op;
    int64_t now;
    int64_t id;
} apikey_revoke_op_t;
void apikey_revoke_op_init(apikey_revoke_op_t *o);

typedef enum apikey_outcome {
    APIKEY_ENDED = 1,     /* an active registration was ended now */
    APIKEY_ALREADY_ENDED, /* nothing active: reported before, or ended otherwise */
} apikey_outcome_t;

/* WRITE lane. "The person with this document registered in `region`" (a
 * region outside the regime; the caller checked that). Ends the active
 * registration with `registered_elsewhere` (audited with the key as actor)
 * and queues the notice `registered_elsewhere` {region}. Idempotent: with
 * nothing active the outcome is APIKEY_ALREADY_ENDED and nothing is written.
 * -EACCES (unauthorized), -ENOENT (unknown_document). */
typedef struct apikey_report_op {
    store_op_t op;
    uint8_t key_hash[SECRET_HASH_BYTES];
    int64_t now;
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char region[8];
    apikey_outcome_t ret_outcome;
} apikey_report_op_t;
void apikey_report_op_init(apikey_report_op_t *o);
