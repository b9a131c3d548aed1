/* Unit tests of docs/mrzfix: check digits and look-alike pairs. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_char_values),
        cmocka_unit_test(test_specimen_digits),
        cmocka_unit_test(test_composite_rule),
        cmocka_unit_test(test_confusions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
