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

/* Version 2: the regime over time (product rules 5, 6, 8-14, 16): stored
 * deadlines so the daily sweep costs O(registrations due), notices with a
 * push outbox, push subscriptions, officers and their sessions, appeals,
 * integration API keys, landlord codes, officer reads, sweep bookkeeping. */
static const char V2[] =    "ALTER TABLE registrations ADD COLUMN due_date TEXT;"               /* rule 4, kept current; NULL for minors */
    "ALTER TABLE registrations ADD COLUMN guardian_registration_id INTEGER REFERENCES registrations(id);"
    "CREATE INDEX registrations_due ON registrations(region, due_date) WHERE status = 'active' AND due_date IS NOT NULL;"
    "CREATE INDEX registrations_guardian ON registrations(guardian_registration_id) WHERE status = 'active'"
    "  AND guardian_registration_id IS NOT NULL;"
    "CREATE INDEX registrations_no_due ON registrations(id) WHERE status = 'active' AND due_date IS NULL"
    "  AND guardian_registration_id IS NULL;"
    "ALTER TABLE persons ADD COLUMN adult_on TEXT;"                     /* 18th birthday (rule 9) */
    "CREATE INDEX persons_adult_on ON persons(adult_on);"
    "CREATE TABLE notices ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  kind TEXT NOT NULL,"
    "  dedupe_key TEXT NOT NULL UNIQUE,"          /* makes queuing idempotent */
    "  params TEXT NOT NULL,"                     /* JSON for the text's placeholders */
    "  created_at BIGINT NOT NULL,"
    "  read_at BIGINT,"
    "  push_state TEXT NOT NULL DEFAULT 'pending',"  /* pending | sent | none | failed */
    "  push_attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_push_at BIGINT NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX notices_person ON notices(person_id, id);"
    "CREATE INDEX notices_push ON notices(next_push_at) WHERE push_state = 'pending';"
    "CREATE TABLE push_subscriptions ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  endpoint TEXT NOT NULL UNIQUE,"
    "  p256dh BLOB NOT NULL, auth BLOB NOT NULL,"
    "  created_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX push_subscriptions_person ON push_subscriptions(person_id);"
    "CREATE TABLE officers ("
    "  id INTEGER PRIMARY KEY,"
    "  login TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('registrar','inspector','auditor')),"
    "  password_hash TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL"
    ");"
    "CREATE TABLE officer_sessions ("
    "  token_hash BLOB PRIMARY KEY,"
    "  officer_id INTEGER NOT NULL REFERENCES officers(id),"
    "  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL"
    ");"
    "CREATE TABLE appeals ("
    "  id INTEGER PRIMARY KEY,"
    "  registration_id INTEGER NOT NULL REFERENCES registrations(id),"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  reason TEXT NOT NULL,"
    "  filed_at BIGINT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','granted','refused')),"
    "  decided_at BIGINT, officer_id INTEGER REFERENCES officers(id), decision_reason TEXT"
    ");"
    "CREATE UNIQUE INDEX appeals_one_per_registration ON appeals(registration_id);"
    "CREATE INDEX appeals_pending ON appeals(filed_at) WHERE status = 'pending';"
    "CREATE TABLE api_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  key_hash BLOB NOT NULL UNIQUE,"
    "  created_at BIGINT NOT NULL, revoked_at BIGINT"
    ");"
    "CREATE TABLE host_codes ("
    "  code_hash BLOB PRIMARY KEY,"
    "  residence_id INTEGER NOT NULL REFERENCES residences(id),"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT"
    ");"
    "CREATE TABLE officer_reads ("                /* rule 14: every officer look, shown to the person */
    "  id INTEGER PRIMARY KEY,"
    "  officer_id INTEGER NOT NULL REFERENCES officers(id),"
    "  person_id INTEGER NOT NULL REFERENCES persons(id),"
    "  reason TEXT NOT NULL,"
    "  at BIGINT NOT NULL"
    ");"
    "CREATE INDEX officer_reads_person ON officer_reads(person_id, id);"
    "CREATE TABLE sweep_runs ("
    "  region TEXT NOT NULL, day TEXT NOT NULL,"
    "  started_at BIGINT NOT NULL, finished_at BIGINT,"
    "  lapsed INTEGER, reminded INTEGER, matured INTEGER, deleted INTEGER,"
    "  PRIMARY KEY (region, day)"
    ");";

/* Version 5: enrolment kiosks (docs/ENROLMENT.md). No image byte is ever in
 * these tables: captures live encrypted in files (store/kiosk.h). */
static const char V5_KIOSK[] =
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
    {5, "enrolment kiosks", V5_KIOSK},
    {0, NULL, NULL},
};
