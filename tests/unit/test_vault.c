/* Tests for bio/vault: files encrypted with secretstream round-trip at every
 * chunk boundary; a flipped byte, a cut, a dropped or swapped chunk, a wrong
 * magic and a file under an unknown key all fail; key files: init refuses to
 * overwrite, malformed files are refused, a new current key keeps the old
 * ones readable; files are created 0600. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "bio/vault.h"

static char dir[] = "/tmp/test_vault_XXXXXX";
static char keyfile[128];

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0 || !mkdtemp(dir))
        return -1;
    snprintf(keyfile, sizeof keyfile, "%s/enrolment.key", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static uint8_t *file_bytes(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *ret_len = (size_t)n;
    return b;
}

static void put_bytes(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static void test_roundtrip_at_chunk_boundaries(void **state)
{
    (void)state;
    vault_keys_t k = {0};
    err_t e = {0};
    unlink(keyfile);
    assert_int_equal(vault_keys_init(keyfile, &e), 0);
    struct stat sb;
    assert_int_equal(stat(keyfile, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(vault_keys_load(keyfile, &k, &e), 0);
    const size_t sizes[] = {0, 1, VAULT_CHUNK - 1, VAULT_CHUNK, VAULT_CHUNK + 1, 3 * VAULT_CHUNK + 17};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *in = malloc(sizes[i] + 1), *out = NULL;
        size_t out_len = 0;
        randombytes_buf(in, sizes[i]);
        assert_int_equal(vault_write(&k, dir, "f.bin", in, sizes[i], &e), 0);
        char path[256];
        snprintf(path, sizeof path, "%s/f.bin", dir);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
        assert_int_equal(vault_read(&k, path, &out, &out_len, &e), 0);
        assert_int_equal(out_len, sizes[i]);
        if (sizes[i])
            assert_memory_equal(out, in, sizes[i]);
        /* the plaintext is nowhere in the file */
        size_t flen;
        uint8_t *f = file_bytes(path, &flen);
        if (sizes[i] >= 64)
            assert_null(memmem(f, flen, in, 64));
        free(f);
        free(in);
        free(out);
    }
    vault_keys_wipe(&k);
}

static void expect_bad(const vault_keys_t *k, const char *path, const char *code)
{
    uint8_t *out = NULL;
    size_t n = 0;
    err_t e = {0};
    assert_true(vault_read(k, path, &out, &n, &e) < 0);
    assert_null(out);
    assert_string_equal(e.code, code);
}

static void test_damage_is_detected(void **state)
{
    (void)state;
    vault_keys_t k = {0};
    err_t e = {0};
    char path[256], bad[256];
    unlink(keyfile);
    assert_int_equal(vault_keys_init(keyfile, &e), 0);
    assert_int_equal(vault_keys_load(keyfile, &k, &e), 0);
    size_t len = 2 * VAULT_CHUNK + 100, flen;
    uint8_t *in = malloc(len);
    randombytes_buf(in, len);
    assert_int_equal(vault_write(&k, dir, "d.bin", in, len, &e), 0);
    snprintf(path, sizeof path, "%s/d.bin", dir);
    snprintf(bad, sizeof bad, "%s/bad.bin", dir);
    uint8_t *f = file_bytes(path, &flen);
    const size_t A = crypto_secretstream_xchacha20poly1305_ABYTES, H = 8 + 8 + 24, C = VAULT_CHUNK + A;
    /* a flipped byte anywhere: header, each chunk, the tag */
    const size_t at[] = {20, H + 5, H + C + 5, flen - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        f[at[i]] ^= 0x40;
        put_bytes(bad, f, flen);
        expect_bad(&k, bad, "vault_bad_file");
        f[at[i]] ^= 0x40;
    }
    /* cut short at a chunk boundary (the FINAL chunk is missing) and inside one */
    put_bytes(bad, f, H + C);
    expect_bad(&k, bad, "vault_bad_file");
    put_bytes(bad, f, flen - 3);
    expect_bad(&k, bad, "vault_bad_file");
    /* two chunks swapped */
    uint8_t *sw = malloc(flen);
    memcpy(sw, f, flen);
    memcpy(sw + H, f + H + C, C);
    memcpy(sw + H + C, f + H, C);
    put_bytes(bad, sw, flen);
    expect_bad(&k, bad, "vault_bad_file");
    /* not a vault file */
    memcpy(sw, f, flen);
    sw[0] = 'X';
    put_bytes(bad, sw, flen);
    expect_bad(&k, bad, "vault_bad_file");
    /* under a key the key file does not hold */
    vault_keys_t other = {0};
    vault_keys_add_new(&other, &e);
    expect_bad(&other, path, "vault_unknown_key");
    free(sw);
    free(f);
    free(in);
    vault_keys_wipe(&k);
    vault_keys_wipe(&other);
}

static void test_key_files(void **state)
{
    (void)state;
    vault_keys_t k = {0}, k2 = {0};
    err_t e = {0};
    unlink(keyfile);
    assert_int_equal(vault_keys_init(keyfile, &e), 0);
    assert_int_equal(vault_keys_init(keyfile, &e), -EEXIST);
    assert_int_equal(vault_keys_load(keyfile, &k, &e), 0);
    assert_int_equal(k.n, 1);
    /* an old file stays readable after a new current key is added */
    assert_int_equal(vault_write(&k, dir, "old.bin", "secret", 6, &e), 0);
    assert_int_equal(vault_keys_add_new(&k, &e), 0);
    assert_int_equal(k.n, 2);
    assert_int_equal(vault_keys_save(keyfile, &k, &e), 0);
    assert_int_equal(vault_keys_load(keyfile, &k2, &e), 0);
    assert_int_equal(k2.n, 2);
    assert_memory_equal(k2.key[0], k.key[0], VAULT_KEY_BYTES);
    char path[256];
    snprintf(path, sizeof path, "%s/old.bin", dir);
    uint8_t id[VAULT_ID_BYTES], *out = NULL;
    size_t n;
    assert_int_equal(vault_file_key_id(path, id, &e), 0);
    assert_memory_equal(id, k.id[1], VAULT_ID_BYTES);
    assert_int_equal(vault_read(&k2, path, &out, &n, &e), 0);
    assert_memory_equal(out, "secret", 6);
    free(out);
    /* dropping the old key makes the old file unreadable */
    k2.n = 1;
    expect_bad(&k2, path, "vault_unknown_key");
    /* malformed key files */
    const char *bad[] = {"", "zz 00\n", "0011223344556677 0011\n",
        "0011223344556677 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeffXX\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put_bytes(keyfile, (const uint8_t *)bad[i], strlen(bad[i]));
        assert_int_equal(vault_keys_load(keyfile, &k2, &e), -EINVAL);
        assert_string_equal(e.code, "vault_bad_key_file");
    }
    assert_int_equal(vault_keys_load("/nonexistent/key", &k2, &e), -ENOENT);
    vault_keys_wipe(&k);
    vault_keys_wipe(&k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_at_chunk_boundaries),
        cmocka_unit_test(test_damage_is_detected),
        cmocka_unit_test(test_key_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
