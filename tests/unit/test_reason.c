/* Unit tests for src/rules/reason.c: a reason is a reason (issue 12). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules/reason.h"

static int check(const char *s, int flags)
{
    err_t e = {0};
    return reason_check(s, strlen(s), 10, 200, flags, &e);
}

static void test_blank_and_punctuation_are_no_reason(void **state)
{
    (void)state;
    const char *bad[] = {
        "          ",
        "     ",
        ".....",
        "..........",
        "\xC2\xA0\xC2\xA0\xC2\xA0\xC2\xA0\xC2\xA0\xC2\xA0\xC2\xA0\xC2\xA0\xC2\xA0\xC2\xA0", /* NBSP */
        "\xE2\x80\x8B\xE2\x80\x8B\xE2\x80\x8B\xE2\x80\x8B\xE2\x80\x8B",                     /* ZWSP */
        "case 2025/117\xE2\x80\x8B",                        /* a hidden zero-width space */
        "case\xE2\x80\xAE 2025/117 checked",                /* a bidi override */
        "\xE3\x80\x80\xE3\x80\x80\xE3\x80\x80 -- !! ?? 12", /* ideographic spaces */
        "short 12",
        "\xFF\xFE bad utf8",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(check(bad[i], 0), -EINVAL);
}

static void test_words_count_in_any_script(void **state)
{
    (void)state;
    assert_int_equal(check("Registered again meanwhile.", 0), 0);
    assert_int_equal(check("Был в больнице", 0), 0);
    assert_int_equal(check("Ｃａｓｅ　２０２５／１１７ ok", REASON_NEED_REFERENCE), 0); /* full-width */
    assert_int_equal(check("line one\nline two", 0), -EINVAL);
    assert_int_equal(check("line one\nline two", REASON_ALLOW_NEWLINE), 0);
}

static void test_look_ups_need_a_reference(void **state)
{
    (void)state;
    assert_int_equal(check("case 2025/117", REASON_NEED_REFERENCE), 0);
    assert_int_equal(check("проверка по делу № 12-345", REASON_NEED_REFERENCE), 0);
    assert_int_equal(check("КУСП-4471 проверка", REASON_NEED_REFERENCE), 0);
    assert_int_equal(check("routine check of the person", REASON_NEED_REFERENCE), -EINVAL);
    assert_int_equal(check("checked 1 2 3 4 5 6 7", REASON_NEED_REFERENCE), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blank_and_punctuation_are_no_reason),
        cmocka_unit_test(test_words_count_in_any_script),
        cmocka_unit_test(test_look_ups_need_a_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
