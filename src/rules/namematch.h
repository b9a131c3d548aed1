#pragma once
/* Transliteration-aware comparison of one name field (a surname, or the
 * given names) as two documents of one person spell it.
 *
 * Both sides are first spelled in Latin: Russian, Ukrainian and Belarusian
 * Cyrillic per ICAO Doc 9303 Part 3 (through docs/translit), plus the letters
 * that table lacks — Tajik Ҷ Қ Ҳ Ӣ Ӯ Ғ, Kazakh and Kyrgyz Ә Ө Ү Ң Ұ І Һ Ғ Қ,
 * Uzbek Cyrillic Ў Ғ Қ Ҳ — and Uzbek Latin O‘ G‘ (with ‘ ʻ ’ ` or ').
 * The Latin spellings are then folded to a skeleton on which translators'
 * legitimate choices coincide:
 *   DZH, DJ, ZH, J → J      KH, X, H → H (X also tried as KS)
 *   GH → G    Q → K         YU → IU   YA → IA   YE → E   YO → E
 *   Y → I     II → I        O‘ (and Ў, Ө) tried both as O and as U
 * and an O of a name spelled as a machine-readable zone spells it (A-Z,
 * spaces, hyphens, '<', no apostrophe) matches the other side's U when
 * that side is not so spelled: the zone drops O‘'s mark (and a Latin
 * passport Ө's), OTKIR for O‘TKIR, which Russian writes Уткир.
 * Result, from best to worst:
 *   exact    — the same Latin spelling;
 *   variant  — equal skeletons: a legitimate variant, not flagged;
 *   near     — skeletons one edit apart (Levenshtein 1), or equal once CH
 *              is read as J and SHCH as SH on both sides (Tajik Ҷ
 *              written, or read by OCR, as its Russian look-alike Ч; Ш
 *              read Щ), or the names as written one letter apart, case
 *              aside (Ш read Щ again: SH against SHCH, two edits):
 *              refer to a registrar, never fail on it;
 *   mismatch — anything else.
 * Pure: no I/O, no globals, thread-safe. */
#include <stddef.h>

#include "base/err.h"

#define NAMEMATCH_INPUT_MAX 256 /* bytes of UTF-8 per name (docs/translit's limit) */

enum namematch_result {
    NAMEMATCH_MISMATCH = 0, /* different names */
    NAMEMATCH_NEAR,         /* skeletons differ by one edit: refer */
    NAMEMATCH_VARIANT,      /* equal skeletons: legitimate variant */
    NAMEMATCH_EXACT,        /* identical Latin spelling */
};

/* Writes the skeleton of the UTF-8 name s[0..len) (with O‘ read as U when
 * `ou_as_u`, else as O; X read as H unless `x_as_ks`) into *ret (caller owns,
 * free()). Returns 0; -EINVAL with err code "name_invalid_utf8",
 * "name_unsupported_char" or "name_too_long"; -ENOMEM. */
int namematch_skeleton(const char *s, size_t len, int ou_as_u, int x_as_ks, char **ret, err_t *err);

/* Compares the names a[0..alen) and b[0..blen) and writes the result to
 * *ret. Returns 0, or the errors of namematch_skeleton (for either side);
 * *ret is written only on success. Empty names compare as mismatch. */
int namematch_compare(const char *a, size_t alen, const char *b, size_t blen, enum namematch_result *ret, err_t *err);

/* "exact", "variant", "near" or "mismatch". */
const char *namematch_result_name(enum namematch_result r);
