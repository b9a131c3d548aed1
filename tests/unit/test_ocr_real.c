/* The reader on real specimen images (tests/mrz/real, with hand-transcribed
 * ground truth in truth.tsv): every image marked "handled" must be read
 * exactly, and no image may ever be answered valid (the expiry aside) with
 * a misread where a check digit reaches. Accuracy figures are the
 * benchmark's (make bench). */
#include <errno.h>
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

static void test_real_images(void **state)
{
    (void)state;
    FILE *t = fopen(REAL_DIR "/truth.tsv", "r");
    assert_non_null(t);
    char row[512];
    unsigned images = 0, handled = 0, unchecked = 0;
    while (fgets(row, sizeof row, t)) {
        row[strcspn(row, "\n")] = '\0';
        char *name = row, *want = strchr(row, '\t'), *mark;
        if (row[0] == '#' || !want)
            continue;
        *want++ = '\0';
        mark = strchr(want, '\t');
        assert_non_null(mark);
        *mark++ = '\0';
        for (char *p = want; *p; p++)
            if (*p == '|')
                *p = '\n';
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", REAL_DIR, name);
        size_t len = 0;
        unsigned char *img = slurp(path, &len);
        assert_non_null(img);
        char *text = NULL, *alt = NULL;
        err_t e = {0};
        int r = ocr_read_mrz(img, len, &text, &alt, &e);
        free(img);
        bool must = strcmp(mark, "handled") == 0;
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

static unsigned char *jpeg_of(const unsigned char *grey, uint32_t w, uint32_t h, size_t *len)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    unsigned char *out = NULL;
    unsigned long n = 0;
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &n);
    ci.image_width = w, ci.image_height = h, ci.input_components = 1, ci.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 92, TRUE);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < h) {
        JSAMPROW row = (JSAMPROW)grey + (size_t)ci.next_scanline * w;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    *len = n;
    return out;
}

/* A phone stores its sensor's pixels and writes in EXIF how to show them.
 * A real specimen (the ICAO TD2 figure) stored each of the eight ways,
 * tagged with the orientation that shows it upright, is read exactly: the
 * four mirrored ones (2, 4, 5, 7) are read by no turn of the stored page. */
static void test_real_image_every_orientation(void **state)
{
    (void)state;
    static const char WANT[] = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";
    size_t len = 0;
    unsigned char *file = slurp(REAL_DIR "/fm_td2-uto.jpg", &len);
    assert_non_null(file);
    uint32_t w, h;
    unsigned char *upright = grey_of(file, len, &w, &h);
    free(file);
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
        unsigned char *jpeg = jpeg_of(stored, sw, sh, &jlen);
        uint8_t app1[64];
        size_t n = exif_fixture_app1(app1, (uint32_t)o, 3, 1, o % 2 == 0);
        unsigned char *tagged = exif_fixture_splice(jpeg, jlen, app1, n, &tlen);
        free(jpeg);
        char *text = NULL, *alt = NULL, got[3 * 46];
        err_t e = {0};
        bool valid;
        if (ocr_read_mrz(tagged, tlen, &text, &alt, &e) != 0)
            fail_msg("orientation %d: %s", o, e.code);
        assert_int_equal(mrz_judge(text, alt, (struct mrz_date){2026, 1, 1}, '\n', got, sizeof got, &valid), 0);
        if (strcmp(got, WANT) != 0)
            fail_msg("orientation %d: read\n%s", o, got);
        free(text);
        free(alt);
        free(tagged);
    }
    free(stored);
    free(upright);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_images),
        cmocka_unit_test(test_real_image_every_orientation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
