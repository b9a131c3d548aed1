#include "rules/card_number.h"

#include <string.h>

char card_number_check_digit(const char *s, int n)
{
    int sum = 0;
    for (int i = n - 1, dbl = 1; i >= 0; i--, dbl = !dbl) {
        int d = s[i] - '0';
        if (dbl && (d *= 2) > 9)
            d -= 9;
        sum += d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

void card_number_complete(const char body[CARD_NUMBER_DIGITS - 1], char ret[CARD_NUMBER_DIGITS + 1])
{
    memcpy(ret, body, CARD_NUMBER_DIGITS - 1);
    ret[CARD_NUMBER_DIGITS - 1] = card_number_check_digit(body, CARD_NUMBER_DIGITS - 1);
    ret[CARD_NUMBER_DIGITS] = '\0';
}

bool card_number_valid(const char *s)
{
    for (int i = 0; i < CARD_NUMBER_DIGITS; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[CARD_NUMBER_DIGITS] == '\0' &&
           card_number_check_digit(s, CARD_NUMBER_DIGITS - 1) == s[CARD_NUMBER_DIGITS - 1];
}
