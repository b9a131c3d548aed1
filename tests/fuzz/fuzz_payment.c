/* libFuzzer target for docset/payment, the reading of a receipt's payment
 * QR code (ГОСТ Р 56042-2014) whose bytes come from whoever printed the
 * receipt. What it accepts must hold payment.h's promises: a known kind,
 * a sum of -1 or 0..10^13 roubles, months only for the patent tax and only
 * 0..12; a refusal names its code. */
#include <stddef.h>
#include <stdint.h>

#include "docset/payment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct payment pay;
    err_t err = {0};
    if (payment_parse((const char *)data, size, &pay, &err) != 0) {
        if (!err.code[0])
            __builtin_trap();
        return 0;
    }
    if (pay.kind != PAYMENT_STATE_FEE && pay.kind != PAYMENT_PATENT_TAX && pay.kind != PAYMENT_OTHER)
        __builtin_trap();
    if (pay.roubles < -1 || pay.roubles >= 10000000000000LL)
        __builtin_trap();
    if (pay.months < 0 || pay.months > 12 || (pay.months > 0 && pay.kind != PAYMENT_PATENT_TAX))
        __builtin_trap();
    return 0;
}
