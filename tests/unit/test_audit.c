/* The audit hash chain: appends link, verify finds the first broken event
 * whatever is tampered with (a field, a hash, a deleted event). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"
#include "store/db.h"
#include "store/migrate.h"

static db_t *fresh_db(void)
{
    db_t *db;
    int n;
    assert_int_equal(db_open(":memory:", false, &db, NULL), 0);
    assert_int_equal(migrate_apply(db, &n, NULL), 0);
    assert_true(n >= 1);
    for (int i = 0; i < 5; i++) {
        json_t *d = json_pack("{s:i}", "n", i);
        assert_int_equal(audit_append(db, 1000 + i, "operator", "test.event", "person:1", d, NULL), 0);
        json_decref(d);
    }
    return db;
}

static void verify_expect(db_t *db, int64_t count, int64_t broken)
{
    int64_t c, b;
    assert_int_equal(audit_verify(db, &c, &b, NULL), 0);
    assert_int_equal(b, broken);
    if (!broken)
        assert_int_equal(c, count);
}

static void test_intact_chain(void **state)
{
    (void)state;
    db_t *db = fresh_db();
    verify_expect(db, 5, 0);
    db_close(db);
}

static void test_changed_detail_breaks_that_event(void **state)
{
    (void)state;
    db_t *db = fresh_db();
    assert_int_equal(db_exec(db, "UPDATE audit SET detail = '{\"n\":9}' WHERE seq = 3", NULL), 0);
    verify_expect(db, 0, 3);
    db_close(db);
}

static void test_deleted_event_breaks_the_next(void **state)
{
    (void)state;
    db_t *db = fresh_db();
    assert_int_equal(db_exec(db, "DELETE FROM audit WHERE seq = 2", NULL), 0);
    verify_expect(db, 0, 3);
    db_close(db);
}

static void test_recomputed_hash_still_breaks_link(void **state)
{
    (void)state;
    db_t *db = fresh_db();
    /* Someone rewrites event 2's hash: event 3's prev_hash no longer matches. */
    assert_int_equal(db_exec(db, "UPDATE audit SET hash = zeroblob(32) WHERE seq = 2", NULL), 0);
    verify_expect(db, 0, 2);
    db_close(db);
}

static void test_hash_is_deterministic_and_field_sensitive(void **state)
{
    (void)state;
    uint8_t prev[32] = {0}, a[32], b[32], c[32];
    audit_hash(prev, 1, 5, "x", "y", "z", "{}", a);
    audit_hash(prev, 1, 5, "x", "y", "z", "{}", b);
    audit_hash(prev, 1, 5, "xy", "", "z", "{}", c); /* same bytes, other split */
    assert_memory_equal(a, b, 32);
    assert_memory_not_equal(a, c, 32);
}

/* The desk's verification in steps (audit_verify_step): whatever the step
 * size, it ends where one pass does, and never passes over a missing event. */
static audit_step_t steps(db_t *db, int64_t last, int64_t limit)
{
    audit_step_t st = {.next_seq = 1};
    for (int guard = 0; guard < 100; guard++) {
        assert_int_equal(audit_verify_step(db, last, limit, &st, NULL), 0);
        if (st.broken || st.next_seq > last)
            return st;
    }
    fail_msg("the steps do not end");
    return st;
}

static void test_steps_of_any_size_agree_with_one_pass(void **state)
{
    (void)state;
    db_t *db = fresh_db();
    int64_t head;
    uint8_t hash[32];
    assert_int_equal(audit_head(db, &head, hash, NULL), 0);
    for (int64_t limit = 1; limit <= 6; limit++) {
        audit_step_t st = steps(db, head, limit);
        assert_int_equal(st.broken, 0);
        assert_int_equal(st.next_seq, 6);
        assert_int_equal(st.last_at, 1004);
        assert_memory_equal(st.prev, hash, 32);
    }
    assert_int_equal(db_exec(db, "UPDATE audit SET detail = '{\"n\":9}' WHERE seq = 3", NULL), 0);
    for (int64_t limit = 1; limit <= 6; limit++) {
        audit_step_t st = steps(db, head, limit);
        assert_int_equal(st.broken, 3);
        assert_int_equal(st.broken_at, 1002);
        assert_int_equal(st.next_seq, 3);
    }
    db_close(db);
}

static void test_steps_name_a_missing_event_and_a_cut_tail(void **state)
{
    (void)state;
    db_t *db = fresh_db();
    assert_int_equal(db_exec(db, "DELETE FROM audit WHERE seq = 2", NULL), 0);
    for (int64_t limit = 1; limit <= 6; limit++) {
        audit_step_t st = steps(db, 5, limit);
        assert_int_equal(st.broken, 2);
        assert_int_equal(st.broken_at, 0);
    }
    db_close(db);
    db = fresh_db();
    assert_int_equal(db_exec(db, "DELETE FROM audit WHERE seq > 3", NULL), 0);
    for (int64_t limit = 1; limit <= 6; limit++) {
        audit_step_t st = steps(db, 5, limit); /* the target was fixed when the chain ended at 5 */
        assert_int_equal(st.broken, 4);
        assert_int_equal(st.broken_at, 0);
    }
    db_close(db);
}

/* The checkpoints' look-up in one statement: any order, repeats, an event
 * the chain does not hold; each hash the one audit_hash_at reads. */
static void test_hashes_at_a_batch_of_events(void **state)
{
    (void)state;
    db_t *db = fresh_db();
    const int64_t seqs[] = {3, 1, 999, 3};
    uint8_t hashes[4][AUDIT_HASH_BYTES], one[AUDIT_HASH_BYTES];
    bool found[4], f;
    assert_int_equal(audit_hashes_at(db, seqs, 4, hashes, found, NULL), 0);
    assert_true(found[0] && found[1] && !found[2] && found[3]);
    for (int i = 0; i < 4; i++) {
        if (!found[i])
            continue;
        assert_int_equal(audit_hash_at(db, seqs[i], one, &f, NULL), 0);
        assert_memory_equal(hashes[i], one, AUDIT_HASH_BYTES);
    }
    assert_memory_not_equal(hashes[0], hashes[1], AUDIT_HASH_BYTES);
    assert_int_equal(audit_hashes_at(db, seqs, 0, hashes, found, NULL), 0);
    db_close(db);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intact_chain),
        cmocka_unit_test(test_changed_detail_breaks_that_event),
        cmocka_unit_test(test_deleted_event_breaks_the_next),
        cmocka_unit_test(test_recomputed_hash_still_breaks_link),
        cmocka_unit_test(test_hash_is_deterministic_and_field_sensitive),
        cmocka_unit_test(test_steps_of_any_size_agree_with_one_pass),
        cmocka_unit_test(test_steps_name_a_missing_event_and_a_cut_tail),
        cmocka_unit_test(test_hashes_at_a_batch_of_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
