#include "docset/page.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#define STRIPS 12      /* vertical strips for the line profile */
#define TILE 32        /* tile side for glare and sharpness, pixels */
#define MAX_LINES 4096 /* line heights kept for the median */

/* Otsu's threshold of a grey histogram: values <= it are ink. */
static int otsu(const raster_t *g)
{
    uint64_t hist[256] = {0}, total = (uint64_t)g->width * g->height;
    for (uint64_t i = 0; i < total; i++)
        hist[g->pix[i]]++;
    double sum = 0, sum_b = 0, best = -1;
    for (int i = 0; i < 256; i++)
        sum += (double)i * (double)hist[i];
    uint64_t w_b = 0;
    int t = 128;
    for (int i = 0; i < 256; i++) {
        w_b += hist[i];
        if (w_b == 0 || w_b == total)
            continue;
        sum_b += (double)i * (double)hist[i];
        double m_b = sum_b / (double)w_b, m_f = (sum - sum_b) / (double)(total - w_b);
        double between = (double)w_b * (double)(total - w_b) * (m_b - m_f) * (m_b - m_f);
        if (between > best) {
            best = between;
            t = i;
        }
    }
    return t;
}

static int cmp_int(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* Heights of ink runs in one strip's row profile, appended to h[]. */
static void strip_lines(const raster_t *g, int ink_below, unsigned x0, unsigned x1, int *h, int *n)
{
    unsigned min_ink = (x1 - x0) / 100 + 1, run = 0;
    for (unsigned y = 0; y <= g->height && *n < MAX_LINES; y++) {
        unsigned ink = 0;
        for (unsigned x = x0; y < g->height && x < x1; x++)
            ink += g->pix[(size_t)y * g->width + x] <= ink_below;
        if (y < g->height && ink >= min_ink) {
            run++;
            continue;
        }
        if (run >= 3 && run < g->height / 20 + 3)
            h[(*n)++] = (int)run;
        run = 0;
    }
}

static double glyph_height(const raster_t *g, int ink_below)
{
    int *h = malloc(MAX_LINES * sizeof *h), n = 0;
    if (!h)
        return 0;
    for (unsigned s = 0; s < STRIPS; s++)
        strip_lines(g, ink_below, g->width * s / STRIPS, g->width * (s + 1) / STRIPS, h, &n);
    /* Runs under 5 px are mostly QR modules, rules and specks: measured on
     * docsetgen's receipts at 150 dpi they outnumber the text lines and
     * pulled the median to 3 px. They count only when nothing taller is
     * there (then the text itself is that small). */
    double med = 0;
    qsort(h, (size_t)n, sizeof *h, cmp_int);
    int first_tall = 0;
    while (first_tall < n && h[first_tall] < 5)
        first_tall++;
    if (n - first_tall >= 3)
        med = h[first_tall + (n - first_tall) / 2];
    else if (n >= 3)
        med = h[n / 2];
    free(h);
    return med;
}

/* Laplacian variance over tiles that hold ink (blank paper says nothing
 * about focus). */
static double sharpness(const raster_t *g, int ink_below)
{
    double sum = 0, sq = 0;
    uint64_t n = 0;
    for (unsigned ty = 0; ty + TILE <= g->height; ty += TILE)
        for (unsigned tx = 0; tx + TILE <= g->width; tx += TILE) {
            unsigned ink = 0;
            for (unsigned y = ty; y < ty + TILE; y += 4)
                for (unsigned x = tx; x < tx + TILE; x += 4)
                    ink += g->pix[(size_t)y * g->width + x] <= ink_below;
            if (ink == 0)
                continue;
            for (unsigned y = ty + 1; y < ty + TILE - 1; y++)
                for (unsigned x = tx + 1; x < tx + TILE - 1; x++) {
                    const uint8_t *p = g->pix + (size_t)y * g->width + x;
                    double l = 4.0 * p[0] - p[-1] - p[1] - p[-(ptrdiff_t)g->width] - p[g->width];
                    sum += l;
                    sq += l * l;
                    n++;
                }
        }
    if (n == 0)
        return 0;
    double mean = sum / (double)n;
    return sq / (double)n - mean * mean;
}

/* Share of tiles washed out while the paper (median tile) is darker. */
static double glare(const raster_t *g)
{
    unsigned tw = g->width / TILE, th = g->height / TILE;
    if (tw == 0 || th == 0)
        return 0;
    int *m = malloc((size_t)tw * th * sizeof *m);
    if (!m)
        return 0;
    for (unsigned ty = 0; ty < th; ty++)
        for (unsigned tx = 0; tx < tw; tx++) {
            uint64_t s = 0;
            for (unsigned y = ty * TILE; y < (ty + 1) * TILE; y++)
                for (unsigned x = tx * TILE; x < (tx + 1) * TILE; x++)
                    s += g->pix[(size_t)y * g->width + x];
            m[ty * tw + tx] = (int)(s / (TILE * TILE));
        }
    size_t n = (size_t)tw * th, hot = 0;
    for (size_t i = 0; i < n; i++)
        hot += m[i] >= 250;
    qsort(m, n, sizeof *m, cmp_int);
    int paper = m[n / 2];
    free(m);
    return paper < 235 ? (double)hot / (double)n : 0;
}

static double border_ink(const raster_t *g, int ink_below)
{
    unsigned bx = g->width / 200 + 1, by = g->height / 200 + 1;
    uint64_t ink = 0, all = 0;
    for (unsigned y = 0; y < g->height; y++)
        for (unsigned x = 0; x < g->width; x++) {
            if (y >= by && y < g->height - by && x == bx)
                x = g->width - bx; /* skip the interior */
            ink += g->pix[(size_t)y * g->width + x] <= ink_below;
            all++;
        }
    return all ? (double)ink / (double)all : 0;
}

int page_measure(const raster_t *g, struct page_quality *ret, err_t *err)
{
    if (!g || g->channels != 1 || g->width < 8 || g->height < 8)
        return err_set(err, -EINVAL, "image_corrupt", "The page image is too small to read.");
    memset(ret, 0, sizeof *ret);
    int t = otsu(g);
    ret->width = g->width;
    ret->height = g->height;
    ret->ppi = g->ppi;
    ret->glyph_px = glyph_height(g, t);
    ret->sharpness = sharpness(g, t);
    ret->glare = glare(g);
    ret->border_ink = border_ink(g, t);
    if (ret->glyph_px == 0)
        ret->advice |= PAGE_ADVICE_NO_TEXT;
    else if (ret->glyph_px < PAGE_GLYPH_MIN_PX)
        ret->advice |= PAGE_ADVICE_TOO_FAR;
    if (ret->sharpness < PAGE_SHARPNESS_MIN)
        ret->advice |= PAGE_ADVICE_BLURRED;
    if (ret->glare > PAGE_GLARE_MAX)
        ret->advice |= PAGE_ADVICE_GLARE;
    if (ret->border_ink > PAGE_BORDER_INK_MAX)
        ret->advice |= PAGE_ADVICE_CROPPED;
    ret->legible = !(ret->advice & (PAGE_ADVICE_NO_TEXT | PAGE_ADVICE_TOO_FAR | PAGE_ADVICE_BLURRED));
    return 0;
}

bool page_worth_reading(const struct page_quality *q)
{
    return !q->legible && q->glyph_px >= PAGE_GLYPH_TRY_PX &&
           !(q->advice & (PAGE_ADVICE_BLURRED | PAGE_ADVICE_NO_TEXT));
}

void page_read_whole(struct page_quality *q)
{
    q->advice &= ~(unsigned)PAGE_ADVICE_TOO_FAR;
    q->legible = true;
}

json_t *page_quality_json(const struct page_quality *q)
{
    static const char *const codes[] = {"too_far", "blurred", "glare", "cropped", "no_text"};
    json_t *advice = json_array();
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (q->advice & (1u << i))
            json_array_append_new(advice, json_string(codes[i]));
    return json_pack("{s:f,s:f,s:f,s:f,s:i,s:i,s:b,s:o}", "glyph_px", q->glyph_px, "sharpness",
        (double)(int64_t)q->sharpness, "glare", q->glare, "border_ink", q->border_ink, "width", (int)q->width, "height",
        (int)q->height, "legible", q->legible, "advice", advice);
}
