/* Audit anchors (store/anchor.c): keys, signed checkpoint lines, and
 * the checkpoint scan catching a chain rewritten and recomputed, truncated,
 * or a checkpoint line altered, in steps as the desk runs it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/anchor.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/migrate.h"

static char dir[] = "/tmp/uchet-anchor-XXXXXX";
static char key[256], pub[300], cps[300];

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(key, sizeof key, "%s/audit.key", dir);
    snprintf(pub, sizeof pub, "%s.pub", key);
    snprintf(cps, sizeof cps, "%s.checkpoints", key);
    return anchor_key_generate(key, NULL);
}

static int teardown(void **state)
{
    (void)state;
    unlink(key);
    unlink(pub);
    unlink(cps);
    rmdir(dir);
    return 0;
}

static db_t *chain(int events)
{
    db_t *db;
    int n;
    assert_int_equal(db_open(":memory:", false, &db, NULL), 0);
    assert_int_equal(migrate_apply(db, &n, NULL), 0);
    for (int i = 0; i < events; i++)
        assert_int_equal(audit_append_text(db, 1000 + i, "officer:1", "person.read", "person:7", NULL, NULL), 0);
    return db;
}

static void test_key_files(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    anchor_key_t *k, *p;
    assert_int_equal(anchor_key_load(key, &k, NULL), 0);
    assert_int_equal(anchor_key_load(pub, &p, NULL), 0);
    assert_true(anchor_key_can_sign(k));
    assert_false(anchor_key_can_sign(p));
    err_t e = {0};
    assert_int_equal(anchor_key_generate(key, &e), -EEXIST); /* never overwritten */
    anchor_checkpoint_t cp = {.seq = 1};
    assert_int_equal(anchor_append(p, cps, &cp, &e), -EPERM);
    anchor_key_free(k);
    anchor_key_free(p);
    char path[64];
    assert_int_equal(anchor_checkpoint_path("/x/a.key.pub", path, sizeof path), 0);
    assert_string_equal(path, "/x/a.key.checkpoints");
}

static void test_signed_lines_round_trip_and_forgery_fails(void **state)
{
    (void)state;
    unlink(cps);
    anchor_key_t *k;
    assert_int_equal(anchor_key_load(key, &k, NULL), 0);
    anchor_checkpoint_t cp = {.seq = 42, .at = 1761894000};
    memset(cp.hash, 0xab, sizeof cp.hash);
    assert_int_equal(anchor_append(k, cps, &cp, NULL), 0);
    cp.seq = 43;
    assert_int_equal(anchor_append(k, cps, &cp, NULL), 0);
    FILE *f = fopen(cps, "a");
    fputs("v1 44 abab 1 00\n", f); /* malformed */
    fputs("v1 45 ", f);            /* a real line with its seq changed */
    fclose(f);
    anchor_checkpoint_t *got;
    size_t n, bad;
    assert_int_equal(anchor_read(k, cps, &got, &n, &bad, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(bad, 2);
    assert_int_equal(got[0].seq, 42);
    assert_int_equal(got[1].seq, 43);
    assert_memory_equal(got[1].hash, cp.hash, sizeof cp.hash);
    free(got);
    anchor_key_free(k);
}

/* Runs the scan to the end in steps of `step` lines, as the desk does. */
static anchor_scan_t scan_all(const anchor_key_t *k, db_t *db, int64_t broken, int64_t step)
{
    anchor_scan_t s = {0};
    for (int i = 0; !s.done && i < 1000; i++)
        assert_int_equal(anchor_scan_step(k, cps, db, broken, step, &s, NULL), 0);
    assert_true(s.done);
    return s;
}

static void test_recomputed_chain_contradicts_the_anchor(void **state)
{
    (void)state;
    unlink(cps);
    anchor_key_t *k;
    assert_int_equal(anchor_key_load(key, &k, NULL), 0);
    db_t *db = chain(20);
    anchor_checkpoint_t cp = {.at = 1761894000};
    assert_int_equal(audit_head(db, &cp.seq, cp.hash, NULL), 0);
    assert_int_equal(cp.seq, 20);
    assert_int_equal(anchor_append(k, cps, &cp, NULL), 0);
    anchor_scan_t s = scan_all(k, db, 0, 1);
    assert_int_equal(s.lines, 1);
    assert_int_equal(s.good, 1);
    assert_int_equal(s.last_seq, 20);
    assert_int_equal(s.contradicted, 0);
    assert_int_equal(s.first_bad_line, 0);
    /* The attacker's database: 11 of the 20 events, chained anew. */
    db_close(db);
    db = chain(11);
    int64_t count, broken;
    assert_int_equal(audit_verify(db, &count, &broken, NULL), 0);
    assert_int_equal(broken, 0); /* the chain alone looks intact ... */
    s = scan_all(k, db, 0, 1);
    assert_int_equal(s.contradicted, 20); /* ... the checkpoint does not */
    assert_int_equal(s.first_bad_line, 1);
    assert_int_equal(s.first_bad_why, ANCHOR_CHAIN_ENDS);
    /* Same length, one event different: the hash at seq 20 differs. */
    db_close(db);
    db = chain(19);
    assert_int_equal(audit_append_text(db, 5000, "officer:1", "person.read", "person:8", NULL, NULL), 0);
    s = scan_all(k, db, 0, 1);
    assert_int_equal(s.contradicted, 20);
    assert_int_equal(s.first_bad_why, ANCHOR_CHAIN_DIFFERS);
    assert_string_equal(anchor_why_name(ANCHOR_CHAIN_DIFFERS), "chain_differs");
    /* A chain known broken before the checkpoint: not compared there. */
    s = scan_all(k, db, 5, 1);
    assert_int_equal(s.contradicted, 0);
    assert_int_equal(s.good, 1);
    db_close(db);
    anchor_key_free(k);
}

static void test_the_first_bad_line_is_named_across_steps(void **state)
{
    (void)state;
    unlink(cps);
    anchor_key_t *k;
    assert_int_equal(anchor_key_load(key, &k, NULL), 0);
    db_t *db = chain(6);
    anchor_checkpoint_t cp = {.at = 1761894000};
    for (int64_t seq = 1; seq <= 6; seq++) {
        bool found;
        cp.seq = seq;
        assert_int_equal(audit_hash_at(db, seq, cp.hash, &found, NULL), 0);
        assert_true(found);
        assert_int_equal(anchor_append(k, cps, &cp, NULL), 0);
    }
    /* line 4 altered: another hash under the same signature */
    FILE *f = fopen(cps, "r+");
    char text[4096];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    char *l4 = text;
    for (int i = 0; i < 3; i++)
        l4 = strchr(l4, '\n') + 1;
    char *h = strchr(strchr(l4, ' ') + 1, ' ') + 1;
    *h = *h == '0' ? '1' : '0';
    rewind(f);
    fwrite(text, 1, len, f);
    fputs("garbage\n", f);
    fclose(f);
    anchor_scan_t s = scan_all(k, db, 0, 2);
    assert_int_equal(s.lines, 7);
    assert_int_equal(s.good, 5);
    assert_int_equal(s.forged, 2);
    assert_int_equal(s.first_bad_line, 4);
    assert_int_equal(s.first_bad_seq, 4);
    assert_int_equal(s.first_bad_why, ANCHOR_BAD_SIGNATURE);
    assert_int_equal(s.contradicted, 0);
    assert_int_equal(s.last_seq, 6);
    err_t e = {0};
    anchor_scan_t none = {0};
    assert_int_equal(anchor_scan_step(k, "/nonexistent/cp", db, 0, 5, &none, &e), -ENOENT);
    assert_string_equal(e.code, "no_checkpoints");
    db_close(db);
    anchor_key_free(k);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_signed_lines_round_trip_and_forgery_fails),
        cmocka_unit_test(test_recomputed_chain_contradicts_the_anchor),
        cmocka_unit_test(test_the_first_bad_line_is_named_across_steps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
