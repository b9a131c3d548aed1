#include "docs/ocr.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include <jpeglib.h>
#include <png.h>
#include <tesseract/capi.h>

#include "base/cmyk.h"
#include "base/exif.h"
#include "docs/icao_codes.h"
#include "docs/mrz.h"
#include "docs/mrzfix.h"

#define CELL_W 16 /* normalised cell size for template matching */
#define CELL_H 24
#define SLACK_X 3 /* matching shifts in normalised pixels */
#define SLACK_Y 3
#define NGLYPHS 37
#define WORK_WIDTH_MAX 1800 /* larger images are reduced first (speed) */
#define BANDS_MAX 160
#define COMPS_MAX 20000  /* glyph-sized ink components considered per page */
#define CODE_MARGIN 0.12 /* summed correlation a known country code may lose to the reading */
#define ALT_MARGIN 0.04
#define NEAR_MARGIN 0.08     /* a runner-up this close is a reading the image nearly supports too */
#define DIGIT_CLEAR 0.07     /* a digit in a letter cell must beat every letter by this */
#define SKEW_MAX_DEG 45.0    /* tilt searched either way; a quarter turn covers the rest */
#define FOOT_REACH 2.5       /* pitches either side whose glyph bottoms set a cell's baseline */
#define WEAK_FIT 0.8         /* a zone whose letter and digit cells correlate less on average is re-sized too */
#define FIT_SLACK 0.02       /* mean correlation a reading may lose to another of its zone and still be chosen */
#define BOX_DISAGREE 0.08    /* glyph boxes from pitch and from height differing more: try both */
#define FONTS 2              /* OCR-B and a plain monospaced sans (see fonts) */
#define EXEMPLARS_MAX 3      /* a zone's own prints of a glyph a near tie is compared with */
#define EXEMPLAR_MARGIN 0.03 /* by which a runner-up must match its prints better to be taken */
#define TWIN_MARGIN 0.08     /* ... and a look-alike twin the templates did not find near */
#define TEMPLATE_LEVELS 3
#define TEMPLATE_WEIGHTS 3
#define TEMPLATE_BLUR1 0.7 /* template blur (cell pixels) for glyphs 9-14 px wide */
#define TEMPLATE_BLUR2 1.2 /* and for narrower ones */
#define GRID_TRIM_MAX 2    /* stray blobs a line grid may leave out at either end */
#define GRID_TRIM_COST                                                                                                 \
    0.03 /* misfit charged per blob left out */ /* correlation gap under which the runner-up is reported as a candidate */

/* Outline emboldening (1/64 px at the 96 px rendering) of each template
 * set: presses and printers spread the ink of OCR-B differently. */
static const int weights[TEMPLATE_WEIGHTS] = {0, 128, 256};

static const char glyphs[NGLYPHS + 1] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

struct gray {
    int w, h;
    unsigned char *p;
};

/* ---- decoding ---------------------------------------------------------- */

struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jb;
};

static void jpeg_fail(j_common_ptr c)
{
    longjmp(((struct jerr *)c->err)->jb, 1);
}

static void jpeg_quiet(j_common_ptr c, int level)
{
    (void)c;
    (void)level;
}

/* g turned as its EXIF orientation o shows it (a phone's photo as the
 * phone showed it: a mirrored zone is read by no turn of the page). */
static int shown_upright(int o, struct gray *g)
{
    if (o == 1)
        return 0;
    uint32_t w, h;
    exif_shown_size(o, (uint32_t)g->w, (uint32_t)g->h, &w, &h);
    unsigned char *p = malloc((size_t)w * h);
    if (!p) {
        free(g->p);
        g->p = NULL;
        return -ENOMEM;
    }
    exif_upright(o, g->p, (uint32_t)g->w, (uint32_t)g->h, 1, p);
    free(g->p);
    *g = (struct gray){(int)w, (int)h, p};
    return 0;
}

static int decode_jpeg(const unsigned char *img, size_t len, struct gray *g)
{
    struct jpeg_decompress_struct ci;
    struct jerr je;
    unsigned char *volatile buf = NULL, *volatile four = NULL;
    ci.err = jpeg_std_error(&je.mgr);
    je.mgr.error_exit = jpeg_fail;
    je.mgr.emit_message = jpeg_quiet;
    if (setjmp(je.jb)) {
        jpeg_destroy_decompress(&ci);
        free(buf);
        free(four);
        return -EINVAL;
    }
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, img, (unsigned long)len);
    jpeg_read_header(&ci, TRUE);
    /* libjpeg turns CMYK into nothing but CMYK (base/cmyk) */
    bool cmyk = ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK;
    ci.out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
    if ((size_t)ci.image_width * ci.image_height > OCR_IMAGE_PIXELS_MAX || !ci.image_width) {
        jpeg_destroy_decompress(&ci);
        return -EINVAL;
    }
    jpeg_start_decompress(&ci);
    buf = malloc((size_t)ci.output_width * ci.output_height);
    four = cmyk ? malloc((size_t)ci.output_width * 4) : NULL;
    if (!buf || (cmyk && !four)) {
        jpeg_destroy_decompress(&ci);
        free(buf);
        free(four);
        return -ENOMEM;
    }
    while (ci.output_scanline < ci.output_height) {
        unsigned char *out = buf + (size_t)ci.output_scanline * ci.output_width;
        JSAMPROW row = cmyk ? four : out;
        jpeg_read_scanlines(&ci, &row, 1);
        if (cmyk)
            cmyk_to_grey(four, ci.output_width, ci.saw_Adobe_marker, out);
    }
    jpeg_finish_decompress(&ci);
    *g = (struct gray){(int)ci.output_width, (int)ci.output_height, buf};
    jpeg_destroy_decompress(&ci);
    free(four);
    return shown_upright(exif_orientation(img, len), g);
}

static int decode_png(const unsigned char *img, size_t len, struct gray *g)
{
    png_image pi = {.version = PNG_IMAGE_VERSION};
    if (!png_image_begin_read_from_memory(&pi, img, len))
        return -EINVAL;
    pi.format = PNG_FORMAT_GRAY;
    if ((size_t)pi.width * pi.height > OCR_IMAGE_PIXELS_MAX || !pi.width) {
        png_image_free(&pi);
        return -EINVAL;
    }
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(pi));
    if (!buf) {
        png_image_free(&pi);
        return -ENOMEM;
    }
    /* Transparent pixels composite onto white, like paper. */
    png_color white = {255, 255, 255};
    if (!png_image_finish_read(&pi, &white, buf, 0, NULL)) {
        free(buf);
        png_image_free(&pi);
        return -EINVAL;
    }
    *g = (struct gray){(int)pi.width, (int)pi.height, buf};
    return 0;
}

static int decode(const unsigned char *img, size_t len, struct gray *g)
{
    if (len >= 8 && png_sig_cmp(img, 0, 8) == 0)
        return decode_png(img, len, g);
    if (len >= 3 && img[0] == 0xFF && img[1] == 0xD8 && img[2] == 0xFF)
        return decode_jpeg(img, len, g);
    return -EINVAL;
}

/* n samples of s (stride ss) into m <= n samples of d (stride ds), each
 * the mean of the span of s it covers (an area average). */
static void area_line(const unsigned char *s, size_t ss, int n, unsigned char *d, size_t ds, int m)
{
    double f = (double)n / m;
    for (int i = 0; i < m; i++) {
        double a = i * f, b = a + f, sum = 0;
        for (int k = (int)a; k < n && k < b; k++)
            sum += s[(size_t)k * ss] * ((k + 1 < b ? k + 1 : b) - (k > a ? k : a));
        d[(size_t)i * ds] = (unsigned char)(sum / f + 0.5);
    }
}

/* g reduced to WORK_WIDTH_MAX wide (area average, the height in
 * proportion, at least one row); g is at most twice that wide. */
static int shrink_to_width(struct gray *g)
{
    int w = WORK_WIDTH_MAX, h = (int)((int64_t)g->h * w / g->w);
    h = h > 0 ? h : 1;
    unsigned char *rows = malloc((size_t)w * g->h), *p = malloc((size_t)w * h);
    if (!rows || !p) {
        free(rows);
        free(p);
        return -ENOMEM;
    }
    for (int y = 0; y < g->h; y++)
        area_line(g->p + (size_t)y * g->w, 1, g->w, rows + (size_t)y * w, 1, w);
    for (int x = 0; x < w; x++)
        area_line(rows + x, (size_t)w, g->h, p + x, (size_t)w, h);
    free(rows);
    free(g->p);
    *g = (struct gray){w, h, p};
    return 0;
}

/* Reduces the image to at most WORK_WIDTH_MAX wide: halved (box filter)
 * while twice that or wider, then by what is left, under 2. Not halved
 * all the way: a 12-megapixel phone photo (4032 wide) of a passport that
 * fills half the frame kept a quarter of its glyphs' pixels (4-6 px
 * high, read by nothing), and keeps 0.45 now. */
static int shrink(struct gray *g)
{
    while (g->w >= 2 * WORK_WIDTH_MAX) {
        int w = g->w / 2, h = g->h / 2 > 0 ? g->h / 2 : 1;
        unsigned char *p = malloc((size_t)w * (size_t)h);
        if (!p)
            return -ENOMEM;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const unsigned char *s = g->p + (size_t)(2 * y < g->h - 1 ? 2 * y : g->h - 1) * g->w + 2 * x;
                int below = 2 * y + 1 < g->h ? g->w : 0;
                p[y * w + x] = (unsigned char)((s[0] + s[1] + s[below] + s[below + 1] + 2) / 4);
            }
        free(g->p);
        *g = (struct gray){w, h, p};
    }
    return g->w > WORK_WIDTH_MAX ? shrink_to_width(g) : 0;
}

/* A copy of g turned by quarter * 90 degrees clockwise (0-3): EXIF's
 * orientations 1, 6, 3 and 8. */
static int turned(const struct gray *g, int quarter, struct gray *out)
{
    static const int ORIENTATION[4] = {1, 6, 3, 8};
    uint32_t w, h;
    exif_shown_size(ORIENTATION[quarter], (uint32_t)g->w, (uint32_t)g->h, &w, &h);
    unsigned char *p = malloc((size_t)w * h);
    if (!p)
        return -ENOMEM;
    exif_upright(ORIENTATION[quarter], g->p, (uint32_t)g->w, (uint32_t)g->h, 1, p);
    *out = (struct gray){(int)w, (int)h, p};
    return 0;
}

/* A copy of g at twice the size (bilinear). */
static int upscale2(const struct gray *g, struct gray *out)
{
    int w = 2 * g->w, h = 2 * g->h;
    unsigned char *p = malloc((size_t)w * h);
    if (!p)
        return -ENOMEM;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double sx = (x - 0.5) / 2, sy = (y - 0.5) / 2;
            int x0 = sx < 0 ? 0 : (int)sx, y0 = sy < 0 ? 0 : (int)sy;
            int x1 = x0 + 1 < g->w ? x0 + 1 : x0, y1 = y0 + 1 < g->h ? y0 + 1 : y0;
            double fx = sx - x0 < 0 ? 0 : sx - x0, fy = sy - y0 < 0 ? 0 : sy - y0;
            const unsigned char *s = g->p;
            double v = (s[(size_t)y0 * g->w + x0] * (1 - fx) + s[(size_t)y0 * g->w + x1] * fx) * (1 - fy) +
                       (s[(size_t)y1 * g->w + x0] * (1 - fx) + s[(size_t)y1 * g->w + x1] * fx) * fy;
            p[(size_t)y * w + x] = (unsigned char)(v + 0.5);
        }
    *out = (struct gray){w, h, p};
    return 0;
}

/* ---- binarisation, skew, rotation -------------------------------------- */

/* Marks ink: darker than 85% of the mean of a window around the pixel, so
 * that a shadow across the page does not swallow the text. */
static int binarise(const struct gray *g, unsigned char *ink)
{
    int w = g->w, h = g->h, r = w / 40 < 8 ? 8 : w / 40;
    double *in = malloc(sizeof(double) * (size_t)(w + 1) * (size_t)(h + 1));
    if (!in)
        return -ENOMEM;
    for (int x = 0; x <= w; x++)
        in[x] = 0;
    for (int y = 1; y <= h; y++) {
        double row = 0;
        in[(size_t)y * (w + 1)] = 0;
        for (int x = 1; x <= w; x++) {
            row += g->p[(size_t)(y - 1) * w + x - 1];
            in[(size_t)y * (w + 1) + x] = in[(size_t)(y - 1) * (w + 1) + x] + row;
        }
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
            double s = in[(size_t)y1 * (w + 1) + x1] - in[(size_t)y0 * (w + 1) + x1] - in[(size_t)y1 * (w + 1) + x0] +
                       in[(size_t)y0 * (w + 1) + x0];
            double mean = s / ((double)(x1 - x0) * (y1 - y0));
            ink[(size_t)y * w + x] = g->p[(size_t)y * w + x] < mean * 0.85 && mean - g->p[(size_t)y * w + x] > 12;
        }
    free(in);
    return 0;
}

/* The bins skew_score needs for a page w wide and h tall at angles up to
 * SKEW_MAX_DEG either way (|tan| <= 1). */
#define SKEW_BINS(w, h) ((size_t)(h) + 2 * (size_t)(w) + 4)

/* Sum of squared row counts after shearing by tan(a), |a| <= SKEW_MAX_DEG:
 * largest when the text rows are horizontal. Every step-th row and
 * 2*step-th column is counted. bins holds SKEW_BINS(w, h) ints. */
static double skew_score(const unsigned char *ink, int w, int h, double a, int step, int *bins)
{
    double t = tan(a);
    /* Bins as tall as the row step: with finer bins a level shear would
     * fill only every step-th bin and win for that alone. */
    int off = (int)(fabs(t) * w / step) + 1, n = h / step + 2 * off + 1;
    if ((size_t)n > SKEW_BINS(w, h)) /* an angle beyond the range: never the best */
        return -1;
    memset(bins, 0, sizeof(int) * (size_t)n);
    for (int y = 0; y < h; y += step)
        for (int x = 0; x < w; x += 2 * step)
            if (ink[(size_t)y * w + x])
                bins[(int)lround((y - x * t) / step) + off]++;
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)bins[i] * bins[i];
    return s;
}

/* Returns the skew in radians within ±SKEW_MAX_DEG: a coarse search on a
 * sparse sample of the ink, then a fine one on all of it. Beyond 45° the
 * page turned by a quarter is tried instead (see ocr_read_mrz_with). */
static int estimate_skew(const unsigned char *ink, int w, int h, double *ret)
{
    int *bins = malloc(sizeof(int) * SKEW_BINS(w, h));
    if (!bins)
        return -ENOMEM;
    double best = 0, best_s = -1;
    for (double d = -SKEW_MAX_DEG; d <= SKEW_MAX_DEG + 0.001; d += 0.75) {
        double s = skew_score(ink, w, h, d * M_PI / 180, 2, bins);
        if (s > best_s)
            best_s = s, best = d;
    }
    /* The fine search stays inside the range: from its edge (a page with
     * nothing to prefer settles there) it stepped past 45 degrees, where
     * the bins are too few. */
    double lo = fmax(best - 0.7, -SKEW_MAX_DEG), hi = fmin(best + 0.7, SKEW_MAX_DEG);
    best_s = -2;
    for (double d = lo; d <= hi + 0.001; d += 0.1) {
        double s = skew_score(ink, w, h, d * M_PI / 180, 1, bins);
        if (s > best_s)
            best_s = s, best = d;
    }
    free(bins);
    *ret = best * M_PI / 180;
    return 0;
}

/* Rotates g by -a about its centre (bilinear), filling with the median-ish
 * paper tone so that the new corners read as background. */
static int unrotate(struct gray *g, double a)
{
    if (fabs(a) < 0.05 * M_PI / 180)
        return 0;
    unsigned char *p = malloc((size_t)g->w * g->h);
    if (!p)
        return -ENOMEM;
    double ca = cos(a), sa = sin(a), cx = g->w / 2.0, cy = g->h / 2.0;
    unsigned long hist[256] = {0}, acc = 0;
    for (size_t i = 0; i < (size_t)g->w * g->h; i++)
        hist[g->p[i]]++;
    int bg = 255;
    while (bg > 0 && (acc += hist[bg]) < (size_t)g->w * g->h / 3)
        bg--;
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            double sx = ca * (x - cx) - sa * (y - cy) + cx, sy = sa * (x - cx) + ca * (y - cy) + cy;
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            double v = bg;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < g->w && y0 + 1 < g->h) {
                double fx = sx - x0, fy = sy - y0;
                const unsigned char *s = g->p + (size_t)y0 * g->w + x0;
                v = (s[0] * (1 - fx) + s[1] * fx) * (1 - fy) + (s[g->w] * (1 - fx) + s[g->w + 1] * fx) * fy;
            }
            p[(size_t)y * g->w + x] = (unsigned char)(v + 0.5);
        }
    free(g->p);
    g->p = p;
    return 0;
}

/* ---- lines and cells ---------------------------------------------------- */

struct band {
    int y0, y1;   /* ink rows [y0, y1): cap top to baseline */
    int x0, x1;   /* ink columns [x0, x1) */
    int nblobs;   /* runs of inked columns: roughly the glyph count */
    double slope; /* baseline drop per pixel to the right (residual tilt, perspective) */
    double xmid;  /* where the baseline is y1 */
};

/* Cuts text lines from the row profile of the ink. Returns the count. */
static int find_bands(const unsigned char *ink, int w, int h, struct band *b, int max)
{
    int n = 0, y = 0;
    int *rows = calloc((size_t)h, sizeof(int));
    if (!rows)
        return 0;
    for (int yy = 0; yy < h; yy++)
        for (int x = 0; x < w; x++)
            rows[yy] += ink[(size_t)yy * w + x];
    while (y < h && n < max) {
        while (y < h && rows[y] < 2)
            y++;
        int s = y;
        while (y < h && rows[y] >= 2)
            y++;
        if (y - s < 6)
            continue;
        struct band bd = {s, y, w, 0, 0, 0, 0};
        int peak = 0;
        for (int yy = s; yy < y; yy++)
            peak = rows[yy] > peak ? rows[yy] : peak;
        while (bd.y0 < bd.y1 && rows[bd.y0] < peak / 8) /* trim noisy edges */
            bd.y0++;
        while (bd.y1 > bd.y0 && rows[bd.y1 - 1] < peak / 8)
            bd.y1--;
        b[n++] = bd;
    }
    free(rows);
    return n;
}

/* Column profile of a band, and its blobs (runs of inked columns). Fills
 * centres (ink-weighted) into c. Returns the blob count. */
static int band_blobs(const unsigned char *ink, int w, struct band *b, double *c, int max)
{
    int *col = calloc((size_t)w, sizeof(int)), n = 0;
    if (!col)
        return 0;
    for (int y = b->y0; y < b->y1; y++)
        for (int x = 0; x < w; x++)
            col[x] += ink[(size_t)y * w + x];
    int minsum = (b->y1 - b->y0) / 3 + 1;
    for (int x = 0; x < w;) {
        while (x < w && !col[x])
            x++;
        int s = x;
        double sum = 0, mom = 0;
        while (x < w && col[x]) {
            sum += col[x];
            mom += (double)col[x] * x;
            x++;
        }
        if (x > s && sum >= minsum && n < max) {
            if (n == 0)
                b->x0 = s;
            b->x1 = x;
            c[n++] = mom / sum;
        }
    }
    free(col);
    b->nblobs = n;
    return n;
}

/* Lays a grid of n cells over the blob centres c[a..nb-1-b]: a guess from
 * the end blobs, then a least-squares fit of centre = origin + k * pitch.
 * Returns the mean distance of those blobs from their cells, in pitches. */
static double fit_grid_between(const double *c, int nb, int a, int b, int n, double *origin, double *pitch)
{
    int last = nb - 1 - b;
    if (last - a < 1)
        return 1e9;
    double p = (c[last] - c[a]) / (n - 1), o = c[a];
    for (int it = 0; it < 2; it++) {
        double sk = 0, sc = 0, skk = 0, skc = 0, m = 0;
        for (int i = a; i <= last; i++) {
            double k = floor((c[i] - o) / p + 0.5);
            if (k < 0 || k >= n)
                continue;
            sk += k, sc += c[i], skk += k * k, skc += k * c[i], m++;
        }
        double den = m * skk - sk * sk;
        if (m < 2 || den == 0)
            return 1e9;
        p = (m * skc - sk * sc) / den;
        o = (sc - p * sk) / m;
    }
    double err = 0;
    for (int i = a; i <= last; i++) {
        double d = (c[i] - o) / p;
        err += fabs(d - floor(d + 0.5));
    }
    *origin = o;
    *pitch = p;
    return err / (last - a + 1);
}

/* The grid of n cells that fits the blobs best, allowing up to
 * GRID_TRIM_MAX stray blobs at either end (a card edge, a mark or a
 * letter of the printed page just beside the zone): each one left out
 * costs GRID_TRIM_COST, so a clean line keeps all its blobs. Returns the
 * misfit (see fit_grid_between) plus those costs. */
static double fit_grid(const double *c, int nb, int n, double *origin, double *pitch)
{
    double best = 1e9;
    *origin = 0, *pitch = 1;
    for (int a = 0; a <= GRID_TRIM_MAX; a++)
        for (int b = 0; b <= GRID_TRIM_MAX; b++) {
            double o, p, m = fit_grid_between(c, nb, a, b, n, &o, &p);
            if (m >= 1e9 || nb - a - b < n * 3 / 4)
                continue;
            m += GRID_TRIM_COST * (a + b);
            if (m < best)
                best = m, *origin = o, *pitch = p;
        }
    return best;
}

/* ---- OCR-B templates ----------------------------------------------------- */

/* Zero-mean, unit-norm darkness of each glyph in a CELL_W x CELL_H cell
 * (one advance wide, cap top to baseline high). Written once under
 * pthread_once, read-only afterwards. */
/* Level 0 as rendered; levels 1 and 2 blurred for small glyphs, which the
 * sampler enlarges into the cell and so blurs: a crisp template against a
 * blurred glyph favours the look-alike with a stroke fewer (F for E). */
struct font {
    float t[TEMPLATE_WEIGHTS][TEMPLATE_LEVELS][NGLYPHS][CELL_W * CELL_H];
    double glyph_aspect; /* advance / cap height */
    double box_ratio;    /* cell box height (tallest ascent + deepest descent) / advance */
    double box_descent;  /* descent below the baseline / box height */
    double digit_ratio;  /* height of the digit 0 / of the capital H */
    bool loaded;
};

/* fonts[0]: OCR-B, which every zone is read with first. fonts[1]: a plain
 * monospaced sans, for mock-ups and cards made with office or design
 * software, whose 1, D and 0 OCR-B reads as I, O and O: tried where OCR-B
 * fits weakly and its own first reading fits well (see search_zone); left
 * out where it is not installed. */
static struct font fonts[FONTS];
static const char *const font_paths[FONTS] = {OCR_FONT_PATH, OCR_FONT_SANS_PATH};
static int templates_status = -EAGAIN;
static pthread_once_t templates_once = PTHREAD_ONCE_INIT;

static void normalise(float *v, int n)
{
    double m = 0, s = 0;
    for (int i = 0; i < n; i++)
        m += v[i];
    m /= n;
    for (int i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    s = s > 1e-9 ? sqrt(s) : 1;
    for (int i = 0; i < n; i++)
        v[i] = (float)((v[i] - m) / s);
}

/* out = in blurred by a Gaussian of sigma cell pixels (separable,
 * clamped at the edges), normalised. */
static void blur_template(const float *in, float *out, double sigma)
{
    double k[7], ks = 0;
    float tmp[CELL_W * CELL_H];
    for (int i = -3; i <= 3; i++)
        ks += k[i + 3] = exp(-i * i / (2 * sigma * sigma));
    for (int y = 0; y < CELL_H; y++)
        for (int x = 0; x < CELL_W; x++) {
            double a = 0;
            for (int i = -3; i <= 3; i++) {
                int xx = x + i < 0 ? 0 : x + i >= CELL_W ? CELL_W - 1 : x + i;
                a += k[i + 3] * in[y * CELL_W + xx];
            }
            tmp[y * CELL_W + x] = (float)(a / ks);
        }
    for (int y = 0; y < CELL_H; y++)
        for (int x = 0; x < CELL_W; x++) {
            double a = 0;
            for (int i = -3; i <= 3; i++) {
                int yy = y + i < 0 ? 0 : y + i >= CELL_H ? CELL_H - 1 : y + i;
                a += k[i + 3] * tmp[yy * CELL_W + x];
            }
            out[y * CELL_W + x] = (float)(a / ks);
        }
    normalise(out, CELL_W * CELL_H);
}

/* Renders one glyph at 96 px and averages it down into the cell, whose
 * box runs from the tallest glyph's top (OCR-B digits stand taller than the
 * capitals) to the deepest glyph's bottom. */
static void make_template(struct font *ft, FT_Face face, int wt, int k, int adv, int asc, int box)
{
    float *t = ft->t[wt][0][k];
    memset(t, 0, sizeof ft->t[wt][0][k]);
    if (FT_Load_Char(face, (unsigned char)glyphs[k], FT_LOAD_NO_BITMAP))
        return;
    FT_GlyphSlot g = face->glyph;
    if (weights[wt])
        FT_Outline_Embolden(&g->outline, weights[wt]);
    if (FT_Render_Glyph(g, FT_RENDER_MODE_NORMAL))
        return;
    for (unsigned r = 0; r < g->bitmap.rows; r++)
        for (unsigned q = 0; q < g->bitmap.width; q++) {
            int x = g->bitmap_left + (int)q, y = asc - g->bitmap_top + (int)r;
            if (x < 0 || x >= adv || y < 0 || y >= box)
                continue;
            int cx = x * CELL_W / adv, cy = y * CELL_H / box;
            t[cy * CELL_W + cx] += g->bitmap.buffer[r * (unsigned)g->bitmap.pitch + q];
        }
    normalise(t, CELL_W * CELL_H);
}

/* Measures the font of face and makes its templates. */
static void build_font(struct font *ft, FT_Face face)
{
    FT_Set_Pixel_Sizes(face, 0, 96);
    FT_Load_Char(face, 'H', FT_LOAD_RENDER);
    int cap = face->glyph->bitmap_top, adv = (int)(face->glyph->advance.x >> 6), asc = 0, desc = 0;
    int cap_rows = (int)face->glyph->bitmap.rows;
    FT_Load_Char(face, '0', FT_LOAD_RENDER);
    ft->digit_ratio = cap_rows > 0 ? (double)face->glyph->bitmap.rows / cap_rows : 1;
    ft->glyph_aspect = cap > 0 ? (double)adv / cap : 1;
    for (int k = 0; k < NGLYPHS; k++) {
        if (FT_Load_Char(face, (unsigned char)glyphs[k], FT_LOAD_RENDER))
            continue;
        int top = face->glyph->bitmap_top, bottom = (int)face->glyph->bitmap.rows - top;
        asc = top > asc ? top : asc;
        desc = bottom > desc ? bottom : desc;
    }
    ft->box_ratio = adv > 0 ? (double)(asc + desc) / adv : 1;
    ft->box_descent = asc + desc > 0 ? (double)desc / (asc + desc) : 0;
    for (int wt = 0; wt < TEMPLATE_WEIGHTS; wt++)
        for (int k = 0; k < NGLYPHS; k++) {
            make_template(ft, face, wt, k, adv, asc, asc + desc);
            blur_template(ft->t[wt][0][k], ft->t[wt][1][k], TEMPLATE_BLUR1);
            blur_template(ft->t[wt][0][k], ft->t[wt][2][k], TEMPLATE_BLUR2);
        }
    ft->loaded = true;
}

/* OCR-B must be there (-ENOENT); the other fonts are used where they are. */
static void build_templates(void)
{
    FT_Library lib;
    if (FT_Init_FreeType(&lib)) {
        templates_status = -ENOMEM;
        return;
    }
    for (int f = 0; f < FONTS; f++) {
        FT_Face face;
        if (FT_New_Face(lib, font_paths[f], 0, &face))
            continue;
        build_font(&fonts[f], face);
        FT_Done_Face(face);
    }
    FT_Done_FreeType(lib);
    templates_status = fonts[0].loaded ? 0 : -ENOENT;
}

static double sample(const struct gray *g, double x, double y)
{
    if (x < 0 || y < 0 || x >= g->w - 1 || y >= g->h - 1)
        return 0;
    int x0 = (int)x, y0 = (int)y;
    double fx = x - x0, fy = y - y0;
    const unsigned char *s = g->p + (size_t)y0 * g->w + x0;
    double v = (s[0] * (1 - fx) + s[1] * fx) * (1 - fy) + (s[g->w] * (1 - fx) + s[g->w + 1] * fx) * fy;
    return 255 - v;
}

#define PATCH_W (CELL_W + 2 * SLACK_X)
#define PATCH_H (CELL_H + 2 * SLACK_Y)

/* What a cell of the zone may hold, by its field (Doc 9303 layouts). */
enum cell_class { CELL_ANY, CELL_DIGIT, CELL_LETTER }; /* each also allows '<' */

/* The class of column col of line `line` in a zone of nlines x width;
 * visa says the first line starts with V (MRV: no composite digits). */
static enum cell_class cell_class_at(int nlines, int width, int line, int col, bool visa)
{
    if (nlines == 3) {
        if (line == 2 || (line == 0 && col < 5) || (line == 1 && (col == 7 || (col >= 15 && col < 18))))
            return CELL_LETTER;
        if (line == 1 && (col < 7 || (col >= 8 && col < 15) || col == 29))
            return CELL_DIGIT;
        return CELL_ANY;
    }
    if (line == 0)
        return CELL_LETTER;
    if (col < 9 || col >= 28)
        return !visa && col >= 28 && (col == width - 1 || (width == 44 && col == 42)) ? CELL_DIGIT : CELL_ANY;
    if (col == 9)
        return CELL_ANY; /* a digit, or '<' for a long TD2 number; letters are rare misreads */
    if ((col >= 10 && col < 13) || col == 20)
        return CELL_LETTER;
    return CELL_DIGIT;
}

/* The correlation of a normalised window with a template: the matcher's
 * inner loop (37 templates x 49 shifts x 384 samples a cell). Four running
 * sums, not one: the additions no longer wait for each other, which made
 * the whole reading about twice as fast; the order differs from one sum by
 * rounding in the 16th digit, far below any margin the reader compares.
 * Left out of the sanitizers' instrumentation, as synthfp's Gabor loop is:
 * it only multiplies and adds floats, both arrays are CELL_W x CELL_H by
 * their callers' types (a window on read_cell's stack, a row of the
 * template table), and the checks on its loads made an ASan reading of
 * tests/mrz/real take twice the CPU: 700-758 ms an image, 370-374 without
 * them (mrz_bench, identical readings). */
__attribute__((no_sanitize("address", "undefined"))) static double cell_dot(const float *a, const float *b)
{
    _Static_assert(CELL_W * CELL_H % 4 == 0, "the cell splits into fours");
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < CELL_W * CELL_H; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    return (s0 + s1) + (s2 + s3);
}

/* A cell's runner-up reading: alt when within ALT_MARGIN of the reading
 * (the image supports both about equally: a failing check may choose it,
 * see mrz_check_ocr), near when within NEAR_MARGIN (only asked whether the
 * checks could tell the two apart, see ambiguous). ' ' where none. */
struct second {
    char alt, near;
};

/* A line's runner-ups, cell by cell, each string NUL-terminated. */
struct seconds {
    char alt[64], near[64];
};

/* Samples the cell centred at cx, pitch wide, between rows top and
 * bottom, with SLACK_X and SLACK_Y cells' room around it (2x2
 * supersampling): the patch the templates slide over. */
static void sample_patch(
    const struct gray *g, double cx, double pitch, double top, double bottom, float patch[PATCH_H][PATCH_W])
{
    double sx = pitch / CELL_W, sy = (bottom - top) / CELL_H;
    for (int v = 0; v < PATCH_H; v++)
        for (int u = 0; u < PATCH_W; u++) {
            double x = cx - pitch / 2 + (u - SLACK_X) * sx, y = top + (v - SLACK_Y) * sy, a = 0;
            for (int k = 0; k < 4; k++)
                a += sample(g, x + sx * (0.25 + 0.5 * (k & 1)), y + sy * (0.25 + 0.5 * (k >> 1)));
            patch[v][u] = (float)(a / 4);
        }
}

/* The templates of font ft at weight wt for glyphs pitch pixels wide: the
 * cell holds CELL_W samples across them, and the sampler blurs small ones. */
static const float (*templates_for(const struct font *ft, int wt, double pitch))[CELL_W * CELL_H]
{
    return ft->t[wt][pitch >= CELL_W * 0.9 ? 0 : pitch >= CELL_W * 0.55 ? 1 : 2];
}

/* Reads the cell centred at cx between rows top and bottom: samples a
 * slightly larger patch and slides every template of font ft at weight wt
 * over it, keeping the best normalised correlation; where the reading fit
 * best into *ret_shift when not NULL. */
static char read_cell(const struct gray *g, const struct font *ft, int wt, double cx, double pitch, double top,
    double bottom, enum cell_class cls, struct second *ret_second, double *ret_scores, double *ret_best, int *ret_shift)
{
    float patch[PATCH_H][PATCH_W];
    sample_patch(g, cx, pitch, top, bottom, patch);
    double score[NGLYPHS];
    float win[CELL_W * CELL_H];
    const float(*tp)[CELL_W * CELL_H] = templates_for(ft, wt, pitch);
    /* Only the glyphs the cell's field allows compete (and are scored):
     * 0-9 and A-Z are the first 10 and next 26 glyphs, '<' the last. The
     * digits of a letter cell are scored too, see below. */
    int lo = cls == CELL_LETTER ? 10 : 0, hi = cls == CELL_DIGIT ? 10 : NGLYPHS - 1, from = cls == CELL_LETTER ? 0 : lo;
    int shift[NGLYPHS]; /* where each glyph fits best: dy * (2 * SLACK_X + 1) + dx */
    for (int k = 0; k < NGLYPHS; k++)
        score[k] = -2, shift[k] = 0;
    for (int dy = 0; dy <= 2 * SLACK_Y; dy++)
        for (int dx = 0; dx <= 2 * SLACK_X; dx++) {
            for (int v = 0; v < CELL_H; v++)
                memcpy(win + v * CELL_W, &patch[v + dy][dx], sizeof(float) * CELL_W);
            normalise(win, CELL_W * CELL_H);
            for (int k = 0; k < NGLYPHS; k++) {
                if ((k < from || k >= hi) && k != NGLYPHS - 1)
                    continue;
                double s = cell_dot(win, tp[k]);
                if (s > score[k])
                    score[k] = s, shift[k] = dy * (2 * SLACK_X + 1) + dx;
            }
        }
    int b1 = NGLYPHS - 1, b2 = -1;
    for (int k = lo; k < hi; k++)
        if (score[k] > score[b1])
            b1 = k;
    for (int k = lo; k <= hi; k++) {
        int kk = k == hi ? NGLYPHS - 1 : k;
        if (kk != b1 && (b2 < 0 || score[kk] > score[b2]))
            b2 = kk;
    }
    ret_second->alt = b2 >= 0 && score[b1] - score[b2] < ALT_MARGIN ? glyphs[b2] : ' ';
    ret_second->near = b2 >= 0 && score[b1] - score[b2] < NEAR_MARGIN ? glyphs[b2] : ' ';
    /* A digit printed where the layout wants a letter (a card that does
     * not follow Doc 9303, e.g. "C1" for its document code) is read as
     * printed when it beats every letter by DIGIT_CLEAR (on the real set,
     * the best digit of a printed letter's cell stayed at least 0.007 below
     * that letter). The zone then fails its format check instead of
     * showing a letter that is not on the card. */
    int d = 0;
    for (int k = 1; k < lo; k++)
        d = score[k] > score[d] ? k : d;
    if (lo > 0 && score[d] >= score[b1] + DIGIT_CLEAR) {
        ret_second->alt = ' ';
        ret_second->near = score[d] - score[b1] < NEAR_MARGIN ? glyphs[b1] : ' ';
        b1 = d;
    }
    if (ret_scores)
        memcpy(ret_scores, score, sizeof score);
    if (ret_shift)
        *ret_shift = shift[b1];
    *ret_best = score[b1];
    return glyphs[b1];
}

/* ---- zone search --------------------------------------------------------- */

struct page {
    struct gray g;      /* deskewed grey */
    unsigned char *ink; /* binarised g */
    struct band b[BANDS_MAX];
    double *centres[BANDS_MAX];
    /* The band's full-height glyphs as (x, bottom, height) triples, left
     * to right, for bands cut from components (NULL and 0 otherwise): the
     * local baseline and scale of a curved page or a perspective line. */
    float *feet[BANDS_MAX];
    int nfeet[BANDS_MAX];
    int nb;
};

/* ---- lines from glyph-sized components ----------------------------------- */

/* One connected run of ink of glyph size. */
struct comp {
    int x0, y0, x1, y1; /* bounding box, [x0, x1) x [y0, y1) */
};

static int cmp_comp_x(const void *a, const void *b)
{
    const struct comp *p = a, *q = b;
    return (p->x0 > q->x0) - (p->x0 < q->x0);
}

static int cmp_int(const void *a, const void *b)
{
    int p = *(const int *)a, q = *(const int *)b;
    return (p > q) - (p < q);
}

/* Labels the 8-connected ink components of ink and keeps those of glyph
 * size (6 to 80 px high, at most about as wide as high). Returns the count
 * in *ret_n; -ENOMEM. */
static int components(const unsigned char *ink, int w, int h, struct comp *out, int max, int *ret_n)
{
    unsigned char *seen = calloc((size_t)w * h, 1);
    int *stack = malloc(sizeof(int) * (size_t)w * h);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return -ENOMEM;
    }
    int n = 0;
    for (int start = 0; start < w * h; start++) {
        if (!ink[start] || seen[start])
            continue;
        int sp = 0, cnt = 0;
        struct comp c = {w, h, 0, 0};
        stack[sp++] = start;
        seen[start] = 1;
        while (sp) {
            int i = stack[--sp], x = i % w, y = i / w;
            cnt++;
            c.x0 = x < c.x0 ? x : c.x0, c.x1 = x + 1 > c.x1 ? x + 1 : c.x1;
            c.y0 = y < c.y0 ? y : c.y0, c.y1 = y + 1 > c.y1 ? y + 1 : c.y1;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                    int j = yy * w + xx;
                    if (ink[j] && !seen[j]) {
                        seen[j] = 1;
                        stack[sp++] = j;
                    }
                }
        }
        int cw = c.x1 - c.x0, ch = c.y1 - c.y0;
        if (ch >= 5 && ch <= 80 && cw <= ch * 5 / 4 + 2 && cnt >= 6 && n < max)
            out[n++] = c;
    }
    free(seen);
    free(stack);
    *ret_n = n;
    return 0;
}

/* An open text line while components are gathered left to right. */
struct cline {
    int first, n;   /* indexes into the line's member list */
    double cy, hgt; /* running centre and height */
    int x1;         /* right edge of the last member */
};

/* Groups glyph-sized components into text lines (left to right, same
 * baseline, gaps under three glyph heights) and appends every line of at
 * least 20 members to pg->b as a band with the members' centres. */
static int component_bands(struct page *pg)
{
    int w = pg->g.w, h = pg->g.h, nc = 0;
    struct comp *c = malloc(sizeof *c * COMPS_MAX);
    int *member = malloc(sizeof(int) * COMPS_MAX), *line_of = malloc(sizeof(int) * COMPS_MAX);
    struct cline *ln = malloc(sizeof *ln * COMPS_MAX);
    int r = c && member && line_of && ln ? components(pg->ink, w, h, c, COMPS_MAX, &nc) : -ENOMEM;
    if (r < 0)
        goto out;
    qsort(c, (size_t)nc, sizeof *c, cmp_comp_x);
    int nl = 0;
    for (int i = 0; i < nc; i++) {
        double cy = (c[i].y0 + c[i].y1) / 2.0, ch = c[i].y1 - c[i].y0;
        int best = -1;
        double best_d = 1e9;
        for (int k = 0; k < nl; k++) {
            double d = fabs(ln[k].cy - cy);
            if (d < ln[k].hgt * 0.45 && c[i].x0 - ln[k].x1 < 3 * ln[k].hgt && c[i].x0 >= ln[k].x1 - ln[k].hgt &&
                ch < ln[k].hgt * 1.6 && ch > ln[k].hgt * 0.3 && d < best_d)
                best = k, best_d = d;
        }
        if (best < 0) {
            best = nl++;
            ln[best] = (struct cline){0, 0, cy, ch, c[i].x1};
        } else {
            struct cline *l = &ln[best];
            l->cy = l->n < 4 ? (l->cy * l->n + cy) / (l->n + 1) : 0.6 * l->cy + 0.4 * cy; /* follows a slant */
            if (ch > l->hgt * 0.8)
                l->hgt = (l->hgt * l->n + ch) / (l->n + 1);
            l->x1 = c[i].x1 > l->x1 ? c[i].x1 : l->x1;
        }
        line_of[i] = best;
        ln[best].n++;
    }
    /* Lay the members out line by line. */
    int pos = 0;
    for (int k = 0; k < nl; k++) {
        ln[k].first = pos;
        pos += ln[k].n;
        ln[k].n = 0;
    }
    for (int i = 0; i < nc; i++) {
        struct cline *l = &ln[line_of[i]];
        member[l->first + l->n++] = i;
    }
    for (int k = 0; k < nl && pg->nb < BANDS_MAX; k++) {
        if (ln[k].n < 20)
            continue;
        int m = ln[k].n, *bot = malloc(sizeof(int) * (size_t)m), *top = malloc(sizeof(int) * (size_t)m);
        double *ctr = malloc(sizeof(double) * (size_t)m);
        if (!bot || !top || !ctr) {
            free(bot), free(top), free(ctr);
            r = -ENOMEM;
            goto out;
        }
        int nctr = 0, x0 = w, x1 = 0;
        for (int j = 0; j < m; j++) {
            const struct comp *q = &c[member[ln[k].first + j]];
            bot[j] = q->y1;
            top[j] = q->y0;
            x0 = q->x0 < x0 ? q->x0 : x0, x1 = q->x1 > x1 ? q->x1 : x1;
            double cx = (q->x0 + q->x1) / 2.0;
            /* Pieces of one broken glyph overlap in x: one centre. */
            if (nctr && cx - ctr[nctr - 1] < (q->y1 - q->y0) * 0.3)
                ctr[nctr - 1] = (ctr[nctr - 1] + cx) / 2;
            else
                ctr[nctr++] = cx;
        }
        /* The baseline as a line through the bottoms of the full-height
         * glyphs (fillers sit higher): residual tilt and perspective. */
        double sx = 0, sy = 0, sxx = 0, sxy = 0, nn = 0, hmed;
        for (int j = 0; j < m; j++)
            top[j] = c[member[ln[k].first + j]].y1 - c[member[ln[k].first + j]].y0;
        qsort(top, (size_t)m, sizeof(int), cmp_int);
        hmed = top[m * 3 / 4];
        for (int j = 0; j < m; j++) {
            const struct comp *q = &c[member[ln[k].first + j]];
            if (q->y1 - q->y0 < hmed * 0.75)
                continue;
            double qx = (q->x0 + q->x1) / 2.0;
            sx += qx, sy += q->y1, sxx += qx * qx, sxy += qx * q->y1, nn++;
        }
        double den = nn * sxx - sx * sx, slope = nn >= 8 && den > 0 ? (nn * sxy - sx * sy) / den : 0;
        if (fabs(slope) > 0.1 || fabs(slope) < 0.006) /* noise on a straight line: keep it flat */
            slope = 0;
        double xm = (x0 + x1) / 2.0, ybase = nn > 0 ? sy / nn + slope * (xm - sx / nn) : 0;
        for (int j = 0; j < m; j++)
            top[j] = c[member[ln[k].first + j]].y0;
        qsort(bot, (size_t)m, sizeof(int), cmp_int);
        qsort(top, (size_t)m, sizeof(int), cmp_int);
        /* Tall glyphs set the cap line, the common bottom the baseline. */
        struct band b = {top[m / 4], bot[m / 2], x0, x1, nctr, 0, xm};
        if (slope != 0) {
            /* Cap line and baseline at the middle of the line. */
            int hh = (int)lround(hmed);
            b.y1 = (int)lround(ybase);
            b.y0 = b.y1 - hh;
            b.slope = slope;
        }
        free(bot), free(top);
        if (b.y1 - b.y0 < 5) {
            free(ctr);
            continue;
        }
        float *ft = malloc(sizeof(float) * 3 * (size_t)m);
        int nft = 0;
        if (!ft) {
            free(ctr);
            r = -ENOMEM;
            goto out;
        }
        for (int j = 0; j < m; j++) {
            const struct comp *q = &c[member[ln[k].first + j]];
            if (q->y1 - q->y0 >= hmed * 0.75) {
                ft[3 * nft] = (float)((q->x0 + q->x1) / 2.0);
                ft[3 * nft + 1] = (float)q->y1;
                ft[3 * nft++ + 2] = (float)(q->y1 - q->y0);
            }
        }
        pg->b[pg->nb] = b;
        pg->feet[pg->nb] = ft;
        pg->nfeet[pg->nb] = nft;
        pg->centres[pg->nb++] = ctr;
    }
out:
    free(c), free(member), free(line_of), free(ln);
    return r;
}

static int glyph_index(char c)
{
    const char *p = strchr(glyphs, c);
    return p && c ? (int)(p - glyphs) : NGLYPHS - 1;
}

/* A country code (issuing state, nationality) that is not an ICAO code as
 * read: the known code among the five best letters of each cell whose
 * correlations sum to within CODE_MARGIN of the reading is taken instead.
 * A code read clearly (however unknown, e.g. a specimen's) stays. */
static void read_code(char *s, double sc[3][NGLYPHS])
{
    if (icao_codes_known(s))
        return;
    int top[3][5];
    for (int i = 0; i < 3; i++)
        for (int t = 0; t < 5; t++) {
            int best = -1;
            for (int k = 10; k < NGLYPHS; k++) {
                bool used = false;
                for (int u = 0; u < t; u++)
                    used = used || top[i][u] == k;
                if (!used && (best < 0 || sc[i][k] > sc[i][best]))
                    best = k;
            }
            top[i][t] = best;
        }
    double raw = sc[0][glyph_index(s[0])] + sc[1][glyph_index(s[1])] + sc[2][glyph_index(s[2])];
    double best = -1e9;
    char pick[4] = "";
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            for (int c = 0; c < 5; c++) {
                char cand[4] = {glyphs[top[0][a]], glyphs[top[1][b]], glyphs[top[2][c]], 0};
                double v = sc[0][top[0][a]] + sc[1][top[1][b]] + sc[2][top[2][c]];
                if (v > best && icao_codes_known(cand))
                    best = v, memcpy(pick, cand, sizeof pick);
            }
    if (pick[0] && raw - best < CODE_MARGIN)
        memcpy(s, pick, 3);
}

/* The median of what = 1 (bottom) or 2 (height) over the full-height
 * glyphs within FOOT_REACH pitches of x; fallback where fewer than three
 * are, or where they disagree with it by more than half a glyph (a frame
 * line or a stamp may sit in the line). */
static double near_feet(const struct page *pg, int i, double x, double pitch, int what, double fallback)
{
    const struct band *b = &pg->b[i];
    double near[16];
    int n = 0;
    for (int j = 0; j < pg->nfeet[i] && n < 16; j++)
        if (fabs(pg->feet[i][3 * j] - x) <= FOOT_REACH * pitch)
            near[n++] = pg->feet[i][3 * j + what];
    if (n < 3)
        return fallback;
    for (int a = 1; a < n; a++) /* insertion sort: a handful of values */
        for (int c = a; c > 0 && near[c - 1] > near[c]; c--) {
            double t = near[c];
            near[c] = near[c - 1], near[c - 1] = t;
        }
    double med = near[n / 2];
    return fabs(med - fallback) <= (b->y1 - b->y0) * 0.5 ? med : fallback;
}

/* The baseline under x: a page bent or seen at an angle has no one
 * straight baseline, so the glyphs nearby set it. */
static double local_baseline(const struct page *pg, int i, double x, double pitch)
{
    const struct band *b = &pg->b[i];
    return near_feet(pg, i, x, pitch, 1, b->y1 + b->slope * (x - b->xmid));
}

/* Where a band's cells lie, what each may hold (cell_class_at), and the
 * font it is read in. */
struct line_grid {
    double origin, pitch;
    int n, nlines, line;
    bool visa;
    const struct font *ft;
};

static int cmp_double(const void *a, const void *b)
{
    double p = *(const double *)a, q = *(const double *)b;
    return (p > q) - (p < q);
}

/* The median capitals' height of the full-height glyphs standing in digit
 * or letter cells within FOOT_REACH pitches of x (x < 0: anywhere on the
 * band); 0 where fewer than three are. The font's digits stand
 * digit_ratio taller than its capitals (OCR-B's by 10 %); glyphs in cells
 * that may hold either are left out. */
static double known_cap_height(const struct page *pg, int i, double x, const struct line_grid *lg)
{
    double h[64];
    int n = 0;
    for (int j = 0; j < pg->nfeet[i] && n < 64; j++) {
        double fx = pg->feet[i][3 * j], k = floor((fx - lg->origin) / lg->pitch + 0.5);
        if ((x >= 0 && fabs(fx - x) > FOOT_REACH * lg->pitch) || k < 0 || k >= lg->n)
            continue;
        enum cell_class cls = cell_class_at(lg->nlines, lg->n, lg->line, (int)k, lg->visa);
        if (cls != CELL_ANY)
            h[n++] = pg->feet[i][3 * j + 2] / (cls == CELL_DIGIT ? lg->ft->digit_ratio : 1);
    }
    if (n < 3)
        return 0;
    qsort(h, (size_t)n, sizeof *h, cmp_double);
    return h[n / 2];
}

/* The capitals' height near x (x < 0: along the whole band). A line of
 * digits measured as if capitals got boxes 10% too large, which shrank
 * every 0 into an O: the glyphs of known cells measure it (near x, else
 * anywhere on the band); where too few are, the height measured as is
 * (fallback, set by the tallest glyphs) is a digit's on a line whose
 * cells are a quarter digits. A measure that disagrees with fallback by
 * more than half a glyph is not taken. */
static double cap_height(const struct page *pg, int i, double x, const struct line_grid *lg, double fallback)
{
    double h = known_cap_height(pg, i, x, lg);
    if (h <= 0 && x >= 0)
        h = known_cap_height(pg, i, -1, lg);
    if (h <= 0) {
        int digits = 0;
        for (int k = 0; k < lg->n; k++)
            digits += cell_class_at(lg->nlines, lg->n, lg->line, k, lg->visa) == CELL_DIGIT;
        h = digits * 4 >= lg->n ? fallback / lg->ft->digit_ratio : fallback;
    }
    return fabs(h - fallback) <= fallback * 0.5 ? h : fallback;
}

/* The glyph box of a band from its measured glyph height (cap line to
 * baseline), not from its pitch; at x, from the glyphs nearby (nearer
 * glyphs of a perspective line are larger); x < 0: the whole band. */
static double height_box(const struct page *pg, int i, double x, const struct line_grid *lg)
{
    const struct band *b = &pg->b[i];
    double h = b->y1 - b->y0;
    if (x >= 0)
        h = near_feet(pg, i, x, lg->pitch, 2, h);
    return cap_height(pg, i, x, lg, h) * lg->ft->box_ratio * lg->ft->glyph_aspect;
}

/* True when the box from the glyph height and the one from the pitch
 * differ by more than BOX_DISAGREE: glyphs spaced unlike the font's. */
static bool spacing_differs(const struct page *pg, int i, int n, int nlines, int line, const struct font *ft)
{
    struct line_grid lg = {0, 1, n, nlines, line, false, ft};
    if (fit_grid(pg->centres[i], pg->b[i].nblobs, n, &lg.origin, &lg.pitch) > 0.25)
        return false;
    return fabs(height_box(pg, i, -1, &lg) / (lg.pitch * ft->box_ratio) - 1) > BOX_DISAGREE;
}

/* How a cell's box is sized. BOX_PITCH: as the font's, from the pitch (a
 * monospaced font: lines with and without the taller digits alike).
 * BOX_HEIGHT: as the font's, from the glyphs' measured height, for presses
 * that space the glyphs wider or narrower than the font. BOX_STRETCHED:
 * one pitch wide and the measured height high, for glyphs foreshortened
 * by a page seen at an angle (a phone held below it: letters squat, their
 * spacing unchanged). */
enum box_mode { BOX_PITCH, BOX_HEIGHT, BOX_STRETCHED };

/* The height of the cell box at x (see box_mode). */
static double cell_box(const struct page *pg, int i, double x, const struct line_grid *lg, enum box_mode mode)
{
    return mode != BOX_PITCH ? height_box(pg, i, x, lg) : lg->pitch * lg->ft->box_ratio;
}

/* The width of a cell whose box is box high (see box_mode). */
static double cell_width(const struct font *ft, double box, double pitch, enum box_mode mode)
{
    return mode == BOX_STRETCHED ? pitch : box / ft->box_ratio;
}

/* The factor on the cell box, among those below, under which every other
 * cell of band i matches its best glyph most closely: the glyph size that
 * the pitch and the measured height both missed (a press's wider spacing
 * and blurred edges at once, a page seen at an angle). */
static double band_scale(
    const struct page *pg, const struct font *ft, int i, int n, int nlines, int line, bool visa, enum box_mode mode)
{
    static const double scales[] = {0.88, 0.94, 1.06, 1.12};
    double best_sum = -1e9, pick = 1;
    struct line_grid lg = {0, 1, n, nlines, line, visa, ft};
    fit_grid(pg->centres[i], pg->b[i].nblobs, n, &lg.origin, &lg.pitch);
    double origin = lg.origin, pitch = lg.pitch;
    for (size_t s = 0; s < sizeof scales / sizeof *scales; s++) {
        double sum = 0;
        for (int k = 0; k < n; k += 2) {
            double x = origin + k * pitch, box = cell_box(pg, i, x, &lg, mode) * scales[s], best;
            double bottom = local_baseline(pg, i, x, pitch) + box * ft->box_descent * 0.5;
            struct second sec;
            read_cell(&pg->g, ft, 0, x, cell_width(ft, box, pitch, mode), bottom - box, bottom,
                cell_class_at(nlines, n, line, k, visa), &sec, NULL, &best, NULL);
            sum += best;
        }
        if (sum > best_sum)
            best_sum = sum, pick = scales[s];
    }
    return pick;
}

/* Where a cell was read: its centre, its width, its box's top and bottom
 * (page pixels; see read_cell), and the shift of the matcher at which its
 * reading fit best. */
struct cell_geom {
    double x, w, top, bottom;
    int shift;
    bool any; /* the cell may hold letters and digits (CELL_ANY) */
};

/* Reads one band in font ft as n template-matched cells into out (n + 1
 * bytes) and where each lies into geom (n; with a heavier weight wt, the
 * cells it leaves alone are left as the font's weight read them), adding
 * the letter and digit cells' correlations to *ret_fit and their count to
 * *ret_cells. Returns false when the grid does not fit the band. */
static bool read_band_template(const struct page *pg, const struct font *ft, int i, int n, int nlines, int line,
    bool visa, enum box_mode mode, double scale, int wt, char *out, struct seconds *sec, struct cell_geom *geom,
    double *ret_fit, int *ret_cells)
{
    const struct band *b = &pg->b[i];
    struct line_grid lg = {0, 1, n, nlines, line, visa, ft};
    double misfit = fit_grid(pg->centres[i], b->nblobs, n, &lg.origin, &lg.pitch), origin = lg.origin, pitch = lg.pitch;
    double ratio = pitch / (b->y1 - b->y0) / ft->glyph_aspect;
    if (misfit > 0.25 || ratio < 0.75 || ratio > 1.35)
        return false;
    /* The box (see box_mode) sits on the band's bottom edge and the
     * matcher's slack absorbs the rest. */
    int code = line == 0 ? 2 : line == 1 ? (nlines == 3 ? 15 : 10) : -1;
    double sc[3][NGLYPHS], fit = 0;
    for (int k = 0; k < n; k++) {
        double x = origin + k * pitch, box = cell_box(pg, i, x, &lg, mode) * scale, best;
        double bottom = local_baseline(pg, i, x, pitch) + box * ft->box_descent * 0.5;
        enum cell_class cls = cell_class_at(nlines, n, line, k, visa);
        struct second one;
        if (wt > 0 && cls == CELL_ANY)
            continue; /* read with the font's weight already (out and geom hold it) */
        geom[k] = (struct cell_geom){x, cell_width(ft, box, pitch, mode), bottom - box, bottom, 0, cls == CELL_ANY};
        out[k] = read_cell(&pg->g, ft, cls != CELL_ANY ? wt : 0, x, geom[k].w, geom[k].top, bottom, cls, &one,
            k >= code && k < code + 3 ? sc[k - code] : NULL, &best, &geom[k].shift);
        sec->alt[k] = one.alt, sec->near[k] = one.near;
        fit += cls != CELL_ANY ? best : 0;
        *ret_cells += cls != CELL_ANY;
    }
    *ret_fit += fit;
    out[n] = sec->alt[n] = sec->near[n] = '\0';
    if (code >= 0)
        read_code(out + code, sc);
    return true;
}

/* Reads one band with Tesseract (a whole line, character set restricted). */
static bool read_band_tess(TessBaseAPI *api, const struct page *pg, int i, char *out, size_t outsz)
{
    const struct band *b = &pg->b[i];
    int pad = (b->y1 - b->y0) / 2, x0 = b->x0 - pad, x1 = b->x1 + pad, y0 = b->y0 - pad, y1 = b->y1 + pad;
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > pg->g.w ? pg->g.w : x1, y1 = y1 > pg->g.h ? pg->g.h : y1;
    TessBaseAPISetImage(api, pg->g.p + (size_t)y0 * pg->g.w + x0, x1 - x0, y1 - y0, 1, pg->g.w);
    char *t = TessBaseAPIGetUTF8Text(api);
    if (!t)
        return false;
    size_t n = 0;
    for (size_t k = 0; t[k] && n + 1 < outsz; k++)
        if ((t[k] >= 'A' && t[k] <= 'Z') || (t[k] >= '0' && t[k] <= '9') || t[k] == '<')
            out[n++] = t[k];
    out[n] = '\0';
    TessDeleteText(t);
    return n > 0;
}

/* Scores a text by the checks it passes (-1 when it is no MRZ at all);
 * *valid tells whether all checks but one passed, *sound whether all but
 * the expiry did. The date only sets centuries. */
static int score(const char *text, const char *alt, bool *valid, bool *sound)
{
    struct mrz_verdict v;
    *valid = *sound = false;
    if (mrz_verdict(text, alt, strlen(text), true, (struct mrz_date){2000, 1, 1}, &v, NULL) < 0)
        return -1;
    *sound = v.failed_not_expiry == 0;
    /* "not_expired" fails for most documents against the year 2000 date
     * and for many against any: a zone is good enough to stop at when at
     * most that one check fails. */
    *valid = v.passed + 1 >= v.checks;
    return 2 * (int)v.passed - (int)v.repairs;
}

/* Two bands belong to one zone when they have the same height, share
 * their left or their right edge (a stray mark beside a line moves one of
 * them), and lie about one line apart. */
static bool same_zone(const struct band *a, const struct band *b)
{
    int ha = a->y1 - a->y0, hb = b->y1 - b->y0;
    return hb * 10 >= ha * 7 && hb * 7 <= ha * 10 && (abs(a->x0 - b->x0) < 2 * ha || abs(a->x1 - b->x1) < 2 * ha) &&
           b->y0 - a->y1 < 3 * ha;
}

#define DONE_MAX 256
#define READINGS_MAX 16 /* of one candidate zone, each font: 2 box modes x 3 weights, the stretched box, one re-sized */

/* One reading of a candidate zone; also the best one found so far over
 * every attempt (rotations, scales). */
struct reading {
    char text[3 * 64], alt[3 * 64];
    /* the runner-ups within NEAR_MARGIN (struct second), laid out as text */
    char near[3 * 64];
    int s;       /* score(); -1: no zone */
    double fit;  /* mean correlation of its letter and digit cells */
    bool good;   /* score()'s valid (every check but one passed): stop looking */
    bool counts; /* may be chosen: not re-sized, or re-sized and sound */
};

/* The reading of one candidate zone to keep: among those that count and
 * fit within FIT_SLACK of the best fit of them, the one passing the most
 * checks, then the better fitting. The checks choose between readings
 * that the image supports about equally, never for one it supports
 * clearly less: a box a little too large that turns a 0 into a 9 and two
 * G into Q can make a wrongly printed check digit hold. Where even the
 * best fit is weak (under WEAK_FIT) the fit says little, and the checks
 * choose among all: such a zone is answered unsure (see answer), never
 * valid. NULL: no zone. */
static const struct reading *choose_reading(const struct reading *rd, int n)
{
    double top = -1e9;
    for (int i = 0; i < n; i++)
        if (rd[i].counts && rd[i].s >= 0 && rd[i].fit > top)
            top = rd[i].fit;
    if (top < WEAK_FIT)
        top = -1e9;
    const struct reading *c = NULL;
    for (int i = 0; i < n; i++)
        if (rd[i].counts && rd[i].s >= 0 && rd[i].fit >= top - FIT_SLACK &&
            (!c || rd[i].s > c->s || (rd[i].s == c->s && rd[i].fit > c->fit)))
            c = &rd[i];
    return c;
}

/* The normalised window of patch at the matcher's shift (see read_cell). */
static void window_at(const float patch[PATCH_H][PATCH_W], int shift, float *win)
{
    int dy = shift / (2 * SLACK_X + 1), dx = shift % (2 * SLACK_X + 1);
    for (int v = 0; v < CELL_H; v++)
        memcpy(win + v * CELL_W, &patch[v + dy][dx], sizeof(float) * CELL_W);
    normalise(win, CELL_W * CELL_H);
}

/* The normalised windows of patch at the shifts within one of `shift`
 * (the matcher's slack clamps them); returns how many. */
static int windows_around(const float patch[PATCH_H][PATCH_W], int shift, float (*win)[CELL_W * CELL_H])
{
    int dy0 = shift / (2 * SLACK_X + 1), dx0 = shift % (2 * SLACK_X + 1), n = 0;
    for (int dy = dy0 - 1; dy <= dy0 + 1; dy++)
        for (int dx = dx0 - 1; dx <= dx0 + 1; dx++)
            if (dy >= 0 && dy <= 2 * SLACK_Y && dx >= 0 && dx <= 2 * SLACK_X)
                window_at(patch, dy * (2 * SLACK_X + 1) + dx, win[n++]);
    return n;
}

/* A zone's own prints of its glyphs, for reread_by_exemplars: of each
 * glyph up to EXEMPLARS_MAX + 1 cells read as it (one may be the cell
 * asking), those with no runner-up near first, each as the window of its
 * patch its reading fit best; made when first asked for. About 240 kB: on
 * the heap. */
struct prints {
    int n[NGLYPHS]; /* -1: not made yet */
    size_t at[NGLYPHS][EXEMPLARS_MAX + 1];
    float win[NGLYPHS][EXEMPLARS_MAX + 1][CELL_W * CELL_H];
    float cell[9][CELL_W * CELL_H]; /* the windows of the cell asking (windows_around) */
    int ncell;
};

/* The cell at position p of a reading's text (lines of n and a '\n'). */
static const struct cell_geom *geom_at(const struct cell_geom geom[3][64], int n, size_t p)
{
    return &geom[p / (size_t)(n + 1)][p % (size_t)(n + 1)];
}

/* Makes the prints of glyph k from reading r (see struct prints). */
static void make_prints(
    struct prints *pr, const struct gray *g, const struct cell_geom geom[3][64], int n, const struct reading *r, int k)
{
    pr->n[k] = 0;
    for (int clear = 1; clear >= 0; clear--)
        for (size_t p = 0; r->text[p] && pr->n[k] <= EXEMPLARS_MAX; p++) {
            if (glyph_index(r->text[p]) != k || r->text[p] == '\n' || (r->near[p] == ' ') != clear)
                continue;
            const struct cell_geom *c = geom_at(geom, n, p);
            float patch[PATCH_H][PATCH_W];
            sample_patch(g, c->x, c->w, c->top, c->bottom, patch);
            window_at(patch, c->shift, pr->win[k][pr->n[k]]);
            pr->at[k][pr->n[k]++] = p;
        }
}

/* How closely the cell at position `at`, whose windows are in pr->cell,
 * matches the zone's prints of glyph (other cells than itself): the best
 * correlation over them and those windows; -2 where there are none. */
static double print_match(struct prints *pr, const struct gray *g, const struct cell_geom geom[3][64], int n,
    const struct reading *r, size_t at, char glyph)
{
    int k = glyph_index(glyph), used = 0;
    if (pr->n[k] < 0)
        make_prints(pr, g, geom, n, r, k);
    double best = -2;
    for (int e = 0; e < pr->n[k] && used < EXEMPLARS_MAX; e++) {
        if (pr->at[k][e] == at)
            continue;
        used++;
        for (int s = 0; s < pr->ncell; s++) {
            double v = cell_dot(pr->cell[s], pr->win[k][e]);
            best = v > best ? v : best;
        }
    }
    return best;
}

/* The digit a letter is mistaken for, or the letter a digit is: the
 * check's look-alikes (mrzfix: 0/O 1/I 2/Z 5/S 8/B) and, for reading
 * only, 6/G; 0: none. */
static char twin_of(char c)
{
    char d = mrzfix_as_digit(c), l = mrzfix_as_letter(c);
    return d != c ? d : l != c ? l : c == '6' ? 'G' : c == 'G' ? '6' : 0;
}

/* The glyph cell `at` of r is read again as, or 0 (see reread_by_exemplars). */
static char reread_cell(struct prints *pr, const struct gray *g, const struct cell_geom geom[3][64], int n,
    const struct reading *r, size_t at)
{
    char a = r->text[at], b = r->near[at] != ' ' ? r->near[at] : 0;
    const struct cell_geom *c = geom_at(geom, n, at);
    char t = c->any ? twin_of(a) : 0;
    if (t == b)
        t = 0;
    if (!b && !t)
        return 0;
    float patch[PATCH_H][PATCH_W];
    sample_patch(g, c->x, c->w, c->top, c->bottom, patch);
    pr->ncell = windows_around(patch, c->shift, pr->cell);
    double sa = print_match(pr, g, geom, n, r, at, a), gain = 0;
    if (sa <= -2)
        return 0;
    char to = 0;
    double sb = b ? print_match(pr, g, geom, n, r, at, b) - EXEMPLAR_MARGIN : -2;
    double st = t ? print_match(pr, g, geom, n, r, at, t) - TWIN_MARGIN : -2;
    if (sb > sa + gain)
        to = b, gain = sb - sa;
    if (st > sa + gain)
        to = t;
    return to;
}

/* A cell whose runner-up came near its reading (within NEAR_MARGIN) is
 * read again against the zone's own prints of the two glyphs: a press, a
 * printer or a JPEG that renders OCR-B its own way renders it so in every
 * cell (a faint bottom bar that makes the template call an E an F is as
 * faint in the zone's other E; a small 0 that the template calls O is
 * told by the dates' 0s). So is a cell that may hold a letter or a digit
 * against its reading's look-alike twin (0 and O, 1 and I, ...), by
 * TWIN_MARGIN, more than EXEMPLAR_MARGIN since the templates did not
 * find it near: a card printed in another font than OCR-B (a mock-up's
 * plain 0, which the sans font's dotted 0 misses) matches its own 0s
 * better than its Os. An alternative is taken where it matches its
 * prints by that margin more than the reading matches its own, and both
 * have prints; the reading becomes the runner-up (and the second
 * candidate where the alternative was). Every cell is decided on r as
 * read. The checks are not asked: this is reading, not repair. Returns
 * how many cells it changed, or -ENOMEM. */
static int reread_by_exemplars(const struct gray *g, const struct cell_geom geom[3][64], int n, struct reading *r)
{
    struct prints *pr = NULL;
    struct {
        size_t at;
        char to;
    } swap[3 * 64];
    size_t nswap = 0;
    for (size_t at = 0; r->text[at]; at++) {
        if (r->text[at] == '\n' || r->text[at] == '<')
            continue;
        if (r->near[at] == ' ' && !(geom_at(geom, n, at)->any && twin_of(r->text[at])))
            continue;
        if (!pr) {
            if (!(pr = malloc(sizeof *pr)))
                return -ENOMEM;
            for (int k = 0; k < NGLYPHS; k++)
                pr->n[k] = -1;
        }
        char to = reread_cell(pr, g, geom, n, r, at);
        if (to)
            swap[nswap].at = at, swap[nswap++].to = to;
    }
    for (size_t i = 0; i < nswap; i++) {
        size_t at = swap[i].at;
        char a = r->text[at], to = swap[i].to;
        r->text[at] = to, r->near[at] = a;
        if (r->alt[at] == to)
            r->alt[at] = a;
    }
    free(pr);
    return (int)nswap;
}

/* The best fit among the readings of rd[0..n) that are zones; 0: none. */
static double best_fit(const struct reading *rd, int n)
{
    double top = 0;
    for (int i = 0; i < n; i++)
        if (rd[i].s >= 0 && rd[i].fit > top)
            top = rd[i].fit;
    return top;
}

/* The box mode whose readings fit best (the first of equals). */
static enum box_mode best_mode(const double fit[3])
{
    int m = 0;
    for (int k = 1; k < 3; k++)
        m = fit[k] > fit[m] ? k : m;
    return (enum box_mode)m;
}

/* One candidate zone of search_zone as it is read: its bands, its
 * width, the readings made so far (of every font), and the best reading
 * of the page before it. */
struct candidate {
    const struct page *pg;
    TessBaseAPI *api; /* NULL: the template matcher */
    bool resize;
    int idx[3], nl, width;
    struct reading rd[READINGS_MAX];
    int nrd;
    bool f_here; /* the page's best reading is one of rd, else still `before` */
    struct reading before;
};

/* Reads candidate c's lines once more, into c->rd[c->nrd]: in font ft,
 * box mode, weight wt (the cells a heavier weight leaves alone copied
 * from plain, the font's weight's reading, which wt 0 fills), lines
 * scaled by scale. Returns -ENOMEM, else 0. */
static int read_once(struct candidate *c, const struct font *ft, enum box_mode mode, const double scale[3], int wt,
    bool rescaled, char plain[3][64], struct seconds plain_sec[3], struct cell_geom geom[3][64])
{
    struct reading *r = &c->rd[c->nrd];
    r->text[0] = r->alt[0] = r->near[0] = '\0';
    size_t len = 0;
    bool read = true;
    double fit = 0;
    int cells = 0;
    for (int k = 0; read && k < c->nl; k++) {
        char line[64];
        struct seconds sec;
        if (wt > 0) { /* the cells a heavier weight leaves alone */
            memcpy(line, plain[k], sizeof line);
            sec = plain_sec[k];
        }
        /* the visa mark is the first line's (k > 0: read) */
        read = c->api ? read_band_tess(c->api, c->pg, c->idx[k], line, sizeof line)
                      : read_band_template(c->pg, ft, c->idx[k], c->width, c->nl, k, k > 0 && r->text[0] == 'V', mode,
                            scale[k], wt, line, &sec, geom[k], &fit, &cells);
        if (c->api) {
            memset(sec.alt, ' ', strlen(line));
            sec.alt[strlen(line)] = '\0';
            memcpy(sec.near, sec.alt, sizeof sec.near);
        }
        if (read && wt == 0) {
            memcpy(plain[k], line, sizeof line);
            plain_sec[k] = sec;
        }
        if (read) {
            snprintf(r->alt + len, sizeof r->alt - len, "%s\n", sec.alt);
            snprintf(r->near + len, sizeof r->near - len, "%s\n", sec.near);
            len += (size_t)snprintf(r->text + len, sizeof r->text - len, "%s\n", line);
        }
    }
    bool sound = false;
    r->s = read ? score(r->text, r->alt, &r->good, &sound) : -1;
    r->fit = cells ? fit / cells : 1; /* Tesseract gives no measure */
    /* Read again against the zone's own prints: not a text that is no zone
     * at all, nor one fitting too much worse than another to be chosen. */
    int swapped = r->s >= 0 && !c->api && r->fit >= best_fit(c->rd, c->nrd) - FIT_SLACK
                      ? reread_by_exemplars(&c->pg->g, geom, c->width, r)
                      : 0;
    if (swapped < 0)
        return swapped;
    if (swapped > 0)
        r->s = score(r->text, r->alt, &r->good, &sound);
    r->counts = !rescaled || sound;
    c->nrd++;
    return 0;
}

/* Reads candidate c in font ft every way search_zone tries (box modes,
 * stroke weights, re-sized) while no reading is good, keeping in *f the
 * page's best reading so far (choose_reading among all of c's readings).
 * must_beat: the first reading's fit below which ft is given up (-1:
 * never). Returns 1 when *f is good enough to stop the search, 0 to go
 * on, -ENOMEM. */
static int read_candidate(struct candidate *c, const struct font *ft, double must_beat, struct reading *f)
{
    /* Boxes sized by the pitch first; where the pitch and the glyphs'
     * height disagree, by the height too, and then stretched between them
     * (box_mode), the checks deciding (a tie keeps the earlier reading). */
    bool differs = false;
    for (int k = 0; !c->api && k < c->nl; k++)
        differs = differs || spacing_differs(c->pg, c->idx[k], c->width, c->nl, k, ft);
    int modes = differs ? 3 : 1;
    /* Then, while no reading passes (or all fit weakly), the box that fit
     * best once more at the size its band's glyphs fit best, with the
     * font's weight only; such a reading counts only when every check but
     * the expiry passes. */
    bool stretch = false;
    double mode_fit[3] = {0, 0, 0}; /* each box's best fit, as measured */
    for (int pass = 0; pass < (c->api ? 1 : 2 * modes); pass++) {
        enum box_mode mode = (enum box_mode)(pass % modes);
        bool rescaled = pass >= modes;
        if (rescaled && (!c->resize || !c->f_here))
            break; /* no zone here, or a better one elsewhere */
        /* Stretched only where neither other box fits well, with the
         * font's weight: each reading of a zone costs most on the pages
         * read in vain (turned, junk). */
        if (mode == BOX_STRETCHED && !rescaled)
            stretch = best_fit(c->rd, c->nrd) < WEAK_FIT;
        if (mode == BOX_STRETCHED && !stretch)
            continue;
        /* Re-sized: only the box that fit best as measured. */
        if (rescaled && mode != best_mode(mode_fit))
            continue;
        double scale[3] = {1, 1, 1};
        for (int k = 0; rescaled && k < c->nl; k++)
            scale[k] = band_scale(c->pg, ft, c->idx[k], c->width, c->nl, k, c->rd[c->nrd - 1].text[0] == 'V', mode);
        /* Every stroke weight of the templates; a text that is no zone at
         * all is not read again. */
        char plain[3][64];
        struct seconds plain_sec[3];
        struct cell_geom geom[3][64];
        int first = c->nrd;
        for (int wt = 0;
             wt < (c->api || rescaled || mode == BOX_STRETCHED ? 1 : TEMPLATE_WEIGHTS) && c->nrd < READINGS_MAX &&
             (wt == 0 || (c->rd[first].s >= 0 && (c->f_here || c->rd[first].s >= f->s)));
             wt++) {
            int r = read_once(c, ft, mode, scale, wt, rescaled, plain, plain_sec, geom);
            if (r < 0)
                return r;
            const struct reading *last = &c->rd[c->nrd - 1];
            if (pass == 0 && wt == 0 && (last->s < 0 || last->fit < must_beat)) {
                c->nrd--; /* not this font */
                return 0;
            }
            if (!rescaled && last->s >= 0 && last->fit > mode_fit[mode])
                mode_fit[mode] = last->fit;
        }
        const struct reading *best = choose_reading(c->rd, c->nrd);
        if (best && best->s > c->before.s) {
            *f = *best;
            c->f_here = true;
        } else if (c->f_here) { /* a better-fitting reading of this zone passes fewer checks than before */
            *f = c->before;
            c->f_here = false;
        }
        if (f->good && (f->fit >= WEAK_FIT || !c->resize || c->api))
            return 1;
    }
    return f->good;
}

/* Tries every run of 2 or 3 matching long bands and keeps the text that
 * passes the most checks (choose_reading). resize: a best candidate that
 * fails a check, or fits weakly, is read once more re-sized (band_scale);
 * asked for the page as given only: each re-sized reading costs about
 * three readings of its lines, and on the enlarged page of the real set it
 * changed no answer (12 ms an image). Returns -ENOMEM, else 0. */
static int search_zone(const struct page *pg, TessBaseAPI *api, bool resize, struct reading *f)
{
    int done[DONE_MAX][3], ndone = 0; /* first and last line's top, width */
    int next[BANDS_MAX];
    for (int i = 0; i < pg->nb; i++) {
        /* The nearest band below that continues a zone with this one (the
         * bands of the row profile and of the components are mixed). */
        next[i] = -1;
        for (int j = 0; j < pg->nb; j++)
            if (j != i && pg->b[j].y0 + pg->b[j].y1 > 2 * pg->b[i].y1 && same_zone(&pg->b[i], &pg->b[j]) &&
                (next[i] < 0 || pg->b[j].y0 < pg->b[next[i]].y0))
                next[i] = j;
    }
    for (int i = 0; i < pg->nb; i++) {
        for (int nl = 2; nl <= 3; nl++) {
            int idx[3] = {i, next[i], next[i] >= 0 ? next[next[i]] : -1};
            bool ok = idx[nl - 1] >= 0;
            for (int k = 0; ok && k < nl; k++)
                ok = pg->b[idx[k]].nblobs >= 12;
            int widths[2] = {nl == 3 ? 30 : 36, 44};
            if (ok && nl == 2) {
                /* The width whose grid fits the first line better first. */
                double o, p, m36 = fit_grid(pg->centres[i], pg->b[i].nblobs, 36, &o, &p);
                if (fit_grid(pg->centres[i], pg->b[i].nblobs, 44, &o, &p) < m36)
                    widths[0] = 44, widths[1] = 36;
            }
            for (int wi = 0; ok && wi < (nl == 3 ? 1 : 2); wi++) {
                /* The same lines found by both band finders: read once. */
                bool dup = false;
                for (int d = 0; d < ndone && !dup; d++)
                    dup = done[d][2] == widths[wi] && abs(done[d][0] - pg->b[idx[0]].y0) <= 2 &&
                          abs(done[d][1] - pg->b[idx[nl - 1]].y0) <= 2;
                if (dup)
                    continue;
                if (ndone < DONE_MAX) {
                    done[ndone][0] = pg->b[idx[0]].y0, done[ndone][1] = pg->b[idx[nl - 1]].y0;
                    done[ndone++][2] = widths[wi];
                }
                struct candidate c = {
                    .pg = pg, .api = api, .resize = resize, .nl = nl, .width = widths[wi], .before = *f};
                memcpy(c.idx, idx, sizeof idx);
                int r = read_candidate(&c, &fonts[0], -1, f);
                /* A zone OCR-B fits weakly: in the sans font too, where its
                 * first reading fits well (the fits and the checks then
                 * choose among both fonts' readings). */
                double ocr_b = best_fit(c.rd, c.nrd);
                if (r >= 0 && !api && fonts[1].loaded && ocr_b > 0 && ocr_b < WEAK_FIT)
                    r = read_candidate(&c, &fonts[1], WEAK_FIT, f);
                if (r < 0)
                    return r;
                if (r > 0 || f->good)
                    return 0;
                if (api)
                    break; /* Tesseract decides the width itself */
            }
        }
    }
    return 0;
}

/* ---- API ------------------------------------------------------------------ */

static void page_free(struct page *pg)
{
    free(pg->g.p);
    free(pg->ink);
    for (int i = 0; i < pg->nb; i++)
        free(pg->centres[i]), free(pg->feet[i]);
}

/* Deskews g (taken: the page owns it) and cuts it into bands with their
 * blobs. */
static int page_prepare(struct page *pg, struct gray g)
{
    int r;
    pg->g = g;
    if ((r = shrink(&pg->g)) < 0)
        return r;
    size_t n = (size_t)pg->g.w * pg->g.h;
    pg->ink = malloc(n);
    if (!pg->ink)
        return -ENOMEM;
    double skew;
    if ((r = binarise(&pg->g, pg->ink)) < 0 || (r = estimate_skew(pg->ink, pg->g.w, pg->g.h, &skew)) < 0 ||
        (r = unrotate(&pg->g, skew)) < 0 || (r = binarise(&pg->g, pg->ink)) < 0)
        return r;
    pg->nb = find_bands(pg->ink, pg->g.w, pg->g.h, pg->b, BANDS_MAX);
    for (int i = 0; i < pg->nb; i++) {
        pg->centres[i] = malloc(sizeof(double) * (size_t)pg->g.w);
        if (!pg->centres[i]) {
            pg->nb = i;
            return -ENOMEM;
        }
        band_blobs(pg->ink, pg->g.w, &pg->b[i], pg->centres[i], pg->g.w);
    }
    return component_bands(pg);
}

static int tess_open(TessBaseAPI **ret, err_t *err)
{
    TessBaseAPI *api = TessBaseAPICreate();
    if (!api)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    if (TessBaseAPIInit3(api, NULL, "eng") != 0) {
        TessBaseAPIDelete(api);
        return err_set(err, -ENOENT, "ocr_model_missing", "The Tesseract English model is not installed.");
    }
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_LINE);
    TessBaseAPISetVariable(api, "tessedit_char_whitelist", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<");
    TessBaseAPISetVariable(api, "load_system_dawg", "0");
    TessBaseAPISetVariable(api, "load_freq_dawg", "0");
    *ret = api;
    return 0;
}

/* Searches g (taken) for the zone; see search_zone. */
static int search_page(struct gray g, TessBaseAPI *api, bool resize, struct reading *f)
{
    struct page pg = {.nb = 0};
    int r = page_prepare(&pg, g);
    if (r == 0)
        r = search_zone(&pg, api, resize, f);
    page_free(&pg);
    return r;
}

/* The zone of g0 turned by `quarter` read once more with the re-sizing
 * of search_zone, as on the page as given: kept where it passes more
 * checks than *f, found on that turn without it. */
static int search_resized(const struct gray *g0, int quarter, TessBaseAPI *api, struct reading *f)
{
    struct gray g;
    struct reading again = {.s = -1};
    int r = turned(g0, quarter, &g);
    if (r == 0)
        r = search_page(g, api, true, &again);
    if (again.s >= f->s)
        *f = again;
    return r;
}

/* Looks for the zone in g0 (taken): upright first; then, while no good
 * zone is found, turned a quarter either way (a portrait photo of a
 * landscape page) and upside down when `turns`. A zone found on a turned
 * page and not good gets what the page as given gets: a re-sized
 * reading. Small pages are then read at twice the size (glyphs under
 * ~12 px): turned the way the zone was found first, then, while nothing
 * fits the font well (WEAK_FIT), the other ways: on a thumbnail the zone
 * may be found only enlarged, and a weak reading of something else on
 * some turn says nothing of where it is. */
static int search_attempts(struct gray g0, TessBaseAPI *api, bool turns, struct reading *f)
{
    int r = shrink(&g0), found_on = 0;
    for (int quarter = 0; r == 0 && !f->good && quarter < (turns ? 4 : 1); quarter++) {
        struct gray g;
        int before = f->s;
        if ((r = turned(&g0, quarter, &g)) == 0)
            r = search_page(g, api, quarter == 0, f);
        found_on = f->s > before ? quarter : found_on;
    }
    if (r == 0 && !f->good && found_on != 0)
        r = search_resized(&g0, found_on, api, f);
    bool small = g0.w <= WORK_WIDTH_MAX / 2 && g0.h <= WORK_WIDTH_MAX / 2;
    /* Tesseract (the bench's comparison) finds no zone on most pages and
     * gives no fit: it gets the one enlarged page it always had. */
    int ways = turns && !api ? 4 : 1;
    for (int k = 0; small && r == 0 && !f->good && k < ways && (k == 0 || f->s < 0 || f->fit < WEAK_FIT); k++) {
        struct gray t, g;
        if ((r = turned(&g0, (found_on + k) % 4, &t)) == 0) {
            r = upscale2(&t, &g);
            free(t.p);
        }
        if (r == 0)
            r = search_page(g, api, false, f);
    }
    free(g0.p);
    return r;
}

/* The reading's characters with one or two cells replaced, each at its
 * place in the text (lines end in '\n'), is it a zone every check but the
 * expiry passes, other than `zone` (mrz_verdict's, end to end)? */
static bool also_holds(const char *text, size_t len, const char *zone)
{
    struct mrz_verdict v;
    return mrz_verdict(text, NULL, len, true, (struct mrz_date){2000, 1, 1}, &v, NULL) == 0 &&
           v.failed_not_expiry == 0 && strcmp(v.zone, zone) != 0;
}

/* A character one check-sum step from c (its value +-1, or '<' as B,
 * 11): a check digit over c's cell sees it; a name's letters pass. */
static char probe_of(char c)
{
    return c == '<' ? 'B' : c == '9' ? '8' : c == 'Z' ? 'Y' : (char)(c + 1);
}

#define NEAR_CELLS_MAX 24
#define NEAR_SUBSET_MAX 10 /* mixes of runner-ups tried: 2^10 checks at most */

/* A valid zone's text after repairs (t, laid out as the reading's text:
 * lines end in '\n') and, cell by cell, the second reading of each: the
 * runner-up within NEAR_MARGIN, or for a repaired cell what was read. */
struct rival {
    char t[3 * 64], other[3 * 64];
    size_t len;
    const char *zone; /* mrz_verdict's zone of t, end to end */
};

/* Cells whose second reading a check sees (a character one step from the
 * cell's own fails a check; a name's cells are not asked) into at (their
 * count returned), or -1 with *hit where one such cell's second reading
 * alone passes every check too. */
static int covered_rivals(struct rival *rv, size_t at[NEAR_CELLS_MAX], size_t *hit)
{
    int n = 0;
    for (size_t i = 0; i < rv->len && n < NEAR_CELLS_MAX; i++) {
        char own = rv->t[i], other = rv->other[i];
        if (other == ' ' || other == '\n' || other == own)
            continue;
        rv->t[i] = probe_of(own);
        bool covered = !also_holds(rv->t, rv->len, rv->zone);
        rv->t[i] = other;
        bool holds = covered && also_holds(rv->t, rv->len, rv->zone);
        rv->t[i] = own;
        if (holds) {
            *hit = i;
            return -1;
        }
        if (covered)
            at[n++] = i;
    }
    return n;
}

/* Whether the zone with the cells at[k] for each bit k of mask replaced
 * by their second readings passes every check; where: two of them. */
static bool rivals_hold(struct rival *rv, const size_t *at, int n, unsigned mask, size_t where[2])
{
    char own[NEAR_SUBSET_MAX];
    for (int k = 0; k < n; k++)
        own[k] = rv->t[at[k]], rv->t[at[k]] = mask >> k & 1 ? rv->other[at[k]] : own[k];
    bool holds = also_holds(rv->t, rv->len, rv->zone);
    for (int k = 0, w = 0; k < n; k++) {
        rv->t[at[k]] = own[k];
        if (holds && mask >> k & 1 && w < 2)
            where[w++] = at[k];
    }
    return holds;
}

/* Whether a second reading of a valid zone, made of runner-ups the image
 * supports nearly as well in cells that a check covers, passes every
 * check too. The check digits then cannot tell the two apart, and the
 * reader barely can: two 0 read O with weights 7 and 3 move a check sum by
 * 240, a G read for a 6 by 10. Every mix of such cells is tried; with more
 * than NEAR_SUBSET_MAX of them some mix passes by chance (a check digit
 * lets one in ten through). Such a zone is answered unsure, never valid.
 * Returns 0 (no second reading holds), or 1 or 2, the count of cells of
 * it put in where (their places in f->text). */
static int ambiguous(const struct reading *f, size_t where[2])
{
    struct mrz_verdict v;
    struct rival rv = {.len = strlen(f->text), .zone = v.zone};
    if (mrz_verdict(f->text, f->alt, rv.len, true, (struct mrz_date){2000, 1, 1}, &v, NULL) < 0 ||
        v.failed_not_expiry > 0 || v.width == 0 || rv.len != strlen(v.zone) / v.width * (v.width + 1) ||
        strlen(f->near) != rv.len || rv.len >= sizeof rv.t)
        return 0;
    for (size_t i = 0, z = 0; i < rv.len; i++) {
        rv.t[i] = i % (v.width + 1) == v.width ? '\n' : v.zone[z++];
        rv.other[i] = rv.t[i] != f->text[i] ? f->text[i] : f->near[i];
    }
    rv.t[rv.len] = '\0';
    size_t at[NEAR_CELLS_MAX];
    int n = covered_rivals(&rv, at, &where[0]);
    if (n < 0)
        return 1;
    if (n >= 2)
        where[0] = at[0], where[1] = at[1];
    if (n > NEAR_SUBSET_MAX)
        return 2; /* so many near ties that some mix of them passes by chance */
    for (unsigned mask = 3; mask < 1u << n; mask++)
        if ((mask & (mask - 1)) && rivals_hold(&rv, at, n, mask, where))
            return 2;
    return 0;
}

/* Marks the reading unsure the way mrz_check_ocr reads it: '?' in alt at
 * the cells it is unsure of. A zone matching the font poorly is unsure
 * everywhere (too many chances for two misreads that cancel in a check
 * digit); an ambiguous one (see ambiguous) at its cells that no repair
 * needs, or at the first of them, so that the other repairs still show. */
static void mark_unsure(const struct reading *f, char *alt)
{
    size_t where[2];
    int n = f->fit < WEAK_FIT ? -1 : ambiguous(f, where), marked = 0;
    for (char *a = n < 0 ? alt : NULL; a && *a; a++)
        *a = *a == '\n' ? '\n' : '?';
    for (int k = 0; k < n; k++)
        if (alt[where[k]] == ' ')
            alt[where[k]] = '?', marked++;
    if (n > 0 && !marked)
        alt[where[0]] = '?';
}

/* The found zone into *ret_text and *ret_alt, or r (< 0, or no zone) as
 * the error the API promises. */
static int answer(int r, const struct reading *f, char **ret_text, char **ret_alt, err_t *err)
{
    if (r == 0 && f->s < 0)
        r = -ENOENT;
    if (r == 0 && !(*ret_text = strdup(f->text)))
        r = -ENOMEM;
    if (r == 0 && ret_alt && !(*ret_alt = strdup(f->alt))) {
        free(*ret_text);
        *ret_text = NULL;
        r = -ENOMEM;
    }
    if (r == 0 && ret_alt)
        mark_unsure(f, *ret_alt);
    if (r == -ENOMEM)
        return err_set(err, r, "out_of_memory", "Out of memory.");
    if (r == -EINVAL)
        return err_set(err, r, "image_unreadable", "The image is not a readable PNG or JPEG of at most %u pixels.",
            OCR_IMAGE_PIXELS_MAX);
    if (r < 0)
        return err_set(err, -EINVAL, "mrz_not_found",
            "No machine-readable zone was found; photograph the "
            "whole data page, flat and in focus.");
    return 0;
}

static int templates_ready(err_t *err)
{
    pthread_once(&templates_once, build_templates);
    if (templates_status < 0)
        return err_set(err, templates_status, "ocr_font_missing", "The OCR-B font (fonts-ocr-b) is not installed.");
    return 0;
}

int ocr_read_mrz_with(
    enum ocr_engine engine, const unsigned char *img, size_t len, char **ret_text, char **ret_alt, err_t *err)
{
    if (!img || !ret_text || len == 0)
        return err_set(err, -EINVAL, "image_unreadable", "No image was given.");
    TessBaseAPI *api = NULL;
    int r = engine == OCR_ENGINE_TEMPLATE ? templates_ready(err) : tess_open(&api, err);
    if (r < 0)
        return r;
    struct gray g0 = {0, 0, NULL};
    struct reading f = {.s = -1};
    r = decode(img, len, &g0);
    if (r == 0)
        r = search_attempts(g0, api, true, &f);
    else
        free(g0.p);
    if (api)
        TessBaseAPIDelete(api);
    return answer(r, &f, ret_text, ret_alt, err);
}

int ocr_read_mrz_upright(
    const unsigned char *pix, int w, int h, size_t stride, char **ret_text, char **ret_alt, err_t *err)
{
    if (!pix || !ret_text || w <= 0 || h <= 0 || stride < (size_t)w || (uint64_t)w * (uint64_t)h > OCR_IMAGE_PIXELS_MAX)
        return err_set(err, -EINVAL, "image_unreadable", "No image was given.");
    int r = templates_ready(err);
    if (r < 0)
        return r;
    struct gray g0 = {w, h, malloc((size_t)w * (size_t)h)};
    if (!g0.p)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    for (int y = 0; y < h; y++)
        memcpy(g0.p + (size_t)y * w, pix + (size_t)y * stride, (size_t)w);
    struct reading f = {.s = -1};
    r = search_attempts(g0, NULL, false, &f);
    return answer(r, &f, ret_text, ret_alt, err);
}

int ocr_read_mrz(const unsigned char *img, size_t len, char **ret_text, char **ret_alt, err_t *err)
{
    return ocr_read_mrz_with(OCR_ENGINE_TEMPLATE, img, len, ret_text, ret_alt, err);
}
