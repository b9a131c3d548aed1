#include "docset/portrait.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "docset/page.h"

#ifdef UCHET_HAVE_FACECHECK
#include "bio/facecheck.h"

/* The photograph round a face box, in face-box widths. In a 35 × 45 mm
 * photograph the detector's box (brows to mouth) is some 45 % of the
 * width, and the face's centre 45 % down: the photograph spans about
 * 2.2 box widths across and 2.9 down. The box kept is larger, for a print
 * tilted a few degrees. */
#define PHOTO_HALF_WIDTH 1.7
#define PHOTO_ABOVE 2.0
#define PHOTO_BELOW 2.3
/* ... and at most, for a portrait framed wider (a face a sixth of the
 * picture's width, the picture down to the waist) */
#define PHOTO_MOST_HALF_WIDTH 3.3
#define PHOTO_MOST_ABOVE 2.5
#define PHOTO_MOST_BELOW 6.0
#define PHOTO_INK 40           /* grey levels from the paper: the photograph, not the paper */
#define PHOTO_BUSY 2           /* a strip with half its pixels off the paper is still the photograph */
#define PHOTO_STEPS 8          /* strips a face-box width */
#define PHOTO_TEXT_INK 80      /* grey levels under the paper: print */
#define PHOTO_TEXT_SHARE 0.002 /* less print than this left: no text (the specimens keep 1 % or more) */
#define PHOTO_MARKED 0.005     /* a row or column with this share off the paper holds something */
#define PHOTO_CONTENT_MAX 0.4  /* a page's content this share of it or less is worth a closer look */

/* The paper's grey: the 90th percentile of the page. */
static uint8_t paper_level(const raster_t *g)
{
    uint64_t hist[256] = {0}, total = (uint64_t)g->width * g->height, seen = 0;
    for (uint64_t i = 0; i < total; i++)
        hist[g->pix[i]]++;
    for (int v = 0; v < 256; v++)
        if ((seen += hist[v]) * 10 >= total * 9)
            return (uint8_t)v;
    return 255;
}

/* A rectangle of the page, [x0, x1) × [y0, y1). */
struct rect {
    long x0, y0, x1, y1;
};

static long clamp(double v, long hi)
{
    return v < 0 ? 0 : v > (double)hi ? hi : (long)v;
}

/* A pixel of the photograph (or of print), not of the paper. */
static bool off_paper(uint8_t v, uint8_t paper)
{
    int d = v - paper;
    return d > PHOTO_INK || d < -PHOTO_INK;
}

/* Whether the strip r is mostly the photograph rather than the paper. */
static bool busy(const raster_t *g, uint8_t paper, struct rect r)
{
    uint64_t off = 0, all = 0;
    for (long y = r.y0; y < r.y1; y++)
        for (long x = r.x0; x < r.x1; x++) {
            off += off_paper(g->pix[(size_t)y * g->width + (size_t)x], paper);
            all++;
        }
    return all && off * PHOTO_BUSY >= all;
}

static long at_least(long v, long lo)
{
    return v < lo ? lo : v;
}

static long at_most(long v, long hi)
{
    return v > hi ? hi : v;
}

/* Grows *r a strip at a time on each side, within `most`, while the strip
 * beyond it is the photograph's: a print framed wider than the rules (a
 * small face in a large picture) is covered to its edges, but not a
 * document's background round its portrait, past what a photograph holds. */
static void grow(const raster_t *g, uint8_t paper, long step, struct rect most, struct rect *r)
{
    for (bool more = true; more;) {
        long x0 = at_least(r->x0 - step, most.x0), x1 = at_most(r->x1 + step, most.x1);
        long y0 = at_least(r->y0 - step, most.y0), y1 = at_most(r->y1 + step, most.y1);
        more = false;
        if (x0 < r->x0 && busy(g, paper, (struct rect){x0, r->y0, r->x0, r->y1}))
            r->x0 = x0, more = true;
        if (x1 > r->x1 && busy(g, paper, (struct rect){r->x1, r->y0, x1, r->y1}))
            r->x1 = x1, more = true;
        if (y0 < r->y0 && busy(g, paper, (struct rect){r->x0, y0, r->x1, r->y0}))
            r->y0 = y0, more = true;
        if (y1 > r->y1 && busy(g, paper, (struct rect){r->x0, r->y1, r->x1, y1}))
            r->y1 = y1, more = true;
    }
    /* and one strip more: the last strip crossing the print's edge is
     * mostly paper, so growing stopped short of it */
    *r = (struct rect){at_least(r->x0 - step, most.x0), at_least(r->y0 - step, most.y0), at_most(r->x1 + step, most.x1),
        at_most(r->y1 + step, most.y1)};
}

/* The box round the face box f, `half` face widths each side, `above` and
 * `below` from its centre, within the page. */
static struct rect around(const raster_t *g, const face_result_t *f, double half, double above, double below)
{
    double cx = f->fx + f->fw / 2.0, cy = f->fy + f->fh / 2.0, w = f->fw;
    return (struct rect){clamp(cx - half * w, g->width), clamp(cy - above * w, g->height),
        clamp(cx + half * w, g->width), clamp(cy + below * w, g->height)};
}

/* A copy of grey with the photograph round the face painted paper. */
static int blank_photo(const raster_t *grey, const face_result_t *f, uint8_t paper, raster_t **ret)
{
    int r = raster_new(grey->width, grey->height, 1, 0, ret);
    if (r < 0)
        return r;
    memcpy((*ret)->pix, grey->pix, (size_t)grey->width * grey->height);
    struct rect b = around(grey, f, PHOTO_HALF_WIDTH, PHOTO_ABOVE, PHOTO_BELOW);
    struct rect most = around(grey, f, PHOTO_MOST_HALF_WIDTH, PHOTO_MOST_ABOVE, PHOTO_MOST_BELOW);
    grow(grey, paper, f->fw / PHOTO_STEPS > 2 ? f->fw / PHOTO_STEPS : 2, most, &b);
    for (long y = b.y0; y < b.y1; y++)
        memset((*ret)->pix + (size_t)y * grey->width + b.x0, paper, (size_t)(b.x1 - b.x0));
    return 0;
}

/* Share of rest's pixels darker than the paper by PHOTO_TEXT_INK: print,
 * where the photograph was blanked out. */
static double dark_share(const raster_t *rest, uint8_t paper)
{
    uint64_t dark = 0, all = (uint64_t)rest->width * rest->height;
    for (uint64_t i = 0; i < all; i++)
        dark += rest->pix[i] + PHOTO_TEXT_INK < paper;
    return (double)dark / (double)all;
}

/* Whether what is left of a page once its photographs are painted paper
 * holds no text: the page check finds no text line, or next to no print
 * is left (on a near-blank page Otsu's threshold falls between the paper
 * and its shading, and the check sees lines in that). */
static bool no_text_left(const raster_t *rest, uint8_t paper)
{
    struct page_quality q;
    err_t e = {0};
    bool no_lines = page_measure(rest, &q, &e) == 0 && (q.advice & PAGE_ADVICE_NO_TEXT);
    return no_lines || dark_share(rest, paper) < PHOTO_TEXT_SHARE;
}

/* No text on the page but the photograph round face f. */
static int alone_on_page(const raster_t *grey, uint8_t paper, const face_result_t *f, bool *ret)
{
    raster_t *rest = NULL;
    if (blank_photo(grey, f, paper, &rest) < 0)
        return -ENOMEM;
    *ret = no_text_left(rest, paper);
    raster_free(rest);
    return 0;
}

/* What the page is, as it stands: NONE, or a photograph alone on it.
 * paper: the page's paper_level; *seen (unless NULL): the faces found. */
static int judge(face_detector_t *faces, const raster_t *grey, uint8_t paper, enum portrait_kind *ret, uint32_t *seen)
{
    face_config_t cfg;
    face_config_default(&cfg);
    cfg.search_margin = 0.02; /* a print may lie anywhere on the scanner's glass */
    cfg.min_face_share = 0.04;
    face_result_t f;
    int r = face_check(faces, grey, &cfg, &f);
    if (seen)
        *seen = r == 0 ? f.faces : 0;
    if (r == -ENOMEM)
        return r;
    if (r < 0 || f.faces != 1)
        return 0; /* OpenCV failed on the page, or no face; or two or more,
                     which sheet() counts when paper parts them, and which
                     are no one photograph when it does not */
    bool alone = false;
    if (alone_on_page(grey, paper, &f, &alone) < 0)
        return -ENOMEM;
    if (alone)
        *ret = f.failed & (1u << FACE_BLURRED) ? PORTRAIT_BLURRED : PORTRAIT_SHARP;
    return 0;
}

/* Whether row or column `i` (along `rows`) holds PHOTO_MARKED of its
 * pixels off the paper. */
static bool marked(const raster_t *g, uint8_t paper, bool rows, uint32_t i)
{
    uint32_t n = rows ? g->width : g->height, off = 0;
    for (uint32_t k = 0; k < n; k++)
        off += off_paper(g->pix[rows ? (size_t)i * g->width + k : (size_t)k * g->width + i], paper);
    return (double)off >= PHOTO_MARKED * n;
}

/* The box holding everything on the page but its paper (rows and columns
 * marked), or false when that is most of the page. */
static bool content_box(const raster_t *g, uint8_t paper, struct rect *ret)
{
    long y0 = 0, y1 = (long)g->height, x0 = 0, x1 = (long)g->width;
    while (y0 < y1 && !marked(g, paper, true, (uint32_t)y0))
        y0++;
    while (y1 > y0 && !marked(g, paper, true, (uint32_t)(y1 - 1)))
        y1--;
    while (x0 < x1 && !marked(g, paper, false, (uint32_t)x0))
        x0++;
    while (x1 > x0 && !marked(g, paper, false, (uint32_t)(x1 - 1)))
        x1--;
    *ret = (struct rect){x0, y0, x1, y1};
    return (double)(x1 - x0) * (double)(y1 - y0) <= PHOTO_CONTENT_MAX * g->width * g->height && x1 - x0 >= 64 &&
           y1 - y0 >= 64;
}

/* The page cut to box b. */
static int cut(const raster_t *g, struct rect b, raster_t **ret)
{
    int r = raster_new((uint32_t)(b.x1 - b.x0), (uint32_t)(b.y1 - b.y0), 1, 0, ret);
    for (long y = b.y0; r == 0 && y < b.y1; y++)
        memcpy((*ret)->pix + (size_t)(y - b.y0) * (*ret)->width, g->pix + (size_t)y * g->width + b.x0,
            (size_t)(b.x1 - b.x0));
    return r;
}

/* ------------------------------------------------- a sheet of prints */

#define SHEET_CELLS 256   /* cells along the page's longer side */
#define SHEET_BUSY 4      /* a cell with a quarter of its pixels off the paper is picture */
#define SHEET_SIDE 64     /* a patch narrower or lower than this (pixels) is no print: the detector's least */
#define GUTTER_PX 2       /* a cut line of paper this wide or wider parts two prints */
#define GUTTER_INK 50     /* a row or column of a patch with at most 1/50 of it off the paper is paper */
#define TILT_MAX_DEG 12.0 /* a loose print on the glass lies within this of level */
#define TILT_STEP_DEG 0.5
#define TILT_MIN_DEG 1.0 /* less: judged as it lies */

/* The page in cells, each cell labelled with the patch of picture it
 * belongs to (4-connected busy cells), -1 for paper. */
struct patches {
    int32_t *label;
    uint32_t cell, cw, ch;
    int n;                                /* patches labelled */
    struct rect box[PORTRAIT_PRINTS_MAX]; /* the sizeable ones, in pixels */
    int32_t id[PORTRAIT_PRINTS_MAX];      /* their labels */
    int sizeable;                         /* how many; more than the arrays hold: not a sheet */
};

static bool cell_busy(const raster_t *g, uint8_t paper, uint32_t cell, uint32_t cx, uint32_t cy)
{
    uint32_t x1 = (cx + 1) * cell < g->width ? (cx + 1) * cell : g->width;
    uint32_t y1 = (cy + 1) * cell < g->height ? (cy + 1) * cell : g->height;
    uint32_t off = 0, all = 0;
    for (uint32_t y = cy * cell; y < y1; y++)
        for (uint32_t x = cx * cell; x < x1; x++, all++)
            off += off_paper(g->pix[(size_t)y * g->width + x], paper);
    return off * SHEET_BUSY >= all;
}

/* Labels the patch of busy cell `start` as `id` (flood fill over stack,
 * which holds cw * ch cells); returns its box in pixels. */
static struct rect flood(const raster_t *g, struct patches *p, int32_t *stack, size_t start, int32_t id)
{
    size_t top = 0;
    long x0 = LONG_MAX, y0 = LONG_MAX, x1 = 0, y1 = 0;
    p->label[start] = id;
    stack[top++] = (int32_t)start;
    while (top) {
        size_t c = (size_t)stack[--top];
        long cx = (long)(c % p->cw), cy = (long)(c / p->cw);
        x0 = cx < x0 ? cx : x0, y0 = cy < y0 ? cy : y0, x1 = cx + 1 > x1 ? cx + 1 : x1, y1 = cy + 1 > y1 ? cy + 1 : y1;
        const long nx[4] = {cx - 1, cx + 1, cx, cx}, ny[4] = {cy, cy, cy - 1, cy + 1};
        for (int k = 0; k < 4; k++) {
            if (nx[k] < 0 || ny[k] < 0 || nx[k] >= (long)p->cw || ny[k] >= (long)p->ch)
                continue;
            size_t o = (size_t)ny[k] * p->cw + (size_t)nx[k];
            if (p->label[o] == -2) { /* busy, not labelled yet */
                p->label[o] = id;
                stack[top++] = (int32_t)o;
            }
        }
    }
    long c = (long)p->cell;
    return (struct rect){x0 * c, y0 * c, at_most(x1 * c, (long)g->width), at_most(y1 * c, (long)g->height)};
}

/* Gives each paper cell beside exactly one patch that patch's label: a
 * print's edge half in a cell is the print's, not paper left beside it.
 * scratch holds cw * ch cells. */
static void widen(struct patches *p, int32_t *scratch)
{
    memcpy(scratch, p->label, (size_t)p->cw * p->ch * sizeof *scratch);
    for (long cy = 0; cy < (long)p->ch; cy++)
        for (long cx = 0; cx < (long)p->cw; cx++) {
            int32_t *l = &p->label[(size_t)cy * p->cw + (size_t)cx], by = -1;
            for (long dy = -1; *l == -1 && dy <= 1; dy++)
                for (long dx = -1; dx <= 1; dx++) {
                    long x = cx + dx, y = cy + dy;
                    int32_t o = x < 0 || y < 0 || x >= (long)p->cw || y >= (long)p->ch
                                    ? -1
                                    : scratch[(size_t)y * p->cw + (size_t)x];
                    by = o < 0 ? by : by == -1 || by == o ? o : -3; /* -3: beside two */
                }
            if (by >= 0)
                *l = by;
        }
}

/* Finds the page's patches of picture. Returns 0, or -ENOMEM. */
static int find_patches(const raster_t *g, uint8_t paper, struct patches *p)
{
    uint32_t side = g->width > g->height ? g->width : g->height;
    p->cell = side / SHEET_CELLS > 2 ? side / SHEET_CELLS : 2;
    p->cw = (g->width + p->cell - 1) / p->cell, p->ch = (g->height + p->cell - 1) / p->cell;
    size_t cells = (size_t)p->cw * p->ch;
    p->label = malloc(cells * sizeof *p->label);
    int32_t *stack = malloc(cells * sizeof *stack);
    if (!p->label || !stack) {
        free(stack);
        return -ENOMEM;
    }
    for (uint32_t cy = 0; cy < p->ch; cy++)
        for (uint32_t cx = 0; cx < p->cw; cx++)
            p->label[(size_t)cy * p->cw + cx] = cell_busy(g, paper, p->cell, cx, cy) ? -2 : -1;
    for (size_t c = 0; c < cells; c++) {
        if (p->label[c] != -2)
            continue;
        struct rect b = flood(g, p, stack, c, p->n);
        if (b.x1 - b.x0 >= SHEET_SIDE && b.y1 - b.y0 >= SHEET_SIDE) {
            if (p->sizeable < PORTRAIT_PRINTS_MAX)
                p->box[p->sizeable] = b, p->id[p->sizeable] = p->n;
            p->sizeable++;
        }
        p->n++;
    }
    widen(p, stack);
    free(stack);
    return 0;
}

/* Whether pixel (x, y) is of patch id and off the paper. */
static bool patch_ink(const raster_t *g, uint8_t paper, const struct patches *p, int32_t id, long x, long y)
{
    return p->label[(size_t)(y / p->cell) * p->cw + (size_t)(x / p->cell)] == id &&
           off_paper(g->pix[(size_t)y * g->width + (size_t)x], paper);
}

/* Box b of patch id alone: every pixel of another patch or of the paper
 * painted paper (a tilted neighbour's corner is not in it). */
static int patch_alone(
    const raster_t *g, uint8_t paper, const struct patches *p, int32_t id, struct rect b, raster_t **ret)
{
    int r = raster_new((uint32_t)(b.x1 - b.x0), (uint32_t)(b.y1 - b.y0), 1, paper, ret);
    for (long y = b.y0; r == 0 && y < b.y1; y++)
        for (long x = b.x0; x < b.x1; x++)
            if (p->label[(size_t)(y / p->cell) * p->cw + (size_t)(x / p->cell)] == id)
                (*ret)->pix[(size_t)(y - b.y0) * (*ret)->width + (size_t)(x - b.x0)] =
                    g->pix[(size_t)y * g->width + (size_t)x];
    return r;
}

/* Whether line i of box b (a row when rows, else a column) is paper:
 * at most 1/GUTTER_INK of it is patch id's ink. */
static bool clear_line(
    const raster_t *g, uint8_t paper, const struct patches *p, int32_t id, struct rect b, bool rows, long i)
{
    long n = rows ? b.x1 - b.x0 : b.y1 - b.y0, ink = 0;
    for (long k = 0; k < n; k++)
        ink += rows ? patch_ink(g, paper, p, id, b.x0 + k, i) : patch_ink(g, paper, p, id, i, b.y0 + k);
    return ink * GUTTER_INK <= n;
}

/* Box b shrunk to its ink along rows (or columns); then, when a run of
 * GUTTER_PX or more clear lines parts it, its two sides (*a, *c: true). */
static bool gutter(const raster_t *g, uint8_t paper, const struct patches *p, int32_t id, struct rect *b, bool rows,
    struct rect *a, struct rect *c)
{
    long *lo = rows ? &b->y0 : &b->x0, *hi = rows ? &b->y1 : &b->x1;
    while (*lo < *hi && clear_line(g, paper, p, id, *b, rows, *lo))
        (*lo)++;
    while (*hi > *lo && clear_line(g, paper, p, id, *b, rows, *hi - 1))
        (*hi)--;
    for (long i = *lo + 1; i < *hi; i++) {
        long end = i;
        while (end < *hi && clear_line(g, paper, p, id, *b, rows, end))
            end++;
        if (end - i >= GUTTER_PX) {
            *a = *c = *b;
            *(rows ? &a->y1 : &a->x1) = i;
            *(rows ? &c->y0 : &c->x0) = end;
            return true;
        }
        i = end;
    }
    return false;
}

/* Box b of patch id cut at its gutters, across and along in turn, into
 * at most max pieces of SHEET_SIDE or more each way (out); returns how
 * many. Prints with a cut line of paper narrower than a cell are one
 * patch, and parted here. */
static int split_patch(
    const raster_t *g, uint8_t paper, const struct patches *p, int32_t id, struct rect b, struct rect *out, int max)
{
    struct rect a, c;
    if (max > 1 && (gutter(g, paper, p, id, &b, true, &a, &c) || gutter(g, paper, p, id, &b, false, &a, &c))) {
        int n = split_patch(g, paper, p, id, a, out, max - 1);
        return n + split_patch(g, paper, p, id, c, out + n, max - n);
    }
    if (max < 1 || b.x1 - b.x0 < SHEET_SIDE || b.y1 - b.y0 < SHEET_SIDE)
        return 0;
    out[0] = b;
    return 1;
}

/* Whether each cell is in one of the sizeable patches: cw * ch flags,
 * the caller's to free; NULL when out of memory. */
static bool *print_cells(const struct patches *p)
{
    size_t cells = (size_t)p->cw * p->ch;
    bool *print = calloc(cells, sizeof *print);
    for (size_t c = 0; print && c < cells; c++)
        for (int k = 0; k < p->sizeable; k++)
            print[c] |= p->label[c] == p->id[k];
    return print;
}

/* Whether the page holds no text once its sizeable patches are painted
 * paper, as alone_on_page judges what is left beside one photograph. */
static int nothing_beside(const raster_t *g, uint8_t paper, const struct patches *p, bool *ret)
{
    raster_t *rest = NULL;
    bool *print = print_cells(p);
    if (!print || raster_new(g->width, g->height, 1, 0, &rest) < 0) {
        free(print);
        return -ENOMEM;
    }
    for (uint32_t y = 0; y < g->height; y++)
        for (uint32_t x = 0; x < g->width; x++) {
            size_t i = (size_t)y * g->width + x;
            rest->pix[i] = print[(size_t)(y / p->cell) * p->cw + x / p->cell] ? paper : g->pix[i];
        }
    *ret = no_text_left(rest, paper);
    free(print);
    raster_free(rest);
    return 0;
}

/* The tilt of the print alone in r, in degrees: the turn that makes the
 * box round its pixels off the paper smallest (every other pixel, in
 * TILT_STEP_DEG steps). */
static double print_tilt(const raster_t *r, uint8_t paper)
{
    double best = 0, least = INFINITY;
    for (double a = -TILT_MAX_DEG; a <= TILT_MAX_DEG + 1e-9; a += TILT_STEP_DEG) {
        double c = cos(a * M_PI / 180), s = sin(a * M_PI / 180);
        double u0 = INFINITY, u1 = -INFINITY, v0 = INFINITY, v1 = -INFINITY;
        for (uint32_t y = 0; y < r->height; y += 2)
            for (uint32_t x = 0; x < r->width; x += 2)
                if (off_paper(r->pix[(size_t)y * r->width + x], paper)) {
                    double u = c * x - s * y, v = s * x + c * y;
                    u0 = u < u0 ? u : u0, u1 = u > u1 ? u : u1, v0 = v < v0 ? v : v0, v1 = v > v1 ? v : v1;
                }
        double area = (u1 - u0) * (v1 - v0);
        if (u1 >= u0 && (area < least - 1e-6 || (area <= least + 1e-6 && fabs(a) < fabs(best))))
            least = area, best = a;
    }
    return best;
}

/* r turned by deg degrees (the turn print_tilt found) into *ret, large
 * enough to hold it, paper beyond it; bilinear. */
static int level_print(const raster_t *r, double deg, uint8_t paper, raster_t **ret)
{
    double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180);
    uint32_t w = (uint32_t)ceil(fabs(r->width * c) + fabs(r->height * s));
    uint32_t h = (uint32_t)ceil(fabs(r->width * s) + fabs(r->height * c));
    int rc = raster_new(w, h, 1, paper, ret);
    double cx = r->width / 2.0, cy = r->height / 2.0;
    for (uint32_t y = 0; rc == 0 && y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double qx = x - w / 2.0, qy = y - h / 2.0; /* back to where it was */
            double px = c * qx + s * qy + cx, py = -s * qx + c * qy + cy;
            if (px < 0 || py < 0 || px >= r->width - 1 || py >= r->height - 1)
                continue;
            uint32_t x0 = (uint32_t)px, y0 = (uint32_t)py;
            double fx = px - x0, fy = py - y0;
            const uint8_t *q = r->pix + (size_t)y0 * r->width + x0;
            double v = (q[0] * (1 - fx) + q[1] * fx) * (1 - fy) + (q[r->width] * (1 - fx) + q[r->width + 1] * fx) * fy;
            (*ret)->pix[(size_t)y * w + x] = (uint8_t)(v + 0.5);
        }
    return rc;
}

/* Box b of patch id judged alone; when that finds a face but no
 * photograph and the print lies tilted, judged again turned level (a loose print on the
 * glass: the photograph's box round the face leaves its corners beside
 * it, taken for print). *seen: the faces found in it. */
static int judge_box(face_detector_t *faces, const raster_t *g, uint8_t paper, const struct patches *p, int32_t id,
    struct rect b, enum portrait_kind *kind, uint32_t *seen)
{
    raster_t *part = NULL;
    *kind = PORTRAIT_NONE;
    *seen = 0;
    int r = patch_alone(g, paper, p, id, b, &part);
    if (r == 0)
        r = judge(faces, part, paper_level(part), kind, seen);
    /* a face found, but not alone: a tilted print's corners beside it */
    double tilt = r == 0 && *kind == PORTRAIT_NONE && *seen > 0 ? print_tilt(part, paper) : 0;
    raster_t *level = NULL;
    uint32_t seen_level = 0;
    if (fabs(tilt) >= TILT_MIN_DEG && (r = level_print(part, tilt, paper, &level)) == 0 &&
        (r = judge(faces, level, paper_level(level), kind, &seen_level)) == 0)
        *seen = seen_level > *seen ? seen_level : *seen;
    raster_free(level);
    raster_free(part);
    return r;
}

/* Patch k judged as prints: one photograph, or, when it holds several
 * faces, the pieces its gutters part it into, each judged alone (*sharp,
 * *blurred count the photographs; *others the patch, when a piece is
 * none). */
static int judge_prints(face_detector_t *faces, const raster_t *g, uint8_t paper, const struct patches *p, int k,
    int *sharp, int *blurred, int *others)
{
    enum portrait_kind kind;
    uint32_t seen = 0;
    int r = judge_box(faces, g, paper, p, p->id[k], p->box[k], &kind, &seen);
    struct rect piece[PORTRAIT_PRINTS_MAX];
    int n = 0, s = kind == PORTRAIT_SHARP, b = kind == PORTRAIT_BLURRED, none = 0;
    if (r == 0 && kind == PORTRAIT_NONE && seen >= 2)
        n = split_patch(g, paper, p, p->id[k], p->box[k], piece, PORTRAIT_PRINTS_MAX);
    for (int i = 0; r == 0 && n >= 2 && i < n; i++) {
        r = judge_box(faces, g, paper, p, p->id[k], piece[i], &kind, &seen);
        s += kind == PORTRAIT_SHARP, b += kind == PORTRAIT_BLURRED, none += kind == PORTRAIT_NONE;
    }
    if (s + b == 0 || none)
        s = b = 0, none = 1;
    *sharp += s, *blurred += b, *others += none;
    return r;
}

/* Each sizeable patch judged alone: how many photographs it holds
 * (*sharp, *blurred); *others, the patches that are none. */
static int judge_patches(face_detector_t *faces, const raster_t *g, uint8_t paper, const struct patches *p, int *sharp,
    int *blurred, int *others)
{
    for (int k = 0; k < p->sizeable; k++) {
        int r = judge_prints(faces, g, paper, p, k, sharp, blurred, others);
        if (r < 0)
            return r;
    }
    return 0;
}

/* A sheet of prints: two or more photographs, each alone in a sizeable
 * patch or in a piece of one that a thin line of paper parts, and no text
 * beside them. Two photographs or more on a page
 * that is not such a sheet (something else beside them, or text) make it
 * no photograph at all: counted as one, the set would be returned for the
 * others. *ret untouched otherwise. */
static int sheet(face_detector_t *faces, const raster_t *g, uint8_t paper, bool faced, struct portrait_found *ret)
{
    struct patches p = {0};
    int r = find_patches(g, paper, &p);
    int sharp = 0, blurred = 0, others = 0;
    bool alone = false;
    /* one patch: prints parted by a line too thin for the cells, or one
     * print askew, looked for only when the page as a whole is no
     * photograph but holds a face (faced), or the patch is small on it (a
     * face too small on the page for the detector); not on every page of
     * text, whose one patch is most of it */
    double share = r == 0 && p.sizeable == 1 ? (double)(p.box[0].x1 - p.box[0].x0) * (p.box[0].y1 - p.box[0].y0) /
                                                   ((double)g->width * g->height)
                                             : 1;
    bool worth =
        p.sizeable >= 2 || (p.sizeable == 1 && ret->kind == PORTRAIT_NONE && (faced || share <= PHOTO_CONTENT_MAX));
    if (r == 0 && worth && p.sizeable <= PORTRAIT_PRINTS_MAX)
        r = judge_patches(faces, g, paper, &p, &sharp, &blurred, &others);
    /* one print the page as a whole was no photograph for, found alone in
     * its patch (turned level): counted when nothing is beside it */
    bool lone = p.sizeable == 1 && sharp + blurred == 1 && ret->kind == PORTRAIT_NONE;
    if (r == 0 && (sharp + blurred >= 2 || lone) && others == 0)
        r = nothing_beside(g, paper, &p, &alone);
    if (r == 0 && sharp + blurred >= 2)
        *ret = alone && others == 0 && sharp + blurred <= PORTRAIT_PRINTS_MAX
                   ? (struct portrait_found){blurred ? PORTRAIT_BLURRED : PORTRAIT_SHARP, sharp + blurred}
                   : (struct portrait_found){PORTRAIT_NONE, 0};
    else if (r == 0 && lone && alone && others == 0)
        *ret = (struct portrait_found){blurred ? PORTRAIT_BLURRED : PORTRAIT_SHARP, 1};
    free(p.label);
    return r;
}

int portrait_page(face_detector_t *faces, const raster_t *grey, struct portrait_found *ret, err_t *err)
{
    *ret = (struct portrait_found){PORTRAIT_NONE, 0};
    if (!faces || !grey || grey->channels != 1 || grey->width < 64 || grey->height < 64)
        return 0;
    uint8_t paper = paper_level(grey);
    uint32_t seen = 0, seen_cut = 0;
    int r = judge(faces, grey, paper, &ret->kind, &seen);
    /* A print alone on a scanner's glass is small on the page, its face
     * too small for the detector: judged again on what the page holds,
     * which is all there is on it. */
    struct rect b;
    raster_t *part = NULL;
    if (r == 0 && ret->kind == PORTRAIT_NONE && content_box(grey, paper, &b) && (r = cut(grey, b, &part)) == 0)
        r = judge(faces, part, paper_level(part), &ret->kind, &seen_cut);
    raster_free(part);
    ret->prints = ret->kind != PORTRAIT_NONE;
    /* Several prints: the page as a whole is none (the faces beside the
     * first are left as picture) or, should the others be pale, one. */
    if (r == 0)
        r = sheet(faces, grey, paper, seen + seen_cut > 0, ret);
    return r < 0 ? err_set(err, -ENOMEM, "out_of_memory", "Out of memory.") : 0;
}
#else
int portrait_page(face_detector_t *faces, const raster_t *grey, struct portrait_found *ret, err_t *err)
{
    (void)faces, (void)grey, (void)err;
    *ret = (struct portrait_found){PORTRAIT_NONE, 0};
    return 0;
}
#endif
