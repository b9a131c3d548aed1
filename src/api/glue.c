/* Store ops from handlers: allocation, submission, completion on the loop. */
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

#include "api/api.h"
#include "api/dbloop.h"
#include "api/metrics.h"

typedef struct api_op {
    h2o_multithread_message_t msg; /* first: recovered from the message list */
    api_thread_t *t;
    api_req_t *r; /* NULL when the request has gone away */
    api_finish_fn finish;
    size_t size;                               /* of body */
    alignas(max_align_t) unsigned char body[]; /* the caller's op struct */
} api_op_t;

/* Every op is wiped before it is freed: positions, passwords and tokens
 * never outlive the request in memory (product rule 3). */
static void op_free(api_op_t *a)
{
    sodium_memzero(a->body, a->size);
    free(a);
}

static api_op_t *op_of(store_op_t *sop)
{
    return (api_op_t *)((unsigned char *)sop - offsetof(api_op_t, body));
}

/* Called on a store thread: hand the op to the loop that owns the request. */
static void post_to_loop(store_op_t *sop)
{
    api_op_t *a = op_of(sop);
    h2o_multithread_send_message(&a->t->receiver, &a->msg);
}

void *api_op_new(api_req_t *r, size_t size, api_finish_fn finish)
{
    api_op_t *a = calloc(1, sizeof *a + size);
    if (!a)
        return NULL;
    a->t = r->t;
    a->r = r;
    a->finish = finish;
    a->size = size;
    return a->body;
}

void *api_op_new_or_reply(api_req_t *r, size_t size, api_finish_fn finish)
{
    void *o = api_op_new(r, size, finish);
    if (!o)
        api_problem_oom(r);
    return o;
}

void api_problem_oom(api_req_t *r)
{
    api_problem(r, 503, "out_of_memory", "The service is short of memory; try again.");
}

void api_finish_no_content(api_req_t *r, store_op_t *op)
{
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_empty(r, 204);
}

void api_op_submit(api_req_t *r, store_op_t *sop)
{
    api_op_t *a = op_of(sop);
    sop->post = post_to_loop;
    r->pending = a;
    /* PostgreSQL reads run on this loop without blocking it; see dbloop.h. */
    int rc = sop->lane == STORE_READ && r->t->dbloop ? dbloop_submit(r->t->dbloop, sop)
                                                     : store_submit(r->w->store, sop, r->t->idx);
    if (rc < 0) {
        r->pending = NULL;
        op_free(a);
        api_problem(r, 503, "overloaded", "The service is busy; try again in a moment.");
    }
}

void *api_op_new_from(api_req_t *r, void *src, size_t size, api_finish_fn finish)
{
    void *o = api_op_new_or_reply(r, size, finish);
    if (o)
        memcpy(o, src, size);
    sodium_memzero(src, size); /* the stack copy held the same inputs (product rule 3) */
    return o;
}

/* Readiness follows the storage: a write that failed for want of it (full
 * disk, PostgreSQL unreachable) marks the service not ready; the next write
 * that commits marks it ready again. */
static void note_storage(api_world_t *w, const store_op_t *sop)
{
    if (sop->rc >= 0) {
        if (sop->lane == STORE_WRITE && atomic_load(&w->storage_down))
            atomic_store(&w->storage_down, false);
    } else if (!strcmp(sop->err.code, "storage_unavailable")) {
        atomic_store(&w->storage_down, true);
    }
}

void api_on_completions(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
        api_op_t *a = (api_op_t *)m;
        note_storage(a->t->w, (store_op_t *)a->body);
        if (a->r) {
            a->r->pending = NULL;
            a->finish(a->r, (store_op_t *)a->body);
        }
        op_free(a);
    }
}

static void on_req_dispose(void *p)
{
    api_req_t *r = p;
    atomic_fetch_sub(&r->w->inflight, 1);
    json_decref(r->body); /* the request owns its parsed body (api.h) */
    if (r->pending)
        r->pending->r = NULL; /* the op finishes later and is just freed */
}

api_req_t *api_req_new(h2o_req_t *req, api_thread_t *t)
{
    api_req_t *r = h2o_mem_alloc_shared(&req->pool, sizeof *r, on_req_dispose);
    memset(r, 0, sizeof *r);
    r->req = req;
    r->t = t;
    r->w = t->w;
    r->route = -1;
    r->start_ns = clock_mono_ns();
    atomic_fetch_add(&r->w->inflight, 1);
    return r;
}
