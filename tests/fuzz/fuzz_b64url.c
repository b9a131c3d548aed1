/* libFuzzer target for notify/b64url. Properties: decoding never reads or
 * writes out of bounds; whatever decodes re-encodes to exactly the input
 * (the decoder is canonical); any bytes encode and decode back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify/b64url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    char *text = NULL;
    if (b64url_decode((const char *)data, size, &raw, &n, NULL) == 0) {
        if (b64url_encode(raw, n, &text, NULL) != 0 || strlen(text) != size || memcmp(text, data, size) != 0)
            __builtin_trap();
        free(text);
        free(raw);
    }
    if (b64url_encode(data, size, &text, NULL) == 0) {
        if (b64url_decode(text, strlen(text), &raw, &n, NULL) != 0 || n != size ||
            (size && memcmp(raw, data, size) != 0))
            __builtin_trap();
        free(raw);
        free(text);
    }
    return 0;
}
