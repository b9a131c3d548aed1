#pragma once
/* Confirmation of presence (product rules 3 and 4). The position is compared
 * with the residence's reference point inside the operation and wiped; only
 * the time, the result and the answer are stored. */
#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "rules/calendar.h"
#include "store/region.h"
#include "store/registration.h"
#include "store/store.h"

#define CONFIRMATION_ANSWER_MAX 512
#define CONFIRMATION_MISMATCH_STREAK 3 /* rule 8 */

/* WRITE lane. The position is only compared, never written; the caller
 * wipes the op (sodium_memzero) once it has answered. A retry with the same idempotency key returns the stored first
 * answer (ret_replay = true) and writes nothing. -ENOENT
 * (no_active_registration) without an active registration. */
typedef struct confirmation_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    double lat, lon, accuracy_m; /* compared, never stored; wiped by the caller */
    char idempotency_key[LIMIT_IDEMPOTENCY_MAX + 1];
    const calendar_t *cal;                    /* borrowed, read-only */
    const region_set_t *regions;              /* borrowed, read-only */
    char ret_answer[CONFIRMATION_ANSWER_MAX]; /* JSON object text */
    bool ret_replay;
    bool ret_lapsed;  /* the deadline had passed: lapsed now, 409 */
    bool ret_counted; /* for metrics */
    bool ret_at_residence;
    /* Read ahead for the batch (PostgreSQL): the session's person, an
     * earlier answer to the key, the active registration. Valid only in
     * the writer transaction numbered pre_txn (0: none). */
    uint64_t pre_txn;
    int64_t pre_pid;
    bool pre_replay;
    registration_view_t pre_reg;
} confirmation_op_t;
void confirmation_op_init(confirmation_op_t *o);

/* Rule 16, inside the caller's write transaction: deletes the confirmation
 * results received before `before`; adds how many to *ret_deleted. */
int confirmation_delete_before(db_t *db, int64_t before, int64_t *ret_deleted, err_t *err);
