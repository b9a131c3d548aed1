/* Signed checkpoints of the audit chain, kept outside the database. */
#include "store/anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/parse.h"

struct anchor_key {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    bool has_secret;
};

static const char KEY_MAGIC[] = "uchet-audit-key v1";
static const char SIG_TAG[] = "uchet-audit-checkpoint-v1";

/* Longest checkpoint line: "v1 " + 19 + 1 + 64 + 1 + 19 + 1 + 128 + "\n". */
#define LINE_MAX_BYTES 256

static int write_file(const char *path, int mode, const char *text, err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return err_set(err, -errno, errno == EEXIST ? "key_exists" : "key_write_failed", "Cannot create %s: %s.", path,
            strerror(errno));
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int r = (w == (ssize_t)len && fsync(fd) == 0) ? 0 : -EIO;
    close(fd);
    if (r < 0) {
        unlink(path);
        return err_set(err, r, "key_write_failed", "Cannot write %s.", path);
    }
    return 0;
}

int anchor_key_generate(const char *path, err_t *err)
{
    anchor_key_t k;
    char pkhex[2 * sizeof k.pk + 1], skhex[2 * sizeof k.sk + 1], text[512], pub[1024];
    if (snprintf(pub, sizeof pub, "%s.pub", path) >= (int)sizeof pub)
        return err_set(err, -ENAMETOOLONG, "bad_path", "The key path is too long.");
    crypto_sign_keypair(k.pk, k.sk);
    sodium_bin2hex(pkhex, sizeof pkhex, k.pk, sizeof k.pk);
    sodium_bin2hex(skhex, sizeof skhex, k.sk, sizeof k.sk);
    snprintf(text, sizeof text, "%s\npublic %s\nsecret %s\n", KEY_MAGIC, pkhex, skhex);
    int r = write_file(path, 0600, text, err);
    sodium_memzero(text, sizeof text);
    sodium_memzero(skhex, sizeof skhex);
    sodium_memzero(&k, sizeof k);
    if (r < 0)
        return r;
    snprintf(text, sizeof text, "%s\npublic %s\n", KEY_MAGIC, pkhex);
    unlink(pub); /* a stale public half of an older key */
    if ((r = write_file(pub, 0644, text, err)) < 0)
        unlink(path);
    return r;
}

/* Parses "<word> <hex>" into out (exactly `len` bytes). */
static bool hex_field(const char *line, const char *word, uint8_t *out, size_t len)
{
    size_t wl = strlen(word), bin = 0;
    if (strncmp(line, word, wl) != 0 || line[wl] != ' ')
        return false;
    const char *hex = line + wl + 1;
    size_t hl = strcspn(hex, "\r\n");
    return hl == 2 * len && sodium_hex2bin(out, len, hex, hl, NULL, &bin, NULL) == 0 && bin == len;
}

int anchor_key_load(const char *path, anchor_key_t **ret, err_t *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return err_set(err, -errno, "key_missing", "Cannot read the audit key %s: %s.", path, strerror(errno));
    anchor_key_t *k = sodium_malloc(sizeof *k);
    if (!k) {
        fclose(f);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    memset(k, 0, sizeof *k);
    char line[512];
    bool magic = false, pub = false;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, KEY_MAGIC, sizeof KEY_MAGIC - 1))
            magic = true;
        else if (hex_field(line, "public", k->pk, sizeof k->pk))
            pub = true;
        else if (hex_field(line, "secret", k->sk, sizeof k->sk))
            k->has_secret = true;
    }
    sodium_memzero(line, sizeof line);
    fclose(f);
    /* The secret key's second half is its public key: the two must agree. */
    if (!magic || !pub || (k->has_secret && memcmp(k->sk + 32, k->pk, sizeof k->pk) != 0)) {
        anchor_key_free(k);
        return err_set(err, -EINVAL, "bad_key", "%s is not an audit key (see `uchetctl keys audit-init`).", path);
    }
    *ret = k;
    return 0;
}

void anchor_key_free(anchor_key_t *k)
{
    if (k)
        sodium_free(k); /* wipes */
}

int anchor_key_public(const anchor_key_t *k, anchor_key_t **ret, err_t *err)
{
    anchor_key_t *p = sodium_malloc(sizeof *p);
    if (!p)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    memset(p, 0, sizeof *p);
    memcpy(p->pk, k->pk, sizeof p->pk);
    *ret = p;
    return 0;
}

bool anchor_key_can_sign(const anchor_key_t *k)
{
    return k && k->has_secret;
}

int anchor_checkpoint_path(const char *key_path, char *buf, size_t cap)
{
    size_t n = strlen(key_path);
    if (n > 4 && !strcmp(key_path + n - 4, ".pub"))
        n -= 4;
    if (snprintf(buf, cap, "%.*s.checkpoints", (int)n, key_path) >= (int)cap)
        return -ENAMETOOLONG;
    return 0;
}

static void put_u64(uint8_t *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

/* The signed message of a checkpoint. */
static size_t message(const anchor_checkpoint_t *cp, uint8_t *m)
{
    size_t k = sizeof SIG_TAG - 1;
    memcpy(m, SIG_TAG, k);
    put_u64(m + k, (uint64_t)cp->seq);
    k += 8;
    memcpy(m + k, cp->hash, AUDIT_HASH_BYTES);
    k += AUDIT_HASH_BYTES;
    put_u64(m + k, (uint64_t)cp->at);
    return k + 8;
}

#define MSG_BYTES (sizeof SIG_TAG - 1 + 8 + AUDIT_HASH_BYTES + 8)

int anchor_append(const anchor_key_t *k, const char *path, const anchor_checkpoint_t *cp, err_t *err)
{
    if (!anchor_key_can_sign(k))
        return err_set(err, -EPERM, "key_public_only", "This key file holds no secret key; it cannot sign.");
    uint8_t m[MSG_BYTES], sig[crypto_sign_BYTES];
    size_t mlen = message(cp, m);
    crypto_sign_detached(sig, NULL, m, mlen, k->sk);
    char hhex[2 * AUDIT_HASH_BYTES + 1], shex[2 * crypto_sign_BYTES + 1], line[LINE_MAX_BYTES];
    sodium_bin2hex(hhex, sizeof hhex, cp->hash, AUDIT_HASH_BYTES);
    sodium_bin2hex(shex, sizeof shex, sig, sizeof sig);
    int n = snprintf(line, sizeof line, "v1 %lld %s %lld %s\n", (long long)cp->seq, hhex, (long long)cp->at, shex);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return err_set(err, -errno, "checkpoint_failed", "Cannot open %s: %s.", path, strerror(errno));
    ssize_t w = write(fd, line, (size_t)n);
    int r = (w == n && fsync(fd) == 0) ? 0 : -EIO;
    close(fd);
    return r < 0 ? err_set(err, r, "checkpoint_failed", "Cannot append to %s.", path) : 0;
}

/* Parses and checks one line: ANCHOR_OK with *ret filled, ANCHOR_MALFORMED
 * or ANCHOR_BAD_SIGNATURE (then ret->seq holds the seq the line names). */
static anchor_why_t parse_line(const anchor_key_t *k, const char *line, anchor_checkpoint_t *ret)
{
    char buf[LINE_MAX_BYTES];
    size_t n = strcspn(line, "\r\n");
    if (n >= sizeof buf)
        return ANCHOR_MALFORMED;
    memcpy(buf, line, n);
    buf[n] = '\0';
    const char *f[5];
    size_t fl[5], nf = 0;
    for (char *p = buf; *p && nf < 5;) {
        f[nf] = p;
        fl[nf] = strcspn(p, " ");
        p += fl[nf];
        nf++;
        if (*p == ' ')
            p++;
        else if (*p)
            return ANCHOR_MALFORMED;
    }
    uint64_t seq, at;
    uint8_t sig[crypto_sign_BYTES];
    size_t bin;
    anchor_checkpoint_t cp;
    if (nf != 5 || fl[0] != 2 || memcmp(f[0], "v1", 2) != 0 || parse_u64(f[1], fl[1], 1, INT64_MAX, &seq) < 0 ||
        parse_u64(f[3], fl[3], 0, INT64_MAX, &at) < 0 || fl[2] != 2 * AUDIT_HASH_BYTES ||
        fl[4] != 2 * crypto_sign_BYTES || sodium_hex2bin(cp.hash, sizeof cp.hash, f[2], fl[2], NULL, &bin, NULL) != 0 ||
        bin != sizeof cp.hash || sodium_hex2bin(sig, sizeof sig, f[4], fl[4], NULL, &bin, NULL) != 0 ||
        bin != sizeof sig)
        return ANCHOR_MALFORMED;
    cp.seq = (int64_t)seq;
    cp.at = (int64_t)at;
    ret->seq = cp.seq;
    uint8_t m[MSG_BYTES];
    size_t mlen = message(&cp, m);
    if (crypto_sign_verify_detached(sig, m, mlen, k->pk) != 0)
        return ANCHOR_BAD_SIGNATURE;
    *ret = cp;
    return ANCHOR_OK;
}

/* Reads the next line into `line` (cap LINE_MAX_BYTES + 2); an over-long
 * line is skipped to its end and comes back as "" (malformed). False at
 * the end of the file. */
static bool next_line(FILE *f, char *line, size_t cap)
{
    if (!fgets(line, (int)cap, f))
        return false;
    if (!strchr(line, '\n') && !feof(f)) {
        int c;
        while ((c = fgetc(f)) != EOF && c != '\n')
            ;
        line[0] = '\0';
    }
    return true;
}

static int open_checkpoints(const char *path, FILE **ret, err_t *err)
{
    *ret = fopen(path, "re");
    if (!*ret)
        return err_set(err, -errno, errno == ENOENT ? "no_checkpoints" : "checkpoint_failed",
            "Cannot read the checkpoints %s: %s.", path, strerror(errno));
    return 0;
}

int anchor_read(
    const anchor_key_t *k, const char *path, anchor_checkpoint_t **ret, size_t *ret_n, size_t *ret_bad, err_t *err)
{
    FILE *f;
    int r = open_checkpoints(path, &f, err);
    if (r < 0)
        return r;
    anchor_checkpoint_t *cps = NULL;
    size_t n = 0, cap = 0, bad = 0;
    char line[LINE_MAX_BYTES + 2];
    while (next_line(f, line, sizeof line)) {
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            anchor_checkpoint_t *g = realloc(cps, nc * sizeof *g);
            if (!g) {
                r = err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
                break;
            }
            cps = g;
            cap = nc;
        }
        if (parse_line(k, line, &cps[n]) == ANCHOR_OK)
            n++;
        else
            bad++;
    }
    fclose(f);
    if (r < 0) {
        free(cps);
        return r;
    }
    *ret = cps;
    *ret_n = n;
    *ret_bad = bad;
    return 0;
}

const char *anchor_why_name(anchor_why_t why)
{
    switch (why) {
        case ANCHOR_MALFORMED: return "malformed";
        case ANCHOR_BAD_SIGNATURE: return "bad_signature";
        case ANCHOR_CHAIN_DIFFERS: return "chain_differs";
        case ANCHOR_CHAIN_ENDS: return "chain_ends_before";
        default: return "";
    }
}

static void note_bad(anchor_scan_t *s, const anchor_checkpoint_t *cp, anchor_why_t why)
{
    if (why == ANCHOR_MALFORMED || why == ANCHOR_BAD_SIGNATURE)
        s->forged++;
    else if (!s->contradicted)
        s->contradicted = cp->seq;
    if (!s->first_bad_line) {
        s->first_bad_line = s->lines;
        s->first_bad_seq = why == ANCHOR_MALFORMED ? 0 : cp->seq;
        s->first_bad_why = why;
    }
}

/* A step's lines, read before the chain is asked about any of them. */
typedef struct scan_batch {
    int n, asked;                        /* lines read; of them, lines whose event the chain is asked for */
    int64_t offset;                      /* the byte after the last line read */
    anchor_checkpoint_t *cp;             /* [n] */
    anchor_why_t *why;                   /* [n]: the line's own verdict (signature) */
    int *ask;                            /* [n]: its index in seqs, or -1 */
    int64_t *seqs;                       /* [asked] */
    uint8_t (*hashes)[AUDIT_HASH_BYTES]; /* [asked], from the look-up */
    bool *found;                         /* [asked] */
} scan_batch_t;

static void batch_free(scan_batch_t *b)
{
    free(b->cp);
    free(b->why);
    free(b->ask);
    free(b->seqs);
    free(b->hashes);
    free(b->found);
}

static int batch_alloc(scan_batch_t *b, int64_t max_lines, err_t *err)
{
    size_t m = (size_t)max_lines;
    *b = (scan_batch_t){.cp = calloc(m, sizeof *b->cp),
        .why = calloc(m, sizeof *b->why),
        .ask = calloc(m, sizeof *b->ask),
        .seqs = calloc(m, sizeof *b->seqs),
        .hashes = calloc(m, sizeof *b->hashes),
        .found = calloc(m, sizeof *b->found)};
    if (b->cp && b->why && b->ask && b->seqs && b->hashes && b->found)
        return 0;
    batch_free(b);
    return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
}

/* Reads up to max_lines lines from s->offset; the good ones before the
 * chain's break are to be asked about. */
static int batch_read(const anchor_key_t *k, const char *path, int64_t chain_broken, const anchor_scan_t *s,
    scan_batch_t *b, int64_t max_lines, err_t *err)
{
    FILE *f;
    int r = open_checkpoints(path, &f, err);
    if (r < 0)
        return r;
    if (fseeko(f, (off_t)s->offset, SEEK_SET) != 0) {
        fclose(f);
        return err_set(err, -EIO, "checkpoint_failed", "Cannot read the checkpoints %s.", path);
    }
    char line[LINE_MAX_BYTES + 2];
    b->offset = s->offset;
    while (b->n < max_lines && next_line(f, line, sizeof line)) {
        int i = b->n++;
        b->offset = (int64_t)ftello(f);
        b->why[i] = parse_line(k, line, &b->cp[i]);
        b->ask[i] = -1;
        if (b->why[i] == ANCHOR_OK && (!chain_broken || b->cp[i].seq < chain_broken)) {
            b->ask[i] = b->asked;
            b->seqs[b->asked++] = b->cp[i].seq;
        }
    }
    fclose(f);
    return 0;
}

/* The lines' verdicts into the scan, in file order (first bad line). */
static void batch_apply(const scan_batch_t *b, anchor_scan_t *s, int64_t max_lines)
{
    for (int i = 0; i < b->n; i++) {
        s->lines++;
        anchor_why_t why = b->why[i];
        const anchor_checkpoint_t *cp = &b->cp[i];
        if (why == ANCHOR_OK) {
            s->good++;
            if (cp->seq > s->last_seq)
                s->last_seq = cp->seq;
        }
        int a = b->ask[i];
        if (a >= 0)
            why = !b->found[a]                                       ? ANCHOR_CHAIN_ENDS
                  : memcmp(b->hashes[a], cp->hash, AUDIT_HASH_BYTES) ? ANCHOR_CHAIN_DIFFERS
                                                                     : ANCHOR_OK;
        if (why != ANCHOR_OK)
            note_bad(s, cp, why);
    }
    s->offset = b->offset;
    s->done = b->n < max_lines;
}

static int look_in_db(
    void *db, const int64_t *seqs, int n, uint8_t (*hashes)[AUDIT_HASH_BYTES], bool *found, err_t *err)
{
    return n ? audit_hashes_at(db, seqs, n, hashes, found, err) : 0;
}

int anchor_scan_step_with(const anchor_key_t *k, const char *path, const anchor_look_t *look, int64_t chain_broken,
    int64_t max_lines, anchor_scan_t *s, err_t *err)
{
    if (max_lines < 1 || max_lines > ANCHOR_SCAN_LINES_MAX)
        max_lines = ANCHOR_SCAN_LINES_MAX;
    scan_batch_t b;
    int r = batch_alloc(&b, max_lines, err);
    if (r < 0)
        return r;
    if ((r = batch_read(k, path, chain_broken, s, &b, max_lines, err)) == 0 &&
        (r = look->fn(look->ctx, b.seqs, b.asked, b.hashes, b.found, err)) == 0)
        batch_apply(&b, s, max_lines);
    batch_free(&b);
    return r;
}

int anchor_scan_step(const anchor_key_t *k, const char *path, db_t *db, int64_t chain_broken, int64_t max_lines,
    anchor_scan_t *s, err_t *err)
{
    const anchor_look_t look = {look_in_db, db};
    return anchor_scan_step_with(k, path, &look, chain_broken, max_lines, s, err);
}
