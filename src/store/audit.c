#include "store/audit.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t put_u64(uint8_t *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
    return 8;
}

static size_t put_str(uint8_t *b, const char *s, size_t n)
{
    size_t k = put_u64(b, n);
    memcpy(b + k, s, n);
    return k + n;
}

/* The hashed message is laid out in one buffer and hashed in one call: the
 * writer appends an event per state change, and many small updates cost
 * several times more than one. */
void audit_hash(const uint8_t prev[AUDIT_HASH_BYTES], int64_t seq, int64_t at, const char *actor, const char *action,
    const char *subject, const char *detail, uint8_t ret[AUDIT_HASH_BYTES])
{
    static const char tag[] = "uchet-audit-v1";
    const char *f[4] = {actor, action, subject, detail};
    size_t len[4], total = sizeof tag - 1 + AUDIT_HASH_BYTES + 16;
    for (int i = 0; i < 4; i++)
        total += 8 + (len[i] = strlen(f[i]));
    uint8_t stack[1024], *b = total <= sizeof stack ? stack : malloc(total);
    if (!b) { /* out of memory: stream instead of failing */
        crypto_hash_sha256_state h;
        crypto_hash_sha256_init(&h);
        crypto_hash_sha256_update(&h, (const uint8_t *)tag, sizeof tag - 1);
        crypto_hash_sha256_update(&h, prev, AUDIT_HASH_BYTES);
        uint8_t n[8];
        crypto_hash_sha256_update(&h, n, put_u64(n, (uint64_t)seq));
        crypto_hash_sha256_update(&h, n, put_u64(n, (uint64_t)at));
        for (int i = 0; i < 4; i++) {
            crypto_hash_sha256_update(&h, n, put_u64(n, len[i]));
            crypto_hash_sha256_update(&h, (const uint8_t *)f[i], len[i]);
        }
        crypto_hash_sha256_final(&h, ret);
        return;
    }
    size_t k = 0;
    memcpy(b, tag, sizeof tag - 1);
    k += sizeof tag - 1;
    memcpy(b + k, prev, AUDIT_HASH_BYTES);
    k += AUDIT_HASH_BYTES;
    k += put_u64(b + k, (uint64_t)seq);
    k += put_u64(b + k, (uint64_t)at);
    for (int i = 0; i < 4; i++)
        k += put_str(b + k, f[i], len[i]);
    crypto_hash_sha256(ret, b, k);
    if (b != stack)
        free(b);
}

static const char SQL_HEAD[] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
static const char SQL_INSERT[] = "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

/* The chain's last link: seq 0 and a zero hash when the log is empty. */
typedef struct audit_chain {
    int64_t seq;                    /* seq of the last event */
    uint8_t hash[AUDIT_HASH_BYTES]; /* its hash: the next event's prev_hash */
} audit_chain_t;
_Static_assert(sizeof(audit_chain_t) <= DB_MEMO_BYTES, "the chain head fits the connection's memo");

static int chain_head(db_t *db, audit_chain_t *ret, err_t *err)
{
    const audit_chain_t *memo = db_memo(db);
    if (memo) { /* this transaction appended it: no need to read it back */
        *ret = *memo;
        return 0;
    }
    db_stmt_t *st;
    int r = db_prepare(db, SQL_HEAD, &st, err);
    if (r < 0 || (r = db_step(st, err)) < 0)
        return r;
    audit_chain_t c = {0};
    if (r == 1) {
        size_t len;
        const void *p = db_col_blob(st, 1, &len);
        c.seq = db_col_int(st, 0);
        if (len == AUDIT_HASH_BYTES)
            memcpy(c.hash, p, len);
        db_run(st, NULL); /* only a statement not yet finished: stepping a finished one runs it again */
    }
    *ret = c;
    return 0;
}

int audit_append_text(
    db_t *db, int64_t at, const char *actor, const char *action, const char *subject, const char *detail, err_t *err)
{
    const char *d = detail ? detail : "{}";
    uint8_t hash[AUDIT_HASH_BYTES];
    audit_chain_t c;
    db_stmt_t *st;
    int r = chain_head(db, &c, err);
    if (r < 0 || (r = db_prepare(db, SQL_INSERT, &st, err)) < 0)
        return r;
    audit_hash(c.hash, c.seq + 1, at, actor, action, subject, d, hash);
    db_bind_int(st, 1, c.seq + 1);
    db_bind_int(st, 2, at);
    db_bind_text(st, 3, actor);
    db_bind_text(st, 4, action);
    db_bind_text(st, 5, subject);
    db_bind_text(st, 6, d);
    db_bind_blob(st, 7, c.hash, sizeof c.hash);
    db_bind_blob(st, 8, hash, sizeof hash);
    /* Deferred: nothing later depends on its answer, and when it fails the
     * whole transaction fails (and its memo with it). */
    if ((r = db_run_deferred(st, err)) < 0)
        return r;
    audit_chain_t *next = db_memo_set(db);
    next->seq = c.seq + 1;
    memcpy(next->hash, hash, sizeof hash);
    return 0;
}

int audit_append(
    db_t *db, int64_t at, const char *actor, const char *action, const char *subject, const json_t *detail, err_t *err)
{
    char *d = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (detail && !d)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = audit_append_text(db, at, actor, action, subject, d, err);
    free(d);
    return r;
}

static const char SQL_ALL[] = "SELECT " AUDIT_ROW_COLS " FROM audit ORDER BY seq";

/* True if the row's stored link and hash match what the chain says; the
 * row's AUDIT_ROW_COLS start at column c. */
static bool row_ok(
    db_stmt_t *st, int c, int64_t expect_seq, const uint8_t prev[AUDIT_HASH_BYTES], uint8_t ret_hash[AUDIT_HASH_BYTES])
{
    size_t plen, hlen;
    const void *p = db_col_blob(st, c + 6, &plen);
    const void *h = db_col_blob(st, c + 7, &hlen);
    int64_t seq = db_col_int(st, c);
    if (db_col_null(st, c) || seq != expect_seq || plen != AUDIT_HASH_BYTES || hlen != AUDIT_HASH_BYTES ||
        memcmp(p, prev, AUDIT_HASH_BYTES) != 0)
        return false;
    const char *actor = db_col_text(st, c + 2), *action = db_col_text(st, c + 3);
    const char *subject = db_col_text(st, c + 4), *detail = db_col_text(st, c + 5);
    audit_hash(prev, seq, db_col_int(st, c + 1), actor ? actor : "", action ? action : "", subject ? subject : "",
        detail ? detail : "", ret_hash);
    return memcmp(ret_hash, h, AUDIT_HASH_BYTES) == 0;
}

int audit_head(db_t *db, int64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_BYTES], err_t *err)
{
    audit_chain_t c;
    int r = chain_head(db, &c, err);
    if (r < 0)
        return r;
    *ret_seq = c.seq;
    memcpy(ret_hash, c.hash, AUDIT_HASH_BYTES);
    return 0;
}

static const char SQL_HASH_AT[] = "SELECT hash FROM audit WHERE seq = ?";

int audit_hash_at(db_t *db, int64_t seq, uint8_t ret[AUDIT_HASH_BYTES], bool *ret_found, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_HASH_AT, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, seq);
    if ((r = db_step(st, err)) < 0)
        return r;
    *ret_found = false;
    if (r == 1) {
        size_t len;
        const void *p = db_col_blob(st, 0, &len);
        if (len == AUDIT_HASH_BYTES) { /* another length cannot equal a signed hash: differs */
            memcpy(ret, p, len);
        } else {
            memset(ret, 0, AUDIT_HASH_BYTES);
        }
        *ret_found = true;
        db_run(st, NULL); /* finish it: stepping a finished statement runs it again */
    }
    return 0;
}

static const char SQL_HASHES_SQLITE[] = "SELECT seq, hash FROM audit WHERE seq IN (" AUDIT_SEQS_SQLITE ")";
static const char SQL_HASHES_PG[] = "SELECT seq, hash FROM audit WHERE seq IN (" AUDIT_SEQS_PG ")";

char *audit_seqs_json(const int64_t *seqs, int n)
{
    size_t cap = 3 + (size_t)n * 21; /* brackets, NUL; each number with its comma */
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t len = 1;
    s[0] = '[';
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%lld", i ? "," : "", (long long)seqs[i]);
    snprintf(s + len, cap - len, "]");
    return s;
}

int audit_hash_rows(db_stmt_t *st, int r, int c, const int64_t *seqs, int n, uint8_t (*hashes)[AUDIT_HASH_BYTES],
    bool *found, err_t *err)
{
    if (n > 0)
        memset(found, 0, (size_t)n * sizeof *found);
    for (; r == 1 && !db_col_null(st, c); r = db_step(st, err)) {
        int64_t seq = db_col_int(st, c);
        size_t len;
        const void *h = db_col_blob(st, c + 1, &len);
        for (int i = 0; i < n; i++) {
            if (seqs[i] != seq)
                continue;
            found[i] = true;
            /* another length cannot equal a signed hash: zeros differ */
            if (len == AUDIT_HASH_BYTES)
                memcpy(hashes[i], h, len);
            else
                memset(hashes[i], 0, AUDIT_HASH_BYTES);
        }
    }
    if (r == 1)
        db_run(st, NULL);
    return r < 0 ? r : 0;
}

int audit_hashes_at(db_t *db, const int64_t *seqs, int n, uint8_t (*hashes)[AUDIT_HASH_BYTES], bool *found, err_t *err)
{
    db_stmt_t *st;
    char *list = audit_seqs_json(seqs, n);
    if (!list)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = db_prepare(db, db_kind(db) == DB_POSTGRES ? SQL_HASHES_PG : SQL_HASHES_SQLITE, &st, err);
    if (r == 0 && (r = db_bind_text(st, 1, list)) == 0)
        r = audit_hash_rows(st, db_step(st, err), 0, seqs, n, hashes, found, err);
    free(list);
    return r;
}

static const char SQL_RANGE[] = "SELECT " AUDIT_ROW_COLS " FROM audit WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?";

int audit_verify_step(db_t *db, int64_t last, int64_t limit, audit_step_t *step, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RANGE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, step->next_seq);
    db_bind_int(st, 2, last);
    db_bind_int(st, 3, limit);
    return audit_verify_rows(st, db_step(st, err), 0, last, limit, step, err);
}

int audit_verify_rows(db_stmt_t *st, int r, int c, int64_t last, int64_t limit, audit_step_t *step, err_t *err)
{
    uint8_t next[AUDIT_HASH_BYTES];
    int64_t rows = 0;
    step->checked = step->broken = step->broken_at = 0;
    for (; r == 1 && !db_col_null(st, c); r = db_step(st, err)) {
        rows++;
        if (!row_ok(st, c, step->next_seq, step->prev, next)) {
            /* a row at another seq: the expected one is gone */
            bool here = db_col_int(st, c) == step->next_seq;
            step->broken = step->next_seq;
            step->broken_at = here ? db_col_int(st, c + 1) : 0;
            break;
        }
        memcpy(step->prev, next, sizeof next);
        step->last_at = db_col_int(st, c + 1);
        step->next_seq++;
        step->checked++;
    }
    if (r < 0)
        return r;
    if (r == 1)
        db_run(st, NULL);
    /* fewer rows than asked and not at `last` yet: the tail was removed */
    if (!step->broken && rows < limit && step->next_seq <= last)
        step->broken = step->next_seq;
    return 0;
}

int audit_verify(db_t *db, int64_t *ret_count, int64_t *ret_broken, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ALL, &st, err);
    if (r < 0)
        return r;
    uint8_t prev[AUDIT_HASH_BYTES] = {0}, next[AUDIT_HASH_BYTES];
    int64_t count = 0, broken = 0;
    while ((r = db_step(st, err)) == 1) {
        count++;
        if (!row_ok(st, 0, count, prev, next)) {
            broken = db_col_int(st, 0);
            break;
        }
        memcpy(prev, next, sizeof prev);
    }
    if (r < 0)
        return r;
    if (r == 1)
        db_run(st, NULL);
    *ret_count = count;
    *ret_broken = broken;
    return 0;
}
