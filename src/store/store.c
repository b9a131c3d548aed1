#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/limits.h"
#include "store/migrate.h"

#define STORE_SLOW_NICE 10 /* the SLOW lane's threads run this much nicer */

typedef struct queue {
    store_op_t *head, *tail;
    uint64_t len;
} queue_t;

struct store {
    char *url;
    db_kind_t kind;
    int nreaders;
    db_t **readers; /* [nreaders], one per loop thread */
    bool *attached; /* [nreaders] PostgreSQL: the loop runs its reads itself */
    db_t *writer_db;
    pthread_t writer;
    db_t *maint_db; /* checkpoints, off the writer's path */
    pthread_t maint;
    bool maint_started;
    int nslow;
    struct worker *slow; /* [nslow] SLOW lane workers */
    int nslow_started;
    bool writer_started;
    db_t **slow_db;
    struct worker *officer; /* the STORE_SLOW_OFFICER lane's one worker */
    db_t *officer_db;
    bool officer_started;
    pthread_mutex_t mu;
    pthread_cond_t wq_cv, sq_cv, maint_cv; /* one waiter kind per variable */
    queue_t wq, sq;                        /* write and slow queues */
    pthread_cond_t oq_cv;
    queue_t oq; /* officers' slow queue */
    bool closing;
    store_stats_t stats;
};

struct sync_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
};

static void q_push(queue_t *q, store_op_t *op)
{
    op->next = NULL;
    if (q->tail)
        q->tail->next = op;
    else
        q->head = op;
    q->tail = op;
    q->len++;
}

/* Takes up to max ops off the front; returns the chain. */
static store_op_t *q_take(queue_t *q, int max, int *ret_n)
{
    store_op_t *head = q->head, *last = NULL, *p = head;
    int n = 0;
    while (p && n < max) {
        last = p;
        p = p->next;
        n++;
    }
    if (last)
        last->next = NULL;
    q->head = p;
    if (!p)
        q->tail = NULL;
    q->len -= (uint64_t)n;
    *ret_n = n;
    return head;
}

static void record_batch(store_stats_t *st, int n)
{
    int b = 0;
    while (b < 7 && (1 << (b + 1)) <= n)
        b++;
    atomic_fetch_add(&st->batches, 1);
    atomic_fetch_add(&st->batch_ops, (uint64_t)n);
    atomic_fetch_add(&st->batch_hist[b], 1);
}

/* Runs one op inside its own savepoint of the open batch transaction. */
static void run_in_savepoint(db_t *db, store_op_t *op)
{
    err_clear(&op->err);
    op->rc = db_savepoint(db, &op->err);
    if (op->rc < 0)
        return;
    op->rc = op->run(db, op);
    if (op->rc < 0)
        db_savepoint_rollback(db);
    else
        op->rc = db_savepoint_release(db, &op->err);
}

static void fail_all(store_op_t *ops, int rc, const err_t *e)
{
    for (store_op_t *op = ops; op; op = op->next)
        if (op->rc >= 0) {
            op->rc = rc;
            op->err = *e;
        }
}

static void post_all(store_op_t *ops)
{
    while (ops) {
        store_op_t *next = ops->next; /* post may free op */
        ops->post(ops);
        ops = next;
    }
}

/* The fast path: every op in one transaction without savepoints. An op
 * that fails does so (almost always) before writing; if one fails AFTER
 * writing, the batch is "dirty": returns false and the caller rolls back
 * and runs the batch again with a savepoint per op. Savepoints cost more
 * than the operations themselves, so they are paid only when needed. */
static bool run_optimistic(db_t *db, store_op_t *ops)
{
    uint64_t read_ahead = 0; /* db_txn_serial of the last read-ahead; 0: none */
    for (store_op_t *op = ops; op; op = op->next) {
        /* Read ahead for this op and the rest of the batch, again after
         * another op wrote (which made the store forget the last one). */
        if (op->prefetch && read_ahead != db_txn_serial(db)) {
            op->prefetch(db, op);
            read_ahead = db_txn_serial(db);
        }
        int64_t before = db_total_changes(db);
        err_clear(&op->err);
        op->rc = op->run(db, op);
        bool wrote = before < 0 || db_total_changes(db) != before;
        if (op->rc < 0 && wrote)
            return false;
        if (wrote && !op->prefetch)
            db_txn_forget(db); /* what the batch read ahead may be stale now */
    }
    return true;
}

static int run_batch(store_t *s, store_op_t *ops, err_t *e)
{
    int r = db_begin_write(s->writer_db, e);
    if (r < 0)
        return r;
    /* The fast path may defer its writes (PostgreSQL: one pipeline); a
     * deferred write that failed makes the batch dirty like any other. */
    db_set_deferring(s->writer_db, true);
    bool clean = run_optimistic(s->writer_db, ops);
    db_set_deferring(s->writer_db, false);
    if (!clean || db_flush(s->writer_db, NULL) < 0) {
        db_rollback(s->writer_db);
        if ((r = db_begin_write(s->writer_db, e)) < 0)
            return r;
        for (store_op_t *op = ops; op; op = op->next)
            run_in_savepoint(s->writer_db, op);
    }
    r = db_commit(s->writer_db, e);
    if (r < 0)
        db_rollback(s->writer_db);
    return r;
}

static void commit_batch(store_t *s, store_op_t *ops, int n)
{
    err_t e = {0};
    int r = run_batch(s, ops, &e);
    if (r < 0) {
        atomic_fetch_add(&s->stats.commit_failures, 1);
        fail_all(ops, r, &e);
    } else {
        record_batch(&s->stats, n);
    }
    post_all(ops);
}

static void *writer_main(void *arg)
{
    store_t *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->wq.head && !s->closing)
            pthread_cond_wait(&s->wq_cv, &s->mu);
        if (!s->wq.head && s->closing)
            break;
        int n;
        store_op_t *ops = q_take(&s->wq, LIMIT_WRITE_BATCH, &n);
        atomic_store(&s->stats.queue_depth, s->wq.len);
        pthread_mutex_unlock(&s->mu);
        commit_batch(s, ops, n);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Checkpoints the WAL every 200 ms, so commits never pay for it. */
static void *maint_main(void *arg)
{
    store_t *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->closing) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->maint_cv, &s->mu, &until);
        pthread_mutex_unlock(&s->mu);
        db_checkpoint(s->maint_db, NULL);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    db_checkpoint(s->maint_db, NULL);
    return NULL;
}

/* A pool thread with its own connection: the SLOW lane. */
typedef struct worker {
    store_t *s;
    db_t *db;
    queue_t *q;
    pthread_cond_t *cv;
    pthread_t tid;
    int nice; /* added to this thread's nice value */
} worker_t;

static void run_op(db_t *db, store_op_t *op, bool read_txn)
{
    err_clear(&op->err);
    if (!read_txn || op->one_statement) {
        op->rc = op->run(db, op);
        return;
    }
    op->rc = db_begin_read(db, &op->err);
    if (op->rc == 0) {
        op->rc = op->run(db, op);
        db_rollback(db); /* a read transaction has nothing to keep */
    }
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    store_t *s = w->s;
    /* Linux: a thread's nice value is its own (the tid is the "process"). */
    if (w->nice)
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), getpriority(PRIO_PROCESS, 0) + w->nice);
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!w->q->head && !s->closing)
            pthread_cond_wait(w->cv, &s->mu);
        if (!w->q->head)
            break;
        int n;
        store_op_t *op = q_take(w->q, 1, &n);
        pthread_mutex_unlock(&s->mu);
        run_op(w->db, op, false); /* SLOW ops open their own transactions */
        op->post(op);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int open_connections(store_t *s, err_t *err)
{
    int r = s->writer_db ? 0 : db_open(s->url, false, &s->writer_db, err);
    if (r < 0)
        return r;
    r = migrate_check(s->writer_db, err);
    if (r < 0 || (s->kind == DB_SQLITE && (r = db_open(s->url, false, &s->maint_db, err)) < 0))
        return r;
    db_set_autocheckpoint(s->writer_db, false);
    /* The writer has checked the server and the schema. The rest connect
     * at their first use: on PostgreSQL a connection is a server backend,
     * and most of a loop's readers, the slow lane's and the officers' are
     * idle until load or an officer comes. */
    for (int i = 0; i < s->nreaders; i++)
        if ((r = db_open_lazy(s->url, false, &s->readers[i], err)) < 0)
            return r;
    for (int i = 0; i < s->nslow; i++) {
        if ((r = db_open_lazy(s->url, false, &s->slow_db[i], err)) < 0)
            return r;
        db_set_trips(s->slow_db[i], DB_TRIPS_SLOW);
    }
    return db_open_lazy(s->url, false, &s->officer_db, err);
}

static int start_workers(
    store_t *s, worker_t *ws, int n, db_t **dbs, queue_t *q, pthread_cond_t *cv, int *ret_started, err_t *err)
{
    for (int i = 0; i < n; i++) {
        ws[i] = (worker_t){.s = s, .db = dbs[i], .q = q, .cv = cv, .nice = ws[i].nice};
        if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0)
            return err_set(err, -EAGAIN, "thread_failed", "Cannot start a store thread.");
        *ret_started = i + 1;
    }
    return 0;
}

static int start_threads(store_t *s, err_t *err)
{
    if (pthread_create(&s->writer, NULL, writer_main, s) != 0)
        return err_set(err, -EAGAIN, "thread_failed", "Cannot start the writer thread.");
    s->writer_started = true;
    if (s->maint_db) { /* SQLite: WAL checkpoints */
        if (pthread_create(&s->maint, NULL, maint_main, s) != 0)
            return err_set(err, -EAGAIN, "thread_failed", "Cannot start the maintenance thread.");
        s->maint_started = true;
    }
    int one = 0, r = start_workers(s, s->officer, 1, &s->officer_db, &s->oq, &s->oq_cv, &one, err);
    s->officer_started = one == 1;
    if (r < 0)
        return r;
    /* Persons' hashing yields the CPU to officers' (and to the loops). */
    for (int i = 0; i < s->nslow; i++)
        s->slow[i].nice = STORE_SLOW_NICE;
    return start_workers(s, s->slow, s->nslow, s->slow_db, &s->sq, &s->sq_cv, &s->nslow_started, err);
}

static void free_connections(store_t *s)
{
    db_close(s->writer_db);
    db_close(s->maint_db);
    db_close(s->officer_db);
    free(s->officer);
    for (int i = 0; s->readers && i < s->nreaders; i++)
        db_close(s->readers[i]);
    for (int i = 0; s->slow_db && i < s->nslow; i++)
        db_close(s->slow_db[i]);
    free(s->readers);
    free(s->slow_db);
    free(s->slow);
    free(s->attached);
    free(s->url);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->wq_cv);
    pthread_cond_destroy(&s->sq_cv);
    pthread_cond_destroy(&s->oq_cv);
    pthread_cond_destroy(&s->maint_cv);
    free(s);
}

/* Wakes every thread to finish (the writer drains its queue first) and joins
 * those that were started. */
static void stop_threads(store_t *s)
{
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    pthread_cond_broadcast(&s->wq_cv);
    pthread_cond_broadcast(&s->sq_cv);
    pthread_cond_broadcast(&s->oq_cv);
    pthread_cond_broadcast(&s->maint_cv);
    pthread_mutex_unlock(&s->mu);
    if (s->writer_started)
        pthread_join(s->writer, NULL);
    if (s->maint_started)
        pthread_join(s->maint, NULL);
    for (int i = 0; i < s->nslow_started; i++)
        pthread_join(s->slow[i].tid, NULL);
    if (s->officer_started)
        pthread_join(s->officer->tid, NULL);
}

int store_open(const char *url, int readers, int slow_threads, store_t **ret, err_t *err)
{
    return store_open_on(url, NULL, readers, slow_threads, ret, err);
}

int store_open_on(const char *url, db_t *writer, int readers, int slow_threads, store_t **ret, err_t *err)
{
    store_t *s = calloc(1, sizeof *s);
    if (!s) {
        db_close(writer);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    s->writer_db = writer; /* owned from here: free_connections closes it */
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->wq_cv, NULL);
    pthread_cond_init(&s->sq_cv, NULL);
    pthread_cond_init(&s->oq_cv, NULL);
    pthread_cond_init(&s->maint_cv, NULL);
    s->url = strdup(url);
    s->kind = db_kind_of(url);
    s->nreaders = readers;
    s->nslow = slow_threads;
    s->readers = calloc((size_t)readers, sizeof *s->readers);
    s->slow_db = calloc((size_t)slow_threads + 1, sizeof *s->slow_db);
    s->slow = calloc((size_t)slow_threads + 1, sizeof *s->slow);
    s->attached = calloc((size_t)readers + 1, sizeof *s->attached);
    s->officer = calloc(1, sizeof *s->officer);
    if (!s->url || !s->readers || !s->slow_db || !s->slow || !s->attached || !s->officer) {
        free_connections(s);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    int r = open_connections(s, err);
    if (r < 0) {
        s->nslow = slow_threads;
        free_connections(s);
        return r;
    }
    if ((r = start_threads(s, err)) < 0) {
        s->nslow = slow_threads; /* so free_connections closes them all */
        stop_threads(s);
        free_connections(s);
        return r;
    }
    *ret = s;
    return 0;
}

void store_close(store_t *s)
{
    if (!s)
        return;
    stop_threads(s);
    free_connections(s);
}

static queue_t *queue_for(store_t *s, store_lane_t lane, pthread_cond_t **ret_cv)
{
    if (lane == STORE_WRITE) {
        *ret_cv = &s->wq_cv;
        return &s->wq;
    }
    if (lane == STORE_SLOW_OFFICER) {
        *ret_cv = &s->oq_cv;
        return &s->oq;
    }
    *ret_cv = &s->sq_cv;
    return &s->sq;
}

int store_submit(store_t *s, store_op_t *op, int thread_idx)
{
    if (op->lane == STORE_READ) {
        if (thread_idx < 0 || thread_idx >= s->nreaders || s->attached[thread_idx])
            return -EINVAL;
        run_op(s->readers[thread_idx], op, true);
        op->post(op);
        return 0;
    }
    pthread_cond_t *cv;
    pthread_mutex_lock(&s->mu);
    queue_t *q = queue_for(s, op->lane, &cv);
    if (s->closing || q->len >= LIMIT_WRITE_QUEUE) {
        pthread_mutex_unlock(&s->mu);
        return -EAGAIN;
    }
    q_push(q, op);
    if (op->lane == STORE_WRITE)
        atomic_store(&s->stats.queue_depth, q->len);
    pthread_cond_signal(cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int store_attach_loop(store_t *s, int idx, const db_waiter_t *w)
{
    if (s->kind != DB_POSTGRES)
        return -ENOTSUP;
    if (idx < 0 || idx >= s->nreaders)
        return -EINVAL;
    db_set_waiter(s->readers[idx], w);
    s->attached[idx] = w != NULL;
    return 0;
}

void store_run_read(store_t *s, store_op_t *op, int idx)
{
    run_op(s->readers[idx], op, true);
}

static void sync_post(store_op_t *op)
{
    struct sync_wait *w = op->sync;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int store_run_sync(store_t *s, store_op_t *op)
{
    struct sync_wait w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    void (*orig)(store_op_t *) = op->post;
    op->post = sync_post;
    op->sync = &w;
    int r = store_submit(s, op, 0);
    if (r == 0) {
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
        r = op->rc;
    }
    op->post = orig;
    op->sync = NULL;
    return r;
}

const store_stats_t *store_stats(const store_t *s)
{
    return &s->stats;
}
db_kind_t store_kind(const store_t *s)
{
    return s->kind;
}
