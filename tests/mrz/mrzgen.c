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
        struct render_opts o;
        render_set_item(&s, i, faulty, mrz, &o);
        size_t n = render_split_lines(mrz, lines);
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
