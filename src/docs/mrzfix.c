#include "docs/mrzfix.h"

#include <errno.h>

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

static char swapped(char c)
{
    char d = mrzfix_as_digit(c);
    return d != c ? d : mrzfix_as_letter(c);
}

/* Applies the swap mask to buf (toggling: applying it twice restores). */
static void apply_mask(char *buf, const size_t *pos, size_t npos, unsigned mask)
{
    for (size_t i = 0; i < npos; i++)
        if (mask & (1u << i))
            buf[pos[i]] = swapped(buf[pos[i]]);
}

static bool all_hold(const char *buf, const struct mrzfix_rule *rules, size_t nrules)
{
    for (size_t i = 0; i < nrules; i++)
        if (!mrzfix_rule_holds(buf, &rules[i]))
            return false;
    return true;
}

int mrzfix_search(char *buf, size_t buflen, const size_t *pos, size_t npos,
                  const struct mrzfix_rule *rules, size_t nrules, size_t *ret_swaps)
{
    if (!buf || (npos && !pos) || (nrules && !rules))
        return -EINVAL;
    if (npos > MRZFIX_MAX_POSITIONS)
        return -E2BIG;
    for (size_t i = 0; i < npos; i++)
        if (pos[i] >= buflen || !mrzfix_confusable(buf[pos[i]]))
            return -EINVAL;
    /* One pass over all combinations, keeping the fewest-swap solutions. */
    unsigned best = 0, best_w = ~0u, found = 0;
    for (unsigned mask = 0; mask < (1u << npos); mask++) {
        unsigned w = (unsigned)__builtin_popcount(mask);
        if (w > best_w)
            continue;
        apply_mask(buf, pos, npos, mask);
        if (all_hold(buf, rules, nrules)) {
            found = w < best_w ? 1 : found + 1;
            best_w = w;
            best = mask;
        }
        apply_mask(buf, pos, npos, mask);
    }
    if (found == 0)
        return -ENOENT;
    if (found > 1)
        return -EEXIST;
    apply_mask(buf, pos, npos, best);
    *ret_swaps = best_w;
    return 0;
}
