/* fpq_bench AN2K_DIR [EXTRA_JP2...]: how well the fingerprint score separates
 * good captures from degraded ones, and how long it takes.
 *
 * Good set: seeded synthetic plain fingers (tests/unit/bio_fixtures.h) and
 * real prints from NIST's public-domain files: finger-sized tiles of the
 * 1000 ppi lossless JPEG 2000 palm in type9-15.an2k, the Type-3 finger of
 * type3.an2k (250 ppi, doubled), and any extra JPEG 2000 finger images given
 * (e.g. libbiomeval's img.jp2). Bad set: each good sample blurred, noisy,
 * faint, wet, dry and partial (deterministic). Prints ROC AUC, error rates
 * at the configured threshold, reason accuracy per degradation, and time
 * per finger and per 4-finger slap (one thread). --dump DIR writes PNGs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bio/fpquality.h"
#include "nistimg.h"
#include "../../tests/unit/bio_fixtures.h"

#define FW 320 /* finger tile, 500 ppi: 0.64 x 0.88 in */
#define FH 440
#define MAXS 8192

enum { D_NONE, D_BLUR, D_NOISE, D_FAINT, D_WET, D_DRY, D_PARTIAL, D_COUNT };
static const char *dname[D_COUNT] = {"good", "blur", "noise", "faint", "wet", "dry", "partial"};
static const fpq_reason_t dwant[D_COUNT] = {
    FPQ_OK, FPQ_HOLD_STILL, FPQ_CLEAN_GLASS, FPQ_PRESS_HARDER, FPQ_TOO_WET, FPQ_TOO_DRY, FPQ_PRESS_FLATTER};

typedef struct sample {
    int score;
    int deg;
    int real;
    int mild; /* a milder copy of the degradation: reported apart, not in AUC */
    fpq_reason_t reason;
} sample_t;

static sample_t S[MAXS];
static int NS;
static const char *dump_dir;
static double t_total;
static long t_n;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static raster_t *copy(const raster_t *r)
{
    raster_t *c = NULL;
    if (raster_crop(r, 0, 0, r->width, r->height, &c) < 0)
        return NULL;
    return c;
}

static void degrade_mild(raster_t *g, int d, uint64_t seed)
{
    switch (d) {
        case D_BLUR: fx_blur(g, 1.6); break;
        case D_NOISE: fx_noise(g, 28, seed); break;
        case D_FAINT: fx_contrast(g, 0.3, 240); break;
        case D_WET: fx_wet_r(g, 1, 0.75); break;
        case D_DRY: fx_dry_n(g, seed, 250, 0.75); break;
        case D_PARTIAL: fx_partial(g, 0.65, 0.80); break;
        default: break;
    }
}

static void degrade(raster_t *g, int d, uint64_t seed)
{
    switch (d) {
        case D_BLUR: fx_blur(g, 2.6); break;
        case D_NOISE: fx_noise(g, 55, seed); break;
        case D_FAINT: fx_contrast(g, 0.12, 240); break;
        case D_WET: fx_wet(g); break;
        case D_DRY: fx_dry(g, seed); break;
        case D_PARTIAL: fx_partial(g, 0.40, 0.55); break;
        default: break;
    }
}

static void score_all(const raster_t *good, int real, uint64_t seed, const char *tag)
{
    for (int d = 0; d < D_COUNT && NS < MAXS; d++) {
        raster_t *g = copy(good);
        if (!g)
            exit(1);
        degrade(g, d, seed * 31 + (uint64_t)d);
        fpq_result_t r;
        double t0 = now();
        if (fpq_score(g, NULL, &r) < 0) {
            fprintf(stderr, "score failed\n");
            exit(1);
        }
        t_total += now() - t0;
        t_n++;
        S[NS++] = (sample_t){r.score, d, real, 0, r.reason};
        if (d != D_NONE && NS < MAXS) {
            raster_t *m = copy(good);
            degrade_mild(m, d, seed * 31 + (uint64_t)d);
            fpq_result_t rm;
            fpq_score(m, NULL, &rm);
            S[NS++] = (sample_t){rm.score, d, real, 1, rm.reason};
            raster_free(m);
        }
        if (getenv("FPQ_VERBOSE"))
            fprintf(stderr,
                "%-14s %-8s score %3d %-13s fg %4u mmb %5.1f con %5.1f ocl %.2f lcs %.2f rvu %.2f fda %.2f of %.2f sh %.2f\n",
                tag, dname[d], r.score, fpq_reason_code(r.reason), r.m.fg_blocks, r.m.mmb, r.m.contrast, r.m.ocl,
                r.m.lcs, r.m.rvu, r.m.fda, r.m.of, r.m.sharpness);
        if (dump_dir && seed < 3) {
            uint8_t *png;
            size_t len;
            if (raster_encode_png(g, &png, &len) == 0) {
                char path[512];
                snprintf(path, sizeof(path), "%s/%s-%s.png", dump_dir, tag, dname[d]);
                FILE *f = fopen(path, "wb");
                if (f) {
                    fwrite(png, 1, len, f);
                    fclose(f);
                }
                free(png);
            }
        }
        raster_free(g);
    }
}

/* A real print: the whole image and every finger-sized tile that is mostly
 * print (tiles overlap by half; they are not independent samples). */
static int add_real(const raster_t *img, const char *name, const fpq_config_t *cfg)
{
    char tag[48];
    int n = 0;
    snprintf(tag, sizeof(tag), "%s", name);
    score_all(img, 1, 1000 + (uint64_t)NS, tag);
    n++;
    for (uint32_t y = 0; y + FH <= img->height; y += FH / 2)
        for (uint32_t x = 0; x + FW <= img->width; x += FW / 2) {
            raster_t *t = NULL;
            if (raster_crop(img, x, y, FW, FH, &t) < 0)
                continue;
            fpq_result_t r;
            if (fpq_score(t, cfg, &r) == 0 && r.m.fg_blocks >= r.m.blocks * 8 / 10) {
                snprintf(tag, sizeof(tag), "%s-%u-%u", name, x, y);
                score_all(t, 1, 1000 + (uint64_t)NS, tag);
                n++;
            }
            raster_free(t);
        }
    return n;
}

/* AUC of good (d == 0) against bad of degradation `d` (-1: all), optionally
 * only real or only synthetic samples (real: -1 both). */
static double auc(int d, int real)
{
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < NS; i++) {
        if (S[i].deg != D_NONE || (real >= 0 && S[i].real != real))
            continue;
        for (int j = 0; j < NS; j++) {
            if (S[j].mild || S[j].deg == D_NONE || (d >= 0 && S[j].deg != d) || (real >= 0 && S[j].real != real))
                continue;
            wins += S[i].score > S[j].score ? 1 : (S[i].score == S[j].score ? 0.5 : 0);
            pairs++;
        }
    }
    return pairs ? wins / pairs : 0;
}

static void rates(int real, int thr)
{
    int ng = 0, fr = 0, nb = 0, fa = 0;
    for (int i = 0; i < NS; i++) {
        if ((real >= 0 && S[i].real != real) || S[i].mild)
            continue;
        if (S[i].deg == D_NONE) {
            ng++;
            fr += S[i].reason != FPQ_OK;
        } else {
            nb++;
            fa += S[i].reason == FPQ_OK;
        }
    }
    printf("  %-10s good %4d, rejected %5.1f %%; degraded %4d, accepted %5.1f %%\n",
        real < 0 ? "all" : (real ? "real" : "synthetic"), ng, ng ? 100.0 * fr / ng : 0, nb, nb ? 100.0 * fa / nb : 0);
    (void)thr;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fpq_bench AN2K_DIR [--dump DIR] [EXTRA.jp2 ...]\n");
        return 2;
    }
    const char *dir = argv[1];
    int nsyn = getenv("FPQ_SYNTH") ? (int)strtol(getenv("FPQ_SYNTH"), NULL, 10) : 200;
    fpq_config_t cfg;
    fpq_config_default(&cfg);
    char path[512];
    int nreal = 0;

    /* NIST's 1000 ppi JPEG 2000 "palm" in type9-15.an2k turned out to be a
     * maze-like test pattern, not a palm: reported on its own below. */
    raster_t *palm = NULL;
    fpq_result_t pr = {0};
    snprintf(path, sizeof(path), "%s/type9-15.an2k", dir);
    if (nistimg_load(path, 15, 1, &palm) == 0)
        fpq_score(palm, &cfg, &pr);
    raster_free(palm);

    /* Real: the Type-3 finger of type3.an2k (250 ppi, doubled to 500). */
    raster_t *t3 = NULL;
    snprintf(path, sizeof(path), "%s/type3.an2k", dir);
    if (nistimg_load(path, 3, 0, &t3) == 0) {
        raster_t *up = NULL;
        raster_new(t3->width * 2, t3->height * 2, 1, 0, &up);
        for (uint32_t y = 0; y < up->height; y++)
            for (uint32_t x = 0; x < up->width; x++) {
                double sx = x / 2.0, sy = y / 2.0;
                uint32_t x0 = (uint32_t)sx, y0 = (uint32_t)sy;
                uint32_t x1 = x0 + 1 < t3->width ? x0 + 1 : x0, y1 = y0 + 1 < t3->height ? y0 + 1 : y0;
                double fx = sx - x0, fy = sy - y0;
                double v = t3->pix[y0 * t3->width + x0] * (1 - fx) * (1 - fy) +
                           t3->pix[y0 * t3->width + x1] * fx * (1 - fy) + t3->pix[y1 * t3->width + x0] * (1 - fx) * fy +
                           t3->pix[y1 * t3->width + x1] * fx * fy;
                up->pix[(size_t)y * up->width + x] = fx_clip(v);
            }
        up->ppi = 500;
        nreal += add_real(up, "type3", &cfg);
        raster_free(up);
        raster_free(t3);
    }
    /* Real: extra JPEG 2000 finger images named on the command line. */
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            dump_dir = argv[++i];
            continue;
        }
        raster_t *x = NULL;
        if (nistimg_load_jp2_file(argv[i], &x) == 0) {
            x->ppi = 500;
            nreal += add_real(x, "extra", &cfg);
            raster_free(x);
        } else {
            fprintf(stderr, "%s: not read\n", argv[i]);
        }
    }
    /* The Type-13 latent is reported on its own: a latent lift, not a capture. */
    raster_t *lat = NULL;
    snprintf(path, sizeof(path), "%s/type9-13.an2k", dir);
    fpq_result_t lr = {0};
    if (nistimg_load(path, 13, 0, &lat) == 0) {
        fpq_score(lat, &cfg, &lr);
        raster_free(lat);
    }

    for (int s = 0; s < nsyn; s++) {
        raster_t *f = fx_finger(FW, FH, (uint64_t)s);
        char tag[32];
        snprintf(tag, sizeof(tag), "syn%03d", s);
        score_all(f, 0, (uint64_t)s, tag);
        raster_free(f);
    }

    printf("samples: %d good (%d real, %d synthetic), each also degraded 6 ways, severe and mild: %d scores\n",
        nreal + nsyn, nreal, nsyn, NS);
    printf("threshold: score >= %d, not faint, not partial\n", cfg.min_score);
    printf("ROC AUC, good vs degraded (1.0 = perfect separation):\n");
    printf("  %-8s %8s %8s %8s\n", "variant", "all", "real", "synth");
    for (int d = 1; d < D_COUNT; d++)
        printf("  %-8s %8.3f %8.3f %8.3f\n", dname[d], auc(d, -1), auc(d, 1), auc(d, 0));
    printf("  %-8s %8.3f %8.3f %8.3f\n", "any", auc(-1, -1), auc(-1, 1), auc(-1, 0));
    printf("error rates at the threshold:\n");
    rates(-1, cfg.min_score);
    rates(1, cfg.min_score);
    rates(0, cfg.min_score);
    printf("reason given (share of each variant):\n");
    for (int d = 0; d < D_COUNT; d++) {
        int cnt[FPQ_REASON_COUNT] = {0}, n = 0;
        double mean = 0;
        for (int i = 0; i < NS; i++)
            if (S[i].deg == d && !S[i].mild) {
                cnt[S[i].reason]++;
                n++;
                mean += S[i].score;
            }
        printf("  %-8s mean score %5.1f, expected '%s' %5.1f %%;", dname[d], n ? mean / n : 0,
            fpq_reason_code(dwant[d]), n ? 100.0 * cnt[dwant[d]] / n : 0);
        for (int k = 0; k < FPQ_REASON_COUNT; k++)
            if (cnt[k] && k != (int)dwant[d])
                printf(" %s %d", fpq_reason_code((fpq_reason_t)k), cnt[k]);
        printf("\n");
    }
    printf("milder copies (blur 1.6, noise 28, contrast x 0.3, wet 3x3, fewer dry breaks, 65 %% x 80 %% contact):\n");
    for (int d = 1; d < D_COUNT; d++) {
        int n = 0, rej = 0;
        double mean = 0;
        for (int i = 0; i < NS; i++)
            if (S[i].deg == d && S[i].mild) {
                n++;
                rej += S[i].reason != FPQ_OK;
                mean += S[i].score;
            }
        printf("  %-8s mean score %5.1f, rejected %5.1f %%\n", dname[d], n ? mean / n : 0, n ? 100.0 * rej / n : 0);
    }
    printf("NIST Type-13 latent (type9-13.an2k, 191 x 357, not a live capture): score %d, %s\n", lr.score,
        fpq_reason_code(lr.reason));
    printf("NIST type9-15.an2k JPEG 2000 record (a maze test pattern, not a palm): score %d, %s\n", pr.score,
        fpq_reason_code(pr.reason));
    printf("time per finger (%d x %d): %.2f ms\n", FW, FH, 1000 * t_total / (double)t_n);

    /* A 4-finger slap, 1600 x 1000 at 500 ppi, fingers side by side. */
    raster_t *slap = NULL;
    raster_new(1600, 1000, 1, 235, &slap);
    slap->ppi = 500;
    fpq_box_t boxes[4];
    for (int i = 0; i < 4; i++) {
        raster_t *f = fx_finger(FW, FH, 5000 + (uint64_t)i);
        int ox = 60 + i * 380, oy = 120 + (i == 1 || i == 2 ? 0 : 140);
        for (uint32_t y = 0; y < FH; y++)
            memcpy(slap->pix + (size_t)(oy + y) * 1600 + ox, f->pix + (size_t)y * FW, FW);
        boxes[i] = (fpq_box_t){ox, oy, FW, FH, (uint8_t)(2 + i)};
        raster_free(f);
    }
    fpq_slap_result_t sr;
    int reps = 40;
    double t0 = now();
    for (int i = 0; i < reps; i++)
        fpq_slap_check(slap, 13, boxes, 4, NULL, 0, &cfg, &sr);
    double per_slap = (now() - t0) / reps;
    fpq_result_t whole;
    t0 = now();
    for (int i = 0; i < reps; i++)
        fpq_score(slap, &cfg, &whole);
    double per_whole = (now() - t0) / reps;
    printf("time per slap (1600 x 1000, 4 boxes scored): %.2f ms; whole slap image scored: %.2f ms\n", 1000 * per_slap,
        1000 * per_whole);
    printf("slap check: %s, finger scores %d %d %d %d\n", fpq_slap_reason_code(sr.reason), sr.finger[0].score,
        sr.finger[1].score, sr.finger[2].score, sr.finger[3].score);
    raster_free(slap);
    return 0;
}
