/* libFuzzer target for base/b64url. Properties:
 *  - any bytes encode and decode back: decode(encode(x)) == x;
 *  - the strict decoder is canonical: whatever decodes re-encodes to
 *    exactly the input;
 *  - with B64URL_PAD_OPTIONAL, whatever decodes is the canonical encoding of
 *    the same bytes with nothing after it but its own '=' padding;
 *  - decoding never reads past len: the input is copied into a buffer of
 *    exactly len bytes with no NUL after it, so ASan sees a read past it;
 *  - the buffer decoder never writes past cap: the output buffer is exactly
 *    as large as the decoded bytes, and one byte smaller must be refused. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64url.h"

static void check_round_trip(const uint8_t *data, size_t size)
{
    char *text = NULL;
    unsigned char *raw = NULL;
    size_t n = 0;
    if (b64url_encode(data, size, &text, NULL) != 0)
        __builtin_trap();
    if (b64url_decode(text, strlen(text), &raw, &n, NULL) != 0 || n != size || (size && memcmp(raw, data, size) != 0))
        __builtin_trap();
    free(raw);
    free(text);
}

static void check_strict(const char *in, size_t size)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    char *text = NULL;
    if (b64url_decode(in, size, &raw, &n, NULL) != 0)
        return;
    if (b64url_encode(raw, n, &text, NULL) != 0 || strlen(text) != size || memcmp(text, in, size) != 0)
        __builtin_trap();
    /* The same bytes through the caller's-buffer decoder, into exactly n
     * bytes, then one byte short. */
    unsigned char *exact = malloc(n ? n : 1);
    size_t m = 0;
    if (!exact || b64url_decode_buf(in, size, exact, n, &m, NULL) != 0 || m != n || (n && memcmp(exact, raw, n) != 0))
        __builtin_trap();
    if (n > 0 && b64url_decode_buf(in, size, exact, n - 1, &m, NULL) == 0)
        __builtin_trap();
    free(exact);
    free(text);
    free(raw);
}

static void check_padded(const char *in, size_t size)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    char *text = NULL;
    if (b64url_decode_flags(in, size, B64URL_PAD_OPTIONAL, &raw, &n, NULL) != 0)
        return;
    if (b64url_encode(raw, n, &text, NULL) != 0)
        __builtin_trap();
    size_t t = strlen(text), pad = size - t;
    if (size < t || memcmp(text, in, t) != 0 || (pad && size % 4 != 0) || pad > 2)
        __builtin_trap();
    for (size_t i = t; i < size; i++)
        if (in[i] != '=')
            __builtin_trap();
    free(text);
    free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact copy: libFuzzer's own buffer is exact too, but this keeps the
     * property whoever calls the target. */
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    if (size)
        memcpy(in, data, size);
    check_strict(in, size);
    check_padded(in, size);
    check_round_trip(data, size);
    free(in);
    return 0;
}
