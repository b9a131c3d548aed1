/* Unit tests for src/rules/deadline.c: product rule 4 on the real calendars. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rules/deadline.h"

#ifndef UCHET_SOURCE_DIR
#define UCHET_SOURCE_DIR "."
#endif

#define MOSCOW 180

static date_t ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

static void load_shipped(calendar_t *cal, int year)
{
    char path[512], text[CALENDAR_TEXT_MAX];
    snprintf(path, sizeof path, "%s/data/calendar/ru/%d.txt", UCHET_SOURCE_DIR, year);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    assert_int_equal(calendar_load_year(cal, text, n, NULL), 0);
}

static int setup(void **state)
{
    calendar_t *cal = calendar_new();
    if (!cal)
        return -1;
    load_shipped(cal, 2025);
    load_shipped(cal, 2026);
    *state = cal;
    return 0;
}

static int teardown(void **state)
{
    calendar_free(*state);
    return 0;
}

static deadline_t compute(const calendar_t *cal, date_t last, date_t today, int n)
{
    deadline_t dl;
    memset(&dl, 0x5a, sizeof dl); /* every field must be written */
    deadline_compute(cal, last, today, n, MOSCOW, &dl);
    return dl;
}

static void assert_time(int64_t t, int offset, const char *want)
{
    char out[32];
    time_format_rfc3339(t, offset, out);
    assert_string_equal(out, want);
}

/* The product's own example: last confirmation Fri 2025-10-31. */
static void test_product_example(void **state)
{
    const calendar_t *cal = *state;
    deadline_t dl = compute(cal, ymd(2025, 10, 31), ymd(2025, 10, 31), 3);
    assert_int_equal(dl.due_date, ymd(2025, 11, 6));
    assert_int_equal(dl.lapse_at, 1762462800);
    assert_time(dl.lapse_at, MOSCOW, "2025-11-07T00:00:00+03:00");
    assert_time(dl.lapse_at, 0, "2025-11-06T21:00:00Z");
    /* counted: Sat 11-01 (working Saturday), Wed 11-05, Thu 11-06 */
    assert_int_equal(dl.working_days_left, 3);
    assert_false(dl.provisional);
}

static void test_days_left_as_today_moves(void **state)
{
    const calendar_t *cal = *state;
    static const struct {
        int month, day, left;
    } steps[] = {
        {10, 30, 3}, /* a clock behind the last confirmation still counts from last + 1 */
        {10, 31, 3},
        {11, 1, 3}, /* today counts when it is a working day */
        {11, 2, 2},
        {11, 3, 2},
        {11, 4, 2},
        {11, 5, 2},
        {11, 6, 1},
        {11, 7, 0},
        {12, 1, 0},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        deadline_t dl = compute(cal, ymd(2025, 10, 31), ymd(2025, steps[i].month, steps[i].day), 3);
        assert_int_equal(dl.due_date, ymd(2025, 11, 6));
        if (dl.working_days_left != steps[i].left)
            fail_msg("today 2025-%02d-%02d: left %d, want %d", steps[i].month, steps[i].day, dl.working_days_left,
                steps[i].left);
    }
}

static void test_lapse_is_the_instant_after_due(void **state)
{
    const calendar_t *cal = *state;
    deadline_t dl = compute(cal, ymd(2025, 10, 31), ymd(2025, 11, 6), 3);
    /* The last second of the due day is still local Nov 6; lapse_at is Nov 7. */
    assert_int_equal(date_local(dl.lapse_at - 1, MOSCOW), ymd(2025, 11, 6));
    assert_int_equal(date_local(dl.lapse_at, MOSCOW), ymd(2025, 11, 7));
}

static void test_year_boundary_2025_2026(void **state)
{
    const calendar_t *cal = *state;
    /* Dec 31 off, Jan 1-11 off: Jan 12, 13, 14. */
    deadline_t dl = compute(cal, ymd(2025, 12, 30), ymd(2025, 12, 30), 3);
    assert_int_equal(dl.due_date, ymd(2026, 1, 14));
    assert_time(dl.lapse_at, MOSCOW, "2026-01-15T00:00:00+03:00");
    assert_int_equal(dl.lapse_at, 1768424400);
    assert_int_equal(dl.working_days_left, 3);
    assert_false(dl.provisional);
    dl = compute(cal, ymd(2025, 12, 30), ymd(2026, 1, 5), 3);
    assert_int_equal(dl.working_days_left, 3);
    dl = compute(cal, ymd(2025, 12, 30), ymd(2026, 1, 13), 3);
    assert_int_equal(dl.working_days_left, 2);
}

static void test_year_boundary_into_provisional_2027(void **state)
{
    const calendar_t *cal = *state;
    /* Dec 30 (1), Dec 31 off, 2027: Jan 1-8 holidays, Sat 9, Sun 10, Jan 11 (2), Jan 12 (3). */
    deadline_t dl = compute(cal, ymd(2026, 12, 29), ymd(2026, 12, 29), 3);
    assert_int_equal(dl.due_date, ymd(2027, 1, 12));
    assert_time(dl.lapse_at, MOSCOW, "2027-01-13T00:00:00+03:00");
    assert_int_equal(dl.working_days_left, 3);
    assert_true(dl.provisional);
    /* A deadline that stays inside 2026 is not provisional. */
    dl = compute(cal, ymd(2026, 12, 24), ymd(2026, 12, 24), 3);
    assert_int_equal(dl.due_date, ymd(2026, 12, 29));
    assert_false(dl.provisional);
}

static void test_provisional_move_in_2027(void **state)
{
    const calendar_t *cal = *state;
    /* 2027: Sat May 1 -> Mon May 3 off, Sun May 9 -> Mon May 10 off.
     * Fri Apr 30 + 3: Tue May 4, Wed May 5, Thu May 6. */
    deadline_t dl = compute(cal, ymd(2027, 4, 30), ymd(2027, 4, 30), 3);
    assert_int_equal(dl.due_date, ymd(2027, 5, 6));
    assert_true(dl.provisional);
    /* Fri May 7 + 3: Tue May 11, Wed May 12, Thu May 13. */
    dl = compute(cal, ymd(2027, 5, 7), ymd(2027, 5, 10), 3);
    assert_int_equal(dl.due_date, ymd(2027, 5, 13));
    assert_int_equal(dl.working_days_left, 3);
}

static void test_other_n_and_offsets(void **state)
{
    const calendar_t *cal = *state;
    deadline_t dl = compute(cal, ymd(2025, 10, 31), ymd(2025, 10, 31), 0);
    assert_int_equal(dl.due_date, ymd(2025, 10, 31));
    assert_int_equal(dl.working_days_left, 0);
    dl = compute(cal, ymd(2025, 10, 31), ymd(2025, 10, 31), -3);
    assert_int_equal(dl.due_date, ymd(2025, 10, 31));
    dl = compute(cal, ymd(2025, 10, 31), ymd(2025, 10, 31), 5);
    assert_int_equal(dl.due_date, ymd(2025, 11, 10));
    assert_int_equal(dl.working_days_left, 5);

    deadline_compute(cal, ymd(2025, 10, 31), ymd(2025, 10, 31), 3, 420, &dl); /* Krasnoyarsk */
    assert_time(dl.lapse_at, 420, "2025-11-07T00:00:00+07:00");
    assert_time(dl.lapse_at, 0, "2025-11-06T17:00:00Z");
}

static void test_null_calendar_is_provisional(void **state)
{
    (void)state;
    deadline_t dl;
    /* Without the decree Nov 1 is an ordinary Saturday and Nov 3 a working
     * Monday, so one working day after Oct 31 is Nov 3, not Nov 1. */
    deadline_compute(NULL, ymd(2025, 10, 31), ymd(2025, 10, 31), 1, MOSCOW, &dl);
    assert_int_equal(dl.due_date, ymd(2025, 11, 3));
    assert_true(dl.provisional);
}

/* Rule 4's example: due Thu 2025-11-06 lapses at 11-07 00:00 Moscow; and
 * rule 13: an appeal until the end of the 30th day after the lapse day. */
static void test_lapse_overdue_and_appeal_written_once(void **state)
{
    (void)state;
    date_t due = date_from_ymd(2025, 11, 6);
    int64_t at = deadline_lapse_at(due, 180);
    assert_time(at, 180, "2025-11-07T00:00:00+03:00");
    assert_false(deadline_overdue(due, due));
    assert_true(deadline_overdue(due, due + 1));
    assert_int_equal(deadline_appeal_until(at, 180), date_from_ymd(2025, 12, 7));
    assert_int_equal(deadline_appeal_until(at, 180), due + 1 + APPEAL_WINDOW_DAYS);
    assert_time(deadline_appeal_closes(at), 180, "2025-12-08T00:00:00+03:00");
    /* Vladivostok (+600): the same local days. */
    int64_t vl = deadline_lapse_at(due, 600);
    assert_time(vl, 600, "2025-11-07T00:00:00+10:00");
    assert_int_equal(deadline_appeal_until(vl, 600), date_from_ymd(2025, 12, 7));
}

/* The day a registrar decides an appeal by: the 5th working day after the
 * local filing day, across the Nov 4 holiday, and by the region's clock. */
static void test_appeal_decision_due(void **state)
{
    const calendar_t *cal = *state;
    int64_t t;
    int off;
    assert_int_equal(time_parse_rfc3339("2025-11-03T12:00:00+03:00", 25, &t, &off), 0);
    assert_int_equal(deadline_appeal_decision_due(cal, t, MOSCOW), ymd(2025, 11, 11)); /* 5, 6, 7, 10, 11 */
    /* 21:30 UTC on Friday is already Saturday in Moscow: counted from Saturday */
    assert_int_equal(time_parse_rfc3339("2025-11-07T21:30:00Z", 20, &t, &off), 0);
    assert_int_equal(deadline_appeal_decision_due(cal, t, MOSCOW), ymd(2025, 11, 14));
    /* 22:00 UTC on Sunday: Monday in Moscow (11..17), still Sunday at UTC (10..14) */
    assert_int_equal(time_parse_rfc3339("2025-11-09T22:00:00Z", 20, &t, &off), 0);
    assert_int_equal(deadline_appeal_decision_due(cal, t, MOSCOW), ymd(2025, 11, 17));
    assert_int_equal(deadline_appeal_decision_due(cal, t, 0), ymd(2025, 11, 14));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_product_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_days_left_as_today_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lapse_is_the_instant_after_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_year_boundary_2025_2026, setup, teardown),
        cmocka_unit_test_setup_teardown(test_year_boundary_into_provisional_2027, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provisional_move_in_2027, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_n_and_offsets, setup, teardown),
        cmocka_unit_test(test_null_calendar_is_provisional),
        cmocka_unit_test(test_lapse_overdue_and_appeal_written_once),
        cmocka_unit_test_setup_teardown(test_appeal_decision_due, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
