/* Unit tests for src/store/session.c (issue 17): a person's session slides
 * with renewals up to its cap, the password re-check time, log out
 * everywhere, and the activation code a registrar re-issues. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/officer.h"
#include "store_fixture.h"

#define DAY 86400

static int renew(fx_world_t *w, int64_t now, int64_t *ret_expires)
{
    session_renew_op_t o;
    session_renew_op_init(&o);
    o.now = now;
    memcpy(o.token_hash, w->person, sizeof o.token_hash);
    int r = fx_run(w->f, &o.op);
    if (r == 0 && ret_expires)
        *ret_expires = o.ret_expires_at;
    return r;
}

static int alive(fx_world_t *w, int64_t now)
{
    int64_t pid = 0;
    assert_int_equal(db_begin_read(w->f->db, NULL), 0);
    err_t e = {0};
    int r = session_person(w->f->db, w->person, now, &pid, &e);
    db_rollback(w->f->db);
    return r == 0 && pid == w->pid;
}

static void test_renewal_slides_up_to_the_cap(void **state)
{
    fx_world_t *w = *state;
    assert_true(alive(w, w->t0 + 29 * DAY));
    assert_false(alive(w, w->t0 + 30 * DAY)); /* idle 30 days: over */
    int64_t exp = 0;
    for (int day = 25; day <= 50; day += 25) {
        assert_int_equal(renew(w, w->t0 + day * DAY, &exp), 0);
        assert_int_equal(exp, w->t0 + (day + 30) * DAY);
    }
    assert_int_equal(renew(w, w->t0 + 75 * DAY, &exp), 0);
    assert_int_equal(exp, w->t0 + 90 * DAY); /* the cap, not day 105 */
    assert_true(alive(w, w->t0 + 90 * DAY - 1));
    assert_false(alive(w, w->t0 + 90 * DAY));
    assert_int_equal(renew(w, w->t0 + 90 * DAY, NULL), -EACCES);
}

static void test_recheck_time_is_the_log_in_then_the_recheck(void **state)
{
    fx_world_t *w = *state;
    session_recheck_op_t o;
    session_recheck_op_init(&o);
    o.now = w->t0 + 60;
    memcpy(o.token_hash, w->person, sizeof o.token_hash);
    assert_int_equal(fx_read(w->f, &o.op), 0);
    assert_int_equal(o.ret_recheck_at, w->t0);
    o.now = w->t0 + 31 * DAY; /* session over */
    assert_int_equal(fx_read(w->f, &o.op), -EACCES);
}

static void test_end_all_ends_only_this_persons_sessions(void **state)
{
    fx_world_t *w = *state;
    uint8_t second[SECRET_HASH_BYTES], stranger[SECRET_HASH_BYTES];
    fx_session(w->f, w->pid, w->t0 + 10, second);
    int64_t other = fx_person(w->f, "7700000002", w->t0);
    fx_session(w->f, other, w->t0, stranger);
    session_list_op_t l;
    session_list_op_init(&l);
    l.now = w->t0 + 20;
    memcpy(l.token_hash, second, sizeof l.token_hash);
    assert_int_equal(fx_read(w->f, &l.op), 0);
    assert_int_equal(l.ret_n, 2);
    assert_true(l.ret[0].current && !l.ret[1].current); /* newest first */
    session_end_all_op_t o;
    session_end_all_op_init(&o);
    o.now = w->t0 + 30;
    memcpy(o.token_hash, w->person, sizeof o.token_hash);
    assert_int_equal(fx_run(w->f, &o.op), 0);
    assert_int_equal(o.ret_ended, 2);
    assert_false(alive(w, w->t0 + 40));
    memcpy(w->person, stranger, sizeof w->person);
    w->pid = other;
    assert_true(alive(w, w->t0 + 40));
}

static void test_reissue_ends_sessions_and_the_old_password(void **state)
{
    fx_world_t *w = *state;
    session_reissue_op_t o;
    session_reissue_op_init(&o);
    o.now = w->t0 + 100;
    snprintf(o.doc_kind, sizeof o.doc_kind, "card");
    snprintf(o.doc_number, sizeof o.doc_number, "7700000009");
    snprintf(o.actor, sizeof o.actor, "operator");
    snprintf(o.reason, sizeof o.reason, "forgot the password");
    assert_int_equal(fx_run(w->f, &o.op), -ENOENT);
    snprintf(o.doc_number, sizeof o.doc_number, "7700000001");
    assert_int_equal(fx_run(w->f, &o.op), 0);
    assert_int_equal(o.ret_person_id, w->pid);
    assert_int_equal(o.ret_ended, 1);
    assert_int_equal(o.ret_expires_at, w->t0 + 100 + LIMIT_ACTIVATION_TTL_S);
    assert_false(alive(w, w->t0 + 200));
    /* a desk token that is no registrar's: refused, nothing changed */
    session_reissue_op_t d;
    session_reissue_op_init(&d);
    d.now = w->t0 + 300;
    d.by_officer = true;
    d.officer_roles = OFFICER_REGISTRAR;
    memcpy(d.token_hash, w->person, sizeof d.token_hash);
    snprintf(d.doc_kind, sizeof d.doc_kind, "card");
    snprintf(d.doc_number, sizeof d.doc_number, "7700000001");
    assert_int_equal(fx_run(w->f, &d.op), -EACCES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_renewal_slides_up_to_the_cap, fx_setup_person, fx_teardown),
        cmocka_unit_test_setup_teardown(test_recheck_time_is_the_log_in_then_the_recheck, fx_setup_person, fx_teardown),
        cmocka_unit_test_setup_teardown(test_end_all_ends_only_this_persons_sessions, fx_setup_person, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reissue_ends_sessions_and_the_old_password, fx_setup_person, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
