/* libFuzzer target for the ANSI/NIST-ITL reader: any bytes, lenient and
 * strict, then every look-up on what parsed. Must never crash, leak or read
 * outside the input. Seeds: tests/fuzz/corpus/fuzz_an2k/. */
#include <stddef.h>
#include <stdint.h>

#include "bio/an2k.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (unsigned flags = 0; flags <= AN2K_STRICT; flags++) {
        struct an2k *t = NULL;
        err_t e = {0};
        if (an2k_parse(data, size, flags, &t, &e) < 0)
            continue;
        for (size_t i = 0; i < t->nrecords; i++) {
            struct an2k_image_info ii;
            (void)an2k_image_info(t, i, &ii, &e);
            (void)an2k_minutiae_count(t, i);
            const struct an2k_record *r = &t->records[i];
            for (size_t f = 0; f < r->nfields; f++) {
                if (r->fields[f].num == 999)
                    continue;
                size_t ns = an2k_field_subfields(&r->fields[f]);
                for (size_t s = 0; s <= ns; s++) {
                    size_t ni = an2k_field_items(&r->fields[f], s);
                    for (size_t k = 0; k <= ni; k++) {
                        const uint8_t *p;
                        size_t n;
                        if (an2k_field_item(&r->fields[f], s, k, &p, &n) == 0 && n)
                            (void)p[n - 1];
                    }
                }
            }
        }
        size_t idx;
        (void)an2k_first_image(t, &idx, &e);
        an2k_free(t);
    }
    return 0;
}
