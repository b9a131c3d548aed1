/* bio/raster: a JPEG is decoded as its EXIF orientation shows it, in grey
 * and in colour, so that a face or a scanned page photographed with the
 * phone turned reaches the checks upright; a CMYK JPEG decodes too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

#include "bio/raster.h"
#include "exif_fixture.h"

#define W 32
#define H 16

/* 32 x 16 white with its top-left 16 x 8 quarter black, as JPEG bytes
 * tagged with orientation o (0: no EXIF block). Caller frees. */
static uint8_t *quartered_jpeg(int o, size_t *len)
{
    raster_t *r = NULL;
    assert_int_equal(raster_new(W, H, 1, 255, &r), 0);
    for (int y = 0; y < H / 2; y++)
        memset(r->pix + y * W, 0, W / 2);
    uint8_t *j = NULL;
    size_t n = 0;
    assert_int_equal(raster_encode_jpeg(r, 95, &j, &n), 0);
    raster_free(r);
    if (o == 0) {
        *len = n;
        return j;
    }
    uint8_t app1[64];
    size_t a = exif_fixture_app1(app1, (uint32_t)o, 3, 1, true);
    uint8_t *t = exif_fixture_splice(j, n, app1, a, len);
    assert_non_null(t);
    free(j);
    return t;
}

/* Whether the pixel's first channel is dark (the quarter) or light. */
static int dark(const raster_t *r, uint32_t x, uint32_t y)
{
    return r->pix[((size_t)y * r->width + x) * r->channels] < 64;
}

static void decoded(int o, uint32_t channels, raster_t **ret)
{
    size_t len = 0;
    uint8_t *j = quartered_jpeg(o, &len);
    err_t e = {0};
    assert_int_equal(raster_decode(j, len, channels, ret, &e), 0);
    free(j);
}

static void test_untagged_as_stored(void **state)
{
    (void)state;
    raster_t *r = NULL;
    decoded(0, 1, &r);
    assert_int_equal(r->width, W);
    assert_int_equal(r->height, H);
    assert_true(dark(r, 4, 4) && !dark(r, W - 4, 4) && !dark(r, 4, H - 4));
    raster_free(r);
}

/* 6, a quarter turn right: the stored top-left quarter is shown top
 * right, the picture 16 wide and 32 high; in grey and in RGB. */
static void test_quarter_turn(void **state)
{
    (void)state;
    for (uint32_t ch = 1; ch <= 3; ch += 2) {
        raster_t *r = NULL;
        decoded(6, ch, &r);
        assert_int_equal(r->width, H);
        assert_int_equal(r->height, W);
        assert_int_equal(r->channels, ch);
        assert_true(dark(r, H - 4, 4) && !dark(r, 4, 4) && !dark(r, H - 4, W - 4) && !dark(r, 4, W - 4));
        raster_free(r);
    }
}

/* 2, a mirror: the quarter is shown top right, the size unchanged; 3,
 * half a turn: bottom right. */
static void test_mirror_and_half_turn(void **state)
{
    (void)state;
    raster_t *r = NULL;
    decoded(2, 1, &r);
    assert_int_equal(r->width, W);
    assert_true(dark(r, W - 4, 4) && !dark(r, 4, 4) && !dark(r, W - 4, H - 4));
    raster_free(r);
    decoded(3, 1, &r);
    assert_true(dark(r, W - 4, H - 4) && !dark(r, 4, 4) && !dark(r, W - 4, 4));
    raster_free(r);
}

/* 32 x 16 CMYK: the left half full black ink, the right half full cyan,
 * as JPEG; adobe: Adobe's inverted values and APP14 marker, else ink
 * amounts and no marker. */
static uint8_t *cmyk_jpeg(bool adobe, size_t *len)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    uint8_t *out = NULL, row[W * 4];
    unsigned long n = 0;
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &n);
    ci.image_width = W, ci.image_height = H, ci.input_components = 4, ci.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&ci);
    ci.write_Adobe_marker = adobe;
    jpeg_set_quality(&ci, 95, TRUE);
    jpeg_start_compress(&ci, TRUE);
    for (int x = 0; x < W; x++) {
        uint8_t ink[4] = {x < W / 2 ? 0 : 255, 0, 0, x < W / 2 ? 255 : 0};
        for (int c = 0; c < 4; c++)
            row[4 * x + c] = adobe ? (uint8_t)(255 - ink[c]) : ink[c];
    }
    while (ci.next_scanline < H) {
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    *len = n;
    return out;
}

/* A CMYK JPEG (print workflows) decodes, in both conventions: black ink
 * black, cyan ink (R, G, B) = (0, 255, 255) give or take the JPEG. */
static void test_cmyk(void **state)
{
    (void)state;
    for (int adobe = 0; adobe <= 1; adobe++) {
        size_t len = 0;
        uint8_t *j = cmyk_jpeg(adobe, &len);
        raster_t *rgb = NULL, *grey = NULL;
        err_t e = {0};
        assert_int_equal(raster_decode(j, len, 3, &rgb, &e), 0);
        assert_int_equal(raster_decode(j, len, 1, &grey, &e), 0);
        const uint8_t *black = rgb->pix + (8 * W + 4) * 3, *cyan = rgb->pix + (8 * W + W - 4) * 3;
        assert_true(black[0] < 16 && black[1] < 16 && black[2] < 16);
        assert_true(cyan[0] < 40 && cyan[1] > 215 && cyan[2] > 215);
        assert_true(grey->pix[8 * W + 4] < 16 && grey->pix[8 * W + W - 4] > 150);
        raster_free(rgb);
        raster_free(grey);
        free(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_untagged_as_stored),
        cmocka_unit_test(test_quarter_turn),
        cmocka_unit_test(test_mirror_and_half_turn),
        cmocka_unit_test(test_cmyk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
