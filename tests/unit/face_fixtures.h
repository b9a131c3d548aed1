#pragma once
/* Face test and benchmark fixtures: public-domain portraits packaged in
 * Debian and deterministic variants of them, one per portrait rule, used by
 * tests/unit/test_facecheck.c and bench/bio/face_bench.c. Header-only.
 *   grace_hopper.jpg  python-matplotlib-data (US Navy photograph, public domain)
 *   astronaut.png     python3-skimage (NASA photograph of Eileen Collins, public domain) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/facecheck.h"
#include "bio/raster.h"

#define FF_GRACE_HOPPER "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
#define FF_ASTRONAUT "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"

enum {
    FF_ORIGINAL,
    FF_MIRROR,
    FF_LIGHTER,
    FF_DARKER,
    FF_JPEG,
    FF_CROP, /* good */
    FF_BLUR,
    FF_DARK,
    FF_BRIGHT,
    FF_TILT,
    FF_SMALL,
    FF_TWO,
    FF_BUSY,
    FF_UNEVEN, /* bad */
    FF_VARIANTS
};

static inline const char *ff_variant_name(int v)
{
    static const char *n[FF_VARIANTS] = {"original", "mirrored", "lighter", "darker", "jpeg q70", "cropped", "blurred",
        "dark", "overexposed", "tilted 15", "too small", "two faces", "busy background", "uneven light"};
    return v >= 0 && v < FF_VARIANTS ? n[v] : "?";
}

static inline int ff_variant_good(int v)
{
    return v < FF_BLUR;
}

static inline face_reason_t ff_variant_expect(int v)
{
    static const face_reason_t e[FF_VARIANTS] = {FACE_OK, FACE_OK, FACE_OK, FACE_OK, FACE_OK, FACE_OK, FACE_BLURRED,
        FACE_TOO_DARK, FACE_TOO_BRIGHT, FACE_LOOK_STRAIGHT, FACE_MOVE_CLOSER, FACE_TWO_FACES, FACE_BACKGROUND_BUSY,
        FACE_UNEVEN_LIGHT};
    return e[v];
}

static inline raster_t *ff_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    raster_t *r = NULL;
    if (b && fread(b, 1, (size_t)n, f) == (size_t)n)
        raster_decode(b, (size_t)n, 3, &r, NULL);
    free(b);
    fclose(f);
    return r;
}

static inline uint8_t ff_clip(double v)
{
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v + 0.5));
}

static inline raster_t *ff_copy(const raster_t *s)
{
    raster_t *c = NULL;
    raster_crop(s, 0, 0, s->width, s->height, &c);
    return c;
}

/* Bilinear sample of channel ch at (x, y), edge pixels repeated. */
static inline double ff_sample(const raster_t *s, double x, double y, int ch)
{
    int w = (int)s->width, h = (int)s->height, c = (int)s->channels;
    x = x < 0 ? 0 : (x > w - 1 ? w - 1 : x);
    y = y < 0 ? 0 : (y > h - 1 ? h - 1 : y);
    int x0 = (int)x, y0 = (int)y, x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
    double fx = x - x0, fy = y - y0;
    const uint8_t *p = s->pix;
    return (p[((size_t)y0 * w + x0) * c + ch] * (1 - fx) + p[((size_t)y0 * w + x1) * c + ch] * fx) * (1 - fy) +
           (p[((size_t)y1 * w + x0) * c + ch] * (1 - fx) + p[((size_t)y1 * w + x1) * c + ch] * fx) * fy;
}

/* Gaussian blur of every channel (separable). */
static inline void ff_blur(raster_t *g, double sigma)
{
    int rad = (int)ceil(3 * sigma), w = (int)g->width, h = (int)g->height, c = (int)g->channels;
    double *k = malloc(sizeof(double) * (size_t)(2 * rad + 1)), ks = 0;
    double *tmp = malloc(sizeof(double) * (size_t)w * h * c);
    for (int i = -rad; i <= rad; i++)
        ks += k[i + rad] = exp(-(double)i * i / (2 * sigma * sigma));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int i = -rad; i <= rad; i++) {
                    int xx = x + i < 0 ? 0 : (x + i >= w ? w - 1 : x + i);
                    s += k[i + rad] * g->pix[((size_t)y * w + xx) * c + ch];
                }
                tmp[((size_t)y * w + x) * c + ch] = s / ks;
            }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int i = -rad; i <= rad; i++) {
                    int yy = y + i < 0 ? 0 : (y + i >= h ? h - 1 : y + i);
                    s += k[i + rad] * tmp[((size_t)yy * w + x) * c + ch];
                }
                g->pix[((size_t)y * w + x) * c + ch] = ff_clip(s / ks);
            }
    free(tmp);
    free(k);
}

static inline void ff_gain(raster_t *g, double gain, double offset)
{
    size_t n = (size_t)g->width * g->height * g->channels;
    for (size_t i = 0; i < n; i++)
        g->pix[i] = ff_clip(g->pix[i] * gain + offset);
}

/* A kiosk-like frame from a portrait: scaled to `width` (bilinear) and,
 * above the chin and outside an ellipse around the head, the background
 * replaced by a plain light grey with a faint vertical gradient (what a
 * kiosk's backdrop gives). base: face_check's answer on src. */
static inline raster_t *ff_kiosk(const raster_t *src, const face_result_t *base, uint32_t width)
{
    double k = (double)width / src->width;
    uint32_t h = (uint32_t)lround(src->height * k);
    int c = (int)src->channels;
    raster_t *out = NULL;
    if (raster_new(width, h, (uint32_t)c, 0, &out) < 0)
        return NULL;
    double fw = base->fw * k, fh = base->fh * k;
    double fcx = (base->fx + base->fw / 2.0) * k, fcy = (base->fy + base->fh / 2.0) * k;
    double ax = fw * 0.68, ay = fh * 0.85, hcy = fcy - fh * 0.05, chin = fcy + fh * 0.55;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < width; x++) {
            double ex = (x - fcx) / ax, ey = (y - hcy) / ay;
            double r = sqrt(ex * ex + ey * ey);
            /* 0 inside the head, 1 in the background, a soft rim between. */
            double bg = y >= chin ? 0 : (r < 1 ? 0 : (r > 1.06 ? 1 : (r - 1) / 0.06));
            double grey = 196 - 10.0 * y / h;
            for (int ch = 0; ch < c; ch++) {
                double v = ff_sample(src, x / k, y / k, ch);
                out->pix[((size_t)y * width + x) * c + ch] = ff_clip(v * (1 - bg) + grey * bg);
            }
        }
    return out;
}

/* Variant v of src; base is face_check's answer on src (face box). Caller
 * owns the result. */
static inline raster_t *ff_variant(const raster_t *src, const face_result_t *base, int v)
{
    int w = (int)src->width, h = (int)src->height, c = (int)src->channels;
    double fcx = base->fw ? base->fx + base->fw / 2.0 : w / 2.0;
    double fcy = base->fh ? base->fy + base->fh / 2.0 : h / 2.0;
    double fw = base->fw ? base->fw : w / 3.0, fh = base->fh ? base->fh : h / 3.0;
    raster_t *out = NULL;
    switch (v) {
        case FF_ORIGINAL: return ff_copy(src);
        case FF_MIRROR:
            out = ff_copy(src);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    memcpy(out->pix + ((size_t)y * w + x) * c, src->pix + ((size_t)y * w + (w - 1 - x)) * c, (size_t)c);
            return out;
        case FF_LIGHTER:
            out = ff_copy(src);
            ff_gain(out, 1.08, 4);
            return out;
        case FF_DARKER:
            out = ff_copy(src);
            ff_gain(out, 0.92, 0);
            return out;
        case FF_JPEG: {
            uint8_t *b;
            size_t n;
            if (raster_encode_jpeg(src, 70, &b, &n) < 0)
                return NULL;
            raster_decode(b, n, 3, &out, NULL);
            free(b);
            return out;
        }
        case FF_CROP: {
            /* 95 % of the frame, centred on the face, scaled back to full size. */
            double cw = w * 0.95, chh = h * 0.95, x0 = fcx - cw / 2, y0 = h * 0.025;
            if (x0 < 0)
                x0 = 0;
            if (x0 + cw > w)
                x0 = w - cw;
            raster_new((uint32_t)w, (uint32_t)h, (uint32_t)c, 0, &out);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < c; ch++)
                        out->pix[((size_t)y * w + x) * c + ch] =
                            ff_clip(ff_sample(src, x0 + x * cw / w, y0 + y * chh / h, ch));
            return out;
        }
        case FF_BLUR:
            out = ff_copy(src);
            ff_blur(out, 0.018 * fw + 1.0);
            return out;
        case FF_DARK:
            out = ff_copy(src);
            ff_gain(out, 0.35, 0);
            return out;
        case FF_BRIGHT:
            out = ff_copy(src);
            ff_gain(out, 1.9, 40);
            return out;
        case FF_TILT: {
            double a = 15 * M_PI / 180, ca = cos(a), sa = sin(a);
            raster_new((uint32_t)w, (uint32_t)h, (uint32_t)c, 0, &out);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    double dx = x - fcx, dy = y - fcy;
                    double sx = fcx + ca * dx + sa * dy, sy = fcy - sa * dx + ca * dy;
                    for (int ch = 0; ch < c; ch++)
                        out->pix[((size_t)y * w + x) * c + ch] = ff_clip(ff_sample(src, sx, sy, ch));
                }
            return out;
        }
        case FF_SMALL: {
            /* The same photo at 45 %, in the middle of a plain frame of its own
         * mean colour. */
            double mean[3] = {0, 0, 0};
            for (size_t i = 0; i < (size_t)w * h; i++)
                for (int ch = 0; ch < c; ch++)
                    mean[ch] += src->pix[i * c + ch];
            raster_new((uint32_t)w, (uint32_t)h, (uint32_t)c, 0, &out);
            double s = 0.45, ox = w * (1 - s) / 2, oy = h * (1 - s) / 2;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < c; ch++) {
                        double sx = (x - ox) / s, sy = (y - oy) / s;
                        out->pix[((size_t)y * w + x) * c + ch] = sx >= 0 && sy >= 0 && sx < w && sy < h
                                                                     ? ff_clip(ff_sample(src, sx, sy, ch))
                                                                     : ff_clip(mean[ch] / ((double)w * h));
                    }
            return out;
        }
        case FF_TWO: {
            /* Two copies side by side, each squeezed to half the width (a
         * second person next to the subject). */
            raster_new((uint32_t)w, (uint32_t)h, (uint32_t)c, 0, &out);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int half = x >= w / 2;
                    double sx = (x - half * (w / 2)) * 2.0, sy = y;
                    /* Keep the aspect: scale both axes by 2 around the face centre height. */
                    sy = fcy + (y - h / 2.0) * 2.0;
                    sx = fcx + (x - half * (w / 2) - w / 4.0) * 2.0;
                    for (int ch = 0; ch < c; ch++)
                        out->pix[((size_t)y * w + x) * c + ch] = ff_clip(ff_sample(src, sx, sy, ch));
                }
            /* Zoom back in so each face keeps a useful size: frame is the pair. */
            return out;
        }
        case FF_BUSY: {
            /* Everything above the chin and outside a head ellipse becomes a
         * high-contrast poster of seeded blocks and stripes. */
            out = ff_copy(src);
            double ax = fw * 0.68, ay = fh * 0.85, hcx = fcx, hcy = fcy - fh * 0.05;
            uint64_t st = 12345;
            uint8_t *poster = malloc((size_t)w * h);
            memset(poster, 128, (size_t)w * h);
            for (int k = 0; k < 160; k++) {
                st = st * 6364136223846793005ULL + 1442695040888963407ULL;
                int bx = (int)((st >> 33) % (uint64_t)w), by = (int)((st >> 13) % (uint64_t)h);
                int bw = 8 + (int)((st >> 45) % 60), bh = 4 + (int)((st >> 51) % 30);
                uint8_t val = (st >> 60) & 1 ? 20 : 240;
                for (int y = by; y < by + bh && y < h; y++)
                    for (int x = bx; x < bx + bw && x < w; x++)
                        poster[(size_t)y * w + x] = ((x / 3 + y / 5) % 3) ? val : (uint8_t)(255 - val);
            }
            double chin = fcy + fh * 0.55;
            for (int y = 0; y < h && y < chin; y++)
                for (int x = 0; x < w; x++) {
                    double ex = (x - hcx) / ax, ey = (y - hcy) / ay;
                    if (ex * ex + ey * ey > 1)
                        for (int ch = 0; ch < c; ch++)
                            out->pix[((size_t)y * w + x) * c + ch] = poster[(size_t)y * w + x];
                }
            free(poster);
            return out;
        }
        case FF_UNEVEN:
            /* Light falling off across the face: gain 1.4 on the left edge of
         * the face box to 0.4 on its right edge. */
            out = ff_copy(src);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    double t = (x - (fcx - fw / 2)) / fw;
                    t = t < 0 ? 0 : (t > 1 ? 1 : t);
                    double gain = 1.4 - 1.0 * t;
                    for (int ch = 0; ch < c; ch++)
                        out->pix[((size_t)y * w + x) * c + ch] = ff_clip(out->pix[((size_t)y * w + x) * c + ch] * gain);
                }
            return out;
        default: return NULL;
    }
}
