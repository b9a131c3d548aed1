#pragma once
/* jp2: JPEG 2000 images (ISO/IEC 15444-1) through Debian's libopenjp2, as
 * MOSIP's SBI devices send fingers, palms and faces inside their ISO/IEC
 * 19794 records (lossy and lossless, a JP2 file or a bare codestream).
 *
 * Before libopenjp2 sees a byte, jp2_info reads the header itself - the JP2
 * boxes down to the codestream, and the codestream's SIZ marker - and
 * jp2_decode refuses what the PNG path (bio/raster) would refuse: a side
 * over LIMIT_RASTER_SIDE, more than LIMIT_RASTER_PIXELS pixels, more than
 * LIMIT_RASTER_ENCODED_BYTES of input; and what a capture never is but a
 * decompression bomb may be: more than JP2_MAX_COMPONENTS components (PNG's
 * most: grey, grey + alpha, RGB, RGBA), more than LIMIT_RASTER_PIXELS samples
 * in all (libopenjp2 keeps 4 bytes per sample, twice over while decoding),
 * more than JP2_MAX_TILES tiles, samples over JP2_MAX_PRECISION bits,
 * subsampled components, a palette (pclr: one component that expands into
 * up to 255). libopenjp2 then decodes in strict mode: a codestream cut short
 * is an error, not a half-grey image. Its messages go nowhere (not to
 * stderr); the first error's text ends up in err->msg.
 *
 * Error codes (err->code), the same as bio/raster's:
 *   image_unreadable  not JPEG 2000, a malformed header or codestream,
 *                     or a shape refused above (-EINVAL)
 *   image_too_large   over the size limits above (-ERANGE)
 *
 * Library module: no logging, no globals; thread-safe (each call has its
 * own codec). */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "bio/raster.h"

#define JP2_MAX_TILES 1024   /* tiles in one codestream (a capture has 1) */
#define JP2_MAX_COMPONENTS 4 /* grey, grey + alpha, RGB, RGBA */
#define JP2_MAX_PRECISION 16 /* bits per sample (decoded to 8) */
#define JP2_MAX_BOXES 64     /* top-level boxes before the codestream */

typedef enum jp2_format {
    JP2_NONE = 0,   /* neither */
    JP2_FILE,       /* a JP2 file: the 12-byte signature box first */
    JP2_CODESTREAM, /* a bare codestream: SOC then SIZ (FF4F FF51) */
} jp2_format_t;

typedef struct jp2_info {
    jp2_format_t format;
    uint32_t width;      /* Xsiz - XOsiz */
    uint32_t height;     /* Ysiz - YOsiz */
    uint32_t components; /* Csiz */
    uint32_t precision;  /* the largest component's bits per sample */
    uint32_t tiles;      /* tiles in the grid */
} jp2_info_t;

/* Which of the two forms buf holds, by its magic; JP2_NONE for neither. */
jp2_format_t jp2_sniff(const uint8_t *buf, size_t len);

/* Reads the header (JP2 boxes, the codestream's SIZ) without libopenjp2 and
 * checks it against the limits above. Fills *ret and returns 0, or -EINVAL /
 * -ERANGE with err set (*ret untouched). */
int jp2_info(const uint8_t *buf, size_t len, jp2_info_t *ret, err_t *err);

/* Decodes a JP2 file or a codestream into a new raster of 8-bit samples
 * (wider samples scaled down, signed ones shifted up). want_channels as in
 * raster_decode: 1 grey, 3 RGB, 0 keeps what the image holds (one
 * component stays grey, colour becomes RGB; alpha is composed over white).
 * Returns 0 and *ret (caller owns; raster_free), or -EINVAL / -ERANGE /
 * -ENOMEM with err set. buf is borrowed and only read. */
int jp2_decode(const uint8_t *buf, size_t len, uint32_t want_channels, raster_t **ret, err_t *err);

/* Encodes r losslessly (reversible 5/3 wavelet, one quality layer; the
 * colour transform for RGB) as a JP2 file. *ret_buf is malloc'd (caller
 * frees), *ret_len its size. 0, -ENOMEM, -EIO (libopenjp2 refused). For
 * uchet-devsim and the tests: uchet itself keeps PNG. */
int jp2_encode_lossless(const raster_t *r, uint8_t **ret_buf, size_t *ret_len, err_t *err);
