/* docset/straighten: a page turned a quarter, a half or three quarters,
 * tilted by 4°, or both, comes back upright and level; real phone photos of
 * passports that are upright are never turned.
 *
 * The turned pages are a migration card rendered by docsetgen (Cyrillic,
 * cairo + pango with Debian's fonts; the path in DOCSETGEN) turned by
 * leptonica's exact orthogonal rotation; the real photos are the
 * specimens of tests/mrz/real (konstantint/PassportEye, MIT). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <leptonica/allheaders.h>

#include "base/file.h"
#include "docset/straighten.h"

static raster_t *load(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(file_read_alloc(path, 64u << 20, &buf, &len, NULL), 0);
    raster_t *g = NULL;
    assert_int_equal(raster_decode((const uint8_t *)buf, len, 1, &g, NULL), 0);
    free(buf);
    return g;
}

/* g turned `quads` clockwise quarters, then tilted by `deg` (leptonica). */
static raster_t *turned(const raster_t *g, int quads, double deg)
{
    PIX *p = pixCreate((l_int32)g->width, (l_int32)g->height, 8);
    assert_non_null(p);
    for (uint32_t y = 0; y < g->height; y++)
        for (uint32_t x = 0; x < g->width; x++)
            SET_DATA_BYTE(pixGetData(p) + (size_t)y * (size_t)pixGetWpl(p), x, g->pix[(size_t)y * g->width + x]);
    PIX *q = pixRotateOrth(p, quads);
    PIX *t =
        deg != 0 ? pixRotate(q, (l_float32)(deg * M_PI / 180), L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0) : pixClone(q);
    raster_t *r = NULL;
    assert_int_equal(raster_new((uint32_t)pixGetWidth(t), (uint32_t)pixGetHeight(t), 1, 255, &r), 0);
    for (uint32_t y = 0; y < r->height; y++)
        for (uint32_t x = 0; x < r->width; x++)
            r->pix[(size_t)y * r->width + x] =
                (uint8_t)GET_DATA_BYTE(pixGetData(t) + (size_t)y * (size_t)pixGetWpl(t), x);
    pixDestroy(&p), pixDestroy(&q), pixDestroy(&t);
    return r;
}

static raster_t *rendered_page(void)
{
    const char *gen = getenv("DOCSETGEN");
    if (!gen || !*gen)
        return NULL;
    char dir[] = "/tmp/test_straighten_XXXXXX", cmd[1024], path[1200];
    assert_non_null(mkdtemp(dir));
    /* a clean patent set's migration card, wherever the set places it */
    snprintf(cmd, sizeof cmd,
        "'%s' --out '%s' --seed 6 --sets 1 --procedure patent >/dev/null 2>&1 && "
        "cp '%s'/set-0000-*-migration_card.png '%s/card.png'",
        gen, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/card.png", dir);
    raster_t *g = load(path);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return g;
}

static void turns_a_page_upright(void **state)
{
    (void)state;
    raster_t *page = rendered_page();
    if (!page)
        skip();
    docset_tess_t *tess = docset_tess_new(); /* one osd handle for the four pages, as a reader thread has */
    assert_non_null(tess);
    for (int quads = 0; quads < 4; quads++) {
        raster_t *in = turned(page, quads, 0), *out = NULL;
        struct straighten_result how;
        assert_int_equal(straighten_page(in, tess, &out, &how, NULL), 0);
        assert_int_equal((quads + how.quarter_turns) % 4, 0);
        if (quads) {
            assert_non_null(out);
            assert_int_equal(out->width, page->width);
            assert_int_equal(out->height, page->height);
        } else {
            assert_null(out); /* an upright, level page is left as it came */
        }
        raster_free(in), raster_free(out);
    }
    docset_tess_free(tess);
    raster_free(page);
}

/* A tilted page, upright or turned as a phone held sideways and askew
 * takes it: each quarter turn with a tilt of 3 or 5 degrees either way
 * comes back upright and level (an upright one by the tilt's opposite). */
static void levels_a_tilted_page(void **state)
{
    (void)state;
    raster_t *page = rendered_page();
    if (!page)
        skip();
    docset_tess_t *tess = docset_tess_new();
    assert_non_null(tess);
    static const double tilts[] = {-5, -3, 3, 5};
    for (int quads = 0; quads < 4; quads++)
        for (size_t t = 0; t < sizeof tilts / sizeof tilts[0]; t++) {
            raster_t *in = turned(page, quads, tilts[t]), *out = NULL;
            struct straighten_result how;
            assert_int_equal(straighten_page(in, tess, &out, &how, NULL), 0);
            assert_non_null(out);
            double back = quads ? fabs(fabs(how.skew_deg) - fabs(tilts[t])) : fabs(how.skew_deg + tilts[t]);
            if ((quads + how.quarter_turns) % 4 != 0 || back > 0.5)
                fail_msg("turned %d, tilted %+g: %d quarter turns and %+.2f degrees back", quads, tilts[t],
                    how.quarter_turns, how.skew_deg);
            raster_free(in), raster_free(out);
        }
    docset_tess_free(tess);
    raster_free(page);
}

/* On real upright photos the detectors are unsure; they must not turn them. */
static void leaves_upright_photos_alone(void **state)
{
    (void)state;
    static const char *const photos[] = {"100_pass-cze.jpg", "62_pass-pol.png", "100_pass-fin.png", "100_id-usa.jpg",
        "79_pass-hun.png", "100_pass-isl.png"};
    docset_tess_t *tess = docset_tess_new();
    assert_non_null(tess);
    for (size_t i = 0; i < sizeof photos / sizeof photos[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/mrz/real/%s", UCHET_SOURCE_DIR, photos[i]);
        raster_t *g = load(path), *out = NULL;
        struct straighten_result how;
        assert_int_equal(straighten_page(g, tess, &out, &how, NULL), 0);
        if (how.quarter_turns != 0)
            fail_msg("%s turned %d quarters", photos[i], how.quarter_turns);
        raster_free(g), raster_free(out);
    }
    docset_tess_free(tess);
}

static void refuses_a_colour_raster(void **state)
{
    (void)state;
    raster_t *rgb = NULL, *out = (raster_t *)1;
    struct straighten_result how;
    err_t e = {0};
    assert_int_equal(raster_new(10, 10, 3, 255, &rgb), 0);
    assert_int_equal(straighten_page(rgb, NULL, &out, &how, &e), -EINVAL);
    assert_null(out);
    raster_free(rgb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(turns_a_page_upright),
        cmocka_unit_test(levels_a_tilted_page),
        cmocka_unit_test(leaves_upright_photos_alone),
        cmocka_unit_test(refuses_a_colour_raster),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
