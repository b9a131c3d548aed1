/* base/be: big-endian integers in byte buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/be.h"

static void test_put(void **state)
{
    (void)state;
    uint8_t b[10];
    memset(b, 0xee, sizeof b);
    assert_ptr_equal(be32_put(b + 1, 0x01020304u), b + 5);
    const uint8_t want[] = {0xee, 1, 2, 3, 4, 0xee};
    assert_memory_equal(b, want, sizeof want);
    /* widths other than 4, as ISO/IEC 19794's u16, u24 and zeroed runs */
    assert_ptr_equal(be_put(b, 0xabcdef, 3), b + 3);
    assert_memory_equal(b, "\xab\xcd\xef", 3);
    assert_ptr_equal(be_put(b, 0x1234, 2), b + 2);
    assert_memory_equal(b, "\x12\x34\xef", 3);
    memset(b, 0xee, sizeof b);
    assert_ptr_equal(be_put(b, 0, 5), b + 5);
    assert_memory_equal(b, "\0\0\0\0\0\xee", 6);
    /* only the low n bytes are written */
    assert_ptr_equal(be_put(b, 0x11223344u, 2), b + 2);
    assert_memory_equal(b, "\x33\x44\0", 3);
    assert_ptr_equal(be_put(b, 0x0102030405060708u, 8), b + 8);
    assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08\xee", 9);
}

static void test_get(void **state)
{
    (void)state;
    const uint8_t b[] = {0xff, 0xfe, 0x00, 0x80, 0x01, 0x02, 0x03, 0x04};
    assert_true(be32_get(b) == 0xfffe0080u);
    assert_true(be_get(b + 4, 4) == 0x01020304u);
    assert_true(be_get(b, 1) == 0xff);
    assert_true(be_get(b + 1, 3) == 0xfe0080u);
    assert_true(be_get(b, 8) == 0xfffe008001020304u);
    assert_true(be_get(b, 0) == 0);
    uint8_t r[4];
    be32_put(r, 0x80000001u);
    assert_true(be32_get(r) == 0x80000001u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_put), cmocka_unit_test(test_get)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
