#pragma once
/* How the benchmark and the real-image test judge an answer: which
 * characters of a zone a check digit covers (a misread there that the
 * answer still calls valid is a false valid; one elsewhere, in the name,
 * codes, sex or document code, no check can see: docs/document-check.md,
 * "What no check can see"), and the answer's lines and validity. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "docs/mrz.h"

/* True when column col of line `line` (0-based) is covered by a check
 * digit (or is one) in a zone of nlines lines; visa: an MRV, which has no
 * composite. */
static inline bool mrz_checked_at(int nlines, int line, int col, bool visa)
{
    if (nlines == 3)
        return (line == 0 && col >= 5) || (line == 1 && col != 7 && (col < 15 || col >= 18));
    if (line != 1 || (col >= 10 && col < 13) || col == 20)
        return false;
    return !visa || col < 28;
}

/* True when got differs from want where a check digit reaches, or in
 * shape; both are a zone's lines joined by sep. */
static inline bool mrz_misread_where_checked(const char *got, const char *want, char sep)
{
    char seps[2] = {sep, '\0'};
    size_t n = strlen(want), width = strcspn(want, seps);
    if (strlen(got) != n || width == 0)
        return true;
    int nlines = (int)((n + 1) / (width + 1));
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i] && mrz_checked_at(nlines, (int)(i / (width + 1)), (int)(i % (width + 1)), want[0] == 'V'))
            return true;
    return false;
}

/* Checks an OCR reading as the document check does on `today`: its lines
 * after repairs joined by sep into out (cap bytes), and whether it is
 * valid but for the expiry (most specimens expired long ago, and a misread
 * that every other check lets through is a false valid on the day the
 * document was current). Returns mrz_verdict's result. */
static inline int mrz_judge(
    const char *text, const char *alt, struct mrz_date today, char sep, char *out, size_t cap, bool *valid)
{
    struct mrz_verdict v;
    out[0] = '\0';
    *valid = false;
    int r = mrz_verdict(text, alt, strlen(text), true, today, &v, NULL);
    if (r < 0)
        return r;
    size_t n = 0, len = strlen(v.zone);
    for (size_t i = 0; i < len && n + 2 < cap; i += v.width) {
        if (i)
            out[n++] = sep;
        n += (size_t)snprintf(out + n, cap - n, "%.*s", (int)v.width, v.zone + i);
    }
    *valid = v.failed_not_expiry == 0;
    return 0;
}
