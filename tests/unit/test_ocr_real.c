/* The reader on real specimen images (tests/mrz/real, with hand-transcribed
 * ground truth in truth.tsv): every image marked "handled" must be read
 * exactly, and no image may ever be answered valid (the expiry aside) with
 * a misread where a check digit reaches. Accuracy figures are the
 * benchmark's (make bench). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jpeglib.h>
#include <png.h>

#include "base/exif.h"
#include "docs/mrz.h"
#include "docs/ocr.h"
#include "checked.h"
#include "exif_fixture.h"

#define REAL_DIR UCHET_SOURCE_DIR "/tests/mrz/real"
#define IMAGE_MAX (8u << 20)

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = malloc(IMAGE_MAX);
    size_t n = b ? fread(b, 1, IMAGE_MAX, f) : 0;
    fclose(f);
    *len = n;
    return b;
}

/* The next row of truth.tsv: the image's name, its zone (lines joined by
 * '\n') and whether the reader must read it exactly ("handled"). false at
 * the end. Points into row. */
static bool next_truth(FILE *t, char *row, size_t cap, char **name, char **want, bool *must)
{
    while (fgets(row, (int)cap, t)) {
        row[strcspn(row, "\n")] = '\0';
        char *tab = strchr(row, '\t'), *mark;
        if (row[0] == '#' || !tab)
            continue;
        *tab = '\0';
        *name = row, *want = tab + 1;
        mark = strchr(*want, '\t');
        assert_non_null(mark);
        *mark++ = '\0';
        for (char *p = *want; *p; p++)
            if (*p == '|')
                *p = '\n';
        *must = strcmp(mark, "handled") == 0;
        return true;
    }
    return false;
}

static void test_real_images(void **state)
{
    (void)state;
    FILE *t = fopen(REAL_DIR "/truth.tsv", "r");
    assert_non_null(t);
    char row[512], *name, *want;
    bool must;
    unsigned images = 0, handled = 0, unchecked = 0;
    while (next_truth(t, row, sizeof row, &name, &want, &must)) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", REAL_DIR, name);
        size_t len = 0;
        unsigned char *img = slurp(path, &len);
        assert_non_null(img);
        char *text = NULL, *alt = NULL;
        err_t e = {0};
        int r = ocr_read_mrz(img, len, &text, &alt, &e);
        free(img);
        images++;
        handled += must;
        if (r != 0) {
            if (must)
                fail_msg("%s: %s", name, e.code);
            continue;
        }
        char got[3 * 46];
        bool valid;
        assert_int_equal(mrz_judge(text, alt, (struct mrz_date){2026, 1, 1}, '\n', got, sizeof got, &valid), 0);
        if (valid && mrz_misread_where_checked(got, want, '\n'))
            fail_msg("%s: FALSE VALID\nwant %s\ngot  %s", name, want, got);
        unchecked += valid && strcmp(got, want) != 0;
        if (must && strcmp(got, want) != 0)
            fail_msg("%s: read wrong\nwant %s\ngot  %s", name, want, got);
        free(text);
        free(alt);
    }
    fclose(t);
    print_message("%u real images, %u marked handled and read exactly; %u valid with a misread no check "
                  "digit covers (a name)\n",
        images, handled, unchecked);
    assert_true(images >= 19);
}

/* The grey pixels of a JPEG (libjpeg's own errors end the test). */
static unsigned char *grey_of(const unsigned char *jpeg, size_t len, uint32_t *w, uint32_t *h)
{
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr je;
    ci.err = jpeg_std_error(&je);
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, jpeg, (unsigned long)len);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&ci);
    *w = ci.output_width, *h = ci.output_height;
    unsigned char *p = malloc((size_t)*w * *h);
    assert_non_null(p);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = p + (size_t)ci.output_scanline * *w;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    return p;
}

/* Grey pixels as a JPEG at quality 92; cmyk: as a CMYK JPEG the way
 * Adobe's programs write one (black ink only, values inverted so that 255
 * is no ink, an Adobe APP14 marker: libjpeg's default for CMYK). */
static unsigned char *jpeg_of(const unsigned char *grey, uint32_t w, uint32_t h, bool cmyk, size_t *len)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    unsigned char *out = NULL, *four = malloc((size_t)w * 4);
    unsigned long n = 0;
    assert_non_null(four);
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &n);
    ci.image_width = w, ci.image_height = h;
    ci.input_components = cmyk ? 4 : 1, ci.in_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 92, TRUE);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < h) {
        JSAMPROW row = (JSAMPROW)grey + (size_t)ci.next_scanline * w;
        for (uint32_t x = 0; cmyk && x < w; x++)
            four[4 * x] = four[4 * x + 1] = four[4 * x + 2] = 255, four[4 * x + 3] = row[x];
        row = cmyk ? four : row;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(four);
    *len = n;
    return out;
}

/* Reads the image bytes img (taken: freed) as the document check does:
 * the zone after repairs into got, its validity into *valid. Returns the
 * reader's error code (valid until the next call), or NULL when a zone
 * was read. */
static const char *read_judged(unsigned char *img, size_t len, char got[3 * 46], bool *valid)
{
    static char code[ERR_CODE_MAX];
    char *text = NULL, *alt = NULL;
    err_t e = {0};
    got[0] = '\0', *valid = false;
    int r = ocr_read_mrz(img, len, &text, &alt, &e);
    free(img);
    if (r != 0)
        return memcpy(code, e.code, sizeof code);
    assert_int_equal(mrz_judge(text, alt, (struct mrz_date){2026, 1, 1}, '\n', got, 3 * 46, valid), 0);
    free(text);
    free(alt);
    return NULL;
}

/* The pixels of a JPEG or PNG file, grey. */
static unsigned char *grey_of_file(const char *path, uint32_t *w, uint32_t *h)
{
    size_t len = 0;
    unsigned char *file = slurp(path, &len), *p;
    assert_non_null(file);
    if (len > 8 && !png_sig_cmp(file, 0, 8)) {
        png_image pi = {.version = PNG_IMAGE_VERSION};
        assert_true(png_image_begin_read_from_memory(&pi, file, len));
        pi.format = PNG_FORMAT_GRAY;
        p = malloc(PNG_IMAGE_SIZE(pi));
        assert_non_null(p);
        png_color white = {255, 255, 255};
        assert_true(png_image_finish_read(&pi, &white, p, 0, NULL));
        *w = pi.width, *h = pi.height;
    } else {
        p = grey_of(file, len, w, h);
    }
    free(file);
    return p;
}

/* The ICAO Doc 9303 TD2 figure (fastmrz's copy) and its zone. */
#define TD2_FIGURE REAL_DIR "/fm_td2-uto.jpg"
#define TD2_ZONE "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"

/* A specimen taken from a print workflow may be a CMYK JPEG, which
 * libjpeg decodes to CMYK only (it was "not a readable JPEG" before). */
static void test_real_image_cmyk(void **state)
{
    (void)state;
    uint32_t w, h;
    size_t len = 0;
    unsigned char *grey = grey_of_file(TD2_FIGURE, &w, &h), *jpeg = jpeg_of(grey, w, h, true, &len);
    char got[3 * 46];
    bool valid;
    const char *code = read_judged(jpeg, len, got, &valid);
    if (code)
        fail_msg("CMYK: %s", code);
    assert_string_equal(got, TD2_ZONE);
    free(grey);
}

/* A phone stores its sensor's pixels and writes in EXIF how to show them.
 * A real specimen (the ICAO TD2 figure) stored each of the eight ways,
 * tagged with the orientation that shows it upright, is read exactly: the
 * four mirrored ones (2, 4, 5, 7) are read by no turn of the stored page. */
static void test_real_image_every_orientation(void **state)
{
    (void)state;
    uint32_t w, h;
    unsigned char *upright = grey_of_file(TD2_FIGURE, &w, &h);
    unsigned char *stored = malloc((size_t)w * h);
    assert_non_null(stored);
    for (int o = 1; o <= 8; o++) {
        /* stored so that o shows it upright: 6 and 8 undo each other, the
         * rest undo themselves */
        uint32_t sw, sh;
        int undo = o == 6 ? 8 : o == 8 ? 6 : o;
        exif_shown_size(undo, w, h, &sw, &sh);
        exif_upright(undo, upright, w, h, 1, stored);
        size_t jlen, tlen = 0;
        unsigned char *jpeg = jpeg_of(stored, sw, sh, false, &jlen);
        uint8_t app1[64];
        size_t n = exif_fixture_app1(app1, (uint32_t)o, 3, 1, o % 2 == 0);
        unsigned char *tagged = exif_fixture_splice(jpeg, jlen, app1, n, &tlen);
        free(jpeg);
        char got[3 * 46];
        bool valid;
        const char *code = read_judged(tagged, tlen, got, &valid);
        if (code || strcmp(got, TD2_ZONE) != 0)
            fail_msg("orientation %d: %s\n%s", o, code ? code : "read", got);
    }
    free(stored);
    free(upright);
}

/* Grey pixels as PNG bytes (no tag of any kind). */
static unsigned char *png_of(const unsigned char *g, uint32_t w, uint32_t h, size_t *len)
{
    png_image pi = {.version = PNG_IMAGE_VERSION, .width = w, .height = h, .format = PNG_FORMAT_GRAY};
    png_alloc_size_t n = 0;
    assert_true(png_image_write_to_memory(&pi, NULL, &n, 0, g, 0, NULL));
    unsigned char *png = malloc(n);
    assert_non_null(png);
    assert_true(png_image_write_to_memory(&pi, png, &n, 0, g, 0, NULL));
    *len = n;
    return png;
}

/* One handled real image: its name, transcribed zone and grey pixels. */
struct handled {
    const char *name, *want;
    const unsigned char *grey;
    uint32_t w, h;
    unsigned index; /* 0, 1, ... in truth.tsv's order */
};

/* Calls fn for every image of truth.tsv marked "handled"; returns how
 * many. */
static unsigned each_handled(void (*fn)(const struct handled *, void *), void *ctx)
{
    FILE *t = fopen(REAL_DIR "/truth.tsv", "r");
    assert_non_null(t);
    char row[512], *name, *want, path[1024];
    bool must;
    unsigned n = 0;
    while (next_truth(t, row, sizeof row, &name, &want, &must)) {
        if (!must)
            continue;
        snprintf(path, sizeof path, "%s/%s", REAL_DIR, name);
        struct handled im = {.name = name, .want = want, .index = n++};
        unsigned char *grey = grey_of_file(path, &im.w, &im.h);
        im.grey = grey;
        fn(&im, ctx);
        free(grey);
    }
    fclose(t);
    return n;
}

/* One image turned one of three ways, in turn; read exactly. */
static void read_turned(const struct handled *im, void *ctx)
{
    (void)ctx;
    uint32_t tw, th;
    int turn = (int[]){6, 3, 8}[im->index % 3]; /* as EXIF names them */
    exif_shown_size(turn, im->w, im->h, &tw, &th);
    unsigned char *turned = malloc((size_t)im->w * im->h);
    assert_non_null(turned);
    exif_upright(turn, im->grey, im->w, im->h, 1, turned);
    size_t plen = 0;
    unsigned char *png = png_of(turned, tw, th, &plen);
    char got[3 * 46];
    bool valid;
    const char *code = read_judged(png, plen, got, &valid);
    if (code || strcmp(got, im->want) != 0)
        fail_msg("%s turned (%d): %s\nwant %s\ngot  %s", im->name, turn, code ? code : "read wrong", im->want, got);
    free(turned);
}

/* A page photographed turned is read like the page as given: every
 * handled image turned a quarter right, upside down or a quarter left (in
 * turn, one each: a thumbnail is found only enlarged, a zone read only
 * re-sized), stored as PNG without any tag. */
static void test_real_images_turned(void **state)
{
    (void)state;
    assert_true(each_handled(read_turned, NULL) >= 19);
}

/* g (w x h) at (sx, sy), bilinear; white outside. */
static double bilinear(const unsigned char *g, uint32_t w, uint32_t h, double sx, double sy)
{
    if (sx < 0 || sy < 0 || sx >= w - 1 || sy >= h - 1)
        return 255;
    uint32_t x0 = (uint32_t)sx, y0 = (uint32_t)sy;
    double fx = sx - x0, fy = sy - y0;
    const unsigned char *p = g + (size_t)y0 * w + x0;
    return (p[0] * (1 - fx) + p[1] * fx) * (1 - fy) + (p[w] * (1 - fx) + p[w + 1] * fx) * fy;
}

/* g (w x h) turned by deg degrees about its centre onto a canvas that
 * holds all of it, white around (pixel centres at +0.5); *tw x *th. */
static unsigned char *tilted(const unsigned char *g, uint32_t w, uint32_t h, double deg, uint32_t *tw, uint32_t *th)
{
    double a = deg * M_PI / 180, ca = cos(a), sa = sin(a);
    *tw = (uint32_t)(fabs(ca) * w + fabs(sa) * h), *th = (uint32_t)(fabs(sa) * w + fabs(ca) * h);
    unsigned char *o = malloc((size_t)*tw * *th);
    assert_non_null(o);
    for (uint32_t y = 0; y < *th; y++)
        for (uint32_t x = 0; x < *tw; x++) {
            double dx = x - *tw / 2.0, dy = y - *th / 2.0;
            double sx = ca * dx + sa * dy + w / 2.0 - 0.5, sy = -sa * dx + ca * dy + h / 2.0 - 0.5;
            o[(size_t)y * *tw + x] = (unsigned char)(bilinear(g, w, h, sx, sy) + 0.5);
        }
    return o;
}

/* One image tilted; ctx counts those read right. */
static void read_tilted(const struct handled *im, void *ctx)
{
    uint32_t tw, th;
    unsigned char *tilt = tilted(im->grey, im->w, im->h, -6, &tw, &th);
    size_t plen = 0;
    unsigned char *png = png_of(tilt, tw, th, &plen);
    char got[3 * 46];
    bool valid;
    const char *code = read_judged(png, plen, got, &valid);
    if (valid && mrz_misread_where_checked(got, im->want, '\n'))
        fail_msg("%s tilted: FALSE VALID\nwant %s\ngot  %s", im->name, im->want, got);
    *(unsigned *)ctx += !code && strcmp(got, im->want) == 0;
    free(tilt);
}

/* Never a false valid, even where the image nearly supports a second
 * reading that the check digits cannot tell from the first: every real
 * image tilted by 6 degrees (a hand-held photo; the Egyptian passport's
 * number A00051376 then read AO0O51376, two O for 0 at weights 3 and 7
 * that leave both its check digits holding) is read right or answered
 * not valid. */
static void test_real_images_tilted_never_false_valid(void **state)
{
    (void)state;
    unsigned right = 0, n = each_handled(read_tilted, &right);
    print_message("%u handled images tilted by 6 degrees: %u read right, none valid with a misread\n", n, right);
    assert_true(n >= 19);
}

#define FRAME_W 4032
#define FRAME_H 3024

/* g enlarged twice (bilinear) in the middle of a FRAME_W x FRAME_H
 * mid-grey table: a 12-megapixel phone photo of a page that fills half
 * its width. */
static unsigned char *framed(const unsigned char *g, uint32_t w, uint32_t h)
{
    unsigned char *o = malloc((size_t)FRAME_W * FRAME_H);
    assert_non_null(o);
    assert_true(2 * w <= FRAME_W && 2 * h <= FRAME_H);
    memset(o, 140, (size_t)FRAME_W * FRAME_H);
    uint32_t x0 = (FRAME_W - 2 * w) / 2, y0 = (FRAME_H - 2 * h) / 2;
    for (uint32_t y = 0; y < 2 * h; y++)
        for (uint32_t x = 0; x < 2 * w; x++)
            o[(size_t)(y0 + y) * FRAME_W + x0 + x] =
                (unsigned char)(bilinear(g, w, h, (x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5) + 0.5);
    return o;
}

/* A page that fills half of a 12-megapixel phone photo is read: the
 * photo was halved twice to 1008 wide before (glyphs of 4-6 px, not
 * found), and is now brought to 1800. Two specimens of two sources. */
static void test_real_images_in_phone_frame(void **state)
{
    (void)state;
    static const char *CASES[] = {"100_pass-chn.jpg", "fm_pass-gbr.jpg"};
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        FILE *t = fopen(REAL_DIR "/truth.tsv", "r");
        assert_non_null(t);
        char row[512], *name, *want = NULL;
        bool must, found = false;
        while (!found && next_truth(t, row, sizeof row, &name, &want, &must))
            found = strcmp(name, CASES[i]) == 0;
        fclose(t);
        assert_true(found && must);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", REAL_DIR, CASES[i]);
        uint32_t w, h;
        unsigned char *page = grey_of_file(path, &w, &h), *photo = framed(page, w, h);
        size_t len = 0;
        unsigned char *jpeg = jpeg_of(photo, FRAME_W, FRAME_H, false, &len);
        char got[3 * 46];
        bool valid;
        const char *code = read_judged(jpeg, len, got, &valid);
        if (code || strcmp(got, want) != 0)
            fail_msg("%s in a phone frame: %s\nwant %s\ngot  %s", CASES[i], code ? code : "read wrong", want, got);
        free(photo), free(page);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_images),
        cmocka_unit_test(test_real_image_every_orientation),
        cmocka_unit_test(test_real_image_cmyk),
        cmocka_unit_test(test_real_images_turned),
        cmocka_unit_test(test_real_images_tilted_never_false_valid),
        cmocka_unit_test(test_real_images_in_phone_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
