/* store: group commit keeps each operation's effects its own. An operation
 * that fails after writing is undone alone; its neighbours in the same
 * batch commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/db.h"
#include "store/migrate.h"
#include "store/store.h"

typedef struct test_op {
    store_op_t op;
    const char *value;
    bool fail_after_write;
} test_op_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int posted;

static const char SQL_INSERT[] = "INSERT INTO t (v) VALUES (?)";

static int run_insert(db_t *db, store_op_t *op)
{
    test_op_t *o = (test_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_INSERT, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->value);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    return o->fail_after_write ? err_set(&op->err, -EINVAL, "test", "failed after writing") : 0;
}

static void post(store_op_t *op)
{
    (void)op;
    pthread_mutex_lock(&mu);
    posted++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

static char *prepare_db(void)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/uchet-test-store-%d.db", (int)getpid());
    unlink(path);
    db_t *db;
    int n;
    assert_int_equal(db_open(path, false, &db, NULL), 0);
    assert_int_equal(migrate_apply(db, &n, NULL), 0);
    /* each migration records when it ran (it was always 0) */
    db_stmt_t *st;
    assert_int_equal(db_prepare(db, "SELECT MIN(applied_at) FROM schema_version", &st, NULL), 0);
    assert_int_equal(db_step(st, NULL), 1);
    assert_true(db_col_int(st, 0) >= (int64_t)time(NULL) - 600);
    db_run(st, NULL);
    assert_int_equal(db_exec(db, "CREATE TABLE t (v TEXT NOT NULL)", NULL), 0);
    db_close(db);
    return path;
}

static int count(const char *path, const char *v)
{
    db_t *db;
    db_stmt_t *st;
    assert_int_equal(db_open(path, true, &db, NULL), 0);
    static const char sql[] = "SELECT COUNT(*) FROM t WHERE v = ?";
    assert_int_equal(db_prepare(db, sql, &st, NULL), 0);
    db_bind_text(st, 1, v);
    assert_int_equal(db_step(st, NULL), 1);
    int n = (int)db_col_int(st, 0);
    db_run(st, NULL);
    db_close(db);
    return n;
}

static void test_failed_op_is_undone_alone(void **state)
{
    (void)state;
    char *path = prepare_db();
    store_t *s;
    assert_int_equal(store_open(path, 1, 0, &s, NULL), 0);
    test_op_t ops[5] = {{.value = "a"}, {.value = "b", .fail_after_write = true}, {.value = "c"},
        {.value = "d", .fail_after_write = true}, {.value = "e"}};
    posted = 0;
    for (int i = 0; i < 5; i++) {
        ops[i].op.lane = STORE_WRITE;
        ops[i].op.run = run_insert;
        ops[i].op.post = post;
        assert_int_equal(store_submit(s, &ops[i].op, 0), 0);
    }
    pthread_mutex_lock(&mu);
    while (posted < 5)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    store_close(s);
    for (int i = 0; i < 5; i++) {
        bool bad = ops[i].fail_after_write;
        assert_int_equal(ops[i].op.rc, bad ? -EINVAL : 0);
        assert_int_equal(count(path, ops[i].value), bad ? 0 : 1);
    }
    unlink(path);
}

/* store_open_on: the connection the caller used becomes the writer (what
 * it wrote stays, the store's writes go through it) and is the store's to
 * close, also when the open fails; LeakSanitizer (make check's unit suite)
 * fails the test on a connection left open. */
static void test_a_handed_over_writer_is_the_stores(void **state)
{
    (void)state;
    char *path = prepare_db();
    db_t *db;
    store_t *s;
    assert_int_equal(db_open(path, false, &db, NULL), 0);
    assert_int_equal(db_exec(db, "INSERT INTO t (v) VALUES ('before')", NULL), 0);
    assert_int_equal(store_open_on(path, db, 1, 0, &s, NULL), 0);
    test_op_t op = {.value = "after", .op = {.lane = STORE_WRITE, .run = run_insert}};
    assert_int_equal(store_run_sync(s, &op.op), 0);
    store_close(s);
    assert_int_equal(count(path, "before"), 1);
    assert_int_equal(count(path, "after"), 1);
    unlink(path);

    char bare[64];
    err_t e = {0};
    snprintf(bare, sizeof bare, "/tmp/uchet-test-store-bare-%d.db", (int)getpid());
    unlink(bare);
    assert_int_equal(db_open(bare, false, &db, NULL), 0); /* no schema: the store refuses it */
    assert_true(store_open_on(bare, db, 1, 0, &s, &e) < 0);
    assert_string_equal(e.code, "schema_outdated");
    unlink(bare);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_op_is_undone_alone), cmocka_unit_test(test_a_handed_over_writer_is_the_stores)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
