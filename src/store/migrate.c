#include "store/migrate.h"

#include <errno.h>
#include <stddef.h>

#include "store/db_backend.h"

static const migration_t *list_for(db_kind_t kind)
{
    return kind == DB_POSTGRES ? migrate_pg_list : migrate_sqlite_list;
}

int migrate_latest(db_kind_t kind)
{
    const migration_t *m = list_for(kind);
    int v = 0;
    for (; m && m->version; m++)
        v = m->version;
    return v;
}

static const char SQL_VERSION_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";
static const char SQL_CURRENT[] = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
/* applied_at is the database server's wall clock, not uchet's injectable
 * one: it records when the schema really changed. */
static const char SQL_RECORD_SQLITE[] =
    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, CAST(strftime('%s','now') AS INTEGER))";
static const char SQL_RECORD_PG[] =
    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, CAST(EXTRACT(EPOCH FROM now()) AS BIGINT))";

static int current_version(db_t *db, int *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_exec(db, SQL_VERSION_TABLE, err);
    if (r < 0 || (r = db_prepare(db, SQL_CURRENT, &st, err)) < 0)
        return r;
    if ((r = db_step(st, err)) < 0)
        return r;
    *ret = (int)db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

int migrate_check(db_t *db, err_t *err)
{
    int v, r = current_version(db, &v, err);
    if (r < 0)
        return r;
    int latest = migrate_latest(db_kind(db));
    if (v < latest)
        return err_set(err, -EPROTO, "schema_outdated",
            "The database schema is at version %d, this build needs %d: run `uchetctl migrate`.", v, latest);
    if (v > latest)
        return err_set(err, -EPROTO, "schema_too_new",
            "The database schema (version %d) is newer than this build (%d).", v, latest);
    return 0;
}

static int apply_in_tx(db_t *db, const migration_t *m, err_t *err)
{
    db_stmt_t *st;
    int r = db_begin_write(db, err);
    if (r < 0)
        return r;
    if ((r = db_exec(db, m->sql, err)) < 0 ||
        (r = db_prepare(db, db_kind(db) == DB_POSTGRES ? SQL_RECORD_PG : SQL_RECORD_SQLITE, &st, err)) < 0)
        goto fail;
    db_bind_int(st, 1, m->version);
    db_bind_text(st, 2, m->name);
    if ((r = db_run(st, err)) < 0 || (r = db_commit(db, err)) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return r;
}

/* SQLite changes a CHECK only by rebuilding the table (create, copy, drop,
 * rename), and dropping a table others refer to fails while references are
 * checked. The pragma does nothing inside a transaction: hence around it.
 * The copy keeps every id, so no reference is left dangling. */
static int apply_one(db_t *db, const migration_t *m, err_t *err)
{
    bool unchecked = m->rebuilds_table && db_kind(db) != DB_POSTGRES;
    int r = unchecked ? db_exec(db, "PRAGMA foreign_keys = OFF", err) : 0;
    if (r == 0)
        r = apply_in_tx(db, m, err);
    if (unchecked) {
        int r2 = db_exec(db, "PRAGMA foreign_keys = ON", r < 0 ? NULL : err);
        if (r == 0)
            r = r2;
    }
    return r;
}

int migrate_apply(db_t *db, int *ret_applied, err_t *err)
{
    int v, r = current_version(db, &v, err);
    if (r < 0)
        return r;
    const migration_t *m = list_for(db_kind(db));
    if (!m)
        return err_set(err, -ENOTSUP, "backend_unavailable", "No migrations for this backend.");
    int n = 0;
    for (; m->version; m++) {
        if (m->version <= v)
            continue;
        if ((r = apply_one(db, m, err)) < 0)
            return r;
        n++;
    }
    *ret_applied = n;
    return 0;
}

/* Rule 13 is "within 30 days of a lapse": a registration restored by an
 * appeal that lapses again may be appealed again, so appeals are unique per
 * lapse (the registration's ended_at when it was filed), not per
 * registration. And a new landlord code replaces the person's unused ones
 * (rule 12), found through an index of open codes per residence. */
const char migrate_v3_sql[] = "ALTER TABLE appeals ADD COLUMN lapsed_at BIGINT;"
                              "UPDATE appeals SET lapsed_at = (SELECT r.ended_at FROM registrations r"
                              "  WHERE r.id = appeals.registration_id AND r.end_reason = 'lapsed');"
                              "DROP INDEX appeals_one_per_registration;"
                              "CREATE UNIQUE INDEX appeals_one_per_lapse ON appeals(registration_id, lapsed_at);"
                              "CREATE INDEX host_codes_open ON host_codes(residence_id) WHERE used_at IS NULL;";

/* Version 4: a lapse is a fact about a due date (product rule 6). The sweep
 * records "every registration of region R still open with due date D lapsed
 * at T" as one lapse_marks row instead of rewriting each registration: those
 * rows are spread through the table, and rewriting 1% of 10 million of them
 * wrote half a gigabyte of scattered pages. registrations_now is what every
 * reader sees: a row a mark covers reads as ended (lapsed) at the mark's
 * time. A row is rewritten to match when it is next written (re-registration,
 * appeal). PostgreSQL rewrote rows under their locks and recorded no marks
 * until issue 18; it records marks too now. The due-date index now carries
 * person_id, so the sweep finds who is due without reading the rows (and
 * status, which SQLite 3.40 needs in the index to use it as covering for a
 * query that names it, though the index's WHERE already implies it). */
const char migrate_v4_sql[] = "CREATE TABLE lapse_marks ("
                              "  region TEXT NOT NULL REFERENCES regions(code),"
                              "  due_date TEXT NOT NULL,"
                              "  lapsed_at BIGINT NOT NULL,"
                              "  PRIMARY KEY (region, due_date)"
                              ");"
                              "CREATE VIEW registrations_now AS SELECT r.id, r.person_id, r.region,"
                              "  CASE WHEN m.lapsed_at IS NULL THEN r.status ELSE 'ended' END AS status,"
                              "  r.started_at, r.last_confirmed_on, r.mismatch_streak,"
                              "  COALESCE(m.lapsed_at, r.ended_at) AS ended_at,"
                              "  CASE WHEN m.lapsed_at IS NULL THEN r.end_reason ELSE 'lapsed' END AS end_reason,"
                              "  r.due_date, r.guardian_registration_id"
                              "  FROM registrations r LEFT JOIN lapse_marks m"
                              "  ON r.status = 'active' AND m.region = r.region AND m.due_date = r.due_date;"
                              "DROP INDEX registrations_due;"
                              "CREATE INDEX registrations_due ON registrations(region, due_date, person_id, status)"
                              "  WHERE status = 'active' AND due_date IS NOT NULL;";

/* Version 5 (issue 12, authentication and access rules): failed log-in
 * counters shared by every uchetd on the database (store/login_limit.h);
 * documents a guardian typed in are unverified until a registrar or the
 * kiosk checks them (store/minor.h); expiry indexes for the session purge. */
const char migrate_v5_auth_sql[] = "CREATE TABLE login_limits ("
                                   "  key TEXT PRIMARY KEY," /* hex SHA-256 of the counter's kind and parts */
                                   "  window_start BIGINT NOT NULL,"
                                   "  fails INTEGER NOT NULL"
                                   ");"
                                   "ALTER TABLE documents ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;"
                                   "CREATE INDEX sessions_expires ON sessions(expires_at);"
                                   "CREATE INDEX officer_sessions_expires ON officer_sessions(expires_at);";

/* Version 13 (issue 19): the natural name tells the truth. Since v4 a lapse
 * is a mark per due date, and the raw row of a lapsed person still said
 * `active` under the name `registrations` while the view registrations_now
 * said `ended`. Now the table is registration_rows (what is stored: a marked
 * row is rewritten only when next written) and the view `registrations` is
 * what is true: a row a lapse mark covers reads ended (lapsed) at the mark's
 * time. Readers read `registrations`; writers write registration_rows, and a
 * reader names registration_rows only on purpose (the sweep's index scans,
 * the writer settling a row). The view is dropped first so the rename has
 * nothing to rewrite in it; foreign keys (SQLite >= 3.26 rewrites the
 * REFERENCES text, PostgreSQL refers by oid) and indexes follow the table,
 * and the indexes keep their registrations_* names. */
const char migrate_v13_sql[] = "DROP VIEW registrations_now;"
                               "ALTER TABLE registrations RENAME TO registration_rows;"
                               "CREATE VIEW registrations AS SELECT r.id, r.person_id, r.region,"
                               "  CASE WHEN m.lapsed_at IS NULL THEN r.status ELSE 'ended' END AS status,"
                               "  r.started_at, r.last_confirmed_on, r.mismatch_streak,"
                               "  COALESCE(m.lapsed_at, r.ended_at) AS ended_at,"
                               "  CASE WHEN m.lapsed_at IS NULL THEN r.end_reason ELSE 'lapsed' END AS end_reason,"
                               "  r.due_date, r.guardian_registration_id"
                               "  FROM registration_rows r LEFT JOIN lapse_marks m"
                               "  ON r.status = 'active' AND m.region = r.region AND m.due_date = r.due_date;";
