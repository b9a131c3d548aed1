/* libFuzzer target for the reader of signed audit checkpoints
 * (store/anchor.c): the fuzzer's bytes are a .checkpoints file. The two
 * ways it is read must agree on every file: anchor_read (the whole file at
 * once, `uchetctl audit verify`) and anchor_scan_step (three lines a step,
 * resumed at its byte offset as the desk's cursor resumes it) count the
 * same lines signed and the same lines not, and the scan ends. The key is
 * fixed (seed 0x42..., so the seeds in tests/fuzz/corpus/fuzz_anchor/ hold
 * lines it signed); the chain is declared broken from event 1, so no line
 * is compared with a database, and audit_hashes_at below traps if called. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/anchor.h"

int audit_hashes_at(db_t *db, const int64_t *seqs, int n, uint8_t (*hashes)[AUDIT_HASH_BYTES], bool *found, err_t *err)
{
    (void)db, (void)seqs, (void)n, (void)hashes, (void)found, (void)err;
    __builtin_trap(); /* chain_broken = 1 must keep the scan off the chain */
}

static anchor_key_t *fixed_key(const char *path)
{
    uint8_t seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    char pkhex[2 * sizeof pk + 1], skhex[2 * sizeof sk + 1];
    memset(seed, 0x42, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_bin2hex(pkhex, sizeof pkhex, pk, sizeof pk);
    sodium_bin2hex(skhex, sizeof skhex, sk, sizeof sk);
    FILE *f = fopen(path, "we");
    if (!f)
        __builtin_trap();
    fprintf(f, "uchet-audit-key v1\npublic %s\nsecret %s\n", pkhex, skhex);
    fclose(f);
    anchor_key_t *k = NULL;
    err_t err;
    if (anchor_key_load(path, &k, &err) < 0)
        __builtin_trap();
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static anchor_key_t *k;
    static char path[64];
    if (!k) {
        char key[64];
        if (sodium_init() < 0)
            __builtin_trap();
        snprintf(key, sizeof key, "/tmp/fuzz_anchor.%d.key", (int)getpid());
        snprintf(path, sizeof path, "/tmp/fuzz_anchor.%d.checkpoints", (int)getpid());
        k = fixed_key(key);
        unlink(key);
    }
    FILE *f = fopen(path, "we");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        __builtin_trap();
    anchor_checkpoint_t *cps = NULL;
    size_t good = 0, bad = 0;
    err_t err;
    if (anchor_read(k, path, &cps, &good, &bad, &err) < 0)
        __builtin_trap();
    free(cps);
    anchor_scan_t s = {0};
    for (int steps = 0; !s.done; steps++) {
        if (steps > (int)size + 2 || anchor_scan_step(k, path, NULL, 1, 3, &s, &err) < 0)
            __builtin_trap(); /* every step reads a line or ends the scan */
    }
    if ((size_t)s.good != good || (size_t)s.forged != bad || (size_t)s.lines != good + bad)
        __builtin_trap();
    unlink(path);
    return 0;
}
