/* base/fiber: control goes back and forth exactly where the code says, and
 * the fiber's locals survive every switch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/fiber.h"

typedef struct trace {
    fiber_t *f;
    char log[64];
    int n;
} trace_t;

static void note(trace_t *t, char c)
{
    t->log[t->n++] = c;
}

static void three_steps(void *arg)
{
    trace_t *t = arg;
    char local[256];
    memset(local, 'x', sizeof local);
    for (int i = 0; i < 3; i++) {
        note(t, (char)('a' + i));
        fiber_yield(t->f);
        assert_int_equal(local[i * 50], 'x'); /* the stack was kept */
    }
    note(t, 'z');
}

static void test_yield_and_resume_interleave(void **state)
{
    (void)state;
    trace_t t = {0};
    assert_int_equal(fiber_new(64 * 1024, three_steps, &t, &t.f, NULL), 0);
    for (int i = 0; i < 3; i++) {
        assert_false(fiber_resume(t.f));
        note(&t, (char)('1' + i));
    }
    assert_true(fiber_resume(t.f));
    assert_string_equal(t.log, "a1b2c3z");
    assert_true(fiber_resume(t.f)); /* finished: nothing runs again */
    assert_string_equal(t.log, "a1b2c3z");
    fiber_free(t.f);
}

static int depth(int n)
{
    return n == 0 ? 0 : 1 + depth(n - 1);
}

static void deep(void *arg)
{
    trace_t *t = arg;
    t->n = depth(2000); /* a few hundred KiB of frames under sanitizers */
    fiber_yield(t->f);
}

static void test_deep_stack_and_abandoned_fiber(void **state)
{
    (void)state;
    trace_t t = {0};
    assert_int_equal(fiber_new(1024 * 1024, deep, &t, &t.f, NULL), 0);
    assert_false(fiber_resume(t.f));
    assert_int_equal(t.n, 2000);
    fiber_free(t.f); /* suspended, never finished: freed all the same */
}

static void count_to(void *arg)
{
    trace_t *t = arg;
    while (t->n < 10) {
        t->n++;
        fiber_yield(t->f);
    }
}

static void test_two_fibers_on_one_thread(void **state)
{
    (void)state;
    trace_t a = {0}, b = {.n = 5};
    assert_int_equal(fiber_new(64 * 1024, count_to, &a, &a.f, NULL), 0);
    assert_int_equal(fiber_new(64 * 1024, count_to, &b, &b.f, NULL), 0);
    int rounds = 0;
    for (;;) { /* resume both every round, however far each has got */
        bool a_done = fiber_resume(a.f), b_done = fiber_resume(b.f);
        if (a_done && b_done)
            break;
        rounds++;
    }
    assert_int_equal(a.n, 10);
    assert_int_equal(b.n, 10);
    assert_int_equal(rounds, 10);
    fiber_free(a.f);
    fiber_free(b.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yield_and_resume_interleave),
        cmocka_unit_test(test_deep_stack_and_abandoned_fiber),
        cmocka_unit_test(test_two_fibers_on_one_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
