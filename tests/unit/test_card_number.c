/* Unit tests for src/rules/card_number.c: the Luhn check digit (issue 12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules/card_number.h"

static void test_known_values(void **state)
{
    (void)state;
    assert_int_equal(card_number_check_digit("7992739871", 10), '3'); /* the textbook example */
    char n[CARD_NUMBER_DIGITS + 1];
    card_number_complete("770000000", n);
    assert_true(card_number_valid(n));
    assert_int_equal(strlen(n), CARD_NUMBER_DIGITS);
}

static void test_typos_are_caught(void **state)
{
    (void)state;
    char n[CARD_NUMBER_DIGITS + 1];
    card_number_complete("123456789", n);
    assert_true(card_number_valid(n));
    for (int i = 0; i < CARD_NUMBER_DIGITS; i++) { /* every single-digit change */
        char m[sizeof n];
        memcpy(m, n, sizeof n);
        m[i] = (char)('0' + (m[i] - '0' + 3) % 10);
        assert_false(card_number_valid(m));
    }
    char swapped[sizeof n];
    memcpy(swapped, n, sizeof n);
    swapped[0] = n[1];
    swapped[1] = n[0];
    assert_false(card_number_valid(swapped));
    assert_false(card_number_valid("12345"));
    assert_false(card_number_valid("12345678901"));
    assert_false(card_number_valid("12345a7890"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_typos_are_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
