#pragma once
/* Versioned schema migrations, one list per backend (the SQL differs where
 * the dialects do). Version N is applied in one transaction with its record
 * in schema_version. */
#include <stdbool.h>

#include "base/err.h"
#include "store/db.h"

typedef struct migration {
    int version;
    const char *name;
    const char *sql;
    /* SQLite: the migration copies a table into a new one and drops the old
     * (how SQLite widens a CHECK), so foreign keys are off around it. */
    bool rebuilds_table;
} migration_t;

/* The newest version this build knows. */
int migrate_latest(db_kind_t kind);
/* 0 when the database is at migrate_latest(); -EPROTO (schema_outdated) when
 * it is older or unmigrated, -EPROTO (schema_too_new) when newer. */
int migrate_check(db_t *db, err_t *err);
/* Applies every missing migration in order; *ret_applied = how many. */
int migrate_apply(db_t *db, int *ret_applied, err_t *err);

/* Versions 3 and 4 are the same SQL on both backends (migrate.c). */
extern const char migrate_v3_sql[];
extern const char migrate_v4_sql[];
extern const char migrate_v5_auth_sql[]; /* issue 12: log-in counters, unverified documents */
extern const char migrate_v13_sql[];     /* issue 19: registration_rows, the view registrations */

extern const migration_t migrate_sqlite_list[]; /* terminated by version 0 */
extern const migration_t *migrate_pg_list;      /* NULL when not built */
