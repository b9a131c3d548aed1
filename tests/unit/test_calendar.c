/* Unit tests for src/rules/calendar.c: the text format, the shipped official
 * years, the art. 112 fallback and working-day arithmetic. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/calendar.h"

#ifndef UCHET_SOURCE_DIR
#define UCHET_SOURCE_DIR "."
#endif

static date_t ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

/* Loads data/calendar/ru/<year>.txt, the files uchetd ships. */
static void load_shipped(calendar_t *cal, int year)
{
    char path[512], text[CALENDAR_TEXT_MAX];
    snprintf(path, sizeof path, "%s/data/calendar/ru/%d.txt", UCHET_SOURCE_DIR, year);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    err_t err;
    err_clear(&err);
    assert_int_equal(calendar_load_year(cal, text, n, &err), 0);
    assert_string_equal(err.code, "");
}

static int load_str(calendar_t *cal, const char *text, err_t *err)
{
    err_clear(err);
    return calendar_load_year(cal, text, strlen(text), err);
}

static int setup_official(void **state)
{
    calendar_t *cal = calendar_new();
    if (!cal)
        return -1;
    load_shipped(cal, 2025);
    load_shipped(cal, 2026);
    *state = cal;
    return 0;
}

static int setup_empty(void **state)
{
    *state = calendar_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    calendar_free(*state);
    return 0;
}

static bool working(const calendar_t *cal, int y, int m, int d)
{
    bool prov = true;
    bool w = calendar_is_working_day(cal, ymd(y, m, d), &prov);
    assert_false(prov); /* only called for loaded years */
    return w;
}

static int count_month(const calendar_t *cal, int y, int m)
{
    return calendar_count_working_days(cal, ymd(y, m, 1), ymd(y, m + 1, 0), NULL);
}

/* ------------------------------------------------- the shipped years */

static void test_2025_official(void **state)
{
    const calendar_t *cal = *state;
    /* Working days per month, as the official 2025 calendar prints them. */
    static const int months[12] = {17, 20, 21, 22, 18, 19, 23, 21, 22, 23, 19, 22};
    for (int m = 1; m <= 12; m++)
        assert_int_equal(count_month(cal, 2025, m), months[m - 1]);
    assert_int_equal(calendar_count_working_days(cal, ymd(2025, 1, 1), ymd(2025, 12, 31), NULL), 247);
    assert_true(working(cal, 2025, 11, 1));  /* working Saturday */
    assert_false(working(cal, 2025, 11, 3)); /* its day off */
    assert_false(working(cal, 2025, 11, 4));
    assert_true(working(cal, 2025, 11, 5));
    assert_false(working(cal, 2025, 5, 2));   /* from Sat Jan 4 */
    assert_false(working(cal, 2025, 5, 8));   /* from Sun Feb 23 */
    assert_false(working(cal, 2025, 6, 13));  /* from Sat Mar 8 */
    assert_false(working(cal, 2025, 12, 31)); /* from Sun Jan 5 */
    assert_true(working(cal, 2025, 12, 30));
    assert_true(working(cal, 2025, 3, 10)); /* no art. 112 move: the decree moved Mar 8 */
    assert_true(working(cal, 2025, 1, 9));
    assert_false(working(cal, 2025, 1, 8));
    assert_string_equal(calendar_decree(cal, 2025), "No. 1335 of 04.10.2024");
}

static void test_2026_official(void **state)
{
    const calendar_t *cal = *state;
    static const int months[12] = {15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22};
    for (int m = 1; m <= 12; m++)
        assert_int_equal(count_month(cal, 2026, m), months[m - 1]);
    assert_int_equal(calendar_count_working_days(cal, ymd(2026, 1, 1), ymd(2026, 12, 31), NULL), 247);
    for (int d = 1; d <= 11; d++)
        assert_false(working(cal, 2026, 1, d));
    assert_true(working(cal, 2026, 1, 12));
    assert_false(working(cal, 2026, 2, 23));
    assert_false(working(cal, 2026, 3, 9));
    assert_false(working(cal, 2026, 5, 11));
    assert_true(working(cal, 2026, 5, 12));
    assert_false(working(cal, 2026, 11, 4));
    assert_true(working(cal, 2026, 11, 5));
    assert_false(working(cal, 2026, 12, 31));
    assert_string_equal(calendar_decree(cal, 2026), "No. 1466 of 24.09.2025");
    assert_true(calendar_has_year(cal, 2026));
    assert_false(calendar_has_year(cal, 2027));
    assert_null(calendar_decree(cal, 2027));
}

/* ------------------------------------------- the art. 112 fallback */

static bool provisional_working(const calendar_t *cal, int y, int m, int d)
{
    bool prov = false;
    bool w = calendar_is_working_day(cal, ymd(y, m, d), &prov);
    assert_true(prov);
    return w;
}

static void test_2027_provisional(void **state)
{
    const calendar_t *cal = *state;
    for (int d = 1; d <= 10; d++) /* Jan 1-8 holidays, then Sat 9, Sun 10 */
        assert_false(provisional_working(cal, 2027, 1, d));
    /* Jan 2-3 are a weekend inside the holidays, yet nothing moves to Jan 11:
     * only the decree moves those. */
    assert_true(provisional_working(cal, 2027, 1, 11));
    assert_false(provisional_working(cal, 2027, 2, 23)); /* Tuesday */
    assert_true(provisional_working(cal, 2027, 2, 22));
    assert_false(provisional_working(cal, 2027, 3, 8)); /* Monday */
    assert_false(provisional_working(cal, 2027, 5, 3)); /* Sat May 1 -> Mon May 3 */
    assert_true(provisional_working(cal, 2027, 5, 4));
    assert_false(provisional_working(cal, 2027, 5, 10)); /* Sun May 9 -> Mon May 10 */
    assert_true(provisional_working(cal, 2027, 5, 11));
    assert_false(provisional_working(cal, 2027, 6, 14)); /* Sat Jun 12 -> Mon Jun 14 */
    assert_false(provisional_working(cal, 2027, 11, 4));
    assert_true(provisional_working(cal, 2027, 11, 5));
    assert_true(provisional_working(cal, 2027, 12, 31));
}

static void test_fallback_differs_from_decree(void **state)
{
    const calendar_t *cal = *state; /* empty: 2025 is provisional here */
    /* Art. 112 alone moves Sat Mar 8 2025 to Mon Mar 10; the real decree
     * moved it to Jun 13 instead. */
    assert_false(provisional_working(cal, 2025, 3, 10));
    assert_true(provisional_working(cal, 2025, 6, 13));
    assert_false(provisional_working(cal, 2025, 2, 24)); /* Sun Feb 23 -> Mon */
    assert_false(provisional_working(cal, 2025, 11, 1)); /* an ordinary Saturday */
    /* 2026 alone: Sun Mar 8 -> Mon Mar 9, Sat May 9 -> Mon May 11, as the
     * official file says too. */
    assert_false(provisional_working(cal, 2026, 3, 9));
    assert_false(provisional_working(cal, 2026, 5, 11));
    assert_true(provisional_working(cal, 2026, 1, 9)); /* the decree's transfer is unknown */
    assert_null(calendar_decree(cal, 2025));
    /* A NULL calendar behaves as an empty one. */
    bool prov = false;
    assert_false(calendar_is_working_day(NULL, ymd(2025, 3, 10), &prov));
    assert_true(prov);
}

/* The art. 112 rule written out day by day with date functions only, to
 * check the fallback's bit tables over three centuries. */
static bool naive_holiday(date_t d)
{
    static const int hol[6][2] = {{2, 23}, {3, 8}, {5, 1}, {5, 9}, {6, 12}, {11, 4}};
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    if (m == 1 && dd <= 8)
        return true;
    for (int i = 0; i < 6; i++)
        if (m == hol[i][0] && dd == hol[i][1])
            return true;
    return false;
}

static bool naive_off(int year, date_t d)
{
    static const int hol[6][2] = {{2, 23}, {3, 8}, {5, 1}, {5, 9}, {6, 12}, {11, 4}};
    date_t moved[6];
    int nmoved = 0;
    if (date_weekday(d) >= 6 || naive_holiday(d))
        return true;
    for (int i = 0; i < 6; i++) {
        date_t h = ymd(year, hol[i][0], hol[i][1]);
        if (date_weekday(h) < 6)
            continue;
        date_t t = h + 1;
        for (bool taken = true; taken;) {
            taken = date_weekday(t) >= 6 || naive_holiday(t);
            for (int k = 0; k < nmoved; k++)
                taken |= moved[k] == t;
            t += taken;
        }
        moved[nmoved++] = t;
        if (t == d)
            return true;
    }
    return false;
}

static void test_fallback_matches_naive_rule(void **state)
{
    const calendar_t *cal = *state; /* empty */
    for (int y = 1900; y <= 2200; y++) {
        for (date_t d = ymd(y, 1, 1); d <= ymd(y, 12, 31); d++) {
            bool prov = false;
            if (calendar_is_working_day(cal, d, &prov) == naive_off(y, d)) {
                char s[11];
                date_format(d, s);
                fail_msg("%s disagrees with the naive art. 112 rule", s);
            }
            assert_true(prov);
        }
    }
}

/* ----------------------------------------------- working-day arithmetic */

static date_t add(const calendar_t *cal, date_t from, int n, bool *prov)
{
    *prov = false;
    return calendar_add_working_days(cal, from, n, prov);
}

static void test_add_working_days(void **state)
{
    const calendar_t *cal = *state;
    bool prov;
    assert_int_equal(add(cal, ymd(2025, 10, 31), 3, &prov), ymd(2025, 11, 6));
    assert_false(prov);
    assert_int_equal(add(cal, ymd(2025, 10, 31), 1, &prov), ymd(2025, 11, 1));
    assert_int_equal(add(cal, ymd(2025, 10, 31), 2, &prov), ymd(2025, 11, 5));
    assert_int_equal(add(cal, ymd(2025, 10, 31), 0, &prov), ymd(2025, 10, 31));
    assert_int_equal(add(cal, ymd(2025, 10, 31), -5, &prov), ymd(2025, 10, 31));
    /* from a day off: the first working day after it */
    assert_int_equal(add(cal, ymd(2025, 11, 2), 1, &prov), ymd(2025, 11, 5));
    /* 2025 -> 2026 across the New Year holidays, both official */
    assert_int_equal(add(cal, ymd(2025, 12, 30), 1, &prov), ymd(2026, 1, 12));
    assert_int_equal(add(cal, ymd(2025, 12, 30), 3, &prov), ymd(2026, 1, 14));
    assert_false(prov);
    /* a whole year of working days */
    assert_int_equal(add(cal, ymd(2024, 12, 31), 247, &prov), ymd(2025, 12, 30));
    assert_false(prov); /* from itself (in provisional 2024) is not examined */
}

static void test_add_into_provisional_year(void **state)
{
    const calendar_t *cal = *state;
    bool prov;
    /* 2026 -> 2027: Dec 30 (1), Dec 31 off, Jan 1-10 off, Jan 11 (2), Jan 12 (3) */
    assert_int_equal(add(cal, ymd(2026, 12, 29), 3, &prov), ymd(2027, 1, 12));
    assert_true(prov);
    /* staying inside 2026 does not raise the flag */
    assert_int_equal(add(cal, ymd(2026, 12, 28), 2, &prov), ymd(2026, 12, 30));
    assert_false(prov);
    /* the flag is ORed, never cleared */
    prov = true;
    calendar_add_working_days(cal, ymd(2026, 12, 28), 2, &prov);
    assert_true(prov);
    calendar_add_working_days(cal, ymd(2026, 12, 28), 2, NULL);
}

static void test_add_without_2026(void **state)
{
    (void)state;
    calendar_t *cal = calendar_new();
    assert_non_null(cal);
    load_shipped(cal, 2025);
    bool prov;
    /* 2026 unknown: art. 112 gives Jan 1-8 off and Jan 9 (Fri) working. */
    assert_int_equal(add(cal, ymd(2025, 12, 30), 3, &prov), ymd(2026, 1, 13));
    assert_true(prov);
    calendar_free(cal);
}

static void test_count_working_days(void **state)
{
    const calendar_t *cal = *state;
    bool prov = false;
    assert_int_equal(calendar_count_working_days(cal, ymd(2025, 11, 1), ymd(2025, 11, 6), &prov), 3);
    assert_false(prov);
    assert_int_equal(calendar_count_working_days(cal, ymd(2025, 11, 1), ymd(2025, 11, 1), &prov), 1);
    assert_int_equal(calendar_count_working_days(cal, ymd(2025, 11, 2), ymd(2025, 11, 4), &prov), 0);
    assert_int_equal(calendar_count_working_days(cal, ymd(2025, 11, 6), ymd(2025, 11, 5), &prov), 0);
    assert_false(prov);
    assert_int_equal(calendar_count_working_days(cal, ymd(2025, 1, 1), ymd(2026, 12, 31), &prov), 494);
    assert_false(prov);
    /* 2027 provisional: Jan 11-15 */
    assert_int_equal(calendar_count_working_days(cal, ymd(2026, 12, 31), ymd(2027, 1, 15), &prov), 5);
    assert_true(prov);
    /* Clipped to years 1..9999: no overflow, no endless loop, and a range
     * entirely outside counts nothing. */
    assert_true(calendar_count_working_days(cal, INT32_MIN, INT32_MAX, NULL) > 2400000);
    assert_int_equal(calendar_count_working_days(cal, INT32_MIN, ymd(0, 12, 31), NULL), 0);
    assert_int_equal(calendar_count_working_days(cal, ymd(10000, 1, 1), INT32_MAX, NULL), 0);
    /* Years before 1900 are ordinary provisional years. */
    assert_int_equal(calendar_count_working_days(cal, ymd(1899, 12, 29), ymd(1899, 12, 31), NULL), 1);
}

/* add and count agree: the n-th working day after d is the first day e with
 * count(d + 1, e) == n. */
static void test_add_matches_count(void **state)
{
    const calendar_t *cal = *state;
    for (date_t d = ymd(2025, 12, 1); d < ymd(2026, 2, 1); d++) {
        for (int n = 1; n <= 5; n++) {
            date_t e = calendar_add_working_days(cal, d, n, NULL);
            assert_true(calendar_is_working_day(cal, e, NULL));
            assert_int_equal(calendar_count_working_days(cal, d + 1, e, NULL), n);
            assert_int_equal(calendar_count_working_days(cal, d + 1, e - 1, NULL), n - 1);
        }
    }
}

static void test_extreme_inputs(void **state)
{
    const calendar_t *cal = *state;
    /* Clamped into years 1..9999 and to CALENDAR_MAX_WORKING_DAYS: terminates,
     * and the result is still answered by the full rules. */
    bool prov = false;
    date_t e = calendar_add_working_days(cal, INT32_MAX, INT32_MAX, &prov);
    assert_true(e > ymd(10300, 1, 1) && e < ymd(10500, 1, 1));
    assert_true(prov);
    assert_true(calendar_is_working_day(cal, e, NULL));
    e = calendar_add_working_days(cal, INT32_MIN, 1, NULL);
    assert_int_equal(e, ymd(1, 1, 9)); /* Jan 1-8 are holidays, Jan 9 a Tuesday */
    /* 1899-12-31 is not clamped to 1900-01-01 (which would skip Jan 1). */
    e = calendar_add_working_days(cal, ymd(1899, 12, 31), 1, NULL);
    assert_int_equal(e, ymd(1900, 1, 9));
    prov = false;
    calendar_is_working_day(cal, INT32_MIN, &prov);
    assert_true(prov);
    /* Far beyond any calendar the weekend rule answers: INT32_MAX is a Friday. */
    assert_int_equal(date_weekday(INT32_MAX), 5);
    assert_true(calendar_is_working_day(cal, INT32_MAX, NULL));
    assert_false(calendar_is_working_day(cal, INT32_MAX - 5, NULL));
    assert_int_equal(date_weekday(INT32_MIN + 5), 7);
    assert_false(calendar_is_working_day(cal, INT32_MIN + 5, NULL));
}

/* ------------------------------------------------------- the parser */

static void test_parse_accepts(void **state)
{
    calendar_t *cal = *state;
    err_t err;
    const char *text = "# comment line\r\n"
                       "\r\n"
                       "   year\t2030   # trailing comment\r\n"
                       "decree \xe2\x84\x96 1 \xd0\xbe\xd1\x82 01.01.2029\n" /* "№ 1 от 01.01.2029" */
                       "\t off 2030-01-01..2030-01-08\n"
                       "off 2030-01-01\n" /* repeating an off day is harmless */
                       "work 2030-01-12..2030-01-13\n"
                       "off 2030-12-31"; /* no final newline */
    assert_int_equal(load_str(cal, text, &err), 0);
    assert_true(calendar_has_year(cal, 2030));
    assert_string_equal(calendar_decree(cal, 2030), "\xe2\x84\x96 1 \xd0\xbe\xd1\x82 01.01.2029");
    bool prov = true;
    assert_false(calendar_is_working_day(cal, ymd(2030, 1, 8), &prov));
    assert_false(prov);
    assert_true(calendar_is_working_day(cal, ymd(2030, 1, 9), NULL));
    assert_true(calendar_is_working_day(cal, ymd(2030, 1, 12), NULL)); /* Sat made working */
    assert_true(calendar_is_working_day(cal, ymd(2030, 1, 13), NULL)); /* Sun made working */
    assert_false(calendar_is_working_day(cal, ymd(2030, 1, 19), NULL));
    assert_false(calendar_is_working_day(cal, ymd(2030, 12, 31), NULL));
    /* Holidays are not implied in a loaded year: Feb 23 2030 is a Saturday,
     * Mar 8 a Friday that this text does not list. */
    assert_true(calendar_is_working_day(cal, ymd(2030, 3, 8), NULL));

    /* A year with only weekends, and no decree. */
    assert_int_equal(load_str(cal, "year 2031\n", &err), 0);
    assert_null(calendar_decree(cal, 2031));
    assert_int_equal(calendar_count_working_days(cal, ymd(2031, 1, 1), ymd(2031, 12, 31), NULL), 261);
}

static void test_years_in_any_order(void **state)
{
    calendar_t *cal = *state;
    err_t err;
    static const int years[] = {2040, 2035, 2045, 2030, 2038, 2033};
    char text[32];
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        snprintf(text, sizeof text, "year %d\noff %d-03-01", years[i], years[i]);
        assert_int_equal(load_str(cal, text, &err), 0);
    }
    for (int y = 2029; y <= 2046; y++) {
        bool loaded = false;
        for (size_t i = 0; i < sizeof years / sizeof years[0]; i++)
            loaded |= years[i] == y;
        assert_int_equal(calendar_has_year(cal, y), loaded);
        bool prov = false;
        calendar_is_working_day(cal, ymd(y, 3, 1), &prov);
        assert_int_equal(prov, !loaded);
    }
    assert_int_equal(load_str(cal, "year 2035\n", &err), -EEXIST);
    assert_string_equal(err.code, "calendar_year_loaded");
}

struct bad_case {
    const char *text;
    const char *where; /* substring expected in err.msg */
};

static void test_parse_rejects(void **state)
{
    calendar_t *cal = *state;
    static const struct bad_case cases[] = {
        {"", "no 'year'"},
        {"# only a comment\n\n", "no 'year'"},
        {"off 2025-01-01\nyear 2025\n", "line 1"},
        {"decree x\nyear 2025\n", "line 1"},
        {"year 2025\nyear 2025\n", "line 2"},
        {"year 1899\n", "line 1"},
        {"year 2201\n", "line 1"},
        {"year 25\n", "line 1"},
        {"year 02025\n", "line 1"},
        {"year\n", "line 1"},
        {"year 2025 extra\n", "line 1"},
        {"year 2025\nholiday 2025-01-01\n", "line 2"},
        {"year 2025\nOff 2025-01-01\n", "line 2"},
        {"year 2025\noff\n", "line 2"},
        {"year 2025\noff 2025-02-30\n", "line 2"},
        {"year 2025\noff 2025-1-01\n", "line 2"},
        {"year 2025\noff 2026-01-01\n", "line 2"},
        {"year 2025\noff 2024-12-31..2025-01-02\n", "line 2"},
        {"year 2025\noff 2025-12-30..2026-01-02\n", "line 2"},
        {"year 2025\noff 2025-01-08..2025-01-01\n", "line 2"},
        {"year 2025\noff 2025-01-01 .. 2025-01-08\n", "line 2"},
        {"year 2025\noff 2025-01-01..\n", "line 2"},
        {"year 2025\noff 2025-01-01-2025-01-08\n", "line 2"},
        {"year 2025\noff 2025-01-01 2025-01-02\n", "line 2"},
        {"year 2025\n\n\nwork 2025-11-03\n", "line 4"},         /* a Monday */
        {"year 2025\nwork 2025-11-01..2025-11-03\n", "line 2"}, /* ends on a Monday */
        {"year 2025\noff 2025-11-01\nwork 2025-11-01\n", "line 3"},
        {"year 2025\nwork 2025-11-01\noff 2025-10-31..2025-11-02\n", "line 3"},
        {"year 2025\ndecree a\ndecree b\n", "line 3"},
        {"year 2025\ndecree\n", "line 2"},
        {"year 2025\ndecree   # only a comment\n", "line 2"},
        {"year 2025\ndecree \xff\n", "line 2"},
        {"year 2025\ndecree \xc0\xaf\n", "line 2"},     /* overlong '/' */
        {"year 2025\ndecree \xed\xa0\x80\n", "line 2"}, /* surrogate */
        {"year 2025\ndecree \xd0\n", "line 2"},         /* truncated */
        {"year 2025\ndecree \xc2\x85\n", "line 2"},     /* C1 control */
        {"year 2025\ndecree a\tb\n", "line 2"},
        {"year 2025\noff 2025-01-01\r\r\n", "line 2"},
        {"year 2025\n\x01\n", "line 2"},
        {"year 2025\noff 2025-01-01\x7f\n", "line 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t err;
        int r = load_str(cal, cases[i].text, &err);
        if (r != -EINVAL || strstr(err.msg, cases[i].where) == NULL)
            fail_msg("case %zu: r=%d msg=\"%s\"", i, r, err.msg);
        assert_int_equal(err.errnum, -EINVAL);
        assert_string_equal(err.code, "calendar_syntax");
        assert_false(calendar_has_year(cal, 2025)); /* nothing half-loaded */
    }
}

static void test_parse_rejects_binary_and_size(void **state)
{
    calendar_t *cal = *state;
    err_t err;
    static const char nul_text[] = "year 2025\noff 2025-01-01\0\n";
    err_clear(&err);
    assert_int_equal(calendar_load_year(cal, nul_text, sizeof nul_text - 1, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "line 2"));

    char decree[300];
    memset(decree, 'x', sizeof decree);
    char text[400];
    snprintf(text, sizeof text, "year 2025\ndecree %.*s\n", CALENDAR_DECREE_MAX + 1, decree);
    assert_int_equal(load_str(cal, text, &err), -EINVAL);
    snprintf(text, sizeof text, "year 2025\ndecree %.*s\n", CALENDAR_DECREE_MAX, decree);
    assert_int_equal(load_str(cal, text, &err), 0);
    assert_int_equal(strlen(calendar_decree(cal, 2025)), CALENDAR_DECREE_MAX);

    char *big = malloc(CALENDAR_TEXT_MAX + 2);
    assert_non_null(big);
    memset(big, '\n', CALENDAR_TEXT_MAX + 1);
    memcpy(big, "year 2026\n", 10);
    err_clear(&err);
    assert_int_equal(calendar_load_year(cal, big, CALENDAR_TEXT_MAX + 1, &err), -EINVAL);
    assert_string_equal(err.code, "calendar_syntax");
    assert_int_equal(calendar_load_year(cal, big, CALENDAR_TEXT_MAX, &err), 0);
    free(big);

    assert_int_equal(calendar_load_year(cal, NULL, 0, &err), -EINVAL);
    assert_int_equal(calendar_load_year(NULL, "year 2027", 9, NULL), -EINVAL);
    assert_int_equal(calendar_load_year(cal, "year 2027", 9, NULL), 0); /* err may be NULL */
    assert_int_equal(calendar_load_year(cal, "year 2027", 9, NULL), -EEXIST);
}

static void test_shipped_file_twice(void **state)
{
    calendar_t *cal = *state; /* official setup: 2025 and 2026 loaded */
    char path[512], text[CALENDAR_TEXT_MAX];
    snprintf(path, sizeof path, "%s/data/calendar/ru/2025.txt", UCHET_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    err_t err;
    err_clear(&err);
    assert_int_equal(calendar_load_year(cal, text, n, &err), -EEXIST);
    assert_string_equal(err.code, "calendar_year_loaded");
    assert_true(calendar_is_working_day(cal, ymd(2025, 11, 1), NULL)); /* unchanged */
}

static void test_free_null(void **state)
{
    (void)state;
    calendar_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_2025_official, setup_official, teardown),
        cmocka_unit_test_setup_teardown(test_2026_official, setup_official, teardown),
        cmocka_unit_test_setup_teardown(test_2027_provisional, setup_official, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_differs_from_decree, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_matches_naive_rule, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_add_working_days, setup_official, teardown),
        cmocka_unit_test_setup_teardown(test_add_into_provisional_year, setup_official, teardown),
        cmocka_unit_test(test_add_without_2026),
        cmocka_unit_test_setup_teardown(test_count_working_days, setup_official, teardown),
        cmocka_unit_test_setup_teardown(test_add_matches_count, setup_official, teardown),
        cmocka_unit_test_setup_teardown(test_extreme_inputs, setup_official, teardown),
        cmocka_unit_test_setup_teardown(test_parse_accepts, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_years_in_any_order, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_parse_rejects, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_parse_rejects_binary_and_size, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_shipped_file_twice, setup_official, teardown),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
