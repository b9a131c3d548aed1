#pragma once
/* Enrolment kiosks, their sessions and the enrolments they submit
 * (docs/ENROLMENT.md). Database rows only: the images of a session and the
 * submitted transactions are files encrypted with bio/vault; these tables
 * hold file names, typed details and step results, never image bytes.
 *
 * Every function here runs inside the caller's transaction and audits what
 * it changes with the kiosk as actor ("kiosk:<id>").
 *
 * Invariants: a kiosk key is stored only as its SHA-256; a session belongs
 * to exactly one kiosk and is visible to it alone; a receipt is 12 digits
 * (11 random, a Luhn check digit) and unique. */
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/secret.h"
#include "store/db.h"

#define KIOSK_NAME_MAX 64
#define KIOSK_SESSION_ID_CHARS 32 /* hex of 16 random bytes */
#define KIOSK_RECEIPT_CHARS 12
#define KIOSK_STEPS_MAX (64 * 1024) /* bytes of a session's step JSON */

typedef struct kiosk_session {
    char id[KIOSK_SESSION_ID_CHARS + 1];
    int64_t kiosk_id;
    char state[12]; /* open | submitted | wiped */
    int64_t created_at;
    int64_t last_activity_at;
    char prev_hash[65]; /* "" or 64 uppercase hex */
    char *steps;        /* JSON text; caller frees */
} kiosk_session_t;

/* The enrolment's typed details, as validated by the API. */
typedef struct kiosk_details {
    char surname[256], given_names[256];       /* original script, UTF-8 */
    char surname_latin[128], given_latin[128]; /* ICAO 9303: A-Z, space, - ' */
    char birth_date[11];                       /* YYYY-MM-DD */
    char sex[2];                               /* M F X */
    char citizenship[4];                       /* ICAO 9303 code */
    char doc_number[21];
    char doc_expiry[11]; /* YYYY-MM-DD */
    char language[4];    /* the kiosk language chosen; "" = ru */
} kiosk_details_t;

/* Resolves a kiosk key's hash. -EACCES (unauthorized) when unknown or
 * disabled. */
int kiosk_auth(db_t *db, const uint8_t key_hash[SECRET_HASH_BYTES], int64_t *ret_id, err_t *err);

/* Creates a kiosk; ret_key (SECRET_TOKEN_CHARS + 1) is shown once. Audited
 * as the operator. */
int kiosk_add(db_t *db, int64_t now, const char *name, int64_t *ret_id, char *ret_key, err_t *err);
/* Disables kiosk id at once. -ENOENT when unknown or already disabled. */
int kiosk_disable(db_t *db, int64_t now, int64_t id, err_t *err);
/* Calls fn for every kiosk, oldest first. */
int kiosk_list(db_t *db, void (*fn)(void *ctx, int64_t id, const char *name, int64_t created_at, int64_t disabled_at),
    void *ctx, err_t *err);

/* Opens a session for the kiosk; writes its new random id to ret_id. */
int kiosk_session_create(db_t *db, int64_t kiosk_id, int64_t now, char ret_id[KIOSK_SESSION_ID_CHARS + 1], err_t *err);
/* Loads session id of the kiosk whose key hashes to key_hash into *ret
 * (caller frees ret->steps), in one statement (no transaction needed);
 * *ret_idle: whether any open session had no step since idle_cutoff (set
 * whenever the key is known). -EACCES (unauthorized) when the key is
 * unknown or disabled, -ENOENT (session_not_found) when the kiosk has no
 * such session. */
int kiosk_session_load(db_t *db, const uint8_t key_hash[SECRET_HASH_BYTES], const char *id, int64_t idle_cutoff,
    kiosk_session_t *ret, bool *ret_idle, err_t *err);
/* Records a step: new chain value and step JSON, last activity = now;
 * audited as kiosk.step with the step's name. -ESTALE (session_changed) when
 * the chain value is no longer `expect_prev` (a concurrent capture). */
int kiosk_session_step(
    db_t *db, const kiosk_session_t *s, const char *expect_prev, const char *step, int64_t now, err_t *err);
/* Marks a session submitted or wiped (state), audited. */
int kiosk_session_end(db_t *db, const kiosk_session_t *s, const char *state, int64_t now, err_t *err);
/* Up to cap open sessions idle since before `cutoff`: ids to ret_ids. */
int kiosk_session_idle(
    db_t *db, int64_t cutoff, char (*ret_ids)[KIOSK_SESSION_ID_CHARS + 1], int cap, int *ret_n, err_t *err);
/* Marks one session wiped if it is still open and idle since before cutoff
 * (audited under its kiosk, action kiosk.session_wiped): 1; else a no-op: 0. */
int kiosk_session_wipe(db_t *db, const char *id, int64_t cutoff, int64_t now, err_t *err);

/* Pure: true when s is 12 digits with a valid Luhn check digit. */
bool kiosk_receipt_valid(const char *s, size_t len);
/* Creates the enrolment (state pending) with a fresh receipt. */
int kiosk_enrolment_add(db_t *db, int64_t kiosk_id, int64_t now, const kiosk_details_t *d, const char *file_name,
    char ret_receipt[KIOSK_RECEIPT_CHARS + 1], err_t *err);
/* The status of an enrolment by receipt and birth date (YYYY-MM-DD): state
 * and reason, in one statement (no transaction needed). -ENOENT
 * (enrolment_not_found) when either does not match. */
int kiosk_enrolment_status(db_t *db, const char *receipt, const char *birth_date, char ret_state[12], char *ret_reason,
    size_t reason_cap, int64_t *ret_created_at, err_t *err);

/* The kiosk receipt (GET /api/v1/kiosk/enrolments/{receipt}/receipt.pdf) is
 * printed only by the kiosk that submitted the enrolment, and only this long
 * after the submit: the receipt number is the applicant's, and a kiosk must
 * not become a way to look enrolments up. */
#define KIOSK_RECEIPT_TTL_S (10 * 60)
/* The submit time of enrolment `receipt` if the kiosk whose key hashes to
 * key_hash submitted it, in one statement (no transaction needed).
 * -EACCES (unauthorized) for an unknown or disabled key, -ENOENT
 * (enrolment_not_found) for another kiosk's or no enrolment. */
int kiosk_enrolment_submitted_at(
    db_t *db, const uint8_t key_hash[SECRET_HASH_BYTES], const char *receipt, int64_t *ret_at, err_t *err);
/* Keeps, with the enrolment just added, the kiosk language and what the
 * kiosk's checks found (findings: JSON text, the document check's answer and
 * each capture's results and exceptions, never image bytes) for the
 * registrar's review. */
int kiosk_enrolment_findings(db_t *db, const char *receipt, const char *language, const char *findings, err_t *err);
