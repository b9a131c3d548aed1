#pragma once
/* A minimal, synchronous SQL driver interface with two backends (SQLite,
 * PostgreSQL). Store operations are written once against it.
 *
 * SQL is written with `?` placeholders in the common subset of both dialects
 * (ON CONFLICT DO NOTHING, RETURNING, integer booleans, BIGINT unix seconds,
 * dates as 'YYYY-MM-DD' text). A db_t is used by one thread at a time.
 *
 * "Synchronous" is what the caller sees. Given a waiter, a PostgreSQL
 * connection never blocks its thread: it sends each query asynchronously and
 * calls the waiter whenever it must wait for the server (an event loop's
 * waiter yields the fiber the calling code runs in; see api/dbloop.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct db db_t;
typedef struct db_stmt db_stmt_t;

typedef enum { DB_SQLITE = 1, DB_POSTGRES } db_kind_t;

/* Which backend a --database value names: postgresql:// or postgres:// URLs
 * are PostgreSQL, anything else an SQLite file path. */
db_kind_t db_kind_of(const char *url);

/* Opens a connection; `readonly` connections refuse writes. Caller owns *ret
 * and closes it with db_close. -EIO with err on failure. */
int db_open(const char *url, bool readonly, db_t **ret, err_t *err);
void db_close(db_t *db); /* accepts NULL */

/* As db_open, but a PostgreSQL connection is made at its first use (on its
 * waiter, if it has one by then), not here: a pool's spare connections
 * cost the server a backend only once they are needed. A server that
 * cannot be reached then fails that use with storage_unavailable. SQLite
 * opens at once (an open is a file open). */
int db_open_lazy(const char *url, bool readonly, db_t **ret, err_t *err);

/* How a connection waits for its server. wait(arg, fd, for_write) returns 0
 * once fd is (or may be) ready for reading or writing, or a negative code to
 * give up: the connection is then dropped and the call fails with
 * storage_unavailable. fd -1 means "the previous descriptor is closing:
 * forget it". Called on the connection's thread only. */
typedef struct db_waiter {
    int (*wait)(void *arg, int fd, bool for_write);
    void *arg;
} db_waiter_t;

/* Sets (or with NULL clears) the waiter. Without one, calls block their
 * thread. SQLite has nothing to wait for and ignores it. */
void db_set_waiter(db_t *db, const db_waiter_t *w);
db_kind_t db_kind(const db_t *db);

/* Runs a script of several statements (migrations). */
int db_exec(db_t *db, const char *sql, err_t *err);

/* SQLite: checkpoints the WAL without blocking writers (PASSIVE); other
 * backends: nothing. Run by the store's maintenance thread. */
int db_checkpoint(db_t *db, err_t *err);
/* SQLite: whether commits on this connection checkpoint the WAL themselves
 * (the store turns this off for its writer, so no fsync of the main file
 * ever sits in a request's path). Other backends: nothing. */
void db_set_autocheckpoint(db_t *db, bool on);

/* Rows changed on this connection since it opened, or -1 when the backend
 * cannot tell. The writer uses it to learn whether a failed operation wrote
 * anything before failing. */
int64_t db_total_changes(db_t *db);

/* Locks that let one instance at a time do a long job (the nightly sweep)
 * when several uchetd share one database. The keys are named here, so no two
 * jobs pick the same number. */
typedef enum { DB_LOCK_SWEEP = 7741 } db_lock_t;
/* *ret_got = whether this connection now holds `lock`. Held until
 * db_instance_unlock or the connection closes. SQLite: always got (its one
 * writer at a time is the lock). */
int db_instance_lock_try(db_t *db, db_lock_t lock, bool *ret_got, err_t *err);
void db_instance_unlock(db_t *db, db_lock_t lock);

/* Transactions. db_begin_write takes the write lock at once (SQLite BEGIN
 * IMMEDIATE) so a read-then-write never fails half way. */
int db_begin_read(db_t *db, err_t *err);
int db_begin_write(db_t *db, err_t *err);
int db_commit(db_t *db, err_t *err);
int db_rollback(db_t *db);
int db_savepoint(db_t *db, err_t *err); /* one level: SAVEPOINT op */
int db_savepoint_release(db_t *db, err_t *err);
int db_savepoint_rollback(db_t *db);

/* Returns the prepared statement for `sql`, cached per connection by the
 * pointer value of `sql` (pass string literals / static constants). The
 * statement is reset and its bindings cleared. Borrowed: valid until db_close. */
int db_prepare(db_t *db, const char *sql, db_stmt_t **ret, err_t *err);

/* Bindings, 1-based. Text and blobs are copied. */
int db_bind_int(db_stmt_t *st, int i, int64_t v);
int db_bind_double(db_stmt_t *st, int i, double v);
int db_bind_text(db_stmt_t *st, int i, const char *s); /* NULL binds SQL NULL */
int db_bind_blob(db_stmt_t *st, int i, const void *p, size_t len);
int db_bind_null(db_stmt_t *st, int i);

/* Steps: 1 = a row is available, 0 = done, <0 = error (err filled, code
 * "storage_failed", or -EEXIST code "conflict" on a unique violation). */
int db_step(db_stmt_t *st, err_t *err);
/* Runs a statement that returns no rows (or ignores them). */
int db_run(db_stmt_t *st, err_t *err);
/* Prepares sql, binds the n integers of v to ?1..?n, and runs it: the
 * whole life of a statement whose parameters are all integers. */
int db_run_ints(db_t *db, const char *sql, const int64_t *v, int n, err_t *err);
/* Rows changed by the last db_run/db_step on this connection. */
int64_t db_changes(db_t *db);

/* Runs a statement whose outcome the caller does not need at once (an
 * INSERT or UPDATE whose row count and rows it ignores). Inside a deferring
 * section (db_set_deferring) a PostgreSQL connection only sends it, in
 * libpq's pipeline mode, and collects the answer with the next statement
 * that waits for one: N such writes cost no round trip of their own. A
 * deferred statement that fails makes that next statement fail too (the
 * server skips everything after it), counts in db_total_changes, and makes
 * db_flush fail. Outside such a section, and on SQLite, it is db_run. */
int db_run_deferred(db_stmt_t *st, err_t *err);
/* Starts (true) or ends (false) a deferring section. The store's writer
 * defers only in its optimistic batch, which it replays with a savepoint per
 * operation when anything fails. Ending a section does not flush. */
void db_set_deferring(db_t *db, bool on);
/* Waits for every deferred statement: 0 when all succeeded, else the
 * storage error of the failure (the transaction is then aborted). */
int db_flush(db_t *db, err_t *err);

/* A small scratch area per connection, for a store module to remember what
 * it read inside the current transaction (the audit chain's head, read once
 * per batch instead of once per event). Forgotten at every BEGIN, COMMIT,
 * ROLLBACK, rollback to a savepoint and db_exec, so it never outlives the
 * data it describes. db_memo returns it, or NULL when nothing is remembered;
 * db_memo_set marks it remembered (inside a db_begin_* transaction only:
 * outside one, other connections may write in between) and returns it to
 * fill. */
#define DB_MEMO_BYTES 64
/* Numbers this connection's transactions: changes at every db_begin_*, so
 * what was read in one transaction is known not to be used in another. */
uint64_t db_txn_serial(const db_t *db);
/* Changes the serial (and forgets the memo) inside the transaction: what
 * was read ahead is no longer to be trusted. */
void db_txn_forget(db_t *db);
void *db_memo(db_t *db);
void *db_memo_set(db_t *db);

/* Round trips to a database server made by this process since it started
 * (PostgreSQL only; SQLite makes none), counted by the kind of connection
 * that made them: the event loops' readers (those with a waiter), the slow
 * lane's threads (db_set_trips), every other thread's (the writer, the
 * background jobs, uchetctl). For /metrics, the bench and the tests that
 * count a read's round trips. */
typedef enum { DB_TRIPS_THREAD, DB_TRIPS_LOOP, DB_TRIPS_SLOW } db_trips_t;
#define DB_TRIPS_KINDS 3
uint64_t db_round_trips(db_trips_t kind);
/* Counts db's round trips as `kind`'s (a new connection's are a thread's;
 * while it has a waiter, the loops'). SQLite ignores it. */
void db_set_trips(db_t *db, db_trips_t kind);

/* Columns, 0-based, of the current row. Text/blob pointers are borrowed until
 * the next step or reset. NULL text gives NULL. */
bool db_col_null(db_stmt_t *st, int i);
int64_t db_col_int(db_stmt_t *st, int i);
/* db_col_int, 0 for NULL (a time not yet set, an optional count). */
int64_t db_col_int_or_zero(db_stmt_t *st, int i);
double db_col_double(db_stmt_t *st, int i);
const char *db_col_text(db_stmt_t *st, int i);
const void *db_col_blob(db_stmt_t *st, int i, size_t *ret_len);
/* Copies text column i into dst (cap bytes, NUL-terminated, truncated to
 * fit); NULL becomes "". */
void db_col_copy(db_stmt_t *st, int i, char *dst, size_t cap);

/* Fault injection, for the store's unit tests (the SQLite habit: fail the
 * Nth operation, check that nothing half-done is left). After
 * db_fault_arm(n), the calling thread's n-th call (1-based) of db_exec,
 * db_prepare or db_step fails with -EIO, code "injected_fault", without
 * reaching the database; later calls run normally. db_rollback and the
 * savepoint rollback are never failed (they are how a failure is undone).
 * db_fault_arm(0) disarms. db_fault_fired tells whether the armed fault has
 * happened. Costs one thread-local compare per call when disarmed. */
void db_fault_arm(long n);
bool db_fault_fired(void);
