/* face_bench [--dump DIR] [PORTRAIT...]: how well the face checks separate
 * good kiosk portraits from each failure, and how long a check takes.
 *
 * Portraits: public-domain images packaged in Debian (default: Grace Hopper,
 * US Navy, from python-matplotlib-data; Eileen Collins, NASA, from
 * python3-skimage). From each, deterministic variants: "good" ones that keep
 * the rules (as taken, mirrored, slightly lighter/darker, re-encoded as
 * JPEG, a slightly different crop) and one "bad" one per rule (blurred,
 * dark, overexposed, tilted 15 degrees, face too small, two faces side by
 * side, busy background, uneven light). A variant counts as rejected when
 * face_check reports any reason; the table gives, per variant, how often
 * the expected reason was the one reported. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bio/facecheck.h"
#include "../../tests/unit/bio_fixtures.h"
#include "face_fixtures.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *dump = NULL;
    const char *defaults[] = {FF_GRACE_HOPPER, FF_ASTRONAUT};
    const char **files = defaults;
    int nfiles = 2;
    if (argc > 2 && strcmp(argv[1], "--dump") == 0) {
        dump = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc > 1) {
        files = (const char **)argv + 1;
        nfiles = argc - 1;
    }
    face_detector_t *det = NULL;
    err_t err;
    if (face_detector_open(NULL, &det, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int total[FF_VARIANTS] = {0}, rejected[FF_VARIANTS] = {0}, expected_hit[FF_VARIANTS] = {0};
    double t_sum = 0;
    int t_n = 0;
    for (int f = 0; f < nfiles; f++) {
        raster_t *orig = ff_load(files[f]);
        if (!orig) {
            fprintf(stderr, "%s: not read\n", files[f]);
            continue;
        }
        face_result_t first;
        face_check(det, orig, NULL, &first);
        printf("%s as packaged: %u x %u, %s (face %d px, eyes %.0f px apart, background edges %.1f std %.1f)\n",
            files[f], orig->width, orig->height, face_reason_code(first.reason), first.fw, first.eye_distance,
            first.bg_edges, first.bg_std);
        if (!first.fw) {
            raster_free(orig);
            continue;
        }
        /* Kiosk frames 720-960 px wide (SAP 40 is 768), plain backdrop. */
        for (uint32_t kw = 720; kw <= 960; kw += 80) {
            raster_t *src = ff_kiosk(orig, &first, kw);
            face_result_t base;
            face_check(det, src, NULL, &base);
            printf("  as a kiosk frame: %u x %u, %s (face %d px = %.0f %% of width, eyes %.0f px apart, roll %.1f, "
                   "luma %.0f, light %.2f, background edges %.1f std %.1f, sharpness %.0f)\n",
                src->width, src->height, face_reason_code(base.reason), base.fw, 100 * base.face_share,
                base.eye_distance, base.roll_deg, base.luma, base.light_ratio, base.bg_edges, base.bg_std,
                base.sharpness);
            /* A source that itself fails (e.g. eyes too close) gives bad variants only. */
            for (int v = 0; v < FF_VARIANTS; v++) {
                if (ff_variant_good(v) && base.reason != FACE_OK)
                    continue;
                raster_t *img = ff_variant(src, &base, v);
                if (!img)
                    continue;
                face_result_t r;
                double t0 = now();
                int rc = face_check(det, img, NULL, &r);
                t_sum += now() - t0;
                t_n++;
                if (rc < 0) {
                    fprintf(stderr, "face_check failed: %d\n", rc);
                    return 1;
                }
                total[v]++;
                rejected[v] += r.reason != FACE_OK;
                expected_hit[v] += r.reason == ff_variant_expect(v) ||
                                   (!ff_variant_good(v) && (r.failed & (1u << ff_variant_expect(v))));
                if (getenv("FACE_VERBOSE"))
                    fprintf(stderr,
                        "%-40s %-14s -> %-16s faces %u share %.2f eyes %.0f roll %5.1f luma %3.0f clip %.3f light %.2f bg %.1f/%.1f sharp %.0f\n",
                        files[f], ff_variant_name(v), face_reason_code(r.reason), r.faces, r.face_share, r.eye_distance,
                        r.roll_deg, r.luma, r.clipped, r.light_ratio, r.bg_edges, r.bg_std, r.sharpness);
                if (dump) {
                    uint8_t *b;
                    size_t n;
                    if (raster_encode_png(img, &b, &n) == 0) {
                        char path[512];
                        snprintf(path, sizeof(path), "%s/face%d-%u-%s.png", dump, f, kw, ff_variant_name(v));
                        FILE *o = fopen(path, "wb");
                        if (o) {
                            fwrite(b, 1, n, o);
                            fclose(o);
                        }
                        free(b);
                    }
                }
                raster_free(img);
            }
            raster_free(src);
        }
        raster_free(orig);
    }
    int g_n = 0, g_rej = 0, b_n = 0, b_acc = 0;
    printf("%-16s %6s %9s %22s\n", "variant", "images", "rejected", "expected reason found");
    for (int v = 0; v < FF_VARIANTS; v++) {
        if (!total[v])
            continue;
        printf("%-16s %6d %8.0f%% %14s %5.0f%%\n", ff_variant_name(v), total[v], 100.0 * rejected[v] / total[v],
            face_reason_code(ff_variant_expect(v)), 100.0 * expected_hit[v] / total[v]);
        if (ff_variant_good(v)) {
            g_n += total[v];
            g_rej += rejected[v];
        } else {
            b_n += total[v];
            b_acc += total[v] - rejected[v];
        }
    }
    printf("good variants: %d, falsely rejected %.1f %%; bad variants: %d, falsely accepted %.1f %%\n", g_n,
        g_n ? 100.0 * g_rej / g_n : 0, b_n, b_n ? 100.0 * b_acc / b_n : 0);
    if (t_n)
        printf("time per check: %.1f ms CPU (mean over %d images)\n", 1000 * t_sum / t_n, t_n);
    face_detector_free(det);
    return 0;
}
