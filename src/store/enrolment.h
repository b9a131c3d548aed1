#pragma once
/* The registrar's review of kiosk enrolments (docs/ENROLMENT.md, "Review").
 *
 * A pending enrolment is claimed by one registrar, who alone then sees its
 * images and decides: approve (a person is created with a passport and a
 * new card number; the activation letter is printed once, later) or return
 * with a reason the applicant reads on the status page.
 *
 * Every function runs inside the caller's transaction; what changes, and
 * every image view, is an audit event with actor "officer:<id>". */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "rules/card_number.h"
#include "store/db.h"
#include "store/kiosk.h"
#include "store/officer.h"

#define ENROLMENT_CLAIM_TTL_S (30 * 60) /* an untouched claim lapses: another registrar may take it */
#define ENROLMENT_QUEUE_MAX 200         /* rows per queue answer, oldest first */

typedef struct enrolment {
    int64_t id;
    char receipt[KIOSK_RECEIPT_CHARS + 1];
    char state[12]; /* pending | approved | returned */
    char reason[OFFICER_REASON_BYTES + 1];
    int64_t kiosk_id, created_at, decided_at; /* decided_at 0: not yet */
    int64_t claimed_by, claimed_at;           /* 0: not claimed */
    int64_t decided_by, person_id, letter_at; /* 0: none */
    char file_name[128];                      /* the encrypted transaction in enrolment_dir */
    char language[4];
    kiosk_details_t d;
    char *findings; /* JSON text; enrolment_get only; enrolment_clear frees */
} enrolment_t;

/* Frees e->findings and wipes e. */
void enrolment_clear(enrolment_t *e);

/* The desk's two reads, each one statement with the officer's session and
 * role checked in it (OFFICER_READ_SQL; issue 18): -EACCES (unauthorized)
 * or -EPERM (role_forbidden) as officer_session, and then nothing was read.
 * *ret_me is the officer who asked. Neither needs a read transaction. */

/* Up to cap enrolments in `state`, oldest first (findings left NULL). */
int enrolment_list(db_t *db, const officer_token_t *who, const char *state, enrolment_t *ret, int cap, int *ret_n,
    officer_ref_t *ret_me, err_t *err);

/* The enrolment of receipt for review, and its possible duplicates
 * appended to `dups` (a JSON array): persons and other enrolments (pending
 * or approved, at most 20, oldest first) with the same document number, or
 * the same Latin names and birth date. Entries {"kind": "person"|
 * "enrolment", "match": "document_number"|"names_birth_date", and for an
 * enrolment "receipt" and "state"}: a person is flagged, never shown.
 * -ENOENT (enrolment_not_found). The caller owns *ret on success
 * (enrolment_clear); on failure nothing is left to free. */
int enrolment_review(db_t *db, const officer_token_t *who, const char *receipt, enrolment_t *ret, json_t *dups,
    officer_ref_t *ret_me, err_t *err);

/* Enrolment by receipt, inside the caller's transaction. -ENOENT
 * (enrolment_not_found). */
int enrolment_get(db_t *db, const char *receipt, enrolment_t *ret, err_t *err);

/* Pure: 0 when e is pending and claimed by `me` within the claim's time;
 * else -EEXIST (enrolment_decided), -EBUSY (enrolment_claimed: by another
 * registrar), -EPERM (enrolment_not_claimed). */
int enrolment_claim_check(const enrolment_t *e, const officer_ref_t *me, int64_t now, err_t *err);
/* Claims e for `me` (or renews my claim). -EEXIST, -EBUSY as above. */
int enrolment_claim(db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now, err_t *err);
/* Audits one view of an image (kind: face, slap-left, ...). */
int enrolment_image_viewed(
    db_t *db, const enrolment_t *e, const officer_ref_t *me, const char *kind, int64_t now, err_t *err);

/* What approval creates besides the details. */
typedef struct enrolment_approval {
    const char *reason;                 /* "" = none */
    const char *purpose, *entry_regime; /* rules/policy values */
    int64_t ret_person_id;
    char ret_card[CARD_NUMBER_DIGITS + 1];
} enrolment_approval_t;

/* Approves e (claimed by me): creates the person (passport = the typed
 * document, a new card number; no usable activation code until the letter)
 * and marks e approved. -EEXIST (document_exists) when the passport is
 * already a person's. */
int enrolment_approve(
    db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now, enrolment_approval_t *a, err_t *err);
/* Returns e (claimed by me) with the reason the applicant will read. */
int enrolment_return(
    db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now, const char *reason, err_t *err);

/* The card number of e's person. -ENOENT when none. */
int enrolment_card(db_t *db, const enrolment_t *e, char ret[CARD_NUMBER_DIGITS + 1], err_t *err);
/* Marks the letter of approved e printed, once, and gives its person the
 * activation code whose hash is code_hash, valid until expires_at.
 * -EEXIST (letter_printed) the second time, or when the person has activated. */
int enrolment_letter_printed(db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now,
    const uint8_t code_hash[SECRET_HASH_BYTES], int64_t expires_at, err_t *err);
