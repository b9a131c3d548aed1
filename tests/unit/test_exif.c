/* base/exif: the Orientation tag found in a JPEG's markers (and refused
 * wherever the block is out of place), and the pixels turned as each of
 * the eight values shows them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/exif.h"
#include "exif_fixture.h"

/* SOI, a JFIF APP0, a quantisation table's marker and the start of scan:
 * the markers a decoder walks, no real image data (exif reads none). */
static const uint8_t PLAIN[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xD9};

static int orientation_of(uint32_t value, uint16_t type, uint32_t count, bool little)
{
    uint8_t app1[64];
    size_t n = exif_fixture_app1(app1, value, type, count, little), len = 0;
    uint8_t *j = exif_fixture_splice(PLAIN, sizeof PLAIN, app1, n, &len);
    assert_non_null(j);
    int o = exif_orientation(j, len);
    free(j);
    return o;
}

static void test_every_value_both_orders(void **state)
{
    (void)state;
    for (uint32_t v = 1; v <= 8; v++) {
        assert_int_equal(orientation_of(v, 3, 1, true), (int)v);
        assert_int_equal(orientation_of(v, 3, 1, false), (int)v);
    }
    assert_int_equal(exif_orientation(PLAIN, sizeof PLAIN), 1);
}

static void test_out_of_place_is_as_stored(void **state)
{
    (void)state;
    assert_int_equal(orientation_of(0, 3, 1, true), 1);
    assert_int_equal(orientation_of(9, 3, 1, false), 1);
    assert_int_equal(orientation_of(6, 4, 1, true), 1);  /* a LONG, not TIFF's SHORT */
    assert_int_equal(orientation_of(6, 3, 2, false), 1); /* two values */
    assert_int_equal(exif_orientation(NULL, 0), 1);
    assert_int_equal(exif_orientation((const uint8_t *)"\x89PNG\r\n\x1a\n", 8), 1);
}

/* Every cut of a tagged JPEG short of the whole tag reads as stored, and
 * ASan sees no read past the cut (each cut is its own allocation). */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    uint8_t app1[64];
    size_t n = exif_fixture_app1(app1, 6, 3, 1, true), len;
    uint8_t *j = exif_fixture_splice(PLAIN, sizeof PLAIN, app1, n, &len);
    assert_non_null(j);
    for (size_t cut = 0; cut < 2 + n; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        assert_non_null(c);
        memcpy(c, j, cut);
        assert_int_equal(exif_orientation(c, cut), 1);
        free(c);
    }
    assert_int_equal(exif_orientation(j, len), 6);
    free(j);
}

/* The directory's own offsets out of the block, and a segment longer than
 * the file. */
static void test_bad_offsets(void **state)
{
    (void)state;
    uint8_t app1[64];
    size_t n = exif_fixture_app1(app1, 6, 3, 1, true), len;
    app1[10 + 4] = 200; /* IFD0 past the 44-byte block */
    uint8_t *j = exif_fixture_splice(PLAIN, sizeof PLAIN, app1, n, &len);
    assert_int_equal(exif_orientation(j, len), 1);
    free(j);
    n = exif_fixture_app1(app1, 6, 3, 1, false);
    app1[10 + 8] = 0x7F; /* 32,000-odd entries in a 44-byte block */
    j = exif_fixture_splice(PLAIN, sizeof PLAIN, app1, n, &len);
    assert_int_equal(exif_orientation(j, len), 1);
    free(j);
    n = exif_fixture_app1(app1, 6, 3, 1, false);
    app1[2] = 0xFF; /* the segment claims 65 KB */
    j = exif_fixture_splice(PLAIN, sizeof PLAIN, app1, n, &len);
    assert_int_equal(exif_orientation(j, len), 1);
    free(j);
}

/* Other APP1 blocks (XMP) and fill bytes before the EXIF one are walked
 * past; an EXIF block after the start of scan is image data, not a tag. */
static void test_marker_walk(void **state)
{
    (void)state;
    uint8_t app1[64], buf[256];
    size_t n = exif_fixture_app1(app1, 8, 3, 1, false), at = 0;
    static const uint8_t XMP[] = {0xFF, 0xE1, 0x00, 0x0A, 'h', 't', 't', 'p', ':', '/', '/', 0};
    memcpy(buf, PLAIN, 20), at = 20; /* SOI and APP0 */
    memcpy(buf + at, XMP, sizeof XMP), at += sizeof XMP;
    buf[at++] = 0xFF; /* a fill byte */
    memcpy(buf + at, app1, n), at += n;
    memcpy(buf + at, PLAIN + 20, sizeof PLAIN - 20), at += sizeof PLAIN - 20;
    assert_int_equal(exif_orientation(buf, at), 8);
    at = 0;
    memcpy(buf, PLAIN, sizeof PLAIN - 2), at = sizeof PLAIN - 2; /* up to the scan data */
    memcpy(buf + at, app1, n), at += n;
    assert_int_equal(exif_orientation(buf, at), 1);
}

/* Stored 3 x 2:  1 2 3 / 4 5 6. Shown, by TIFF 6.0's definitions (where
 * row 0 and column 0 go), e.g. 6: row 0 is the right-hand side, column 0
 * the top. */
static void test_pixels_turned(void **state)
{
    (void)state;
    static const uint8_t S[] = {1, 2, 3, 4, 5, 6};
    static const struct {
        uint32_t w, h;
        uint8_t p[6];
    } WANT[9] = {
        [1] = {3, 2, {1, 2, 3, 4, 5, 6}},
        [2] = {3, 2, {3, 2, 1, 6, 5, 4}},
        [3] = {3, 2, {6, 5, 4, 3, 2, 1}},
        [4] = {3, 2, {4, 5, 6, 1, 2, 3}},
        [5] = {2, 3, {1, 4, 2, 5, 3, 6}},
        [6] = {2, 3, {4, 1, 5, 2, 6, 3}},
        [7] = {2, 3, {6, 3, 5, 2, 4, 1}},
        [8] = {2, 3, {3, 6, 2, 5, 1, 4}},
    };
    for (int o = 1; o <= 8; o++) {
        uint32_t w, h;
        uint8_t d[6] = {0};
        exif_shown_size(o, 3, 2, &w, &h);
        assert_int_equal(w, WANT[o].w);
        assert_int_equal(h, WANT[o].h);
        exif_upright(o, S, 3, 2, 1, d);
        assert_memory_equal(d, WANT[o].p, 6);
    }
    uint8_t d[6];
    exif_upright(0, S, 3, 2, 1, d); /* out of range: as stored */
    assert_memory_equal(d, S, 6);
}

/* Channels travel together: RGB 2 x 1 turned a quarter right. */
static void test_pixels_rgb(void **state)
{
    (void)state;
    static const uint8_t S[] = {10, 11, 12, 20, 21, 22};
    static const uint8_t WANT[] = {10, 11, 12, 20, 21, 22}; /* 1 wide, 2 high: left pixel on top */
    uint8_t d[6];
    exif_upright(6, S, 2, 1, 3, d);
    assert_memory_equal(d, WANT, 6);
    static const uint8_t WANT8[] = {20, 21, 22, 10, 11, 12};
    exif_upright(8, S, 2, 1, 3, d);
    assert_memory_equal(d, WANT8, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_value_both_orders),
        cmocka_unit_test(test_out_of_place_is_as_stored),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_bad_offsets),
        cmocka_unit_test(test_marker_walk),
        cmocka_unit_test(test_pixels_turned),
        cmocka_unit_test(test_pixels_rgb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
