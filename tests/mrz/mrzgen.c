/* mrzgen OUTDIR COUNT [SEED [faulty]]: renders COUNT random MRZ documents
 * (TD1, TD2, TD3 in turn) at several sizes with rotation up to ±5°, blur,
 * noise, uneven light and JPEG compression, and writes OUTDIR/truth.tsv with
 * one "file<TAB>line1|line2[|line3]<TAB>parameters" row per image. With
 * "faulty", one check digit of each zone is printed wrong (the truth is the
 * zone as printed): any "valid" answer on that set is a false valid. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "render.h"

static double unif(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xFFFFFF) / (double)0x1000000;
}

/* The degradations of image i: sizes cycle through 18-36 px. */
static struct render_opts pick(unsigned *s, int i)
{
    static const int sizes[] = {18, 22, 26, 30, 36};
    struct render_opts o = {.px = sizes[i % 5],
        .angle_deg = (unif(s) * 2 - 1) * 5,
        .blur = unif(s) * 1.2,
        .noise = unif(s) * 10,
        .light = unif(s) * 0.5,
        .jpeg_quality = unif(s) < 0.5 ? 0 : 40 + (int)(unif(s) * 50),
        .seed = (unsigned)i * 7919u + 1};
    return o;
}

/* Replaces one of the zone's check digits (chosen at random) by another
 * digit. mrz holds the lines separated by '\n'. */
static void spoil_check_digit(unsigned *s, int format, char *mrz)
{
    /* Offsets in the flat text (each line followed by its '\n'). */
    static const int td1[] = {14, 31 + 6, 31 + 14, 31 + 29}, td2[] = {37 + 9, 37 + 19, 37 + 27, 37 + 35},
                     td3[] = {45 + 9, 45 + 19, 45 + 27, 45 + 43};
    const int *at = format == 1 ? td1 : format == 2 ? td2 : td3;
    int p = at[(int)(unif(s) * 4) % 4];
    char was = mrz[p] == '<' ? '0' : mrz[p];
    mrz[p] = (char)('0' + (was - '0' + 1 + (int)(unif(s) * 9)) % 10);
}

static int write_file(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -errno;
    size_t w = fwrite(b, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -EIO;
}

int main(int argc, char **argv)
{
    uint64_t count, seed = 1;
    bool faulty = argc > 4 && strcmp(argv[4], "faulty") == 0;
    if (argc < 3 || parse_u64(argv[2], strlen(argv[2]), 1, 100000, &count) < 0 ||
        (argc > 3 && parse_u64(argv[3], strlen(argv[3]), 0, UINT32_MAX, &seed) < 0) || (argc > 4 && !faulty)) {
        fprintf(stderr, "usage: mrzgen OUTDIR COUNT [SEED [faulty]]\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/truth.tsv", argv[1]);
    FILE *truth = fopen(path, "w");
    if (!truth) {
        perror(path);
        return 1;
    }
    unsigned s = (unsigned)seed;
    for (int i = 0; i < (int)count; i++) {
        char mrz[3 * 45], *lines[3];
        render_random_mrz(&s, 1 + i % 3, mrz);
        if (faulty)
            spoil_check_digit(&s, 1 + i % 3, mrz);
        size_t n = 0;
        for (char *p = mrz; p && n < 3; n++) {
            lines[n] = p;
            p = strchr(p, '\n');
            if (p)
                *p++ = '\0';
        }
        struct render_opts o = pick(&s, i);
        unsigned char *img;
        size_t len;
        int r = render_mrz((const char *const *)lines, n, &o, &img, &len);
        if (r < 0) {
            fprintf(stderr, "render failed: %d\n", r);
            return 1;
        }
        char name[64];
        snprintf(name, sizeof name, "mrz%05d.%s", i, o.jpeg_quality ? "jpg" : "png");
        snprintf(path, sizeof path, "%s/%s", argv[1], name);
        r = write_file(path, img, len);
        free(img);
        if (r < 0) {
            fprintf(stderr, "%s: write failed\n", path);
            return 1;
        }
        fprintf(truth, "%s\t%s|%s%s%s\tpx=%d angle=%.2f blur=%.2f noise=%.1f light=%.2f jpeg=%d\n", name, lines[0],
            lines[1], n > 2 ? "|" : "", n > 2 ? lines[2] : "", o.px, o.angle_deg, o.blur, o.noise, o.light,
            o.jpeg_quality);
    }
    return fclose(truth) == 0 ? 0 : 1;
}
