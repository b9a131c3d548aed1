#include "api/dbloop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fiber.h"
#include "base/limits.h"

/* Store ops keep their buffers on this stack (views, JSON); 1 MiB of address
 * space of which only the touched pages are ever backed by memory. */
#define DBLOOP_STACK_BYTES (1024 * 1024)

/* One reader connection and the fiber that drives it. */
typedef struct conn {
    struct dbloop *d;
    int idx; /* the store's reader connection */
    fiber_t *fiber;
    store_op_t *current; /* running in the fiber (maybe waiting) */
    store_op_t *done;    /* finished in the fiber, posted from the loop */
    unsigned op_waits;   /* yields of the current op */
    h2o_socket_t *sock;  /* watches a duplicate of libpq's socket... */
    int fd;              /* ...whose number this is */
    bool waiting;        /* the fiber waits for sock or the timer */
    bool timed_out;
    h2o_timeout_entry_t timer;
} conn_t;

struct dbloop {
    h2o_evloop_t *loop;
    store_t *store;
    metrics_t *metrics;
    store_op_t *head, *tail; /* READ ops waiting for a free connection */
    int len;
    bool pumping;
    h2o_timeout_t timeout;
    int nconns;
    conn_t conns[];
};

static store_op_t *pop(dbloop_t *d)
{
    store_op_t *op = d->head;
    if (op) {
        d->head = op->next;
        if (!d->head)
            d->tail = NULL;
        d->len--;
    }
    return op;
}

/* A connection's fiber: takes queued ops one by one, hands each back. */
static void serve(void *arg)
{
    conn_t *c = arg;
    for (;;) {
        store_op_t *op = pop(c->d);
        if (op) {
            c->current = op;
            c->op_waits = 0;
            store_run_read(c->d->store, op, c->idx);
            metrics_loop_read(c->d->metrics, c->op_waits);
            c->current = NULL;
            c->done = op;
        }
        fiber_yield(c->fiber);
    }
}

/* Whether c's fiber has something to do right now. */
static bool runnable(const conn_t *c)
{
    return !c->waiting && (c->current || c->done || c->d->head);
}

/* Loop side: lets every connection's fiber work until each waits for the
 * server or the queue is empty, posting what they finish. A post that
 * submits another op lands in the queue and is picked up by this pass. */
static void pump(dbloop_t *d)
{
    if (d->pumping)
        return;
    d->pumping = true;
    for (bool progress = true; progress;) {
        progress = false;
        for (int i = 0; i < d->nconns; i++) {
            conn_t *c = &d->conns[i];
            if (!runnable(c))
                continue;
            if (!c->done)
                fiber_resume(c->fiber);
            store_op_t *op = c->done;
            c->done = NULL;
            if (op)
                op->post(op);
            progress = true;
        }
    }
    d->pumping = false;
}

static void on_ready(h2o_socket_t *sock, const char *err)
{
    (void)err; /* libpq sees the same error on its next read */
    conn_t *c = sock->data;
    c->waiting = false;
    pump(c->d);
}

static void on_timeout(h2o_timeout_entry_t *e)
{
    conn_t *c = H2O_STRUCT_FROM_MEMBER(conn_t, timer, e);
    c->timed_out = true;
    c->waiting = false;
    pump(c->d);
}

static void forget(conn_t *c)
{
    if (!c->sock)
        return;
    h2o_socket_close(c->sock); /* closes our duplicate; libpq's stays open */
    c->sock = NULL;
}

/* Watches libpq's socket through a duplicate, so that h2o closing its socket
 * never closes the one libpq owns. */
static int watch(conn_t *c, int fd)
{
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return -errno;
    c->sock = h2o_evloop_socket_create(c->d->loop, dup_fd, H2O_SOCKET_FLAG_DONT_READ);
    c->sock->data = c;
    c->fd = fd;
    return 0;
}

/* The connection's waiter (db_waiter_t): runs inside the fiber. */
static int wait_fd(void *arg, int fd, bool for_write)
{
    conn_t *c = arg;
    int r;
    if (fd < 0 || !c->sock || c->fd != fd)
        forget(c);
    if (fd < 0)
        return 0;
    if (!c->sock && (r = watch(c, fd)) < 0)
        return r;
    if (for_write)
        h2o_socket_notify_write(c->sock, on_ready);
    else
        h2o_socket_read_start(c->sock, on_ready);
    h2o_timeout_link(c->d->loop, &c->d->timeout, &c->timer);
    c->waiting = true;
    c->timed_out = false;
    c->op_waits++;
    fiber_yield(c->fiber);
    if (h2o_timeout_is_linked(&c->timer))
        h2o_timeout_unlink(&c->timer);
    if (!for_write && c->sock)
        h2o_socket_read_stop(c->sock);
    return c->timed_out ? -ETIMEDOUT : 0;
}

static int conn_init(dbloop_t *d, conn_t *c, int idx, err_t *err)
{
    *c = (conn_t){.d = d, .idx = idx, .fd = -1, .timer = {.cb = on_timeout}};
    int r = fiber_new(DBLOOP_STACK_BYTES, serve, c, &c->fiber, err);
    if (r < 0)
        return r;
    db_waiter_t w = {.wait = wait_fd, .arg = c};
    if ((r = store_attach_loop(d->store, idx, &w)) < 0)
        return err_set(err, r, "storage_failed", "Cannot attach reader %d to its event loop.", idx);
    return 0;
}

int dbloop_new(h2o_evloop_t *loop, store_t *s, int first_idx, int nconns, metrics_t *m, dbloop_t **ret, err_t *err)
{
    dbloop_t *d = calloc(1, sizeof *d + (size_t)nconns * sizeof d->conns[0]);
    if (!d)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    d->loop = loop;
    d->store = s;
    d->metrics = m;
    h2o_timeout_init(loop, &d->timeout, DBLOOP_WAIT_MS);
    for (int i = 0; i < nconns; i++) {
        d->nconns = i + 1;
        int r = conn_init(d, &d->conns[i], first_idx + i, err);
        if (r < 0) {
            dbloop_free(d);
            return r;
        }
    }
    *ret = d;
    return 0;
}

int dbloop_submit(dbloop_t *d, store_op_t *op)
{
    if (d->len >= LIMIT_WRITE_QUEUE)
        return -EAGAIN;
    op->next = NULL;
    if (d->tail)
        d->tail->next = op;
    else
        d->head = op;
    d->tail = op;
    d->len++;
    pump(d);
    return 0;
}

void dbloop_free(dbloop_t *d)
{
    if (!d || d->pumping)
        return;
    for (int i = 0; i < d->nconns; i++)
        if (d->conns[i].current)
            return; /* stuck in a wait: left to process exit */
    for (int i = 0; i < d->nconns; i++) {
        conn_t *c = &d->conns[i];
        if (c->fiber)
            store_attach_loop(d->store, c->idx, NULL);
        forget(c);
        fiber_free(c->fiber);
    }
    h2o_timeout_dispose(d->loop, &d->timeout);
    free(d);
}
