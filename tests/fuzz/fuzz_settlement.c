/* libFuzzer target for docs/settlement: the settlement typed in the app's
 * register form reaches it from the network (POST /api/v1/address-checks).
 * Properties: no read or write out of bounds, no leak; the answer is
 * unknown (NULL) or one of the catalogue's region codes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docs/settlement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *region = settlement_region((const char *)data, size);
    if (region && strcmp(region, "77") != 0 && strcmp(region, "50") != 0)
        abort();
    return 0;
}
