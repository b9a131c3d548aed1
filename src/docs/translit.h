#pragma once
/* Names as the MRZ spells them: Cyrillic to Latin per ICAO Doc 9303 Part 3
 * (the table Russian passports have used since 2014: Й→I, Х→KH, Ц→TS,
 * Щ→SHCH, Ъ→IE, Ь omitted, Ю→IU, Я→IA, plus Belarusian, Ukrainian, Serbian
 * and Macedonian letters), Latin letters with diacritics per the same part
 * (Ä→AE, Ö→OE, Ü→UE, ß→SS, Ø→OE, Å→AA, others stripped), and a comparison
 * that tolerates the common older transliterations (YURIY / IURII). */
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define TRANSLIT_INPUT_MAX 256 /* bytes of UTF-8 accepted for one name */

enum translit_match {
    TRANSLIT_MISMATCH = 0, /* the names differ */
    TRANSLIT_EXACT,        /* identical after transliteration */
    TRANSLIT_TRUNCATED,    /* the document's name is a truncation of the typed one */
    TRANSLIT_VARIANT,      /* equal once transliteration variants are folded */
};

/* Transliterates the UTF-8 name s[0..len) into the MRZ alphabet: A-Z words
 * separated by single spaces (hyphens, spaces and MRZ fillers '<' separate
 * words; apostrophes and dots are dropped). Returns 0 and a NUL-terminated
 * string in *ret_latin (caller owns, free()); -EINVAL with err code
 * "name_invalid_utf8", "name_unsupported_char" or "name_too_long"; -ENOMEM.
 * An empty or all-separator input gives "". */
int translit_to_latin(const char *s, size_t len, char **ret_latin, err_t *err);

/* Compares a typed name with the document's, both already in the form
 * translit_to_latin returns. `doc_truncated` says the document's name field
 * was full, so the typed name may legitimately be longer (ICAO truncation).
 * Pure, thread-safe; NULL compares as mismatch. */
enum translit_match translit_compare(const char *typed, const char *doc, bool doc_truncated);

/* Returns a short English label for a match result ("exact", ...). */
const char *translit_match_name(enum translit_match m);
