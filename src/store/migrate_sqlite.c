/* SQLite schema. Times are BIGINT unix seconds (UTC); dates 'YYYY-MM-DD'
 * local to the region; booleans 0/1. Coordinates exist in exactly one place:
 * a residence's reference point (product rule 2). Confirmations keep only the
 * time and the result. */
#include "store/migrate.h"
#include "store/migrate_schema.h"

static const char V1[] = MIGRATE_V1_SQL("INTEGER PRIMARY KEY", "INTEGER", "BLOB");
static const char V2[] = MIGRATE_V2_SQL("INTEGER PRIMARY KEY", "INTEGER", "BLOB");

static const char V10_DOCSETS[] = MIGRATE_V10_SQL("INTEGER PRIMARY KEY", "INTEGER", "BLOB");
static const char V6_KIOSK[] = MIGRATE_V6_SQL("INTEGER PRIMARY KEY", "BLOB");
static const char V11_PASSKEYS[] = MIGRATE_V11_SQL("INTEGER PRIMARY KEY", "INTEGER", "BLOB");

static const char V9_REVIEW[] = MIGRATE_V9_SQL("INTEGER");

static const char V8_DESK[] = MIGRATE_V8_ROLES_SQLITE MIGRATE_V8_SQL("INTEGER", "BLOB");

const migration_t migrate_sqlite_list[] = {
    {1, "initial schema", V1, false},
    {2, "regime over time", V2, false},
    {3, "appeals per lapse, landlord codes replaced", migrate_v3_sql, false},
    {4, "lapses recorded per due date", migrate_v4_sql, false},
    {5, "log-in counters, unverified documents", migrate_v5_auth_sql, false},
    {6, "enrolment kiosks", V6_KIOSK, false},
    {7, "device sessions", MIGRATE_V7_SQL, false},
    {8, "officers' desk: supervisors, two-factor log-in", V8_DESK, true},
    {9, "enrolment review", V9_REVIEW, false},
    {10, "document sets", V10_DOCSETS, false},
    {11, "passkeys", V11_PASSKEYS, false},
    {12, "audit read by actor and subject", MIGRATE_V12_SQL, false},
    {13, "registrations read the truth, rows stored as registration_rows", migrate_v13_sql, false},
    {14, "notices refer to persons unchecked; the due index covers ids", MIGRATE_V14_SQLITE, true},
    {0, NULL, NULL, false},
};
