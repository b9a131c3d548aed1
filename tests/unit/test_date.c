/* Unit tests for src/rules/date.c: day numbers, strict parsing, RFC 3339. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules/date.h"

#define SENTINEL_DATE ((date_t)12345678)

static date_t ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

static int parse_str(const char *s, date_t *ret)
{
    return date_parse(s, s ? strlen(s) : 0, ret);
}

static void test_known_day_numbers(void **state)
{
    (void)state;
    assert_int_equal(ymd(1970, 1, 1), 0);
    assert_int_equal(ymd(1969, 12, 31), -1);
    assert_int_equal(ymd(2000, 3, 1), 11017);
    assert_int_equal(ymd(1900, 1, 1), -25567);
    assert_int_equal(ymd(2200, 12, 31), 84370);
}

/* Every day from 1900 to 2200 converts back to itself and follows its
 * predecessor, so month lengths and leap years are all right. */
static void test_round_trip_every_day(void **state)
{
    (void)state;
    date_t prev = ymd(1899, 12, 31);
    for (int y = 1900; y <= 2200; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= date_days_in_month(y, m); d++) {
                int yy, mm, dd;
                date_t t = ymd(y, m, d);
                assert_int_equal(t, prev + 1);
                date_to_ymd(t, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);
                prev = t;
            }
        }
    }
}

static void test_from_ymd_rolls_over(void **state)
{
    (void)state;
    assert_int_equal(ymd(2025, 13, 1), ymd(2026, 1, 1));
    assert_int_equal(ymd(2025, 0, 1), ymd(2024, 12, 1));
    assert_int_equal(ymd(2025, 3, 0), ymd(2025, 2, 28));
    assert_int_equal(ymd(2024, 3, 0), ymd(2024, 2, 29));
    assert_int_equal(ymd(2025, 2, 29), ymd(2025, 3, 1));
}

static void test_leap_years(void **state)
{
    (void)state;
    assert_true(date_is_leap_year(2024));
    assert_true(date_is_leap_year(2000));
    assert_false(date_is_leap_year(1900));
    assert_false(date_is_leap_year(2100));
    assert_false(date_is_leap_year(2025));
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(2025, 2), 28);
    assert_int_equal(date_days_in_month(2025, 4), 30);
    assert_int_equal(date_days_in_month(2025, 13), 0);
    assert_int_equal(date_days_in_month(2025, 0), 0);
}

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(date_weekday(ymd(1970, 1, 1)), 4);   /* Thursday */
    assert_int_equal(date_weekday(ymd(1969, 12, 29)), 1); /* Monday, before the epoch */
    assert_int_equal(date_weekday(ymd(2025, 10, 31)), 5); /* Friday */
    assert_int_equal(date_weekday(ymd(2025, 11, 1)), 6);
    assert_int_equal(date_weekday(ymd(2025, 11, 2)), 7);
    assert_int_equal(date_weekday(ymd(2025, 11, 3)), 1);
    assert_int_equal(date_weekday(ymd(1900, 1, 1)), 1);
}

static void test_parse_accepts(void **state)
{
    (void)state;
    date_t d = SENTINEL_DATE;
    assert_int_equal(parse_str("2025-11-06", &d), 0);
    assert_int_equal(d, ymd(2025, 11, 6));
    assert_int_equal(parse_str("2024-02-29", &d), 0);
    assert_int_equal(d, ymd(2024, 2, 29));
    assert_int_equal(parse_str("2000-02-29", &d), 0);
    assert_int_equal(parse_str("1900-01-01", &d), 0);
    assert_int_equal(d, ymd(1900, 1, 1));
    assert_int_equal(parse_str("2200-12-31", &d), 0);
    assert_int_equal(d, ymd(2200, 12, 31));
    /* Counted string: bytes after len are not looked at. */
    assert_int_equal(date_parse("2025-01-02junk", 10, &d), 0);
    assert_int_equal(d, ymd(2025, 1, 2));
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2025-02-29",
        "2025-13-01",
        "2025-00-10",
        "2025-01-00",
        "2025-04-31",
        "2025-01-32",
        "2025-1-01",
        "2025-01-1",
        "25-01-01",
        "2025-11-06x",
        "2025-11-06 ",
        " 2025-11-06",
        "+025-11-06",
        "2025/11/06",
        "2025-11-0a",
        "1899-12-31",
        "2201-01-01",
        "1900-02-29",
        "",
        "20251106",
        "2025-+1-06",
        "2025--1-06",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        date_t d = SENTINEL_DATE;
        assert_int_equal(parse_str(bad[i], &d), -EINVAL);
        assert_int_equal(d, SENTINEL_DATE); /* not written on failure */
    }
    date_t d = SENTINEL_DATE;
    assert_int_equal(date_parse(NULL, 10, &d), -EINVAL);
    assert_int_equal(date_parse("2025-11\0-06", 10, &d), -EINVAL);
}

static void test_format(void **state)
{
    (void)state;
    char out[11];
    date_format(0, out);
    assert_string_equal(out, "1970-01-01");
    date_format(ymd(2025, 11, 6), out);
    assert_string_equal(out, "2025-11-06");
    date_format(ymd(1900, 1, 1), out);
    assert_string_equal(out, "1900-01-01");
    date_format(INT32_MAX, out);
    assert_string_equal(out, "0000-00-00");
    date_format(INT32_MIN, out);
    assert_string_equal(out, "0000-00-00");
    for (date_t t = ymd(2023, 12, 25); t < ymd(2024, 3, 5); t++) {
        date_t back;
        date_format(t, out);
        assert_int_equal(date_parse(out, 10, &back), 0);
        assert_int_equal(back, t);
    }
}

static int64_t rfc(const char *s, int *ret_offset)
{
    int64_t t = -777;
    int r = time_parse_rfc3339(s, strlen(s), &t, ret_offset);
    assert_int_equal(r, 0);
    return t;
}

static void test_rfc3339_parse(void **state)
{
    (void)state;
    int off = -999;
    /* The product example: 2025-11-07 00:00 Moscow is 2025-11-06 21:00 UTC. */
    assert_int_equal(rfc("2025-11-07T00:00:00+03:00", &off), 1762462800);
    assert_int_equal(off, 180);
    assert_int_equal(rfc("2025-11-06T21:00Z", &off), 1762462800);
    assert_int_equal(off, 0);
    assert_int_equal(rfc("2025-11-06T21:00:00z", NULL), 1762462800);
    assert_int_equal(rfc("2025-11-06t21:00:00Z", NULL), 1762462800);
    assert_int_equal(rfc("2025-11-07T00:00+03:00", &off), 1762462800);
    assert_int_equal(rfc("2025-11-06T15:30:00-05:30", &off), 1762462800);
    assert_int_equal(off, -330);
    assert_int_equal(rfc("2025-11-06T21:00:00-00:00", &off), 1762462800);
    assert_int_equal(off, 0);
    /* Fractions are truncated toward the earlier second. */
    assert_int_equal(rfc("2025-11-06T21:00:00.999999999Z", NULL), 1762462800);
    assert_int_equal(rfc("2025-11-06T21:00:00.5+00:00", NULL), 1762462800);
    assert_int_equal(rfc("1970-01-01T00:00:00Z", NULL), 0);
    assert_int_equal(rfc("1969-12-31T23:59:59Z", NULL), -1);
    assert_int_equal(rfc("1970-01-01T00:00:00+23:59", &off), -(23 * 3600 + 59 * 60));
    assert_int_equal(off, 23 * 60 + 59);
    assert_int_equal(rfc("2025-09-01T09:00+03:00", NULL), 1756706400);
}

static void test_rfc3339_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2025-11-06T21:00:00",
        "2025-11-06T21:00:00+0300",
        "2025-11-06T21:00:00+03",
        "2025-11-06T21:00:00+24:00",
        "2025-11-06T21:00:00+03:60",
        "2025-11-06T24:00:00Z",
        "2025-11-06T23:60:00Z",
        "2025-11-06T23:59:60Z",
        "2025-11-06T21:00:00ZZ",
        "2025-11-06T21:00:00Z ",
        "2025-11-06 21:00:00Z",
        "2025-02-29T21:00:00Z",
        "2025-11-06T21:00:00.Z",
        "2025-11-06T21:00:00.1234567890Z",
        "2025-11-06T21Z",
        "2025-11-06T21:00:Z",
        "2025-11-06T21:0:00Z",
        "2025-11-06T2:00:00Z",
        "2025-11-06",
        "",
        "2025-11-06T21:00:00+03:00x",
        "1899-12-31T23:59:59Z",
        "2025-11-06T21:00:00 +03:00",
        "2025-11-06T21:00:00.+03:00",
        "2025-11-06T-1:00:00Z",
        "2025-11-06T21:00:0aZ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = -777;
        int off = -999;
        assert_int_equal(time_parse_rfc3339(bad[i], strlen(bad[i]), &t, &off), -EINVAL);
        assert_int_equal(t, -777);
        assert_int_equal(off, -999);
    }
    int64_t t;
    assert_int_equal(time_parse_rfc3339(NULL, 20, &t, NULL), -EINVAL);
    /* Length is honoured: cutting off the zone makes it invalid. */
    assert_int_equal(time_parse_rfc3339("2025-11-06T21:00:00Z", 19, &t, NULL), -EINVAL);
}

static void test_rfc3339_format(void **state)
{
    (void)state;
    char out[32];
    time_format_rfc3339(1762462800, 180, out);
    assert_string_equal(out, "2025-11-07T00:00:00+03:00");
    time_format_rfc3339(1762462800, 0, out);
    assert_string_equal(out, "2025-11-06T21:00:00Z");
    time_format_rfc3339(1762462800, -330, out);
    assert_string_equal(out, "2025-11-06T15:30:00-05:30");
    time_format_rfc3339(-1, 0, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    time_format_rfc3339(1762462800 + 3599, 180, out);
    assert_string_equal(out, "2025-11-07T00:59:59+03:00");
    /* An impossible offset is treated as UTC rather than trusted. */
    time_format_rfc3339(1762462800, 24 * 60, out);
    assert_string_equal(out, "2025-11-06T21:00:00Z");
    time_format_rfc3339(INT64_MAX, 180, out);
    assert_string_equal(out, "0000-00-00T00:00:00Z");
    time_format_rfc3339(INT64_MIN, -180, out);
    assert_string_equal(out, "0000-00-00T00:00:00Z");
}

static void test_rfc3339_round_trip(void **state)
{
    (void)state;
    static const int offsets[] = {0, 180, -330, 840, -720, 1439, -1439};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        for (int64_t t = -90000; t < 1900000000; t += 7777777) {
            char out[32];
            int64_t back;
            int off;
            time_format_rfc3339(t, offsets[i], out);
            assert_int_equal(time_parse_rfc3339(out, strlen(out), &back, &off), 0);
            assert_int_equal(back, t);
            assert_int_equal(off, offsets[i]);
        }
    }
}

static void test_local_date_and_midnight(void **state)
{
    (void)state;
    /* 21:00 UTC on Nov 6 is already Nov 7 in Moscow. */
    assert_int_equal(date_local(1762462800, 180), ymd(2025, 11, 7));
    assert_int_equal(date_local(1762462800 - 1, 180), ymd(2025, 11, 6));
    assert_int_equal(date_local(1762462800, 0), ymd(2025, 11, 6));
    assert_int_equal(date_local(-1, 0), -1);
    assert_int_equal(date_local(0, -60), -1);
    assert_int_equal(date_local_midnight(ymd(2025, 11, 7), 180), 1762462800);
    assert_int_equal(date_local_midnight(0, 0), 0);
    assert_int_equal(date_local_midnight(0, -300), 5 * 3600);
    for (date_t d = ymd(2025, 1, 1); d < ymd(2025, 2, 1); d++) {
        assert_int_equal(date_local(date_local_midnight(d, 180), 180), d);
        assert_int_equal(date_local(date_local_midnight(d, 180) - 1, 180), d - 1);
    }
    /* Saturates instead of overflowing. */
    assert_int_equal(date_local(INT64_MAX, 1439), INT32_MAX);
    assert_int_equal(date_local(INT64_MIN, -1439), INT32_MIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_day_numbers),
        cmocka_unit_test(test_round_trip_every_day),
        cmocka_unit_test(test_from_ymd_rolls_over),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_weekday),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_rfc3339_parse),
        cmocka_unit_test(test_rfc3339_rejects),
        cmocka_unit_test(test_rfc3339_format),
        cmocka_unit_test(test_rfc3339_round_trip),
        cmocka_unit_test(test_local_date_and_midnight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
