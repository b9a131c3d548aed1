#pragma once
/* Persons, their identity documents and activation (operator creates the
 * person; the person sets a password with the one-time activation code). */
#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "rules/card_number.h"
#include "store/store.h"

typedef struct person_view {
    int64_t id;
    char surname[LIMIT_NAME_BYTES + 1], given_names[LIMIT_NAME_BYTES + 1];
    char surname_cyr[LIMIT_NAME_BYTES + 1], given_names_cyr[LIMIT_NAME_BYTES + 1];
    char birth_date[11]; /* YYYY-MM-DD */
    char citizenship[4]; /* ISO 3166 alpha-3 */
    char purpose[16], entry_regime[16], language[8];
} person_view_t;

/* Operator: create a person with one document and an activation code hash.
 * WRITE lane. -EEXIST (document_exists) if the document is already known. */
typedef struct person_add_op {
    store_op_t op;
    int64_t now;
    person_view_t in;  /* id ignored */
    char doc_kind[10]; /* "card" | "passport" */
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char second_doc_kind[10]; /* optional second document, "" if none */
    char second_doc_number[LIMIT_DOCNUM_BYTES + 1];
    uint8_t code_hash[SECRET_HASH_BYTES];
    int64_t ret_id;
} person_add_op_t;
void person_add_op_init(person_add_op_t *o);

/* True for one of the 15 languages uchet speaks (product: the kiosk's 13
 * plus Armenian and Azerbaijani): ru uk tg uz ro en fr de ky kk zh tr ka hy az. */
bool person_language_known(const char *lang);
/* True for the shape of an ISO 3166 alpha-3 code ("TJK"). */
bool person_citizenship_valid(const char *code);

/* The person holding a document. -ENOENT (unknown_document) if nobody. */
int person_by_document(db_t *db, const char *kind, const char *number, int64_t *ret_id, err_t *err);
/* Reads a person by id (inside any transaction). -ENOENT if none. */
int person_get(db_t *db, int64_t id, person_view_t *ret, err_t *err);

/* Person: change the preferred language. WRITE lane. */
typedef struct person_language_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char language[8];
} person_language_op_t;
void person_language_op_init(person_language_op_t *o);

/* A new card number (issue 12): CARD_NUMBER_DIGITS - 1 random digits and a
 * Luhn check digit (rules/card_number.h), never the next of a sequence. The
 * caller retries on document_exists. */
void person_card_number_new(char ret[CARD_NUMBER_DIGITS + 1]);

/* WRITE lane (uchetctl; a registrar who has seen the document). Marks a
 * document verified (issue 12: a guardian's word is not a checked
 * passport). Audited as the operator. -ENOENT (unknown_document). */
typedef struct person_verify_doc_op {
    store_op_t op;
    int64_t now;
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
} person_verify_doc_op_t;
void person_verify_doc_op_init(person_verify_doc_op_t *o);
