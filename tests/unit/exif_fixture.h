#pragma once
/* A JPEG with an EXIF Orientation tag, for the tests of base/exif and of
 * the decoders that honour it (bio/raster, docs/ocr): the given JPEG's
 * bytes with an APP1 "Exif" segment put right after its SOI, where a
 * camera writes it. The segment's TIFF block is laid out by hand here,
 * after EXIF 2.32 §4.5 and TIFF 6.0 §2, not by base/exif. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* n (2 or 4) bytes of v at p in the given byte order. */
static inline void exif_fixture_put(uint8_t *p, uint32_t v, size_t n, bool little)
{
    for (size_t i = 0; i < n; i++)
        p[little ? i : n - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* The bytes of an APP1 segment (marker and length included) whose IFD0
 * holds a Make entry ("uchet", ASCII, out of line) and then Orientation
 * = value with the given TIFF type and count. Returns its length; b must
 * hold 64 bytes. */
static inline size_t exif_fixture_app1(uint8_t *b, uint32_t value, uint16_t type, uint32_t count, bool little)
{
    memset(b, 0, 64);
    uint8_t *t = b + 10; /* the TIFF block */
    memcpy(b, "\xFF\xE1\0\0Exif\0\0", 10);
    memcpy(t, little ? "II" : "MM", 2);
    exif_fixture_put(t + 2, 42, 2, little);
    exif_fixture_put(t + 4, 8, 4, little); /* IFD0 right after the header */
    exif_fixture_put(t + 8, 2, 2, little); /* two entries */
    uint8_t *e = t + 10;
    exif_fixture_put(e, 0x010F, 2, little); /* Make, 6 ASCII bytes at offset 38 */
    exif_fixture_put(e + 2, 2, 2, little);
    exif_fixture_put(e + 4, 6, 4, little);
    exif_fixture_put(e + 8, 38, 4, little);
    e += 12;
    exif_fixture_put(e, 0x0112, 2, little);
    exif_fixture_put(e + 2, type, 2, little);
    exif_fixture_put(e + 4, count, 4, little);
    exif_fixture_put(e + 8, value, type == 3 ? 2 : 4, little);
    /* next IFD offset 0 at t + 34, then "uchet\0" */
    memcpy(t + 38, "uchet", 6);
    size_t len = 10 + 44;
    exif_fixture_put(b + 2, (uint32_t)(len - 2), 2, false); /* JPEG lengths are big-endian */
    return len;
}

/* jpeg[0..len) (a JPEG, from its SOI) with the APP1 segment b[0..n) put
 * after the SOI; caller frees. NULL when out of memory. */
static inline uint8_t *exif_fixture_splice(const uint8_t *jpeg, size_t len, const uint8_t *b, size_t n, size_t *ret_len)
{
    uint8_t *out = malloc(len + n);
    if (!out)
        return NULL;
    memcpy(out, jpeg, 2);
    memcpy(out + 2, b, n);
    memcpy(out + 2 + n, jpeg + 2, len - 2);
    *ret_len = len + n;
    return out;
}
