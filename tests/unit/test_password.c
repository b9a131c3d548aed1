/* Unit tests for src/rules/password.c: length, the shipped list, padding
 * and repeats (issue 12). Reads data/passwords/common.txt through
 * UCHET_SOURCE_DIR. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/password.h"

static password_list_t *list;

static int load(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/data/passwords/common.txt", UCHET_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(password_list_parse(buf, n, &list), 0);
    return 0;
}

static int unload(void **state)
{
    (void)state;
    password_list_free(list);
    return 0;
}

static const char *code(const char *pw)
{
    static err_t e;
    memset(&e, 0, sizeof e);
    return password_check(pw, strlen(pw), list, &e) == 0 ? "ok" : e.code;
}

static void test_list_is_loaded(void **state)
{
    (void)state;
    assert_true(password_list_count(list) > 3000);
    assert_true(password_list_has(list, "PassWord", 8));
    assert_false(password_list_has(list, "# This list", 11));
}

static void test_length(void **state)
{
    (void)state;
    assert_string_equal(code("elevenchars"), "password_too_short");
    assert_string_equal(code("twelve chars"), "ok");
    assert_string_equal(code("пароль-длинный"), "ok");              /* 14 characters, 27 bytes */
    assert_string_equal(code("пароль длин"), "password_too_short"); /* 11 characters, 21 bytes */
    char big[200];
    memset(big, 'q', 129);
    big[129] = '\0';
    assert_string_equal(code(big), "password_too_long");
}

static void test_common_and_padded(void **state)
{
    (void)state;
    assert_string_equal(code("password1234"), "password_common");
    assert_string_equal(code("!!Qwerty2024!!"), "password_common");
    assert_string_equal(code("qwertyqwerty"), "password_common");
    assert_string_equal(code("abcabcabcabc"), "password_common");
    assert_string_equal(code("aaaaaaaaaaaaaaa"), "password_common");
    assert_string_equal(code("123456789012"), "password_common");
    assert_string_equal(code("!!!!!!!!!!!!"), "password_common");
    assert_string_equal(code("correct horse battery"), "ok");
    assert_string_equal(code("my password is long"), "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_is_loaded),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_common_and_padded),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
