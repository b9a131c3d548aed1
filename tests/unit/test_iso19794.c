/* ISO/IEC 19794-4/-5:2011 records (src/bio/iso19794.c): the reader on real
 * records written by MOSIP's reference device service (tests/bio/iso19794/,
 * facts read off their bytes by hand, see its README), on every cut and every
 * damaged length field of them, and the writer read back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/file.h"
#include "bio/iso19794.h"

#define DIR UCHET_SOURCE_DIR "/tests/bio/iso19794/"

static const uint8_t JP2_SIGNATURE[8] = {0, 0, 0, 0x0c, 'j', 'P', ' ', ' '};

static uint8_t *load(const char *name, size_t *ret_len)
{
    char path[512], *buf = NULL;
    snprintf(path, sizeof path, "%s%s", DIR, name);
    assert_int_equal(file_read_alloc(path, (size_t)1 << 24, &buf, ret_len, NULL), 0);
    return (uint8_t *)buf;
}

struct fact {
    const char *file;
    iso_modality_t modality;
    uint8_t position, quality;
    uint16_t width, height, ppi;
    iso_image_kind_t kind;
    size_t image_len, image_at;
};

/* Read off the records' bytes (xxd) by hand, not by this reader. */
static const struct fact FACTS[] = {
    {"auth-left-index.iso", ISO_FINGER, 7, 50, 280, 448, 500, ISO_IMG_JP2, 13009, 62},
    {"auth-left-index-wsq.iso", ISO_FINGER, 7, 50, 280, 448, 500, ISO_IMG_WSQ, 9840, 62},
    /* certification flag set, two certification blocks, after the image 60 bytes of extended
     * data: a segmentation (26), an annotation (9) and a comment block (25) */
    {"registration-left-index.iso", ISO_FINGER, 7, 57, 280, 448, 500, ISO_IMG_JP2, 98650, 69},
    {"auth-face.iso", ISO_FACE, 0, 40, 240, 320, 0, ISO_IMG_JP2, 18419, 73},
    {"registration-face.iso", ISO_FACE, 0, 80, 240, 320, 0, ISO_IMG_JP2, 67014, 73},
};

static void reads_mosip_records(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FACTS / sizeof FACTS[0]; i++) {
        const struct fact *f = &FACTS[i];
        size_t n;
        uint8_t *rec = load(f->file, &n);
        iso_image_t im;
        err_t e = {0};
        assert_int_equal(iso19794_read(rec, n, &im, &e), 0);
        assert_int_equal(im.modality, f->modality);
        assert_int_equal(im.position, f->position);
        assert_int_equal(im.quality, f->quality);
        assert_int_equal(im.width, f->width);
        assert_int_equal(im.height, f->height);
        assert_int_equal(im.ppi, f->ppi);
        assert_int_equal(im.kind, f->kind);
        assert_int_equal(im.len, f->image_len);
        assert_ptr_equal(im.data, rec + f->image_at);
        if (f->kind == ISO_IMG_JP2)
            assert_memory_equal(im.data, JP2_SIGNATURE, sizeof JP2_SIGNATURE);
        else
            assert_true(im.data[0] == 0xff && im.data[1] == 0xa0); /* WSQ's start-of-image marker */
        free(rec);
    }
}

/* Every prefix of every record is refused, never read past. */
static void refuses_every_cut(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FACTS / sizeof FACTS[0]; i++) {
        size_t n;
        uint8_t *rec = load(FACTS[i].file, &n);
        for (size_t cut = 0; cut < n; cut += cut < 128 ? 1 : 997) {
            uint8_t *part = malloc(cut ? cut : 1);
            assert_non_null(part);
            memcpy(part, rec, cut);
            iso_image_t im;
            err_t e = {0};
            assert_int_equal(iso19794_read(part, cut, &im, &e), -EINVAL);
            assert_string_equal(e.code, "iso_malformed");
            free(part);
        }
        free(rec);
    }
}

/* Each length field one off in either direction, and a count of blocks
 * that no longer matches, is refused rather than read through (the
 * extended data blocks after the image must then still fill the
 * representation exactly). */
static void refuses_damaged_lengths(void **state)
{
    (void)state;
    size_t n;
    uint8_t *rec = load("registration-left-index.iso", &n);
    /* record length (8..11), representation length (16..19), image length (65..68),
     * quality block count (34), certification block count (40) */
    static const size_t at[] = {11, 19, 68, 34, 40};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        for (int d = -1; d <= 1; d += 2) {
            uint8_t *bad = malloc(n);
            assert_non_null(bad);
            memcpy(bad, rec, n);
            bad[at[i]] = (uint8_t)(bad[at[i]] + d);
            iso_image_t im;
            assert_int_equal(iso19794_read(bad, n, &im, NULL), -EINVAL);
            free(bad);
        }
    free(rec);
}

static void refuses_other_records(void **state)
{
    (void)state;
    size_t n;
    uint8_t *rec = load("auth-left-index.iso", &n);
    iso_image_t im;
    err_t e = {0};
    rec[5] = '3'; /* version "030": 19794-4:2005 is "010", this is neither */
    assert_int_equal(iso19794_read(rec, n, &im, &e), -EINVAL);
    assert_string_equal(e.code, "iso_malformed");
    rec[5] = '2';
    rec[13] = 2; /* two representations */
    assert_int_equal(iso19794_read(rec, n, &im, &e), -EINVAL);
    rec[13] = 1;
    rec[0x34] = 7; /* compression code 7: not defined */
    assert_int_equal(iso19794_read(rec, n, &im, &e), -EINVAL);
    assert_string_equal(e.code, "iso_unknown_image");
    free(rec);

    rec = load("auth-face.iso", &n);
    rec[0x3a] = 0x81; /* a 3D full-frontal face */
    assert_int_equal(iso19794_read(rec, n, &im, &e), -EINVAL);
    rec[0x3a] = 1;
    rec[14] = 1; /* certification flag: 19794-5 has no certification blocks */
    assert_int_equal(iso19794_read(rec, n, &im, &e), -EINVAL);
    free(rec);
}

static void writes_what_it_reads(void **state)
{
    (void)state;
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3, 4, 5};
    const iso_image_t in[] = {
        {ISO_FINGER, 2, 77, 400, 500, 500, ISO_IMG_PNG, png, sizeof png},
        {ISO_FINGER, 14, 61, 1600, 1500, 500, ISO_IMG_PNG, png, sizeof png},
        {ISO_FINGER, 23, 0, 2000, 2200, 500, ISO_IMG_PNG, png, sizeof png},
        {ISO_FACE, 0, 90, 480, 640, 0, ISO_IMG_PNG, png, sizeof png},
        {ISO_FACE, 0, 100, 480, 640, 0, ISO_IMG_JPEG, png, sizeof png},
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        uint8_t *rec = NULL;
        size_t n = 0;
        assert_int_equal(iso19794_write(&in[i], 1764892800, &rec, &n, NULL), 0);
        iso_image_t out;
        assert_int_equal(iso19794_read(rec, n, &out, NULL), 0);
        assert_int_equal(out.modality, in[i].modality);
        assert_int_equal(out.position, in[i].position);
        assert_int_equal(out.quality, in[i].quality);
        assert_int_equal(out.width, in[i].width);
        assert_int_equal(out.height, in[i].height);
        assert_int_equal(out.ppi, in[i].ppi);
        assert_int_equal(out.kind, in[i].kind);
        assert_int_equal(out.len, sizeof png);
        assert_memory_equal(out.data, png, sizeof png);
        assert_ptr_equal(out.data + out.len, rec + n); /* the image ends the record */
        /* capture time 2025-12-05 00:00:00 UTC, right after the representation length */
        assert_int_equal(
            rec[(in[i].modality == ISO_FINGER ? 16 : 17) + 4] << 8 | rec[(in[i].modality == ISO_FINGER ? 16 : 17) + 5],
            2025);
        free(rec);
    }
    iso_image_t raw = in[0];
    raw.kind = ISO_IMG_RAW;
    uint8_t *rec = NULL;
    size_t n = 0;
    err_t e = {0};
    assert_int_equal(iso19794_write(&raw, 0, &rec, &n, &e), -EINVAL);
    assert_string_equal(e.code, "iso_bad_image");
    iso_image_t wsq_face = in[3];
    wsq_face.kind = ISO_IMG_WSQ;
    assert_int_equal(iso19794_write(&wsq_face, 0, &rec, &n, NULL), -EINVAL);
    assert_null(rec);
}

static void names_sbi_positions(void **state)
{
    (void)state;
    assert_int_equal(iso19794_position_of("Right Thumb"), 1);
    assert_int_equal(iso19794_position_of("Right LittleFinger"), 5);
    assert_int_equal(iso19794_position_of("Left IndexFinger"), 7);
    assert_int_equal(iso19794_position_of("Left LittleFinger"), 10);
    assert_int_equal(iso19794_position_of("Right Palm"), 21);
    assert_int_equal(iso19794_position_of("Left Palm"), 23);
    assert_int_equal(iso19794_position_of("Left Iris"), 0);
    assert_int_equal(iso19794_position_of(""), 0);
    assert_int_equal(iso19794_position_of(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_mosip_records),
        cmocka_unit_test(refuses_every_cut),
        cmocka_unit_test(refuses_damaged_lengths),
        cmocka_unit_test(refuses_other_records),
        cmocka_unit_test(writes_what_it_reads),
        cmocka_unit_test(names_sbi_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
