/* Unit tests of docs/icao_codes: the ISO and ICAO special codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "docs/icao_codes.h"

static void test_known_codes(void **state)
{
    (void)state;
    static const char *const known[] = {"RUS", "UZB", "TJK", "KGZ", "UKR", "DEU", "D<<", "UTO", "XXA", "XXB", "XXC",
        "XXX", "GBD", "GBN", "UNO", "EUE", "ABW", "ZWE", "RKS", "XOM"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!icao_codes_known(known[i]))
            fail_msg("%s should be known", known[i]);
}

static void test_unknown_codes(void **state)
{
    (void)state;
    static const char *const unknown[] = {"XYZ", "UTX", "D<A", "<<<", "DE<", "ru<", "SUN", "AAA", "ZZZ"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        if (icao_codes_known(unknown[i]))
            fail_msg("%s should be unknown", unknown[i]);
    assert_false(icao_codes_known(NULL));
}

static void test_count(void **state)
{
    (void)state;
    /* 249 ISO 3166-1 codes and 27 ICAO codes. */
    assert_int_equal(icao_codes_count(), 276);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_codes),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
