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

/* What may follow the canonical encoding in an accepted input: nothing,
 * or with B64URL_PAD_OPTIONAL one or two '=' that end it at a multiple of 4. */
static int tail_ok(const char *tail, size_t pad, size_t size, int flags)
{
    if (pad == 0)
        return 1;
    if (!(flags & B64URL_PAD_OPTIONAL) || pad > 2 || size % 4 != 0)
        return 0;
    for (size_t i = 0; i < pad; i++)
        if (tail[i] != '=')
            return 0;
    return 1;
}

/* The caller's-buffer decoder gives the same n bytes into exactly n bytes
 * of room, and refuses one byte less. */
static void check_exact_buffer(const char *in, size_t size, const unsigned char *raw, size_t n)
{
    unsigned char *exact = malloc(n ? n : 1);
    size_t m = 0;
    if (!exact || b64url_decode_buf(in, size, exact, n, &m, NULL) != 0 || m != n || (n && memcmp(exact, raw, n) != 0))
        __builtin_trap();
    if (n > 0 && b64url_decode_buf(in, size, exact, n - 1, &m, NULL) == 0)
        __builtin_trap();
    free(exact);
}

/* Whatever decodes is the canonical encoding of the bytes it gave, then
 * nothing but what tail_ok allows. */
static void check_decode(const char *in, size_t size, int flags)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    char *text = NULL;
    if (b64url_decode_flags(in, size, flags, &raw, &n, NULL) != 0)
        return;
    if (b64url_encode(raw, n, &text, NULL) != 0)
        __builtin_trap();
    size_t t = strlen(text);
    if (t > size || memcmp(text, in, t) != 0 || !tail_ok(in + t, size - t, size, flags))
        __builtin_trap();
    if (flags == B64URL_STRICT)
        check_exact_buffer(in, size, raw, n);
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
    check_decode(in, size, B64URL_STRICT);
    check_decode(in, size, B64URL_PAD_OPTIONAL);
    check_round_trip(data, size);
    free(in);
    return 0;
}
