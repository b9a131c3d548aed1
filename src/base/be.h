#pragma once
/* Big-endian integers in byte buffers: the one reader and writer of the
 * binary formats uchet lays out or reads (bio/iso19794's records, the
 * kiosk's spooled decoded images). No bounds checks: the caller has checked
 * that p holds n bytes. */
#include <stddef.h>
#include <stdint.h>

/* The n (0 to 8) bytes at p as one big-endian number. */
static inline uint64_t be_get(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Writes the low n (0 to 8) bytes of v at p, most significant first;
 * returns p + n. */
static inline uint8_t *be_put(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = n; i-- > 0; v >>= 8)
        p[i] = (uint8_t)(v & 0xff);
    return p + n;
}

static inline uint32_t be32_get(const uint8_t *p)
{
    return (uint32_t)be_get(p, 4);
}

static inline uint8_t *be32_put(uint8_t *p, uint32_t v)
{
    return be_put(p, v, 4);
}
