#pragma once
/* PostgreSQL backend of db.h (libpq). db.c reaches it through
 * `db_pg_backend` (db_backend.h); this header only exposes what the
 * backend's tests need to see. Internal to src/store. */
#include "base/err.h"

/* The advisory-lock key every write transaction takes on PostgreSQL
 * (ASCII "uchet"): it serialises writers across uchetd instances the way
 * SQLite's BEGIN IMMEDIATE does within one file. */
#define DB_PG_WRITE_LOCK_KEY 504086290804

/* Rewrites the `?` placeholders of `sql` as PostgreSQL's `$1, $2, ...`,
 * leaving `?` inside '...' literals, "..." identifiers, -- and block
 * comments alone. Returns 0 and writes a malloc'd string the caller frees
 * (*ret_sql) and the number of placeholders (*ret_nparams); -ENOMEM, or
 * -E2BIG (code "storage_failed") beyond PostgreSQL's 65535 parameters. */
int db_pg_placeholders(const char *sql, char **ret_sql, int *ret_nparams, err_t *err);
