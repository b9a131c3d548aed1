/* Unit tests for src/bio/fpquality.c: behaviour on known inputs - a seeded
 * synthetic print and its degraded copies, a real NIST print (type3.an2k,
 * public domain) when the data is present - and the slap checks. Nothing
 * asserts a fitted number: only orderings (degraded < original), which side
 * of the configured threshold, and which reason. Also raster's codecs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/limits.h"
#include "bio/fpquality.h"
#include "bio/raster.h"
#include "bio_fixtures.h"

#ifndef UCHET_SOURCE_DIR
#define UCHET_SOURCE_DIR "."
#endif

#define FW 320
#define FH 440

static fpq_result_t score(const raster_t *r)
{
    fpq_result_t res;
    assert_int_equal(fpq_score(r, NULL, &res), 0);
    return res;
}

static raster_t *dup_raster(const raster_t *r)
{
    raster_t *c = NULL;
    assert_int_equal(raster_crop(r, 0, 0, r->width, r->height, &c), 0);
    return c;
}

static void good_print_passes(void **state)
{
    (void)state;
    fpq_config_t cfg;
    fpq_config_default(&cfg);
    for (uint64_t seed = 0; seed < 5; seed++) {
        raster_t *f = fx_finger(FW, FH, seed);
        fpq_result_t r = score(f);
        assert_true(r.score >= cfg.min_score);
        assert_int_equal(r.reason, FPQ_OK);
        assert_true(r.m.fg_blocks > 0 && r.m.fg_blocks < r.m.blocks); /* the rim is background */
        assert_true(r.m.ocl > 0 && r.m.ocl <= 1 && r.m.lcs > 0 && r.m.lcs <= 1);
        assert_true(r.m.fda > 0 && r.m.fda <= 1 && r.m.of > 0 && r.m.of <= 1 && r.m.rvu >= 0);
        raster_free(f);
    }
}

/* Each degradation scores lower than the print it came from, fails, and
 * names the cause a person can act on. */
static void check_degraded(int kind, fpq_reason_t want)
{
    for (uint64_t seed = 10; seed < 13; seed++) {
        raster_t *f = fx_finger(FW, FH, seed);
        raster_t *d = dup_raster(f);
        switch (kind) {
            case 0: fx_blur(d, 2.6); break;
            case 1: fx_noise(d, 55, seed); break;
            case 2: fx_contrast(d, 0.12, 240); break;
            case 3: fx_partial(d, 0.40, 0.55); break;
            case 4: fx_dry(d, seed); break;
            case 5: fx_wet_r(d, 3, 0.5); break; /* soaked: ridges spread 3 px */
            case 6: fx_wet(d); break;           /* damp */
        }
        fpq_result_t a = score(f), b = score(d);
        assert_true(b.score < a.score);
        if (kind == 6)
            goto next; /* a damp print scores lower; whether it passes is the threshold's call */
        assert_int_not_equal(b.reason, FPQ_OK);
        if (want != FPQ_REASON_COUNT)
            assert_int_equal(b.reason, want);
    next:
        raster_free(f);
        raster_free(d);
    }
}

static void blurred_scores_lower(void **state)
{
    (void)state;
    check_degraded(0, FPQ_HOLD_STILL);
}

static void noisy_scores_lower(void **state)
{
    (void)state;
    check_degraded(1, FPQ_CLEAN_GLASS);
}

static void faint_asks_to_press_harder(void **state)
{
    (void)state;
    check_degraded(2, FPQ_PRESS_HARDER);
}

static void partial_asks_to_press_flatter(void **state)
{
    (void)state;
    check_degraded(3, FPQ_PRESS_FLATTER);
}

static void dry_scores_lower(void **state)
{
    (void)state;
    check_degraded(4, FPQ_TOO_DRY);
}

static void wet_scores_lower(void **state)
{
    (void)state;
    check_degraded(5, FPQ_TOO_WET);
    check_degraded(6, FPQ_REASON_COUNT);
}

static void more_blur_never_scores_higher(void **state)
{
    (void)state;
    raster_t *f = fx_finger(FW, FH, 21);
    int prev = score(f).score;
    for (double s = 1.0; s <= 3.0; s += 0.5) {
        raster_t *d = dup_raster(f);
        fx_blur(d, s);
        int now = score(d).score;
        assert_true(now <= prev + 2); /* allow rounding noise, not a rise */
        prev = now;
        raster_free(d);
    }
    raster_free(f);
}

static void empty_glass_is_no_finger(void **state)
{
    (void)state;
    raster_t *g = NULL;
    assert_int_equal(raster_new(FW, FH, 1, 235, &g), 0);
    fpq_result_t r = score(g);
    assert_int_equal(r.score, 0);
    assert_int_equal(r.reason, FPQ_NO_FINGER);
    raster_free(g);
}

static void too_small_is_refused(void **state)
{
    (void)state;
    raster_t *g = NULL;
    fpq_result_t r;
    assert_int_equal(raster_new(63, 400, 1, 200, &g), 0);
    assert_int_equal(fpq_score(g, NULL, &r), -EINVAL);
    raster_free(g);
    assert_int_equal(fpq_score(NULL, NULL, &r), -EINVAL);
}

/* The same print as RGB, and at 1000 ppi, judges alike. */
static void rgb_and_1000ppi_agree(void **state)
{
    (void)state;
    raster_t *f = fx_finger(FW, FH, 30);
    raster_t *rgb = NULL, *big = NULL;
    assert_int_equal(raster_new(FW, FH, 3, 0, &rgb), 0);
    assert_int_equal(raster_new(FW * 2, FH * 2, 1, 0, &big), 0);
    for (size_t i = 0; i < (size_t)FW * FH; i++)
        rgb->pix[3 * i] = rgb->pix[3 * i + 1] = rgb->pix[3 * i + 2] = f->pix[i];
    for (uint32_t y = 0; y < FH * 2; y++)
        for (uint32_t x = 0; x < FW * 2; x++)
            big->pix[(size_t)y * FW * 2 + x] = f->pix[(size_t)(y / 2) * FW + x / 2];
    big->ppi = 1000;
    fpq_result_t a = score(f), b = score(rgb), c = score(big);
    assert_int_equal(a.score, b.score);
    assert_int_equal(c.reason, FPQ_OK);
    assert_true(abs(a.score - c.score) <= 15);
    raster_free(f);
    raster_free(rgb);
    raster_free(big);
}

static void reason_codes_are_distinct(void **state)
{
    (void)state;
    for (int i = 0; i < FPQ_REASON_COUNT; i++) {
        assert_true(strlen(fpq_reason_code((fpq_reason_t)i)) > 0);
        assert_true(strlen(fpq_reason_text((fpq_reason_t)i)) > 0);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(fpq_reason_code((fpq_reason_t)i), fpq_reason_code((fpq_reason_t)j));
    }
    assert_string_equal(fpq_reason_code(FPQ_REASON_COUNT), "unknown");
    for (int i = 0; i < FPQ_SLAP_REASON_COUNT; i++)
        assert_true(strlen(fpq_slap_reason_text((fpq_slap_reason_t)i)) > 0);
}

/* ---- a real print: NIST type3.an2k (public domain), Type-3 record ------ */

static const char *an2k_dir(void)
{
    const char *e = getenv("UCHET_AN2K_DIR");
    /* shared/ lies beside the repository (a developer's checkout and CI's
     * fresh clone alike). */
    return e ? e : UCHET_SOURCE_DIR "/../shared/data/an2k";
}

/* The first Type-3 record: Type-1 and Type-2 are tagged (LEN in "N.001:"),
 * Type-3 binary (4-byte LEN, 18-byte header, uncompressed grey at 250 ppi),
 * doubled to 500 ppi. Just enough reading for this test. */
static raster_t *load_type3(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/type3.an2k", an2k_dir());
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static uint8_t buf[400000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t off = 0;
    for (int rec = 0; rec < 2; rec++) { /* skip Type-1 and Type-2 */
        size_t p = off;
        while (p < n && buf[p] != ':')
            p++;
        size_t len = 0;
        for (p++; p < n && buf[p] >= '0' && buf[p] <= '9'; p++)
            len = len * 10 + (size_t)(buf[p] - '0');
        if (len == 0 || off + len > n)
            return NULL;
        off += len;
    }
    if (off + 18 > n)
        return NULL;
    const uint8_t *h = buf + off;
    size_t len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    uint32_t w = (uint32_t)(h[13] << 8 | h[14]), hh = (uint32_t)(h[15] << 8 | h[16]);
    if (h[17] != 0 || len != 18 + (size_t)w * hh || off + len > n)
        return NULL;
    raster_t *r = NULL;
    if (raster_new(w * 2, hh * 2, 1, 0, &r) < 0)
        return NULL;
    for (uint32_t y = 0; y < hh * 2; y++)
        for (uint32_t x = 0; x < w * 2; x++)
            r->pix[(size_t)y * w * 2 + x] = h[18 + (size_t)(y / 2) * w + x / 2];
    fx_blur(r, 0.8); /* soften the pixel doubling */
    r->ppi = 500;
    return r;
}

static void real_print_passes_and_degrades(void **state)
{
    (void)state;
    raster_t *r = load_type3();
    if (!r)
        skip();
    fpq_result_t a = score(r);
    assert_int_equal(a.reason, FPQ_OK);
    raster_t *b = dup_raster(r), *n = dup_raster(r);
    fx_blur(b, 2.6);
    fx_noise(n, 55, 1);
    fpq_result_t rb = score(b), rn = score(n);
    assert_true(rb.score < a.score && rb.reason != FPQ_OK);
    assert_true(rn.score < a.score && rn.reason != FPQ_OK);
    raster_free(r);
    raster_free(b);
    raster_free(n);
}

/* ---- slaps ------------------------------------------------------------- */

typedef struct slap {
    raster_t *img;
    fpq_box_t box[4];
} slap_t;

/* Four seeded fingers side by side, FGP 13 (right: 2, 3, 4, 5). */
static slap_t make_slap(int blur_third)
{
    slap_t s;
    assert_int_equal(raster_new(1600, 1000, 1, 235, &s.img), 0);
    s.img->ppi = 500;
    for (int i = 0; i < 4; i++) {
        raster_t *f = fx_finger(FW, FH, 700 + (uint64_t)i);
        if (blur_third && i == 2)
            fx_blur(f, 2.8);
        int ox = 60 + i * 380, oy = 120 + (i == 1 || i == 2 ? 0 : 140);
        for (uint32_t y = 0; y < FH; y++)
            memcpy(s.img->pix + (size_t)(oy + y) * 1600 + ox, f->pix + (size_t)y * FW, FW);
        s.box[i] = (fpq_box_t){ox, oy, FW, FH, (uint8_t)(2 + i)};
        raster_free(f);
    }
    return s;
}

static fpq_slap_result_t slap_check(
    const slap_t *s, uint8_t fgp, const fpq_box_t *b, size_t n, const uint8_t *exc, size_t nexc)
{
    fpq_slap_result_t r;
    assert_int_equal(fpq_slap_check(s->img, fgp, b, n, exc, nexc, NULL, &r), 0);
    return r;
}

static void slap_good(void **state)
{
    (void)state;
    slap_t s = make_slap(0);
    fpq_slap_result_t r = slap_check(&s, 13, s.box, 4, NULL, 0);
    assert_int_equal(r.reason, FPQ_SLAP_OK);
    assert_int_equal(r.expected, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(r.finger[i].reason, FPQ_OK);
    raster_free(s.img);
}

static void slap_count_and_exceptions(void **state)
{
    (void)state;
    slap_t s = make_slap(0);
    /* Three segments, nothing declared missing: wrong count. */
    assert_int_equal(slap_check(&s, 13, s.box, 3, NULL, 0).reason, FPQ_SLAP_WRONG_COUNT);
    /* Finger 5 declared missing: three is right. */
    uint8_t five = 5;
    fpq_slap_result_t r = slap_check(&s, 13, s.box, 3, &five, 1);
    assert_int_equal(r.reason, FPQ_SLAP_OK);
    assert_int_equal(r.expected, 3);
    /* Finger 5 declared missing but a box for it sent (box 2 dropped). */
    fpq_box_t b[3] = {s.box[0], s.box[1], s.box[3]};
    assert_int_equal(slap_check(&s, 13, b, 3, &five, 1).reason, FPQ_SLAP_WRONG_FINGER);
    /* An exception from another slap does not lower this one's count. */
    uint8_t seven = 7;
    assert_int_equal(slap_check(&s, 13, s.box, 3, &seven, 1).reason, FPQ_SLAP_WRONG_COUNT);
    assert_int_equal(slap_check(&s, 13, s.box, 4, &seven, 1).reason, FPQ_SLAP_OK);
    /* Four boxes in the thumbs slap: wrong count. */
    assert_int_equal(slap_check(&s, 15, s.box, 4, NULL, 0).reason, FPQ_SLAP_WRONG_COUNT);
    raster_free(s.img);
}

static void slap_wrong_or_twice(void **state)
{
    (void)state;
    slap_t s = make_slap(0);
    fpq_box_t b[4];
    memcpy(b, s.box, sizeof b);
    b[3].position = 7; /* a left finger in the right slap */
    assert_int_equal(slap_check(&s, 13, b, 4, NULL, 0).reason, FPQ_SLAP_WRONG_FINGER);
    b[3].position = 2; /* index twice */
    assert_int_equal(slap_check(&s, 13, b, 4, NULL, 0).reason, FPQ_SLAP_WRONG_FINGER);
    raster_free(s.img);
}

static void slap_geometry(void **state)
{
    (void)state;
    slap_t s = make_slap(0);
    fpq_box_t b[4];
    memcpy(b, s.box, sizeof b);
    b[1].x = b[0].x + b[0].w - 10; /* overlaps its neighbour by 10 px */
    assert_int_equal(slap_check(&s, 13, b, 4, NULL, 0).reason, FPQ_SLAP_OVERLAP);
    memcpy(b, s.box, sizeof b);
    b[1].x = b[0].x + b[0].w; /* touching, not overlapping */
    b[2].x = b[1].x + b[1].w;
    assert_int_not_equal(slap_check(&s, 13, b, 4, NULL, 0).reason, FPQ_SLAP_OVERLAP);
    memcpy(b, s.box, sizeof b);
    b[3].x = 1500; /* runs off the image */
    assert_int_equal(slap_check(&s, 13, b, 4, NULL, 0).reason, FPQ_SLAP_BOX_OUTSIDE);
    memcpy(b, s.box, sizeof b);
    b[0].x = -1;
    assert_int_equal(slap_check(&s, 13, b, 4, NULL, 0).reason, FPQ_SLAP_BOX_OUTSIDE);
    memcpy(b, s.box, sizeof b);
    b[0].w = 20; /* too small to judge */
    assert_int_equal(slap_check(&s, 13, b, 4, NULL, 0).reason, FPQ_SLAP_BOX_OUTSIDE);
    /* A configured tolerance lets a small overlap through. */
    fpq_config_t cfg;
    fpq_config_default(&cfg);
    cfg.slap_max_overlap = 0.05;
    memcpy(b, s.box, sizeof b);
    b[1].x = b[0].x + b[0].w - 10;
    fpq_slap_result_t r;
    assert_int_equal(fpq_slap_check(s.img, 13, b, 4, NULL, 0, &cfg, &r), 0);
    assert_int_not_equal(r.reason, FPQ_SLAP_OVERLAP);
    raster_free(s.img);
}

static void slap_bad_finger_is_named(void **state)
{
    (void)state;
    slap_t s = make_slap(1);
    fpq_slap_result_t r = slap_check(&s, 13, s.box, 4, NULL, 0);
    assert_int_equal(r.reason, FPQ_SLAP_FINGER_QUALITY);
    assert_int_equal(r.worst, 2);
    assert_int_not_equal(r.finger[2].reason, FPQ_OK);
    assert_int_equal(r.finger[0].reason, FPQ_OK);
    raster_free(s.img);
}

/* A device that reports a box where no finger lies: that box is empty glass. */
static void slap_box_on_empty_glass(void **state)
{
    (void)state;
    slap_t s = make_slap(0);
    const fpq_box_t *b = &s.box[1];
    for (int y = b->y; y < b->y + b->h; y++)
        memset(s.img->pix + (size_t)y * 1600 + b->x, 235, (size_t)b->w);
    fpq_slap_result_t r = slap_check(&s, 13, s.box, 4, NULL, 0);
    assert_int_equal(r.reason, FPQ_SLAP_FINGER_QUALITY);
    assert_int_equal(r.worst, 1);
    assert_int_equal(r.finger[1].reason, FPQ_NO_FINGER);
    raster_free(s.img);
}

static void slap_bad_arguments(void **state)
{
    (void)state;
    slap_t s = make_slap(0);
    fpq_slap_result_t r;
    fpq_box_t many[LIMIT_SLAP_FINGERS + 1];
    memset(many, 0, sizeof many);
    assert_int_equal(fpq_slap_check(s.img, 12, s.box, 4, NULL, 0, NULL, &r), -EINVAL);
    assert_int_equal(fpq_slap_check(s.img, 13, many, LIMIT_SLAP_FINGERS + 1, NULL, 0, NULL, &r), -EINVAL);
    assert_int_equal(fpq_slap_check(s.img, 13, NULL, 4, NULL, 0, NULL, &r), -EINVAL);
    assert_int_equal(fpq_slap_check(s.img, 13, s.box, 4, NULL, 2, NULL, &r), -EINVAL);
    raster_free(s.img);
}

/* ---- raster codecs ------------------------------------------------------ */

static void raster_png_round_trip_and_limits(void **state)
{
    (void)state;
    raster_t *f = fx_finger(FW, FH, 40), *back = NULL;
    uint8_t *png = NULL;
    size_t len = 0;
    assert_int_equal(raster_encode_png(f, &png, &len), 0);
    assert_int_equal(raster_decode(png, len, 0, &back, NULL), 0);
    assert_int_equal(back->channels, 1);
    assert_memory_equal(back->pix, f->pix, (size_t)FW * FH);
    raster_free(back);
    /* Cut short, then a corrupted byte in the header: refused, no crash. */
    err_t err;
    assert_int_equal(raster_decode(png, len / 2, 0, &back, &err), -EINVAL);
    assert_string_equal(err.code, "image_unreadable");
    png[16] ^= 0xff;
    assert_int_equal(raster_decode(png, len, 0, &back, &err), -EINVAL);
    free(png);
    /* JPEG: lossy, so close rather than equal; RGB on request. */
    uint8_t *jpg = NULL;
    assert_int_equal(raster_encode_jpeg(f, 95, &jpg, &len), 0);
    assert_int_equal(raster_decode(jpg, len, 3, &back, NULL), 0);
    assert_int_equal(back->channels, 3);
    assert_int_equal(back->width, FW);
    raster_free(back);
    assert_int_equal(raster_decode(jpg, len / 3, 0, &back, &err), -EINVAL);
    free(jpg);
    /* Neither format. */
    const uint8_t junk[] = "GIF89a....";
    assert_int_equal(raster_decode(junk, sizeof junk, 0, &back, &err), -EINVAL);
    /* A PNG whose header claims more than the limit is refused before any
     * pixel buffer: a 1 x (LIMIT_RASTER_SIDE + 1) image. */
    raster_t *tall = NULL;
    assert_int_equal(raster_new(1, LIMIT_RASTER_SIDE + 1, 1, 0, &tall), -ERANGE);
    assert_int_equal(raster_new(1, 100, 1, 0, &tall), 0);
    assert_int_equal(raster_encode_png(tall, &png, &len), 0);
    /* Patch IHDR height (bytes 20..23) to LIMIT_RASTER_SIDE + 1; the CRC is
     * now wrong too, which a decoder may report first: either way -E*. */
    uint32_t hgt = LIMIT_RASTER_SIDE + 1;
    png[20] = (uint8_t)(hgt >> 24);
    png[21] = (uint8_t)(hgt >> 16);
    png[22] = (uint8_t)(hgt >> 8);
    png[23] = (uint8_t)hgt;
    assert_true(raster_decode(png, len, 0, &back, &err) < 0);
    free(png);
    raster_free(tall);
    raster_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_print_passes),
        cmocka_unit_test(blurred_scores_lower),
        cmocka_unit_test(noisy_scores_lower),
        cmocka_unit_test(faint_asks_to_press_harder),
        cmocka_unit_test(partial_asks_to_press_flatter),
        cmocka_unit_test(dry_scores_lower),
        cmocka_unit_test(wet_scores_lower),
        cmocka_unit_test(more_blur_never_scores_higher),
        cmocka_unit_test(empty_glass_is_no_finger),
        cmocka_unit_test(too_small_is_refused),
        cmocka_unit_test(rgb_and_1000ppi_agree),
        cmocka_unit_test(reason_codes_are_distinct),
        cmocka_unit_test(real_print_passes_and_degrades),
        cmocka_unit_test(slap_good),
        cmocka_unit_test(slap_count_and_exceptions),
        cmocka_unit_test(slap_wrong_or_twice),
        cmocka_unit_test(slap_geometry),
        cmocka_unit_test(slap_bad_finger_is_named),
        cmocka_unit_test(slap_box_on_empty_glass),
        cmocka_unit_test(slap_bad_arguments),
        cmocka_unit_test(raster_png_round_trip_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
