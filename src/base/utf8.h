#pragma once
/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF. Every text uchet judges by its letters (names, reasons, catalogs,
 * ANSI/NIST fields) is decoded here, so all of them refuse the same bytes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[*i] (*i < len) and advances *i past it.
 * Returns the code point, or -1 when the bytes there are not strict UTF-8
 * (*i unchanged). */
int32_t utf8_next(const unsigned char *s, size_t len, size_t *i);

/* true when s[0..len) is strict UTF-8; a NUL byte is refused unless
 * allow_nul (text that becomes a C string must refuse it). */
bool utf8_valid(const void *s, size_t len, bool allow_nul);

/* Writes cp (a Unicode scalar value) to out as 1-4 bytes; returns how many.
 * out must have room for 4. */
size_t utf8_put(char *out, int32_t cp);

/* Simple case mapping (one code point to one) for the scripts the people
 * uchet serves write their names in: Latin (ASCII and Latin-1), and all of
 * Cyrillic with the Tajik, Uzbek, Kazakh and Kyrgyz letters (Ҷ ҷ, Ғ ғ,
 * Қ қ, Ҳ ҳ, Ӣ ӣ, Ӯ ӯ, Ў ў, Ә ә, Ө ө, Ү ү, Ұ ұ, Ң ң, Һ һ, І і). Other code
 * points, ß and ÿ among them, come back unchanged. One owner, so that every
 * comparison that ignores case ignores the same cases. */
int32_t utf8_upper(int32_t cp);
int32_t utf8_lower(int32_t cp);
