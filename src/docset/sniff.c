#include "docset/sniff.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/limits.h"

static const uint8_t PNG_SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
#define PDF_SCAN 1024 /* header and trailer are looked for this far from each end */

static const char *const NAMES[] = {"", "image/jpeg", "image/png", "application/pdf"};

const char *sniff_media_name(enum sniff_media m)
{
    return (unsigned)m < sizeof NAMES / sizeof NAMES[0] ? NAMES[m] : "";
}

enum sniff_media sniff_media_from_name(const char *s)
{
    for (int i = 1; i < (int)(sizeof NAMES / sizeof NAMES[0]); i++)
        if (s && !strcmp(s, NAMES[i]))
            return (enum sniff_media)i;
    return SNIFF_NONE;
}

enum sniff_media sniff_declared(const char *ct, size_t len)
{
    size_t n = 0;
    while (n < len && ct[n] != ';' && ct[n] != ' ')
        n++;
    for (int i = 1; i < (int)(sizeof NAMES / sizeof NAMES[0]); i++)
        if (n == strlen(NAMES[i]) && !strncasecmp(ct, NAMES[i], n))
            return (enum sniff_media)i;
    return SNIFF_NONE;
}

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int corrupt(err_t *err, const char *what)
{
    return err_set(err, -EINVAL, "image_corrupt", "The image cannot be read (%s): take the photo again.", what);
}

static int check_size(uint32_t w, uint32_t h, err_t *err)
{
    if (w == 0 || h == 0)
        return corrupt(err, "it has no pixels");
    if (w > LIMIT_DOCSET_PAGE_SIDE || h > LIMIT_DOCSET_PAGE_SIDE || (uint64_t)w * h > LIMIT_DOCSET_PAGE_PIXELS)
        return err_set(err, -ERANGE, "image_too_large",
            "The image has more than %u million pixels: send a smaller photo of the page.",
            LIMIT_DOCSET_PAGE_PIXELS / 1000000u);
    return 0;
}

/* A start-of-frame marker (baseline, progressive, lossless, arithmetic);
 * not DHT (C4), JPG (C8) or DAC (CC). */
static int is_sof(uint8_t m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static int sniff_jpeg(const uint8_t *b, size_t len, struct sniff_info *ret, err_t *err)
{
    size_t i = 2;
    while (i + 4 <= len) {
        if (b[i] != 0xFF)
            return corrupt(err, "a broken marker");
        uint8_t m = b[i + 1];
        if (m == 0xFF) { /* fill bytes before a marker */
            i++;
            continue;
        }
        if (m == 0xD8 || m == 0xD9 || m == 0xDA || (m >= 0xD0 && m <= 0xD7) || m == 0x01)
            return corrupt(err, "no frame header");
        size_t seg = be16(b + i + 2);
        if (seg < 2 || i + 2 + seg > len)
            return corrupt(err, "a truncated segment");
        if (is_sof(m)) {
            if (seg < 8)
                return corrupt(err, "a short frame header");
            ret->height = be16(b + i + 5);
            ret->width = be16(b + i + 7);
            return check_size(ret->width, ret->height, err);
        }
        i += 2 + seg;
    }
    return corrupt(err, "it ends before its frame header");
}

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static int sniff_png(const uint8_t *b, size_t len, struct sniff_info *ret, err_t *err)
{
    /* signature (8), length (4), "IHDR" (4), 13 bytes, CRC (4) */
    if (len < 33 || be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
        return corrupt(err, "no image header");
    if (crc32_png(b + 12, 17) != be32(b + 29))
        return corrupt(err, "a damaged image header");
    uint8_t depth = b[24], colour = b[25];
    bool ok = (colour == 0 && (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)) ||
              (colour == 3 && depth >= 1 && depth <= 8 && (depth & (depth - 1)) == 0) ||
              ((colour == 2 || colour == 4 || colour == 6) && (depth == 8 || depth == 16));
    if (!ok)
        return corrupt(err, "an impossible colour format");
    ret->width = be32(b + 16);
    ret->height = be32(b + 20);
    return check_size(ret->width, ret->height, err);
}

static bool contains(const uint8_t *b, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(b + i, needle, n))
            return true;
    return false;
}

static int sniff_pdf(const uint8_t *b, size_t len, err_t *err)
{
    size_t tail = len < PDF_SCAN ? len : PDF_SCAN;
    if (!contains(b + len - tail, tail, "%%EOF"))
        return err_set(err, -EINVAL, "pdf_unreadable", "The PDF is incomplete (it has no end): send it again.");
    return 0;
}

static enum sniff_media magic(const uint8_t *b, size_t len)
{
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return SNIFF_JPEG;
    if (len >= 8 && !memcmp(b, PNG_SIG, 8))
        return SNIFF_PNG;
    if (contains(b, len < PDF_SCAN ? len : PDF_SCAN, "%PDF-"))
        return SNIFF_PDF;
    return SNIFF_NONE;
}

int sniff_page(const uint8_t *buf, size_t len, enum sniff_media declared, struct sniff_info *ret, err_t *err)
{
    memset(ret, 0, sizeof *ret);
    enum sniff_media m = magic(buf, len);
    if (m == SNIFF_NONE || m != declared)
        return err_set(err, -ENOTSUP, "unsupported_media_type",
            "Send a photo (JPEG or PNG) or a PDF of the page, as the Content-Type says.");
    ret->media = m;
    switch (m) {
        case SNIFF_JPEG: return sniff_jpeg(buf, len, ret, err);
        case SNIFF_PNG: return sniff_png(buf, len, ret, err);
        default: return sniff_pdf(buf, len, err);
    }
}
