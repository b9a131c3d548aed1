#include "api/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/dbloop.h"
#include "api/router.h"
#include "base/limits.h"
#include "base/log.h"

static atomic_int stop_requested;   /* lock-free: safe to set from a signal handler */
static api_thread_t *threads_alive;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    api_thread_t *t = H2O_STRUCT_FROM_MEMBER(api_thread_t, ctx, req->conn->ctx);
    router_dispatch(api_req_new(req, t));
    return 0;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err)
        return;
    api_thread_t *t = listener->data;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock)
        h2o_accept(&t->accept_ctx, sock);
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

static int thread_init(api_thread_t *t, api_world_t *w, h2o_globalconf_t *gc, int idx, int fd, err_t *err)
{
    t->idx = idx;
    t->w = w;
    t->loop = h2o_evloop_create();
    h2o_context_init(&t->ctx, t->loop, gc);
    t->queue = h2o_multithread_create_queue(t->loop);
    h2o_multithread_register_receiver(t->queue, &t->receiver, api_on_completions);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = gc->hosts;
    t->listener = h2o_evloop_socket_create(t->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_socket_read_start(t->listener, on_accept);
    if (store_kind(w->store) != DB_POSTGRES)
        return 0;
    return dbloop_new(t->loop, w->store, idx * DBLOOP_CONNECTIONS, DBLOOP_CONNECTIONS, w->metrics, &t->dbloop,
                      err);
}

typedef struct run_arg {
    api_thread_t *t;
    h2o_globalconf_t *gc;
    int fd;
    int drain_s;
    pthread_barrier_t *started;
} run_arg_t;

/* Sets up and runs one loop; on stop, closes the listener and drains for up
 * to drain_s. The loop, context and sockets are created HERE, on the thread
 * that runs them: h2o keeps per-thread buffer recyclers (thread-local), and
 * objects made on another thread would share that thread's recycler. */
static void *thread_main(void *arg)
{
    run_arg_t *ra = arg;
    api_thread_t *t = ra->t;
    err_t err = {0};
    if (thread_init(t, t->w, ra->gc, t->idx, ra->fd, &err) < 0) {
        log_msg(LOG_ERROR, "server.failed", "event loop %d: %s", t->idx, err.msg);
        stop_requested = 1;
    }
    pthread_barrier_wait(ra->started);
    while (!stop_requested)
        h2o_evloop_run(t->loop, 100);
    t->w->ready = false;
    h2o_socket_read_stop(t->listener);
    h2o_socket_close(t->listener);
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
    for (uint64_t now; (now = clock_mono_ns()) < linger || (atomic_load(&t->w->inflight) > 0 && now < deadline);)
        h2o_evloop_run(t->loop, 10);
    dbloop_free(t->dbloop);
    t->dbloop = NULL;
    return NULL;
}

static void config_h2o(h2o_globalconf_t *gc)
{
    h2o_config_init(gc);
    gc->server_name = h2o_iovec_init(H2O_STRLIT("uchet"));
    /* Larger than any route accepts, so the handler itself answers with a
     * problem+json 413 (h2o's own 413 is plain text). */
    gc->max_request_entity_size = 2 * LIMIT_IMAGE_BODY_BYTES;
    h2o_hostconf_t *host = h2o_config_register_host(gc, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(path, sizeof *h);
    h->on_req = on_req;
}

static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int server_run(api_world_t *w, const char *host, int port, int threads, int drain_s, err_t *err)
{
    static h2o_globalconf_t gc;
    config_h2o(&gc);
    api_thread_t *ts = calloc((size_t)threads, sizeof *ts);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    run_arg_t *args = calloc((size_t)threads, sizeof *args);
    if (!ts || !tids || !args) {
        free(ts); free(tids); free(args);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    int r = 0;
    for (int i = 0; i < threads && r == 0; i++) {
        args[i] = (run_arg_t){.t = &ts[i], .gc = &gc, .fd = -1, .drain_s = drain_s};
        ts[i].idx = i;
        ts[i].w = w;
        if ((r = bind_socket(host, port, &args[i].fd, err)) < 0)
            threads = i;
    }
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
    if (r < 0)
        free(ts);
    free(tids);
    free(args);
    return r;
}
