/* SQLite schema. Times are BIGINT unix seconds (UTC); dates 'YYYY-MM-DD'
 * local to the region; booleans 0/1. Coordinates exist in exactly one place:
 * a residence's reference point (product rule 2). Confirmations keep only the
 * time and the result. */
#include "store/migrate.h"
#include "store/migrate_schema.h"

static const char V1[] = MIGRATE_V1_SQL("INTEGER PRIMARY KEY", "INTEGER", "BLOB");
static const char V2[] = MIGRATE_V2_SQL("INTEGER PRIMARY KEY", "INTEGER", "BLOB");

/* Version 6: enrolment kiosks (docs/ENROLMENT.md). No image byte is ever in
 * these tables: captures live encrypted in files (store/kiosk.h). */
static const char V6_KIOSK[] =
    "CREATE TABLE kiosks ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  key_hash BLOB NOT NULL UNIQUE,"          /* SHA-256 of the key shown once */
    "  created_at BIGINT NOT NULL, disabled_at BIGINT"
    ");"
    "CREATE TABLE enrolment_sessions ("
    "  id TEXT PRIMARY KEY,"                      /* 32 hex, random; also the SBI transactionId */
    "  kiosk_id BIGINT NOT NULL REFERENCES kiosks(id),"
    "  state TEXT NOT NULL CHECK (state IN ('open','submitted','wiped')),"
    "  created_at BIGINT NOT NULL, last_activity_at BIGINT NOT NULL,"
    "  prev_hash TEXT NOT NULL DEFAULT '',"       /* SBI chain after the last accepted capture */
    "  steps TEXT NOT NULL DEFAULT '{}'"          /* JSON: step results, never image bytes */
    ");"
    "CREATE INDEX enrolment_sessions_idle ON enrolment_sessions(state, last_activity_at);"
    "CREATE TABLE enrolments ("
    "  id INTEGER PRIMARY KEY,"
    "  receipt TEXT NOT NULL UNIQUE,"             /* 12 digits, random, Luhn check digit */
    "  state TEXT NOT NULL CHECK (state IN ('pending','approved','returned')),"
    "  reason TEXT NOT NULL DEFAULT '',"          /* why returned */
    "  kiosk_id BIGINT NOT NULL REFERENCES kiosks(id),"
    "  created_at BIGINT NOT NULL, decided_at BIGINT,"
    "  file_name TEXT NOT NULL,"                  /* the encrypted transaction in enrolment_dir */
    "  surname TEXT NOT NULL, given_names TEXT NOT NULL,"
    "  surname_latin TEXT NOT NULL, given_latin TEXT NOT NULL,"
    "  birth_date TEXT NOT NULL, sex TEXT NOT NULL,"
    "  citizenship TEXT NOT NULL,"
    "  document_number TEXT NOT NULL, document_expiry TEXT NOT NULL"
    ");"
    "CREATE INDEX enrolments_queue ON enrolments(state, created_at);";

const migration_t migrate_sqlite_list[] = {
    {1, "initial schema", V1},
    {2, "regime over time", V2},
    {3, "appeals per lapse, landlord codes replaced", migrate_v3_sql},
    {4, "lapses recorded per due date", migrate_v4_sql},
    {5, "log-in counters, unverified documents", migrate_v5_auth_sql},

    {6, "enrolment kiosks", V6_KIOSK},
    {0, NULL, NULL},
};
