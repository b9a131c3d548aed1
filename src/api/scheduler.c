#include "api/scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "api/docset_env.h"
#include "api/kiosk_wipe.h"
#include "base/limits.h"
#include "base/log.h"
#include "docset/reader.h"
#include "store/docset.h"
#include "store/session.h"
#include "store/sweep.h"

struct scheduler {
    api_world_t *w;
    db_t *db;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    int64_t purged_at;  /* injected-clock time of the last session purge */
    int64_t resumed_at; /* ... and of the last look for unfinished document sets */
};

/* Expired sessions and spent log-in counters, every LIMIT_PURGE_INTERVAL_S. */
static void purge(scheduler_t *s)
{
    int64_t now = clock_now(&s->w->clock), n = 0;
    if (now >= s->purged_at && now - s->purged_at < LIMIT_PURGE_INTERVAL_S)
        return;
    err_t e = {0};
    if (session_purge(s->db, now, &n, &e) < 0) {
        log_msg(LOG_ERROR, "purge.failed", "expired sessions: %s", e.msg);
        return;
    }
    s->purged_at = now;
    if (n)
        log_msg(LOG_INFO, "purge.done", "%lld expired sessions and log-in counters deleted", (long long)n);
}

/* Abandoned kiosk sessions, every tick: their images go at the idle time
 * even when no kiosk asks again. */
static void wipe_kiosk_sessions(scheduler_t *s)
{
    if (!s->w->kiosk)
        return;
    err_t e = {0};
    int n = 0;
    if (kiosk_wipe_idle(s->db, s->w->kiosk, clock_now(&s->w->clock), &n, &e) < 0)
        log_msg(LOG_ERROR, "kiosk.wipe_failed", "idle kiosk sessions: %s", e.msg);
    else if (n)
        log_msg(LOG_INFO, "kiosk.wiped", "%d idle kiosk session(s) wiped", n);
}

/* Document sets a reader left unfinished (uchetd stopped or crashed while
 * reading, or the lane was full): their readers are started again, so no
 * page waits for the person to look at the set. At start, then every
 * LIMIT_DOCSET_RESUME_INTERVAL_S. */
static void resume_docsets(scheduler_t *s)
{
    docset_env_t *env = s->w->docsets;
    int64_t now = clock_now(&s->w->clock), ids[64];
    int n = 0;
    if (!env || (s->resumed_at && now >= s->resumed_at && now - s->resumed_at < LIMIT_DOCSET_RESUME_INTERVAL_S))
        return;
    err_t e = {0};
    int r = db_begin_read(s->db, &e);
    if (r == 0) {
        r = docset_unfinished(s->db, now, ids, (int)(sizeof ids / sizeof ids[0]), &n, &e);
        db_rollback(s->db);
    }
    if (r < 0) {
        log_msg(LOG_ERROR, "docset.resume_failed", "unfinished document sets: %s", e.msg);
        return;
    }
    s->resumed_at = now;
    reader_ctx_t ctx = {
        .store = s->w->store, .keys = &env->keys, .cat = env->cat, .cal = s->w->cal, .flight = env->flight};
    for (int i = 0; i < n; i++)
        reader_kick(&ctx, ids[i], now);
    if (n)
        log_msg(LOG_INFO, "docset.resumed", "%d unfinished document set(s) queued for reading", n);
}

static void sweep_region(scheduler_t *s, const region_t *rg)
{
    int64_t now = clock_now(&s->w->clock);
    date_t today = date_local(now, rg->utc_offset_minutes), day;
    err_t e = {0};
    if (sweep_next_day(s->db, rg, today, &day, &e) < 0) {
        log_msg(LOG_ERROR, "sweep.failed", "region %s: %s", rg->code, e.msg);
        return;
    }
    if (day < today - SCHEDULER_CATCH_UP_DAYS)
        day = today - SCHEDULER_CATCH_UP_DAYS;
    for (; day <= today && !s->stop; day++) {
        sweep_result_t res;
        char d[11];
        date_format(day, d);
        if (sweep_run(s->db, s->w->cal, rg, day, now, SWEEP_RETENTION_DAYS, &res, &e) < 0) {
            log_msg(LOG_ERROR, "sweep.failed", "region %s day %s: %s", rg->code, d, e.msg);
            return;
        }
        if (res.skipped)
            return; /* another instance sweeps */
        log_msg(LOG_INFO, "sweep.done",
            "region %s day %s: %lld lapsed, %lld reminded, %lld matured, %lld old confirmations deleted", rg->code, d,
            (long long)res.lapsed, (long long)res.reminded, (long long)res.matured, (long long)res.deleted);
    }
}

static void *scheduler_main(void *arg)
{
    scheduler_t *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        pthread_mutex_unlock(&s->mu);
        purge(s);
        wipe_kiosk_sessions(s);
        resume_docsets(s);
        for (size_t i = 0; i < s->w->regions.n && !s->stop; i++)
            if (s->w->regions.items[i].regime)
                sweep_region(s, &s->w->regions.items[i]);
        pthread_mutex_lock(&s->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        if (!s->stop)
            pthread_cond_timedwait(&s->cv, &s->mu, &until);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int scheduler_start(api_world_t *w, const char *url, scheduler_t **ret, err_t *err)
{
    scheduler_t *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    s->w = w;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    int64_t n;
    int r = db_open(url, false, &s->db, err);
    if (r == 0 && (r = sweep_backfill_due(s->db, w->cal, &w->regions, &n, err)) == 0 && n)
        log_msg(LOG_INFO, "sweep.backfill", "stored the deadline of %lld registration(s)", (long long)n);
    if (r == 0 && pthread_create(&s->tid, NULL, scheduler_main, s) != 0)
        r = err_set(err, -EAGAIN, "thread_failed", "Cannot start the sweep scheduler.");
    if (r < 0) {
        db_close(s->db);
        free(s);
        return r;
    }
    *ret = s;
    return 0;
}

void scheduler_stop(scheduler_t *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->tid, NULL);
    db_close(s->db);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
