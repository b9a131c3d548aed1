/* base/jsonx: strict request bodies. Each rule is shown failing on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"

static json_t *parse_ok(const char *s)
{
    json_t *o = NULL;
    err_t e = {0};
    assert_int_equal(jsonx_parse_object(s, strlen(s), &o, &e), 0);
    return o;
}

static void expect_parse_error(const char *s, const char *code)
{
    json_t *o = NULL;
    err_t e = {0};
    assert_int_equal(jsonx_parse_object(s, strlen(s), &o, &e), -EINVAL);
    assert_string_equal(e.code, code);
    assert_null(o);
}

static void test_parse_rules(void **state)
{
    (void)state;
    json_decref(parse_ok("{\"a\":1}"));
    expect_parse_error("", "malformed_json");
    expect_parse_error("{", "malformed_json");
    expect_parse_error("[1]", "not_an_object");
    expect_parse_error("42", "not_an_object");
    expect_parse_error("{\"a\":1,\"a\":2}", "malformed_json");   /* duplicate key */
    expect_parse_error("{\"a\":\"\\u0000\"}", "malformed_json"); /* NUL in a string */
    expect_parse_error("{\"a\":1} x", "malformed_json");         /* trailing bytes */
    char big[LIMIT_JSON_FIELDS * 12 + 16];
    size_t n = (size_t)snprintf(big, sizeof big, "{");
    for (int i = 0; i <= LIMIT_JSON_FIELDS; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s\"k%d\":1", i ? "," : "", i);
    snprintf(big + n, sizeof big - n, "}");
    expect_parse_error(big, "too_many_fields");
}

static void test_only_fields(void **state)
{
    (void)state;
    static const char *const allowed[] = {"a", "b", NULL};
    json_t *o = parse_ok("{\"a\":1,\"c\":2}");
    err_t e = {0};
    assert_int_equal(jsonx_only_fields(o, allowed, &e), -EINVAL);
    assert_string_equal(e.code, "unknown_field");
    assert_non_null(strstr(e.msg, "\"c\""));
    json_decref(o);
    o = parse_ok("{\"a\":1,\"b\":2}");
    assert_int_equal(jsonx_only_fields(o, allowed, &e), 0);
    json_decref(o);
}

static void test_strings(void **state)
{
    (void)state;
    json_t *o = parse_ok("{\"s\":\"abc\",\"n\":5,\"c\":\"a\\tb\",\"z\":null}");
    const char *v;
    err_t e = {0};
    assert_int_equal(jsonx_string(o, "s", true, 1, 3, &v, &e), 0);
    assert_string_equal(v, "abc");
    assert_int_equal(jsonx_string(o, "s", true, 4, 9, &v, &e), -EINVAL);
    assert_string_equal(e.code, "too_short");
    assert_int_equal(jsonx_string(o, "s", true, 1, 2, &v, &e), -EINVAL);
    assert_string_equal(e.code, "too_long");
    assert_int_equal(jsonx_string(o, "n", true, 1, 2, &v, &e), -EINVAL);
    assert_string_equal(e.code, "invalid_type");
    assert_int_equal(jsonx_string(o, "c", true, 1, 9, &v, &e), -EINVAL);
    assert_string_equal(e.code, "invalid_characters");
    assert_int_equal(jsonx_string(o, "missing", true, 1, 9, &v, &e), -ENOENT);
    assert_string_equal(e.code, "missing_field");
    assert_int_equal(jsonx_string(o, "z", false, 1, 9, &v, &e), 0);
    assert_null(v);
    json_decref(o);
}

static void test_numbers(void **state)
{
    (void)state;
    json_t *o = parse_ok("{\"i\":7,\"r\":-1.5,\"s\":\"1\",\"b\":true}");
    double d = 99;
    err_t e = {0};
    assert_int_equal(jsonx_number(o, "i", true, 0, 10, &d, &e), 0);
    assert_true(d == 7.0);
    assert_int_equal(jsonx_number(o, "r", true, -2, 0, &d, &e), 0);
    assert_true(d == -1.5);
    assert_int_equal(jsonx_number(o, "r", true, 0, 1, &d, &e), -ERANGE);
    assert_string_equal(e.code, "out_of_range");
    assert_int_equal(jsonx_number(o, "s", true, 0, 1, &d, &e), -EINVAL);
    assert_int_equal(jsonx_number(o, "b", true, 0, 1, &d, &e), -EINVAL);
    d = 3;
    assert_int_equal(jsonx_number(o, "absent", false, 0, 1, &d, &e), 0);
    assert_true(d == 3.0); /* untouched when absent and optional */
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_rules),
        cmocka_unit_test(test_only_fields),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
