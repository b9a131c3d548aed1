#include "docset/portrait.h"

#include <errno.h>
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

/* No text on the page but the photograph: the page check finds no text
 * line, or next to no print is left (on a near-blank page Otsu's threshold
 * falls between the paper and its shading, and the check sees lines in
 * that). */
static int alone_on_page(const raster_t *grey, const face_result_t *f, bool *ret)
{
    raster_t *rest = NULL;
    uint8_t paper = paper_level(grey);
    if (blank_photo(grey, f, paper, &rest) < 0)
        return -ENOMEM;
    struct page_quality q;
    err_t e = {0};
    bool no_lines = page_measure(rest, &q, &e) == 0 && (q.advice & PAGE_ADVICE_NO_TEXT);
    *ret = no_lines || dark_share(rest, paper) < PHOTO_TEXT_SHARE;
    raster_free(rest);
    return 0;
}

/* What the page is, as it stands: NONE, or a photograph alone on it. */
static int judge(face_detector_t *faces, const raster_t *grey, enum portrait_kind *ret)
{
    face_config_t cfg;
    face_config_default(&cfg);
    cfg.search_margin = 0.02; /* a print may lie anywhere on the scanner's glass */
    cfg.min_face_share = 0.04;
    face_result_t f;
    int r = face_check(faces, grey, &cfg, &f);
    if (r == -ENOMEM)
        return r;
    if (r < 0 || f.faces == 0)
        return 0; /* OpenCV failed on the page, or no face */
    bool alone = false;
    if (alone_on_page(grey, &f, &alone) < 0)
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
static bool content_box(const raster_t *g, struct rect *ret)
{
    uint8_t paper = paper_level(g);
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

int portrait_page(face_detector_t *faces, const raster_t *grey, enum portrait_kind *ret, err_t *err)
{
    *ret = PORTRAIT_NONE;
    if (!faces || !grey || grey->channels != 1 || grey->width < 64 || grey->height < 64)
        return 0;
    int r = judge(faces, grey, ret);
    /* A print alone on a scanner's glass is small on the page, its face
     * too small for the detector: judged again on what the page holds,
     * which is all there is on it. */
    struct rect b;
    raster_t *part = NULL;
    if (r == 0 && *ret == PORTRAIT_NONE && content_box(grey, &b) && (r = cut(grey, b, &part)) == 0)
        r = judge(faces, part, ret);
    raster_free(part);
    return r < 0 ? err_set(err, -ENOMEM, "out_of_memory", "Out of memory.") : 0;
}
#else
int portrait_page(face_detector_t *faces, const raster_t *grey, enum portrait_kind *ret, err_t *err)
{
    (void)faces, (void)grey, (void)err;
    *ret = PORTRAIT_NONE;
    return 0;
}
#endif
