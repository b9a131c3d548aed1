#pragma once
/* EXIF orientation: the one reader of a JPEG's Orientation tag and the one
 * turn of pixels it asks for, so that every decoder of uploaded photos
 * (bio/raster, the document check's docs/ocr) sees the picture the way the
 * person saw it on their phone.
 *
 * Phones store the sensor's pixels as they came and write in the EXIF
 * block how to show them: a passport photographed with the phone held
 * upright is stored lying on its side with Orientation 6, a selfie from
 * some front cameras mirrored (2, 4, 5, 7). Browsers, viewers and the
 * phone's own gallery apply the tag; a decoder that ignores it reads a
 * mirrored zone, which no rotation can put right.
 *
 * The values are TIFF 6.0's Orientation (tag 274), as EXIF 2.32 §4.6.4
 * uses them: where row 0 and column 0 of the stored pixels are shown.
 *   1 as stored            5 transposed (mirror, then a quarter turn left)
 *   2 mirrored left-right  6 a quarter turn right (clockwise)
 *   3 half a turn          7 transversed (mirror, then a quarter turn right)
 *   4 mirrored top-bottom  8 a quarter turn left */
#include <stddef.h>
#include <stdint.h>

/* The Orientation a JPEG's first EXIF block gives (1 to 8), found by
 * walking the markers before the image data; 1 when there is none, or
 * where anything on the way is malformed or out of range (a damaged
 * EXIF block must not make an image unreadable: viewers then show it as
 * stored too). Reads jpeg[0..len) and nothing past it. Pure. */
int exif_orientation(const uint8_t *jpeg, size_t len);

/* The width and height of w x h pixels shown in orientation o (5 to 8
 * swap them). */
void exif_shown_size(int o, uint32_t w, uint32_t h, uint32_t *ret_w, uint32_t *ret_h);

/* Writes into dst the pixels of src (w x h, `channels` bytes a pixel,
 * rows packed) as orientation o shows them: exif_shown_size(o, w, h)
 * pixels, rows packed. dst must not overlap src. o outside 1-8 copies as
 * stored. Pure; allocates nothing. */
void exif_upright(int o, const uint8_t *src, uint32_t w, uint32_t h, uint32_t channels, uint8_t *dst);
