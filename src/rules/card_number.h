#pragma once
/* Card numbers uchet assigns (issue 12): CARD_NUMBER_DIGITS decimal digits,
 * the first CARD_NUMBER_DIGITS - 1 random, the last a Luhn check digit
 * (ISO/IEC 7812-1), so a mistyped digit or two swapped neighbours are caught
 * before any look-up, and numbers cannot be walked one after another.
 * Pure: the caller brings the random digits. */
#include <stdbool.h>

#define CARD_NUMBER_DIGITS 10

/* The Luhn check digit ('0'..'9') for the n digits in s. */
char card_number_check_digit(const char *s, int n);
/* Appends the check digit to the CARD_NUMBER_DIGITS - 1 digits in body:
 * ret gets CARD_NUMBER_DIGITS digits and a NUL. */
void card_number_complete(const char body[CARD_NUMBER_DIGITS - 1], char ret[CARD_NUMBER_DIGITS + 1]);
/* True for CARD_NUMBER_DIGITS digits whose last is the check digit. */
bool card_number_valid(const char *s);
