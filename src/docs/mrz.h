#pragma once
/* The document check of ICAO Doc 9303 machine-readable zones: TD1 (3 x 30,
 * ID cards), TD2 (2 x 36), TD3 (2 x 44, passports), MRV-A (2 x 44 visa) and
 * MRV-B (2 x 36 visa). Parses every field, verifies every check digit, date,
 * sex and country code, repairs OCR confusions where the field type or the
 * check digits make the repair unambiguous, and cross-checks what the
 * applicant typed (names through ICAO Part 3 transliteration). */
#include <jansson.h>
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

/* Parses and checks MRZ text: lines separated by \n (\r\n tolerated); spaces
 * and tabs anywhere in a line are ignored, letters are upper-cased, blank
 * lines skipped, and the first run of 3 x 30, 2 x 44 or 2 x 36 lines is
 * taken as the zone. Applies the OCR corrections and returns a new JSON
 * object in *ret (caller owns, json_decref):
 *   { "format": "TD1"|"TD2"|"TD3"|"MRV-A"|"MRV-B", "valid": bool,
 *     "mrz": [corrected lines],
 *     "fields": { document_code, issuing_state, surname, given_names,
 *       name_truncated, document_number, nationality, birth_date
 *       ("YYYY-MM-DD", or "YYYY-MM"/"YYYY" when the MRZ marks the day or
 *       month unknown, or null), sex "F"|"M"|"X", expiry_date (or null),
 *       optional_data, [optional_data_2 for TD1] },
 *     "checks": [ {"name", "passed", "reason"} ... ],
 *     "corrections": [ {"field", "line", "position", "from", "to"} ... ],
 *     "cross_check": [ {"name", "passed", "reason"} ... ] (only with typed),
 *     "matches_typed": bool (only with typed) }
 * Positions are 1-based columns as in Doc 9303. "valid" is true when every
 * check passed. `typed` (may be NULL, borrowed) is an object with any of
 * surname, given_names (Cyrillic or Latin), birth_date ("YYYY-MM-DD") and
 * document_number as the applicant typed them. `today` decides the expiry
 * check and the century of two-digit years (birth in the past, expiry within
 * 50 years either side of today).
 * Returns 0; -EINVAL with err code "mrz_unreadable" (no text at all),
 * "mrz_format" (no run of lines has an MRZ shape) or "mrz_too_long"; -ENOMEM.
 * Failed checks are not errors. Pure and thread-safe. */
int mrz_check_text(const char *text, size_t len, const json_t *typed,
                   struct mrz_date today, json_t **ret, err_t *err);
