#pragma once
/* Repair of the characters OCR confuses in an MRZ: 0/O, 1/I, 5/S, 8/B, 2/Z.
 *
 * The MRZ is handled as one flat buffer of its lines laid end to end
 * (offset = line * width + column). These are the building blocks; the
 * policy (which repair is allowed, and never a search over combinations of
 * swaps until a check digit fits) lives in docs/mrz.c. */
#include <stdbool.h>
#include <stddef.h>

#define MRZFIX_MAX_SPANS 4 /* the TD1 composite check covers four spans */

struct mrzfix_span {
    size_t off; /* first byte in the flat buffer */
    size_t len; /* bytes */
};

/* One check digit: the digit at check_off must equal the 7-3-1 checksum of
 * the spans read one after the other. */
struct mrzfix_rule {
    struct mrzfix_span spans[MRZFIX_MAX_SPANS];
    size_t nspans;
    size_t check_off;
};

/* Returns the ICAO 9303 value of one MRZ character (0-9 face value, A-Z
 * 10-35, '<' 0), or -1 for any other byte. */
int mrzfix_char_value(char c);

/* Computes the check digit (0-9) of s[0..len) with weights 7, 3, 1 starting
 * at weight index `phase` (0 for a fresh field). Returns -1 when s holds a
 * byte outside A-Z 0-9 '<'. */
int mrzfix_check_digit(const char *s, size_t len, size_t phase);

/* Returns true when rule r holds in buf: every span is valid and the byte at
 * check_off is the digit of their combined checksum. A filler '<' at
 * check_off never passes. */
bool mrzfix_rule_holds(const char *buf, const struct mrzfix_rule *r);

/* Returns the digit OCR confuses with c ('O'→'0', 'I'→'1', 'S'→'5', 'B'→'8',
 * 'Z'→'2'), or c itself. */
char mrzfix_as_digit(char c);

/* Returns the letter OCR confuses with c ('0'→'O', '1'→'I', '5'→'S',
 * '8'→'B', '2'→'Z'), or c itself. */
char mrzfix_as_letter(char c);

/* Returns true when c is one of the ten confusable characters. */
bool mrzfix_confusable(char c);
