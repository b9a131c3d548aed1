/* Unit tests for src/rules/client_addr.c: the client's address behind a
 * trusted proxy, and never a text an untrusted peer sent (issue 12). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules/client_addr.h"

static client_nets_t nets(const char *s)
{
    client_nets_t n;
    err_t e = {0};
    assert_int_equal(client_nets_parse(s, &n, &e), 0);
    return n;
}

static const char *pick(const client_nets_t *n, const char *peer, const char *xff)
{
    static char out[CLIENT_ADDR_TEXT_MAX];
    client_addr_pick(n, peer, xff, xff ? strlen(xff) : 0, out, sizeof out);
    return out;
}

static void test_parse_lists_and_cidrs(void **state)
{
    (void)state;
    client_nets_t n = nets(" 127.0.0.1, 10.0.0.0/8  fd00::/8,::1 ");
    assert_int_equal(n.n, 4);
    assert_true(client_nets_has(&n, "127.0.0.1"));
    assert_true(client_nets_has(&n, "10.200.3.4"));
    assert_false(client_nets_has(&n, "11.0.0.1"));
    assert_false(client_nets_has(&n, "127.0.0.2"));
    assert_true(client_nets_has(&n, "fd12::5"));
    assert_true(client_nets_has(&n, "::1"));
    assert_true(client_nets_has(&n, "::ffff:10.1.1.1")); /* IPv4-mapped counts as IPv4 */
    assert_false(client_nets_has(&n, "fe80::1"));
    assert_false(client_nets_has(&n, "not an address"));
    assert_int_equal(nets("").n, 0);
    assert_int_equal(nets("192.168.0.0/17").net[0].prefix, 17);
    assert_true(client_nets_has(&(client_nets_t){0}, "1.2.3.4") == false);
}

static void test_parse_refuses_junk(void **state)
{
    (void)state;
    const char *bad[] = {
        "localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8x", "1.2.3.4:80", "10.0.0.1/-1", "300.1.1.1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        client_nets_t n;
        err_t e = {0};
        assert_int_equal(client_nets_parse(bad[i], &n, &e), -EINVAL);
        assert_string_equal(e.code, "bad_config");
    }
}

static void test_untrusted_peer_keeps_its_own_address(void **state)
{
    (void)state;
    client_nets_t n = nets("10.0.0.1");
    assert_string_equal(pick(&n, "203.0.113.9", "1.1.1.1"), "203.0.113.9");
    client_nets_t none = nets("");
    assert_string_equal(pick(&none, "127.0.0.1", "1.1.1.1"), "127.0.0.1");
}

static void test_trusted_peer_gives_rightmost_untrusted(void **state)
{
    (void)state;
    client_nets_t n = nets("10.0.0.0/8");
    assert_string_equal(pick(&n, "10.0.0.1", "198.51.100.7"), "198.51.100.7");
    /* a client that wrote its own header: the proxy appended the real one */
    assert_string_equal(pick(&n, "10.0.0.1", "6.6.6.6, 198.51.100.7"), "198.51.100.7");
    /* two proxies of ours in a row */
    assert_string_equal(pick(&n, "10.0.0.1", "6.6.6.6,198.51.100.7 , 10.2.2.2"), "198.51.100.7");
    /* every hop ours: the left-most */
    assert_string_equal(pick(&n, "10.0.0.1", "10.3.3.3, 10.2.2.2"), "10.3.3.3");
    /* no header: the proxy itself */
    assert_string_equal(pick(&n, "10.0.0.1", NULL), "10.0.0.1");
    assert_string_equal(pick(&n, "10.0.0.1", "2001:db8::7"), "2001:db8::7");
}

static void test_junk_entries_stop_the_walk(void **state)
{
    (void)state;
    client_nets_t n = nets("10.0.0.0/8");
    assert_string_equal(pick(&n, "10.0.0.1", "unknown"), "10.0.0.1");
    assert_string_equal(pick(&n, "10.0.0.1", "1.2.3.4, evil, 10.0.0.9"), "10.0.0.9");
    assert_string_equal(pick(&n, "10.0.0.1", "1.2.3.4,"), "10.0.0.1");
    assert_string_equal(pick(&n, "10.0.0.1", ",,,"), "10.0.0.1");
    assert_string_equal(pick(&n, "10.0.0.1", "1.2.3.4:5555"), "10.0.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_lists_and_cidrs),
        cmocka_unit_test(test_parse_refuses_junk),
        cmocka_unit_test(test_untrusted_peer_keeps_its_own_address),
        cmocka_unit_test(test_trusted_peer_gives_rightmost_untrusted),
        cmocka_unit_test(test_junk_entries_stop_the_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
