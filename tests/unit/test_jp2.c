/* JPEG 2000 (src/bio/jp2.c) on the images inside MOSIP's reference device
 * records (tests/bio/iso19794/), as a JP2 file and as a bare codestream;
 * truncated and damaged streams refused with a code (and not a word on
 * stderr); bomb-ish headers refused before libopenjp2 decodes anything; the
 * lossless encoder read back; and bio/raster's PNG size reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/limits.h"
#include "base/file.h"
#include "bio/iso19794.h"
#include "bio/jp2.h"
#include "bio/raster.h"

#define DIR UCHET_SOURCE_DIR "/tests/bio/iso19794/"

static uint8_t *load(const char *name, size_t *ret_len)
{
    char path[512], *buf = NULL;
    snprintf(path, sizeof path, "%s%s", DIR, name);
    assert_int_equal(file_read_alloc(path, (size_t)1 << 24, &buf, ret_len, NULL), 0);
    return (uint8_t *)buf;
}

/* The image inside a record, copied out (the caller frees). */
static uint8_t *image_of(const char *name, size_t *ret_len)
{
    size_t n;
    uint8_t *rec = load(name, &n);
    iso_image_t im;
    assert_int_equal(iso19794_read(rec, n, &im, NULL), 0);
    assert_int_equal(im.kind, ISO_IMG_JP2);
    uint8_t *img = malloc(im.len);
    assert_non_null(img);
    memcpy(img, im.data, im.len);
    *ret_len = im.len;
    free(rec);
    return img;
}

/* The codestream inside a JP2 file (from SOC on; these files' jp2c box runs
 * to the end), found by its SOC SIZ bytes. */
static const uint8_t *codestream_in(const uint8_t *jp2, size_t n, size_t *ret_len)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (jp2[i] == 0xFF && jp2[i + 1] == 0x4F && jp2[i + 2] == 0xFF && jp2[i + 3] == 0x51) {
            *ret_len = n - i;
            return jp2 + i;
        }
    fail_msg("no codestream");
    return NULL;
}

struct fact {
    const char *file;
    uint32_t width, height, components;
    uint64_t sum;                   /* of every sample, as decoded to 8 bits */
    uint8_t at_10_20[3], centre[3]; /* pixel (x 10, y 20) and (w/2, h/2) */
};

/* Not from this decoder: width, height and components read off each
 * codestream's SIZ marker with Python's struct; sums and pixels from
 * Pillow's JPEG 2000 reader (python3-pil). */
static const struct fact FACTS[] = {
    {"auth-left-index.iso", 280, 448, 1, 18218771, {253}, {61}},
    {"registration-left-index.iso", 280, 448, 1, 18264154, {255}, {39}},
    {"auth-face.iso", 240, 320, 3, 26533566, {115, 113, 117}, {211, 203, 233}},
    {"registration-face.iso", 240, 320, 3, 26501764, {115, 113, 117}, {213, 203, 233}},
};

static void check_raster(const raster_t *r, const struct fact *f)
{
    assert_int_equal(r->width, f->width);
    assert_int_equal(r->height, f->height);
    assert_int_equal(r->channels, f->components);
    uint64_t sum = 0;
    size_t n = (size_t)r->width * r->height * r->channels;
    for (size_t i = 0; i < n; i++)
        sum += r->pix[i];
    assert_int_equal(sum, f->sum);
    const uint8_t *p = r->pix + ((size_t)20 * r->width + 10) * r->channels;
    const uint8_t *c = r->pix + ((size_t)(r->height / 2) * r->width + r->width / 2) * r->channels;
    assert_memory_equal(p, f->at_10_20, r->channels);
    assert_memory_equal(c, f->centre, r->channels);
}

static void decodes_mosip_records(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FACTS / sizeof FACTS[0]; i++) {
        const struct fact *f = &FACTS[i];
        size_t n;
        uint8_t *img = image_of(f->file, &n);
        assert_int_equal(jp2_sniff(img, n), JP2_FILE);
        jp2_info_t info;
        err_t e = {0};
        assert_int_equal(jp2_info(img, n, &info, &e), 0);
        assert_int_equal(info.format, JP2_FILE);
        assert_int_equal(info.width, f->width);
        assert_int_equal(info.height, f->height);
        assert_int_equal(info.components, f->components);
        assert_int_equal(info.precision, 8);
        assert_int_equal(info.tiles, 1);
        raster_t *r = NULL;
        assert_int_equal(jp2_decode(img, n, 0, &r, &e), 0);
        check_raster(r, f);
        raster_free(r);
        /* the same image as a bare codestream */
        size_t cn = 0;
        const uint8_t *cs = codestream_in(img, n, &cn);
        assert_int_equal(jp2_sniff(cs, cn), JP2_CODESTREAM);
        assert_int_equal(jp2_decode(cs, cn, 0, &r, &e), 0);
        check_raster(r, f);
        raster_free(r);
        /* asked for grey or RGB */
        assert_int_equal(jp2_decode(img, n, f->components == 1 ? 3 : 1, &r, &e), 0);
        assert_int_equal(r->channels, f->components == 1 ? 3 : 1);
        assert_int_equal(r->width, f->width);
        raster_free(r);
        free(img);
    }
}

/* Runs f with stderr sent to a file; returns how many bytes reached it. */
static long stderr_bytes_of(void (*f)(void *), void *arg)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    f(arg);
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
    long n = ftell(tmp);
    fclose(tmp);
    return n;
}

struct cuts {
    const uint8_t *img;
    size_t n;
    size_t tried, refused;
};

static void every_cut(void *arg)
{
    struct cuts *c = arg;
    for (size_t len = 0; len < c->n; len += len < 400 ? 1 : 97) {
        raster_t *r = NULL;
        err_t e = {0};
        int rc = jp2_decode(c->img, len, 0, &r, &e);
        c->tried++;
        if (rc < 0 && strcmp(e.code, "image_unreadable") == 0 && rc == -EINVAL)
            c->refused++;
        raster_free(r);
    }
}

static void truncated_refused_quietly(void **state)
{
    (void)state;
    const char *files[] = {"auth-left-index.iso", "auth-face.iso"};
    for (size_t i = 0; i < 2; i++) {
        struct cuts c = {0};
        uint8_t *img = image_of(files[i], &c.n);
        c.img = img;
        /* libopenjp2 has things to say about a cut stream: none of it on stderr */
        assert_int_equal(stderr_bytes_of(every_cut, &c), 0);
        assert_true(c.tried > 400);
        assert_int_equal(c.refused, c.tried);
        /* the bare codestream cut short too */
        size_t cn = 0;
        const uint8_t *cs = codestream_in(img, c.n, &cn);
        struct cuts d = {.img = cs, .n = cn};
        assert_int_equal(stderr_bytes_of(every_cut, &d), 0);
        assert_int_equal(d.refused, d.tried);
        free(img);
    }
}

static size_t siz_at(const uint8_t *img, size_t n)
{
    size_t cn = 0;
    const uint8_t *cs = codestream_in(img, n, &cn);
    return (size_t)(cs - img) + 4; /* the SIZ marker segment's length field */
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Decodes a damaged copy; expects rc and code. */
static void expect_refused(const uint8_t *img, size_t n, int want_rc, const char *want_code)
{
    raster_t *r = NULL;
    err_t e = {0};
    int rc = jp2_decode(img, n, 0, &r, &e);
    if (rc != want_rc || strcmp(e.code, want_code) != 0)
        fail_msg("got %d %s (%s), wanted %d %s", rc, e.code, e.msg, want_rc, want_code);
    assert_null(r);
}

struct damage {
    const uint8_t *img;
    size_t n;
};

static void damaged_all(void *arg)
{
    const struct damage *d = arg;
    size_t n = d->n, s = siz_at(d->img, n);
    uint8_t *b = malloc(n);
    assert_non_null(b);
    /* SOC damaged */
    memcpy(b, d->img, n);
    b[s - 3] = 0x00;
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* SIZ length one off */
    memcpy(b, d->img, n);
    wr16(b + s, (uint16_t)(b[s] << 8 | b[s + 1]) + 1);
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* no components */
    memcpy(b, d->img, n);
    wr16(b + s + 36, 0);
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* the image offset past the image: empty */
    memcpy(b, d->img, n);
    wr32(b + s + 12, 0xFFFFFFF0u);
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* the COD marker after SIZ (the coding style) overwritten */
    memcpy(b, d->img, n);
    size_t siz_len = (size_t)(b[s] << 8 | b[s + 1]);
    assert_int_equal(b[s + siz_len], 0xFF);
    b[s + siz_len + 1] = 0x00;
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* the signature box's length says more than the file */
    memcpy(b, d->img, n);
    wr32(b + 12, (uint32_t)n * 2);
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* a palette box in the header: one component that expands into many */
    memcpy(b, d->img, n);
    size_t colr = 0;
    while (colr + 4 < s && memcmp(b + colr, "colr", 4) != 0)
        colr++;
    assert_true(colr + 4 < s);
    memcpy(b + colr, "pclr", 4);
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* subsampled components */
    memcpy(b, d->img, n);
    b[s + 38 + 1] = 2;
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* 5 components (SIZ length to match) */
    memcpy(b, d->img, n);
    wr16(b + s + 36, 5);
    wr16(b + s, 38 + 15);
    expect_refused(b, n, -EINVAL, "image_unreadable");
    /* 17-bit samples */
    memcpy(b, d->img, n);
    b[s + 38] = 16;
    expect_refused(b, n, -EINVAL, "image_unreadable");
    free(b);
}

static void damaged_refused_quietly(void **state)
{
    (void)state;
    size_t n;
    uint8_t *img = image_of("auth-left-index.iso", &n);
    struct damage d = {img, n};
    assert_int_equal(stderr_bytes_of(damaged_all, &d), 0);
    /* not JPEG 2000 at all */
    uint8_t png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    expect_refused(png, sizeof png, -EINVAL, "image_unreadable");
    expect_refused(img, 0, -EINVAL, "image_unreadable");
    free(img);
}

/* A header that declares too much: refused from the header alone, before
 * libopenjp2 allocates for it. The stream after the header is the real
 * 280 x 448 one, so a decoder that went on would fail differently (or
 * allocate gigabytes first). */
static void declared_too_large_refused_first(void **state)
{
    (void)state;
    size_t n;
    uint8_t *img = image_of("auth-left-index.iso", &n);
    size_t s = siz_at(img, n);
    uint8_t *b = malloc(n);
    assert_non_null(b);
    struct {
        uint32_t xsiz, ysiz, xt, yt;
    } cases[] = {
        {LIMIT_RASTER_SIDE + 1, 448, LIMIT_RASTER_SIDE + 1, 448},                     /* a side */
        {60000, 60000, 60000, 60000},                                                 /* both: 3.6 G pixels */
        {LIMIT_RASTER_SIDE, LIMIT_RASTER_SIDE, LIMIT_RASTER_SIDE, LIMIT_RASTER_SIDE}, /* 144 M pixels */
        {280, 448, 1, 1},                                                             /* 125 440 tiles of one pixel */
        {280, 448, 8, 8},                                                             /* 1 960 tiles */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(b, img, n);
        wr32(b + s + 4, cases[i].xsiz);
        wr32(b + s + 8, cases[i].ysiz);
        wr32(b + s + 20, cases[i].xt);
        wr32(b + s + 24, cases[i].yt);
        jp2_info_t info;
        err_t e = {0};
        assert_int_equal(jp2_info(b, n, &info, &e), -ERANGE);
        assert_string_equal(e.code, "image_too_large");
        expect_refused(b, n, -ERANGE, "image_too_large");
    }
    free(b);
    free(img);
    /* encoded bytes over the limit: refused before a byte is read */
    uint8_t *big = calloc(1, (size_t)LIMIT_RASTER_ENCODED_BYTES + 1);
    assert_non_null(big);
    static const uint8_t sig[12] = {0, 0, 0, 0x0c, 'j', 'P', ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a};
    memcpy(big, sig, sizeof sig);
    expect_refused(big, (size_t)LIMIT_RASTER_ENCODED_BYTES + 1, -ERANGE, "image_too_large");
    free(big);
}

static void lossless_round_trip(void **state)
{
    (void)state;
    for (uint32_t ch = 1; ch <= 3; ch += 2) {
        raster_t *r = NULL;
        assert_int_equal(raster_new(97, 61, ch, 0, &r), 0);
        uint32_t x = 12345;
        for (size_t i = 0; i < (size_t)97 * 61 * ch; i++) {
            x = x * 1103515245u + 12345u;
            r->pix[i] = (uint8_t)((i % 97) * 2 + (x >> 28)); /* a ramp with noise */
        }
        uint8_t *buf = NULL;
        size_t n = 0;
        err_t e = {0};
        assert_int_equal(jp2_encode_lossless(r, &buf, &n, &e), 0);
        assert_int_equal(jp2_sniff(buf, n), JP2_FILE);
        raster_t *back = NULL;
        assert_int_equal(jp2_decode(buf, n, 0, &back, &e), 0);
        assert_int_equal(back->width, 97);
        assert_int_equal(back->height, 61);
        assert_int_equal(back->channels, ch);
        assert_memory_equal(back->pix, r->pix, (size_t)97 * 61 * ch);
        raster_free(back);
        raster_free(r);
        free(buf);
    }
    /* a tiny image (fewer wavelet levels) */
    raster_t *r = NULL;
    assert_int_equal(raster_new(1, 3, 1, 200, &r), 0);
    uint8_t *buf = NULL;
    size_t n = 0;
    assert_int_equal(jp2_encode_lossless(r, &buf, &n, NULL), 0);
    raster_t *back = NULL;
    assert_int_equal(jp2_decode(buf, n, 0, &back, NULL), 0);
    assert_memory_equal(back->pix, r->pix, 3);
    raster_free(back);
    raster_free(r);
    free(buf);
}

static void png_size(void **state)
{
    (void)state;
    raster_t *r = NULL;
    assert_int_equal(raster_new(7, 5, 1, 9, &r), 0);
    uint8_t *png = NULL;
    size_t n = 0;
    assert_int_equal(raster_encode_png(r, &png, &n), 0);
    uint32_t w = 0, h = 0;
    assert_int_equal(raster_png_size(png, n, &w, &h), 0);
    assert_int_equal(w, 7);
    assert_int_equal(h, 5);
    w = h = 99;
    assert_int_equal(raster_png_size(png, 23, &w, &h), -EINVAL); /* cut inside IHDR */
    assert_int_equal(w, 99);                                     /* untouched on failure */
    assert_int_equal(raster_png_size(NULL, 0, &w, &h), -EINVAL);
    png[1] = 'Q';
    assert_int_equal(raster_png_size(png, n, &w, &h), -EINVAL); /* signature */
    png[1] = 'P';
    png[11] = 14;
    assert_int_equal(raster_png_size(png, n, &w, &h), -EINVAL); /* IHDR length */
    png[11] = 13;
    memset(png + 16, 0, 4);
    assert_int_equal(raster_png_size(png, n, &w, &h), -EINVAL); /* zero width */
    free(png);
    raster_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_mosip_records),
        cmocka_unit_test(truncated_refused_quietly),
        cmocka_unit_test(damaged_refused_quietly),
        cmocka_unit_test(declared_too_large_refused_first),
        cmocka_unit_test(lossless_round_trip),
        cmocka_unit_test(png_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
