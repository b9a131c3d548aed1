#include "bio/raster.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "base/cmyk.h"
#include "base/exif.h"
#include "base/limits.h"

static int check_size(uint64_t w, uint64_t h)
{
    if (w == 0 || h == 0)
        return -EINVAL;
    if (w > LIMIT_RASTER_SIDE || h > LIMIT_RASTER_SIDE || w * h > LIMIT_RASTER_PIXELS)
        return -ERANGE;
    return 0;
}

int raster_new(uint32_t w, uint32_t h, uint32_t channels, uint8_t fill, raster_t **ret)
{
    if (channels != 1 && channels != 3)
        return -EINVAL;
    int r = check_size(w, h);
    if (r < 0)
        return r;
    raster_t *img = calloc(1, sizeof(*img));
    if (!img)
        return -ENOMEM;
    size_t n = (size_t)w * h * channels;
    img->pix = malloc(n);
    if (!img->pix) {
        free(img);
        return -ENOMEM;
    }
    memset(img->pix, fill, n);
    img->width = w;
    img->height = h;
    img->channels = channels;
    *ret = img;
    return 0;
}

void raster_free(raster_t *r)
{
    if (!r)
        return;
    free(r->pix);
    free(r);
}

/* ---- JPEG -------------------------------------------------------------- */

struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jb;
};

static void jpeg_fail(j_common_ptr c)
{
    longjmp(((struct jerr *)c->err)->jb, 1);
}

/* Silent, but counts warnings (a truncated or damaged stream is only a
 * warning to libjpeg, which then fills in grey). */
static void jpeg_quiet(j_common_ptr c, int level)
{
    if (level < 0)
        c->err->num_warnings++;
}

/* img as its EXIF orientation o shows it: *ret is img itself (o is 1) or a
 * new raster, img then freed. On failure img is left to the caller. */
static int shown_upright(int o, raster_t *img, raster_t **ret)
{
    if (o == 1)
        return 0;
    uint32_t w, h;
    exif_shown_size(o, img->width, img->height, &w, &h);
    raster_t *t = NULL;
    int r = raster_new(w, h, img->channels, 0, &t);
    if (r < 0)
        return r;
    exif_upright(o, img->pix, img->width, img->height, img->channels, t->pix);
    t->ppi = img->ppi;
    raster_free(img);
    *ret = t;
    return 0;
}

static int decode_jpeg(const uint8_t *buf, size_t len, uint32_t want, raster_t **ret, err_t *err)
{
    struct jpeg_decompress_struct ci;
    struct jerr je;
    raster_t *volatile img = NULL;
    uint8_t *volatile four = NULL; /* one CMYK row */
    volatile int rc = 0;
    memset(&ci, 0, sizeof(ci));
    ci.err = jpeg_std_error(&je.mgr);
    je.mgr.error_exit = jpeg_fail;
    je.mgr.emit_message = jpeg_quiet;
    if (setjmp(je.jb)) {
        jpeg_destroy_decompress(&ci);
        raster_free(img);
        free(four);
        return err_set(err, -EINVAL, "image_unreadable", "the JPEG image is corrupt");
    }
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, buf, (unsigned long)len);
    jpeg_read_header(&ci, TRUE);
    rc = check_size(ci.image_width, ci.image_height);
    if (rc < 0) {
        jpeg_destroy_decompress(&ci);
        return rc == -ERANGE ? err_set(err, rc, "image_too_large", "the image is too large")
                             : err_set(err, rc, "image_unreadable", "the JPEG image is empty");
    }
    uint32_t channels = want ? want : (ci.num_components == 1 ? 1 : 3);
    /* libjpeg turns CMYK into nothing but CMYK (base/cmyk) */
    bool cmyk = ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK;
    ci.out_color_space = cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    raster_t *tmp = NULL;
    rc = raster_new(ci.image_width, ci.image_height, channels, 0, &tmp);
    if (rc < 0) {
        jpeg_destroy_decompress(&ci);
        return err_set(err, rc, "image_unreadable", "cannot allocate the image");
    }
    img = tmp;
    jpeg_start_decompress(&ci);
    if (ci.output_width != img->width || ci.output_height != img->height ||
        (uint32_t)ci.output_components != (cmyk ? 4 : channels)) {
        jpeg_destroy_decompress(&ci);
        raster_free(img);
        return err_set(err, -EINVAL, "image_unreadable", "unexpected JPEG layout");
    }
    if (cmyk && !(four = malloc((size_t)img->width * 4))) {
        jpeg_destroy_decompress(&ci);
        raster_free(img);
        return err_set(err, -ENOMEM, "image_unreadable", "cannot allocate the image");
    }
    while (ci.output_scanline < ci.output_height) {
        uint8_t *out = img->pix + (size_t)ci.output_scanline * img->width * channels;
        JSAMPROW row = cmyk ? four : out;
        if (jpeg_read_scanlines(&ci, &row, 1) != 1)
            break;
        if (cmyk && channels == 1)
            cmyk_to_grey(four, img->width, ci.saw_Adobe_marker, out);
        else if (cmyk)
            cmyk_to_rgb(four, img->width, ci.saw_Adobe_marker, out);
    }
    free(four);
    four = NULL;
    jpeg_finish_decompress(&ci);
    long warnings = je.mgr.num_warnings;
    if (ci.density_unit == 1 && ci.X_density > 0)
        img->ppi = ci.X_density;
    else if (ci.density_unit == 2 && ci.X_density > 0)
        img->ppi = (uint32_t)(ci.X_density * 2.54 + 0.5);
    jpeg_destroy_decompress(&ci);
    if (warnings > 0) {
        raster_free(img);
        return err_set(err, -EINVAL, "image_unreadable", "the JPEG image is truncated or damaged");
    }
    raster_t *shown = img;
    rc = shown_upright(exif_orientation(buf, len), img, &shown);
    if (rc < 0) {
        raster_free(img);
        return err_set(err, rc, "image_unreadable", "cannot allocate the image");
    }
    *ret = shown;
    return 0;
}

/* ---- PNG --------------------------------------------------------------- */

static int decode_png(const uint8_t *buf, size_t len, uint32_t want, raster_t **ret, err_t *err)
{
    png_image pi;
    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&pi, buf, len))
        return err_set(err, -EINVAL, "image_unreadable", "the PNG image is corrupt");
    int rc = check_size(pi.width, pi.height);
    if (rc < 0) {
        png_image_free(&pi);
        return rc == -ERANGE ? err_set(err, rc, "image_too_large", "the image is too large")
                             : err_set(err, rc, "image_unreadable", "the PNG image is empty");
    }
    uint32_t channels = want ? want : ((pi.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1);
    pi.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    raster_t *img = NULL;
    rc = raster_new(pi.width, pi.height, channels, 0, &img);
    if (rc < 0) {
        png_image_free(&pi);
        return err_set(err, rc, "image_unreadable", "cannot allocate the image");
    }
    png_color white = {255, 255, 255};
    if (!png_image_finish_read(&pi, &white, img->pix, 0, NULL)) {
        png_image_free(&pi);
        raster_free(img);
        return err_set(err, -EINVAL, "image_unreadable", "the PNG image is corrupt");
    }
    png_image_free(&pi);
    *ret = img;
    return 0;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int raster_png_size(const uint8_t *buf, size_t len, uint32_t *ret_w, uint32_t *ret_h)
{
    /* signature (8), IHDR length (4) = 13, "IHDR", width (4), height (4) */
    if (!buf || len < 24 || png_sig_cmp(buf, 0, 8) != 0 || rd32(buf + 8) != 13 || memcmp(buf + 12, "IHDR", 4) != 0)
        return -EINVAL;
    uint32_t w = rd32(buf + 16), h = rd32(buf + 20);
    if (w == 0 || h == 0 || w > 0x7fffffffu || h > 0x7fffffffu)
        return -EINVAL;
    *ret_w = w;
    *ret_h = h;
    return 0;
}

int raster_decode(const uint8_t *buf, size_t len, uint32_t want_channels, raster_t **ret, err_t *err)
{
    if (!buf || want_channels == 2 || want_channels > 3)
        return err_set(err, -EINVAL, "image_unreadable", "no image");
    if (len > LIMIT_RASTER_ENCODED_BYTES)
        return err_set(err, -ERANGE, "image_too_large", "the image is too large");
    if (len >= 8 && png_sig_cmp(buf, 0, 8) == 0)
        return decode_png(buf, len, want_channels, ret, err);
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF)
        return decode_jpeg(buf, len, want_channels, ret, err);
    return err_set(err, -EINVAL, "image_unreadable", "the image is neither PNG nor JPEG");
}

/* Both PNG entries: libpng's simplified writer with `flags` (0, or
 * PNG_IMAGE_FLAG_FAST). */
static int encode_png(const raster_t *r, png_uint_32 flags, uint8_t **ret_buf, size_t *ret_len)
{
    png_image pi;
    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    pi.width = r->width;
    pi.height = r->height;
    pi.format = r->channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    pi.flags = flags;
    /* One compression into a buffer of libpng's bound, then shrunk: asking
     * for the size first (png_image_write_get_memory_size) compresses the
     * whole image once more only to count, twice the CPU for the same bytes
     * (bench/kiosk/png_write.c: a 1600 x 1000 slap 332 -> 164 ms). */
    png_alloc_size_t n = PNG_IMAGE_PNG_SIZE_MAX(pi);
    if (n < (png_alloc_size_t)r->width * r->height * (r->channels == 1 ? 1u : 3u))
        return -ENOMEM; /* the bound overflowed (a 32-bit size_t) */
    uint8_t *out = malloc(n);
    if (!out)
        return -ENOMEM;
    if (!png_image_write_to_memory(&pi, out, &n, 0, r->pix, 0, NULL)) {
        free(out);
        return -EIO;
    }
    uint8_t *fit = realloc(out, n ? n : 1);
    *ret_buf = fit ? fit : out;
    *ret_len = n;
    return 0;
}

int raster_encode_png(const raster_t *r, uint8_t **ret_buf, size_t *ret_len)
{
    return encode_png(r, 0, ret_buf, ret_len);
}

int raster_encode_png_fast(const raster_t *r, uint8_t **ret_buf, size_t *ret_len)
{
    return encode_png(r, PNG_IMAGE_FLAG_FAST, ret_buf, ret_len);
}

int raster_encode_jpeg(const raster_t *r, int quality, uint8_t **ret_buf, size_t *ret_len)
{
    if (quality < 1 || quality > 100)
        return -EINVAL;
    struct jpeg_compress_struct ci;
    struct jerr je;
    unsigned char *volatile out = NULL;
    unsigned long n = 0;
    memset(&ci, 0, sizeof(ci));
    ci.err = jpeg_std_error(&je.mgr);
    je.mgr.error_exit = jpeg_fail;
    je.mgr.emit_message = jpeg_quiet;
    if (setjmp(je.jb)) {
        jpeg_destroy_compress(&ci);
        free(out);
        return -EIO;
    }
    jpeg_create_compress(&ci);
    unsigned char *mem = NULL;
    jpeg_mem_dest(&ci, &mem, &n);
    ci.image_width = r->width;
    ci.image_height = r->height;
    ci.input_components = (int)r->channels;
    ci.in_color_space = r->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, quality, TRUE);
    if (r->ppi) {
        ci.density_unit = 1;
        ci.X_density = ci.Y_density = (UINT16)(r->ppi > 65535 ? 65535 : r->ppi);
    }
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = r->pix + (size_t)ci.next_scanline * r->width * r->channels;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    out = mem;
    jpeg_destroy_compress(&ci);
    *ret_buf = out;
    *ret_len = n;
    return 0;
}

int raster_to_grey(const raster_t *r, raster_t **ret)
{
    raster_t *g = NULL;
    int rc = raster_new(r->width, r->height, 1, 0, &g);
    if (rc < 0)
        return rc;
    size_t n = (size_t)r->width * r->height;
    if (r->channels == 1) {
        memcpy(g->pix, r->pix, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = r->pix + 3 * i;
            g->pix[i] = (uint8_t)((299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u);
        }
    }
    g->ppi = r->ppi;
    *ret = g;
    return 0;
}

int raster_crop(const raster_t *r, int64_t x, int64_t y, int64_t w, int64_t h, raster_t **ret)
{
    int64_t x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int64_t x1 = x + w > (int64_t)r->width ? (int64_t)r->width : x + w;
    int64_t y1 = y + h > (int64_t)r->height ? (int64_t)r->height : y + h;
    if (w <= 0 || h <= 0 || x1 <= x0 || y1 <= y0)
        return -EINVAL;
    raster_t *c = NULL;
    int rc = raster_new((uint32_t)(x1 - x0), (uint32_t)(y1 - y0), r->channels, 0, &c);
    if (rc < 0)
        return rc;
    size_t row = (size_t)c->width * r->channels;
    for (uint32_t j = 0; j < c->height; j++)
        memcpy(c->pix + j * row, r->pix + ((size_t)(y0 + j) * r->width + (size_t)x0) * r->channels, row);
    c->ppi = r->ppi;
    *ret = c;
    return 0;
}
