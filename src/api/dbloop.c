#include "api/dbloop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/metrics.h"
#include "base/fiber.h"
#include "base/limits.h"

/* Store ops keep their buffers on this stack (views, JSON); 1 MiB of address
 * space of which only the touched pages are ever backed by memory. */
#define DBLOOP_STACK_BYTES (1024 * 1024)

struct dbloop {
    h2o_evloop_t *loop;
    store_t *store;
    int idx;
    metrics_t *metrics;
    unsigned op_waits;             /* yields of the current op */
    fiber_t *fiber;
    store_op_t *head, *tail;       /* READ ops waiting for the connection */
    int len;
    store_op_t *current;           /* running in the fiber (maybe waiting) */
    store_op_t *done;              /* finished in the fiber, posted from the loop */
    h2o_socket_t *sock;            /* watches a duplicate of libpq's socket... */
    int fd;                        /* ...whose number this is */
    bool waiting;                  /* the fiber waits for sock or the timer */
    bool timed_out;
    bool pumping;
    h2o_timeout_t timeout;
    h2o_timeout_entry_t timer;
};

/* The fiber: runs queued ops one by one, handing each back to the loop. */
static void serve(void *arg)
{
    dbloop_t *d = arg;
    for (;;) {
        store_op_t *op = d->head;
        if (op) {
            d->head = op->next;
            if (!d->head)
                d->tail = NULL;
            d->len--;
            d->current = op;
            d->op_waits = 0;
            store_run_read(d->store, op, d->idx);
            metrics_loop_read(d->metrics, d->op_waits);
            d->current = NULL;
            d->done = op;
        }
        fiber_yield(d->fiber);
    }
}

/* Loop side: lets the fiber work until it waits for the server or runs out
 * of ops, posting what it finishes. A post that submits another op lands in
 * the queue and is picked up by the same pass. */
static void pump(dbloop_t *d)
{
    if (d->pumping)
        return;
    d->pumping = true;
    while (!d->waiting && (d->current || d->head || d->done)) {
        if (!d->done)
            fiber_resume(d->fiber);
        store_op_t *op = d->done;
        d->done = NULL;
        if (op)
            op->post(op);
    }
    d->pumping = false;
}

static void on_ready(h2o_socket_t *sock, const char *err)
{
    (void)err;   /* libpq sees the same error on its next read */
    dbloop_t *d = sock->data;
    d->waiting = false;
    pump(d);
}

static void on_timeout(h2o_timeout_entry_t *e)
{
    dbloop_t *d = H2O_STRUCT_FROM_MEMBER(dbloop_t, timer, e);
    d->timed_out = true;
    d->waiting = false;
    pump(d);
}

static void forget(dbloop_t *d)
{
    if (!d->sock)
        return;
    h2o_socket_close(d->sock);   /* closes our duplicate; libpq's stays open */
    d->sock = NULL;
}

/* Watches libpq's socket through a duplicate, so that h2o closing its socket
 * never closes the one libpq owns. */
static int watch(dbloop_t *d, int fd)
{
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return -errno;
    d->sock = h2o_evloop_socket_create(d->loop, dup_fd, H2O_SOCKET_FLAG_DONT_READ);
    d->sock->data = d;
    d->fd = fd;
    return 0;
}

/* The connection's waiter (db_waiter_t): runs inside the fiber. */
static int wait_fd(void *arg, int fd, bool for_write)
{
    dbloop_t *d = arg;
    int r;
    if (fd < 0 || !d->sock || d->fd != fd)
        forget(d);
    if (fd < 0)
        return 0;
    if (!d->sock && (r = watch(d, fd)) < 0)
        return r;
    if (for_write)
        h2o_socket_notify_write(d->sock, on_ready);
    else
        h2o_socket_read_start(d->sock, on_ready);
    h2o_timeout_link(d->loop, &d->timeout, &d->timer);
    d->waiting = true;
    d->timed_out = false;
    d->op_waits++;
    fiber_yield(d->fiber);
    if (h2o_timeout_is_linked(&d->timer))
        h2o_timeout_unlink(&d->timer);
    if (!for_write && d->sock)
        h2o_socket_read_stop(d->sock);
    return d->timed_out ? -ETIMEDOUT : 0;
}

int dbloop_new(h2o_evloop_t *loop, store_t *s, int idx, metrics_t *m, dbloop_t **ret, err_t *err)
{
    dbloop_t *d = calloc(1, sizeof *d);
    if (!d)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    *d = (dbloop_t){.loop = loop, .store = s, .idx = idx, .metrics = m, .fd = -1};
    int r = fiber_new(DBLOOP_STACK_BYTES, serve, d, &d->fiber, err);
    if (r < 0) {
        free(d);
        return r;
    }
    h2o_timeout_init(loop, &d->timeout, DBLOOP_WAIT_MS);
    d->timer.cb = on_timeout;
    db_waiter_t w = {.wait = wait_fd, .arg = d};
    if ((r = store_attach_loop(s, idx, &w)) < 0) {
        dbloop_free(d);
        return err_set(err, r, "storage_failed", "Cannot attach reader %d to its event loop.", idx);
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
    if (!d || d->current || d->pumping)
        return;
    store_attach_loop(d->store, d->idx, NULL);
    forget(d);
    h2o_timeout_dispose(d->loop, &d->timeout);
    fiber_free(d->fiber);
    free(d);
}
