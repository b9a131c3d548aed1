/* libFuzzer target for base/exif. Properties:
 *  - the orientation is always 1 to 8, for the bytes as given and for
 *    them behind a JPEG's SOI (so that the marker walk is reached), and
 *    reading never goes past len (both buffers are exactly len bytes);
 *  - turning pixels by the value found and then by its inverse (6 and 8
 *    swap, the rest undo themselves) gives the input back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/exif.h"

static int inverse(int o)
{
    return o == 6 ? 8 : o == 8 ? 6 : o;
}

static void check_turns(int o, const uint8_t *data, size_t size)
{
    uint32_t w = size ? 1 + data[0] % 7 : 1, h = 1 + (uint32_t)(size / 3) % 5, ch = size % 2 ? 3 : 1;
    size_t n = (size_t)w * h * ch;
    uint8_t *src = malloc(n), *mid = malloc(n), *back = malloc(n);
    if (!src || !mid || !back)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        src[i] = size ? data[i % size] : (uint8_t)i;
    uint32_t sw, sh, bw, bh;
    exif_shown_size(o, w, h, &sw, &sh);
    exif_upright(o, src, w, h, ch, mid);
    exif_shown_size(inverse(o), sw, sh, &bw, &bh);
    exif_upright(inverse(o), mid, sw, sh, ch, back);
    if (bw != w || bh != h || memcmp(src, back, n) != 0)
        __builtin_trap();
    free(src);
    free(mid);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size + 2);
    if (!in)
        return 0;
    in[0] = 0xFF, in[1] = 0xD8;
    if (size)
        memcpy(in + 2, data, size);
    int raw = exif_orientation(data, size), o = exif_orientation(in, size + 2);
    if (raw < 1 || raw > 8 || o < 1 || o > 8)
        __builtin_trap();
    check_turns(o, data, size);
    free(in);
    return 0;
}
