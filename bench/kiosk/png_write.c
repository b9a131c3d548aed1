/* What writing a PNG costs (docs/BENCHMARKS.md, "Kiosk, JPEG 2000 submit"):
 * bio/raster's raster_encode_png keeps every decoded JPEG 2000 capture as PNG.
 * For each PNG given, decoded to 8-bit grey or RGB as raster does, prints
 * the CPU time (best of N) and size of: the simplified libpng API as
 * raster_encode_png used it (size first, then write: two compressions), the
 * same written once into a buffer of PNG_IMAGE_PNG_SIZE_MAX, and libpng's
 * full API at zlib levels 1, 3, 6 (libpng's default), 9 with every filter
 * (libpng's default for 8-bit images) and at level 6 with one filter only.
 *   cc -O2 -Isrc -o png_write bench/kiosk/png_write.c src/base/parse.c \
 *      $(pkg-config --cflags --libs libpng)
 *   ./png_write 10 slap.png face.png ...
 * RUNS is 1 to 1000. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/parse.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct sink {
    unsigned char *p;
    size_t n, cap;
};

static void sink_write(png_structp png, png_bytep data, png_size_t len)
{
    struct sink *s = png_get_io_ptr(png);
    if (s->n + len > s->cap) {
        size_t cap = (s->n + len) * 2;
        unsigned char *p = realloc(s->p, cap);
        if (!p)
            png_error(png, "out of memory");
        s->p = p, s->cap = cap;
    }
    memcpy(s->p + s->n, data, len);
    s->n += len;
}

static void sink_flush(png_structp png)
{
    (void)png;
}

/* libpng's full API: zlib level, filters (PNG_ALL_FILTERS or one). */
static size_t write_full(const png_image *im, const unsigned char *pix, int level, int filters)
{
    struct sink s = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(s.p);
        return 0;
    }
    int ch = im->format == PNG_FORMAT_GRAY ? 1 : 3;
    png_set_write_fn(png, &s, sink_write, sink_flush);
    png_set_compression_level(png, level);
    png_set_filter(png, 0, filters);
    png_set_IHDR(png, info, im->width, im->height, 8, ch == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
        PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (png_uint_32 y = 0; y < im->height; y++)
        png_write_row(png, pix + (size_t)y * im->width * ch);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(s.p);
    return s.n;
}

static size_t write_two_pass(const png_image *im, const unsigned char *pix)
{
    png_image pi = *im;
    png_alloc_size_t n = 0;
    if (!png_image_write_get_memory_size(pi, n, 0, pix, 0, NULL))
        return 0;
    unsigned char *out = malloc(n);
    if (!out || !png_image_write_to_memory(&pi, out, &n, 0, pix, 0, NULL))
        n = 0;
    free(out);
    return n;
}

static size_t write_one_pass(const png_image *im, const unsigned char *pix)
{
    png_image pi = *im;
    png_alloc_size_t n = PNG_IMAGE_PNG_SIZE_MAX(pi);
    unsigned char *out = malloc(n);
    if (!out || !png_image_write_to_memory(&pi, out, &n, 0, pix, 0, NULL))
        n = 0;
    free(out);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: png_write RUNS FILE.png...\n");
        return 2;
    }
    int64_t runs;
    if (parse_i64(argv[1], strlen(argv[1]), 1, 1000, &runs) < 0) {
        fprintf(stderr, "png_write: RUNS must be a whole number from 1 to 1000, not \"%s\"\n", argv[1]);
        return 2;
    }
    static const struct {
        const char *name;
        int kind, level, filters;
    } v[] = {{"simplified, two passes (before)", 0, 0, 0}, {"simplified, one pass", 1, 0, 0},
        {"level 1, all filters", 2, 1, PNG_ALL_FILTERS}, {"level 3, all filters", 2, 3, PNG_ALL_FILTERS},
        {"level 6, all filters", 2, 6, PNG_ALL_FILTERS}, {"level 9, all filters", 2, 9, PNG_ALL_FILTERS},
        {"level 6, none", 2, 6, PNG_FILTER_NONE}, {"level 6, sub", 2, 6, PNG_FILTER_SUB},
        {"level 6, up", 2, 6, PNG_FILTER_UP}, {"level 6, paeth", 2, 6, PNG_FILTER_PAETH}};
    for (int f = 2; f < argc; f++) {
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        if (!png_image_begin_read_from_file(&im, argv[f])) {
            fprintf(stderr, "%s: %s\n", argv[f], im.message);
            return 1;
        }
        im.format = (im.format & PNG_FORMAT_FLAG_COLOR) ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
        unsigned char *pix = malloc(PNG_IMAGE_SIZE(im));
        if (!pix || !png_image_finish_read(&im, NULL, pix, 0, NULL))
            return 1;
        printf("%s (%u x %u, %s)\n", argv[f], im.width, im.height, im.format == PNG_FORMAT_GRAY ? "grey" : "RGB");
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            double best = 1e9;
            size_t n = 0;
            for (int64_t r = 0; r < runs; r++) {
                double t0 = cpu_now();
                n = v[i].kind == 0   ? write_two_pass(&im, pix)
                    : v[i].kind == 1 ? write_one_pass(&im, pix)
                                     : write_full(&im, pix, v[i].level, v[i].filters);
                double t = cpu_now() - t0;
                if (t < best)
                    best = t;
            }
            printf("  %-32s %7.1f ms %9zu bytes\n", v[i].name, best * 1000, n);
        }
        free(pix);
        png_image_free(&im);
    }
    return 0;
}
