/* distance: the one capped edit distance (see distance.h). */
#include "base/distance.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/utf8.h"

int distance_edit(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t cap, size_t *ret, err_t *err)
{
    if ((!a && na > 0) || (!b && nb > 0))
        return err_set(err, -EINVAL, "distance_invalid", "A text to compare is missing.");
    if (na < nb) { /* the row runs over the shorter side: b */
        const uint32_t *t = a;
        a = b, b = t;
        size_t tn = na;
        na = nb, nb = tn;
    }
    /* Every edit changes the length by at most one. */
    if (na - nb > cap) {
        *ret = cap + 1;
        return 0;
    }
    size_t stack[DISTANCE_STACK_MAX + 1];
    size_t *row = stack;
    if (nb > DISTANCE_STACK_MAX) {
        if (nb >= SIZE_MAX / sizeof *row)
            return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
        row = malloc((nb + 1) * sizeof *row);
        if (!row)
            return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    /* row[j] is the distance between a[0..i) and b[0..j) after row i. */
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    bool over = false;
    for (size_t i = 1; i <= na && !over; i++) {
        size_t diag = row[0];
        row[0] = i;
        size_t least = row[0];
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
            if (best < least)
                least = best;
        }
        /* No cell of a later row is below the least of this one. */
        over = least > cap;
    }
    size_t d = over || row[nb] > cap ? cap + 1 : row[nb];
    if (row != stack)
        free(row);
    *ret = d;
    return 0;
}

/* How many code points the UTF-8 text s[0..len) holds, into *ret; -1 when
 * it is not UTF-8. */
static int count_cp(const char *s, size_t len, size_t *ret)
{
    size_t n = 0;
    for (size_t i = 0; i < len; n++)
        if (utf8_next((const unsigned char *)s, len, &i) < 0)
            return -1;
    *ret = n;
    return 0;
}

/* Decodes the UTF-8 text s[0..len) (n code points, checked by count_cp) into
 * stack (room for DISTANCE_STACK_MAX) or, when longer, into a heap buffer;
 * *ret points at the one used (the caller frees it when it is not stack). */
static int decode(const char *s, size_t len, size_t n, uint32_t *stack, uint32_t **ret, err_t *err)
{
    uint32_t *cp = stack;
    if (n > DISTANCE_STACK_MAX) {
        cp = malloc(n * sizeof *cp); /* n <= len: no overflow */
        if (!cp)
            return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    size_t k = 0;
    for (size_t i = 0; i < len;)
        cp[k++] = (uint32_t)utf8_next((const unsigned char *)s, len, &i);
    *ret = cp;
    return 0;
}

int distance_edit_utf8(const char *a, size_t alen, const char *b, size_t blen, size_t cap, size_t *ret, err_t *err)
{
    if ((!a && alen > 0) || (!b && blen > 0))
        return err_set(err, -EINVAL, "distance_invalid", "A text to compare is missing.");
    size_t na = 0, nb = 0;
    if (count_cp(a, alen, &na) < 0 || count_cp(b, blen, &nb) < 0)
        return err_set(err, -EINVAL, "distance_invalid_utf8", "A text to compare is not valid UTF-8.");
    if ((na > nb ? na - nb : nb - na) > cap) { /* before any allocation */
        *ret = cap + 1;
        return 0;
    }
    uint32_t sa[DISTANCE_STACK_MAX], sb[DISTANCE_STACK_MAX];
    uint32_t *ca = NULL, *cb = NULL;
    int r = decode(a, alen, na, sa, &ca, err);
    if (r == 0)
        r = decode(b, blen, nb, sb, &cb, err);
    if (r == 0)
        r = distance_edit(ca, na, cb, nb, cap, ret, err);
    if (ca != sa)
        free(ca);
    if (cb != sb)
        free(cb);
    return r;
}
