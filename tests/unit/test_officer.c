/* Unit tests for src/store/officer.c (product rule 14): roles, desk
 * sessions, look-ups written down for the person and the auditors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/audit.h"
#include "store/officer.h"
#include "store_fixture.h"

static void test_roles_round_trip(void **state)
{
    (void)state;
    officer_role_t r;
    const char *names[] = {"registrar", "inspector", "auditor"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(officer_role_parse(names[i], &r), 0);
        assert_string_equal(officer_role_name(r), names[i]);
    }
    r = OFFICER_AUDITOR;
    assert_int_equal(officer_role_parse("police", &r), -EINVAL);
    assert_int_equal(officer_role_parse("", &r), -EINVAL);
    assert_int_equal(officer_role_parse("Registrar", &r), -EINVAL);
    assert_int_equal(r, OFFICER_AUDITOR); /* untouched on failure */
    assert_string_equal(officer_role_name((officer_role_t)3), "unknown");
}

static void test_session_checks_role_and_expiry(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    uint8_t tok[SECRET_HASH_BYTES], unknown[SECRET_HASH_BYTES] = {0};
    int64_t now = fx_at(2025, 10, 31, 10);
    int64_t id = fx_officer(f, "auditor", now, tok);
    officer_ref_t me = {0};
    err_t e = {0};
    assert_int_equal(officer_session(f->db, tok, now, OFFICER_AUDITOR, &me, &e), 0);
    assert_int_equal(me.id, id);
    assert_int_equal(me.role, OFFICER_AUDITOR);
    me.id = 0;
    assert_int_equal(officer_session(f->db, tok, now, OFFICER_INSPECTOR | OFFICER_REGISTRAR, &me, &e), -EPERM);
    assert_string_equal(e.code, "role_forbidden");
    assert_int_equal(me.id, 0);
    assert_int_equal(officer_session(f->db, tok, now + 3600, OFFICER_AUDITOR, &me, &e), -EACCES);
    assert_int_equal(officer_session(f->db, unknown, now, OFFICER_AUDITOR, &me, &e), -EACCES);
    assert_string_equal(e.code, "unauthorized");
    fx_free(f);
}

static void test_person_token_is_not_an_officer_token(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    int64_t now = fx_at(2025, 10, 31, 10);
    uint8_t tok[SECRET_HASH_BYTES];
    fx_session(f, fx_person(f, "7700000001", now), now, tok);
    officer_ref_t me;
    assert_int_equal(
        officer_session(f->db, tok, now, OFFICER_REGISTRAR | OFFICER_INSPECTOR | OFFICER_AUDITOR, &me, NULL), -EACCES);
    fx_free(f);
}

static int lookup(fx_t *f, const uint8_t tok[SECRET_HASH_BYTES], const char *card, int64_t now, officer_lookup_op_t *o)
{
    officer_lookup_op_init(o);
    o->roles = OFFICER_INSPECTOR | OFFICER_REGISTRAR; /* as api/desk_acl.c declares the look-up */
    memcpy(o->token_hash, tok, SECRET_HASH_BYTES);
    o->now = now;
    snprintf(o->doc_kind, sizeof o->doc_kind, "card");
    snprintf(o->doc_number, sizeof o->doc_number, "%s", card);
    snprintf(o->reason, sizeof o->reason, "case 17/2025");
    o->cal = f->cal;
    o->regions = &f->regions;
    return fx_run(f, &o->op);
}

static void test_lookup_is_recorded_twice_and_shows_status_only(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    int64_t now = fx_at(2025, 10, 31, 10);
    uint8_t person[SECRET_HASH_BYTES], desk[SECRET_HASH_BYTES];
    int64_t pid = fx_person(f, "7700000001", now);
    fx_session(f, pid, now, person);
    fx_register(f, person, now);
    fx_officer(f, "inspector", now, desk);
    officer_lookup_op_t o;
    assert_int_equal(lookup(f, desk, "7700000001", now + 60, &o), 0);
    assert_string_equal(o.ret.status, "active");
    assert_string_equal(o.ret.region, "77");
    assert_int_equal(o.ret.due_date, date_from_ymd(2025, 11, 6));
    assert_string_equal(o.ret.surname, "RAHIMOV");
    assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM officer_reads WHERE reason = 'case 17/2025'"), 1);
    assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM audit WHERE action = 'person.read'"
                                 " AND detail = '{\"reason\":\"case 17/2025\",\"role\":\"inspector\"}'"),
        1);
    int64_t n, broken;
    assert_int_equal(audit_verify(f->db, &n, &broken, NULL), 0);
    assert_int_equal(broken, 0);

    officer_access_log_op_t a;
    officer_access_log_op_init(&a);
    memcpy(a.token_hash, person, sizeof person);
    a.now = now + 120;
    assert_int_equal(fx_read(f, &a.op), 0);
    assert_int_equal(a.ret_n, 1);
    assert_string_equal(a.ret[0].role, "inspector");
    assert_string_equal(a.ret[0].reason, "case 17/2025");
    assert_int_equal(a.ret[0].at, now + 60);
    fx_free(f);
}

static void test_unknown_document_and_auditor_leave_no_trace(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    int64_t now = fx_at(2025, 10, 31, 10);
    uint8_t desk[SECRET_HASH_BYTES], aud[SECRET_HASH_BYTES];
    fx_person(f, "7700000001", now);
    fx_officer(f, "registrar", now, desk);
    fx_officer(f, "auditor", now, aud);
    officer_lookup_op_t o;
    int64_t events = fx_count(f, "SELECT COUNT(*) FROM audit");
    assert_int_equal(lookup(f, desk, "7799999999", now, &o), -ENOENT);
    assert_string_equal(o.op.err.code, "unknown_document");
    assert_int_equal(lookup(f, aud, "7700000001", now, &o), -EPERM);
    assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM officer_reads"), 0);
    assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM audit"), events);
    assert_int_equal(lookup(f, desk, "7700000001", now, &o), 0);
    assert_string_equal(o.ret.status, "none");
    assert_int_equal(o.ret.due_date, 0);
    fx_free(f);
}

static void test_ended_registration_has_a_reason_and_no_deadline(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    int64_t now = fx_at(2025, 10, 31, 10);
    uint8_t person[SECRET_HASH_BYTES], desk[SECRET_HASH_BYTES];
    int64_t pid = fx_person(f, "7700000001", now);
    fx_session(f, pid, now, person);
    int64_t reg = fx_register(f, person, now);
    fx_end(f, reg, pid, "lapsed", fx_at(2025, 11, 7, 0));
    fx_officer(f, "inspector", now, desk);
    officer_lookup_op_t o;
    assert_int_equal(lookup(f, desk, "7700000001", now + 60, &o), 0);
    assert_string_equal(o.ret.status, "ended");
    assert_string_equal(o.ret.end_reason, "lapsed");
    assert_int_equal(o.ret.due_date, 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_round_trip),
        cmocka_unit_test(test_session_checks_role_and_expiry),
        cmocka_unit_test(test_person_token_is_not_an_officer_token),
        cmocka_unit_test(test_lookup_is_recorded_twice_and_shows_status_only),
        cmocka_unit_test(test_unknown_document_and_auditor_leave_no_trace),
        cmocka_unit_test(test_ended_registration_has_a_reason_and_no_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
