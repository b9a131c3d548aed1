#pragma once
/* The audit log (product rule 15): every state change and every officer read
 * is an event in a SHA-256 hash chain. Each event's hash covers the previous
 * event's hash and the event's own fields, so changing, removing or
 * reordering any event breaks every later link. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

#define AUDIT_HASH_BYTES 32

/* Pure: the hash of one event (length-prefixed fields, big-endian integers). */
void audit_hash(const uint8_t prev[AUDIT_HASH_BYTES], int64_t seq, int64_t at, const char *actor, const char *action,
    const char *subject, const char *detail, uint8_t ret[AUDIT_HASH_BYTES]);

/* Appends an event inside the caller's write transaction. `detail` (borrowed,
 * may be NULL) is serialised canonically (sorted keys, compact). The caller
 * guarantees it carries no coordinates, document numbers or secrets. */
int audit_append(
    db_t *db, int64_t at, const char *actor, const char *action, const char *subject, const json_t *detail, err_t *err);

/* Like audit_append with `detail` already serialised canonically (compact,
 * keys sorted), for hot paths that build it with snprintf. NULL means {}. */
int audit_append_text(
    db_t *db, int64_t at, const char *actor, const char *action, const char *subject, const char *detail, err_t *err);

/* Walks the whole chain. *ret_count = events checked; *ret_broken = seq of the
 * first event whose link or hash is wrong, or 0 if the chain is intact. */
int audit_verify(db_t *db, int64_t *ret_count, int64_t *ret_broken, err_t *err);

/* One step of a verification done in pieces (the desk's, issue 15), with
 * the same link and hash check as audit_verify. */
typedef struct audit_step {
    int64_t next_seq;               /* in: the first event to check; out: the one after the last good one */
    uint8_t prev[AUDIT_HASH_BYTES]; /* in: the hash event next_seq must link to; out: the last good hash */
    int64_t checked;                /* out: good events in this step */
    int64_t last_at;                /* out: the last good event's time (unchanged if none) */
    int64_t broken;                 /* out: the first event that is wrong or missing, or 0 */
    int64_t broken_at;              /* out: its time; 0 when it is missing */
} audit_step_t;

/* Checks at most `limit` events from step->next_seq on, none after `last`,
 * inside the caller's read transaction. A gap or a chain that ends before
 * `last` is a break at the first missing seq: a step never passes over an
 * event it did not check. */
int audit_verify_step(db_t *db, int64_t last, int64_t limit, audit_step_t *step, err_t *err);

/* The columns of an event as audit_verify_rows reads them, in order. */
#define AUDIT_ROW_COLS "seq, at, actor, action, subject, detail, prev_hash, hash"
/* audit_verify_step's check over the rows of a statement the caller made
 * and stepped once (r, db_step's answer: 1 a row, 0 none, <0 an error):
 * each row's AUDIT_ROW_COLS start at column c, the events in seq order,
 * from step->next_seq, at most `limit`, none after `last`. A row whose seq
 * is NULL ends the rows (a LEFT JOIN that found no event). Finishes the
 * statement. For a step read in one statement with something else
 * (store/auditview.c: the officer's session). */
int audit_verify_rows(db_stmt_t *st, int r, int c, int64_t last, int64_t limit, audit_step_t *step, err_t *err);

/* The chain's last link: its seq (0 when the log is empty) and hash (zeros
 * then). Inside the caller's transaction. */
int audit_head(db_t *db, int64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_BYTES], err_t *err);

/* The hash the chain holds at `seq` (*ret_found false when there is no
 * such event), for comparing with a signed checkpoint (store/anchor.h).
 * Only meaningful where the chain was verified (audit_verify/_step). */
int audit_hash_at(db_t *db, int64_t seq, uint8_t ret[AUDIT_HASH_BYTES], bool *ret_found, err_t *err);

/* The hashes the chain holds at a batch of events, in one statement: for
 * each i < n, found[i] and hashes[i] for seqs[i] (any order, repeats
 * allowed). Arrays borrowed, of n each. */
int audit_hashes_at(db_t *db, const int64_t *seqs, int n, uint8_t (*hashes)[AUDIT_HASH_BYTES], bool *found, err_t *err);

/* For a statement of the caller's that reads events by a list of seqs: the
 * list is one JSON array parameter, read as rows by AUDIT_SEQS_SQL(kind)'s
 * subquery (SQLite's json_each, PostgreSQL's json_array_elements_text). */
#define AUDIT_SEQS_SQLITE "SELECT value FROM json_each(?)"
#define AUDIT_SEQS_PG "SELECT value::bigint FROM json_array_elements_text(?::json)"
/* seqs as that JSON array; caller frees. NULL when out of memory. */
char *audit_seqs_json(const int64_t *seqs, int n);
/* Reads such a statement's rows (stepped once: r is db_step's answer), each
 * an event's seq at column c and its hash at c + 1 (a NULL seq ends them),
 * into found/hashes as audit_hashes_at; finishes the statement. */
int audit_hash_rows(db_stmt_t *st, int r, int c, const int64_t *seqs, int n, uint8_t (*hashes)[AUDIT_HASH_BYTES],
    bool *found, err_t *err);
