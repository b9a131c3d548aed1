#pragma once
/* What counts as a stated reason (issue 12): an officer's reason for a
 * look-up or a decision, a person's appeal.
 *
 * Text is read as UTF-8 and normalised the way NFKC would for what matters
 * here: full-width letters and digits count as their ASCII forms. Then:
 *   - invisible characters are refused outright: controls (except a line
 *     break where the caller allows it), zero-width spaces and joiners,
 *     bidirectional controls, soft hyphens, BOMs (reason_invisible);
 *   - only letters and digits count towards the minimum: spaces of any
 *     kind (NBSP, U+2000..U+200A, U+3000), punctuation and symbols do not,
 *     so "     ", "....." or ten NBSPs are no reason (invalid_reason);
 *   - a look-up also needs a case or reference number (REASON_NEED_REFERENCE):
 *     one word of letters, digits and "-", "/", ".", "№" that holds at least
 *     REASON_REFERENCE_DIGITS digits, e.g. "case 2025/117", "КУСП-1234",
 *     "дело № 12-345", "ref 4471".
 * Pure; no I/O. */
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define REASON_REFERENCE_DIGITS 3

enum {
    REASON_ALLOW_NEWLINE = 1,  /* line breaks allowed (an appeal) */
    REASON_NEED_REFERENCE = 2, /* a case or reference number required (a look-up) */
};

/* 0 when s (len bytes) is a reason with at least min_visible letters or
 * digits and at most max_chars characters; else -EINVAL with err's code
 * invalid_reason (and a message saying what is missing). */
int reason_check(const char *s, size_t len, int min_visible, int max_chars, int flags, err_t *err);
