#pragma once
/* The store: where every database operation of uchet runs.
 *
 * An operation (store_op_t, embedded first in a caller's larger struct) says
 * what to run (`run`, given a connection) and how to hand the result back
 * (`post`, called on a store thread once the result is final; the API layer
 * forwards it to the event loop that submitted it). Lanes:
 *
 *   STORE_READ  — runs on the submitting thread's read connection, inside a
 *                 read transaction (one consistent snapshot), or with none
 *                 when the op reads in one statement (one_statement). SQLite: at once
 *                 (memory speed, never waits for the writer in WAL mode).
 *                 PostgreSQL in uchetd: each event loop runs its READ ops
 *                 itself in a fiber, its connection sending queries
 *                 asynchronously (store_attach_loop, api/dbloop.h), so the
 *                 loop never waits for the server.
 *   STORE_WRITE — queued to the single writer thread, which runs many queued
 *                 operations in ONE transaction and posts them only after
 *                 COMMIT returned: group commit. A result posted from this
 *                 lane is durable. An op that fails after writing makes the
 *                 writer roll the batch back and run it again with a
 *                 savepoint per op, so one failure undoes only itself.
 *                 Hence `run` must be repeatable: it may run twice and must
 *                 not consume its inputs (wipe secrets after post, not in run).
 *   STORE_SLOW  — CPU-heavy work (argon2 password hashing) on a small pool of
 *                 threads with their own connections. `run` opens its own
 *                 transactions, so the write lock is never held while hashing.
 *   STORE_SLOW_OFFICER — the same work for officers' desk log-ins, on one
 *                 thread and connection of its own: a burst of persons'
 *                 log-ins (or bogus ones) never delays a registrar (issue 12).
 *
 * The store never blocks an event loop on a write or on hashing.
 *
 * The store's second door: a db_t of one's own (store/db.h, db_open). Work
 * that is not a request runs on its own connection, outside the lanes, and
 * opens its own transactions, calling the store modules' functions in them:
 *   - the sweep (store/sweep.h), from uchetd's scheduler thread
 *     (api/scheduler.c) and from `uchetctl sweep`; it lapses, matures and
 *     deletes only through store/lapse.h, store/registration.h and
 *     store/confirmation.h, and writes only its own sweep_runs rows;
 *   - uchetctl's commands (cli/): init and migrate (store/migrate.h),
 *     person, officer and apikey (those modules' ops, run with
 *     store_run_sync or directly), keys (notify/outbox), and three that
 *     write SQL of their own, each named here: `backup` (SQLite's VACUUM
 *     INTO and integrity check, cli/cmd_backup.c), `bench-seed` (rows for
 *     benchmarks, cli/cmd_bench.c) and the demo's fixed password
 *     (cli/cmd_person.c);
 *   - uchetd's start (api/uchetd.c): migrations and loading regions.
 * Nothing else opens a connection; requests always come through the lanes. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

typedef enum { STORE_READ = 0, STORE_WRITE, STORE_SLOW, STORE_SLOW_OFFICER } store_lane_t;

typedef struct store_op store_op_t;
struct store_op {
    store_lane_t lane;
    /* Runs the operation. Returns 0 or a negative code with op->err set; the
     * store stores that return value in op->rc. */
    int (*run)(db_t *db, store_op_t *op);
    /* Hands the finished op back (any thread). Must not block. */
    void (*post)(store_op_t *op);
    /* Optional, WRITE lane: called in the writer's optimistic transaction
     * just before the first op that has it runs, with the rest of the batch
     * from that op (`ops`), and again after another op wrote; reads ahead
     * what the batch's ops of its kind need in one statement (PostgreSQL: one round trip instead of
     * several per op). What it reads may be used only in that transaction
     * (db_txn_serial) and only by ops that nothing earlier in the batch can
     * have changed; `run` reads the rest itself. The writer forgets it all
     * (db_txn_forget) after any op without a prefetch writes; ops of a kind
     * with one must keep each other's read-ahead right themselves. */
    void (*prefetch)(db_t *db, store_op_t *ops);
    /* READ lane: `run` reads with one statement, which sees one snapshot by
     * itself on both backends, so no read transaction is opened around it
     * (on PostgreSQL its BEGIN and end would be two more round trips). */
    bool one_statement;
    int rc; /* result of run, or of the commit that carried it */
    err_t err;
    store_op_t *next; /* internal: queue link */
    void *sync;       /* internal: store_run_sync's waiter */
};

typedef struct store_stats {
    _Atomic uint64_t batches;       /* committed write batches */
    _Atomic uint64_t batch_ops;     /* operations in them */
    _Atomic uint64_t batch_hist[8]; /* batch sizes: 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64-127, 128+ */
    _Atomic uint64_t queue_depth;   /* write ops waiting now */
    _Atomic uint64_t commit_failures;
} store_stats_t;

typedef struct store store_t;

/* Opens the store: `readers` read connections (one per event-loop thread,
 * index 0..readers-1), the writer thread and `slow_threads` slow threads.
 * Fails with -EIO (storage_failed) or -EPROTO (schema_outdated: run
 * `uchetctl migrate`) when the schema is not the current one. */
int store_open(const char *url, int readers, int slow_threads, store_t **ret, err_t *err);

/* As store_open, with `writer` (a connection to url the caller opened and
 * used, or NULL) as the writer's connection: a start that reads and writes
 * before the store opens needs no connection of its own for it (on
 * PostgreSQL each one is a server process). The store owns `writer` from
 * the call on, also when it fails. */
int store_open_on(const char *url, db_t *writer, int readers, int slow_threads, store_t **ret, err_t *err);

/* Stops accepting work, lets the writer finish every queued op (their posts
 * are called), joins threads, closes connections. Accepts NULL. */
void store_close(store_t *s);

/* Submits op. READ runs now on reader `thread_idx` and posts before returning
 * (blocking the caller on PostgreSQL: fine for uchetctl; an event loop
 * attached with store_attach_loop gets -EINVAL and uses store_run_read).
 * -EAGAIN (overloaded) when the write queue is full or the store is closing:
 * then nothing was queued and post is not called. */
int store_submit(store_t *s, store_op_t *op, int thread_idx);

/* PostgreSQL: gives reader connection idx the waiter w (see db_waiter_t);
 * from then on only the event loop idx uses it, through store_run_read from
 * inside a fiber. -ENOTSUP on SQLite (reads there never wait), -EINVAL for a
 * bad idx. Call before the loop serves requests; w NULL detaches again. */
int store_attach_loop(store_t *s, int idx, const db_waiter_t *w);

/* Runs a READ op now on reader idx in a read transaction: sets op->rc and
 * op->err, does not call post. For attached loops (see above). */
void store_run_read(store_t *s, store_op_t *op, int idx);

/* Runs op and waits for its result (for uchetctl and tests; never on a loop). */
int store_run_sync(store_t *s, store_op_t *op);

const store_stats_t *store_stats(const store_t *s);
db_kind_t store_kind(const store_t *s);
