#include "docs/mrzfix.h"

int mrzfix_char_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return c == '<' ? 0 : -1;
}

int mrzfix_check_digit(const char *s, size_t len, size_t phase)
{
    static const int weight[3] = {7, 3, 1};
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int v = mrzfix_char_value(s[i]);
        if (v < 0)
            return -1;
        sum = (sum + v * weight[(phase + i) % 3]) % 10;
    }
    return sum;
}

bool mrzfix_rule_holds(const char *buf, const struct mrzfix_rule *r)
{
    int sum = 0;
    size_t phase = 0;
    for (size_t k = 0; k < r->nspans; k++) {
        int d = mrzfix_check_digit(buf + r->spans[k].off, r->spans[k].len, phase);
        if (d < 0)
            return false;
        sum = (sum + d) % 10;
        phase += r->spans[k].len;
    }
    char c = buf[r->check_off];
    return c >= '0' && c <= '9' && c - '0' == sum;
}

static const char digits[] = "01582";
static const char letters[] = "OISBZ";

char mrzfix_as_digit(char c)
{
    for (int i = 0; letters[i]; i++)
        if (c == letters[i])
            return digits[i];
    return c;
}

char mrzfix_as_letter(char c)
{
    for (int i = 0; digits[i]; i++)
        if (c == digits[i])
            return letters[i];
    return c;
}

bool mrzfix_confusable(char c)
{
    return c != '\0' && (mrzfix_as_digit(c) != c || mrzfix_as_letter(c) != c);
}
