/* api/router: the route table's self-check (every row names who may call it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/router.h"

static void test_every_route_declares_auth(void **state)
{
    (void)state;
    char bad[160] = "";
    int rc = router_check(bad, sizeof bad);
    if (rc != 0)
        fail_msg("route without an auth kind: %s", bad);
    assert_true(router_count() > 0);
    for (size_t i = 0; i < router_count(); i++)
        assert_non_null(router_name(i));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_route_declares_auth)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
