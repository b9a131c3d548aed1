#pragma once
/* Document sets in the database (docs/DOCSETS.md, "Intake API"; schema v10).
 *
 * A person creates a set for a procedure, adds pages (photos or PDF pages),
 * may remove pages while it is open, then submits it; the pages are read on
 * the SLOW lane (docset/reader) and, when every page is read, the check's
 * outcome is stored. A set belongs to one person: every person-side call
 * answers -ENOENT (not_found) for another person's set, exactly as for an
 * unknown id.
 *
 * The applicant category is never typed: docset_category_for derives it
 * from the person's record when the set is created.
 *
 * This module stores what it is given: page bytes and read values arrive
 * sealed (docset/seal.h); `quality` and `result` are JSON texts the caller
 * made without field values. Nothing here logs. */
#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "rules/date.h"
#include "store/officer.h"
#include "store/store.h"

#define DOCSET_WRAPPED_MAX 96           /* bytes of a wrapped data key (docset/seal.h: 76) */
#define DOCSET_QUALITY_BYTES 1024       /* a page's quality JSON */
#define DOCSET_RESULT_BYTES (48 * 1024) /* a set's result JSON */
#define DOCSET_QUEUE_MAX 50             /* desk queue rows per answer */
#define DOCSET_LIST_MAX 20              /* a person's own sets per answer */

/* The catalogue's applicant category for a person on `today`: "minor"
 * under 18 (Civil Code art. 21), else "eaeu" for a citizen of an EAEU
 * member state (the Treaty's legal status, art. 97 — a category of the
 * law, not of origin), else the person's entry regime ("visa" or
 * "visa_free"). NULL when the record cannot say (no valid birth date). */
const char *docset_category_for(
    const char *birth_date, const char *citizenship, const char *entry_regime, date_t today);

typedef struct docset_page_row {
    int n;
    int pdf_page; /* 0: a photo */
    char media_type[20];
    char state[12];                     /* queued reading read illegible unknown failed */
    char doc_type[40];                  /* "" until classified */
    char quality[DOCSET_QUALITY_BYTES]; /* JSON object text, "" until read */
} docset_page_row_t;

typedef struct docset_set_row {
    int64_t id;
    int64_t person_id;
    char procedure[24];
    char category[16];
    char state[12];                   /* open checking ready returned referred decided */
    int64_t created_at, submitted_at; /* 0 while open */
    char planned_decision[11];        /* "" when none given */
    int live_pages;
    int64_t live_bytes;
    char outcome[10]; /* "" until checked */
    int64_t checked_at;
    char decision[10]; /* "" | accepted | returned */
    int64_t decided_at;
    char language[8];                                 /* the person's, for messages */
    char decision_reason[4 * LIMIT_REASON_BYTES + 1]; /* the registrar's words, "" until decided */
} docset_set_row_t;

/* WRITE lane. A new open set for the person of the token. -EACCES
 * (unauthorized), -EEXIST "too_many_open_sets" (LIMIT_DOCSET_OPEN_SETS),
 * -EINVAL "category_unknown" (the record gives no category). The caller
 * checked the procedure against the catalogue and made the wrapped key. */
typedef struct docset_create_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    date_t today;
    char procedure[24];
    char planned_decision[11]; /* "" or YYYY-MM-DD */
    uint8_t wrapped[DOCSET_WRAPPED_MAX];
    size_t wrapped_len;
    docset_set_row_t ret;
} docset_create_op_t;
void docset_create_op_init(docset_create_op_t *o);

/* READ lane, one statement. The person's set with its pages (not removed,
 * in order) and the result JSON. -ENOENT (not_found) unless it is theirs;
 * -EACCES (unauthorized). */
typedef struct docset_get_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int64_t set_id;
    docset_set_row_t ret;
    int ret_n;
    docset_page_row_t ret_pages[LIMIT_DOCSET_PAGES];
    char ret_result[DOCSET_RESULT_BYTES]; /* "" until checked */
} docset_get_op_t;
void docset_get_op_init(docset_get_op_t *o);

/* READ lane, one statement. The person's own sets, newest first (at most
 * DOCSET_LIST_MAX), without pages or results. -EACCES (unauthorized). */
typedef struct docset_list_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int ret_n;
    docset_set_row_t ret[DOCSET_LIST_MAX];
} docset_list_op_t;
void docset_list_op_init(docset_list_op_t *o);

/* WRITE lane. Removes page n of an open set; the upload's bytes go with
 * the last of its pages. -ENOENT (not_found: no such set of theirs, or no
 * such page), -EEXIST "set_not_open". */
typedef struct docset_page_delete_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int64_t set_id;
    int n;
} docset_page_delete_op_t;
void docset_page_delete_op_init(docset_page_delete_op_t *o);

/* WRITE lane. open -> checking. -ENOENT, -EEXIST "set_not_open" or
 * "set_empty" (no page). Audited ("docset.submitted", set id only). */
typedef struct docset_submit_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int64_t set_id;
    docset_set_row_t ret;
} docset_submit_op_t;
void docset_submit_op_init(docset_submit_op_t *o);

/* ---- Inside the caller's write transaction (the SLOW lane's intake) ---- */

/* Reserves `pages` page numbers and `bytes` of the set for the person:
 * *ret_first is the first number; the wrapped key is copied out. -ENOENT
 * (not_found), -EEXIST "set_not_open", -E2BIG "too_many_pages" (more than
 * LIMIT_DOCSET_PAGES live pages) or "set_too_large" (LIMIT_DOCSET_SET_BYTES).
 * The row is locked (an UPDATE) until the transaction ends, so concurrent
 * uploads to one set are numbered one after the other. */
int docset_reserve_pages(db_t *db, int64_t person_id, int64_t set_id, int pages, int64_t bytes, int *ret_first,
    uint8_t *ret_wrapped, size_t *ret_wrapped_len, err_t *err);

/* Inserts page n (queued). data (sealed) only on the upload's row. */
int docset_insert_page(db_t *db, int64_t set_id, int n, int upload_n, int pdf_page, const char *media_type,
    int64_t bytes_len, const uint8_t *data, size_t data_len, int64_t now, err_t *err);

/* ---- The reader's steps (docset/reader), each in the caller's write
 * transaction on the SLOW lane's own connection ---- */

typedef struct docset_claim {
    int n, upload_n, pdf_page;
    char media_type[20];
    uint8_t *data; /* malloc'd copy of the sealed upload (caller frees) */
    size_t data_len;
    uint8_t wrapped[DOCSET_WRAPPED_MAX];
    size_t wrapped_len;
} docset_claim_t;

/* Takes the set's first queued page (queued -> reading, read_at = now) and
 * copies out its upload and the set's wrapped key. 1 claimed, 0 none
 * queued. A page 'reading' since before now - LIMIT_DOCSET_READING_LEASE_S
 * was left by a reader that died (a crash, a kill): it is queued again
 * first, so no page is lost. */
int docset_claim_page(db_t *db, int64_t set_id, int64_t now, docset_claim_t *ret, err_t *err);

/* Up to `cap` sets with work left: a page queued or left 'reading' past its
 * lease, or submitted ('checking') and not yet checked. The scheduler kicks
 * their readers after a restart (docset/reader.h). */
int docset_unfinished(db_t *db, int64_t now, int64_t *ret_ids, int cap, int *ret_n, err_t *err);

/* Stores a read page: state (read, illegible, unknown, failed), its type
 * ("" none), quality JSON and sealed fields (NULL none). A page removed
 * meanwhile stays removed. */
int docset_page_result(db_t *db, int64_t set_id, int n, const char *state, const char *doc_type, const char *quality,
    const uint8_t *fields, size_t fields_len, int64_t now, err_t *err);

typedef struct docset_read_page {
    int n;
    char state[12];
    char doc_type[40];
    uint8_t *fields; /* malloc'd sealed copy or NULL (caller frees) */
    size_t fields_len;
} docset_read_page_t;

/* A submitted set ready for its check: state "checking" and no page queued
 * or being read. 1 with the set, its wrapped key and pages (caller frees
 * each page's fields with docset_read_pages_free), 0 when not ready. */
int docset_for_check(db_t *db, int64_t set_id, docset_set_row_t *ret_set, uint8_t *ret_wrapped, size_t *ret_wrapped_len,
    docset_read_page_t *ret_pages, int *ret_n, err_t *err);
void docset_read_pages_free(docset_read_page_t *pages, int n);

/* checking -> outcome (ready, returned, referred) with the result JSON (no
 * field values) and the catalogue revision; audited "docset.checked" with
 * the outcome, and the person's notice "docset_<outcome>" queued (params:
 * the set id; once per set). 0 also when another reader stored it first
 * (then nothing more is written). */
int docset_save_outcome(
    db_t *db, int64_t set_id, const char *outcome, const char *result, int revision, int64_t now, err_t *err);

/* ---- The registrar's side (the desk) ---- */

#define DOCSET_QUEUE_RESULT_BYTES (8 * 1024)

typedef struct docset_queue_row {
    docset_set_row_t set;
    char result[DOCSET_QUEUE_RESULT_BYTES]; /* the check's JSON (rule ids, codes), "" if none or too long */
} docset_queue_row_t;

/* READ lane. Checked sets waiting for a registrar: `state` one of ready,
 * returned, referred, or "" for referred then ready; oldest submission
 * first. No name, number or citizenship in the rows. -EACCES, -EPERM
 * (forbidden) for an officer outside `roles`. */
typedef struct docset_queue_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    unsigned roles; /* who may: the desk ACL row (api/desk_acl.c) */
    int64_t now;
    char state[12];
    officer_ref_t ret_me; /* who asked, for the slide (api/desk_slide.h) */
    int ret_n;
    docset_queue_row_t ret[DOCSET_QUEUE_MAX];
} docset_queue_op_t;
void docset_queue_op_init(docset_queue_op_t *o);

/* WRITE lane. A registrar's decision on a checked set: "accepted" or
 * "returned", with a reason (kept in the row, not in the audit). Audited
 * "docset.decided" with the decision and the rule ids of the check's
 * findings only; the person's notice "docset_decision_accepted" or
 * "docset_decision_returned" queued (params: the set id). -ENOENT (not_found), -EEXIST "set_not_checked" (open or
 * still checking) or "set_decided", -EPERM. */
typedef struct docset_decide_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    unsigned roles; /* who may: the desk ACL row (api/desk_acl.c) */
    int64_t now;
    int64_t set_id;
    char decision[10];
    char reason[4 * LIMIT_REASON_BYTES + 1];
    docset_set_row_t ret;
} docset_decide_op_t;
void docset_decide_op_init(docset_decide_op_t *o);
