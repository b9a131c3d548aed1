#pragma once
/* Which region a typed settlement belongs to (issue 17: "a warning when the
 * typed settlement does not belong to the chosen region").
 *
 * uchet has no address register (FIAS/GAR is not part of it), so this is a
 * small catalogue of its own: the settlements of the regions `uchetctl init`
 * creates (77 Moscow, 50 Moscow Oblast) that people are likely to confuse -
 * Moscow and the towns New Moscow took in (Zelenograd, Troitsk,
 * Shcherbinka, ...) against the oblast's towns around it (Khimki,
 * Balashikha, Podolsk, ...). Names that also exist inside the other region
 * are left out, so a hit is a fact, not a guess. A settlement that is not
 * listed is unknown: no answer, no warning. The answer is advice for the
 * person; nothing is refused on it.
 *
 * A typed name matches in Cyrillic or in Latin letters: both sides go through
 * the ICAO transliteration (docs/translit.h) and its variant folding, so
 * "Химки", "г. Химки", "Khimki" and "Московская обл., Химки" are the same.
 * No I/O; thread-safe (the catalogue's transliterated names are made once,
 * on first use, and kept). */
#include <stddef.h>

/* The code of the region the settlement s[0..len) is in ("77", "50"), or
 * NULL when the catalogue does not know it. Comma-separated parts are tried
 * from the last (at most 4); words naming the kind of place (г., город, пос., село,
 * деревня, мкр ...) are ignored. */
const char *settlement_region(const char *s, size_t len);

/* How many names the catalogue holds (tests). */
size_t settlement_catalogue_size(void);
