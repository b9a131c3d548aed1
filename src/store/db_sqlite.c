/* SQLite backend of db.h: WAL, synchronous=FULL, a per-connection cache of
 * prepared statements keyed by the SQL text's address. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db_backend.h"

#define STMT_CACHE 256 /* distinct statements per connection; power of two */

typedef struct sq_stmt {
    struct db_stmt hdr;
    sqlite3_stmt *st;
    const char *key; /* the SQL pointer this entry caches */
    bool done;       /* ran to its end (or failed) since db_prepare */
} sq_stmt_t;

typedef struct sq_db {
    struct db hdr;
    sqlite3 *h;
    sq_stmt_t cache[STMT_CACHE];
} sq_db_t;

static int sq_error(sqlite3 *h, int rc, err_t *err)
{
    int prim = rc & 0xff;
    if (prim == SQLITE_CONSTRAINT)
        return err_set(err, -EEXIST, "conflict", "Constraint violated: %s", sqlite3_errmsg(h));
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return err_set(err, -EBUSY, "storage_busy", "The database is busy: %s", sqlite3_errmsg(h));
    /* Transient: the disk is full, failing or read-only now; the operator
     * frees room and the same write then succeeds (503, not 500). */
    if (prim == SQLITE_FULL)
        return err_set(err, -ENOSPC, "storage_unavailable", "The disk is full: %s", sqlite3_errmsg(h));
    if (prim == SQLITE_IOERR || prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN || prim == SQLITE_NOMEM)
        return err_set(err, -EIO, "storage_unavailable", "Storage unavailable: %s", sqlite3_errmsg(h));
    return err_set(err, -EIO, "storage_failed", "Storage error: %s", sqlite3_errmsg(h));
}

static int sq_open(const char *path, bool readonly, db_t **ret, err_t *err)
{
    sq_db_t *d = calloc(1, sizeof *d);
    if (!d)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    /* A new database is made 0600 here, before SQLite would make it 0644;
     * SQLite gives its -wal and -shm files the database file's mode. */
    if (!readonly && strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0)
            close(fd);
    }
    flags |= SQLITE_OPEN_NOMUTEX; /* one thread per connection, by contract */
    int rc = sqlite3_open_v2(path, &d->h, flags, NULL);
    if (rc != SQLITE_OK) {
        int r = err_set(err, -EIO, "storage_failed", "Cannot open the SQLite database: %s",
            d->h ? sqlite3_errmsg(d->h) : "out of memory");
        sqlite3_close(d->h);
        free(d);
        return r;
    }
    d->hdr.be = &db_sqlite_backend;
    d->hdr.kind = DB_SQLITE;
    sqlite3_busy_timeout(d->h, 5000);
    sqlite3_extended_result_codes(d->h, 1);
    /* FULL: an acknowledged write survives power loss (see docs/ARCHITECTURE.md). */
    /* A 32 MiB page cache per connection: the sweep's scattered updates and
     * the writer's index lookups stay in memory. */
    const char *pragmas = readonly ? "PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;"
                                   : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                     " PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;";
    rc = sqlite3_exec(d->h, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int r = sq_error(d->h, rc, err);
        db_sqlite_backend.close(&d->hdr);
        return r;
    }
    *ret = &d->hdr;
    return 0;
}

static void sq_close(db_t *db)
{
    sq_db_t *d = (sq_db_t *)db;
    for (int i = 0; i < STMT_CACHE; i++)
        sqlite3_finalize(d->cache[i].st);
    sqlite3_close(d->h);
    free(d);
}

static int sq_prepare(db_t *db, const char *sql, db_stmt_t **ret, err_t *err);
static int sq_step(db_stmt_t *s, err_t *err);

/* A single statement (no ';': transaction control, pragmas) runs from the
 * statement cache, so the writer's BEGIN/SAVEPOINT/COMMIT are not parsed
 * again for every operation. Scripts (migrations) go through sqlite3_exec. */
static int sq_exec(db_t *db, const char *sql, err_t *err)
{
    sq_db_t *d = (sq_db_t *)db;
    if (!strchr(sql, ';')) {
        db_stmt_t *st;
        int r = sq_prepare(db, sql, &st, err);
        while (r == 0 && (r = sq_step(st, err)) == 1)
            ;
        return r;
    }
    int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_error(d->h, rc, err);
}

static int sq_checkpoint(db_t *db, err_t *err)
{
    sq_db_t *d = (sq_db_t *)db;
    int rc = sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : sq_error(d->h, rc, err);
}

static int64_t sq_total_changes(db_t *db)
{
    return sqlite3_total_changes64(((sq_db_t *)db)->h);
}

static void sq_set_autocheckpoint(db_t *db, bool on)
{
    sqlite3_wal_autocheckpoint(((sq_db_t *)db)->h, on ? 1000 : 0);
}

static size_t slot_of(const char *key)
{
    uintptr_t p = (uintptr_t)key;
    return (size_t)((p >> 3) ^ (p >> 11)) & (STMT_CACHE - 1);
}

static int sq_prepare(db_t *db, const char *sql, db_stmt_t **ret, err_t *err)
{
    sq_db_t *d = (sq_db_t *)db;
    size_t i = slot_of(sql);
    for (size_t n = 0; n < STMT_CACHE; n++, i = (i + 1) & (STMT_CACHE - 1)) {
        sq_stmt_t *e = &d->cache[i];
        if (e->key == sql) {
            sqlite3_reset(e->st);
            sqlite3_clear_bindings(e->st);
            e->done = false;
            *ret = &e->hdr;
            return 0;
        }
        if (!e->key) {
            int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &e->st, NULL);
            if (rc != SQLITE_OK)
                return sq_error(d->h, rc, err);
            e->key = sql;
            e->hdr.be = &db_sqlite_backend;
            e->hdr.db = db;
            *ret = &e->hdr;
            return 0;
        }
    }
    return err_set(err, -ENOSPC, "storage_failed", "Statement cache full.");
}

#define ST(x) (((sq_stmt_t *)(x))->st)

static int bind_rc(int rc)
{
    return rc == SQLITE_OK ? 0 : -EINVAL;
}
static int sq_bind_int(db_stmt_t *s, int i, int64_t v)
{
    return bind_rc(sqlite3_bind_int64(ST(s), i, v));
}
static int sq_bind_double(db_stmt_t *s, int i, double v)
{
    return bind_rc(sqlite3_bind_double(ST(s), i, v));
}
static int sq_bind_null(db_stmt_t *s, int i)
{
    return bind_rc(sqlite3_bind_null(ST(s), i));
}

static int sq_bind_text(db_stmt_t *s, int i, const char *v)
{
    if (!v)
        return sq_bind_null(s, i);
    return bind_rc(sqlite3_bind_text(ST(s), i, v, -1, SQLITE_TRANSIENT));
}

static int sq_bind_blob(db_stmt_t *s, int i, const void *p, size_t len)
{
    return bind_rc(sqlite3_bind_blob64(ST(s), i, p, len, SQLITE_TRANSIENT));
}

/* A statement that has finished stays finished until db_prepare: SQLite
 * would run it again from the start (an UPDATE twice), PostgreSQL does not,
 * and db.h promises the latter. */
static int sq_step(db_stmt_t *s, err_t *err)
{
    sq_stmt_t *e = (sq_stmt_t *)s;
    if (e->done)
        return 0;
    int rc = sqlite3_step(e->st);
    if (rc == SQLITE_ROW)
        return 1;
    e->done = true;
    if (rc == SQLITE_DONE)
        return 0;
    int r = sq_error(((sq_db_t *)s->db)->h, rc, err);
    sqlite3_reset(e->st);
    return r;
}

static int64_t sq_changes(db_t *db)
{
    return sqlite3_changes64(((sq_db_t *)db)->h);
}
static bool sq_col_null(db_stmt_t *s, int i)
{
    return sqlite3_column_type(ST(s), i) == SQLITE_NULL;
}
static int64_t sq_col_int(db_stmt_t *s, int i)
{
    return sqlite3_column_int64(ST(s), i);
}
static double sq_col_double(db_stmt_t *s, int i)
{
    return sqlite3_column_double(ST(s), i);
}
static const char *sq_col_text(db_stmt_t *s, int i)
{
    return (const char *)sqlite3_column_text(ST(s), i);
}

static const void *sq_col_blob(db_stmt_t *s, int i, size_t *ret_len)
{
    const void *p = sqlite3_column_blob(ST(s), i);
    *ret_len = (size_t)sqlite3_column_bytes(ST(s), i);
    return p;
}

const struct db_backend db_sqlite_backend = {
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .changes = sq_changes,
    .col_null = sq_col_null,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .begin_write_sql = "BEGIN IMMEDIATE",
    .checkpoint = sq_checkpoint,
    .set_autocheckpoint = sq_set_autocheckpoint,
    .total_changes = sq_total_changes,
};
