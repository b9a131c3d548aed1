/* Unit tests for src/store/registration.c as the only walk over a
 * guardian's wards (product rule 9): ending or restoring them has no cap.
 * 65 wards: one more than the 64 two of the old walks silently stopped at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/appeal.h"
#include "store/minor.h"
#include "store/officer.h"
#include "store/sweep.h"
#include "store_fixture.h"

#define WARDS 65

/* A guardian registered Fri 2025-10-31 (due Thu 11-06) with WARDS minors. */
static int setup(void **state)
{
    static fx_world_t w;
    fx_world_init(&w, FX_REGISTERED);
    for (int i = 0; i < WARDS; i++) {
        minor_add_op_t o;
        minor_add_op_init(&o);
        memcpy(o.token_hash, w.person, SECRET_HASH_BYTES);
        o.now = w.t0;
        o.today = date_local(w.t0, FX_MOSCOW);
        snprintf(o.surname, sizeof o.surname, "RAHIMOV");
        snprintf(o.given_names, sizeof o.given_names, "CHILD %d", i);
        snprintf(o.birth_date, sizeof o.birth_date, "2015-01-01");
        snprintf(o.citizenship, sizeof o.citizenship, "TJK");
        assert_int_equal(fx_run(w.f, &o.op), 0);
    }
    assert_int_equal(fx_count(w.f, "SELECT COUNT(*) FROM registrations WHERE guardian_registration_id IS NOT NULL"
                                   " AND status = 'active'"),
        WARDS);
    *state = &w;
    return 0;
}

/* The statement cache knows statements by their text's address: one
 * literal per status. */
static const char SQL_WARDS_ACTIVE[] =
    "SELECT COUNT(*) FROM registrations WHERE guardian_registration_id = ? AND status = 'active'";
static const char SQL_WARDS_ENDED[] =
    "SELECT COUNT(*) FROM registrations WHERE guardian_registration_id = ? AND status = 'ended'";

static int64_t wards(fx_world_t *w, const char *status)
{
    db_stmt_t *st;
    assert_int_equal(
        db_prepare(w->f->db, strcmp(status, "active") == 0 ? SQL_WARDS_ACTIVE : SQL_WARDS_ENDED, &st, NULL), 0);
    db_bind_int(st, 1, w->reg);
    assert_int_equal(db_step(st, NULL), 1);
    int64_t n = db_col_int(st, 0);
    db_run(st, NULL);
    return n;
}

static void test_ending_the_guardian_ends_every_ward(void **state)
{
    fx_world_t *w = *state;
    fx_end(w->f, w->reg, w->pid, "departed", fx_at(2025, 11, 3, 12));
    assert_int_equal(wards(w, "active"), 0);
    assert_int_equal(wards(w, "ended"), WARDS);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM audit WHERE action = 'registration.ended'"), WARDS + 1);
}

static void test_a_lapse_ends_every_ward_and_a_grant_restores_every_ward(void **state)
{
    fx_world_t *w = *state;
    sweep_result_t res;
    assert_int_equal(sweep_run(w->f->db, w->f->cal, &w->f->region, date_from_ymd(2025, 11, 7),
                         fx_at(2025, 11, 7, 0) + 5, 90, &res, NULL),
        0);
    assert_int_equal(res.lapsed, 1);
    assert_int_equal(wards(w, "active"), 0);
    assert_int_equal(wards(w, "ended"), WARDS);

    appeal_file_op_t f;
    appeal_file_op_init(&f);
    fx_session(w->f, w->pid, fx_at(2025, 11, 10, 10), f.token_hash);
    f.now = fx_at(2025, 11, 10, 10);
    snprintf(f.reason, sizeof f.reason, "My phone was broken for a week.");
    assert_int_equal(fx_run(w->f, &f.op), 0);
    appeal_decide_op_t d;
    appeal_decide_op_init(&d);
    d.roles = OFFICER_REGISTRAR; /* as api/desk_acl.c declares it */
    fx_officer(w->f, "registrar", fx_at(2025, 11, 11, 10), d.token_hash);
    d.now = fx_at(2025, 11, 11, 10);
    d.appeal_id = f.ret.id;
    d.grant = true;
    d.cal = w->f->cal;
    d.regions = &w->f->regions;
    snprintf(d.reason, sizeof d.reason, "Repair receipt seen.");
    assert_int_equal(fx_run(w->f, &d.op), 0);
    assert_int_equal(wards(w, "active"), WARDS);
    /* one event for the guardian's registration, one for each ward */
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM audit WHERE action = 'registration.restored'"), WARDS + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ending_the_guardian_ends_every_ward, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_lapse_ends_every_ward_and_a_grant_restores_every_ward, setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
