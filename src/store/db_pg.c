/* PostgreSQL backend of db.h through libpq.
 *
 * Statements are prepared server-side once per connection and cached by the
 * address of their SQL text, like the SQLite backend. Parameters go as text
 * (integers, doubles, strings; the server infers their types from context)
 * or binary (bytea: the bytes themselves, so blobs are binary-safe); results
 * come back as text and bytea is unescaped on demand.
 *
 * A connection that dies is re-established at the next use that is not
 * inside a transaction (the server has rolled that one back; running the rest
 * of it in autocommit would commit half of it). Reconnecting forgets the
 * server-side prepared statements, so each cache entry remembers the
 * connection generation it was prepared on. This is what lets uchetd ride
 * through a Patroni failover behind haproxy or a multi-host URL.
 *
 * Waiting: without a waiter (db_set_waiter) every call blocks its thread
 * until the server answers: uchetctl, the writer thread, the sweep. With one
 * (an event loop's reader connection), each query is sent asynchronously
 * (PQsend*, non-blocking mode) and the waiter is called whenever libpq would
 * block; reconnecting uses PQresetStart/PQresetPoll the same way. A waiter
 * that gives up (a timeout) marks the connection broken: the next use
 * outside a transaction reconnects.
 *
 * Deferred writes (db_run_deferred inside a deferring section, the store
 * writer's optimistic batch): the statement is sent in libpq's pipeline
 * mode and not waited for; the next statement that needs an answer joins
 * the pipeline, and one sync collects every answer in order. A batch's
 * INSERTs and UPDATEs and its COMMIT thus share round trips with the reads
 * around them. A deferred failure aborts the rest of the pipeline on the
 * server; it is counted like any failed statement (db_total_changes), so
 * the store replays the batch with a savepoint per operation, where nothing
 * is deferred. */
#include "store/db_pg.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/parse.h"
#include "store/db_backend.h"

#define PIPE_MAX 512        /* deferred statements before a forced sync */
#define STMT_CACHE 256      /* distinct statements per connection; power of two */
#define PG_MAX_PARAMS 65535 /* the protocol's limit */
#define PG_LOCK_STR2(x) #x
#define PG_LOCK_STR(x) PG_LOCK_STR2(x)

typedef struct pg_stmt {
    struct db_stmt hdr;
    const char *key; /* the SQL pointer this entry caches; NULL = free */
    char *sql;       /* key with `?` rewritten to `$n` */
    char name[16];   /* server-side statement name, unique per connection */
    unsigned gen;    /* connection generation it is prepared on; 0 = never */
    int nparams;
    char **vals;           /* [nparams] owned copies; NULL binds SQL NULL */
    int *lens;             /* [nparams] byte length of binary values */
    int *fmts;             /* [nparams] 0 = text, 1 = binary */
    bool ran;              /* executed since the last reset */
    PGresult *res;         /* rows of that execution, NULL if none or it failed */
    int row;               /* current row, -1 before the first */
    unsigned char **blobs; /* [nfields] unescaped bytea of the current row */
    size_t *blob_lens;     /* [nfields] their lengths */
} pg_stmt_t;

typedef struct pg_db {
    struct db hdr;
    PGconn *conn; /* NULL until the first use of a lazily opened one */
    char *url;    /* owned: what a lazy connection connects to */
    bool readonly;
    bool in_txn;           /* between the caller's BEGIN and its COMMIT/ROLLBACK */
    bool broken;           /* the waiter gave up on it: reconnect at the next chance */
    db_waiter_t waiter;    /* .wait NULL: block */
    db_trips_t trips;      /* whose round trips these are, without a waiter */
    unsigned gen;          /* bumped at every (re)connect */
    int64_t changes;       /* rows touched by the last INSERT/UPDATE/DELETE */
    int64_t total_changes; /* rows touched since the connection opened... */
    int64_t failures;      /* ...and statements that failed (see pg_total_changes) */
    int64_t deferred_sent; /* ...and deferred statements sent, answered or not */
    bool deferring;        /* db_set_deferring */
    int pending;           /* deferred statements not yet answered */
    bool pipe_failed;      /* one of them failed: the transaction is aborted */
    bool pipe_transient;   /* ...by a failover or a lost connection (see transient) */
    pg_stmt_t cache[STMT_CACHE];
} pg_db_t;

static const struct db_backend pg_backend;

/* libpq prints server notices ("relation exists, skipping") to stderr by
 * default; a library module does not log. */
static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* Maps a failed result (or, with res NULL, the connection's state) to err.
 * Only the primary message is kept: PostgreSQL's DETAIL lines quote key
 * values (document numbers), which must not reach logs. */
/* SQLSTATEs that say "this server cannot take the work now", not "the
 * work is wrong": a lost or refused connection (class 08), a shutdown or a
 * server still starting (57P01-57P03), a write that reached a standby
 * (25006: the old primary during a Patroni failover, before haproxy
 * moves), no room (class 53: disk full, too many connections) or an I/O
 * failure (class 58). The client may retry them (503). */
static bool transient(const char *state)
{
    return state && (!strncmp(state, "08", 2) || !strncmp(state, "53", 2) || !strncmp(state, "58", 2) ||
                        !strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03") ||
                        !strcmp(state, "25006"));
}

static bool transient_result(const PGresult *res)
{
    return transient(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
}

static int pg_error(PGconn *conn, const PGresult *res, err_t *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(conn);
    int len = (int)strcspn(msg, "\n");
    if (state && strncmp(state, "23", 2) == 0) /* integrity: unique, FK, check, not null */
        return err_set(err, -EEXIST, "conflict", "Constraint violated: %.*s", len, msg);
    if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")))
        return err_set(err, -EBUSY, "storage_busy", "The database is busy: %.*s", len, msg);
    if (!res || PQstatus(conn) != CONNECTION_OK || transient(state)) /* a failover, a restart, a timeout */
        return err_set(err, -EIO, "storage_unavailable", "The database connection was lost: %.*s", len, msg);
    return err_set(err, -EIO, "storage_failed", "Storage error: %.*s", len, msg);
}

/* pg_error for a statement the caller ran: counted, see pg_total_changes. */
static int failed(pg_db_t *d, const PGresult *res, err_t *err)
{
    d->failures++;
    return pg_error(d->conn, res, err);
}

/* --- waiting for the server: blocking libpq calls, or asynchronous ones
 * through the waiter --------------------------------------------------------- */

static int await_fd(pg_db_t *d, bool for_write)
{
    int r = d->waiter.wait(d->waiter.arg, PQsocket(d->conn), for_write);
    if (r < 0) { /* gave up: the server may still answer, but not to us */
        d->broken = true;
        shutdown(PQsocket(d->conn), SHUT_RDWR);
    }
    return r;
}

static bool is_failure(const PGresult *res)
{
    ExecStatusType s = PQresultStatus(res);
    return s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK;
}

/* Collects the answer to what was just sent as PQexec does: the first failed
 * result, else the last one. NULL when the connection broke meanwhile. */
static PGresult *collect(pg_db_t *d)
{
    PGresult *keep = NULL, *res;
    int f;
    while ((f = PQflush(d->conn)) == 1)
        if (await_fd(d, true) < 0)
            return NULL;
    if (f < 0)
        return NULL;
    for (;;) {
        while (PQisBusy(d->conn))
            if (await_fd(d, false) < 0 || !PQconsumeInput(d->conn)) {
                PQclear(keep);
                return NULL;
            }
        if (!(res = PQgetResult(d->conn)))
            return keep;
        if (keep && is_failure(keep)) {
            PQclear(res);
        } else {
            PQclear(keep);
            keep = res;
        }
    }
}

/* Round trips of this process, by db_trips_t. */
static _Atomic uint64_t round_trips[DB_TRIPS_KINDS];

static void count_trip(const pg_db_t *d)
{
    atomic_fetch_add_explicit(&round_trips[d->waiter.wait ? DB_TRIPS_LOOP : d->trips], 1, memory_order_relaxed);
}

uint64_t db_round_trips(db_trips_t kind)
{
    return atomic_load_explicit(&round_trips[kind], memory_order_relaxed);
}

static PGresult *q_exec(pg_db_t *d, const char *sql)
{
    count_trip(d);
    if (!d->waiter.wait)
        return PQexec(d->conn, sql);
    return PQsendQuery(d->conn, sql) ? collect(d) : NULL;
}

static PGresult *q_prepare(pg_db_t *d, const char *name, const char *sql)
{
    count_trip(d);
    if (!d->waiter.wait)
        return PQprepare(d->conn, name, sql, 0, NULL);
    return PQsendPrepare(d->conn, name, sql, 0, NULL) ? collect(d) : NULL;
}

/* Drives a connection that PQresetStart or PQconnectStartParams began, on
 * the waiter. As libpq's manual says: wait for writing first (the TCP
 * connect), then as each poll asks. libpq may move on to another socket
 * (the next host of a multi-host URL), perhaps with the same number: the
 * waiter forgets the old one every time. */
static bool poll_connect(pg_db_t *d, PostgresPollingStatusType (*poll)(PGconn *))
{
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    for (;;) {
        d->waiter.wait(d->waiter.arg, -1, false);
        if (d->waiter.wait(d->waiter.arg, PQsocket(d->conn), st == PGRES_POLLING_WRITING) < 0)
            return false;
        st = poll(d->conn);
        if (st == PGRES_POLLING_OK)
            return true;
        if (st == PGRES_POLLING_FAILED)
            return false;
    }
}

/* Re-establishes a lost connection (same parameters). */
static bool reconnect(pg_db_t *d)
{
    if (!d->waiter.wait) {
        PQreset(d->conn);
        return PQstatus(d->conn) == CONNECTION_OK;
    }
    d->waiter.wait(d->waiter.arg, -1, false); /* the old socket closes now */
    return PQresetStart(d->conn) && poll_connect(d, PQresetPoll);
}

/* Runs a command whose result carries nothing the caller needs. */
static int run_simple(pg_db_t *d, const char *sql, err_t *err)
{
    PGresult *res = q_exec(d, sql);
    int r = is_failure(res) ? pg_error(d->conn, res, err) : 0;
    PQclear(res);
    return r;
}

/* Per-session settings, applied after every (re)connect. synchronous_commit
 * is forced on whatever the server default: an acknowledged write must
 * survive the loss of the primary (with Patroni's synchronous mode, it is on
 * a standby too). */
static int session_setup(pg_db_t *d, err_t *err)
{
    PQsetNoticeProcessor(d->conn, quiet_notice, NULL);
    PQsetnonblocking(d->conn, d->waiter.wait != NULL);
    d->gen++;
    d->broken = false;
    d->pending = 0; /* a new connection has no pipeline */
    const char *sql = d->readonly ? "SET synchronous_commit = on; SET default_transaction_read_only = on"
                                  : "SET synchronous_commit = on";
    return run_simple(d, sql, err);
}

/* Starts d's first connection to d->url: at once (blocking) without a
 * waiter, else begun here and driven on the waiter. False when it failed;
 * d->conn is then NULL (out of memory) or a failed connection that
 * reconnect() can retry later. */
static bool connect_first(pg_db_t *d)
{
    /* Defaults first: keywords that come later, i.e. the URL's, win. The
     * keepalives notice a vanished server in about 25 s rather than hours. */
    static const char *const keys[] = {"connect_timeout", "client_encoding", "fallback_application_name",
        "keepalives_idle", "keepalives_interval", "keepalives_count", "dbname", NULL};
    const char *vals[] = {"10", "UTF8", "uchet", "10", "5", "3", d->url, NULL};
    if (!d->waiter.wait) {
        d->conn = PQconnectdbParams(keys, vals, 1);
        return d->conn && PQstatus(d->conn) == CONNECTION_OK;
    }
    d->conn = PQconnectStartParams(keys, vals, 1);
    return d->conn && PQstatus(d->conn) != CONNECTION_BAD && poll_connect(d, PQconnectPoll);
}

/* Makes sure the connection is up, re-establishing it when that is safe. */
static int ensure_conn(pg_db_t *d, err_t *err)
{
    if (d->conn && PQstatus(d->conn) == CONNECTION_OK && !d->broken)
        return 0;
    if (d->in_txn)
        return err_set(err, -EIO, "storage_unavailable", "The database connection was lost inside a transaction.");
    bool first = !d->conn;
    if (first ? !connect_first(d) : !reconnect(d))
        return d->conn ? err_set(err, -EIO, "storage_unavailable", "Cannot %s to PostgreSQL: %.*s",
                             first ? "connect" : "reconnect", (int)strcspn(PQerrorMessage(d->conn), "\n"),
                             PQerrorMessage(d->conn))
                       : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    return session_setup(d, err);
}

static void pg_close(db_t *db);

static int pg_new(const char *url, bool readonly, pg_db_t **ret, err_t *err)
{
    pg_db_t *d = calloc(1, sizeof *d);
    if (!d || !(d->url = strdup(url))) {
        free(d);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    d->hdr.be = &pg_backend;
    d->hdr.kind = DB_POSTGRES;
    d->readonly = readonly;
    *ret = d;
    return 0;
}

static int pg_open(const char *url, bool readonly, db_t **ret, err_t *err)
{
    pg_db_t *d = NULL;
    int r = pg_new(url, readonly, &d, err);
    if (r < 0)
        return r;
    if (!connect_first(d))
        r = d->conn ? err_set(err, -EIO, "storage_failed", "Cannot connect to PostgreSQL: %.*s",
                          (int)strcspn(PQerrorMessage(d->conn), "\n"), PQerrorMessage(d->conn))
                    : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    else
        r = session_setup(d, err);
    if (r < 0) {
        pg_close(&d->hdr);
        return r;
    }
    *ret = &d->hdr;
    return 0;
}

/* A connection made at its first use (db_open_lazy). */
static int pg_open_lazy(const char *url, bool readonly, db_t **ret, err_t *err)
{
    pg_db_t *d = NULL;
    int r = pg_new(url, readonly, &d, err);
    if (r == 0)
        *ret = &d->hdr;
    return r;
}

static void drop_row(pg_stmt_t *e)
{
    if (!e->blobs)
        return;
    for (int i = 0; e->res && i < PQnfields(e->res); i++) {
        PQfreemem(e->blobs[i]);
        e->blobs[i] = NULL;
    }
}

/* Forgets the last execution and every binding. */
static void stmt_reset(pg_stmt_t *e)
{
    drop_row(e);
    free(e->blobs);
    free(e->blob_lens);
    e->blobs = NULL;
    e->blob_lens = NULL;
    PQclear(e->res);
    e->res = NULL;
    e->ran = false;
    e->row = -1;
    for (int i = 0; i < e->nparams; i++) {
        free(e->vals[i]);
        e->vals[i] = NULL;
    }
}

static void stmt_free(pg_stmt_t *e)
{
    stmt_reset(e);
    free(e->sql);
    free(e->vals);
    free(e->lens);
    free(e->fmts);
}

static void pg_close(db_t *db)
{
    pg_db_t *d = (pg_db_t *)db;
    for (int i = 0; i < STMT_CACHE; i++)
        stmt_free(&d->cache[i]);
    PQfinish(d->conn);
    free(d->url);
    free(d);
}

/* --- deferred statements: libpq's pipeline mode ----------------------------- */

static void note_changes(pg_db_t *d, PGresult *res);

/* The next result of the pipeline, waiting as the connection waits. NULL
 * both between two statements' results and when the connection broke: the
 * caller tells them apart with PQstatus. */
static PGresult *pipe_result(pg_db_t *d)
{
    if (d->waiter.wait)
        while (PQisBusy(d->conn))
            if (await_fd(d, false) < 0 || !PQconsumeInput(d->conn))
                return NULL;
    return PQgetResult(d->conn);
}

static bool conn_dead(const pg_db_t *d)
{
    return PQstatus(d->conn) != CONNECTION_OK || d->broken;
}

/* A deferred statement's answer: its rows changed, or the failure that
 * aborts the rest of the transaction. */
static void settle_deferred(pg_db_t *d, PGresult *res)
{
    if (!is_failure(res))
        note_changes(d, res);
    else if (!d->pipe_failed) {
        d->failures++;
        d->pipe_failed = true;
        d->pipe_transient = transient_result(res) || conn_dead(d);
    }
}

/* Ends the pipeline with a sync and reads every answer, in order: the
 * deferred statements', then, when `last`, the one sent after them, whose
 * result is returned (its first failure, else its last result; NULL if the
 * connection broke or `last` is false). One round trip. Leaves pipeline
 * mode. */
static PGresult *pipe_finish(pg_db_t *d, bool last)
{
    PGresult *keep = NULL, *res;
    int idx = 0, f;
    count_trip(d);
    if (!PQpipelineSync(d->conn))
        goto broken;
    while ((f = PQflush(d->conn)) == 1)
        if (!d->waiter.wait || await_fd(d, true) < 0)
            goto broken;
    if (f < 0)
        goto broken;
    for (;;) {
        if (!(res = pipe_result(d))) {
            if (conn_dead(d) || ++idx > d->pending + 1)
                goto broken;
            continue; /* the end of one statement's results */
        }
        if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        if (idx < d->pending) {
            settle_deferred(d, res);
            PQclear(res);
        } else if (keep && is_failure(keep)) {
            PQclear(res);
        } else {
            PQclear(keep);
            keep = res;
        }
    }
    d->pending = 0;
    PQexitPipelineMode(d->conn);
    if (!last) {
        PQclear(keep);
        keep = NULL;
    }
    return keep;
broken:
    PQclear(keep);
    d->pending = 0;
    d->pipe_failed = true;
    d->pipe_transient = true;
    d->broken = true; /* the pipeline's state is unknown: start afresh */
    return NULL;
}

/* The error of a transaction that a deferred write aborted: retryable
 * (storage_unavailable) when that write failed for a transient reason. */
static int deferred_error(const pg_db_t *d, const char *what, err_t *err)
{
    if (d->pipe_transient)
        return err_set(err, -EIO, "storage_unavailable", "%s, the database being unavailable.", what);
    return err_set(err, -EIO, "storage_failed", "%s.", what);
}

/* The error for a statement the server skipped because a deferred one
 * before it failed: the deferred statement's own error went unreported. */
static int aborted_error(pg_db_t *d, const PGresult *res, err_t *err)
{
    if (res && PQresultStatus(res) == PGRES_PIPELINE_ABORTED) {
        d->failures++;
        return deferred_error(d, "An earlier write of this transaction failed", err);
    }
    return failed(d, res, err);
}

static int pg_flush(db_t *db, err_t *err)
{
    pg_db_t *d = (pg_db_t *)db;
    if (d->pending > 0)
        pipe_finish(d, false);
    if (d->pipe_failed)
        return deferred_error(d, "A deferred write failed", err);
    return 0;
}

static void pg_set_deferring(db_t *db, bool on)
{
    ((pg_db_t *)db)->deferring = on;
}

/* The first read transaction statement fixes the snapshot for the rest:
 * store.h promises a READ op one consistent view, which PostgreSQL's default
 * READ COMMITTED gives per statement only. db_begin_read sends plain BEGIN. */
static const char *translate(const char *sql)
{
    return strcmp(sql, "BEGIN") == 0 ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : sql;
}

static bool ends_txn(const char *sql)
{
    return !strcmp(sql, "COMMIT") || !strcmp(sql, "ROLLBACK");
}

/* COMMIT of a transaction in the aborted state "succeeds" with the tag
 * ROLLBACK: report it as the failure it is, never as a durable write. */
static int check_commit(const pg_db_t *d, const char *sql, PGresult *res, err_t *err)
{
    if (strcmp(sql, "COMMIT") != 0 || strcmp(PQcmdStatus(res), "COMMIT") == 0)
        return 0;
    return deferred_error(d, "The transaction had failed and was rolled back", err);
}

/* Sends sql as the pipeline's last statement when it can join it (one
 * statement: the extended protocol takes no scripts), else syncs first and
 * runs it on its own. ROLLBACK never joins: after a failure the server
 * would skip it. */
static PGresult *exec_after_pending(pg_db_t *d, const char *sql)
{
    if (!strchr(sql, ';') && strncmp(sql, "ROLLBACK", 8) != 0) {
        if (!PQsendQueryParams(d->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
            return NULL;
        return pipe_finish(d, true);
    }
    pipe_finish(d, false);
    return conn_dead(d) ? NULL : q_exec(d, sql);
}

static int exec_once(pg_db_t *d, const char *sql, err_t *err)
{
    PGresult *res = d->pending > 0 ? exec_after_pending(d, translate(sql)) : q_exec(d, translate(sql));
    int r = is_failure(res) ? aborted_error(d, res, err) : check_commit(d, sql, res, err);
    PQclear(res);
    return r;
}

static int pg_exec(db_t *db, const char *sql, err_t *err)
{
    pg_db_t *d = (pg_db_t *)db;
    bool begins = strncmp(sql, "BEGIN", 5) == 0;
    int r = ensure_conn(d, err);
    if (ends_txn(sql))
        d->in_txn = false; /* whatever happens next, that transaction is over */
    if (r < 0)
        return r;
    r = exec_once(d, sql, err);
    if (ends_txn(sql))
        d->pipe_failed = d->pipe_transient = false;
    /* A BEGIN that finds the connection dead (the primary went away since
     * the last use) has lost nothing: retry it once on a new connection. */
    if (r < 0 && begins && (PQstatus(d->conn) != CONNECTION_OK || d->broken)) {
        err_clear(err);
        if ((r = ensure_conn(d, err)) == 0)
            r = exec_once(d, sql, err);
    }
    /* A failed "BEGIN; SELECT lock" leaves a transaction the caller does not
     * know about; end it, or every later BEGIN would join an aborted one. */
    if (r < 0 && !d->in_txn && PQtransactionStatus(d->conn) != PQTRANS_IDLE && PQstatus(d->conn) == CONNECTION_OK &&
        !d->broken)
        run_simple(d, "ROLLBACK", NULL);
    if (r == 0 && begins)
        d->in_txn = true;
    return r;
}

static size_t slot_of(const char *key)
{
    uintptr_t p = (uintptr_t)key;
    return (size_t)((p >> 3) ^ (p >> 11)) & (STMT_CACHE - 1);
}

/* Fills a fresh cache entry for `sql` (not yet prepared on the server). */
static int entry_init(pg_db_t *d, pg_stmt_t *e, size_t slot, const char *sql, err_t *err)
{
    int n;
    int r = db_pg_placeholders(sql, &e->sql, &n, err);
    if (r < 0)
        return r;
    e->vals = calloc((size_t)n + 1, sizeof *e->vals);
    e->lens = calloc((size_t)n + 1, sizeof *e->lens);
    e->fmts = calloc((size_t)n + 1, sizeof *e->fmts);
    if (!e->vals || !e->lens || !e->fmts) {
        stmt_free(e);
        memset(e, 0, sizeof *e);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    e->nparams = n;
    e->key = sql;
    e->row = -1;
    e->hdr.be = &pg_backend;
    e->hdr.db = &d->hdr;
    snprintf(e->name, sizeof e->name, "uchet_%zu", slot);
    return 0;
}

/* Prepares the entry on the current connection unless it already is. */
static int ensure_prepared(pg_db_t *d, pg_stmt_t *e, err_t *err)
{
    int r = ensure_conn(d, err);
    if (r < 0 || e->gen == d->gen)
        return r;
    if (d->pending > 0) /* PQprepare does not mix with a pipeline: sync it first */
        pipe_finish(d, false);
    if (conn_dead(d))
        return err_set(err, -EIO, "storage_unavailable", "The database connection was lost.");
    PGresult *res = q_prepare(d, e->name, e->sql);
    r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : failed(d, res, err);
    PQclear(res);
    if (r == 0)
        e->gen = d->gen;
    return r;
}

static int pg_prepare(db_t *db, const char *sql, db_stmt_t **ret, err_t *err)
{
    pg_db_t *d = (pg_db_t *)db;
    size_t i = slot_of(sql);
    for (size_t n = 0; n < STMT_CACHE; n++, i = (i + 1) & (STMT_CACHE - 1)) {
        pg_stmt_t *e = &d->cache[i];
        int r = 0;
        if (e->key && e->key != sql)
            continue;
        if (!e->key)
            r = entry_init(d, e, i, sql, err);
        else
            stmt_reset(e);
        if (r == 0)
            r = ensure_prepared(d, e, err);
        if (r < 0)
            return r;
        *ret = &e->hdr;
        return 0;
    }
    return err_set(err, -ENOSPC, "storage_failed", "Statement cache full.");
}

#define ENTRY(x) ((pg_stmt_t *)(x))

/* Stores an owned copy of a parameter value. */
static int bind_copy(db_stmt_t *s, int i, const void *p, size_t len, int fmt)
{
    pg_stmt_t *e = ENTRY(s);
    if (i < 1 || i > e->nparams || len > (size_t)INT32_MAX)
        return -EINVAL;
    char *copy = NULL;
    if (p) {
        copy = malloc(len + 1);
        if (!copy)
            return -ENOMEM;
        memcpy(copy, p, len);
        copy[len] = '\0';
    }
    free(e->vals[i - 1]);
    e->vals[i - 1] = copy;
    e->lens[i - 1] = (int)len;
    e->fmts[i - 1] = fmt;
    return 0;
}

static int pg_bind_null(db_stmt_t *s, int i)
{
    return bind_copy(s, i, NULL, 0, 0);
}

static int pg_bind_int(db_stmt_t *s, int i, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    return bind_copy(s, i, buf, (size_t)n, 0);
}

static int pg_bind_double(db_stmt_t *s, int i, double v)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", v); /* 17 digits: round-trips any double */
    return bind_copy(s, i, buf, (size_t)n, 0);
}

static int pg_bind_text(db_stmt_t *s, int i, const char *v)
{
    return v ? bind_copy(s, i, v, strlen(v), 0) : pg_bind_null(s, i);
}

static int pg_bind_blob(db_stmt_t *s, int i, const void *p, size_t len)
{
    /* A zero-length blob is an empty bytea, not NULL: bind a non-NULL pointer. */
    return bind_copy(s, i, p ? p : "", len, 1);
}

/* Rows changed by a data-modifying command; SELECT leaves it alone, as in SQLite. */
static void note_changes(pg_db_t *d, PGresult *res)
{
    const char *tag = PQcmdStatus(res), *n = PQcmdTuples(res);
    int64_t v;
    if (strncmp(tag, "SELECT", 6) != 0 && *n && parse_i64(n, strlen(n), 0, INT64_MAX, &v) == 0) {
        d->changes = v;
        d->total_changes += v;
    }
}

static PGresult *q_exec_prepared(pg_db_t *d, const pg_stmt_t *e)
{
    const char *const *vals = (const char *const *)e->vals;
    count_trip(d);
    if (!d->waiter.wait)
        return PQexecPrepared(d->conn, e->name, e->nparams, vals, e->lens, e->fmts, 0);
    if (!PQsendQueryPrepared(d->conn, e->name, e->nparams, vals, e->lens, e->fmts, 0))
        return NULL;
    return collect(d);
}

static void pg_set_trips(db_t *db, db_trips_t kind)
{
    ((pg_db_t *)db)->trips = kind;
}

static void pg_set_waiter(db_t *db, const db_waiter_t *w)
{
    pg_db_t *d = (pg_db_t *)db;
    d->waiter = w ? *w : (db_waiter_t){0};
    if (d->conn) /* else session_setup sets it at the first connect */
        PQsetnonblocking(d->conn, w != NULL);
}

/* Sends e into the pipeline as a deferred statement. A statement not yet
 * prepared on this connection is prepared first, after a sync (once per
 * statement and connection). */
static int send_deferred(pg_db_t *d, pg_stmt_t *e, err_t *err)
{
    int r = ensure_prepared(d, e, err);
    if (r < 0)
        return r;
    if (d->pending == 0 && !PQenterPipelineMode(d->conn))
        return failed(d, NULL, err);
    const char *const *vals = (const char *const *)e->vals;
    if (!PQsendQueryPrepared(d->conn, e->name, e->nparams, vals, e->lens, e->fmts, 0)) {
        if (d->pending == 0)
            PQexitPipelineMode(d->conn);
        return failed(d, NULL, err);
    }
    d->pending++;
    d->deferred_sent++;
    if (d->pending >= PIPE_MAX)
        pipe_finish(d, false);
    return 0;
}

static int pg_step(db_stmt_t *s, err_t *err);

static int pg_run_deferred(db_stmt_t *s, err_t *err)
{
    pg_stmt_t *e = ENTRY(s);
    pg_db_t *d = (pg_db_t *)e->hdr.db;
    int r;
    if (!d->deferring || e->ran) {
        while ((r = pg_step(s, err)) == 1)
            ;
        return r;
    }
    e->ran = true; /* no rows for the caller: stepping it again finds none */
    return send_deferred(d, e, err);
}

/* Runs e now: on its own, or as the last statement of the pipeline. */
static PGresult *exec_now(pg_db_t *d, pg_stmt_t *e)
{
    if (d->pending == 0)
        return q_exec_prepared(d, e);
    const char *const *vals = (const char *const *)e->vals;
    if (!PQsendQueryPrepared(d->conn, e->name, e->nparams, vals, e->lens, e->fmts, 0))
        return NULL;
    return pipe_finish(d, true);
}

static int execute(pg_stmt_t *e, err_t *err)
{
    pg_db_t *d = (pg_db_t *)e->hdr.db;
    int r = ensure_prepared(d, e, err);
    if (r < 0)
        return r;
    PGresult *res = exec_now(d, e);
    /* A SELECT on its own (no transaction: a one-statement read, see
     * store_op_t.one_statement) that finds the connection dead has lost
     * nothing, as a BEGIN has not (pg_exec): retry it once on a new
     * connection. Anything else may have been done before the connection
     * went, so it fails. */
    if (is_failure(res) && !d->in_txn && d->pending == 0 && conn_dead(d) && strncmp(e->key, "SELECT", 6) == 0) {
        PQclear(res);
        res = NULL;
        if ((r = ensure_prepared(d, e, err)) < 0)
            return r;
        res = exec_now(d, e);
    }
    if (is_failure(res)) {
        r = aborted_error(d, res, err);
        PQclear(res);
        return r;
    }
    note_changes(d, res);
    e->res = res;
    return 0;
}

static int pg_step(db_stmt_t *s, err_t *err)
{
    pg_stmt_t *e = ENTRY(s);
    if (!e->ran) {
        e->ran = true; /* a failed execution is not retried until the next reset */
        int r = execute(e, err);
        if (r < 0)
            return r;
    }
    if (!e->res || e->row + 1 >= PQntuples(e->res))
        return 0;
    drop_row(e);
    e->row++;
    return 1;
}

static int64_t pg_changes(db_t *db)
{
    return ((pg_db_t *)db)->changes;
}

/* Rows changed plus statements failed. A failed statement aborts the whole
 * transaction on PostgreSQL (SQLite undoes only that statement), so to the
 * store's optimistic writer it must look like a write: the batch is then
 * rolled back and replayed with a savepoint per operation. An operation
 * that fails on its own logic (no SQL error, nothing written) leaves the
 * count alone and the batch goes on. */
static int64_t pg_total_changes(db_t *db)
{
    pg_db_t *d = (pg_db_t *)db;
    return d->total_changes + d->failures + d->deferred_sent;
}

/* The text of column i of the current row, NULL if SQL NULL or out of range. */
static const char *cell(db_stmt_t *s, int i)
{
    pg_stmt_t *e = ENTRY(s);
    if (!e->res || e->row < 0 || i < 0 || i >= PQnfields(e->res) || PQgetisnull(e->res, e->row, i))
        return NULL;
    return PQgetvalue(e->res, e->row, i);
}

static bool pg_col_null(db_stmt_t *s, int i)
{
    return cell(s, i) == NULL;
}
static const char *pg_col_text(db_stmt_t *s, int i)
{
    return cell(s, i);
}

static int64_t pg_col_int(db_stmt_t *s, int i)
{
    const char *v = cell(s, i);
    int64_t n;
    if (!v)
        return 0;
    if (!strcmp(v, "t") || !strcmp(v, "f")) /* a boolean expression */
        return v[0] == 't';
    return parse_i64(v, strlen(v), INT64_MIN, INT64_MAX, &n) == 0 ? n : 0;
}

static double pg_col_double(db_stmt_t *s, int i)
{
    const char *v = cell(s, i);
    char *end;
    if (!v)
        return 0;
    double x = strtod(v, &end);
    return *end == '\0' ? x : 0;
}

/* One slot per column for unescaped bytea, made on first use. */
static bool blob_slots(pg_stmt_t *e)
{
    if (e->blobs)
        return true;
    size_t n = (size_t)PQnfields(e->res);
    e->blobs = calloc(n, sizeof *e->blobs);
    e->blob_lens = calloc(n, sizeof *e->blob_lens);
    if (e->blobs && e->blob_lens)
        return true;
    free(e->blobs);
    free(e->blob_lens);
    e->blobs = NULL;
    e->blob_lens = NULL;
    return false;
}

/* Unescapes bytea column i once per row; the bytes live until the next step
 * or reset. NULL (and length 0) for SQL NULL or when out of memory. */
static const void *pg_col_blob(db_stmt_t *s, int i, size_t *ret_len)
{
    pg_stmt_t *e = ENTRY(s);
    const char *v = cell(s, i);
    *ret_len = 0;
    if (!v || !blob_slots(e))
        return NULL;
    if (!e->blobs[i])
        e->blobs[i] = PQunescapeBytea((const unsigned char *)v, &e->blob_lens[i]);
    if (e->blobs[i])
        *ret_len = e->blob_lens[i];
    return e->blobs[i];
}

static const struct db_backend pg_backend = {
    .open = pg_open,
    .open_lazy = pg_open_lazy,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .changes = pg_changes,
    .total_changes = pg_total_changes,
    .col_null = pg_col_null,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .set_waiter = pg_set_waiter,
    .set_trips = pg_set_trips,
    .run_deferred = pg_run_deferred,
    .set_deferring = pg_set_deferring,
    .flush = pg_flush,
    /* The advisory lock plays BEGIN IMMEDIATE: writers queue here, before
     * reading anything, so read-then-write (the audit chain head, the
     * one-active-registration check) is safe across uchetd instances. READ
     * COMMITTED on purpose: every statement after the lock sees every commit
     * made before it was granted (a REPEATABLE READ snapshot would predate it). */
    .begin_write_sql = "BEGIN; SELECT pg_advisory_xact_lock(" PG_LOCK_STR(DB_PG_WRITE_LOCK_KEY) ")",
    /* Session-level advisory locks: held until released or the connection
     * ends, so an instance that dies mid-way frees its lock. References stay
     * checked: PostgreSQL checks them by index, not by a page read per row. */
    .lock_try_sql = "SELECT CASE WHEN pg_try_advisory_lock(?) THEN 1 ELSE 0 END",
    .unlock_sql = "SELECT CASE WHEN pg_advisory_unlock(?) THEN 1 ELSE 0 END",
};

const struct db_backend *db_pg_backend = &pg_backend;

/* Returns the index just past a literal, quoted identifier or comment that
 * starts at s[i], or i itself if none starts there. */
static size_t skip_inert(const char *s, size_t i)
{
    char c = s[i];
    if (c == '\'' || c == '"') {
        size_t j = i + 1;
        for (; s[j]; j++)
            if (s[j] == c && s[j + 1] != c)
                return j + 1;
            else if (s[j] == c)
                j++; /* a doubled quote stands for itself */
        return j;
    }
    if (c == '-' && s[i + 1] == '-')
        return i + 2 + strcspn(s + i + 2, "\n");
    if (c == '/' && s[i + 1] == '*') {
        const char *end = strstr(s + i + 2, "*/");
        return end ? (size_t)(end - s) + 2 : i + strlen(s + i);
    }
    return i;
}

int db_pg_placeholders(const char *sql, char **ret_sql, int *ret_nparams, err_t *err)
{
    size_t len = strlen(sql), marks = 0;
    for (size_t i = 0; i < len; i++)
        marks += sql[i] == '?';
    char *out = malloc(len + marks * 5 + 1); /* "?" becomes at most "$65535" */
    if (!out)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    size_t o = 0;
    int n = 0;
    for (size_t i = 0; i < len;) {
        size_t j = skip_inert(sql, i);
        if (j > i) {
            memcpy(out + o, sql + i, j - i);
            o += j - i;
            i = j;
        } else if (sql[i] == '?') {
            if (n == PG_MAX_PARAMS) {
                free(out);
                return err_set(err, -E2BIG, "storage_failed", "Too many SQL parameters.");
            }
            o += (size_t)snprintf(out + o, 7, "$%d", ++n);
            i++;
        } else {
            out[o++] = sql[i++];
        }
    }
    out[o] = '\0';
    *ret_sql = out;
    *ret_nparams = n;
    return 0;
}
