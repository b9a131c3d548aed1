#pragma once
/* The push outbox worker: one thread in uchetd that claims due notices
 * (store/outbox), renders each in its person's language (notify/catalog),
 * and sends it to every push subscription of that person (notify/webpush).
 *
 * Per subscription, the push service's answer decides:
 *   2xx                     delivered
 *   404, 410                the subscription is gone: deleted
 *   408, 429, 5xx, network  busy: the notice is tried again later
 *   other 4xx               refused (our request is wrong for that service)
 * and per notice:
 *   delivered anywhere      -> push_state 'sent'
 *   else busy somewhere     -> retried after OUTBOX_RETRY_BASE_S * 2^attempts
 *                              (at most OUTBOX_RETRY_MAX_S, at least the
 *                              service's Retry-After, plus up to 1/8 of
 *                              jitter by notice id); after
 *                              OUTBOX_MAX_ATTEMPTS -> 'failed'
 *   else refused somewhere  -> 'failed'
 *   no subscription (left)  -> 'none' (the inbox still has it)
 *
 * Delivery is at least once. The state changes only after the push
 * services answered; a uchetd that stops (or dies) in between leaves the
 * notice leased, and it is sent again when the lease (OUTBOX_LEASE_S) runs
 * out, or at once after a clean stop, which releases what it had not
 * finished. A repeat cannot be told from the first send by the push
 * service, but it carries the same Topic (the notice id): a message still
 * waiting at the service for an offline phone is replaced, not doubled;
 * and the same notification tag, so a phone that got both shows one.
 *
 * Scheduling reads the injected clock (tests move it); VAPID tokens use
 * real time, as push services check them against theirs. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/err.h"
#include "notify/catalog.h"
#include "notify/vapid.h"
#include "store/outbox.h"
#include "store/store.h"

#define OUTBOX_MAX_ATTEMPTS 10        /* pushes tried before 'failed' (~8.5 h of backoff) */
#define OUTBOX_RETRY_BASE_S 60        /* first retry after a busy answer */
#define OUTBOX_RETRY_MAX_S (6 * 3600) /* longest wait between tries */
#define OUTBOX_POLL_MS 1000           /* how often the worker looks for due notices */
#define OUTBOX_TEST_POLL_MS 100       /* the same in test mode (uchetd --allow-clock-control) */
#define OUTBOX_PUSH_TTL_S 86400       /* how long a push service may hold a message */
#define OUTBOX_TITLE_MAX 256          /* rendered title bytes */
#define OUTBOX_BODY_MAX 1536          /* rendered body bytes */

typedef struct outbox outbox_t;

/* Told of what the worker did, from its thread (uchetd logs it; library
 * modules do not log). event: "push.sent", "push.retry", "push.failed",
 * "push.none", "push.gone" (a subscription deleted), "push.error" (a store
 * or rendering error; err says which). status is the push service's last
 * HTTP status for the notice, 0 if none. err may be NULL. */
typedef void (*outbox_report_fn)(void *ctx, const char *event, int64_t notice_id, int status, const err_t *err);

typedef struct outbox_config {
    store_t *store;           /* borrowed; outlives the worker */
    const catalog_t *catalog; /* borrowed */
    const vapid_key_t *key;   /* borrowed */
    const char *subject;      /* VAPID contact, "mailto:..." or "https:..." */
    const uclock_t *clock;    /* borrowed: the injected clock */
    bool allow_private;       /* tests only: loopback/http endpoints (see webpush_new) */
    int poll_ms;              /* 0: OUTBOX_POLL_MS */
    outbox_report_fn report;  /* may be NULL */
    void *report_ctx;
} outbox_config_t;

/* Starts the worker thread. cfg is copied (the pointers in it are
 * borrowed). *ret is freed by outbox_stop. Returns 0, -EINVAL (bad
 * subject), -ENOMEM, -EIO (thread or libcurl). */
int outbox_start(const outbox_config_t *cfg, outbox_t **ret, err_t *err);

/* Stops the worker: a push in flight is abandoned, what was finished is
 * recorded, the rest is released for the next start; then joins the
 * thread and frees ob. Must run before store_close. Accepts NULL. */
void outbox_stop(outbox_t *ob);

/* --- the policy, pure (unit-tested) --- */

typedef enum {
    OUTBOX_DELIVERED = 1,
    OUTBOX_GONE,    /* delete the subscription */
    OUTBOX_BUSY,    /* try again later */
    OUTBOX_REFUSED, /* do not try again */
} outbox_answer_t;

/* What one webpush_send result means: rc is its return value, status the
 * HTTP status when rc == 0. -EIO/-ENOMEM are busy; -EINVAL/-EACCES (keys
 * or endpoint unusable) gone; -ERANGE (our message too long) refused. */
outbox_answer_t outbox_classify(int rc, int status);

/* Seconds to wait before the next try of notice_id after `attempts` tries
 * (>= 1) that met a busy service; retry_after_s is the largest
 * Retry-After the services sent (0 for none). */
int64_t outbox_backoff_s(int attempts, int64_t notice_id, int64_t retry_after_s);

/* The notice's outcome from the answers of its subscriptions (counts), the
 * tries made including this one, and whether the round was cut short by a
 * stop before every subscription was tried. */
outbox_outcome_t outbox_decide(int delivered, int busy, int refused, int attempts, bool cut_short);
