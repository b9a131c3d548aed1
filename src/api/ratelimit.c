#include "api/ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    uint8_t key[16]; /* keyed hash of the key: addresses and numbers are not kept */
    int64_t window_start;
    int fails;
    int inflight; /* ratelimit_enter minus ratelimit_leave */
    bool used;
} slot_t;

struct ratelimit {
    pthread_mutex_t mu;
    slot_t *slots;
    size_t n;
    int max_fails, window_s;
    uint8_t hash_key[crypto_shorthash_KEYBYTES];
};

ratelimit_t *ratelimit_new(size_t slots, int max_fails, int window_s)
{
    ratelimit_t *rl = calloc(1, sizeof *rl);
    if (!rl || !(rl->slots = calloc(slots, sizeof *rl->slots))) {
        free(rl);
        return NULL;
    }
    pthread_mutex_init(&rl->mu, NULL);
    rl->n = slots;
    rl->max_fails = max_fails;
    rl->window_s = window_s;
    randombytes_buf(rl->hash_key, sizeof rl->hash_key);
    return rl;
}

void ratelimit_free(ratelimit_t *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->slots);
    free(rl);
}

static void digest(const ratelimit_t *rl, const void *key, size_t len, uint8_t out[16])
{
    crypto_generichash(out, 16, key, len, rl->hash_key, sizeof rl->hash_key);
}

/* The slot for d: its own, or a free one, or the one with the oldest window. */
static slot_t *find(ratelimit_t *rl, const uint8_t d[16], bool create)
{
    size_t start = ((size_t)d[0] << 8 | d[1]) % rl->n;
    slot_t *victim = NULL;
    for (size_t k = 0; k < 8 && k < rl->n; k++) {
        slot_t *s = &rl->slots[(start + k) % rl->n];
        if (s->used && memcmp(s->key, d, 16) == 0)
            return s;
        if (!victim || !s->used ||
            (victim->used && s->inflight <= victim->inflight && s->window_start < victim->window_start))
            victim = s;
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof *victim);
    memcpy(victim->key, d, 16);
    victim->used = true;
    return victim;
}

int ratelimit_check(ratelimit_t *rl, const void *key, size_t len, int64_t now)
{
    uint8_t d[16];
    digest(rl, key, len, d);
    pthread_mutex_lock(&rl->mu);
    slot_t *s = find(rl, d, false);
    int wait = 0;
    if (s && now - s->window_start < rl->window_s && s->fails >= rl->max_fails)
        wait = (int)(s->window_start + rl->window_s - now);
    pthread_mutex_unlock(&rl->mu);
    return wait > 0 ? wait : 0;
}

void ratelimit_fail(ratelimit_t *rl, const void *key, size_t len, int64_t now)
{
    uint8_t d[16];
    digest(rl, key, len, d);
    pthread_mutex_lock(&rl->mu);
    slot_t *s = find(rl, d, true);
    if (now - s->window_start >= rl->window_s) {
        s->window_start = now;
        s->fails = 0;
    }
    s->fails++;
    pthread_mutex_unlock(&rl->mu);
}

void ratelimit_reset(ratelimit_t *rl, const void *key, size_t len)
{
    uint8_t d[16];
    digest(rl, key, len, d);
    pthread_mutex_lock(&rl->mu);
    slot_t *s = find(rl, d, false);
    if (s)
        s->used = false;
    pthread_mutex_unlock(&rl->mu);
}

bool ratelimit_enter(ratelimit_t *rl, const void *key, size_t len, int max)
{
    uint8_t d[16];
    digest(rl, key, len, d);
    pthread_mutex_lock(&rl->mu);
    slot_t *s = find(rl, d, true);
    bool ok = s->inflight < max;
    if (ok)
        s->inflight++;
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

void ratelimit_leave(ratelimit_t *rl, const void *key, size_t len)
{
    uint8_t d[16];
    digest(rl, key, len, d);
    pthread_mutex_lock(&rl->mu);
    slot_t *s = find(rl, d, false);
    if (s && s->inflight > 0)
        s->inflight--;
    pthread_mutex_unlock(&rl->mu);
}
