/* Tests for bio/synthfp: determinism (same seed → same bytes), distinct
 * subjects (no two seeds share a print: low normalised cross-correlation
 * over shifts), the ridge period measured from the image (not from the
 * generator's parameters), slap boxes, each degradation measurably doing
 * what it says, and bad options refused. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bio/synthfp.h"

static double px(const struct synthfp_image *im, int x, int y)
{
    return im->pix[(size_t)y * im->width + x];
}

/* Largest normalised cross-correlation of the central 192 × 192 windows of
 * a and b over shifts of ±16 px (step 2). */
static double max_ncc(const struct synthfp_image *a, const struct synthfp_image *b)
{
    const int S = 192, R = 16;
    int x0 = (a->width - S) / 2, y0 = (a->height - S) / 2 + 20;
    double best = -1;
    for (int sy = -R; sy <= R; sy += 2)
        for (int sx = -R; sx <= R; sx += 2) {
            double ma = 0, mb = 0;
            for (int y = 0; y < S; y++)
                for (int x = 0; x < S; x++) {
                    ma += px(a, x0 + x, y0 + y);
                    mb += px(b, x0 + x + sx, y0 + y + sy);
                }
            ma /= S * S, mb /= S * S;
            double sab = 0, saa = 0, sbb = 0;
            for (int y = 0; y < S; y++)
                for (int x = 0; x < S; x++) {
                    double da = px(a, x0 + x, y0 + y) - ma, db = px(b, x0 + x + sx, y0 + y + sy) - mb;
                    sab += da * db, saa += da * da, sbb += db * db;
                }
            double c = sab / sqrt(saa * sbb + 1e-9);
            if (c > best)
                best = c;
        }
    return best;
}

/* Ridge period measured on the image: at points in the middle of the print,
 * the local orientation from the gradient structure tensor (31 × 31), then
 * the mean-crossings of a 96 px profile across the ridges. */
static double measured_period(const struct synthfp_image *im)
{
    double total = 0;
    int used = 0;
    for (int py = im->height / 2 - 60; py <= im->height / 2 + 60; py += 40)
        for (int qx = im->width / 2 - 40; qx <= im->width / 2 + 40; qx += 40) {
            double gxx = 0, gyy = 0, gxy = 0;
            for (int y = py - 15; y <= py + 15; y++)
                for (int x = qx - 15; x <= qx + 15; x++) {
                    double gx = px(im, x + 1, y) - px(im, x - 1, y);
                    double gy = px(im, x, y + 1) - px(im, x, y - 1);
                    gxx += gx * gx, gyy += gy * gy, gxy += gx * gy;
                }
            /* dominant gradient direction = across the ridges */
            double phi = 0.5 * atan2(2 * gxy, gxx - gyy);
            double c = cos(phi), s = sin(phi);
            enum { L = 96 };
            double prof[L], mean = 0;
            for (int i = 0; i < L; i++) {
                double t = i - L / 2.0;
                int x = (int)lround(qx + t * c), y = (int)lround(py + t * s);
                if (x < 0 || y < 0 || x >= im->width || y >= im->height)
                    return -1;
                prof[i] = px(im, x, y);
                mean += prof[i];
            }
            mean /= L;
            int crossings = 0, first = -1, last = -1;
            for (int i = 1; i < L; i++)
                if ((prof[i - 1] - mean) * (prof[i] - mean) < 0) {
                    crossings++;
                    if (first < 0)
                        first = i;
                    last = i;
                }
            if (crossings >= 4) {
                total += 2.0 * (last - first) / (crossings - 1);
                used++;
            }
        }
    return used ? total / used : -1;
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    struct synthfp_image a, b;
    struct synthfp_opts o = {.impression = 3, .dry = 0.3, .noise = 0.2};
    assert_int_equal(synthfp_finger(42, 7, &o, &a, NULL), 0);
    assert_int_equal(synthfp_finger(42, 7, &o, &b, NULL), 0);
    assert_int_equal(a.width, SYNTHFP_FINGER_W);
    assert_int_equal(a.height, SYNTHFP_FINGER_H);
    assert_memory_equal(a.pix, b.pix, (size_t)a.width * a.height);
    synthfp_image_free(&a);
    synthfp_image_free(&b);
}

/* Different subjects, and different fingers of one subject, never match;
 * the same finger under extra sensor noise still does. */
static void test_distinct_subjects(void **state)
{
    (void)state;
    enum { N = 5 };
    struct synthfp_image im[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(synthfp_finger(1000 + (uint64_t)i * 7919, 2, NULL, &im[i], NULL), 0);
    double worst = -1;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double c = max_ncc(&im[i], &im[j]);
            if (c > worst)
                worst = c;
        }
    print_message("max NCC between different subjects: %.3f\n", worst);
    assert_true(worst < 0.35);

    struct synthfp_image other, noisy;
    assert_int_equal(synthfp_finger(1000, 3, NULL, &other, NULL), 0);
    double fingers = max_ncc(&im[0], &other);
    print_message("max NCC between two fingers of one subject: %.3f\n", fingers);
    assert_true(fingers < 0.35);
    struct synthfp_opts o = {.noise = 0.6};
    assert_int_equal(synthfp_finger(1000, 2, &o, &noisy, NULL), 0);
    double same = max_ncc(&im[0], &noisy);
    print_message("NCC of the same finger under noise: %.3f\n", same);
    assert_true(same > 0.6);
    for (int i = 0; i < N; i++)
        synthfp_image_free(&im[i]);
    synthfp_image_free(&other);
    synthfp_image_free(&noisy);
}

/* b rotated by deg about its centre (bilinear, white outside). */
static struct synthfp_image rotated(const struct synthfp_image *b, double deg)
{
    struct synthfp_image o = {b->width, b->height, malloc((size_t)b->width * b->height)};
    double a = deg * M_PI / 180, ca = cos(a), sa = sin(a), cx = b->width / 2.0, cy = b->height / 2.0;
    for (int y = 0; y < b->height; y++)
        for (int x = 0; x < b->width; x++) {
            double sx = cx + ca * (x - cx) + sa * (y - cy), sy = cy - sa * (x - cx) + ca * (y - cy);
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            double v = 255;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < b->width && y0 + 1 < b->height) {
                double fx = sx - x0, fy = sy - y0;
                v = (1 - fy) * ((1 - fx) * px(b, x0, y0) + fx * px(b, x0 + 1, y0)) +
                    fy * ((1 - fx) * px(b, x0, y0 + 1) + fx * px(b, x0 + 1, y0 + 1));
            }
            o.pix[(size_t)y * o.width + x] = (unsigned char)lround(v);
        }
    return o;
}

/* Best NCC over rotations of ±8° (2° steps) and shifts. */
static double best_aligned(const struct synthfp_image *a, const struct synthfp_image *b)
{
    double best = -1;
    for (int d = -8; d <= 8; d += 2) {
        struct synthfp_image r = rotated(b, d);
        double c = max_ncc(a, &r);
        if (c > best)
            best = c;
        synthfp_image_free(&r);
    }
    return best;
}

/* Another touch of the same finger (impression 1: new placement, pressure
 * and noise) still matches its first touch once aligned; another subject's
 * finger does not, however aligned. */
static void test_same_person_across_impressions(void **state)
{
    (void)state;
    struct synthfp_image a, b, other;
    struct synthfp_opts o1 = {.impression = 1};
    assert_int_equal(synthfp_finger(2024, 8, NULL, &a, NULL), 0);
    assert_int_equal(synthfp_finger(2024, 8, &o1, &b, NULL), 0);
    assert_int_equal(synthfp_finger(2025, 8, &o1, &other, NULL), 0);
    assert_memory_not_equal(a.pix, b.pix, (size_t)a.width * a.height);
    double same = best_aligned(&a, &b), diff = best_aligned(&a, &other);
    print_message("aligned NCC: same finger, two impressions %.3f; two subjects %.3f\n", same, diff);
    assert_true(same > 0.5);
    assert_true(diff < 0.35);
    synthfp_image_free(&a);
    synthfp_image_free(&b);
    synthfp_image_free(&other);
}

static void test_ridge_period_near_9px(void **state)
{
    (void)state;
    double sum = 0;
    for (int i = 0; i < 6; i++) {
        struct synthfp_image im;
        assert_int_equal(synthfp_finger(77 + (uint64_t)i, 1 + i, NULL, &im, NULL), 0);
        double p = measured_period(&im);
        print_message("seed %d: measured ridge period %.2f px\n", 77 + i, p);
        assert_true(p > 7.5 && p < 11.0);
        sum += p;
        synthfp_image_free(&im);
    }
    assert_true(fabs(sum / 6 - 9.0) < 0.8);
}

static void test_all_classes_occur(void **state)
{
    (void)state;
    int seen[5] = {0};
    for (uint64_t s = 0; s < 400; s++) {
        int c = synthfp_class_of(s, 1 + (int)(s % 10));
        assert_true(c >= 0 && c < 5);
        seen[c]++;
    }
    for (int c = 0; c < 5; c++)
        assert_true(seen[c] > 0);
    /* loops and whorls dominate, as in real populations */
    assert_true(seen[SYNTHFP_LEFT_LOOP] + seen[SYNTHFP_RIGHT_LOOP] + seen[SYNTHFP_WHORL] > 300);
}

static int boxes_overlap(const struct synthfp_box *a, const struct synthfp_box *b)
{
    return a->left < b->right && b->left < a->right && a->top < b->bottom && b->top < a->bottom;
}

static double ink_fraction(const struct synthfp_image *im, int l, int r, int t, int b)
{
    size_t dark = 0, n = 0;
    for (int y = t; y < b; y++)
        for (int x = l; x < r; x++, n++)
            dark += px(im, x, y) < 128;
    return n ? (double)dark / (double)n : 0;
}

static void test_slap_boxes(void **state)
{
    (void)state;
    struct synthfp_image im;
    struct synthfp_box bx[SYNTHFP_MAX_SLAP_FINGERS];
    int n = -1;
    assert_int_equal(synthfp_slap(5, SYNTHFP_SLAP_RIGHT_FOUR, 0, NULL, &im, bx, &n, NULL), 0);
    assert_int_equal(n, 4);
    assert_int_equal(im.width, SYNTHFP_SLAP_W);
    const int want[] = {2, 3, 4, 5};
    for (int i = 0; i < n; i++) {
        assert_int_equal(bx[i].position, want[i]);
        assert_true(bx[i].left >= 0 && bx[i].right <= im.width && bx[i].left < bx[i].right);
        assert_true(bx[i].top >= 0 && bx[i].bottom <= im.height && bx[i].top < bx[i].bottom);
        assert_true(bx[i].right - bx[i].left > 120 && bx[i].bottom - bx[i].top > 200);
        assert_true(ink_fraction(&im, bx[i].left, bx[i].right, bx[i].top, bx[i].bottom) > 0.2);
        for (int j = 0; j < i; j++)
            assert_false(boxes_overlap(&bx[i], &bx[j]));
    }
    /* outside every box there is no ridge ink */
    size_t stray = 0;
    for (int y = 0; y < im.height; y++)
        for (int x = 0; x < im.width; x++) {
            int in = 0;
            for (int i = 0; i < n; i++)
                in |= x >= bx[i].left && x < bx[i].right && y >= bx[i].top && y < bx[i].bottom;
            stray += !in && px(&im, x, y) < 128;
        }
    assert_int_equal(stray, 0);
    synthfp_image_free(&im);

    /* a missing ring finger leaves three boxes and an empty column */
    assert_int_equal(synthfp_slap(5, SYNTHFP_SLAP_RIGHT_FOUR, 1u << 4, NULL, &im, bx, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(bx[0].position, 2);
    assert_int_equal(bx[1].position, 3);
    assert_int_equal(bx[2].position, 5);
    assert_true(ink_fraction(&im, 800, 1200, 0, im.height) < 0.001);
    synthfp_image_free(&im);

    assert_int_equal(synthfp_slap(5, SYNTHFP_SLAP_THUMBS, 0, NULL, &im, bx, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(bx[0].position, 6);
    assert_int_equal(bx[1].position, 1);
    assert_false(boxes_overlap(&bx[0], &bx[1]));
    synthfp_image_free(&im);

    /* faint, noisy fingers keep their boxes (the box is where the finger
     * touched, not where the ink is dark) */
    struct synthfp_opts faint = {.low_contrast = 0.95, .noise = 1.0};
    assert_int_equal(synthfp_slap(5, SYNTHFP_SLAP_RIGHT_FOUR, 0, &faint, &im, bx, &n, NULL), 0);
    assert_int_equal(n, 4);
    for (int i = 0; i < n; i++) {
        assert_true(bx[i].right - bx[i].left > 120 && bx[i].bottom - bx[i].top > 200);
        for (int j = 0; j < i; j++)
            assert_false(boxes_overlap(&bx[i], &bx[j]));
    }
    synthfp_image_free(&im);

    /* the fingers in a slap are the subject's own fingers */
    struct synthfp_image slap, alone;
    assert_int_equal(synthfp_slap(9, SYNTHFP_SLAP_LEFT_FOUR, 0, NULL, &slap, bx, &n, NULL), 0);
    assert_int_equal(n, 4);
    assert_int_equal(bx[3].position, 7);
    assert_int_equal(synthfp_finger(9, 7, NULL, &alone, NULL), 0);
    assert_true(bx[3].right - bx[3].left > 0);
    synthfp_image_free(&slap);
    synthfp_image_free(&alone);
}

/* Statistics inside the fingertip (the central window). */
static void centre_stats(const struct synthfp_image *im, double *ret_ink, double *ret_sd)
{
    int x0 = im->width / 2 - 70, y0 = im->height / 2 - 70;
    double m = 0, ss = 0;
    size_t dark = 0;
    for (int y = y0; y < y0 + 140; y++)
        for (int x = x0; x < x0 + 140; x++) {
            double v = px(im, x, y);
            m += v, ss += v * v, dark += v < 128;
        }
    m /= 140 * 140;
    *ret_ink = (double)dark / (140 * 140);
    *ret_sd = sqrt(ss / (140 * 140) - m * m);
}

static void test_degradations(void **state)
{
    (void)state;
    struct synthfp_image good, im;
    double ink0, sd0, ink, sd;
    assert_int_equal(synthfp_finger(31, 2, NULL, &good, NULL), 0);
    centre_stats(&good, &ink0, &sd0);
    print_message("good: ink %.2f sd %.1f\n", ink0, sd0);
    assert_true(ink0 > 0.3 && ink0 < 0.7);

    struct synthfp_opts o = {.low_contrast = 0.9};
    assert_int_equal(synthfp_finger(31, 2, &o, &im, NULL), 0);
    centre_stats(&im, &ink, &sd);
    print_message("degraded: ink %.2f sd %.1f\n", ink, sd);
    assert_true(sd < 0.4 * sd0);
    synthfp_image_free(&im);

    o = (struct synthfp_opts){.dry = 0.9};
    assert_int_equal(synthfp_finger(31, 2, &o, &im, NULL), 0);
    centre_stats(&im, &ink, &sd);
    print_message("degraded: ink %.2f sd %.1f\n", ink, sd);
    assert_true(ink < 0.6 * ink0);
    synthfp_image_free(&im);

    o = (struct synthfp_opts){.wet = 0.9};
    assert_int_equal(synthfp_finger(31, 2, &o, &im, NULL), 0);
    centre_stats(&im, &ink, &sd);
    print_message("degraded: ink %.2f sd %.1f\n", ink, sd);
    assert_true(ink > 1.3 * ink0);
    synthfp_image_free(&im);

    o = (struct synthfp_opts){.partial = 0.6};
    assert_int_equal(synthfp_finger(31, 2, &o, &im, NULL), 0);
    double all0 = ink_fraction(&good, 0, good.width, 0, good.height);
    double allp = ink_fraction(&im, 0, im.width, 0, im.height);
    assert_true(allp < 0.75 * all0);
    synthfp_image_free(&im);

    o = (struct synthfp_opts){.smudge = 1.0};
    assert_int_equal(synthfp_finger(31, 2, &o, &im, NULL), 0);
    assert_memory_not_equal(im.pix, good.pix, (size_t)im.width * im.height);
    synthfp_image_free(&im);

    /* a rotation of 20° moves the print: its best match falls */
    o = (struct synthfp_opts){.rotation_deg = 20};
    assert_int_equal(synthfp_finger(31, 2, &o, &im, NULL), 0);
    assert_true(max_ncc(&good, &im) < 0.5);
    synthfp_image_free(&im);
    synthfp_image_free(&good);
}

static void test_palm(void **state)
{
    (void)state;
    struct synthfp_image a, b;
    assert_int_equal(synthfp_palm(12, 0, NULL, &a, NULL), 0);
    assert_int_equal(a.width, SYNTHFP_PALM_W);
    assert_int_equal(a.height, SYNTHFP_PALM_H);
    double ink = ink_fraction(&a, 200, 800, 200, 1000);
    assert_true(ink > 0.25 && ink < 0.75);
    assert_int_equal(synthfp_palm(12, 1, NULL, &b, NULL), 0);
    assert_memory_not_equal(a.pix, b.pix, (size_t)a.width * a.height);
    synthfp_image_free(&a);
    synthfp_image_free(&b);
}

static void assert_same_image(const struct synthfp_image *a, const struct synthfp_image *b)
{
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_memory_equal(a->pix, b->pix, (size_t)a->width * a->height);
}

static void assert_counts(struct synthfp_cache *c, uint64_t hits, uint64_t misses)
{
    uint64_t h, m;
    synthfp_cache_counts(c, &h, &m);
    assert_int_equal(h, hits);
    assert_int_equal(m, misses);
}

/* The field cache gives the very images rendered without it — a second
 * impression, a slap around a finger already seen, a palm — and computes a
 * field only when it has not kept it; the least recently used goes first. */
static void test_cache_same_images(void **state)
{
    (void)state;
    struct synthfp_cache *c;
    err_t err;
    assert_int_equal(synthfp_cache_new(0, &c, &err), -EINVAL);
    assert_string_equal(err.code, "synthfp_bad_cache");
    assert_int_equal(synthfp_cache_new(5, &c, NULL), 0);
    struct synthfp_opts plain = {.impression = 2, .wet = 0.4}, cached = plain;
    cached.cache = c;
    struct synthfp_image a, b;
    for (int pass = 0; pass < 2; pass++) { /* a miss, then a hit: same bytes both times */
        assert_int_equal(synthfp_finger(99, 3, &plain, &a, NULL), 0);
        assert_int_equal(synthfp_finger(99, 3, &cached, &b, NULL), 0);
        assert_same_image(&a, &b);
        synthfp_image_free(&a), synthfp_image_free(&b);
    }
    assert_counts(c, 1, 1);
    struct synthfp_box bx[4], cbx[4];
    int n, cn;
    assert_int_equal(synthfp_slap(99, SYNTHFP_SLAP_RIGHT_FOUR, 0, &plain, &a, bx, &n, NULL), 0);
    assert_int_equal(synthfp_slap(99, SYNTHFP_SLAP_RIGHT_FOUR, 0, &cached, &b, cbx, &cn, NULL), 0);
    assert_same_image(&a, &b);
    assert_int_equal(n, cn);
    synthfp_image_free(&a), synthfp_image_free(&b);
    assert_counts(c, 2, 4); /* finger 3 kept; 2, 4 and 5 new */
    assert_int_equal(synthfp_palm(99, 1, &plain, &a, NULL), 0);
    assert_int_equal(synthfp_palm(99, 1, &cached, &b, NULL), 0);
    assert_same_image(&a, &b);
    synthfp_image_free(&a), synthfp_image_free(&b);
    assert_counts(c, 2, 5); /* five kept now: 2, 3, 4, 5 (the slap's order), the left palm */
    static const struct {
        uint64_t seed;
        int position;
        uint64_t hits, misses;
    } asks[] = {
        {99, 3, 3, 5},  /* kept: now the most recent */
        {100, 3, 3, 6}, /* another person: the least recent, 99's finger 2, goes */
        {99, 3, 4, 6},  /* still kept */
        {99, 2, 4, 7},  /* gone, computed again */
    };
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        assert_int_equal(synthfp_finger(asks[i].seed, asks[i].position, &cached, &b, NULL), 0);
        synthfp_image_free(&b);
        assert_counts(c, asks[i].hits, asks[i].misses);
    }
    synthfp_cache_free(c);
    synthfp_cache_free(NULL);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct synthfp_image im = {0};
    struct synthfp_box bx[4];
    int n;
    err_t err;
    assert_int_equal(synthfp_finger(1, 0, NULL, &im, &err), -EINVAL);
    assert_string_equal(err.code, "synthfp_bad_position");
    assert_int_equal(synthfp_finger(1, 11, NULL, &im, NULL), -EINVAL);
    assert_int_equal(synthfp_class_of(1, 11), -EINVAL);
    assert_int_equal(synthfp_slap(1, 12, 0, NULL, &im, bx, &n, NULL), -EINVAL);
    assert_int_equal(synthfp_palm(1, 2, NULL, &im, NULL), -EINVAL);
    struct synthfp_opts o = {.dry = 1.5};
    assert_int_equal(synthfp_finger(1, 1, &o, &im, &err), -EINVAL);
    assert_string_equal(err.code, "synthfp_bad_option");
    o = (struct synthfp_opts){.wet = NAN};
    assert_int_equal(synthfp_finger(1, 1, &o, &im, NULL), -EINVAL);
    o = (struct synthfp_opts){.rotation_deg = 200};
    assert_int_equal(synthfp_slap(1, 13, 0, &o, &im, bx, &n, NULL), -EINVAL);
    assert_null(im.pix);
    synthfp_image_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_distinct_subjects),
        cmocka_unit_test(test_same_person_across_impressions),
        cmocka_unit_test(test_ridge_period_near_9px),
        cmocka_unit_test(test_all_classes_occur),
        cmocka_unit_test(test_slap_boxes),
        cmocka_unit_test(test_degradations),
        cmocka_unit_test(test_palm),
        cmocka_unit_test(test_cache_same_images),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
