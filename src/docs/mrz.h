#pragma once
/* The document check of ICAO Doc 9303 machine-readable zones: TD1 (3 x 30,
 * ID cards), TD2 (2 x 36), TD3 (2 x 44, passports), MRV-A (2 x 44 visa) and
 * MRV-B (2 x 36 visa). Parses every field, verifies every check digit, date,
 * sex and country code; repairs OCR readings only where the field type or
 * the reader's own second candidate decides (never typed text), and
 * cross-checks what the applicant typed (names through ICAO Part 3
 * transliteration). */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define MRZ_TEXT_MAX 4096 /* bytes of text accepted (an MRZ is at most 92) */
#define MRZ_LINES_MAX 12  /* non-empty lines scanned for the zone */

/* A calendar date; "today" is passed in so that the module stays pure. */
struct mrz_date {
    int y; /* e.g. 2025 */
    int m; /* 1-12 */
    int d; /* 1-31 */
};

/* Parses and checks MRZ text AS GIVEN (typed or pasted): lines separated by
 * \n (\r\n tolerated); spaces and tabs anywhere in a line are ignored,
 * letters are upper-cased, blank lines skipped, and the first run of 3 x 30,
 * 2 x 44 or 2 x 36 lines is taken as the zone. Nothing is repaired: where
 * one look-alike swap (0/O 1/I 5/S 8/B 2/Z) would make every failing check
 * digit hold it is offered as a suggestion, and the zone stays invalid.
 * Returns a new JSON object in *ret (caller owns, json_decref):
 *   { "format": "TD1"|"TD2"|"TD3"|"MRV-A"|"MRV-B", "source": "text"|"image",
 *     "valid": bool, "status": "valid"|"valid_after_repairs"|"invalid",
 *     "mrz": [lines after repairs], "mrz_as_read": [lines as given],
 *     "fields": { document_code, issuing_state, surname, given_names,
 *       name_truncated, document_number, nationality, birth_date
 *       ("YYYY-MM-DD", or "YYYY-MM"/"YYYY" when the MRZ marks the day or
 *       month unknown, or null), sex "F"|"M"|"X", expiry_date (or null),
 *       optional_data, [optional_data_2 for TD1] },
 *     "checks": [ {"name", "passed", "reason"} ... ],
 *     "repairs": [ {"field", "line", "position", "from", "to", "why",
 *                   "reason"} ... ] (image input only; empty for text),
 *     "suggestions": [ {"field", "line", "position", "from", "to",
 *                       "reason"} ... ],
 *     "faults": [ {"field", "sure", "reason"} ... ] (what is wrong),
 *     "cross_check": [ {"name", "passed", "reason"} ... ] (only with typed),
 *     "matches_typed": bool (only with typed) }
 * Positions are 1-based columns as in Doc 9303. "valid" is true when every
 * check passed; "status" says whether repairs were needed for it. A zone
 * whose printed check digits do not all hold is never valid as given.
 * "faults" blames the field that is wrong: a wrong character in a field
 * fails its check digit and the composite, and only a change in that field
 * satisfies both; a wrong check digit fails itself and the composite, and
 * only a change of that digit satisfies both ("sure" is false when more
 * than one field could explain the failures).
 * `typed` (may be NULL, borrowed) is an object with any of
 * surname, given_names (Cyrillic or Latin), birth_date ("YYYY-MM-DD") and
 * document_number as the applicant typed them. `today` decides the expiry
 * check and the century of two-digit years (birth in the past, expiry within
 * 50 years either side of today).
 * Returns 0; -EINVAL with err code "mrz_unreadable" (no text at all),
 * "mrz_format" (no run of lines has an MRZ shape) or "mrz_too_long"; -ENOMEM.
 * Failed checks are not errors. Pure and thread-safe. */
int mrz_check_text(const char *text, size_t len, const json_t *typed, struct mrz_date today, json_t **ret, err_t *err);

/* The same for text an OCR reader produced from an image, which may be
 * repaired, each repair named in "repairs" with its reason:
 *  - by field type: in a digits-only field (dates, check digits) a letter
 *    that looks like a digit (O I S B Z) becomes that digit; in a
 *    letters-only field (codes, name, sex) a digit becomes the letter the
 *    reader offered as its second candidate (those fields have no check
 *    digit to catch a guess, so the type alone does not decide);
 *  - by the reader's candidates: where the reader saw two near-equal
 *    readings of one character (alt) and exactly one such character in
 *    the zone makes every failing check digit hold with its second reading.
 * No combination of swaps is ever searched. `alt` (may be NULL) holds len
 * bytes parallel to text: alt[i] is the second candidate for text[i], or
 * ' ' for none, or '?' where the reader is unsure of the character: then
 * the check "reading_confident" fails, and the zone is not valid. */
int mrz_check_ocr(const char *text, const char *alt, size_t len, const json_t *typed, struct mrz_date today,
    json_t **ret, err_t *err);

enum mrz_status { MRZ_INVALID = 0, MRZ_VALID, MRZ_VALID_AFTER_REPAIRS };

/* The outcome of a check without the JSON answer (for the OCR's choice
 * between candidate zones, and for sweeping tests). */
struct mrz_verdict {
    enum mrz_status status;
    char zone[3 * 44 + 1];      /* the lines after repairs, laid end to end */
    size_t width;               /* characters per line */
    unsigned checks;            /* checks run */
    unsigned passed;            /* of which passed */
    unsigned failed_not_expiry; /* failed, other than "not_expired" */
    unsigned repairs;           /* characters repaired (image input only) */
};

/* Runs exactly the check of mrz_check_text (image false) or mrz_check_ocr
 * (image true; alt may be NULL) and fills *ret. Same errors, no cross-check.
 * Pure and thread-safe. */
int mrz_verdict(const char *text, const char *alt, size_t len, bool image, struct mrz_date today,
    struct mrz_verdict *ret, err_t *err);
