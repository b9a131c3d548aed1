#include "api/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/dbloop.h"
#include "api/router.h"
#include "base/limits.h"
#include "base/log.h"

static atomic_int stop_requested; /* lock-free: safe to set from a signal handler */
/* Written once and never read: volatile so the compiler keeps the stores,
 * which are what keeps the h2o contexts reachable for leak checkers. */
static api_thread_t *volatile threads_alive;
static struct run_arg *volatile args_alive;

/* Connections open in this process, all loops; at most conn_cap plus the
 * few accepted while an evicted one is still closing (server_conn_cap). */
static atomic_int conns_open;
static int conn_cap = LIMIT_CONNECTIONS;

/* File descriptors kept back from connections: database connections, the
 * listeners, key and data files, the logs. */
#define FD_RESERVE 128
/* How long the listener rests when no connection can be taken (at the cap
 * with none idle, or accept(2) out of descriptors): no busy loop. */
#define ACCEPT_PAUSE_MS 50

/* One accepted connection, tracked so that at the cap the oldest idle one
 * can be let go. Freed by the socket's on_close. */
typedef struct conn_slot {
    h2o_linklist_t link; /* in listener_t.conns, oldest first */
    h2o_socket_t *sock;  /* borrowed: h2o owns and closes it */
    int fd;
    bool evicted; /* shut down; h2o closes it on its next read */
} conn_slot_t;

/* A listening socket on one loop and the connections it accepted. */
typedef struct listener {
    api_thread_t *t;
    h2o_socket_t *sock;
    h2o_accept_ctx_t *accept_ctx;
    h2o_linklist_t conns;
    h2o_timeout_t pause; /* ACCEPT_PAUSE_MS */
    h2o_timeout_entry_t pause_entry;
    bool paused;
} listener_t;

/* The hosts: the API, and (when --metrics-listen is given) /metrics alone. */
static h2o_hostconf_t *api_hosts[2], *metrics_hosts[2];

typedef struct uchet_handler {
    h2o_handler_t super;
    bool metrics_only; /* the separate /metrics listener */
} uchet_handler_t;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static bool name_is(const char *p, size_t n, const char *want)
{
    return n == strlen(want) && strncasecmp(p, want, n) == 0;
}

/* Request smuggling (RFC 9112 §6.1, §6.3): h2o 2.2 frames a body by
 * Transfer-Encoding when both it and Content-Length are present, and by the
 * first of two Content-Lengths, and keeps the connection open; a proxy in
 * front that chose the other header would see a second request hidden in
 * this one's body. h2o does not pass these two headers to handlers, so the
 * request head is read again from the connection's input buffer, where it
 * stays until the answer is sent (h2o consumes it then; header names are
 * already lower-cased, the chunked body is decoded in place after it).
 * Returns true when the framing is ambiguous: Transfer-Encoding with
 * Content-Length, more than one of either, or Transfer-Encoding in HTTP/1.0. */
static bool framing_ambiguous(h2o_req_t *req)
{
    if (req->version >= 0x200)
        return false;
    h2o_socket_t *sock = req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (!sock || !sock->input || sock->input->size == 0)
        return true; /* cannot check: refuse rather than guess */
    const char *p = sock->input->bytes, *end = p + sock->input->size;
    int te = 0, cl = 0;
    bool first = true;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            return true; /* the head was parsed whole; it must end in a blank line */
        size_t n = (size_t)(eol - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0 && !first)
            break; /* end of the head */
        if (!first && n > 0 && p[0] != ' ' && p[0] != '\t') {
            const char *colon = memchr(p, ':', n);
            size_t nl = colon ? (size_t)(colon - p) : n;
            if (name_is(p, nl, "transfer-encoding"))
                te++;
            else if (name_is(p, nl, "content-length"))
                cl++;
        }
        first = false;
        p = eol + 1;
    }
    return (te && cl) || te > 1 || cl > 1 || (te && req->version < 0x101);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    uchet_handler_t *h = (uchet_handler_t *)self;
    api_thread_t *t = H2O_STRUCT_FROM_MEMBER(api_thread_t, ctx, req->conn->ctx);
    api_req_t *r = api_req_new(req, t);
    if (framing_ambiguous(req)) {
        /* Answer and close: whatever follows on this connection is never read. */
        req->http1_is_persistent = 0;
        api_problem(r, 400, "ambiguous_framing",
            "Send either Content-Length or Transfer-Encoding: chunked, once (RFC 9112 section 6.1).");
        return 0;
    }
    if (h->metrics_only && !(req->path_normalized.len == 8 && !memcmp(req->path_normalized.base, "/metrics", 8))) {
        api_problem(r, 404, "not_found", "This listener serves /metrics only.");
        return 0;
    }
    r->metrics_listener = h->metrics_only;
    router_dispatch(r);
    return 0;
}

static void on_conn_close(void *data)
{
    conn_slot_t *c = data;
    h2o_linklist_unlink(&c->link);
    free(c);
    atomic_fetch_sub(&conns_open, 1);
}

/* Lets the oldest idle connection of this listener go: one with no request
 * bytes waiting (h2o keeps a request's bytes in the input buffer until it
 * has answered it, so an empty buffer means between requests, or nothing
 * sent yet). shutdown(2) rather than close: h2o sees the end of input and
 * closes the connection itself. Returns false when none is idle. */
static bool evict_idle(listener_t *l)
{
    for (h2o_linklist_t *n = l->conns.next; n != &l->conns; n = n->next) {
        conn_slot_t *c = H2O_STRUCT_FROM_MEMBER(conn_slot_t, link, n);
        if (!c->evicted && c->sock->input && c->sock->input->size == 0) {
            c->evicted = true;
            shutdown(c->fd, SHUT_RDWR);
            return true;
        }
    }
    return false;
}

static void on_accept(h2o_socket_t *listener, const char *err);

static void on_pause_end(h2o_timeout_entry_t *entry)
{
    listener_t *l = H2O_STRUCT_FROM_MEMBER(listener_t, pause_entry, entry);
    l->paused = false;
    if (!stop_requested)
        h2o_socket_read_start(l->sock, on_accept);
}

static void pause_accept(listener_t *l)
{
    if (l->paused)
        return;
    l->paused = true;
    h2o_socket_read_stop(l->sock);
    h2o_timeout_link(l->t->loop, &l->pause, &l->pause_entry);
}

/* Accepts one connection. At the cap the oldest idle connection makes room
 * (an attacker's idle sockets cannot keep others out); with none idle, or
 * when accept(2) fails for want of descriptors or memory, the listener rests
 * ACCEPT_PAUSE_MS instead of being woken again at once by the same pending
 * connection (the busy loop found under 1,100 idle sockets). */
static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err)
        return;
    listener_t *l = listener->data;
    int open = atomic_load(&conns_open);
    if (open >= conn_cap && (open >= conn_cap + FD_RESERVE / 4 || !evict_idle(l))) {
        pause_accept(l);
        return;
    }
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (!sock) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            evict_idle(l);
            pause_accept(l);
        }
        return;
    }
    conn_slot_t *c = calloc(1, sizeof *c);
    if (!c) {
        h2o_socket_close(sock);
        pause_accept(l);
        return;
    }
    c->sock = sock;
    c->fd = h2o_socket_get_fd(sock);
    h2o_linklist_insert(&l->conns, &c->link);
    sock->on_close.cb = on_conn_close;
    sock->on_close.data = c;
    atomic_fetch_add(&conns_open, 1);
    h2o_accept(l->accept_ctx, sock);
}

/* One listening socket (SO_REUSEPORT), bound now so errors surface at start. */
static int bind_socket(const char *host, int port, int *ret_fd, err_t *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_PASSIVE}, *ai;
    char ps[8];
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(host, ps, &hints, &ai) != 0)
        return err_set(err, -EINVAL, "bad_listen", "The listen address must be a numeric IP address.");
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    int r = fd < 0 ? -errno : 0;
    if (r == 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0)
            r = -errno;
    }
    freeaddrinfo(ai);
    if (r < 0) {
        if (fd >= 0)
            close(fd);
        return err_set(err, r, "bind_failed", "Cannot listen on %s:%d: %s.", host, port, strerror(-r));
    }
    *ret_fd = fd;
    return 0;
}

static void listener_start(listener_t *l, api_thread_t *t, int fd, h2o_accept_ctx_t *actx)
{
    l->t = t;
    l->accept_ctx = actx;
    h2o_linklist_init_anchor(&l->conns);
    h2o_timeout_init(t->loop, &l->pause, ACCEPT_PAUSE_MS);
    l->pause_entry.cb = on_pause_end;
    l->sock = h2o_evloop_socket_create(t->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    l->sock->data = l;
    h2o_socket_read_start(l->sock, on_accept);
}

static void listener_stop(listener_t *l)
{
    if (!l->sock)
        return;
    if (l->paused)
        h2o_timeout_unlink(&l->pause_entry);
    l->paused = true; /* no restart */
    h2o_socket_read_stop(l->sock);
    h2o_socket_close(l->sock);
    l->sock = NULL;
}

typedef struct run_arg {
    api_thread_t *t;
    h2o_globalconf_t *gc;
    int fd;
    int metrics_fd; /* thread 0 only; -1 otherwise */
    int drain_s;
    pthread_barrier_t *started;
    listener_t api, metrics;
    h2o_accept_ctx_t metrics_ctx;
} run_arg_t;

static int thread_init(api_thread_t *t, api_world_t *w, run_arg_t *ra, int idx, err_t *err)
{
    t->idx = idx;
    t->w = w;
    t->loop = h2o_evloop_create();
    h2o_context_init(&t->ctx, t->loop, ra->gc);
    t->queue = h2o_multithread_create_queue(t->loop);
    h2o_multithread_register_receiver(t->queue, &t->receiver, api_on_completions);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = api_hosts;
    listener_start(&ra->api, t, ra->fd, &t->accept_ctx);
    if (ra->metrics_fd >= 0) {
        ra->metrics_ctx.ctx = &t->ctx;
        ra->metrics_ctx.hosts = metrics_hosts;
        listener_start(&ra->metrics, t, ra->metrics_fd, &ra->metrics_ctx);
    }
    if (store_kind(w->store) != DB_POSTGRES)
        return 0;
    return dbloop_new(t->loop, w->store, idx * DBLOOP_CONNECTIONS, DBLOOP_CONNECTIONS, w->metrics, &t->dbloop, err);
}

/* h2o 2.2 caches freed socket buffers and memory-pool chunks in
 * thread-local lists that nothing reaches once the thread has exited, and
 * has no call to free them. They are taken into `t` (kept alive with the
 * contexts, see server_run) so that a leak checker finds nothing of h2o's:
 * when it found them, LeakSanitizer symbolized their stacks to match the
 * suppression, a quarter of a second at each test server's stop. The pool
 * cache holds at most 16 chunks of 4 KB, and an allocation under a quarter
 * of a chunk comes from a chunk: 17 chunks' worth of 1000-byte pieces takes
 * every cached one (the rest are new, freed by exit). */
static void hold_recyclers(api_thread_t *t)
{
    t->held_buffers = h2o_socket_buffer_prototype.allocator._link;
    h2o_mem_init_pool(&t->held_chunks);
    for (int i = 0; i < 17 * 4; i++)
        (void)h2o_mem_alloc_pool(&t->held_chunks, 1000);
}

/* True when the loop holds no client connection: then nothing is left to
 * leave or to arrive, and the linger below ends at once. h2o keeps no
 * public count; its context links every HTTP/1 and HTTP/2 connection. */
static bool no_connections(h2o_context_t *ctx)
{
    return h2o_linklist_is_empty(&ctx->http1._conns) && h2o_linklist_is_empty(&ctx->http2._conns);
}

/* Sets up and runs one loop; on stop, closes the listener and drains for up
 * to drain_s. The loop, context and sockets are created HERE, on the thread
 * that runs them: h2o keeps per-thread buffer recyclers (thread-local), and
 * objects made on another thread would share that thread's recycler. */
static void *thread_main(void *arg)
{
    run_arg_t *ra = arg;
    api_thread_t *t = ra->t;
    err_t err = {0};
    if (thread_init(t, t->w, ra, t->idx, &err) < 0) {
        log_msg(LOG_ERROR, "server.failed", "event loop %d: %s", t->idx, err.msg);
        stop_requested = 1;
    }
    pthread_barrier_wait(ra->started);
    while (!stop_requested)
        h2o_evloop_run(t->loop, 100);
    t->w->ready = false;
    listener_stop(&ra->api);
    listener_stop(&ra->metrics);
    h2o_context_request_shutdown(&t->ctx);
    uint64_t deadline = clock_mono_ns() + (uint64_t)ra->drain_s * 1000000000u;
    while (atomic_load(&t->w->inflight) > 0 && clock_mono_ns() < deadline)
        h2o_evloop_run(t->loop, 10);
    /* A little longer lets the last responses leave and h2o close the
     * connections itself, so no client sees a reset instead of its answer.
     * A request that a connection accepted earlier sends only now is
     * served too: the loop stays until it is answered (found under load: it
     * was committed, then the loop was gone before the answer came back). */
    uint64_t linger = clock_mono_ns() + 300000000u;
    for (uint64_t now; ((now = clock_mono_ns()) < linger && !no_connections(&t->ctx)) ||
                       (atomic_load(&t->w->inflight) > 0 && now < deadline);)
        h2o_evloop_run(t->loop, 10);
    dbloop_free(t->dbloop);
    t->dbloop = NULL;
    hold_recyclers(t);
    return NULL;
}

static h2o_hostconf_t *register_host(h2o_globalconf_t *gc, const char *name, bool metrics_only)
{
    h2o_hostconf_t *host = h2o_config_register_host(gc, h2o_iovec_init(name, strlen(name)), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    uchet_handler_t *h = (uchet_handler_t *)h2o_create_handler(path, sizeof *h);
    h->super.on_req = on_req;
    h->metrics_only = metrics_only;
    return host;
}

static void config_h2o(h2o_globalconf_t *gc)
{
    h2o_config_init(gc);
    gc->server_name = h2o_iovec_init(H2O_STRLIT("uchet"));
    /* Larger than any route accepts, so the handler itself answers with a
     * problem+json 413 (h2o's own 413 is plain text). */
    gc->max_request_entity_size = 2 * LIMIT_IMAGE_BODY_BYTES;
    /* No cleartext HTTP/2: neither "Upgrade: h2c" nor the prior-knowledge
     * preface (h2o 2.2 honours both when this is set, which it is by
     * default). HTTP/2 is the TLS proxy's job (deploy/nginx), which bounds
     * streams and resets per connection (CVE-2023-44487, rapid reset). The
     * preface is then an unparsable HTTP/1 request: 400, connection closed. */
    gc->http1.upgrade_to_http2 = 0;
    /* Each listener sees only its own host: a Host header cannot reach the
     * other one. */
    api_hosts[0] = register_host(gc, "default", false);
    metrics_hosts[0] = register_host(gc, "metrics", true);
}

/* Raises the soft open-file limit to the hard one and sets the connection
 * cap below it (LIMIT_CONNECTIONS at most, FD_RESERVE kept back). */
static void set_conn_cap(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        struct rlimit nrl = {.rlim_cur = want, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &nrl) == 0)
            rl.rlim_cur = want;
    }
    long avail = rl.rlim_cur == RLIM_INFINITY ? LIMIT_CONNECTIONS : (long)rl.rlim_cur - FD_RESERVE;
    conn_cap = avail < LIMIT_CONNECTIONS ? (int)(avail < 16 ? 16 : avail) : LIMIT_CONNECTIONS;
    log_msg(conn_cap < LIMIT_CONNECTIONS ? LOG_WARN : LOG_INFO, "server.connections",
        "at most %d connections (open-file limit %lld)", conn_cap, (long long)rl.rlim_cur);
}

static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int server_run(api_world_t *w, const char *host, int port, const char *metrics_host, int metrics_port, int threads,
    int drain_s, err_t *err)
{
    static h2o_globalconf_t gc;
    config_h2o(&gc);
    set_conn_cap();
    api_thread_t *ts = calloc((size_t)threads, sizeof *ts);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    run_arg_t *args = calloc((size_t)threads, sizeof *args);
    if (!ts || !tids || !args) {
        free(ts);
        free(tids);
        free(args);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    int r = 0;
    for (int i = 0; i < threads && r == 0; i++) {
        args[i] = (run_arg_t){.t = &ts[i], .gc = &gc, .fd = -1, .metrics_fd = -1, .drain_s = drain_s};
        ts[i].idx = i;
        ts[i].w = w;
        if ((r = bind_socket(host, port, &args[i].fd, err)) < 0)
            threads = i;
    }
    if (r == 0 && metrics_port > 0)
        r = bind_socket(metrics_host, metrics_port, &args[0].metrics_fd, err); /* on failure closed below */
    if (r == 0) {
        pthread_barrier_t started;
        pthread_barrier_init(&started, NULL, (unsigned)threads + 1);
        install_signals();
        for (int i = 0; i < threads; i++) {
            args[i].started = &started;
            pthread_create(&tids[i], NULL, thread_main, &args[i]);
        }
        pthread_barrier_wait(&started);
        w->ready = true;
        log_msg(LOG_INFO, "server.started", "listening on %s:%d with %d event loops", host, port, threads);
        if (metrics_port > 0)
            log_msg(LOG_INFO, "server.metrics", "/metrics on %s:%d only", metrics_host, metrics_port);
        for (int i = 0; i < threads; i++)
            pthread_join(tids[i], NULL);
        pthread_barrier_destroy(&started);
        w->ready = false;
        log_msg(LOG_INFO, "server.stopped", "listeners closed, in-flight requests finished");
    }
    /* The h2o contexts are left to process exit: h2o 2.2 cannot dispose a
     * context whose closed connections still hold timers. They stay
     * reachable through `threads_alive` so leak checkers stay quiet. */
    threads_alive = ts;
    for (int i = 0; r < 0 && i < threads; i++)
        close(args[i].fd);
    if (r < 0) {
        free(ts);
        free(args);
    } else {
        args_alive = args; /* the listeners' connection lists, likewise */
    }
    free(tids);
    return r;
}
