#pragma once
/* payment: what a payment QR code on a receipt pays (docs/DOCSETS.md,
 * "Classification"). The payload is ГОСТ Р 56042-2014's: "ST0001", the
 * charset digit (1 windows-1251, 2 UTF-8, 3 KOI8-R), the separator, then
 * key=value pairs split by it.
 *
 * What is taken: Sum (kopecks) as whole roubles; CBC, the budget
 * classification code (КБК), which names the payee and the payment:
 * 182 1 01 02040 01 1000 110 is the income tax a foreign worker advances
 * for a patent (НК РФ art. 227.1), the Federal Tax Service's; 188 1 08 ... a
 * state fee the Interior Ministry administers (its migration services' fees
 * among them). A payload with no CBC is taken as a state fee, the reading
 * before CBC was looked at. For the tax, the months paid when the UTF-8
 * Purpose says it ("за 3 мес.", "на 2 месяца") exactly once.
 *
 * Pure: no I/O, no allocation, no globals; safe on hostile input (the fuzz
 * target tests/fuzz/fuzz_payment.c). */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum payment_kind {
    PAYMENT_STATE_FEE,  /* CBC 188 1 08 ..., or no CBC */
    PAYMENT_PATENT_TAX, /* CBC 182 1 01 02040 01 1000 110 */
    PAYMENT_OTHER,      /* any other CBC: a payment for something else */
};

struct payment {
    enum payment_kind kind;
    int64_t roubles; /* -1 when the payload has no Sum */
    int months;      /* PAYMENT_PATENT_TAX: 1..12 from Purpose, else 0 (not stated) */
};

/* Parses p[0..len). 0 and *ret; -EINVAL "payment_not_gost" when the bytes
 * are not a ГОСТ Р 56042 payload, or "payment_bad_sum" when its Sum is not
 * a whole number of kopecks below 10^15. */
int payment_parse(const char *p, size_t len, struct payment *ret, err_t *err);
