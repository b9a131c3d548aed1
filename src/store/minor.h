#pragma once
/* Minors (product rule 9): a registered person adds a child's registration,
 * linked to their own and at their residence. It has no deadline, never
 * lapses for lack of confirmations, ends when the guardian's ends, and on
 * the 18th birthday the sweep turns it into an ordinary registration. */
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "rules/date.h"
#include "store/store.h"

typedef struct minor_view {
    int64_t person_id;
    char surname[LIMIT_NAME_BYTES + 1], given_names[LIMIT_NAME_BYTES + 1];
    char birth_date[11], adult_on[11];
    char status[8]; /* "active" | "ended" */
    char end_reason[24];
} minor_view_t;

#define MINOR_LIST_MAX 20

/* WRITE lane. -ENOENT (no_active_registration) when the guardian has none,
 * -EPERM (not_a_minor) for a person 18 or older today, -EEXIST
 * (document_exists) when the child's document is already known. */
typedef struct minor_add_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    date_t today;
    char surname[LIMIT_NAME_BYTES + 1], given_names[LIMIT_NAME_BYTES + 1];
    char birth_date[11];
    char citizenship[4];
    char doc_number[LIMIT_DOCNUM_BYTES + 1]; /* the child's passport, "" if none */
    minor_view_t ret;
} minor_add_op_t;
void minor_add_op_init(minor_add_op_t *o);

/* READ lane: the minors linked to the person's registrations. */
typedef struct minor_list_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int ret_n;
    minor_view_t ret[MINOR_LIST_MAX];
} minor_list_op_t;
void minor_list_op_init(minor_list_op_t *o);
