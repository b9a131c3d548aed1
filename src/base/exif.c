/* base/exif: a JPEG's EXIF Orientation, and the pixels turned by it. */
#include "base/exif.h"

#include <stdbool.h>
#include <string.h>

#define TAG_ORIENTATION 0x0112
#define TIFF_SHORT 3

/* The n (2 or 4) bytes at p in the TIFF block's byte order. */
static uint32_t tiff_get(const uint8_t *p, size_t n, bool little)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[little ? n - 1 - i : i];
    return v;
}

/* The Orientation in IFD0 of the TIFF block t[0..n) (an APP1's payload
 * after "Exif\0\0"); 1 where it is missing or anything is out of place. */
static int tiff_orientation(const uint8_t *t, size_t n)
{
    if (n < 8 || !((t[0] == 'I' && t[1] == 'I') || (t[0] == 'M' && t[1] == 'M')))
        return 1;
    bool little = t[0] == 'I';
    size_t ifd = tiff_get(t + 4, 4, little);
    if (tiff_get(t + 2, 2, little) != 42 || ifd > n || n - ifd < 2)
        return 1;
    size_t entries = tiff_get(t + ifd, 2, little);
    if (12 * entries > n - ifd - 2)
        return 1; /* a directory running past its block is no directory */
    for (size_t k = 0; k < entries; k++) {
        size_t e = ifd + 2 + 12 * k;
        if (tiff_get(t + e, 2, little) != TAG_ORIENTATION)
            continue;
        uint32_t v = tiff_get(t + e + 8, 2, little);
        bool one_short = tiff_get(t + e + 2, 2, little) == TIFF_SHORT && tiff_get(t + e + 4, 4, little) == 1;
        return one_short && v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

int exif_orientation(const uint8_t *j, size_t len)
{
    if (!j || len < 4 || j[0] != 0xFF || j[1] != 0xD8)
        return 1;
    size_t at = 2;
    while (len - at >= 4) {
        uint8_t m = j[at + 1];
        if (j[at] != 0xFF || m == 0xDA || m == 0xD9)
            return 1; /* not a marker, or the image data begins: no EXIF before it */
        if (m == 0xFF || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            at += m == 0xFF ? 1 : 2; /* a fill byte, or a marker without a length */
            continue;
        }
        size_t seg = (size_t)j[at + 2] << 8 | j[at + 3]; /* counts its own two bytes */
        if (seg < 2 || seg > len - at - 2)
            return 1;
        if (m == 0xE1 && seg >= 2 + 6 && memcmp(j + at + 4, "Exif\0\0", 6) == 0)
            return tiff_orientation(j + at + 10, seg - 8);
        at += 2 + seg;
    }
    return 1;
}

void exif_shown_size(int o, uint32_t w, uint32_t h, uint32_t *ret_w, uint32_t *ret_h)
{
    bool swap = o >= 5 && o <= 8;
    *ret_w = swap ? h : w;
    *ret_h = swap ? w : h;
}

/* Where shown pixel (0,0) comes from in the stored pixels, and the stored
 * step (in pixels) for one shown pixel right and one shown row down. */
struct walk {
    bool right_x, bottom_y; /* origin at the last column / last row */
    int xdx, xdy, ydx, ydy;
};

static const struct walk WALKS[9] = {
    [1] = {false, false, 1, 0, 0, 1},
    [2] = {true, false, -1, 0, 0, 1},
    [3] = {true, true, -1, 0, 0, -1},
    [4] = {false, true, 1, 0, 0, -1},
    [5] = {false, false, 0, 1, 1, 0},
    [6] = {false, true, 0, -1, 1, 0},
    [7] = {true, true, 0, -1, -1, 0},
    [8] = {true, false, 0, 1, -1, 0},
};

void exif_upright(int o, const uint8_t *src, uint32_t w, uint32_t h, uint32_t channels, uint8_t *dst)
{
    const struct walk *k = &WALKS[o >= 1 && o <= 8 ? o : 1];
    uint32_t dw, dh;
    exif_shown_size(o >= 1 && o <= 8 ? o : 1, w, h, &dw, &dh);
    ptrdiff_t row = (ptrdiff_t)w * channels;
    ptrdiff_t step_x = k->xdx * (ptrdiff_t)channels + k->xdy * row;
    ptrdiff_t step_y = k->ydx * (ptrdiff_t)channels + k->ydy * row;
    ptrdiff_t origin = (k->right_x ? (ptrdiff_t)(w - 1) * channels : 0) + (k->bottom_y ? (ptrdiff_t)(h - 1) * row : 0);
    uint8_t *d = dst;
    for (uint32_t y = 0; y < dh; y++) {
        /* offsets, not pointers: the step past a row's last pixel may
         * point before the first */
        ptrdiff_t at = origin + (ptrdiff_t)y * step_y;
        for (uint32_t x = 0; x < dw; x++, at += step_x)
            for (uint32_t c = 0; c < channels; c++)
                *d++ = src[at + c];
    }
}
