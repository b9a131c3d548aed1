/* mrz_variants DIR VARIANT: the reader on real images changed the way a
 * phone or a scanner changes them, to see what holds beyond the images as
 * they were published. Reads DIR/truth.tsv (tests/mrz/real's format), takes
 * every image marked "handled", changes its grey pixels by VARIANT, stores
 * the result as PNG (no tag) or JPEG, reads it, and prints how many zones
 * were read right, not found, answered valid with a misread a check digit
 * covers (false valid, must be 0), answered unsure though read right, and
 * the reader's CPU time per image (decoding the PNG or JPEG included).
 * Misreads are listed on stderr; MRZ_VARIANTS_SAVE=DIR keeps the changed
 * images.
 *
 * VARIANT: as | turn90 | turn180 | turn270 | tilt:DEG | scale:F (0.3-1,
 * box-filtered) | contrast:F (around mid-grey) | persp:F (the top row F
 * narrower than the bottom one, a phone tilted back) | jpeg:Q | frame:K
 * (enlarged K times, bilinear, in the middle of a 4032 x 3024 grey
 * table, stored as JPEG at quality 90: a 12-megapixel phone photo of a
 * document that fills a part of the frame). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <png.h>

#include "base/exif.h"
#include "base/file.h"
#include "docs/mrz.h"
#include "docs/ocr.h"
#include "checked.h"

struct grey {
    uint32_t w, h;
    unsigned char *p;
};

struct variant {
    char kind[16];
    double v;
};

/* CPU time of this single-threaded process, in milliseconds. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool decode(const unsigned char *b, size_t n, struct grey *g)
{
    if (n > 8 && !png_sig_cmp(b, 0, 8)) {
        png_image pi = {.version = PNG_IMAGE_VERSION};
        if (!png_image_begin_read_from_memory(&pi, b, n))
            return false;
        pi.format = PNG_FORMAT_GRAY;
        png_color white = {255, 255, 255};
        g->p = malloc(PNG_IMAGE_SIZE(pi));
        g->w = pi.width, g->h = pi.height;
        return g->p && png_image_finish_read(&pi, &white, g->p, 0, NULL);
    }
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr je;
    ci.err = jpeg_std_error(&je); /* the set's files are known good: libjpeg's own exit is fine here */
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, b, (unsigned long)n);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&ci);
    g->w = ci.output_width, g->h = ci.output_height;
    g->p = malloc((size_t)g->w * g->h);
    while (g->p && ci.output_scanline < ci.output_height) {
        JSAMPROW row = g->p + (size_t)ci.output_scanline * g->w;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    return g->p != NULL;
}

static double sample(const struct grey *g, double x, double y)
{
    if (x < 0 || y < 0 || x >= g->w - 1 || y >= g->h - 1)
        return 255;
    uint32_t x0 = (uint32_t)x, y0 = (uint32_t)y;
    double fx = x - x0, fy = y - y0;
    const unsigned char *p = g->p + (size_t)y0 * g->w + x0;
    return (p[0] * (1 - fx) + p[1] * fx) * (1 - fy) + (p[g->w] * (1 - fx) + p[g->w + 1] * fx) * fy;
}

/* Where output pixel (x, y) of an out_w x out_h picture comes from in g. */
static void source_of(const struct variant *v, const struct grey *g, uint32_t out_w, uint32_t out_h, double x, double y,
    double *sx, double *sy)
{
    double dx = x - out_w / 2.0, dy = y - out_h / 2.0;
    if (strcmp(v->kind, "tilt") == 0) {
        double a = v->v * M_PI / 180, ca = cos(a), sa = sin(a);
        *sx = ca * dx + sa * dy + g->w / 2.0, *sy = -sa * dx + ca * dy + g->h / 2.0;
    } else if (strcmp(v->kind, "persp") == 0) {
        double t = dy / (out_h / 2.0); /* -1 at the top, 1 at the bottom */
        *sx = dx * (1 + v->v * t) + g->w / 2.0, *sy = y;
    } else {
        *sx = x, *sy = y;
    }
}

#define FRAME_W 4032
#define FRAME_H 3024

/* g enlarged v->v times in the middle of a FRAME_W x FRAME_H table of
 * mid-grey; false where it does not fit. */
static bool framed(const struct variant *v, const struct grey *g, struct grey *out)
{
    uint32_t w = (uint32_t)(g->w * v->v), h = (uint32_t)(g->h * v->v), x0 = (FRAME_W - w) / 2, y0 = (FRAME_H - h) / 2;
    if (w > FRAME_W || h > FRAME_H || !(out->p = malloc((size_t)FRAME_W * FRAME_H)))
        return false;
    out->w = FRAME_W, out->h = FRAME_H;
    memset(out->p, 140, (size_t)FRAME_W * FRAME_H);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            out->p[(size_t)(y0 + y) * FRAME_W + x0 + x] =
                (unsigned char)(sample(g, (x + 0.5) / v->v - 0.5, (y + 0.5) / v->v - 0.5) + 0.5);
    return true;
}

/* g changed by v (turns, tilt, perspective, contrast, frame; scale
 * box-filters). */
static bool change(const struct variant *v, const struct grey *g, struct grey *out)
{
    if (strcmp(v->kind, "frame") == 0)
        return framed(v, g, out);
    static const struct {
        const char *kind;
        int o;
    } TURNS[] = {{"turn90", 6}, {"turn180", 3}, {"turn270", 8}};
    for (size_t i = 0; i < sizeof TURNS / sizeof TURNS[0]; i++)
        if (strcmp(v->kind, TURNS[i].kind) == 0) {
            exif_shown_size(TURNS[i].o, g->w, g->h, &out->w, &out->h);
            out->p = malloc((size_t)g->w * g->h);
            if (out->p)
                exif_upright(TURNS[i].o, g->p, g->w, g->h, 1, out->p);
            return out->p != NULL;
        }
    double s = strcmp(v->kind, "scale") == 0 ? v->v : 1, c = strcmp(v->kind, "contrast") == 0 ? v->v : 1;
    double a = strcmp(v->kind, "tilt") == 0 ? v->v * M_PI / 180 : 0;
    out->w = (uint32_t)((fabs(cos(a)) * g->w + fabs(sin(a)) * g->h) * s);
    out->h = (uint32_t)((fabs(sin(a)) * g->w + fabs(cos(a)) * g->h) * s);
    out->p = out->w && out->h ? malloc((size_t)out->w * out->h) : NULL;
    int k = s < 1 ? (int)ceil(1 / s) : 1; /* box filter side when shrinking */
    for (uint32_t y = 0; out->p && y < out->h; y++)
        for (uint32_t x = 0; x < out->w; x++) {
            double sum = 0;
            for (int j = 0; j < k; j++)
                for (int i = 0; i < k; i++) {
                    double px = x + (i + 0.5) / k, py = y + (j + 0.5) / k, sx = px / s, sy = py / s;
                    if (s == 1)
                        source_of(v, g, out->w, out->h, px, py, &sx, &sy);
                    sum += sample(g, sx - 0.5, sy - 0.5); /* pixel centres at +0.5 */
                }
            double p = 128 + (sum / (k * k) - 128) * c;
            out->p[(size_t)y * out->w + x] = (unsigned char)(p < 0 ? 0 : p > 255 ? 255 : p + 0.5);
        }
    return out->p != NULL;
}

static unsigned char *encode(const struct variant *v, const struct grey *g, size_t *len)
{
    bool frame = strcmp(v->kind, "frame") == 0; /* a phone stores a JPEG */
    if (frame || strcmp(v->kind, "jpeg") == 0) {
        struct jpeg_compress_struct ci;
        struct jpeg_error_mgr je;
        unsigned char *out = NULL;
        unsigned long n = 0;
        ci.err = jpeg_std_error(&je);
        jpeg_create_compress(&ci);
        jpeg_mem_dest(&ci, &out, &n);
        ci.image_width = g->w, ci.image_height = g->h, ci.input_components = 1, ci.in_color_space = JCS_GRAYSCALE;
        jpeg_set_defaults(&ci);
        jpeg_set_quality(&ci, frame ? 90 : (int)v->v, TRUE);
        jpeg_start_compress(&ci, TRUE);
        while (ci.next_scanline < g->h) {
            JSAMPROW row = g->p + (size_t)ci.next_scanline * g->w;
            jpeg_write_scanlines(&ci, &row, 1);
        }
        jpeg_finish_compress(&ci);
        jpeg_destroy_compress(&ci);
        *len = n;
        return out;
    }
    png_image pi = {.version = PNG_IMAGE_VERSION, .width = g->w, .height = g->h, .format = PNG_FORMAT_GRAY};
    png_alloc_size_t n = 0;
    if (!png_image_write_to_memory(&pi, NULL, &n, 0, g->p, 0, NULL))
        return NULL;
    unsigned char *out = malloc(n);
    if (out && !png_image_write_to_memory(&pi, out, &n, 0, g->p, 0, NULL)) {
        free(out);
        return NULL;
    }
    *len = n;
    return out;
}

/* With MRZ_VARIANTS_SAVE=DIR, the changed image as DIR/NAME.png (or .jpg),
 * to look at what the reader was given. */
static void save(const char *name, const unsigned char *img, size_t len)
{
    const char *dir = getenv("MRZ_VARIANTS_SAVE");
    char path[4096];
    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, img[0] == 0xFF ? "jpg" : "png");
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(img, 1, len, f) != len)
        fprintf(stderr, "%s: cannot save\n", path);
    if (f)
        fclose(f);
}

static bool parse_variant(const char *arg, struct variant *v)
{
    const char *colon = strchr(arg, ':');
    size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
    if (n >= sizeof v->kind)
        return false;
    memcpy(v->kind, arg, n);
    v->kind[n] = '\0';
    v->v = colon ? atof(colon + 1) : 0;
    static const char *KINDS[] = {
        "as", "turn90", "turn180", "turn270", "tilt", "scale", "contrast", "persp", "jpeg", "frame"};
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(v->kind, KINDS[i]) == 0)
            return (strcmp(v->kind, "scale") != 0 || (v->v >= 0.3 && v->v <= 1)) &&
                   (strcmp(v->kind, "frame") != 0 || (v->v >= 1 && v->v <= 8)) &&
                   (strcmp(v->kind, "jpeg") != 0 || (v->v >= 1 && v->v <= 100));
    return false;
}

int main(int argc, char **argv)
{
    struct variant v;
    if (argc != 3 || !parse_variant(argv[2], &v)) {
        fprintf(stderr, "usage: mrz_variants DIR "
                        "as|turn90|turn180|turn270|tilt:DEG|scale:F|contrast:F|persp:F|jpeg:Q|frame:K\n");
        return 2;
    }
    char path[4096], row[512];
    snprintf(path, sizeof path, "%s/truth.tsv", argv[1]);
    FILE *truth = fopen(path, "r");
    if (!truth) {
        perror(path);
        return 1;
    }
    unsigned handled = 0, right = 0, not_found = 0, false_valid = 0, unsure_right = 0;
    double ms = 0;
    while (fgets(row, sizeof row, truth)) {
        row[strcspn(row, "\n")] = '\0';
        char *name = row, *want = strchr(row, '\t'), *mark = want ? strchr(want + 1, '\t') : NULL;
        if (row[0] == '#' || !mark || strcmp(mark + 1, "handled") != 0)
            continue;
        *want++ = '\0', *mark = '\0';
        for (char *p = want; *p; p++)
            *p = *p == '|' ? '\n' : *p;
        snprintf(path, sizeof path, "%s/%s", argv[1], name);
        size_t len = 0, ilen = 0;
        char *bytes = NULL;
        unsigned char *img = NULL;
        file_read_alloc(path, 64u << 20, &bytes, &len, NULL);
        unsigned char *file = (unsigned char *)bytes;
        struct grey g = {0}, c = {0};
        bool ok = file && decode(file, len, &g);
        if (ok && (strcmp(v.kind, "as") == 0 || strcmp(v.kind, "jpeg") == 0))
            c = g, g.p = NULL; /* the pixels as they are */
        else if (ok)
            ok = change(&v, &g, &c);
        if (!ok || !(img = encode(&v, &c, &ilen))) {
            fprintf(stderr, "%s: cannot read or change\n", name);
            return 1;
        }
        save(name, img, ilen);
        char *text = NULL, *alt = NULL, got[3 * 46] = "";
        bool valid = false;
        handled++;
        double t0 = cpu_ms();
        int r = ocr_read_mrz(img, ilen, &text, &alt, NULL);
        ms += cpu_ms() - t0;
        if (r != 0)
            not_found++, fprintf(stderr, "%s: not found\n", name);
        else
            mrz_judge(text, alt, (struct mrz_date){2026, 1, 1}, '\n', got, sizeof got, &valid);
        ok = text && strcmp(got, want) == 0;
        bool fv = valid && !ok && mrz_misread_where_checked(got, want, '\n');
        right += ok, false_valid += fv, unsure_right += ok && strchr(alt, '?');
        if (text && !ok)
            fprintf(stderr, "%s: read wrong%s\n  want %s\n  got  %s\n", name, fv ? " (FALSE VALID)" : "", want, got);
        free(text), free(alt), free(img), free(file), free(g.p), free(c.p);
    }
    fclose(truth);
    printf("variant=%s images=%u read_right=%u not_found=%u false_valid=%u unsure_though_right=%u "
           "cpu_ms_per_image=%.0f\n",
        argv[2], handled, right, not_found, false_valid, unsure_right, handled ? ms / handled : 0);
    return 0;
}
