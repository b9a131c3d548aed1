/* Unit tests for src/store/totp.c against RFC 6238's own test vectors
 * (appendix B, SHA-1, the ASCII secret "12345678901234567890"; the RFC
 * lists 8 digits, the desk uses the last 6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_vectors),
        cmocka_unit_test(test_window_and_replay),
        cmocka_unit_test(test_uri),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
