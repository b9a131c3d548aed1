#pragma once
/* raster: an 8-bit grey or RGB image in memory, and its PNG / JPEG codecs.
 *
 * Every capture uchet judges (finger, slap, palm, face, signature) arrives as
 * encoded bytes; raster_decode turns them into pixels, refusing anything
 * larger than LIMIT_RASTER_SIDE per side or LIMIT_RASTER_PIXELS in all
 * before a single pixel buffer is allocated.
 *
 * Invariant: pix holds height rows of width * channels bytes, no padding;
 * channels is 1 (grey) or 3 (R, G, B). A raster owns its pixels. */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct raster {
    uint32_t width;    /* pixels per row, >= 1 */
    uint32_t height;   /* rows, >= 1 */
    uint32_t channels; /* 1 = grey, 3 = RGB */
    uint32_t ppi;      /* pixels per inch, 0 = unknown */
    uint8_t *pix;      /* owned; width * height * channels bytes */
} raster_t;

/* Allocates a raster of w x h x channels (1 or 3) filled with `fill`.
 * Returns 0 and *ret (caller owns, raster_free), -EINVAL for a zero side or
 * bad channel count, -ERANGE beyond the limits, -ENOMEM. */
int raster_new(uint32_t w, uint32_t h, uint32_t channels, uint8_t fill, raster_t **ret);

/* Frees a raster; accepts NULL. */
void raster_free(raster_t *r);

/* Decodes PNG or JPEG bytes (detected by signature). want_channels: 1 gives
 * grey, 3 gives RGB, 0 keeps what the file holds (grey stays grey, anything
 * with colour becomes RGB; alpha is composed over white). Returns 0 and *ret
 * (caller owns), -EINVAL (not PNG/JPEG, corrupt; err code "image_unreadable"),
 * -ERANGE (too large; "image_too_large"), -ENOMEM. */
int raster_decode(const uint8_t *buf, size_t len, uint32_t want_channels, raster_t **ret, err_t *err);

/* The size a PNG states in its header: buf must start with the PNG
 * signature and an IHDR chunk of 13 bytes (nothing else is read or decoded).
 * Writes *ret_w and *ret_h (each 1..2^31-1, PNG's range) and returns 0, or
 * -EINVAL for anything else. For code that passes PNGs on unchanged
 * (uchet-devsim's ISO/IEC 19794 records, the kiosk's ANSI/NIST images). */
int raster_png_size(const uint8_t *buf, size_t len, uint32_t *ret_w, uint32_t *ret_h);

/* Encodes as PNG (lossless). Returns 0 with *ret_buf (caller frees with free())
 * and *ret_len, or -ENOMEM / -EIO. */
int raster_encode_png(const raster_t *r, uint8_t **ret_buf, size_t *ret_len);

/* raster_encode_png at libpng's fast level (PNG_IMAGE_FLAG_FAST): the same
 * pixels, lossless, in less CPU and more bytes. For a capture device that
 * answers fast rather than small (uchet-devsim). Same contract. */
int raster_encode_png_fast(const raster_t *r, uint8_t **ret_buf, size_t *ret_len);

/* Encodes as baseline JPEG at quality 1..100. Same contract as PNG. */
int raster_encode_jpeg(const raster_t *r, int quality, uint8_t **ret_buf, size_t *ret_len);

/* A new grey raster from r (ITU-R BT.601 luma for RGB; a copy for grey).
 * Returns 0 and *ret (caller owns) or -ENOMEM. */
int raster_to_grey(const raster_t *r, raster_t **ret);

/* A new raster holding the w x h rectangle at (x, y) of r, clipped to r.
 * Returns 0 and *ret (caller owns), -EINVAL when nothing of it lies in r,
 * -ENOMEM. */
int raster_crop(const raster_t *r, int64_t x, int64_t y, int64_t w, int64_t h, raster_t **ret);
