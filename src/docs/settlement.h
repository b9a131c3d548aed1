#pragma once
/* Which region a typed settlement belongs to (issue 17: "a warning when the
 * typed settlement does not belong to the chosen region").
 *
 * uchet has no address register (FIAS/GAR is not part of it), so this is a
 * small catalogue of its own, kept as data: data/settlements/catalogue.txt
 * (its sources in data/settlements/README), read once at start by
 * docs/settlement_file.h and parsed here. It lists settlements of the
 * regions `uchetctl init` creates (77 Moscow, 50 Moscow Oblast) that people
 * are likely to confuse - Moscow and the towns New Moscow took in
 * (Zelenograd, Troitsk, Shcherbinka, ...) against the oblast's towns around
 * it (Khimki, Balashikha, Podolsk, ...). Names that also exist inside the
 * other region are left out, so a hit is a fact, not a guess. A settlement
 * that is not listed is unknown: no answer, no warning. The answer is advice
 * for the person; nothing is refused on it.
 *
 * A typed name matches in Cyrillic or in Latin letters: both sides go through
 * the ICAO transliteration (docs/translit.h) and its variant folding, so
 * "Химки", "г. Химки", "Khimki" and "Московская обл., Химки" are the same.
 * No I/O here (the parser takes the file's bytes); a parsed catalogue is
 * read-only, so any number of threads may look up in it at once. */
#include <stddef.h>

#include "base/err.h"

typedef struct settlement_catalogue settlement_catalogue_t;

/* Parses the catalogue's text text[0..len). One settlement a line: a region
 * code in use (two digits, rules/region_code.h), blanks, then the name as it
 * is written in an address, to the end of the line; '#' starts a comment;
 * blank lines, a trailing '\r' and a leading UTF-8 BOM are ignored. A name
 * must transliterate (docs/translit.h) to something besides words for a
 * kind of place, be at most LIMIT_ADDRESS_PART_BYTES long and be listed once
 * (two spellings the transliteration makes equal, "Королёв" and "Королев",
 * are one name); at most LIMIT_SETTLEMENT_NAMES names, at least one.
 * Returns 0 and *ret_cat (caller owns: settlement_catalogue_free); -EINVAL
 * with err code "settlement_syntax" and a message naming the line; -ENOMEM. */
int settlement_catalogue_parse(const char *text, size_t len, settlement_catalogue_t **ret_cat, err_t *err);

/* Frees a catalogue (NULL is fine). */
void settlement_catalogue_free(settlement_catalogue_t *cat);

/* The code of the region the settlement s[0..len) is in ("77", "50";
 * borrowed from cat), or NULL when cat does not know it or cat is NULL.
 * Comma-separated parts are tried from the last (at most 4); words naming the
 * kind of place (г., город, пос., село, деревня, мкр ...) are ignored. */
const char *settlement_region(const settlement_catalogue_t *cat, const char *s, size_t len);

/* How many names the catalogue holds (0 for NULL). */
size_t settlement_catalogue_size(const settlement_catalogue_t *cat);
