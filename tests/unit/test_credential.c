/* Unit tests for src/store/credential.c (issue 19): the one password check
 * and the session rows of both kinds of subject — a person's and an
 * officer's token each open only their own door, log-out writes the kind's
 * audit event, an officer's session ends when idle or disabled, and the
 * purge takes expired rows of both kinds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/credential.h"
#include "store_fixture.h"

/* A person and a registrar, each with a live session. */
static int setup(void **state)
{
    static fx_world_t w;
    *state = fx_world_init(&w, FX_OFFICER);
    return 0;
}

/* Opens a session of `kind` for id in its own transaction; its token hash
 * in ret_hash. */
static void open_one(
    fx_world_t *w, credential_kind_t kind, int64_t id, int64_t idle_s, uint8_t ret_hash[SECRET_HASH_BYTES])
{
    char token[SECRET_TOKEN_CHARS + 1];
    credential_session_t s = {.subject_id = id,
        .now = w->t0,
        .expires_at = w->t0 + 3600,
        .max_expires_at = w->t0 + 7200,
        .idle_s = idle_s,
        .device = "phone"};
    assert_int_equal(db_begin_write(w->f->db, NULL), 0);
    assert_int_equal(credential_session_open(w->f->db, kind, &s, token, NULL), 0);
    assert_int_equal(db_commit(w->f->db, NULL), 0);
    assert_int_equal(strlen(token), SECRET_TOKEN_CHARS);
    secret_hash(token, strlen(token), ret_hash);
}

/* credential_session_find in a read transaction: its result, the id and
 * the tag. */
static int find(fx_world_t *w, credential_kind_t kind, const uint8_t *hash, int64_t now, int64_t *ret_id,
    char tag[CREDENTIAL_TAG_MAX])
{
    err_t e = {0};
    assert_int_equal(db_begin_read(w->f->db, NULL), 0);
    int r = credential_session_find(w->f->db, kind, hash, now, ret_id, tag, CREDENTIAL_TAG_MAX, &e);
    db_rollback(w->f->db);
    if (r < 0)
        assert_string_equal(e.code, "unauthorized");
    return r;
}

static int end(fx_world_t *w, credential_kind_t kind, const uint8_t *hash)
{
    err_t e = {0};
    assert_int_equal(db_begin_write(w->f->db, NULL), 0);
    int r = credential_session_end(w->f->db, kind, hash, w->t0 + 60, &e);
    if (r == 0)
        assert_int_equal(db_commit(w->f->db, NULL), 0);
    else {
        db_rollback(w->f->db);
        assert_string_equal(e.code, "unauthorized");
    }
    return r;
}

/* Audit events `action` whose actor and subject are kind:id. */
static int64_t audit_count(fx_world_t *w, const char *action, const char *kind, int64_t id)
{
    char sql[200];
    snprintf(sql, sizeof sql,
        "SELECT COUNT(*) FROM audit WHERE action = '%s' AND actor = '%s:%lld' AND subject = actor", action, kind,
        (long long)id);
    return fx_count(w->f, sql);
}

static void test_password_check(void **state)
{
    (void)state;
    assert_int_equal(secret_init(), 0);
    char stored[SECRET_PWHASH_MAX];
    assert_int_equal(secret_password_hash("correct horse", 13, 0, 0, stored), 0);
    assert_true(credential_password_ok(stored, "correct horse"));
    assert_false(credential_password_ok(stored, "correct horsf"));
    /* No account: false, after a hash of its own (not measured here). */
    assert_false(credential_password_ok("", "correct horse"));
    assert_false(credential_password_ok("", ""));
}

static void test_each_token_opens_only_its_own_door(void **state)
{
    fx_world_t *w = *state;
    int64_t id = 0;
    char tag[CREDENTIAL_TAG_MAX] = "";
    assert_int_equal(find(w, CREDENTIAL_PERSON, w->person, w->t0 + 1, &id, NULL), 0);
    assert_int_equal(id, w->pid);
    assert_int_equal(find(w, CREDENTIAL_OFFICER, w->officer, w->t0 + 1, &id, tag), 0);
    assert_int_equal(id, w->oid);
    assert_string_equal(tag, "registrar");
    assert_int_equal(find(w, CREDENTIAL_OFFICER, w->person, w->t0 + 1, &id, tag), -EACCES);
    assert_int_equal(find(w, CREDENTIAL_PERSON, w->officer, w->t0 + 1, &id, NULL), -EACCES);
}

static void test_person_session_round_trip(void **state)
{
    fx_world_t *w = *state;
    uint8_t h[SECRET_HASH_BYTES];
    int64_t id = 0;
    open_one(w, CREDENTIAL_PERSON, w->pid, 0, h);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM sessions WHERE device = 'phone'"
                                    " AND recheck_at = created_at AND max_expires_at = created_at + 7200"),
        1);
    assert_int_equal(find(w, CREDENTIAL_PERSON, h, w->t0 + 3599, &id, NULL), 0);
    assert_int_equal(id, w->pid);
    assert_int_equal(find(w, CREDENTIAL_PERSON, h, w->t0 + 3600, &id, NULL), -EACCES); /* expired */
    assert_int_equal(end(w, CREDENTIAL_PERSON, h), 0);
    assert_int_equal(end(w, CREDENTIAL_PERSON, h), -EACCES);
    assert_int_equal(audit_count(w, "session.ended", "person", w->pid), 1);
    assert_int_equal(find(w, CREDENTIAL_PERSON, w->person, w->t0 + 1, &id, NULL), 0); /* the other one */
}

static void test_officer_session_idle_disabled_and_logout(void **state)
{
    fx_world_t *w = *state;
    uint8_t h[SECRET_HASH_BYTES];
    int64_t id = 0;
    char tag[CREDENTIAL_TAG_MAX];
    open_one(w, CREDENTIAL_OFFICER, w->oid, 600, h);
    assert_int_equal(find(w, CREDENTIAL_OFFICER, h, w->t0 + 599, &id, tag), 0);
    assert_int_equal(find(w, CREDENTIAL_OFFICER, h, w->t0 + 600, &id, tag), -EACCES); /* idle */
    assert_int_equal(end(w, CREDENTIAL_OFFICER, h), 0);
    assert_int_equal(audit_count(w, "officer.session_ended", "officer", w->oid), 1);
    assert_int_equal(end(w, CREDENTIAL_OFFICER, h), -EACCES);
    /* The fixture's session has no inactivity limit, but a disabled officer's
     * sessions end at once. */
    assert_int_equal(find(w, CREDENTIAL_OFFICER, w->officer, w->t0 + 1, &id, tag), 0);
    assert_int_equal(db_exec(w->f->db, "UPDATE officers SET disabled_at = 1", NULL), 0);
    assert_int_equal(find(w, CREDENTIAL_OFFICER, w->officer, w->t0 + 1, &id, tag), -EACCES);
}

static void test_end_all_and_purge(void **state)
{
    fx_world_t *w = *state;
    uint8_t h[SECRET_HASH_BYTES];
    int64_t n = -1;
    open_one(w, CREDENTIAL_PERSON, w->pid, 0, h);
    open_one(w, CREDENTIAL_OFFICER, w->oid, 600, h);
    assert_int_equal(db_begin_write(w->f->db, NULL), 0);
    /* Expired by t0 + 3600: the two opened here and the fixture's officer
     * session; the fixture's person session runs for days. */
    assert_int_equal(credential_sessions_purge(w->f->db, w->t0 + 3600, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(credential_sessions_end_all(w->f->db, CREDENTIAL_PERSON, w->pid, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(credential_sessions_end_all(w->f->db, CREDENTIAL_OFFICER, w->oid, NULL, NULL), 0);
    assert_int_equal(db_commit(w->f->db, NULL), 0);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM sessions"), 0);
    assert_int_equal(fx_count(w->f, "SELECT COUNT(*) FROM officer_sessions"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_check),
        cmocka_unit_test_setup_teardown(test_each_token_opens_only_its_own_door, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_session_round_trip, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_officer_session_idle_disabled_and_logout, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_end_all_and_purge, setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
