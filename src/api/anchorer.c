/* Signs audit checkpoints on a timer; see anchorer.h. */
#include "api/anchorer.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "base/log.h"
#include "store/anchor.h"
#include "store/audit.h"
#include "store/db.h"

struct anchorer {
    char db_url[512];
    char cp_path[1024];
    const uclock_t *clock;
    anchor_key_t *key;
    int64_t last_seq; /* last seq anchored; only the thread (or start/stop) touches it */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping; /* under mu */
};

/* Anchors the head if it moved since the last checkpoint. */
static void checkpoint_once(anchorer_t *a)
{
    err_t e = {0};
    db_t *db = NULL;
    anchor_checkpoint_t cp = {.at = clock_now(a->clock)};
    int r = db_open(a->db_url, true, &db, &e);
    if (r == 0 && (r = db_begin_read(db, &e)) == 0) {
        r = audit_head(db, &cp.seq, cp.hash, &e);
        db_rollback(db);
    }
    db_close(db);
    if (r == 0 && (cp.seq == 0 || cp.seq == a->last_seq))
        return;
    if (r == 0)
        r = anchor_append(a->key, a->cp_path, &cp, &e);
    if (r < 0) {
        log_msg(LOG_WARN, "audit.checkpoint_failed", "%s", e.msg);
        return;
    }
    a->last_seq = cp.seq;
    char hex[2 * AUDIT_HASH_BYTES + 1], seq[24];
    sodium_bin2hex(hex, sizeof hex, cp.hash, sizeof cp.hash);
    snprintf(seq, sizeof seq, "%lld", (long long)cp.seq);
    const char *fields[] = {"seq", seq, "hash", hex, NULL};
    log_fields(LOG_INFO, "audit.checkpoint", "audit chain head signed", fields);
}

static void *anchorer_main(void *arg)
{
    anchorer_t *a = arg;
    pthread_mutex_lock(&a->mu);
    while (!a->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += LIMIT_AUDIT_CHECKPOINT_S;
        pthread_cond_timedwait(&a->cv, &a->mu, &until);
        if (a->stopping)
            break;
        pthread_mutex_unlock(&a->mu);
        checkpoint_once(a);
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

int anchorer_start(
    const char *db_url, const char *key_path, const char *cp_path, const uclock_t *clock, anchorer_t **ret, err_t *err)
{
    anchorer_t *a = calloc(1, sizeof *a);
    if (!a)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    snprintf(a->db_url, sizeof a->db_url, "%s", db_url);
    a->clock = clock;
    if (cp_path && cp_path[0])
        snprintf(a->cp_path, sizeof a->cp_path, "%s", cp_path);
    int r = !a->cp_path[0] && anchor_checkpoint_path(key_path, a->cp_path, sizeof a->cp_path) < 0
                ? err_set(err, -ENAMETOOLONG, "bad_config", "The audit key path is too long.")
                : anchor_key_load(key_path, &a->key, err);
    if (r == 0 && !anchor_key_can_sign(a->key))
        r = err_set(err, -EINVAL, "bad_config", "%s is a public key; uchetd needs the secret audit key.", key_path);
    if (r < 0) {
        anchor_key_free(a->key);
        free(a);
        return r;
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    checkpoint_once(a);
    if (pthread_create(&a->thread, NULL, anchorer_main, a) != 0) {
        anchor_key_free(a->key);
        free(a);
        return err_set(err, -EAGAIN, "thread_failed", "Cannot start the audit anchoring thread.");
    }
    log_msg(LOG_INFO, "audit.anchoring", "checkpoints every %d s to %s", LIMIT_AUDIT_CHECKPOINT_S, a->cp_path);
    *ret = a;
    return 0;
}

int anchorer_verifier(const anchorer_t *a, anchor_key_t **ret_key, char *cp_path, size_t cap, err_t *err)
{
    if (snprintf(cp_path, cap, "%s", a->cp_path) >= (int)cap)
        return err_set(err, -ENAMETOOLONG, "bad_config", "The audit checkpoint path is too long.");
    return anchor_key_public(a->key, ret_key, err);
}

void anchorer_stop(anchorer_t *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stopping = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    checkpoint_once(a); /* the events of the last minute too */
    anchor_key_free(a->key);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}
