/* base/secret: tokens, activation codes, password hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "base/secret.h"

static void test_tokens_are_random_and_hashed(void **state)
{
    (void)state;
    char a[SECRET_TOKEN_CHARS + 1], b[SECRET_TOKEN_CHARS + 1];
    uint8_t ha[32], hb[32], check[32];
    secret_token_new(a, ha);
    secret_token_new(b, hb);
    assert_int_equal(strlen(a), SECRET_TOKEN_CHARS);
    assert_string_not_equal(a, b);
    secret_hash(a, strlen(a), check);
    assert_memory_equal(ha, check, 32);
    for (const char *p = a; *p; p++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
}

static void test_codes_normalise(void **state)
{
    (void)state;
    char code[SECRET_CODE_CHARS + 1];
    uint8_t h1[32], h2[32], h3[32];
    secret_code_new(code);
    assert_int_equal(strlen(code), 14);
    assert_true(code[4] == '-' && code[9] == '-');
    assert_int_equal(secret_code_hash(code, strlen(code), h1), 0);
    char loose[32];
    size_t k = 0;
    for (const char *p = code; *p; p++)
        if (*p != '-')
            loose[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    loose[k] = '\0';
    assert_int_equal(secret_code_hash(loose, strlen(loose), h2), 0);
    assert_memory_equal(h1, h2, 32);
    assert_int_equal(secret_code_hash("ABCD-EFGH-JKM", 13, h3), -EINVAL);   /* too short */
    assert_int_equal(secret_code_hash("ABCD-EFGH-JKMNP", 15, h3), -EINVAL); /* too long */
    assert_int_equal(secret_code_hash("ABCD-EFGH-JKM0", 14, h3), -EINVAL);  /* 0 not in alphabet */
    assert_int_equal(secret_code_hash("ABCD-EFGH-JKM\0", 14, h3), -EINVAL); /* NUL inside */
}

static void test_password_hash_roundtrip(void **state)
{
    (void)state;
    char stored[SECRET_PWHASH_MAX];
    assert_int_equal(secret_password_hash("correct horse", 13, 1, 8 * 1024 * 1024, stored), 0);
    assert_non_null(strstr(stored, "$argon2id$"));
    assert_true(secret_password_verify(stored, "correct horse", 13));
    assert_false(secret_password_verify(stored, "correct hors", 12));
    assert_false(secret_password_verify(stored, "Correct horse", 13));
}

int main(void)
{
    if (secret_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_are_random_and_hashed),
        cmocka_unit_test(test_codes_normalise),
        cmocka_unit_test(test_password_hash_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
