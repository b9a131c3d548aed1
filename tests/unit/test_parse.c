/* base/parse: checked number conversion of counted strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "base/parse.h"

#define S(x) x, strlen(x)

static void test_u64(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(parse_u64(S("0"), 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_u64(S("18446744073709551615"), 0, UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(parse_u64(S("18446744073709551616"), 0, UINT64_MAX, &v), -ERANGE);
    assert_int_equal(parse_u64(S("11"), 0, 10, &v), -ERANGE);
    assert_int_equal(parse_u64(S("4"), 5, 10, &v), -ERANGE);
    v = 7;
    assert_int_equal(parse_u64(S(""), 0, 10, &v), -EINVAL);
    assert_int_equal(parse_u64(S("-1"), 0, 10, &v), -EINVAL);
    assert_int_equal(parse_u64(S("1 "), 0, 10, &v), -EINVAL);
    assert_int_equal(parse_u64(S("+1"), 0, 10, &v), -EINVAL);
    assert_int_equal(parse_u64(S("0x1"), 0, 10, &v), -EINVAL);
    assert_int_equal(v, 7);                               /* untouched on failure */
    assert_int_equal(parse_u64("123", 2, 0, 100, &v), 0); /* counted, not NUL-terminated */
    assert_int_equal(v, 12);
}

static void test_i64(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(parse_i64(S("-9223372036854775808"), INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(parse_i64(S("9223372036854775807"), INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(parse_i64(S("9223372036854775808"), INT64_MIN, INT64_MAX, &v), -ERANGE);
    assert_int_equal(parse_i64(S("-9223372036854775809"), INT64_MIN, INT64_MAX, &v), -ERANGE);
    assert_int_equal(parse_i64(S("-5"), -4, 4, &v), -ERANGE);
    assert_int_equal(parse_i64(S("-"), -4, 4, &v), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_u64), cmocka_unit_test(test_i64)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
