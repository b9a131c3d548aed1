/* Unit tests for src/store/totp.c against RFC 6238's own test vectors
 * (appendix B, SHA-1, the ASCII secret "12345678901234567890"; the RFC
 * lists 8 digits, the desk uses the last 6), and the secret's sealing at
 * rest (bound to the officer, refused when altered, moved or plain). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "store/totp.h"

static const uint8_t RFC_KEY[TOTP_SECRET_BYTES] = "12345678901234567890";

static void test_rfc6238_vectors(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *code;
    } v[] = {
        {59, "287082"},
        {1111111109, "081804"},
        {1111111111, "050471"},
        {1234567890, "005924"},
        {2000000000, "279037"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int64_t step = -1;
        assert_int_equal(totp_check(RFC_KEY, v[i].t, v[i].code, 0, &step, NULL), 0);
        assert_int_equal(step, v[i].t / 30);
    }
}

static void test_window_and_replay(void **state)
{
    (void)state;
    int64_t step = 0, now = 1111111109; /* step 37037036 */
    err_t e = {0};
    /* the code of step 37037036 is still good one step later, not two */
    assert_int_equal(totp_check(RFC_KEY, now + 30, "081804", 0, &step, &e), 0);
    assert_int_equal(totp_check(RFC_KEY, now + 60, "081804", 0, &step, &e), -EACCES);
    assert_string_equal(e.code, "bad_credentials");
    /* and one step early (the next step's code typed a little before) */
    assert_int_equal(totp_check(RFC_KEY, now - 30, "081804", 0, &step, &e), 0);
    /* never for a step at or before the last one used */
    assert_int_equal(totp_check(RFC_KEY, now, "081804", now / 30, &step, &e), -EACCES);
    assert_int_equal(totp_check(RFC_KEY, now, "081804", now / 30 - 1, &step, &e), 0);
    assert_int_equal(totp_check(RFC_KEY, now, "08180", 0, &step, &e), -EINVAL);
    assert_int_equal(totp_check(RFC_KEY, now, "08180a", 0, &step, &e), -EINVAL);
}

static void test_uri(void **state)
{
    (void)state;
    char uri[TOTP_URI_MAX];
    assert_int_equal(totp_uri(RFC_KEY, "anna p", uri, sizeof uri, NULL), 0);
    assert_string_equal(uri, "otpauth://totp/uchet:anna%20p?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                             "&issuer=uchet&algorithm=SHA1&digits=6&period=30");
    assert_int_equal(totp_uri(RFC_KEY, "anna", uri, 20, NULL), -ENOSPC);
}

static void one_key(vault_keys_t *k, uint8_t id_byte)
{
    memset(k, 0, sizeof *k);
    k->n = 1;
    memset(k->id[0], id_byte, VAULT_ID_BYTES);
    randombytes_buf(k->key[0], VAULT_KEY_BYTES);
}

/* Sealed for officer 7: opens for 7 only, under a key the file holds. */
static void test_seal_binds_the_officer(void **state)
{
    (void)state;
    vault_keys_t k, other;
    uint8_t sealed[TOTP_SEALED_BYTES], back[TOTP_SECRET_BYTES];
    err_t e = {0};
    one_key(&k, 1);
    one_key(&other, 2);
    assert_int_equal(totp_seal(&k, 7, RFC_KEY, sealed, &e), 0);
    assert_null(memmem(sealed, sizeof sealed, RFC_KEY, TOTP_SECRET_BYTES));
    assert_int_equal(totp_unseal(&k, 7, sealed, sizeof sealed, back, &e), 0);
    assert_memory_equal(back, RFC_KEY, TOTP_SECRET_BYTES);
    assert_int_equal(totp_unseal(&k, 8, sealed, sizeof sealed, back, &e), -EINVAL);
    assert_string_equal(e.code, "totp_unsealable");
    uint8_t zero[TOTP_SECRET_BYTES] = {0};
    assert_memory_equal(back, zero, sizeof zero); /* wiped on failure */
    assert_true(totp_sealed_key_known(&k, sealed, sizeof sealed));
    assert_false(totp_sealed_key_known(&other, sealed, sizeof sealed));
    assert_int_equal(totp_unseal(&other, 7, sealed, sizeof sealed, back, &e), -EINVAL);
    assert_string_equal(e.code, "totp_unknown_key");
    uint8_t again[TOTP_SEALED_BYTES];
    assert_int_equal(totp_seal(&k, 7, RFC_KEY, again, &e), 0);
    assert_memory_not_equal(again, sealed, sizeof sealed); /* fresh data key and nonce each time */
}

/* Every altered byte, a cut value and a plain secret are refused. */
static void test_unseal_refuses_altered_and_plain(void **state)
{
    (void)state;
    vault_keys_t k;
    uint8_t sealed[TOTP_SEALED_BYTES], back[TOTP_SECRET_BYTES];
    one_key(&k, 1);
    assert_int_equal(totp_seal(&k, 3, RFC_KEY, sealed, NULL), 0);
    for (size_t i = 0; i < sizeof sealed; i++) {
        sealed[i] ^= 0x20;
        assert_int_not_equal(totp_unseal(&k, 3, sealed, sizeof sealed, back, NULL), 0);
        sealed[i] ^= 0x20;
    }
    assert_int_not_equal(totp_unseal(&k, 3, sealed, sizeof sealed - 1, back, NULL), 0);
    assert_int_not_equal(totp_unseal(&k, 3, RFC_KEY, TOTP_SECRET_BYTES, back, NULL), 0);
    assert_int_not_equal(totp_unseal(&k, 3, NULL, 0, back, NULL), 0);
    vault_keys_t none = {0};
    assert_int_equal(totp_seal(&none, 3, RFC_KEY, sealed, NULL), -EINVAL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_vectors),
        cmocka_unit_test(test_window_and_replay),
        cmocka_unit_test(test_uri),
        cmocka_unit_test(test_seal_binds_the_officer),
        cmocka_unit_test(test_unseal_refuses_altered_and_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
