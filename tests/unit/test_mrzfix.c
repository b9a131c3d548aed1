/* Unit tests of docs/mrzfix: check digits and the repair search. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "docs/mrzfix.h"

static void test_char_values(void **state)
{
    (void)state;
    assert_int_equal(mrzfix_char_value('0'), 0);
    assert_int_equal(mrzfix_char_value('9'), 9);
    assert_int_equal(mrzfix_char_value('A'), 10);
    assert_int_equal(mrzfix_char_value('Z'), 35);
    assert_int_equal(mrzfix_char_value('<'), 0);
    assert_int_equal(mrzfix_char_value('a'), -1);
    assert_int_equal(mrzfix_char_value(' '), -1);
}

/* The ICAO specimen's digits, recomputed by hand in the reference notes. */
static void test_specimen_digits(void **state)
{
    (void)state;
    assert_int_equal(mrzfix_check_digit("L898902C3", 9, 0), 6);
    assert_int_equal(mrzfix_check_digit("740812", 6, 0), 2);
    assert_int_equal(mrzfix_check_digit("120415", 6, 0), 9);
    assert_int_equal(mrzfix_check_digit("ZE184226B<<<<<", 14, 0), 1);
    assert_int_equal(mrzfix_check_digit("D23145890", 9, 0), 7);
    assert_int_equal(mrzfix_check_digit("<<<<<<", 6, 0), 0);
    assert_int_equal(mrzfix_check_digit("", 0, 0), 0);
    assert_int_equal(mrzfix_check_digit("12a", 3, 0), -1);
    /* Phase shifts the weights: "1" at phase 1 weighs 3, at phase 2 weighs 1. */
    assert_int_equal(mrzfix_check_digit("1", 1, 0), 7);
    assert_int_equal(mrzfix_check_digit("1", 1, 1), 3);
    assert_int_equal(mrzfix_check_digit("1", 1, 2), 1);
}

static const char line2[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

static void test_composite_rule(void **state)
{
    (void)state;
    struct mrzfix_rule r = {.spans = {{0, 10}, {13, 7}, {21, 22}}, .nspans = 3, .check_off = 43};
    assert_true(mrzfix_rule_holds(line2, &r));
    char bad[sizeof line2];
    memcpy(bad, line2, sizeof line2);
    bad[43] = '1';
    assert_false(mrzfix_rule_holds(bad, &r));
    bad[43] = '<'; /* a filler is never a valid digit */
    assert_false(mrzfix_rule_holds(bad, &r));
    memcpy(bad, line2, sizeof line2);
    bad[3] = '?';
    assert_false(mrzfix_rule_holds(bad, &r));
}

static void test_confusions(void **state)
{
    (void)state;
    const char *letters = "OISBZ", *digits = "01582";
    for (int i = 0; i < 5; i++) {
        assert_int_equal(mrzfix_as_digit(letters[i]), digits[i]);
        assert_int_equal(mrzfix_as_letter(digits[i]), letters[i]);
        assert_true(mrzfix_confusable(letters[i]));
        assert_true(mrzfix_confusable(digits[i]));
    }
    assert_int_equal(mrzfix_as_digit('A'), 'A');
    assert_int_equal(mrzfix_as_letter('7'), '7');
    assert_false(mrzfix_confusable('<'));
    assert_false(mrzfix_confusable('Q'));
    assert_false(mrzfix_confusable('\0'));
}

static void test_search_unique(void **state)
{
    (void)state;
    char buf[] = "L8989O2C36"; /* the 0 read as O */
    struct mrzfix_rule r = {.spans = {{0, 9}}, .nspans = 1, .check_off = 9};
    size_t pos[] = {1, 3, 5, 6}, swaps = 99;
    assert_int_equal(mrzfix_search(buf, sizeof buf, pos, 4, &r, 1, &swaps), 0);
    assert_string_equal(buf, "L898902C36");
    assert_int_equal(swaps, 1);
    /* Already holding: zero swaps, unchanged. */
    assert_int_equal(mrzfix_search(buf, sizeof buf, pos, 4, &r, 1, &swaps), 0);
    assert_int_equal(swaps, 0);
    assert_string_equal(buf, "L898902C36");
}

static void test_search_ambiguous_and_impossible(void **state)
{
    (void)state;
    /* ZE1842268<<<<< with check 1: swapping position 5 (2→Z) or 8 (8→B)
     * both satisfy the digit, so the search refuses and leaves buf alone. */
    char buf[] = "ZE1842268<<<<<1";
    struct mrzfix_rule r = {.spans = {{0, 14}}, .nspans = 1, .check_off = 14};
    size_t pos[] = {0, 2, 3, 5, 6, 8}, swaps = 99;
    assert_int_equal(mrzfix_search(buf, sizeof buf, pos, 6, &r, 1, &swaps), -EEXIST);
    assert_string_equal(buf, "ZE1842268<<<<<1");
    assert_int_equal(swaps, 99);
    /* No confusable positions and a wrong digit: nothing to try. */
    char num[] = "7408127";
    struct mrzfix_rule d = {.spans = {{0, 6}}, .nspans = 1, .check_off = 6};
    assert_int_equal(mrzfix_search(num, sizeof num, NULL, 0, &d, 1, &swaps), -ENOENT);
}

static void test_search_arguments(void **state)
{
    (void)state;
    char buf[] = "OOOOOOOOOOOOOOOOOO0";
    size_t pos[MRZFIX_MAX_POSITIONS + 1], swaps;
    for (size_t i = 0; i < MRZFIX_MAX_POSITIONS + 1; i++)
        pos[i] = i;
    struct mrzfix_rule r = {.spans = {{0, 18}}, .nspans = 1, .check_off = 18};
    assert_int_equal(mrzfix_search(buf, sizeof buf, pos, MRZFIX_MAX_POSITIONS + 1, &r, 1, &swaps), -E2BIG);
    size_t far[] = {100};
    assert_int_equal(mrzfix_search(buf, sizeof buf, far, 1, &r, 1, &swaps), -EINVAL);
    char plain[] = "AAAA0";
    size_t p0[] = {0}; /* 'A' is not confusable */
    assert_int_equal(mrzfix_search(plain, sizeof plain, p0, 1, &r, 1, &swaps), -EINVAL);
    assert_int_equal(mrzfix_search(NULL, 0, NULL, 0, NULL, 0, &swaps), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_char_values),
        cmocka_unit_test(test_specimen_digits),
        cmocka_unit_test(test_composite_rule),
        cmocka_unit_test(test_confusions),
        cmocka_unit_test(test_search_unique),
        cmocka_unit_test(test_search_ambiguous_and_impossible),
        cmocka_unit_test(test_search_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
