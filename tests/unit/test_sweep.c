/* Unit tests for src/store/sweep.c's lapse on SQLite (product rule 6,
 * schema v4, v13): a due date lapses as one mark, every reader sees it
 * through the view registrations, the stored row (registration_rows) is
 * rewritten only when next written, and the sweep leaves its connection
 * checking references again. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/sweep.h"
#include "store_fixture.h"

typedef struct world {
    fx_t *f;
    int64_t due_pid, later_pid, due_reg, later_reg;
} world_t;

/* Two people: one registered on Fri 2025-10-31 (due Thu 11-06), one on
 * Wed 11-05 (due Mon 11-10). */
static int setup(void **state)
{
    static world_t w;
    uint8_t due_token[SECRET_HASH_BYTES], later_token[SECRET_HASH_BYTES];
    w.f = fx_new();
    w.due_pid = fx_person(w.f, "7700000001", fx_at(2025, 10, 31, 10));
    w.later_pid = fx_person(w.f, "7700000002", fx_at(2025, 10, 31, 10));
    fx_session(w.f, w.due_pid, fx_at(2025, 10, 31, 10), due_token);
    fx_session(w.f, w.later_pid, fx_at(2025, 11, 5, 10), later_token);
    w.due_reg = fx_register(w.f, due_token, fx_at(2025, 10, 31, 10));
    w.later_reg = fx_register(w.f, later_token, fx_at(2025, 11, 5, 10));
    *state = &w;
    return 0;
}

static int teardown(void **state)
{
    fx_free(((world_t *)*state)->f);
    return 0;
}

static sweep_result_t sweep(world_t *w, int y, int m, int d)
{
    sweep_result_t res;
    date_t day = date_from_ymd(y, m, d);
    assert_int_equal(sweep_run(w->f->db, w->f->cal, &w->f->region, day, fx_at(y, m, d, 0) + 5, 90, &res, NULL), 0);
    return res;
}

/* COUNT(*) of sql (a literal: the statement cache knows statements by
 * their text's address) with its ?s bound to a and b in turn. */
static int64_t count(world_t *w, const char *sql, int64_t a, int64_t b)
{
    db_stmt_t *st;
    assert_int_equal(db_prepare(w->f->db, sql, &st, NULL), 0);
    db_bind_int(st, 1, a);
    if (b)
        db_bind_int(st, 2, b);
    assert_int_equal(db_step(st, NULL), 1);
    int64_t n = db_col_int(st, 0);
    db_run(st, NULL);
    return n;
}

static void test_a_due_date_lapses_as_one_mark_that_every_reader_sees(void **state)
{
    world_t *w = *state;
    assert_int_equal(sweep(w, 2025, 11, 7).lapsed, 1);
    int64_t lapse = fx_at(2025, 11, 7, 0);
    assert_int_equal(
        fx_count(w->f, "SELECT COUNT(*) FROM lapse_marks WHERE region = '77' AND due_date = '2025-11-06'"), 1);
    assert_int_equal(count(w,
                         "SELECT COUNT(*) FROM registrations WHERE id = ? AND status = 'ended'"
                         " AND end_reason = 'lapsed' AND ended_at = ?",
                         w->due_reg, lapse),
        1);
    assert_int_equal(
        count(w, "SELECT COUNT(*) FROM registration_rows WHERE id = ? AND status = 'active'", w->due_reg, 0),
        1); /* not rewritten: that is what makes the sweep cheap */
    assert_int_equal(
        count(w, "SELECT COUNT(*) FROM registrations WHERE id = ? AND status = 'active'", w->later_reg, 0), 1);
    assert_int_equal(
        count(w, "SELECT COUNT(*) FROM notices WHERE person_id = ? AND kind = 'lapsed'", w->due_pid, 0), 1);
    assert_int_equal(
        count(w, "SELECT COUNT(*) FROM notices WHERE person_id = ? AND kind <> 'one_day_left'", w->later_pid, 0), 0);
    /* The next working day's reminder, pushed from 09:00, with the reminder's parameters. */
    assert_int_equal(count(w,
                         "SELECT COUNT(*) FROM notices WHERE person_id = ? AND kind = 'one_day_left'"
                         " AND params = '{\"due_date\":\"2025-11-10\",\"lapse_at\":\"2025-11-11T00:00:00+03:00\"}'"
                         " AND next_push_at = ?",
                         w->later_pid, fx_at(2025, 11, 7, 9)),
        1);
    assert_int_equal(count(w,
                         "SELECT COUNT(*) FROM audit WHERE action = 'registrations.lapsed' AND subject = 'region:77'"
                         " AND detail = '{\"due_date\":\"2025-11-06\",\"registrations\":[' || ? || ']}'",
                         w->due_reg, 0),
        1);

    registration_view_t v;
    assert_int_equal(registration_active(w->f->db, w->due_pid, &v, NULL), -ENOENT);
    assert_int_equal(registration_active(w->f->db, w->later_pid, &v, NULL), 0);
}

static void test_a_second_sweep_of_the_day_changes_nothing(void **state)
{
    world_t *w = *state;
    sweep(w, 2025, 11, 7);
    int64_t audit = fx_count(w->f, "SELECT COUNT(*) FROM audit");
    int64_t notices = fx_count(w->f, "SELECT COUNT(*) FROM notices");
    sweep_result_t again = sweep(w, 2025, 11, 7);
    assert_int_equal(again.lapsed, 0);
    assert_int_equal(again.reminded, 0);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM lapse_marks"), 1);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM audit"), audit);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM notices"), notices);
}

/* One open registration per person is an index on the row itself: the row
 * a mark covers is rewritten before a new registration goes in. */
static void test_registering_again_rewrites_the_marked_row(void **state)
{
    world_t *w = *state;
    sweep(w, 2025, 11, 7);
    uint8_t token[SECRET_HASH_BYTES];
    fx_session(w->f, w->due_pid, fx_at(2025, 11, 7, 9), token);
    int64_t again = fx_register(w->f, token, fx_at(2025, 11, 7, 9));
    assert_true(again != w->due_reg);
    assert_int_equal(count(w,
                         "SELECT COUNT(*) FROM registration_rows WHERE id = ? AND status = 'ended'"
                         " AND end_reason = 'lapsed' AND ended_at = ?",
                         w->due_reg, fx_at(2025, 11, 7, 0)),
        1);
    registration_view_t v;
    assert_int_equal(registration_active(w->f->db, w->due_pid, &v, NULL), 0);
    assert_int_equal(v.id, again);
}

/* The sweep checks references like every other writer (it turned SQLite's
 * checks off around itself before schema version 14): after a sweep the
 * connection still refuses a registration of nobody. */
static void test_the_sweep_leaves_references_checked(void **state)
{
    world_t *w = *state;
    sweep(w, 2025, 11, 7);
    assert_int_not_equal(db_exec(w->f->db,
                             "INSERT INTO registration_rows (person_id, region, status, started_at, last_confirmed_on)"
                             " VALUES (999999, '77', 'active', 0, '2025-11-01')",
                             NULL),
        0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_due_date_lapses_as_one_mark_that_every_reader_sees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_second_sweep_of_the_day_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registering_again_rewrites_the_marked_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_sweep_leaves_references_checked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
