#pragma once
/* ICAO 9303 Part 3 three-letter codes for issuing states, organisations and
 * nationalities: ISO 3166-1 alpha-3 plus ICAO's own codes (D<< for Germany,
 * GBD/GBN/GBO/GBP/GBS, UN and organisation codes, XXA/XXB/XXC/XXX for
 * stateless persons and refugees, UTO for the specimen state Utopia). */
#include <stdbool.h>
#include <stddef.h>

/* Returns true when the three bytes at `code` (filler '<' included, as they
 * appear in the MRZ, e.g. "D<<") are a known code. `code` must point at three
 * readable bytes; it need not be NUL-terminated. Pure, thread-safe. */
bool icao_codes_known(const char *code);

/* Returns the number of codes in the table (for tests). */
size_t icao_codes_count(void);
