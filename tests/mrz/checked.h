#pragma once
/* Which characters of a zone a check digit covers, for the benchmark and
 * the real-image test: a misread there that the answer still calls valid
 * is a false valid; one elsewhere (name, codes, sex, document code) no
 * check can see (docs/document-check.md, "What no check can see"). */
#include <stdbool.h>

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
