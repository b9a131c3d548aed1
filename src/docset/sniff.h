#pragma once
/* sniff: what an uploaded page is, from its bytes alone, before any of it is
 * stored or decoded (docs/DOCSETS.md, "Intake API").
 *
 * JPEG: the SOI marker, then segments up to the first start-of-frame, whose
 * width and height are read; PNG: the signature and the IHDR chunk (its
 * length, CRC, width, height, bit depth and colour type); PDF: "%PDF-" in the
 * first 1024 bytes and "%%EOF" in the last 1024 (the page count needs the
 * PDF parsed: docset/pdfpage, in a child process). The declared
 * Content-Type must be the one the bytes are.
 *
 * Pure: no I/O, no allocation, no globals; safe on hostile input (the fuzz
 * target tests/fuzz/fuzz_docset_sniff.c). */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum sniff_media { SNIFF_NONE = 0, SNIFF_JPEG, SNIFF_PNG, SNIFF_PDF };

struct sniff_info {
    enum sniff_media media;
    uint32_t width, height; /* pixels; 0 for a PDF */
};

/* The media type a Content-Type value names (parameters after ';' ignored),
 * or SNIFF_NONE. */
enum sniff_media sniff_declared(const char *ct, size_t len);

/* Checks buf[0..len) against the declared type. 0 and *ret on success;
 * -ENOTSUP "unsupported_media_type" (not JPEG, PNG or PDF, or not what was
 * declared), -EINVAL "image_corrupt" (a JPEG or PNG whose header is broken
 * or has a zero side), -EINVAL "pdf_unreadable" (no PDF header or end
 * marker), -ERANGE "image_too_large" (more than LIMIT_DOCSET_PAGE_SIDE per
 * side or LIMIT_DOCSET_PAGE_PIXELS in all). */
int sniff_page(const uint8_t *buf, size_t len, enum sniff_media declared, struct sniff_info *ret, err_t *err);

/* "image/jpeg", "image/png", "application/pdf"; "" for SNIFF_NONE. */
const char *sniff_media_name(enum sniff_media m);
/* The inverse of sniff_media_name, for stored rows; SNIFF_NONE if unknown. */
enum sniff_media sniff_media_from_name(const char *s);
