/* The push outbox worker: claim, render, encrypt and send, record. */
#include "notify/outbox.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify/webpush.h"
#include "store/notice.h"

struct outbox {
    outbox_config_t cfg;
    char subject[VAPID_MAX_SUB + 1]; /* cfg.subject points here */
    webpush_t *wp;                   /* used by the worker thread only */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic bool stopping;
};

/* --- the policy --------------------------------------------------------------- */

outbox_answer_t outbox_classify(int rc, int status)
{
    if (rc == -EIO || rc == -ENOMEM)
        return OUTBOX_BUSY;
    if (rc == -ERANGE) /* our message is too long: not the subscription's fault */
        return OUTBOX_REFUSED;
    if (rc < 0) /* a forbidden endpoint or keys that cannot be used: it will never work */
        return OUTBOX_GONE;
    if (status >= 200 && status < 300)
        return OUTBOX_DELIVERED;
    if (status == 404 || status == 410)
        return OUTBOX_GONE;
    if (status == 408 || status == 429 || status >= 500)
        return OUTBOX_BUSY;
    return OUTBOX_REFUSED;
}

int64_t outbox_backoff_s(int attempts, int64_t notice_id, int64_t retry_after_s)
{
    int64_t delay = OUTBOX_RETRY_BASE_S;
    for (int i = 1; i < attempts && delay < OUTBOX_RETRY_MAX_S; i++)
        delay *= 2;
    if (delay > OUTBOX_RETRY_MAX_S)
        delay = OUTBOX_RETRY_MAX_S;
    if (retry_after_s > delay)
        delay = retry_after_s > OUTBOX_RETRY_MAX_S ? OUTBOX_RETRY_MAX_S : retry_after_s;
    /* Spread retries of notices that failed together (a push service
     * outage) so they do not all come back in the same second. */
    uint64_t mix = (uint64_t)notice_id * 0x9e3779b97f4a7c15u;
    return delay + (int64_t)((mix >> 32) % (uint64_t)(delay / 8 + 1));
}

outbox_outcome_t outbox_decide(int delivered, int busy, int refused, int attempts, bool cut_short)
{
    if (delivered > 0)
        return OUTBOX_SENT;
    if (cut_short)
        return OUTBOX_RELEASE;
    if (busy > 0)
        return attempts >= OUTBOX_MAX_ATTEMPTS ? OUTBOX_FAILED : OUTBOX_RETRY;
    if (refused > 0)
        return OUTBOX_FAILED;
    return OUTBOX_NONE;
}

/* --- one notice ------------------------------------------------------------------ */

static void report(outbox_t *ob, const char *event, int64_t id, int status, const err_t *err)
{
    if (ob->cfg.report)
        ob->cfg.report(ob->cfg.report_ctx, event, id, status, err);
}

/* The push payload the service worker (web/app/sw.js) shows: title and
 * body in the person's language, a tag that makes a repeated push
 * replace the notification instead of adding one, and the document set
 * the notice is about, if any (the worker opens its screen). Caller frees. */
static char *payload(outbox_t *ob, const outbox_item_t *it)
{
    char key[64], title[OUTBOX_TITLE_MAX], body[OUTBOX_BODY_MAX], tag[32];
    err_t e = {0};
    const char *params = it->params;
    snprintf(key, sizeof key, "notice.%s.body", it->kind);
    if (catalog_render(ob->cfg.catalog, it->language, key, params, body, sizeof body, &e) == -EINVAL) {
        report(ob, "push.error", it->notice_id, 0, &e);
        params = NULL; /* show the text with its gaps rather than nothing */
        catalog_render(ob->cfg.catalog, it->language, key, NULL, body, sizeof body, NULL);
    }
    snprintf(key, sizeof key, "notice.%s.title", it->kind);
    catalog_render(ob->cfg.catalog, it->language, key, params, title, sizeof title, NULL);
    snprintf(tag, sizeof tag, "notice-%lld", (long long)it->notice_id);
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:I}", "title", title, "body", body, "tag", tag, "notice_id", (json_int_t)it->notice_id);
    int64_t set = notice_document_set(it->kind, it->params);
    if (o && set) /* the service worker opens the set's screen */
        json_object_set_new(o, "document_set", json_integer(set));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static const char *urgency_of(const char *kind)
{
    static const char *const high[] = {"one_day_left", "last_day", "lapsed"};
    for (size_t i = 0; i < sizeof high / sizeof high[0]; i++)
        if (!strcmp(kind, high[i]))
            return "high";
    return "normal";
}

typedef struct tally {
    int delivered, busy, refused, last_status;
    int64_t retry_after;
} tally_t;

static void send_one(outbox_t *ob, const outbox_item_t *it, const outbox_sub_t *sub, const char *text, char *topic,
    tally_t *t, outbox_result_t *res)
{
    webpush_msg_t m = {.endpoint = sub->endpoint,
        .p256dh = sub->p256dh,
        .auth = sub->auth,
        .payload = text,
        .payload_len = strlen(text),
        .ttl_s = OUTBOX_PUSH_TTL_S,
        .urgency = urgency_of(it->kind),
        .topic = topic};
    int status = 0;
    int64_t retry_after = 0;
    err_t e = {0};
    int rc = webpush_send(ob->wp, &m, (int64_t)time(NULL), &status, &retry_after, &e);
    t->last_status = status;
    switch (outbox_classify(rc, status)) {
        case OUTBOX_DELIVERED: t->delivered++; break;
        case OUTBOX_REFUSED: t->refused++; break;
        case OUTBOX_BUSY:
            t->busy++;
            t->retry_after = retry_after > t->retry_after ? retry_after : t->retry_after;
            break;
        case OUTBOX_GONE:
            res->gone[res->ngone].id = sub->id;
            memcpy(res->gone[res->ngone].p256dh, sub->p256dh, sizeof sub->p256dh);
            res->ngone++;
            report(ob, "push.gone", it->notice_id, status, rc < 0 ? &e : NULL);
            break;
    }
}

static void count(outbox_t *ob, const outbox_result_t *res, int status)
{
    static const char *const names[] = {[OUTBOX_SENT] = "push.sent",
        [OUTBOX_RETRY] = "push.retry",
        [OUTBOX_FAILED] = "push.failed",
        [OUTBOX_NONE] = "push.none"};
    if (res->outcome == OUTBOX_RELEASE)
        return;
    report(ob, names[res->outcome], res->notice_id, status, NULL);
}

/* Sends one claimed notice to each of its subscriptions and decides what
 * becomes of it. */
static void deliver(outbox_t *ob, const outbox_item_t *it, int64_t now, outbox_result_t *res)
{
    tally_t t = {0};
    char topic[WEBPUSH_TOPIC_MAX + 1];
    char *text = it->nsubs ? payload(ob, it) : NULL;
    bool cut = false;
    memset(res, 0, sizeof *res);
    res->notice_id = it->notice_id;
    snprintf(topic, sizeof topic, "n%lld", (long long)it->notice_id);
    for (int i = 0; text && i < it->nsubs; i++) {
        if ((cut = atomic_load(&ob->stopping)))
            break;
        send_one(ob, it, &it->subs[i], text, topic, &t, res);
    }
    if (it->nsubs && !text)
        t.busy++;                                        /* out of memory: try again */
    cut = cut || (t.busy && atomic_load(&ob->stopping)); /* a busy answer may be our own cancel */
    res->outcome = outbox_decide(t.delivered, t.busy, t.refused, it->attempts + 1, cut);
    if (res->outcome == OUTBOX_RETRY)
        res->next_push_at = now + outbox_backoff_s(it->attempts + 1, it->notice_id, t.retry_after);
    free(text);
    count(ob, res, t.last_status);
}

/* --- rounds ------------------------------------------------------------------------- */

/* Claims a batch and delivers it. *ret_n: how many were claimed. */
static int round_once(outbox_t *ob, int *ret_n, err_t *err)
{
    outbox_claim_op_t *claim = malloc(sizeof *claim);
    outbox_record_op_t *rec = malloc(sizeof *rec);
    int r = claim && rec ? 0 : err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    if (r == 0) {
        outbox_claim_op_init(claim);
        claim->now = clock_now(ob->cfg.clock);
        claim->limit = OUTBOX_BATCH;
        if ((r = store_run_sync(ob->cfg.store, &claim->op)) < 0)
            *err = claim->op.err;
    }
    if (r == 0 && claim->ret_n > 0) {
        outbox_record_op_init(rec);
        rec->now = clock_now(ob->cfg.clock);
        for (int i = 0; i < claim->ret_n; i++)
            deliver(ob, &claim->ret[i], rec->now, &rec->results[i]);
        rec->n = claim->ret_n;
        if ((r = store_run_sync(ob->cfg.store, &rec->op)) < 0)
            *err = rec->op.err; /* the leases run out and the notices go again */
    }
    if (r == 0)
        *ret_n = claim->ret_n;
    free(claim);
    free(rec);
    return r;
}

static void wait_poll(outbox_t *ob)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ms = ob->cfg.poll_ms > 0 ? ob->cfg.poll_ms : OUTBOX_POLL_MS;
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&ob->mu);
    while (!atomic_load(&ob->stopping))
        if (pthread_cond_timedwait(&ob->cv, &ob->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&ob->mu);
}

static void *worker(void *arg)
{
    outbox_t *ob = arg;
    while (!atomic_load(&ob->stopping)) {
        int n = 0;
        err_t e = {0};
        if (round_once(ob, &n, &e) < 0)
            report(ob, "push.error", 0, 0, &e);
        if (n < OUTBOX_BATCH) /* a full batch: more may be due at once */
            wait_poll(ob);
    }
    return NULL;
}

/* --- life cycle ----------------------------------------------------------------------- */

static int init_sync(outbox_t *ob, err_t *err)
{
    pthread_condattr_t ca;
    int r = pthread_condattr_init(&ca);
    if (r == 0)
        r = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (r == 0)
        r = pthread_cond_init(&ob->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (r == 0 && (r = pthread_mutex_init(&ob->mu, NULL)) != 0)
        pthread_cond_destroy(&ob->cv);
    return r ? err_set(err, -EIO, "outbox_thread", "cannot set up the outbox worker") : 0;
}

int outbox_start(const outbox_config_t *cfg, outbox_t **ret, err_t *err)
{
    outbox_t *ob = calloc(1, sizeof *ob);
    if (!ob)
        return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    ob->cfg = *cfg;
    snprintf(ob->subject, sizeof ob->subject, "%s", cfg->subject ? cfg->subject : "");
    ob->cfg.subject = ob->subject;
    int r = webpush_new(cfg->key, ob->subject, cfg->allow_private, &ob->stopping, &ob->wp, err);
    if (r == 0 && (r = init_sync(ob, err)) == 0 && pthread_create(&ob->thread, NULL, worker, ob) != 0) {
        pthread_mutex_destroy(&ob->mu);
        pthread_cond_destroy(&ob->cv);
        r = err_set(err, -EIO, "outbox_thread", "cannot start the outbox worker");
    }
    if (r < 0) {
        webpush_free(ob->wp);
        free(ob);
        return r;
    }
    *ret = ob;
    return 0;
}

void outbox_stop(outbox_t *ob)
{
    if (!ob)
        return;
    pthread_mutex_lock(&ob->mu);
    atomic_store(&ob->stopping, true);
    pthread_cond_signal(&ob->cv);
    pthread_mutex_unlock(&ob->mu);
    pthread_join(ob->thread, NULL);
    pthread_mutex_destroy(&ob->mu);
    pthread_cond_destroy(&ob->cv);
    webpush_free(ob->wp);
    free(ob);
}
