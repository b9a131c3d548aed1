#pragma once
/* iso19794: the biometric data interchange records SBI devices send as
 * `bioValue` - ISO/IEC 19794-4:2011 finger (and palm) image records ("FIR",
 * version "020") and ISO/IEC 19794-5:2011 face image records ("FAC", version
 * "030") - holding one representation each, as MOSIP SBI 0.9.5 sends them.
 *
 * The reader checks every length against the buffer and the record's own
 * length fields and hands back where the image lies inside the record; the
 * writer wraps one encoded image. Multi-byte fields are big-endian. Pure code:
 * no I/O, no allocation in the reader, no logging. */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef enum iso_modality {
    ISO_FINGER = 1, /* 19794-4: fingers, slaps and palms */
    ISO_FACE,       /* 19794-5 */
} iso_modality_t;

/* The image's encoding, in one list for both parts (each part numbers its
 * codes its own way; iso19794_read maps them). */
typedef enum iso_image_kind {
    ISO_IMG_RAW = 1, /* uncompressed (finger codes 0, 1) */
    ISO_IMG_WSQ,     /* finger code 2 */
    ISO_IMG_JPEG,    /* finger 3, face 0 */
    ISO_IMG_JP2,     /* finger 4 (lossy) and 5 (lossless), face 1 and 2 */
    ISO_IMG_PNG,     /* finger 6, face 3 */
} iso_image_kind_t;

typedef struct iso_image {
    iso_modality_t modality;
    uint8_t position; /* 19794-4 finger position (1..10 fingers, 13..15 slaps, 20..38 palms); 0 for a face */
    uint8_t quality;  /* the first quality block's score 0..100; 255 when there is none */
    uint16_t width;   /* pixels, as the record states them */
    uint16_t height;
    uint16_t ppi; /* finger: the image's sampling rate when in pixels per inch, else 0; face: 0 */
    iso_image_kind_t kind;
    const uint8_t *data; /* the encoded image: borrowed, points into the record */
    size_t len;
} iso_image_t;

/* Reads a record of one representation. Fills *ret (whose data points into
 * rec) and returns 0; -EINVAL with code "iso_malformed" for anything that is
 * not such a record (a wrong identifier or version, a length that disagrees
 * with the buffer, a block running past its end, more than one
 * representation, a 3D face) and "iso_unknown_image" for an image code the
 * parts do not define. */
int iso19794_read(const uint8_t *rec, size_t len, iso_image_t *ret, err_t *err);

/* Writes a record of one representation holding img->data (img->len bytes,
 * encoded as img->kind, which must not be ISO_IMG_RAW) with img's modality,
 * position, quality, size and ppi; capture time `now` (seconds since 1970,
 * UTC). *ret is malloc'd; the caller frees it. -EINVAL for a field the
 * record cannot carry, -ENOMEM. */
int iso19794_write(const iso_image_t *img, int64_t now, uint8_t **ret, size_t *ret_len, err_t *err);

/* 19794-4's position for an SBI finger name ("Right IndexFinger", "Left
 * Thumb", ...), a palm ("Right Palm", "Left Palm": the full palms 21 and 23)
 * or a slap deviceSubId name; 0 when name is none of them. */
uint8_t iso19794_position_of(const char *sbi_sub_type);
