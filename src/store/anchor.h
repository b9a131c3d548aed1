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
bool anchor_key_can_sign(const anchor_key_t *k);

/* The checkpoint file that belongs to key file `key_path`: key_path with
 * ".checkpoints" (a ".pub" suffix dropped first). -ENAMETOOLONG if cap is short. */
int anchor_checkpoint_path(const char *key_path, char *buf, size_t cap);

/* Signs cp and appends its line to `path` (created 0600), then fsyncs.
 * -EPERM if k has no secret key. */
int anchor_append(const anchor_key_t *k, const char *path, const anchor_checkpoint_t *cp, err_t *err);

/* Reads every line of `path`, checking each signature with k. Caller owns
 * *ret (free()); *ret_n good lines in file order; *ret_bad lines that do not
 * parse or whose signature is wrong (a forged or altered checkpoint). A
 * missing file is -ENOENT. */
int anchor_read(
    const anchor_key_t *k, const char *path, anchor_checkpoint_t **ret, size_t *ret_n, size_t *ret_bad, err_t *err);
