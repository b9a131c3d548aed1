/* base/cmyk: CMYK pixels as RGB or grey. */
#include "base/cmyk.h"

/* What ink c and black k leave of white, 0-255 (both as ink amounts). */
static uint8_t left_of(uint8_t c, uint8_t k)
{
    return (uint8_t)(((255 - c) * (255 - k) + 127) / 255);
}

/* The pixel at p as R, G, B. */
static void rgb_of(const uint8_t *p, bool inverted, uint8_t out[3])
{
    uint8_t k = inverted ? (uint8_t)(255 - p[3]) : p[3];
    for (int i = 0; i < 3; i++)
        out[i] = left_of(inverted ? (uint8_t)(255 - p[i]) : p[i], k);
}

void cmyk_to_rgb(const uint8_t *cmyk, size_t n, bool inverted, uint8_t *rgb)
{
    for (size_t i = 0; i < n; i++)
        rgb_of(cmyk + 4 * i, inverted, rgb + 3 * i);
}

void cmyk_to_grey(const uint8_t *cmyk, size_t n, bool inverted, uint8_t *grey)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c[3];
        rgb_of(cmyk + 4 * i, inverted, c);
        grey[i] = (uint8_t)((299 * c[0] + 587 * c[1] + 114 * c[2] + 500) / 1000);
    }
}
