#pragma once
/* uchetd's audit anchoring: a thread that, when --audit-key-file is given,
 * signs the audit chain's head at start, every LIMIT_AUDIT_CHECKPOINT_S
 * and at stop, appending each checkpoint to the key's .checkpoints file and
 * logging it (event audit.checkpoint), so copies also leave the host with
 * the logs. See store/anchor.h for what that protects. */
#include "base/clock.h"
#include "base/err.h"

typedef struct anchorer anchorer_t;

/* Loads the key (it must hold the secret half) and starts the thread; the
 * first checkpoint is written before this returns. Checkpoints go to
 * cp_path, or <key_path>.checkpoints when it is "". `clock` is borrowed. */
int anchorer_start(
    const char *db_url, const char *key_path, const char *cp_path, const uclock_t *clock, anchorer_t **ret, err_t *err);
/* Writes a last checkpoint, stops the thread, wipes the key. Accepts NULL. */
void anchorer_stop(anchorer_t *a);
