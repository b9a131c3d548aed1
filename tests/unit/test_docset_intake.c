/* Unit tests of the document-set intake's pure parts: docset/sniff (what an
 * upload is), docset/seal (pages sealed to their place), docset/page
 * (legibility on drawn rasters) and the category a person's record gives
 * (store/docset: docset_category_for). */
#include <errno.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/limits.h"
#include "docset/page.h"
#include "docset/seal.h"
#include "docset/sniff.h"
#include "store/docset.h"

/* A 1 x 1 grey PNG with a correct IHDR CRC, then its header patched. */
static const uint8_t PNG1[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1,
    0, 0, 0, 1, 8, 0, 0, 0, 0, 0x3a, 0x7e, 0x9b, 0x55};
/* SOI, an APP0 of 16 bytes, SOF0 with height 600 and width 800. */
static const uint8_t JPEG1[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF,
    0xC0, 0, 11, 8, 0x02, 0x58, 0x03, 0x20, 1, 1, 0x11, 0};

static void sniff_png_jpeg_pdf(void **state)
{
    (void)state;
    struct sniff_info in;
    err_t e = {0};
    assert_int_equal(sniff_page(PNG1, sizeof PNG1, SNIFF_PNG, &in, &e), 0);
    assert_int_equal(in.width, 1);
    assert_int_equal(sniff_page(JPEG1, sizeof JPEG1, SNIFF_JPEG, &in, &e), 0);
    assert_int_equal(in.width, 800);
    assert_int_equal(in.height, 600);
    static const char pdf[] = "%PDF-1.7\n...\n%%EOF\n";
    assert_int_equal(sniff_page((const uint8_t *)pdf, sizeof pdf - 1, SNIFF_PDF, &in, &e), 0);
    assert_int_equal(sniff_declared("image/PNG; charset=x", 20), SNIFF_PNG);
    assert_int_equal(sniff_declared("image/gif", 9), SNIFF_NONE);
}

static void sniff_refusals(void **state)
{
    (void)state;
    struct sniff_info in;
    err_t e = {0};
    assert_int_equal(sniff_page(PNG1, sizeof PNG1, SNIFF_JPEG, &in, &e), -ENOTSUP); /* not what was declared */
    assert_string_equal(e.code, "unsupported_media_type");
    uint8_t png[sizeof PNG1];
    memcpy(png, PNG1, sizeof png);
    png[30] ^= 1; /* CRC broken */
    assert_int_equal(sniff_page(png, sizeof png, SNIFF_PNG, &in, &e), -EINVAL);
    assert_string_equal(e.code, "image_corrupt");
    uint8_t jpeg[sizeof JPEG1];
    memcpy(jpeg, JPEG1, sizeof jpeg);
    jpeg[25] = jpeg[26] = 0xFF, jpeg[27] = jpeg[28] = 0xFF; /* 65535 x 65535 */
    assert_int_equal(sniff_page(jpeg, sizeof jpeg, SNIFF_JPEG, &in, &e), -ERANGE);
    assert_string_equal(e.code, "image_too_large");
    assert_int_equal(sniff_page(JPEG1, 12, SNIFF_JPEG, &in, &e), -EINVAL); /* cut in a segment */
    static const char pdf[] = "%PDF-1.7\n no end";
    assert_int_equal(sniff_page((const uint8_t *)pdf, sizeof pdf - 1, SNIFF_PDF, &in, &e), -EINVAL);
    assert_string_equal(e.code, "pdf_unreadable");
    assert_int_equal(sniff_page((const uint8_t *)"", 0, SNIFF_PDF, &in, &e), -ENOTSUP);
}

static void seal_round_trip_and_place(void **state)
{
    (void)state;
    vault_keys_t k = {.n = 1};
    randombytes_buf(k.id[0], VAULT_ID_BYTES);
    randombytes_buf(k.key[0], VAULT_KEY_BYTES);
    uint8_t dk[SEAL_KEY_BYTES], dk2[SEAL_KEY_BYTES], wrapped[SEAL_WRAPPED_BYTES], *blob, *out;
    size_t blen, olen;
    err_t e = {0};
    assert_int_equal(seal_new_key(&k, dk, wrapped, &e), 0);
    assert_int_equal(seal_open_key(&k, wrapped, sizeof wrapped, dk2, &e), 0);
    assert_memory_equal(dk, dk2, sizeof dk);
    assert_int_equal(seal_box(dk, 7, 3, "upload", "page bytes", 10, &blob, &blen, &e), 0);
    assert_int_equal(blen, 10 + SEAL_OVERHEAD);
    assert_int_equal(seal_unbox(dk, 7, 3, "upload", blob, blen, &out, &olen, &e), 0);
    assert_memory_equal(out, "page bytes", 10);
    free(out);
    assert_int_equal(seal_unbox(dk, 7, 4, "upload", blob, blen, &out, &olen, &e), -EINVAL); /* another page */
    assert_int_equal(seal_unbox(dk, 8, 3, "upload", blob, blen, &out, &olen, &e), -EINVAL); /* another set */
    assert_int_equal(seal_unbox(dk, 7, 3, "fields", blob, blen, &out, &olen, &e), -EINVAL);
    blob[blen - 1] ^= 1;
    assert_int_equal(seal_unbox(dk, 7, 3, "upload", blob, blen, &out, &olen, &e), -EINVAL);
    free(blob);
    vault_keys_t other = {.n = 1};
    randombytes_buf(other.id[0], VAULT_ID_BYTES);
    assert_int_equal(seal_open_key(&other, wrapped, sizeof wrapped, dk2, &e), -EINVAL);
    assert_string_equal(e.code, "vault_unknown_key");
}

/* Black lines `h` pixels high every 2h on white: text-like rows. */
static raster_t *lines(unsigned w, unsigned hgt, unsigned h)
{
    raster_t *r = NULL;
    assert_int_equal(raster_new(w, hgt, 1, 255, &r), 0);
    for (unsigned y = hgt / 10; y + h < hgt - hgt / 10; y += 2 * h)
        for (unsigned yy = y; yy < y + h; yy++)
            for (unsigned x = w / 10; x < w - w / 10; x++)
                r->pix[(size_t)yy * w + x] = (x / 3) % 2 ? 0 : 255; /* "glyphs": stripes */
    return r;
}

static void page_glyph_height_and_advice(void **state)
{
    (void)state;
    struct page_quality q;
    err_t e = {0};
    raster_t *big = lines(1200, 1600, 30), *small = lines(1200, 1600, 6), *blank = NULL;
    assert_int_equal(page_measure(big, &q, &e), 0);
    assert_true(q.glyph_px >= 29 && q.glyph_px <= 31);
    assert_true(q.legible);
    assert_int_equal(page_measure(small, &q, &e), 0);
    assert_false(q.legible);
    assert_true(q.advice & PAGE_ADVICE_TOO_FAR);
    assert_int_equal(raster_new(800, 600, 1, 255, &blank), 0);
    assert_int_equal(page_measure(blank, &q, &e), 0);
    assert_true(q.advice & PAGE_ADVICE_NO_TEXT);
    raster_free(big);
    raster_free(small);
    raster_free(blank);
}

static void category_from_the_record(void **state)
{
    (void)state;
    date_t today = date_from_ymd(2025, 10, 31);
    assert_string_equal(docset_category_for("2007-11-01", "TJK", "visa_free", today), "minor");     /* 17 */
    assert_string_equal(docset_category_for("2007-10-31", "TJK", "visa_free", today), "visa_free"); /* 18 today */
    assert_string_equal(docset_category_for("1990-01-01", "KGZ", "visa_free", today), "eaeu");
    assert_string_equal(docset_category_for("1990-01-01", "CHN", "visa", today), "visa");
    assert_null(docset_category_for("1990-02-30", "TJK", "visa", today));
    assert_null(docset_category_for("1990-01-01", "TJK", "other", today));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sniff_png_jpeg_pdf),
        cmocka_unit_test(sniff_refusals),
        cmocka_unit_test(seal_round_trip_and_place),
        cmocka_unit_test(page_glyph_height_and_advice),
        cmocka_unit_test(category_from_the_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
