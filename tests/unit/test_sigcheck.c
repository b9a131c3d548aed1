/* Unit tests for src/bio/sigcheck.c: drawn signatures that must pass and
 * the captures a person should redo (empty pad, a dot, a plain line, a
 * scribble in a corner), as rasters and as pen points. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/limits.h"
#include "bio/sigcheck.h"

#define PW 600
#define PH 200
#define MAXP 4000

typedef struct pen {
    sig_point_t p[MAXP];
    size_t n;
} pen_t;

static void add(pen_t *pen, double x, double y, uint32_t stroke)
{
    if (pen->n < MAXP)
        pen->p[pen->n++] = (sig_point_t){(float)x, (float)y, stroke};
}

/* A cursive-looking signature: loops travelling right, then a separate
 * underline stroke. Scaled into [x0, x0 + w] x [y0, y0 + h]. */
static void cursive(pen_t *pen, double x0, double y0, double w, double h)
{
    for (int i = 0; i <= 400; i++) {
        double t = i / 400.0;
        double x = x0 + w * (t + 0.06 * sin(t * 40));
        double y = y0 + h * (0.5 - 0.4 * cos(t * 40) * (0.6 + 0.4 * sin(t * 7)));
        add(pen, x < x0 ? x0 : x, y, 0);
    }
    for (int i = 0; i <= 50; i++)
        add(pen, x0 + w * (0.1 + 0.8 * i / 50.0), y0 + h * 0.95, 1);
}

static void line(pen_t *pen, double x0, double y0, double x1, double y1, uint32_t stroke)
{
    for (int i = 0; i <= 100; i++)
        add(pen, x0 + (x1 - x0) * i / 100.0, y0 + (y1 - y0) * i / 100.0, stroke);
}

/* Renders pen points as 3-px dark ink on a light pad (grey or RGB). */
static raster_t *render(const pen_t *pen, uint32_t channels)
{
    raster_t *r = NULL;
    assert_int_equal(raster_new(PW, PH, channels, 245, &r), 0);
    for (size_t i = 0; i < pen->n; i++) {
        size_t j = i + 1 < pen->n && pen->p[i + 1].stroke == pen->p[i].stroke ? i + 1 : i;
        for (int s = 0; s <= 10; s++) {
            double x = pen->p[i].x + (pen->p[j].x - pen->p[i].x) * s / 10.0;
            double y = pen->p[i].y + (pen->p[j].y - pen->p[i].y) * s / 10.0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    long xx = lround(x) + dx, yy = lround(y) + dy;
                    if (xx >= 0 && yy >= 0 && xx < PW && yy < PH)
                        memset(r->pix + ((size_t)yy * PW + (size_t)xx) * channels, 30, channels);
                }
        }
    }
    return r;
}

static sig_reason_t both(const pen_t *pen)
{
    sig_result_t a, b, c;
    assert_int_equal(sig_check_points(pen->p, pen->n, PW, PH, NULL, &a), 0);
    raster_t *g = render(pen, 1), *rgb = render(pen, 3);
    assert_int_equal(sig_check_raster(g, NULL, &b), 0);
    assert_int_equal(sig_check_raster(rgb, NULL, &c), 0);
    raster_free(g);
    raster_free(rgb);
    assert_int_equal(a.reason, b.reason); /* points and raster agree */
    assert_int_equal(b.reason, c.reason);
    return a.reason;
}

static void signature_passes(void **state)
{
    (void)state;
    static pen_t pen;
    pen.n = 0;
    cursive(&pen, 60, 30, 460, 130);
    assert_int_equal(both(&pen), SIG_OK);
}

static void empty_pad(void **state)
{
    (void)state;
    static pen_t pen;
    pen.n = 0;
    assert_int_equal(both(&pen), SIG_EMPTY);
}

static void a_dot_is_not_a_signature(void **state)
{
    (void)state;
    static pen_t pen;
    pen.n = 0;
    add(&pen, 300, 100, 0);
    add(&pen, 301, 100, 0);
    /* Points see a tiny stroke (too small); the raster too little ink
     * (empty): either is a redo. */
    sig_result_t a, b;
    assert_int_equal(sig_check_points(pen.p, pen.n, PW, PH, NULL, &a), 0);
    raster_t *g = render(&pen, 1);
    assert_int_equal(sig_check_raster(g, NULL, &b), 0);
    raster_free(g);
    assert_true(a.reason == SIG_EMPTY || a.reason == SIG_TOO_SMALL);
    assert_true(b.reason == SIG_EMPTY || b.reason == SIG_TOO_SMALL);
}

static void a_plain_line_is_too_simple(void **state)
{
    (void)state;
    static pen_t pen;
    pen.n = 0;
    line(&pen, 60, 60, 540, 140, 0);
    assert_int_equal(both(&pen), SIG_TOO_SIMPLE);
}

static void a_corner_scribble_is_too_small(void **state)
{
    (void)state;
    static pen_t pen;
    pen.n = 0;
    cursive(&pen, 10, 10, 90, 40);
    assert_int_equal(both(&pen), SIG_TOO_SMALL);
}

static void thresholds_come_from_config(void **state)
{
    (void)state;
    static pen_t pen;
    pen.n = 0;
    cursive(&pen, 60, 30, 460, 130);
    sig_config_t cfg;
    sig_config_default(&cfg);
    cfg.min_strokes = 3; /* the cursive has two strokes */
    sig_result_t r;
    assert_int_equal(sig_check_points(pen.p, pen.n, PW, PH, &cfg, &r), 0);
    assert_int_equal(r.strokes, 2);
    assert_int_equal(r.reason, SIG_TOO_SIMPLE);
}

static void specks_do_not_count(void **state)
{
    (void)state;
    raster_t *r = NULL;
    assert_int_equal(raster_new(PW, PH, 1, 245, &r), 0);
    /* Dust: single dark pixels scattered over the pad. */
    for (int i = 0; i < 400; i++)
        r->pix[(size_t)((i * 37) % PH) * PW + (size_t)((i * 101) % PW)] = 20;
    sig_result_t res;
    assert_int_equal(sig_check_raster(r, NULL, &res), 0);
    assert_int_equal(res.strokes, 0);
    assert_int_equal(res.reason, SIG_EMPTY);
    raster_free(r);
}

static void bad_input(void **state)
{
    (void)state;
    sig_point_t p[2] = {{10, 10, 0}, {700, 10, 0}};
    sig_result_t r;
    assert_int_equal(sig_check_points(p, 2, PW, PH, NULL, &r), -EINVAL); /* off the pad */
    assert_int_equal(sig_check_points(p, 1, 0, PH, NULL, &r), -EINVAL);
    assert_int_equal(sig_check_points(p, LIMIT_SIG_POINTS + 1, PW, PH, NULL, &r), -EINVAL);
    assert_int_equal(sig_check_points(NULL, 2, PW, PH, NULL, &r), -EINVAL);
    p[1].x = NAN;
    assert_int_equal(sig_check_points(p, 2, PW, PH, NULL, &r), -EINVAL);
    raster_t *tiny = NULL;
    assert_int_equal(raster_new(15, 100, 1, 245, &tiny), 0);
    assert_int_equal(sig_check_raster(tiny, NULL, &r), -EINVAL);
    raster_free(tiny);
    raster_t *huge = NULL;
    assert_int_equal(raster_new(4096, LIMIT_SIG_PIXELS / 4096 + 1, 1, 245, &huge), 0);
    assert_int_equal(sig_check_raster(huge, NULL, &r), -ERANGE);
    raster_free(huge);
    for (int i = 0; i < SIG_REASON_COUNT; i++)
        assert_true(strlen(sig_reason_text((sig_reason_t)i)) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signature_passes),
        cmocka_unit_test(empty_pad),
        cmocka_unit_test(a_dot_is_not_a_signature),
        cmocka_unit_test(a_plain_line_is_too_simple),
        cmocka_unit_test(a_corner_scribble_is_too_small),
        cmocka_unit_test(thresholds_come_from_config),
        cmocka_unit_test(specks_do_not_count),
        cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
