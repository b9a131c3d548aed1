/* Tests for notify/outbox's delivery policy: what a push service's answer
 * means, how long to wait before trying again, and what becomes of a
 * notice. (Delivery itself is tested end to end in tests/api/test_push.py.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "notify/outbox.h"

static void test_classify_answers(void **state)
{
    (void)state;
    assert_int_equal(outbox_classify(0, 201), OUTBOX_DELIVERED);
    assert_int_equal(outbox_classify(0, 202), OUTBOX_DELIVERED);
    assert_int_equal(outbox_classify(0, 410), OUTBOX_GONE);
    assert_int_equal(outbox_classify(0, 404), OUTBOX_GONE);
    assert_int_equal(outbox_classify(0, 429), OUTBOX_BUSY);
    assert_int_equal(outbox_classify(0, 500), OUTBOX_BUSY);
    assert_int_equal(outbox_classify(0, 503), OUTBOX_BUSY);
    assert_int_equal(outbox_classify(0, 408), OUTBOX_BUSY);
    assert_int_equal(outbox_classify(0, 400), OUTBOX_REFUSED);
    assert_int_equal(outbox_classify(0, 403), OUTBOX_REFUSED);
    assert_int_equal(outbox_classify(0, 413), OUTBOX_REFUSED);
    assert_int_equal(outbox_classify(0, 301), OUTBOX_REFUSED); /* redirects are not followed */
    assert_int_equal(outbox_classify(-EIO, 0), OUTBOX_BUSY);   /* network */
    assert_int_equal(outbox_classify(-ENOMEM, 0), OUTBOX_BUSY);
    assert_int_equal(outbox_classify(-EACCES, 0), OUTBOX_GONE);    /* private address */
    assert_int_equal(outbox_classify(-EINVAL, 0), OUTBOX_GONE);    /* unusable keys */
    assert_int_equal(outbox_classify(-ERANGE, 0), OUTBOX_REFUSED); /* message too long: keep it */
}

/* Within [base, base + base/8] for every notice id. */
static void assert_about(int64_t got, int64_t base)
{
    assert_true(got >= base);
    assert_true(got <= base + base / 8);
}

static void test_backoff_doubles_with_a_cap_and_jitter(void **state)
{
    (void)state;
    for (int64_t id = 1; id < 2000; id += 37) {
        assert_about(outbox_backoff_s(1, id, 0), 60);
        assert_about(outbox_backoff_s(2, id, 0), 120);
        assert_about(outbox_backoff_s(3, id, 0), 240);
        assert_about(outbox_backoff_s(9, id, 0), 60 * 256);
        assert_about(outbox_backoff_s(10, id, 0), OUTBOX_RETRY_MAX_S);
        assert_about(outbox_backoff_s(1000, id, 0), OUTBOX_RETRY_MAX_S);
        assert_about(outbox_backoff_s(1, id, 600), 600); /* Retry-After wins */
        assert_about(outbox_backoff_s(3, id, 30), 240);  /* ...only when longer */
        assert_about(outbox_backoff_s(1, id, 7 * 86400), OUTBOX_RETRY_MAX_S);
    }
    /* The jitter spreads notices that failed together. */
    int distinct = 0;
    for (int64_t id = 1; id < 64; id++)
        distinct += outbox_backoff_s(3, id, 0) != outbox_backoff_s(3, id + 1, 0);
    assert_true(distinct > 32);
}

static void test_decide(void **state)
{
    (void)state;
    assert_int_equal(outbox_decide(0, 0, 0, 1, false), OUTBOX_NONE); /* no subscription left */
    assert_int_equal(outbox_decide(1, 0, 0, 1, false), OUTBOX_SENT);
    assert_int_equal(outbox_decide(1, 1, 1, 1, false), OUTBOX_SENT); /* one phone got it */
    assert_int_equal(outbox_decide(0, 1, 0, 1, false), OUTBOX_RETRY);
    assert_int_equal(outbox_decide(0, 1, 1, 1, false), OUTBOX_RETRY);
    assert_int_equal(outbox_decide(0, 1, 0, OUTBOX_MAX_ATTEMPTS - 1, false), OUTBOX_RETRY);
    assert_int_equal(outbox_decide(0, 1, 0, OUTBOX_MAX_ATTEMPTS, false), OUTBOX_FAILED);
    assert_int_equal(outbox_decide(0, 0, 1, 1, false), OUTBOX_FAILED);
    assert_int_equal(outbox_decide(0, 1, 0, 1, true), OUTBOX_RELEASE); /* stopping */
    assert_int_equal(outbox_decide(0, 0, 0, 1, true), OUTBOX_RELEASE);
    assert_int_equal(outbox_decide(1, 0, 0, 1, true), OUTBOX_SENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_answers),
        cmocka_unit_test(test_backoff_doubles_with_a_cap_and_jitter),
        cmocka_unit_test(test_decide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
