/* Slides a desk session after a read-lane read (desk_slide.h). */
#include <pthread.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/desk_slide.h"
#include "base/log.h"

/* The sessions slid lately, so that reads arriving together (several tabs,
 * a refresh) send one write, not one each: a direct-mapped table by the
 * token hash's first byte, each slot the hash's first SLID_KEY bytes and
 * when its slide was sent. A collision only costs a write that finds
 * nothing to do (officer_slide_op_t never moves a session back). */
#define SLID_SLOTS 256
#define SLID_KEY 16
typedef struct slid_slot {
    uint8_t key[SLID_KEY];
    int64_t at;
} slid_slot_t;
static struct {
    pthread_mutex_t mu;
    slid_slot_t slot[SLID_SLOTS];
} slid = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* True when this session's slide has not been sent in the last
 * OFFICER_SLIDE_AFTER_S; then notes it as sent at now. */
static bool claim_slide(const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now)
{
    bool send = true;
    pthread_mutex_lock(&slid.mu);
    slid_slot_t *s = &slid.slot[token_hash[0]];
    if (!memcmp(s->key, token_hash, SLID_KEY) && now >= s->at && now - s->at < OFFICER_SLIDE_AFTER_S)
        send = false;
    else {
        memcpy(s->key, token_hash, SLID_KEY);
        s->at = now;
    }
    pthread_mutex_unlock(&slid.mu);
    return send;
}

/* On the writer's thread: the reply went long ago; log a failure, free. */
static void slide_done(store_op_t *op)
{
    if (op->rc < 0)
        log_msg(LOG_WARN, "desk_slide_failed", "a desk session's idle limit was not slid: %s", op->err.code);
    sodium_memzero(op, sizeof(officer_slide_op_t));
    free(op);
}

void desk_slide(api_req_t *r, const uint8_t token_hash[SECRET_HASH_BYTES], const officer_ref_t *me, int64_t now)
{
    if (!me->id || now - me->seen_at < OFFICER_SLIDE_AFTER_S || !claim_slide(token_hash, now))
        return;
    officer_slide_op_t *o = malloc(sizeof *o);
    if (!o) {
        log_msg(LOG_WARN, "desk_slide_failed", "a desk session's idle limit was not slid: out_of_memory");
        return;
    }
    officer_slide_op_init(o);
    memcpy(o->token_hash, token_hash, sizeof o->token_hash);
    o->now = now;
    o->op.post = slide_done;
    if (store_submit(r->w->store, &o->op, r->t->idx) < 0) {
        log_msg(LOG_WARN, "desk_slide_failed", "a desk session's idle limit was not slid: overloaded");
        sodium_memzero(o, sizeof *o);
        free(o);
    }
}
