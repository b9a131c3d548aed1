/* Unit tests for src/bio/facecheck.cpp: public-domain portraits packaged in
 * Debian (tests/unit/face_fixtures.h) made into kiosk frames, and one
 * variant per portrait rule that must fail with that rule's reason. Images
 * without a face must give no_face; a face outside where one is expected is
 * not looked for. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bio/facecheck.h"
#include "face_fixtures.h"

static face_detector_t *det;
static raster_t *kiosk;     /* Grace Hopper as a 768 px kiosk frame */
static face_result_t kbase; /* face_check on it */

static int setup(void **state)
{
    (void)state;
    err_t err;
    if (face_detector_open(NULL, &det, &err) < 0)
        return 0; /* tests skip */
    raster_t *orig = ff_load(FF_GRACE_HOPPER);
    if (!orig)
        return 0;
    face_result_t first;
    if (face_check(det, orig, NULL, &first) == 0 && first.fw > 0) {
        kiosk = ff_kiosk(orig, &first, 768);
        face_check(det, kiosk, NULL, &kbase);
    }
    raster_free(orig);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    raster_free(kiosk);
    face_detector_free(det);
    return 0;
}

static void need_kiosk(void)
{
    if (!det || !kiosk)
        skip();
}

static face_result_t check(const raster_t *img)
{
    face_result_t r;
    assert_int_equal(face_check(det, img, NULL, &r), 0);
    return r;
}

static void kiosk_portrait_passes(void **state)
{
    (void)state;
    need_kiosk();
    assert_int_equal(kbase.reason, FACE_OK);
    assert_int_equal(kbase.faces, 1);
    assert_true(kbase.eyes_found);
    assert_true(kbase.eye_distance >= 90);
    assert_true(kbase.lx < kbase.rx);
}

static void grey_frame_is_judged_alike(void **state)
{
    (void)state;
    need_kiosk();
    raster_t *g = NULL;
    assert_int_equal(raster_to_grey(kiosk, &g), 0);
    face_result_t r = check(g);
    raster_free(g);
    assert_int_equal(r.reason, FACE_OK);
    assert_int_equal(r.faces, 1);
}

static void good_variants_pass(void **state)
{
    (void)state;
    need_kiosk();
    for (int v = FF_MIRROR; v < FF_BLUR; v++) {
        raster_t *img = ff_variant(kiosk, &kbase, v);
        assert_non_null(img);
        face_result_t r = check(img);
        if (r.reason != FACE_OK)
            fail_msg("%s: %s", ff_variant_name(v), face_reason_code(r.reason));
        raster_free(img);
    }
}

/* Each bad variant fails, and its own rule is among the failed ones. */
static void bad_variant(int v)
{
    need_kiosk();
    raster_t *img = ff_variant(kiosk, &kbase, v);
    assert_non_null(img);
    face_result_t r = check(img);
    raster_free(img);
    face_reason_t want = ff_variant_expect(v);
    if (r.reason == FACE_OK || !(r.failed & (1u << want)))
        fail_msg("%s: got %s, wanted %s", ff_variant_name(v), face_reason_code(r.reason), face_reason_code(want));
}

static void blurred(void **state)
{
    (void)state;
    bad_variant(FF_BLUR);
}

static void dark(void **state)
{
    (void)state;
    bad_variant(FF_DARK);
}

static void overexposed(void **state)
{
    (void)state;
    bad_variant(FF_BRIGHT);
}

static void tilted(void **state)
{
    (void)state;
    bad_variant(FF_TILT);
}

static void too_small(void **state)
{
    (void)state;
    bad_variant(FF_SMALL);
}

static void busy_background(void **state)
{
    (void)state;
    bad_variant(FF_BUSY);
}

static void uneven_light(void **state)
{
    (void)state;
    bad_variant(FF_UNEVEN);
}

static void two_faces(void **state)
{
    (void)state;
    need_kiosk();
    raster_t *img = ff_variant(kiosk, &kbase, FF_TWO);
    face_result_t r = check(img);
    raster_free(img);
    assert_int_equal(r.reason, FACE_TWO_FACES);
    assert_int_equal(r.faces, 2);
}

/* The NASA portrait as packaged: the face is small in the frame. */
static void astronaut_must_move_closer(void **state)
{
    (void)state;
    if (!det)
        skip();
    raster_t *img = ff_load(FF_ASTRONAUT);
    if (!img)
        skip();
    face_result_t r = check(img);
    raster_free(img);
    assert_int_equal(r.reason, FACE_MOVE_CLOSER);
    assert_true(r.eye_distance < 90);
}

static void no_face_in_plain_or_noise(void **state)
{
    (void)state;
    if (!det)
        skip();
    raster_t *img = NULL;
    assert_int_equal(raster_new(640, 800, 3, 190, &img), 0);
    assert_int_equal(check(img).reason, FACE_NO_FACE);
    uint64_t s = 99;
    for (size_t i = 0; i < (size_t)640 * 800 * 3; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        img->pix[i] = (uint8_t)(s >> 56);
    }
    assert_int_equal(check(img).reason, FACE_NO_FACE);
    raster_free(img);
}

/* A face whose centre sits in the edge margin is not looked for. */
static void face_outside_expected_area_ignored(void **state)
{
    (void)state;
    need_kiosk();
    face_config_t cfg;
    face_config_default(&cfg);
    /* A wide frame (3000 px) with the portrait pasted so that the face
     * centre lands at 6 % of the width, inside the 8 % edge margin. */
    int w = (int)kiosk->width, h = (int)kiosk->height, cw = 3000;
    int fcx = kbase.fx + kbase.fw / 2;
    int ox = (int)(0.06 * cw) - fcx;
    raster_t *img = NULL;
    assert_int_equal(raster_new((uint32_t)cw, (uint32_t)h, 3, 190, &img), 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (x + ox >= 0 && x + ox < cw)
                memcpy(img->pix + ((size_t)y * cw + (size_t)(x + ox)) * 3, kiosk->pix + ((size_t)y * w + x) * 3, 3);
    face_result_t r;
    assert_int_equal(face_check(det, img, &cfg, &r), 0);
    assert_true(r.reason == FACE_NO_FACE || r.reason == FACE_LOOK_STRAIGHT);
    /* With no margin, the same face is found (and is off-centre). */
    cfg.search_margin = 0;
    assert_int_equal(face_check(det, img, &cfg, &r), 0);
    assert_true(r.faces >= 1);
    assert_true(r.failed & (1u << FACE_CENTRE));
    raster_free(img);
}

static void thresholds_come_from_config(void **state)
{
    (void)state;
    need_kiosk();
    face_config_t cfg;
    face_config_default(&cfg);
    cfg.min_eye_distance = kbase.eye_distance + 20;
    face_result_t r;
    assert_int_equal(face_check(det, kiosk, &cfg, &r), 0);
    assert_int_equal(r.reason, FACE_MOVE_CLOSER);
    face_config_default(&cfg);
    cfg.min_sharpness = kbase.sharpness * 2;
    assert_int_equal(face_check(det, kiosk, &cfg, &r), 0);
    assert_int_equal(r.reason, FACE_BLURRED);
}

static void bad_arguments(void **state)
{
    (void)state;
    face_detector_t *d = NULL;
    err_t err;
    assert_int_equal(face_detector_open("/nonexistent", &d, &err), -ENOENT);
    assert_string_equal(err.code, "face_model_missing");
    if (!det)
        skip();
    raster_t *tiny = NULL;
    assert_int_equal(raster_new(63, 200, 1, 100, &tiny), 0);
    face_result_t r;
    assert_int_equal(face_check(det, tiny, NULL, &r), -EINVAL);
    raster_free(tiny);
    for (int i = 0; i < FACE_REASON_COUNT; i++)
        assert_true(strlen(face_reason_text((face_reason_t)i)) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kiosk_portrait_passes),
        cmocka_unit_test(grey_frame_is_judged_alike),
        cmocka_unit_test(good_variants_pass),
        cmocka_unit_test(blurred),
        cmocka_unit_test(dark),
        cmocka_unit_test(overexposed),
        cmocka_unit_test(tilted),
        cmocka_unit_test(too_small),
        cmocka_unit_test(busy_background),
        cmocka_unit_test(uneven_light),
        cmocka_unit_test(two_faces),
        cmocka_unit_test(astronaut_must_move_closer),
        cmocka_unit_test(no_face_in_plain_or_noise),
        cmocka_unit_test(face_outside_expected_area_ignored),
        cmocka_unit_test(thresholds_come_from_config),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
