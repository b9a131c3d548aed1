#pragma once
/* Test and benchmark fixtures for capture quality: a seeded synthetic
 * fingerprint (a crude ridge pattern, not SFinGe: enough to know the answer
 * a quality measure should give) and deterministic degradations (blur,
 * noise, low contrast, wet smudge, dry breaks, partial contact), used by
 * tests/unit/test_fpquality.c and bench/bio/. Header-only, static. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bio/raster.h"

typedef struct fx_rng {
    uint64_t s;
} fx_rng_t;

static inline uint32_t fx_next(fx_rng_t *r)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(r->s >> 33);
}

static inline double fx_uniform(fx_rng_t *r)
{
    return (fx_next(r) + 0.5) / 2147483648.0;
}

static inline double fx_gauss(fx_rng_t *r)
{
    double u = fx_uniform(r), v = fx_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2 * M_PI * v);
}

static inline uint8_t fx_clip(double v)
{
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v + 0.5));
}

/* Gaussian blur of a grey raster in place (separable, sigma in px). */
static inline void fx_blur(raster_t *g, double sigma)
{
    int rad = (int)ceil(3 * sigma);
    if (rad < 1)
        return;
    double *k = malloc(sizeof(double) * (size_t)(2 * rad + 1)), ks = 0;
    for (int i = -rad; i <= rad; i++)
        ks += k[i + rad] = exp(-(double)i * i / (2 * sigma * sigma));
    int w = (int)g->width, h = (int)g->height;
    double *tmp = malloc(sizeof(double) * (size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int i = -rad; i <= rad; i++) {
                int xx = x + i < 0 ? 0 : (x + i >= w ? w - 1 : x + i);
                s += k[i + rad] * g->pix[(size_t)y * w + xx];
            }
            tmp[(size_t)y * w + x] = s / ks;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int i = -rad; i <= rad; i++) {
                int yy = y + i < 0 ? 0 : (y + i >= h ? h - 1 : y + i);
                s += k[i + rad] * tmp[(size_t)yy * w + x];
            }
            g->pix[(size_t)y * w + x] = fx_clip(s / ks);
        }
    free(tmp);
    free(k);
}

static inline void fx_noise(raster_t *g, double sigma, uint64_t seed)
{
    fx_rng_t r = {seed * 2654435761u + 7};
    size_t n = (size_t)g->width * g->height * g->channels;
    for (size_t i = 0; i < n; i++)
        g->pix[i] = fx_clip(g->pix[i] + sigma * fx_gauss(&r));
}

/* Squeezes grey levels towards `centre` by `factor` (0..1). */
static inline void fx_contrast(raster_t *g, double factor, double centre)
{
    size_t n = (size_t)g->width * g->height * g->channels;
    for (size_t i = 0; i < n; i++)
        g->pix[i] = fx_clip(centre + (g->pix[i] - centre) * factor);
}

/* A seeded synthetic plain fingerprint, w x h grey at 500 ppi: elliptical
 * fingertip, whorl-to-arch ridges (level lines of a warped distance to a
 * core), ridge period 8-11 px, dark ridges about 45 % of the period on light
 * valleys, uneven ink, pores, sensor noise. */
static inline raster_t *fx_finger(uint32_t w, uint32_t h, uint64_t seed)
{
    raster_t *g = NULL;
    if (raster_new(w, h, 1, 232, &g) < 0)
        return NULL;
    g->ppi = 500;
    fx_rng_t r = {seed + 1};
    double period = 8 + 3 * fx_uniform(&r);
    double cx = w * (0.40 + 0.2 * fx_uniform(&r)), cy = h * (0.35 + 0.15 * fx_uniform(&r));
    double ex = w * (0.40 + 0.05 * fx_uniform(&r)), ey = h * (0.44 + 0.04 * fx_uniform(&r));
    double ph1 = 6.28 * fx_uniform(&r), ph2 = 6.28 * fx_uniform(&r), ph3 = 6.28 * fx_uniform(&r);
    double warp = 3 + 5 * fx_uniform(&r), open = 0.6 + 0.3 * fx_uniform(&r);
    double mx = w / 2.0, my = h / 2.0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double ux = (x - mx) / ex, uy = (y - my) / ey;
            double rr = ux * ux + uy * uy;
            if (rr > 1)
                continue;
            double dx = x - cx, dy = y - cy;
            /* Circles above the core open into arches below it. */
            double d = sqrt(dx * dx + dy * dy) - open * (dy > 0 ? dy : 0);
            d += warp * sin(x / 37.0 + ph1) + warp * 0.6 * sin(y / 53.0 + ph2);
            double ph = d / period - floor(d / period); /* 0..1 across one ridge+valley */
            double ink = 0.75 + 0.25 * sin(x / 23.0 + ph3) * sin(y / 29.0 + ph1);
            double v = fabs(ph - 0.5) < 0.225 ? ink : 0.0; /* ridge */
            double edge = rr > 0.85 ? (1 - rr) / 0.15 : 1; /* lighter contact at the rim */
            g->pix[(size_t)y * w + x] = fx_clip(215 - 150 * v * edge);
        }
    /* Pores: small light dots on the ridges. */
    int pores = (int)(w * h / 700);
    for (int i = 0; i < pores; i++) {
        uint32_t x = (uint32_t)(fx_uniform(&r) * (w - 2)), y = (uint32_t)(fx_uniform(&r) * (h - 2));
        if (g->pix[(size_t)y * w + x] < 150)
            g->pix[(size_t)y * w + x] = g->pix[(size_t)y * w + x + 1] = 185;
    }
    fx_blur(g, 1.4);
    fx_noise(g, 5, seed ^ 0x5a5a);
    return g;
}

/* Wet or over-pressed: darker, the valleys fill in. */
static inline void fx_wet_r(raster_t *g, int r, double dark)
{
    /* Ridges spread (a (2r+1)^2 minimum filter), then darken and soften. */
    int w = (int)g->width, h = (int)g->height;
    uint8_t *src = malloc((size_t)w * h);
    memcpy(src, g->pix, (size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t m = 255;
            for (int dy = -r; dy <= r; dy++)
                for (int dx = -r; dx <= r; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx >= 0 && yy >= 0 && xx < w && yy < h && src[(size_t)yy * w + xx] < m)
                        m = src[(size_t)yy * w + xx];
                }
            g->pix[(size_t)y * w + x] = src[(size_t)y * w + x] > 225 ? src[(size_t)y * w + x] : fx_clip(m * dark);
        }
    free(src);
    fx_blur(g, 1.2);
}

static inline void fx_wet(raster_t *g)
{
    fx_wet_r(g, 2, 0.6);
}

/* Dry: lighter, ridges broken into dots by seeded blank patches (one per
 * `per` pixels), contrast squeezed by `squeeze`. */
static inline void fx_dry_n(raster_t *g, uint64_t seed, int per, double squeeze)
{
    fx_rng_t r = {seed + 99};
    int w = (int)g->width, h = (int)g->height;
    int spots = w * h / per;
    for (int s = 0; s < spots; s++) {
        int x0 = (int)(fx_uniform(&r) * w), y0 = (int)(fx_uniform(&r) * h);
        int rad = 2 + (int)(fx_uniform(&r) * 3);
        for (int y = y0 - rad; y <= y0 + rad; y++)
            for (int x = x0 - rad; x <= x0 + rad; x++)
                if (x >= 0 && y >= 0 && x < w && y < h && (x - x0) * (x - x0) + (y - y0) * (y - y0) <= rad * rad)
                    g->pix[(size_t)y * w + x] = fx_clip(235 - 10 * fx_uniform(&r));
    }
    fx_contrast(g, squeeze, 250);
}

static inline void fx_dry(raster_t *g, uint64_t seed)
{
    fx_dry_n(g, seed, 90, 0.55);
}

/* Partial contact: only the part above `keep` (share of the height) and
 * left of `keepx` (share of the width) touched the glass. */
static inline void fx_partial(raster_t *g, double keep, double keepx)
{
    uint32_t ky = (uint32_t)(g->height * keep), kx = (uint32_t)(g->width * keepx);
    for (uint32_t y = 0; y < g->height; y++)
        for (uint32_t x = 0; x < g->width; x++)
            if (y >= ky || x >= kx)
                g->pix[(size_t)y * g->width + x] = 235;
}
