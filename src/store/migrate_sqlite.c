/* SQLite schema. Times are BIGINT unix seconds (UTC); dates 'YYYY-MM-DD'
 * local to the region; booleans 0/1. Coordinates exist in exactly one place:
 * a residence's reference point (product rule 2). Confirmations keep only the
 * time and the result. */
#include "store/migrate.h"

static const char V1[] =
    "CREATE TABLE regions ("
    "  code TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  name_ru TEXT NOT NULL,"
    "  utc_offset_minutes INTEGER NOT NULL,"
    "  regime INTEGER NOT NULL,"                  /* 1 = the regime runs here */
    "  regime_starts_on TEXT,"                    /* before it: practice mode */
    "  centre_address TEXT NOT NULL DEFAULT '',"
    "  confirm_working_days INTEGER NOT NULL DEFAULT 3"
    ");"
    "CREATE TABLE persons ("
    "  id INTEGER PRIMARY KEY,"
    "  surname TEXT NOT NULL, given_names TEXT NOT NULL,"
    "  surname_cyr TEXT, given_names_cyr TEXT,"
    "  birth_date TEXT NOT NULL,"
    "  citizenship TEXT NOT NULL,"               /* ISO 3166 alpha-3; never a rule input */
    "  purpose TEXT NOT NULL, entry_regime TEXT NOT NULL,"
    "  language TEXT NOT NULL,"
    "  password_hash TEXT,"                       /* argon2id; NULL until activated */
    "  activation_hash BLOB UNIQUE,"             /* SHA-256 of the one-time code */
    "  activation_expires_at BIGINT,"
    "  created_at BIGINT NOT NULL"
    ");"
    "CREATE TABLE documents ("
    "  kind TEXT NOT NULL CHECK (kind IN ('card','passport')),"
    "  number TEXT NOT NULL,"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  PRIMARY KEY (kind, number)"
    ");"
    "CREATE INDEX documents_person ON documents(person_id);"
    "CREATE TABLE sessions ("
    "  token_hash BLOB PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  created_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX sessions_person ON sessions(person_id);"
    "CREATE TABLE registrations ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  region TEXT NOT NULL REFERENCES regions(code),"
    "  status TEXT NOT NULL CHECK (status IN ('active','ended')),"
    "  started_at BIGINT NOT NULL,"
    "  last_confirmed_on TEXT NOT NULL,"          /* local date of the last counted contact */
    "  mismatch_streak INTEGER NOT NULL DEFAULT 0,"
    "  ended_at BIGINT, end_reason TEXT"
    ");"
    "CREATE UNIQUE INDEX registrations_one_active ON registrations(person_id) WHERE status = 'active';"
    "CREATE INDEX registrations_person ON registrations(person_id, id);"
    "CREATE TABLE residences ("
    "  id INTEGER PRIMARY KEY,"
    "  registration_id INTEGER NOT NULL REFERENCES registrations(id),"
    "  settlement TEXT NOT NULL, street TEXT NOT NULL, house TEXT NOT NULL,"
    "  building TEXT, apartment TEXT, address_id TEXT,"
    "  ref_lat DOUBLE PRECISION NOT NULL, ref_lon DOUBLE PRECISION NOT NULL,"
    "  declared_at BIGINT NOT NULL,"
    "  replaced_at BIGINT,"                       /* NULL = current */
    "  host_confirmed_at BIGINT, host_name TEXT"
    ");"
    "CREATE INDEX residences_current ON residences(registration_id) WHERE replaced_at IS NULL;"
    "CREATE TABLE confirmations ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  registration_id INTEGER NOT NULL REFERENCES registrations(id),"
    "  idempotency_key TEXT NOT NULL,"
    "  received_at BIGINT NOT NULL,"
    "  result TEXT NOT NULL,"                     /* counted | too_inaccurate */
    "  at_residence INTEGER,"                     /* NULL when not counted */
    "  answer TEXT NOT NULL,"                     /* the JSON first returned, for retries */
    "  UNIQUE (person_id, idempotency_key)"
    ");"
    "CREATE INDEX confirmations_received ON confirmations(received_at);"
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at BIGINT NOT NULL,"
    "  actor TEXT NOT NULL,"                      /* person:ID, officer:ID, operator, system */
    "  action TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"                     /* canonical JSON, never coordinates */
    "  prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL"
    ");";

const migration_t migrate_sqlite_list[] = {
    {1, "initial schema", V1},
    {0, NULL, NULL},
};
