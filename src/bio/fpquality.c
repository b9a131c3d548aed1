#include "bio/fpquality.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BLK 32          /* block side, pixels at 500 ppi */
#define SLANT_ACROSS 32 /* slanted block: samples across the ridges */
#define SLANT_ALONG 16  /* ... and along them */
#define RIDGE_W_MIN 3.0 /* plausible mean ridge width at 500 ppi, px (ISO/IEC 29794-4 LCS) */
#define RIDGE_W_MAX 10.0
#define VALLEY_W_MIN 2.0
#define VALLEY_W_MAX 10.0
#define FDA_K_MIN 2                       /* dominant frequency searched in 2..8 cycles per 32 px: */
#define FDA_K_MAX 8                       /* ridge periods of 16 down to 4 px */
#define OF_ANGLE_MIN (4.0 * M_PI / 180.0) /* orientation change tolerated between blocks */
#define RVU_SCALE 0.5                     /* RVU at which its share of the block quality halves */
#define QUALITY_FLOOR 0.15                /* combined block quality that maps to score 0 ... */
#define QUALITY_FULL 0.65                 /* ... and to 100 */

void fpq_config_default(fpq_config_t *cfg)
{
    cfg->fg_min_std = 6.0;
    cfg->fg_rel_std = 0.30;
    cfg->min_fg_blocks = 60;
    cfg->min_fg_share = 0.40;
    cfg->contrast_low = 5.0;
    cfg->contrast_high = 14.0;
    cfg->contrast_faint = 10.0;
    cfg->sharp_low = 1.0;
    cfg->sharp_high = 1.7;
    cfg->sharp_blur = 1.25;
    cfg->grain_low = 3.5;
    cfg->grain_high = 6.5;
    cfg->wet_mmb = 150.0;
    cfg->dry_mmb = 185.0;
    cfg->dry_contrast = 40.0;
    cfg->min_score = 40;
    cfg->slap_max_overlap = 0.0;
}

static const char *const reason_codes[FPQ_REASON_COUNT] = {
    "ok",
    "no_finger",
    "press_flatter",
    "press_harder",
    "too_wet",
    "too_dry",
    "hold_still",
    "clean_glass",
};
static const char *const reason_texts[FPQ_REASON_COUNT] = {
    "Good.",
    "No finger was found: place your fingers on the glass.",
    "Only part of the finger touched the glass: press the fingers flatter.",
    "The print is too faint: press a little harder.",
    "The fingers are too wet: dry them and press lightly.",
    "The fingers are too dry: breathe on them or touch the moist pad, then try again.",
    "The print is smeared: hold the fingers still until the light goes off.",
    "The print is unclear: clean the glass and your fingers, then try again.",
};

const char *fpq_reason_code(fpq_reason_t r)
{
    return (unsigned)r < FPQ_REASON_COUNT ? reason_codes[r] : "unknown";
}

const char *fpq_reason_text(fpq_reason_t r)
{
    return (unsigned)r < FPQ_REASON_COUNT ? reason_texts[r] : "";
}

/* ---- the working image ----------------------------------------------- */

typedef struct work {
    int w, h;
    float *p; /* w * h grey values */
} work_t;

static float px(const work_t *im, int x, int y)
{
    x = x < 0 ? 0 : (x >= im->w ? im->w - 1 : x);
    y = y < 0 ? 0 : (y >= im->h ? im->h - 1 : y);
    return im->p[(size_t)y * im->w + x];
}

static float bilinear(const work_t *im, float x, float y)
{
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    float fx = x - x0, fy = y - y0;
    float a = px(im, x0, y0), b = px(im, x0 + 1, y0);
    float c = px(im, x0, y0 + 1), d = px(im, x0 + 1, y0 + 1);
    return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
}

/* Grey float copy of img; a ~1000 ppi image is averaged 2 x 2 down to 500. */
static int make_work(const raster_t *img, work_t *ret)
{
    int f = (img->ppi >= 900 && img->ppi <= 1100) ? 2 : 1;
    int w = (int)img->width / f, h = (int)img->height / f;
    if (w < 2 * BLK || h < 2 * BLK)
        return -EINVAL;
    float *p = malloc(sizeof(float) * (size_t)w * h);
    if (!p)
        return -ENOMEM;
    uint32_t ch = img->channels;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            float s = 0;
            for (int dy = 0; dy < f; dy++) {
                for (int dx = 0; dx < f; dx++) {
                    const uint8_t *q = img->pix + ((size_t)(y * f + dy) * img->width + (size_t)(x * f + dx)) * ch;
                    s += ch == 1 ? q[0] : 0.299f * q[0] + 0.587f * q[1] + 0.114f * q[2];
                }
            }
            p[(size_t)y * w + x] = s / (float)(f * f);
        }
    }
    ret->w = w;
    ret->h = h;
    ret->p = p;
    return 0;
}

/* ---- per-block measures ------------------------------------------------ */

typedef struct block {
    float mean, std;
    bool fg;
    float ocl, lcs, fda, rvu; /* rvu < 0: not measurable in this block */
    float theta;              /* ridge direction, radians, mod pi */
    float grad2, lap2;        /* mean squared gradient and Laplacian */
    float sharp;              /* Laplacian / gradient ratio over that of a pure sinusoid */
} block_t;

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* OCL and orientation from the gradient covariance [a c; c b] of the block. */
static void block_orientation(const work_t *im, int x0, int y0, block_t *b)
{
    double a = 0, bb = 0, c = 0, l2 = 0;
    for (int y = y0; y < y0 + BLK; y++) {
        for (int x = x0; x < x0 + BLK; x++) {
            double gx = (px(im, x + 1, y) - px(im, x - 1, y)) * 0.5;
            double gy = (px(im, x, y + 1) - px(im, x, y - 1)) * 0.5;
            double lap = px(im, x + 1, y) + px(im, x - 1, y) + px(im, x, y + 1) + px(im, x, y - 1) - 4.0 * px(im, x, y);
            a += gx * gx;
            bb += gy * gy;
            c += gx * gy;
            l2 += lap * lap;
        }
    }
    double n = BLK * BLK;
    b->grad2 = (float)((a + bb) / n);
    b->lap2 = (float)(l2 / n);
    a /= n;
    bb /= n;
    c /= n;
    double root = sqrt((a - bb) * (a - bb) + 4 * c * c);
    double lmax = (a + bb + root) / 2, lmin = (a + bb - root) / 2;
    b->ocl = lmax > 1e-9 ? (float)(1.0 - lmin / lmax) : 0.0f;
    /* Direction of strongest gradient (across the ridges); ridges run at +90 deg. */
    double phi = 0.5 * atan2(2 * c, a - bb);
    double theta = phi + M_PI / 2;
    if (theta >= M_PI)
        theta -= M_PI;
    b->theta = (float)theta;
}

/* LCS, RVU and FDA from the slanted block: SLANT_ACROSS samples across the
 * ridges times SLANT_ALONG along them, centred on the block. */
static void block_ridges(const work_t *im, int x0, int y0, block_t *b)
{
    float v2[SLANT_ALONG][SLANT_ACROSS];
    double v3[SLANT_ACROSS];
    double phi = b->theta - M_PI / 2;
    float nx = (float)cos(phi), ny = (float)sin(phi); /* across */
    float tx = -ny, ty = nx;                          /* along */
    float cx = x0 + BLK / 2.0f - 0.5f, cy = y0 + BLK / 2.0f - 0.5f;
    for (int i = 0; i < SLANT_ACROSS; i++) {
        double s = 0;
        float u = i - (SLANT_ACROSS - 1) / 2.0f;
        for (int j = 0; j < SLANT_ALONG; j++) {
            float v = j - (SLANT_ALONG - 1) / 2.0f;
            float val = bilinear(im, cx + u * nx + v * tx, cy + u * ny + v * ty);
            v2[j][i] = val;
            s += val;
        }
        v3[i] = s / SLANT_ALONG;
    }
    /* Least-squares line through the profile: the ridge/valley threshold. */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < SLANT_ACROSS; i++) {
        sx += i;
        sy += v3[i];
        sxx += (double)i * i;
        sxy += i * v3[i];
    }
    double n = SLANT_ACROSS;
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    double icpt = (sy - slope * sx) / n;
    double dt[SLANT_ACROSS];
    bool ridge[SLANT_ACROSS];
    for (int i = 0; i < SLANT_ACROSS; i++) {
        dt[i] = icpt + slope * i;
        ridge[i] = v3[i] < dt[i]; /* ridges are dark */
    }

    /* Runs of ridge / valley along the profile. */
    int run_len[SLANT_ACROSS];
    bool run_ridge[SLANT_ACROSS];
    int runs = 0;
    for (int i = 0; i < SLANT_ACROSS; i++) {
        if (i == 0 || ridge[i] != ridge[i - 1]) {
            run_ridge[runs] = ridge[i];
            run_len[runs++] = 0;
        }
        run_len[runs - 1]++;
    }

    /* LCS: only when the mean widths (first run included, the last one cut
     * by the block edge left out) are plausible ridges and valleys. */
    b->lcs = 0;
    if (runs >= 2) {
        double wr = 0, wv = 0;
        int nr = 0, nv = 0;
        for (int k = 0; k < runs - 1; k++) {
            if (run_ridge[k]) {
                wr += run_len[k];
                nr++;
            } else {
                wv += run_len[k];
                nv++;
            }
        }
        wr = nr ? wr / nr : 0;
        wv = nv ? wv / nv : 0;
        if (wr >= RIDGE_W_MIN && wr <= RIDGE_W_MAX && wv >= VALLEY_W_MIN && wv <= VALLEY_W_MAX) {
            long rbad = 0, rn = 0, vbad = 0, vn = 0;
            for (int i = 0; i < SLANT_ACROSS; i++) {
                for (int j = 0; j < SLANT_ALONG; j++) {
                    if (ridge[i]) {
                        rbad += v2[j][i] >= dt[i];
                        rn++;
                    } else {
                        vbad += v2[j][i] < dt[i];
                        vn++;
                    }
                }
            }
            double alpha = vn ? (double)vbad / vn : 1, beta = rn ? (double)rbad / rn : 1;
            b->lcs = (float)(1.0 - (alpha + beta) / 2);
        }
    }

    /* RVU: spread of ridge/valley width ratios over the complete runs
     * (first and last runs are cut by the block edge). */
    b->rvu = -1;
    double ratios[SLANT_ACROSS];
    int nrat = 0;
    for (int k = 1; k + 1 < runs - 1; k++) {
        if (run_ridge[k] && !run_ridge[k + 1])
            ratios[nrat++] = (double)run_len[k] / run_len[k + 1];
    }
    if (nrat >= 2) {
        double m = 0, v = 0;
        for (int k = 0; k < nrat; k++)
            m += ratios[k];
        m /= nrat;
        for (int k = 0; k < nrat; k++)
            v += (ratios[k] - m) * (ratios[k] - m);
        b->rvu = (float)sqrt(v / (nrat - 1));
    }

    /* FDA: amplitude spectrum of the detrended profile; the dominant ridge
     * frequency with a share of its neighbours, over all non-DC amplitude. */
    double amp[SLANT_ACROSS / 2 + 1];
    double total = 0;
    for (int k = 1; k < SLANT_ACROSS / 2; k++) {
        double re = 0, im_ = 0;
        for (int i = 0; i < SLANT_ACROSS; i++) {
            double ang = 2 * M_PI * k * i / SLANT_ACROSS;
            double d = v3[i] - dt[i];
            re += d * cos(ang);
            im_ -= d * sin(ang);
        }
        amp[k] = sqrt(re * re + im_ * im_);
        total += amp[k];
    }
    int kmax = FDA_K_MIN;
    for (int k = FDA_K_MIN; k <= FDA_K_MAX; k++)
        if (amp[k] > amp[kmax])
            kmax = k;
    b->fda = total > 1e-9 ? (float)((amp[kmax] + 0.3 * (amp[kmax - 1] + amp[kmax + 1])) / total) : 0.0f;
    if (b->fda > 1)
        b->fda = 1;
    /* Sharpness: for a pure sinusoid of angular frequency w the ratio of the
     * discrete Laplacian to the central-difference gradient is 2 tan(w / 2);
     * sharp ridge edges, pores and skin texture raise it, blur brings it
     * back down towards 1. */
    double w = 2 * M_PI * kmax / SLANT_ACROSS;
    b->sharp = b->grad2 > 1e-9 ? (float)(sqrt(b->lap2 / b->grad2) / (2 * tan(w / 2))) : 0.0f;
}

/* ---- the score -------------------------------------------------------- */

static double clamp01(double v)
{
    return v < 0 ? 0 : (v > 1 ? 1 : v);
}

int fpq_score(const raster_t *img, const fpq_config_t *cfg, fpq_result_t *ret)
{
    fpq_config_t defaults;
    if (!cfg) {
        fpq_config_default(&defaults);
        cfg = &defaults;
    }
    if (!img || !img->pix)
        return -EINVAL;
    work_t im;
    int r = make_work(img, &im);
    if (r < 0)
        return r;
    int bw = im.w / BLK, bh = im.h / BLK, nb = bw * bh;
    /* Centre the block grid on the image. */
    int ox = (im.w - bw * BLK) / 2, oy = (im.h - bh * BLK) / 2;
    block_t *blk = calloc((size_t)nb, sizeof(*blk));
    float *stds = malloc(sizeof(float) * (size_t)nb);
    bool *keep = malloc((size_t)nb);
    if (!blk || !stds || !keep) {
        free(blk);
        free(stds);
        free(keep);
        free(im.p);
        return -ENOMEM;
    }
    fpq_result_t res;
    memset(&res, 0, sizeof(res));
    double sum_all = 0;
    for (int by = 0; by < bh; by++) {
        for (int bx = 0; bx < bw; bx++) {
            double s = 0, ss = 0;
            for (int y = 0; y < BLK; y++) {
                const float *row = im.p + (size_t)(oy + by * BLK + y) * im.w + ox + bx * BLK;
                for (int x = 0; x < BLK; x++) {
                    s += row[x];
                    ss += (double)row[x] * row[x];
                }
            }
            block_t *b = &blk[by * bw + bx];
            b->mean = (float)(s / (BLK * BLK));
            double var = ss / (BLK * BLK) - (double)b->mean * b->mean;
            b->std = (float)sqrt(var > 0 ? var : 0);
            stds[by * bw + bx] = b->std;
            sum_all += s;
        }
    }
    res.m.blocks = (uint32_t)nb;
    res.m.mu = sum_all / ((double)nb * BLK * BLK);

    /* Foreground: blocks whose spread stands out, then without specks. */
    qsort(stds, (size_t)nb, sizeof(float), cmp_float);
    double thr = cfg->fg_rel_std * stds[(size_t)(0.9 * (nb - 1))];
    if (thr < cfg->fg_min_std)
        thr = cfg->fg_min_std;
    for (int i = 0; i < nb; i++)
        blk[i].fg = blk[i].std >= thr;
    for (int by = 0; by < bh; by++) {
        for (int bx = 0; bx < bw; bx++) {
            int nn = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int x = bx + dx, y = by + dy;
                    if ((dx || dy) && x >= 0 && y >= 0 && x < bw && y < bh && blk[y * bw + x].fg)
                        nn++;
                }
            keep[by * bw + bx] = blk[by * bw + bx].fg && nn >= 2;
        }
    }
    for (int i = 0; i < nb; i++)
        blk[i].fg = keep[i];

    /* Block measures over the foreground. */
    double s_mmb = 0, s_con = 0, s_ocl = 0, s_lcs = 0, s_fda = 0, s_rvu = 0, s_q = 0, s_sh = 0;
    uint32_t nfg = 0, nrvu = 0;
    for (int by = 0; by < bh; by++) {
        for (int bx = 0; bx < bw; bx++) {
            block_t *b = &blk[by * bw + bx];
            if (!b->fg)
                continue;
            int x0 = ox + bx * BLK, y0 = oy + by * BLK;
            block_orientation(&im, x0, y0, b);
            block_ridges(&im, x0, y0, b);
            nfg++;
            s_mmb += b->mean;
            s_con += b->std;
            s_ocl += b->ocl;
            s_lcs += b->lcs;
            s_fda += b->fda;
            s_sh += b->sharp;
            double rvuq = 0.5;
            if (b->rvu >= 0) {
                s_rvu += b->rvu;
                nrvu++;
                rvuq = 1.0 / (1.0 + b->rvu / RVU_SCALE);
            } else {
                rvuq = 0; /* no regular ridge run in the block */
            }
            s_q += 0.35 * b->ocl + 0.35 * b->lcs + 0.15 * clamp01(b->fda * 1.5) + 0.15 * rvuq;
        }
    }
    res.m.fg_blocks = nfg;
    if (nfg) {
        res.m.mmb = s_mmb / nfg;
        res.m.contrast = s_con / nfg;
        res.m.ocl = s_ocl / nfg;
        res.m.lcs = s_lcs / nfg;
        res.m.fda = s_fda / nfg;
        res.m.rvu = nrvu ? s_rvu / nrvu : 0;
        res.m.sharpness = s_sh / nfg;
    }

    /* Orientation flow: mean change of ridge direction to foreground
     * neighbours beyond OF_ANGLE_MIN, scaled to 0..1, turned into quality. */
    double s_of = 0;
    uint32_t n_of = 0;
    for (int by = 0; by < bh; by++) {
        for (int bx = 0; bx < bw; bx++) {
            const block_t *b = &blk[by * bw + bx];
            if (!b->fg)
                continue;
            double loq = 0;
            int nn = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int x = bx + dx, y = by + dy;
                    if (!(dx || dy) || x < 0 || y < 0 || x >= bw || y >= bh || !blk[y * bw + x].fg)
                        continue;
                    double d = fabs((double)b->theta - blk[y * bw + x].theta);
                    if (d > M_PI / 2)
                        d = M_PI - d;
                    if (d > OF_ANGLE_MIN)
                        loq += (d - OF_ANGLE_MIN) / (M_PI / 2 - OF_ANGLE_MIN);
                    nn++;
                }
            if (nn) {
                s_of += loq / nn;
                n_of++;
            }
        }
    }
    res.m.of = n_of ? 1.0 - s_of / n_of : 0;

    double fg_share = (double)nfg / nb;
    /* Blocks without ridges that are dark are not bare glass but a blot
     * (wet or pressed too hard). */
    double s_bg = 0;
    for (int i = 0; i < nb; i++)
        if (!blk[i].fg)
            s_bg += blk[i].mean;
    double bg_mean = nb > (int)nfg ? s_bg / (nb - (int)nfg) : 255;
    if (nfg == 0) {
        res.score = 0;
        res.reason = FPQ_NO_FINGER;
    } else {
        /* Block quality from the 29794-4 measures, then factors for what a
         * block-local measure cannot see: faintness, blur, too little area. */
        double q = (s_q / nfg) * (0.5 + 0.5 * res.m.of);
        double cf = clamp01((res.m.contrast - cfg->contrast_low) / (cfg->contrast_high - cfg->contrast_low));
        double sf = clamp01((res.m.sharpness - cfg->sharp_low) / (cfg->sharp_high - cfg->sharp_low));
        /* Grain: far more fine detail than ridges carry - broken (dry)
         * ridges, dirt, sensor noise. */
        double gf = clamp01((cfg->grain_high - res.m.sharpness) / (cfg->grain_high - cfg->grain_low));
        double af = clamp01((double)nfg / cfg->min_fg_blocks) * clamp01(fg_share / cfg->min_fg_share);
        double score = 100.0 * clamp01((q - QUALITY_FLOOR) / (QUALITY_FULL - QUALITY_FLOOR)) * cf * sf * gf * af;
        res.score = (int)lround(score);
        if (res.m.contrast < cfg->contrast_faint)
            res.reason = FPQ_PRESS_HARDER;
        else if (nfg < cfg->min_fg_blocks || fg_share < cfg->min_fg_share)
            res.reason = bg_mean < cfg->wet_mmb ? FPQ_TOO_WET : FPQ_PRESS_FLATTER;
        else if (res.score >= cfg->min_score)
            res.reason = FPQ_OK;
        else if (res.m.sharpness < cfg->sharp_blur)
            res.reason = FPQ_HOLD_STILL;
        else if (res.m.sharpness < cfg->sharp_high && res.m.mmb < cfg->wet_mmb)
            res.reason = FPQ_TOO_WET;
        else if (res.m.mmb > cfg->dry_mmb && res.m.contrast < cfg->dry_contrast)
            res.reason = FPQ_TOO_DRY;
        else
            res.reason = FPQ_CLEAN_GLASS;
    }
    free(blk);
    free(stds);
    free(keep);
    free(im.p);
    *ret = res;
    return 0;
}

/* ---- slaps ------------------------------------------------------------ */

static const char *const slap_codes[FPQ_SLAP_REASON_COUNT] = {
    "ok",
    "wrong_finger_count",
    "wrong_finger",
    "fingers_together",
    "bad_segment",
    "finger_quality",
};
static const char *const slap_texts[FPQ_SLAP_REASON_COUNT] = {
    "Good.",
    "The scanner did not see the fingers asked for: place exactly those fingers on the glass.",
    "A finger was found that is not part of this capture: place only the fingers shown.",
    "The fingers touch each other: spread them a little apart.",
    "The scanner's finger boxes are not usable: please try again.",
    "One of the fingers is not clear enough: see its own message.",
};

const char *fpq_slap_reason_code(fpq_slap_reason_t r)
{
    return (unsigned)r < FPQ_SLAP_REASON_COUNT ? slap_codes[r] : "unknown";
}

const char *fpq_slap_reason_text(fpq_slap_reason_t r)
{
    return (unsigned)r < FPQ_SLAP_REASON_COUNT ? slap_texts[r] : "";
}

/* The finger positions a slap holds (ANSI/NIST-ITL FGP). */
static int slap_fingers(uint8_t fgp, uint8_t ret_pos[4])
{
    static const uint8_t right4[4] = {2, 3, 4, 5}, left4[4] = {7, 8, 9, 10}, thumbs[2] = {1, 6};
    switch (fgp) {
        case 13: memcpy(ret_pos, right4, 4); return 4;
        case 14: memcpy(ret_pos, left4, 4); return 4;
        case 15: memcpy(ret_pos, thumbs, 2); return 2;
        default: return -EINVAL;
    }
}

static bool in_list(uint8_t v, const uint8_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return true;
    return false;
}

int fpq_slap_check(const raster_t *slap, uint8_t slap_fgp, const fpq_box_t *boxes, size_t n, const uint8_t *exceptions,
    size_t n_exc, const fpq_config_t *cfg, fpq_slap_result_t *ret)
{
    fpq_config_t defaults;
    if (!cfg) {
        fpq_config_default(&defaults);
        cfg = &defaults;
    }
    uint8_t pos[4];
    int np = slap_fingers(slap_fgp, pos);
    if (np < 0 || n > LIMIT_SLAP_FINGERS || !slap || (n && !boxes) || (n_exc && !exceptions))
        return -EINVAL;
    fpq_slap_result_t res;
    memset(&res, 0, sizeof(res));
    uint32_t expected = 0;
    for (int i = 0; i < np; i++)
        if (!in_list(pos[i], exceptions, n_exc))
            expected++;
    res.expected = expected;

    /* Which fingers: each box a finger of this slap, not declared missing,
     * not twice. */
    bool wrong = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t p = boxes[i].position;
        if (!in_list(p, pos, (size_t)np) || in_list(p, exceptions, n_exc))
            wrong = true;
        for (size_t j = 0; j < i; j++)
            if (boxes[j].position == p)
                wrong = true;
    }
    /* Geometry: inside the image, at least two blocks wide and tall. */
    bool outside = false;
    for (size_t i = 0; i < n; i++) {
        const fpq_box_t *b = &boxes[i];
        if (b->x < 0 || b->y < 0 || b->w < 2 * BLK || b->h < 2 * BLK || (int64_t)b->x + b->w > (int64_t)slap->width ||
            (int64_t)b->y + b->h > (int64_t)slap->height)
            outside = true;
    }
    bool overlap = false;
    for (size_t i = 0; i < n && !outside; i++) {
        for (size_t j = i + 1; j < n; j++) {
            const fpq_box_t *a = &boxes[i], *b = &boxes[j];
            int64_t ix = (int64_t)(a->x + a->w < b->x + b->w ? a->x + a->w : b->x + b->w) - (a->x > b->x ? a->x : b->x);
            int64_t iy = (int64_t)(a->y + a->h < b->y + b->h ? a->y + a->h : b->y + b->h) - (a->y > b->y ? a->y : b->y);
            if (ix <= 0 || iy <= 0)
                continue;
            int64_t aa = (int64_t)a->w * a->h, ab = (int64_t)b->w * b->h;
            double share = (double)(ix * iy) / (double)(aa < ab ? aa : ab);
            if (share > cfg->slap_max_overlap)
                overlap = true;
        }
    }
    if (n != expected)
        res.reason = FPQ_SLAP_WRONG_COUNT;
    else if (wrong)
        res.reason = FPQ_SLAP_WRONG_FINGER;
    else if (outside)
        res.reason = FPQ_SLAP_BOX_OUTSIDE;
    else if (overlap)
        res.reason = FPQ_SLAP_OVERLAP;
    if (res.reason != FPQ_SLAP_OK || n == 0) {
        *ret = res;
        return 0;
    }

    /* Each finger's own score, on its box. */
    int worst = 101;
    for (size_t i = 0; i < n; i++) {
        raster_t *crop = NULL;
        int r = raster_crop(slap, boxes[i].x, boxes[i].y, boxes[i].w, boxes[i].h, &crop);
        if (r < 0)
            return r;
        r = fpq_score(crop, cfg, &res.finger[i]);
        raster_free(crop);
        if (r < 0)
            return r;
        if (res.finger[i].score < worst) {
            worst = res.finger[i].score;
            res.worst = i;
        }
        if (res.finger[i].reason != FPQ_OK)
            res.reason = FPQ_SLAP_FINGER_QUALITY;
    }
    *ret = res;
    return 0;
}
