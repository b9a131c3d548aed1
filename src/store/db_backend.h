#pragma once
/* What a database backend provides to db.c. Internal to src/store. */
#include "store/db.h"

struct db_backend {
    int (*open)(const char *url, bool readonly, db_t **ret, err_t *err);
    /* Optional (NULL: open): see db_open_lazy. */
    int (*open_lazy)(const char *url, bool readonly, db_t **ret, err_t *err);
    void (*close)(db_t *db);
    int (*exec)(db_t *db, const char *sql, err_t *err);
    int (*prepare)(db_t *db, const char *sql, db_stmt_t **ret, err_t *err);
    int (*bind_int)(db_stmt_t *st, int i, int64_t v);
    int (*bind_double)(db_stmt_t *st, int i, double v);
    int (*bind_text)(db_stmt_t *st, int i, const char *s);
    int (*bind_blob)(db_stmt_t *st, int i, const void *p, size_t len);
    int (*bind_null)(db_stmt_t *st, int i);
    int (*step)(db_stmt_t *st, err_t *err);
    int64_t (*changes)(db_t *db);
    bool (*col_null)(db_stmt_t *st, int i);
    int64_t (*col_int)(db_stmt_t *st, int i);
    double (*col_double)(db_stmt_t *st, int i);
    const char *(*col_text)(db_stmt_t *st, int i);
    const void *(*col_blob)(db_stmt_t *st, int i, size_t *ret_len);
    const char *begin_write_sql; /* "BEGIN IMMEDIATE" / "BEGIN" */
    /* Optional (NULL: one writer at a time anyway, the lock is always got):
     * a lock held by the connection, not a transaction, across processes;
     * one integer parameter, the key; one row, 1 when got or released. */
    const char *lock_try_sql, *unlock_sql;
    /* Optional (NULL = nothing to do): move committed data out of a
     * write-ahead log, without blocking the writer; and whether commits on
     * this connection should do that themselves. */
    int (*checkpoint)(db_t *db, err_t *err);
    /* Optional: rows changed on this connection since it opened (NULL: the
     * backend cannot tell, and the store then isolates every operation in a
     * savepoint). */
    int64_t (*total_changes)(db_t *db);
    void (*set_autocheckpoint)(db_t *db, bool on);
    /* Optional: see db_set_waiter, db_set_trips. */
    void (*set_waiter)(db_t *db, const db_waiter_t *w);
    void (*set_trips)(db_t *db, db_trips_t kind);
    /* Optional (NULL: db_run_deferred runs at once, flush has nothing to
     * wait for): see db_run_deferred. */
    int (*run_deferred)(db_stmt_t *st, err_t *err);
    void (*set_deferring)(db_t *db, bool on);
    int (*flush)(db_t *db, err_t *err);
};

/* Every backend's db_t and db_stmt_t start with these headers. */
struct db {
    const struct db_backend *be;
    db_kind_t kind;
    bool in_txn;         /* between db_begin_* and COMMIT/ROLLBACK */
    uint64_t txn_serial; /* see db_txn_serial */
    bool memo_valid;     /* see db_memo */
    _Alignas(8) unsigned char memo[DB_MEMO_BYTES];
};
struct db_stmt {
    const struct db_backend *be;
    db_t *db;
};

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend *db_pg_backend; /* NULL when not built */
