#pragma once
/* Anchors of the audit chain outside the database (issue 12).
 *
 * The audit log's SHA-256 chain (store/audit.h) shows that events were
 * changed only to someone who does not recompute it; whoever holds the
 * database can rewrite events and recompute every later link. An anchor is
 * a checkpoint — (seq, hash of event seq, time) — signed with an Ed25519 key
 * kept in a file outside the database and appended to a file of checkpoints
 * outside it too (and logged). `uchetctl audit verify --key FILE` checks each
 * signature with the public key and that the chain still has that hash at
 * that seq: a rewrite, truncation or re-chaining before the last checkpoint
 * is detected by anyone who does not also hold the secret key.
 *
 * Files (text, one record a line):
 *   key FILE:      "uchet-audit-key v1" / "public <64 hex>" / "secret <128 hex>"
 *                  mode 0600; FILE.pub holds the first two lines only.
 *   FILE.checkpoints: "v1 <seq> <hash 64 hex> <unix time> <signature 128 hex>"
 *                  appended, mode 0600.
 * The signed message is "uchet-audit-checkpoint-v1" || seq || hash || time,
 * integers as 8 bytes big-endian. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/audit.h"
#include "store/db.h"

typedef struct anchor_key anchor_key_t;

typedef struct anchor_checkpoint {
    int64_t seq;                    /* the event the hash belongs to (>= 1) */
    uint8_t hash[AUDIT_HASH_BYTES]; /* that event's chain hash */
    int64_t at;                     /* unix time it was signed */
} anchor_checkpoint_t;

/* Writes a new key pair: `path` (secret, 0600, must not exist) and path.pub.
 * -EEXIST if path exists. */
int anchor_key_generate(const char *path, err_t *err);

/* Reads a key file: the secret file (can sign and verify) or a .pub file
 * (verify only). Caller owns *ret (anchor_key_free wipes it). */
int anchor_key_load(const char *path, anchor_key_t **ret, err_t *err);
void anchor_key_free(anchor_key_t *k); /* accepts NULL */
/* A copy of k's public half only (it verifies, it cannot sign): for a
 * reader that must not hold the secret. Caller owns *ret. */
int anchor_key_public(const anchor_key_t *k, anchor_key_t **ret, err_t *err);
bool anchor_key_can_sign(const anchor_key_t *k);

/* The checkpoint file that belongs to key file `key_path`: key_path with
 * ".checkpoints" (a ".pub" suffix dropped first). -ENAMETOOLONG if cap is short. */
int anchor_checkpoint_path(const char *key_path, char *buf, size_t cap);

/* Signs cp and appends its line to `path` (created 0600), then fsyncs.
 * -EPERM if k has no secret key. */
int anchor_append(const anchor_key_t *k, const char *path, const anchor_checkpoint_t *cp, err_t *err);

/* Why a checkpoint line does not vouch for the chain. */
typedef enum anchor_why {
    ANCHOR_OK = 0,
    ANCHOR_MALFORMED,     /* not a checkpoint line at all (or over-long) */
    ANCHOR_BAD_SIGNATURE, /* well-formed, but the key did not sign it: forged or altered */
    ANCHOR_CHAIN_DIFFERS, /* signed, but the chain has another hash at its event: rewritten */
    ANCHOR_CHAIN_ENDS,    /* signed, but the chain now ends before its event: truncated */
} anchor_why_t;

/* "malformed", "bad_signature", "chain_differs", "chain_ends_before"; "" for ANCHOR_OK. */
const char *anchor_why_name(anchor_why_t why);

/* The check of a checkpoint file against the chain, made in steps so that
 * the desk can show progress and hold no request long (issue 15); the CLI
 * runs the steps to the end. The one check of signed checkpoints: `uchetctl
 * audit verify --key` and the desk's verification both run it, after the
 * chain walk (store/audit.h) that makes the stored hashes worth comparing.
 * A plain value: the desk carries it from step to step in its cursor. */
typedef struct anchor_scan {
    int64_t offset;         /* in/out: byte offset of the next line (the file is only appended to) */
    int64_t lines;          /* in/out: lines read */
    int64_t good;           /* in/out: lines signed by the key */
    int64_t forged;         /* in/out: lines malformed or not signed by it */
    int64_t last_seq;       /* in/out: the highest event a good line names */
    int64_t contradicted;   /* in/out: the event of the first good line the chain disagrees with, or 0 */
    int64_t first_bad_line; /* in/out: 1-based line of the first bad line of either kind, or 0 */
    int64_t first_bad_seq;  /* in/out: the event it names (0 when it is malformed) */
    int64_t first_bad_why;  /* in/out: its anchor_why_t */
    bool done;              /* out: the end of the file was reached */
} anchor_scan_t;

/* Reads at most max_lines lines of `path` from s->offset, checks each
 * signature with k and, unless the chain is known broken at or before the
 * line's event (chain_broken > 0 and seq >= chain_broken), that the chain
 * still holds the signed hash there: the step's events are looked up in one
 * statement (audit_hashes_at, in db's transaction if any). A missing file
 * is -ENOENT (no_checkpoints); s is unchanged on any error. k and path
 * borrowed. */
#define ANCHOR_SCAN_LINES_MAX 4096
int anchor_scan_step(const anchor_key_t *k, const char *path, db_t *db, int64_t chain_broken, int64_t max_lines,
    anchor_scan_t *s, err_t *err);

/* How a step learns the chain's hashes at its events, when the caller
 * reads them with something else in the same statement (the desk: the
 * officer's session, store/auditview.c): fn fills found[i] and hashes[i]
 * for seqs[i], i < n, as audit_hashes_at does, and is called exactly once
 * a step, n possibly 0. */
typedef struct anchor_look {
    int (*fn)(void *ctx, const int64_t *seqs, int n, uint8_t (*hashes)[AUDIT_HASH_BYTES], bool *found, err_t *err);
    void *ctx; /* the caller's, borrowed */
} anchor_look_t;
int anchor_scan_step_with(const anchor_key_t *k, const char *path, const anchor_look_t *look, int64_t chain_broken,
    int64_t max_lines, anchor_scan_t *s, err_t *err);

/* Reads every line of `path`, checking each signature with k. Caller owns
 * *ret (free()); *ret_n good lines in file order; *ret_bad lines that do not
 * parse or whose signature is wrong (a forged or altered checkpoint). A
 * missing file is -ENOENT. */
int anchor_read(
    const anchor_key_t *k, const char *path, anchor_checkpoint_t **ret, size_t *ret_n, size_t *ret_bad, err_t *err);
