#include "store/db_backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static _Thread_local long fault_countdown; /* 0: disarmed */
static _Thread_local bool fault_fired;

void db_fault_arm(long n)
{
    fault_countdown = n > 0 ? n : 0;
    fault_fired = false;
}

bool db_fault_fired(void)
{
    return fault_fired;
}

/* True (err set) when this call is the armed one. */
static bool fault_now(err_t *err)
{
    if (fault_countdown == 0 || --fault_countdown > 0)
        return false;
    fault_fired = true;
    err_set(err, -EIO, "injected_fault", "Injected fault.");
    return true;
}

db_kind_t db_kind_of(const char *url)
{
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return DB_POSTGRES;
    return DB_SQLITE;
}

int db_open(const char *url, bool readonly, db_t **ret, err_t *err)
{
    if (db_kind_of(url) == DB_POSTGRES) {
        if (!db_pg_backend)
            return err_set(err, -ENOTSUP, "backend_unavailable", "This build has no PostgreSQL backend.");
        return db_pg_backend->open(url, readonly, ret, err);
    }
    return db_sqlite_backend.open(url, readonly, ret, err);
}

int db_open_lazy(const char *url, bool readonly, db_t **ret, err_t *err)
{
    if (db_kind_of(url) == DB_POSTGRES && db_pg_backend && db_pg_backend->open_lazy)
        return db_pg_backend->open_lazy(url, readonly, ret, err);
    return db_open(url, readonly, ret, err);
}

void db_close(db_t *db)
{
    if (db)
        db->be->close(db);
}

db_kind_t db_kind(const db_t *db)
{
    return db->kind;
}
int db_checkpoint(db_t *db, err_t *err)
{
    return db->be->checkpoint ? db->be->checkpoint(db, err) : 0;
}

int64_t db_total_changes(db_t *db)
{
    return db->be->total_changes ? db->be->total_changes(db) : -1;
}

void db_set_autocheckpoint(db_t *db, bool on)
{
    if (db->be->set_autocheckpoint)
        db->be->set_autocheckpoint(db, on);
}

void db_set_waiter(db_t *db, const db_waiter_t *w)
{
    if (db->be->set_waiter)
        db->be->set_waiter(db, w);
}

void db_set_trips(db_t *db, db_trips_t kind)
{
    if (db->be->set_trips)
        db->be->set_trips(db, kind);
}

int db_exec(db_t *db, const char *sql, err_t *err)
{
    db->memo_valid = false;
    return fault_now(err) ? -EIO : db->be->exec(db, sql, err);
}

static int begin(db_t *db, const char *sql, err_t *err)
{
    int r = db_exec(db, sql, err);
    db->in_txn = r == 0;
    db->txn_serial++;
    return r;
}

uint64_t db_txn_serial(const db_t *db)
{
    return db->txn_serial;
}

void db_txn_forget(db_t *db)
{
    db->txn_serial++;
    db->memo_valid = false;
}

int db_instance_lock_try(db_t *db, db_lock_t lock, bool *ret_got, err_t *err)
{
    *ret_got = true;
    if (!db->be->lock_try_sql)
        return 0;
    db_stmt_t *st;
    int r = db_prepare(db, db->be->lock_try_sql, &st, err);
    if (r == 0)
        r = db_bind_int(st, 1, (int64_t)lock);
    if (r < 0 || (r = db_step(st, err)) < 0)
        return r;
    *ret_got = r == 1 && db_col_int(st, 0) == 1;
    return db_run(st, err);
}

void db_instance_unlock(db_t *db, db_lock_t lock)
{
    db_stmt_t *st;
    if (db->be->unlock_sql && db_prepare(db, db->be->unlock_sql, &st, NULL) == 0 &&
        db_bind_int(st, 1, (int64_t)lock) == 0)
        db_run(st, NULL);
}

int db_begin_read(db_t *db, err_t *err)
{
    return begin(db, "BEGIN", err);
}
int db_begin_write(db_t *db, err_t *err)
{
    return begin(db, db->be->begin_write_sql, err);
}

int db_commit(db_t *db, err_t *err)
{
    db->in_txn = false;
    return db_exec(db, "COMMIT", err);
}
int db_rollback(db_t *db)
{
    db->memo_valid = false;
    db->in_txn = false;
    return db->be->exec(db, "ROLLBACK", NULL);
}
int db_savepoint(db_t *db, err_t *err)
{
    return db_exec(db, "SAVEPOINT op", err);
}
int db_savepoint_release(db_t *db, err_t *err)
{
    return db_exec(db, "RELEASE SAVEPOINT op", err);
}

int db_savepoint_rollback(db_t *db)
{
    db->memo_valid = false;
    int r = db->be->exec(db, "ROLLBACK TO SAVEPOINT op", NULL);
    if (r == 0)
        r = db->be->exec(db, "RELEASE SAVEPOINT op", NULL);
    return r;
}

int db_prepare(db_t *db, const char *sql, db_stmt_t **ret, err_t *err)
{
    return fault_now(err) ? -EIO : db->be->prepare(db, sql, ret, err);
}

int db_bind_int(db_stmt_t *st, int i, int64_t v)
{
    return st->be->bind_int(st, i, v);
}
int db_bind_double(db_stmt_t *st, int i, double v)
{
    return st->be->bind_double(st, i, v);
}
int db_bind_text(db_stmt_t *st, int i, const char *s)
{
    return st->be->bind_text(st, i, s);
}
int db_bind_blob(db_stmt_t *st, int i, const void *p, size_t len)
{
    return st->be->bind_blob(st, i, p, len);
}
int db_bind_null(db_stmt_t *st, int i)
{
    return st->be->bind_null(st, i);
}
int db_step(db_stmt_t *st, err_t *err)
{
    return fault_now(err) ? -EIO : st->be->step(st, err);
}
int64_t db_changes(db_t *db)
{
    return db->be->changes(db);
}
bool db_col_null(db_stmt_t *st, int i)
{
    return st->be->col_null(st, i);
}
int64_t db_col_int(db_stmt_t *st, int i)
{
    return st->be->col_int(st, i);
}
int64_t db_col_int_or_zero(db_stmt_t *st, int i)
{
    return db_col_null(st, i) ? 0 : db_col_int(st, i);
}
double db_col_double(db_stmt_t *st, int i)
{
    return st->be->col_double(st, i);
}
const char *db_col_text(db_stmt_t *st, int i)
{
    return st->be->col_text(st, i);
}
const void *db_col_blob(db_stmt_t *st, int i, size_t *ret_len)
{
    return st->be->col_blob(st, i, ret_len);
}

void db_col_copy(db_stmt_t *st, int i, char *dst, size_t cap)
{
    const char *s = db_col_text(st, i);
    snprintf(dst, cap, "%s", s ? s : "");
}

int db_run(db_stmt_t *st, err_t *err)
{
    int r;
    while ((r = db_step(st, err)) == 1)
        ;
    return r;
}

int db_run_ints(db_t *db, const char *sql, const int64_t *v, int n, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, sql, &st, err);
    if (r < 0)
        return r;
    for (int i = 0; i < n; i++)
        db_bind_int(st, i + 1, v[i]);
    return db_run(st, err);
}

int db_run_deferred(db_stmt_t *st, err_t *err)
{
    if (!st->be->run_deferred)
        return db_run(st, err);
    return fault_now(err) ? -EIO : st->be->run_deferred(st, err);
}

void db_set_deferring(db_t *db, bool on)
{
    if (db->be->set_deferring)
        db->be->set_deferring(db, on);
}

int db_flush(db_t *db, err_t *err)
{
    return db->be->flush ? db->be->flush(db, err) : 0;
}

void *db_memo(db_t *db)
{
    return db->memo_valid ? db->memo : NULL;
}

void *db_memo_set(db_t *db)
{
    db->memo_valid = db->in_txn; /* outside a transaction others may write in between */
    return db->memo;
}
