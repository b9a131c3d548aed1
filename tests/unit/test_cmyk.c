/* base/cmyk: CMYK pixels as RGB and grey, in both of the conventions a
 * JPEG may use (Adobe's inverted values, and ink amounts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/cmyk.h"

/* Ink amounts: none is white, full black is black, full cyan leaves
 * green and blue, half black halves every channel. */
static void test_ink_amounts(void **state)
{
    (void)state;
    static const uint8_t CMYK[] = {0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 128, 0, 255, 255, 0};
    static const uint8_t RGB[] = {255, 255, 255, 0, 0, 0, 0, 255, 255, 127, 127, 127, 255, 0, 0};
    uint8_t got[15];
    cmyk_to_rgb(CMYK, 5, false, got);
    assert_memory_equal(got, RGB, sizeof RGB);
    uint8_t grey[5];
    cmyk_to_grey(CMYK, 5, false, grey);
    assert_int_equal(grey[0], 255);
    assert_int_equal(grey[1], 0);
    assert_int_equal(grey[2], 179); /* 0.587 x 255 + 0.114 x 255: green and blue */
    assert_int_equal(grey[3], 127);
    assert_int_equal(grey[4], 76); /* red alone */
}

/* Adobe's inverted values: 255 is no ink, so the same pixels read
 * 255 - each byte. */
static void test_adobe_inverted(void **state)
{
    (void)state;
    static const uint8_t CMYK[] = {255, 255, 255, 255, 255, 255, 255, 0, 0, 255, 255, 255};
    static const uint8_t RGB[] = {255, 255, 255, 0, 0, 0, 0, 255, 255};
    uint8_t got[9], grey[3];
    cmyk_to_rgb(CMYK, 3, true, got);
    assert_memory_equal(got, RGB, sizeof RGB);
    cmyk_to_grey(CMYK, 3, true, grey);
    assert_int_equal(grey[0], 255);
    assert_int_equal(grey[1], 0);
    /* a grey ramp written as black only reads back as itself */
    for (int v = 0; v < 256; v++) {
        uint8_t p[4] = {255, 255, 255, (uint8_t)v}, g;
        cmyk_to_grey(p, 1, true, &g);
        assert_int_equal(g, v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ink_amounts),
        cmocka_unit_test(test_adobe_inverted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
