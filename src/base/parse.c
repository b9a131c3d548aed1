#include "base/parse.h"

#include <errno.h>

int parse_u64(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *ret)
{
    if (!s || len == 0 || len > 20)
        return -EINVAL;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -ERANGE;
    *ret = v;
    return 0;
}

int parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret)
{
    if (!s || len == 0)
        return -EINVAL;
    int neg = s[0] == '-';
    uint64_t mag;
    int r = parse_u64(s + neg, len - (size_t)neg, 0, (uint64_t)INT64_MAX + (uint64_t)neg, &mag);
    if (r < 0)
        return r;
    int64_t v = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    if (v < min || v > max)
        return -ERANGE;
    *ret = v;
    return 0;
}
