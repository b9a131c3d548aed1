#pragma once
/* uchetd's audit anchoring: a thread that, when --audit-key-file is given,
 * signs the audit chain's head at start, every LIMIT_AUDIT_CHECKPOINT_S
 * and at stop, appending each checkpoint to the key's .checkpoints file and
 * logging it (event audit.checkpoint), so copies also leave the host with
 * the logs. See store/anchor.h for what that protects. */
#include <stddef.h>

#include "base/clock.h"
#include "base/err.h"
#include "store/anchor.h"

typedef struct anchorer anchorer_t;

/* Loads the key (it must hold the secret half) and starts the thread; the
 * first checkpoint is written before this returns. Checkpoints go to
 * cp_path, or <key_path>.checkpoints when it is "". `clock` is borrowed. */
int anchorer_start(
    const char *db_url, const char *key_path, const char *cp_path, const uclock_t *clock, anchorer_t **ret, err_t *err);
/* What the desk's chain verification needs to check this anchorer's
 * checkpoints (store/anchor.h's scan): a copy of the key's public half
 * (caller owns *ret_key, anchor_key_free) and the checkpoint file. */
int anchorer_verifier(const anchorer_t *a, anchor_key_t **ret_key, char *cp_path, size_t cap, err_t *err);
/* Writes a last checkpoint, stops the thread, wipes the key. Accepts NULL. */
void anchorer_stop(anchorer_t *a);
