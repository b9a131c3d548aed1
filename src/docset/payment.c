/* A receipt's payment QR code: see payment.h. */
#include "docset/payment.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define SUM_DIGITS_MAX 15 /* kopecks; 10^15 kopecks is far above any fee or tax */
#define CBC_DIGITS 20
#define CBC_PATENT_TAX "18210102040011000110"
#define CBC_INTERIOR_FEE "188108" /* administrator 188, income group 1 08: state fees */

/* One key's value in the payload: where it starts and how long it is. */
struct value {
    const char *p;
    size_t len;
    bool seen;
};

struct taken {
    struct value sum, cbc, purpose;
};

static bool all_digits(const struct value *v)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->p[i] < '0' || v->p[i] > '9')
            return false;
    return v->len > 0;
}

/* Files the pair p[0..len) ("Key=Value") under its key when it is one we
 * take. A key given twice makes the payload ambiguous: -1. */
static int take_pair(const char *p, size_t len, struct taken *t)
{
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {
        {"Sum=", offsetof(struct taken, sum)},
        {"CBC=", offsetof(struct taken, cbc)},
        {"Purpose=", offsetof(struct taken, purpose)},
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        size_t kl = strlen(keys[k].key);
        if (len < kl || memcmp(p, keys[k].key, kl) != 0)
            continue;
        struct value *v = (struct value *)((char *)t + keys[k].off);
        if (v->seen)
            return -1;
        *v = (struct value){p + kl, len - kl, true};
    }
    return 0;
}

/* The letters м, е, с in either case, as UTF-8: "мес" starts a month. */
static bool month_word_at(const unsigned char *s, size_t n)
{
    static const unsigned char lower[] = {0xD0, 0xBC, 0xD0, 0xB5, 0xD1, 0x81};
    static const unsigned char upper[] = {0xD0, 0x9C, 0xD0, 0x95, 0xD0, 0xA1};
    if (n < sizeof lower)
        return false;
    for (size_t i = 0; i < sizeof lower; i += 2)
        if (!((s[i] == lower[i] && s[i + 1] == lower[i + 1]) || (s[i] == upper[i] && s[i + 1] == upper[i + 1])))
            return false;
    return true;
}

/* The months a UTF-8 purpose states: a number of one or two digits (not
 * part of a longer one), blanks, then a word starting "мес". 1..12 when
 * every such number says the same, else 0. */
static int months_stated(const struct value *v)
{
    const unsigned char *s = (const unsigned char *)v->p;
    int found = 0;
    for (size_t i = 0; i < v->len; i++) {
        if (s[i] < '0' || s[i] > '9' || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'))
            continue;
        size_t j = i;
        int n = 0;
        while (j < v->len && s[j] >= '0' && s[j] <= '9' && j - i < 3)
            n = n * 10 + (s[j++] - '0');
        if (j - i > 2 || (j < v->len && s[j] >= '0' && s[j] <= '9'))
            continue;
        while (j < v->len && (s[j] == ' ' || (s[j] == 0xC2 && j + 1 < v->len && s[j + 1] == 0xA0)))
            j += s[j] == ' ' ? 1 : 2;
        if (!month_word_at(s + j, v->len - j))
            continue;
        if (n < 1 || n > 12 || (found && found != n))
            return 0;
        found = n;
    }
    return found;
}

static enum payment_kind kind_of(const struct value *cbc)
{
    if (!cbc->seen)
        return PAYMENT_STATE_FEE;
    if (cbc->len != CBC_DIGITS || !all_digits(cbc))
        return PAYMENT_OTHER;
    if (memcmp(cbc->p, CBC_PATENT_TAX, CBC_DIGITS) == 0)
        return PAYMENT_PATENT_TAX;
    if (memcmp(cbc->p, CBC_INTERIOR_FEE, strlen(CBC_INTERIOR_FEE)) == 0)
        return PAYMENT_STATE_FEE;
    return PAYMENT_OTHER;
}

int payment_parse(const char *p, size_t len, struct payment *ret, err_t *err)
{
    if (len < 8 || memcmp(p, "ST0001", 6) != 0 || p[6] < '1' || p[6] > '3' || p[7] == '=')
        return err_set(err, -EINVAL, "payment_not_gost", "The QR code is not a ГОСТ Р 56042 payment.");
    char sep = p[7];
    struct taken t = {0};
    for (size_t i = 8; i <= len;) {
        const char *end = memchr(p + i, sep, len - i);
        size_t n = end ? (size_t)(end - (p + i)) : len - i;
        if (n > 0 && take_pair(p + i, n, &t) < 0)
            return err_set(err, -EINVAL, "payment_not_gost", "The payment QR code names a detail twice.");
        i += n + 1;
    }
    int64_t kopecks = -1;
    if (t.sum.seen) {
        if (!all_digits(&t.sum) || t.sum.len > SUM_DIGITS_MAX)
            return err_set(err, -EINVAL, "payment_bad_sum", "The payment QR code's sum is not a number of kopecks.");
        kopecks = 0;
        for (size_t i = 0; i < t.sum.len; i++)
            kopecks = kopecks * 10 + (t.sum.p[i] - '0');
    }
    ret->kind = kind_of(&t.cbc);
    ret->roubles = kopecks < 0 ? -1 : kopecks / 100;
    ret->months = ret->kind == PAYMENT_PATENT_TAX && p[6] == '2' && t.purpose.seen ? months_stated(&t.purpose) : 0;
    return 0;
}
