/* Unit tests for src/store/host.c (product rules 12 and 7): one-time codes,
 * their expiry, and a residence change voiding them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/host.h"
#include "store_fixture.h"

static void new_code(fx_world_t *w, int64_t now, char code[SECRET_CODE_CHARS + 1])
{
    host_code_op_t o;
    host_code_op_init(&o);
    memcpy(o.token_hash, w->person, sizeof w->person);
    o.now = now;
    assert_int_equal(fx_run(w->f, &o.op), 0);
    assert_int_equal(o.ret_expires_at, now + HOST_CODE_TTL_S);
    memcpy(code, o.ret_code, SECRET_CODE_CHARS + 1);
}

static int confirm(fx_world_t *w, const char *typed, int64_t now, host_confirm_op_t *o)
{
    host_confirm_op_init(o);
    assert_int_equal(secret_code_hash(typed, strlen(typed), o->code_hash), 0);
    o->now = now;
    snprintf(o->landlord_name, sizeof o->landlord_name, "Galina Orlova");
    return fx_run(w->f, &o->op);
}

static void test_code_works_once_and_gives_the_address_only(void **state)
{
    fx_world_t *w = *state;
    char code[SECRET_CODE_CHARS + 1];
    host_confirm_op_t o;
    new_code(w, w->t0, code);
    assert_int_equal(confirm(w, code, w->t0 + 60, &o), 0);
    assert_string_equal(o.ret_address, "Moscow, Tverskaya, 7");
    registration_view_t v;
    assert_int_equal(registration_active(w->f->db, w->pid, &v, NULL), 0);
    assert_true(v.res.host_confirmed);
    assert_int_equal(confirm(w, code, w->t0 + 120, &o), -ENOENT);
    assert_string_equal(o.op.err.code, "host_code_invalid");
    assert_string_equal(o.ret_address, "");
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM notices WHERE kind = 'host_confirmed'"), 1);
}

static void test_code_expires_after_seven_days(void **state)
{
    fx_world_t *w = *state;
    char code[SECRET_CODE_CHARS + 1];
    host_confirm_op_t o;
    new_code(w, w->t0, code);
    assert_int_equal(confirm(w, code, w->t0 + HOST_CODE_TTL_S, &o), -ENOENT);
    assert_int_equal(confirm(w, code, w->t0 + HOST_CODE_TTL_S - 1, &o), 0);
}

static void test_residence_change_voids_the_code_and_the_confirmation(void **state)
{
    fx_world_t *w = *state;
    char first[SECRET_CODE_CHARS + 1], unused[SECRET_CODE_CHARS + 1];
    host_confirm_op_t o;
    new_code(w, w->t0, first);
    assert_int_equal(confirm(w, first, w->t0 + 60, &o), 0);
    new_code(w, w->t0 + 120, unused);
    registration_residence_op_t r;
    registration_residence_op_init(&r);
    memcpy(r.token_hash, w->person, sizeof w->person);
    r.now = w->t0 + 180;
    snprintf(r.res.settlement, sizeof r.res.settlement, "Moscow");
    snprintf(r.res.street, sizeof r.res.street, "Arbat");
    snprintf(r.res.house, sizeof r.res.house, "10");
    r.res.ref_lat = 55.7494;
    r.res.ref_lon = 37.5912;
    assert_int_equal(fx_run(w->f, &r.op), 0);
    assert_false(r.ret.res.host_confirmed);
    assert_int_equal(confirm(w, unused, w->t0 + 240, &o), -ENOENT);
}

static void test_no_code_without_a_registration(void **state)
{
    fx_world_t *w = *state;
    uint8_t other[SECRET_HASH_BYTES];
    fx_session(w->f, fx_person(w->f, "7700000002", w->t0), w->t0, other);
    host_code_op_t o;
    host_code_op_init(&o);
    memcpy(o.token_hash, other, sizeof other);
    o.now = w->t0;
    assert_int_equal(fx_run(w->f, &o.op), -ENOENT);
    assert_string_equal(o.ret_code, ""); /* nothing to leak */
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM host_codes"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_code_works_once_and_gives_the_address_only, fx_setup_registered, fx_teardown),
        cmocka_unit_test_setup_teardown(test_code_expires_after_seven_days, fx_setup_registered, fx_teardown),
        cmocka_unit_test_setup_teardown(
            test_residence_change_voids_the_code_and_the_confirmation, fx_setup_registered, fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_code_without_a_registration, fx_setup_registered, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
