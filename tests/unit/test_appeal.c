/* Unit tests for src/store/appeal.c (product rule 13): the window, who may
 * appeal what, and what a grant or a refusal does to the registration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/appeal.h"
#include "store/officer.h"
#include "store_fixture.h"

/* The lapse: the fixture's registration is due Thu 11-06. */
#define LAPSED_AT fx_at(2025, 11, 7, 0)

/* Registered Fri 2025-10-31, lapsed at 2025-11-07 00:00. */
static int setup(void **state)
{
    static fx_world_t w;
    fx_world_init(&w, FX_REGISTERED);
    fx_end(w.f, w.reg, w.pid, "lapsed", LAPSED_AT);
    *state = &w;
    return 0;
}

/* Files an appeal at `now` (with a fresh session, as after a log-in). */
static int file(fx_world_t *w, int64_t now, appeal_file_op_t *o)
{
    appeal_file_op_init(o);
    fx_session(w->f, w->pid, now, o->token_hash);
    o->now = now;
    snprintf(o->reason, sizeof o->reason, "My phone broke and I could not confirm.");
    return fx_run(w->f, &o->op);
}

static int decide(fx_world_t *w, int64_t id, bool grant, int64_t now, appeal_decide_op_t *o)
{
    appeal_decide_op_init(o);
    o->roles = OFFICER_REGISTRAR; /* as api/desk_acl.c declares it */
    fx_officer(w->f, "registrar", now, o->token_hash);
    o->now = now;
    o->appeal_id = id;
    o->grant = grant;
    o->cal = w->f->cal;
    o->regions = &w->f->regions;
    snprintf(o->reason, sizeof o->reason, "Hospital certificate seen.");
    return fx_run(w->f, &o->op);
}

static void test_window_is_the_lapse_day_plus_30(void **state)
{
    (void)state;
    int64_t lapse = fx_at(2025, 11, 7, 0);
    assert_int_equal(deadline_appeal_closes(lapse), fx_at(2025, 12, 8, 0));
}

static void test_appeal_on_the_last_second_and_not_after(void **state)
{
    fx_world_t *w = *state;
    appeal_file_op_t o;
    int64_t end = deadline_appeal_closes(LAPSED_AT);
    assert_int_equal(file(w, end, &o), -EEXIST);
    assert_string_equal(o.op.err.code, "appeal_window_closed");
    assert_int_equal(file(w, end - 1, &o), 0);
    assert_string_equal(o.ret.status, "pending");
    assert_int_equal(o.ret.registration_id, w->reg);
    assert_int_equal(o.ret.lapsed_at, LAPSED_AT);
    assert_int_equal(o.ret.last_confirmed_on, date_from_ymd(2025, 10, 31));
}

static void test_second_appeal_is_refused(void **state)
{
    fx_world_t *w = *state;
    appeal_file_op_t o;
    assert_int_equal(file(w, LAPSED_AT + 3600, &o), 0);
    assert_int_equal(file(w, LAPSED_AT + 7200, &o), -EEXIST);
    assert_string_equal(o.op.err.code, "appeal_exists");
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM appeals"), 1);
}

static void test_only_the_newest_registration_if_lapsed(void **state)
{
    fx_world_t *w = *state;
    int64_t t = fx_at(2025, 11, 8, 10);
    uint8_t tok[SECRET_HASH_BYTES];
    fx_session(w->f, w->pid, t, tok);
    int64_t again = fx_register(w->f, tok, t);
    appeal_file_op_t o;
    assert_int_equal(file(w, t, &o), -EEXIST);
    assert_string_equal(o.op.err.code, "no_lapsed_registration");
    fx_end(w->f, again, w->pid, "departed", t + 60);
    assert_int_equal(file(w, t + 120, &o), -EEXIST);
    assert_string_equal(o.op.err.code, "no_lapsed_registration");
}

static void test_grant_restores_with_a_fresh_deadline(void **state)
{
    fx_world_t *w = *state;
    appeal_file_op_t f;
    appeal_decide_op_t d;
    assert_int_equal(file(w, LAPSED_AT + 3600, &f), 0);
    assert_int_equal(decide(w, f.ret.id, true, fx_at(2025, 11, 10, 11), &d), 0);
    assert_int_equal(d.ret_due_date, date_from_ymd(2025, 11, 13)); /* Mon + 3 working days */
    assert_string_equal(d.ret.status, "granted");
    assert_int_equal(d.ret.lapsed_at, LAPSED_AT); /* still names the lapse it was about */
    registration_view_t v;
    assert_int_equal(registration_active(w->f->db, w->pid, &v, NULL), 0);
    assert_int_equal(v.id, w->reg);
    assert_int_equal(v.last_confirmed_on, date_from_ymd(2025, 11, 10));
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM registration_rows WHERE due_date = '2025-11-13'"
                                    " AND ended_at IS NULL AND end_reason IS NULL"),
        1);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM notices WHERE kind = 'appeal_granted'"
                                    " AND params = '{\"due_date\":\"2025-11-13\"}'"),
        1);
    assert_int_equal(decide(w, f.ret.id, false, fx_at(2025, 11, 10, 12), &d), -EEXIST);
    assert_string_equal(d.op.err.code, "appeal_decided");
}

static void test_refusal_changes_nothing_but_the_appeal(void **state)
{
    fx_world_t *w = *state;
    appeal_file_op_t f;
    appeal_decide_op_t d;
    assert_int_equal(file(w, LAPSED_AT + 3600, &f), 0);
    assert_int_equal(decide(w, f.ret.id, false, fx_at(2025, 11, 10, 11), &d), 0);
    assert_int_equal(d.ret_due_date, 0);
    assert_string_equal(d.ret.status, "refused");
    assert_string_equal(d.ret.decision_reason, "Hospital certificate seen.");
    registration_view_t v;
    assert_int_equal(registration_active(w->f->db, w->pid, &v, NULL), -ENOENT);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM registrations WHERE status = 'ended'"
                                    " AND end_reason = 'lapsed' AND last_confirmed_on = '2025-10-31'"),
        1);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM notices WHERE kind = 'appeal_refused'"), 1);
}

static void test_registered_again_blocks_the_grant_and_leaves_all_as_it_was(void **state)
{
    fx_world_t *w = *state;
    appeal_file_op_t f;
    appeal_decide_op_t d;
    assert_int_equal(file(w, LAPSED_AT + 3600, &f), 0);
    uint8_t tok[SECRET_HASH_BYTES];
    int64_t t = fx_at(2025, 11, 8, 10);
    fx_session(w->f, w->pid, t, tok);
    int64_t again = fx_register(w->f, tok, t);
    int64_t events = fx_count(w->f, "SELECT COUNT(*) FROM audit");
    assert_int_equal(decide(w, f.ret.id, true, t + 60, &d), -EEXIST);
    assert_string_equal(d.op.err.code, "registered_again");
    registration_view_t v;
    assert_int_equal(registration_active(w->f->db, w->pid, &v, NULL), 0);
    assert_int_equal(v.id, again);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM appeals WHERE status = 'pending'"), 1);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM audit"), events);
}

static void test_queue_is_for_registrars_only(void **state)
{
    fx_world_t *w = *state;
    appeal_file_op_t f;
    assert_int_equal(file(w, LAPSED_AT + 3600, &f), 0);
    appeal_queue_op_t q;
    appeal_queue_op_init(&q);
    q.roles = OFFICER_REGISTRAR;
    fx_officer(w->f, "inspector", LAPSED_AT, q.token_hash);
    q.now = LAPSED_AT + 60;
    snprintf(q.status, sizeof q.status, "pending");
    assert_int_equal(fx_read(w->f, &q.op), -EPERM);
    fx_officer(w->f, "registrar", LAPSED_AT, q.token_hash);
    assert_int_equal(fx_read(w->f, &q.op), 0);
    assert_int_equal(q.ret_n, 1);
    assert_int_equal(q.ret[0].id, f.ret.id);
    q.now = LAPSED_AT + 7200; /* the desk session expired */
    q.ret_n = 0;
    assert_int_equal(fx_read(w->f, &q.op), -EACCES);
}

static void test_persons_list_is_their_own(void **state)
{
    fx_world_t *w = *state;
    appeal_file_op_t f;
    assert_int_equal(file(w, LAPSED_AT + 3600, &f), 0);
    int64_t other = fx_person(w->f, "7700000002", LAPSED_AT);
    appeal_mine_op_t m;
    appeal_mine_op_init(&m);
    fx_session(w->f, other, LAPSED_AT, m.token_hash);
    m.now = LAPSED_AT + 60;
    assert_int_equal(fx_read(w->f, &m.op), 0);
    assert_int_equal(m.ret_n, 0);
    fx_session(w->f, w->pid, LAPSED_AT, m.token_hash);
    assert_int_equal(fx_read(w->f, &m.op), 0);
    assert_int_equal(m.ret_n, 1);
    assert_string_equal(m.ret[0].reason, "My phone broke and I could not confirm.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_is_the_lapse_day_plus_30),
        cmocka_unit_test_setup_teardown(test_appeal_on_the_last_second_and_not_after, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_second_appeal_is_refused, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_only_the_newest_registration_if_lapsed, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grant_restores_with_a_fresh_deadline, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refusal_changes_nothing_but_the_appeal, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(
            test_registered_again_blocks_the_grant_and_leaves_all_as_it_was, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_queue_is_for_registrars_only, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_persons_list_is_their_own, setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
