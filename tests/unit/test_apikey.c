/* Unit tests for src/store/apikey.c (product rule 10): keys, revocation and
 * the idempotent "registered elsewhere" report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/apikey.h"
#include "store_fixture.h"

static int64_t add_key(fx_t *f, uint8_t ret_hash[SECRET_HASH_BYTES])
{
    apikey_add_op_t o;
    apikey_add_op_init(&o);
    o.now = 1000;
    snprintf(o.name, sizeof o.name, "mvd-16");
    assert_int_equal(fx_run(f, &o.op), 0);
    assert_int_equal(strlen(o.ret_key), APIKEY_CHARS);
    secret_hash(o.ret_key, strlen(o.ret_key), ret_hash);
    return o.ret_id;
}

static int report(fx_t *f, const uint8_t key[SECRET_HASH_BYTES], const char *card, int64_t now, apikey_report_op_t *o)
{
    apikey_report_op_init(o);
    memcpy(o->key_hash, key, SECRET_HASH_BYTES);
    o->now = now;
    snprintf(o->doc_kind, sizeof o->doc_kind, "card");
    snprintf(o->doc_number, sizeof o->doc_number, "%s", card);
    snprintf(o->region, sizeof o->region, "16");
    return fx_run(f, &o->op);
}

static void test_report_ends_once_then_is_idempotent(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    int64_t now = fx_at(2025, 10, 31, 10);
    uint8_t key[SECRET_HASH_BYTES], tok[SECRET_HASH_BYTES];
    add_key(f, key);
    int64_t pid = fx_person(f, "7700000001", now);
    fx_session(f, pid, now, tok);
    fx_register(f, tok, now);
    apikey_report_op_t o;
    assert_int_equal(report(f, key, "7700000001", now + 60, &o), 0);
    assert_int_equal(o.ret_outcome, APIKEY_ENDED);
    assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM registrations WHERE end_reason = 'registered_elsewhere'"), 1);
    assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM notices WHERE kind = 'registered_elsewhere'"
                                 " AND params = '{\"region\":\"16\"}'"),
        1);
    int64_t events = fx_count(f, "SELECT COUNT(*) FROM audit");
    assert_int_equal(report(f, key, "7700000001", now + 120, &o), 0);
    assert_int_equal(o.ret_outcome, APIKEY_ALREADY_ENDED);
    assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM audit"), events);
    assert_int_equal(report(f, key, "7799999999", now, &o), -ENOENT);
    assert_string_equal(o.op.err.code, "unknown_document");
    fx_free(f);
}

static void test_revoked_and_unknown_keys_are_refused(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    uint8_t key[SECRET_HASH_BYTES], other[SECRET_HASH_BYTES] = {1};
    int64_t id = add_key(f, key), got = 0;
    fx_person(f, "7700000001", 1000);
    assert_int_equal(apikey_check(f->db, key, &got, NULL), 0);
    assert_int_equal(got, id);
    assert_int_equal(apikey_check(f->db, other, &got, NULL), -EACCES);
    apikey_revoke_op_t r;
    apikey_revoke_op_init(&r);
    r.id = id;
    r.now = 2000;
    assert_int_equal(fx_run(f, &r.op), 0);
    assert_int_equal(fx_run(f, &r.op), -ENOENT); /* once */
    apikey_report_op_t o;
    assert_int_equal(report(f, key, "7700000001", 3000, &o), -EACCES);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_ends_once_then_is_idempotent),
        cmocka_unit_test(test_revoked_and_unknown_keys_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
