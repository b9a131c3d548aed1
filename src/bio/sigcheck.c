#include "bio/sigcheck.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

#define INK_DROP 60 /* ink is at least this much darker than the pad's median grey */

void sig_config_default(sig_config_t *cfg)
{
    cfg->min_ink_share = 0.002;
    cfg->min_width_share = 0.25;
    cfg->min_height_share = 0.08;
    cfg->min_strokes = 1;
    cfg->min_blob = 12;
    cfg->min_path_ratio = 1.6;
}

static const char *const codes[SIG_REASON_COUNT] = {"ok", "empty", "too_small", "too_simple"};
static const char *const texts[SIG_REASON_COUNT] = {
    "Good.",
    "Nothing was signed: sign inside the box.",
    "The signature is too small: sign larger, across the box.",
    "This does not look like your signature: sign as you usually do.",
};

const char *sig_reason_code(sig_reason_t r)
{
    return (unsigned)r < SIG_REASON_COUNT ? codes[r] : "unknown";
}

const char *sig_reason_text(sig_reason_t r)
{
    return (unsigned)r < SIG_REASON_COUNT ? texts[r] : "";
}

static void judge(const sig_config_t *cfg, sig_result_t *res, bool empty)
{
    if (empty)
        res->reason = SIG_EMPTY;
    else if (res->width_share < cfg->min_width_share || res->height_share < cfg->min_height_share)
        res->reason = SIG_TOO_SMALL;
    else if (res->strokes < cfg->min_strokes || res->path_ratio < cfg->min_path_ratio)
        res->reason = SIG_TOO_SIMPLE;
    else
        res->reason = SIG_OK;
}

int sig_check_raster(const raster_t *img, const sig_config_t *cfg, sig_result_t *ret)
{
    sig_config_t defaults;
    if (!cfg) {
        sig_config_default(&defaults);
        cfg = &defaults;
    }
    if (!img || img->width < 16 || img->height < 16)
        return -EINVAL;
    if ((uint64_t)img->width * img->height > LIMIT_SIG_PIXELS)
        return -ERANGE;
    raster_t *g = NULL;
    int r = raster_to_grey(img, &g);
    if (r < 0)
        return r;
    uint32_t w = g->width, h = g->height;
    size_t n = (size_t)w * h;
    uint32_t hist[256] = {0};
    for (size_t i = 0; i < n; i++)
        hist[g->pix[i]]++;
    uint32_t median = 0;
    for (size_t acc = 0; median < 255; median++) {
        acc += hist[median];
        if (acc * 2 >= n)
            break;
    }
    int thr = (int)median - INK_DROP;
    uint8_t *ink = calloc(n, 1);
    uint32_t *stack = malloc(sizeof(uint32_t) * n);
    if (!ink || !stack) {
        free(ink);
        free(stack);
        raster_free(g);
        return -ENOMEM;
    }
    size_t nink = 0, perim = 0;
    for (size_t i = 0; i < n; i++)
        if ((int)g->pix[i] < thr) {
            ink[i] = 1;
            nink++;
        }
    /* Blobs (8-connected), bounding box of the blobs that count, perimeter. */
    sig_result_t res;
    memset(&res, 0, sizeof(res));
    uint32_t x0 = w, y0 = h, x1 = 0, y1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (ink[i] != 1)
            continue;
        size_t top = 0, size = 0;
        uint32_t bx0 = w, by0 = h, bx1 = 0, by1 = 0;
        stack[top++] = (uint32_t)i;
        ink[i] = 2;
        while (top) {
            uint32_t p = stack[--top];
            uint32_t x = p % w, y = p / w;
            size++;
            bx0 = x < bx0 ? x : bx0;
            bx1 = x > bx1 ? x : bx1;
            by0 = y < by0 ? y : by0;
            by1 = y > by1 ? y : by1;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int64_t xx = (int64_t)x + dx, yy = (int64_t)y + dy;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                    size_t q = (size_t)yy * w + (size_t)xx;
                    if (ink[q] == 1) {
                        ink[q] = 2;
                        stack[top++] = (uint32_t)q;
                    }
                }
        }
        if (size >= cfg->min_blob) {
            res.strokes++;
            x0 = bx0 < x0 ? bx0 : x0;
            y0 = by0 < y0 ? by0 : y0;
            x1 = bx1 > x1 ? bx1 : x1;
            y1 = by1 > y1 ? by1 : y1;
        }
    }
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (!ink[i])
                continue;
            if (x == 0 || y == 0 || x + 1 == w || y + 1 == h || !ink[i - 1] || !ink[i + 1] || !ink[i - w] ||
                !ink[i + w])
                perim++;
        }
    free(ink);
    free(stack);
    raster_free(g);
    res.ink_share = (double)nink / (double)n;
    bool empty = res.ink_share < cfg->min_ink_share || res.strokes == 0;
    if (!empty) {
        double bw = x1 - x0 + 1.0, bh = y1 - y0 + 1.0;
        res.width_share = bw / w;
        res.height_share = bh / h;
        /* An ink line's outline runs along both of its sides: path ~ perimeter / 2. */
        res.path_ratio = (perim / 2.0) / (bw > bh ? bw : bh);
    }
    judge(cfg, &res, empty);
    *ret = res;
    return 0;
}

int sig_check_points(
    const sig_point_t *pts, size_t n, double pad_w, double pad_h, const sig_config_t *cfg, sig_result_t *ret)
{
    sig_config_t defaults;
    if (!cfg) {
        sig_config_default(&defaults);
        cfg = &defaults;
    }
    if (!(pad_w > 0) || !(pad_h > 0) || n > LIMIT_SIG_POINTS || (n && !pts))
        return -EINVAL;
    sig_result_t res;
    memset(&res, 0, sizeof(res));
    double x0 = pad_w, y0 = pad_h, x1 = 0, y1 = 0, path = 0;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const sig_point_t *p = &pts[i];
        if (!(p->x >= 0 && p->x <= pad_w && p->y >= 0 && p->y <= pad_h))
            return -EINVAL;
        x0 = p->x < x0 ? p->x : x0;
        y0 = p->y < y0 ? p->y : y0;
        x1 = p->x > x1 ? p->x : x1;
        y1 = p->y > y1 ? p->y : y1;
        if (i > 0 && pts[i - 1].stroke == p->stroke) {
            path += hypot((double)p->x - pts[i - 1].x, (double)p->y - pts[i - 1].y);
            run++;
        } else {
            run = 0;
        }
        if (run == 1) /* a stroke counts once it has moved */
            res.strokes++;
    }
    bool empty = res.strokes == 0 || path <= 0;
    if (!empty) {
        double bw = x1 - x0, bh = y1 - y0, side = bw > bh ? bw : bh;
        res.width_share = bw / pad_w;
        res.height_share = bh / pad_h;
        res.path_ratio = side > 0 ? path / side : 0;
    }
    judge(cfg, &res, empty);
    *ret = res;
    return 0;
}
