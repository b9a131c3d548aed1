/* base64url: one strict codec for the tree (see b64url.h). */
#include "base/b64url.h"

#include <errno.h>
#include <stdlib.h>

static const char ALPHABET[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64url_encoded_len(size_t len)
{
    /* Every 3 bytes take 4 characters; a tail of 1 or 2 bytes takes 2 or 3. */
    size_t tail = len % 3;
    return len / 3 * 4 + (tail ? tail + 1 : 0);
}

int b64url_encode_buf(const unsigned char *in, size_t len, char *out, size_t cap, size_t *ret_len, err_t *err)
{
    if ((!in && len > 0) || !out || len > B64URL_MAX_INPUT)
        return err_set(err, -EINVAL, "b64url_invalid", "invalid input to base64url encoder");
    size_t need = b64url_encoded_len(len);
    if (cap < need + 1)
        return err_set(err, -ERANGE, "b64url_too_small", "base64url output buffer too small");

    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        size_t n = len - i < 3 ? len - i : 3;
        unsigned long v = (unsigned long)in[i] << 16;
        if (n > 1)
            v |= (unsigned long)in[i + 1] << 8;
        if (n > 2)
            v |= in[i + 2];
        /* n bytes carry 8n bits, which need n + 1 six-bit characters. */
        for (size_t k = 0; k <= n; k++)
            out[o++] = ALPHABET[(v >> (18 - 6 * k)) & 0x3f];
    }
    out[o] = '\0';
    if (ret_len)
        *ret_len = o;
    return 0;
}

int b64url_encode(const unsigned char *in, size_t len, char **ret, err_t *err)
{
    if (len > B64URL_MAX_INPUT)
        return err_set(err, -EINVAL, "b64url_invalid", "base64url input too long");
    size_t cap = b64url_encoded_len(len) + 1;
    char *s = malloc(cap);
    if (!s)
        return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    int r = b64url_encode_buf(in, len, s, cap, NULL, err);
    if (r < 0) {
        free(s);
        return r;
    }
    *ret = s;
    return 0;
}

/* Returns the six-bit value of c, or -1 if c is not in the alphabet. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

static size_t decoded_len(size_t len)
{
    return len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
}

int b64url_decode_buf(const char *in, size_t len, unsigned char *out, size_t cap, size_t *ret_len, err_t *err)
{
    if ((!in && len > 0) || (!out && cap > 0) || len > B64URL_MAX_INPUT || len % 4 == 1)
        return err_set(err, -EINVAL, "b64url_invalid", "not valid base64url");
    size_t need = decoded_len(len);
    if (cap < need)
        return err_set(err, -ERANGE, "b64url_too_small", "base64url output buffer too small");

    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        size_t n = len - i < 4 ? len - i : 4;
        unsigned long v = 0;
        for (size_t k = 0; k < 4; k++) {
            int s = k < n ? sextet((unsigned char)in[i + k]) : 0;
            if (s < 0)
                return err_set(err, -EINVAL, "b64url_invalid", "not valid base64url");
            v = v << 6 | (unsigned long)s;
        }
        /* A short group's leftover low bits must be zero: otherwise two
         * different strings would decode to the same bytes. */
        if ((n == 2 && (v & 0xffff)) || (n == 3 && (v & 0xff)))
            return err_set(err, -EINVAL, "b64url_invalid", "not canonical base64url");
        for (size_t k = 0; k + 1 < n; k++)
            out[o++] = (unsigned char)(v >> (16 - 8 * k));
    }
    *ret_len = o;
    return 0;
}

/* The length of in[0..len) without its '=' padding: the whole length when
 * there is none; -EINVAL when there is some and flags do not allow it, or it
 * does not bring the length to a multiple of 4. At most two '=' are taken
 * off: a third is left to the alphabet check, which refuses it. */
static int unpadded_len(const char *in, size_t len, int flags, size_t *ret_len)
{
    size_t n = len;
    while (n > 0 && len - n < 2 && in[n - 1] == '=')
        n--;
    if (n != len && (!(flags & B64URL_PAD_OPTIONAL) || len % 4 != 0))
        return -EINVAL;
    *ret_len = n;
    return 0;
}

int b64url_decode_flags(const char *in, size_t len, int flags, unsigned char **ret, size_t *ret_len, err_t *err)
{
    size_t n = 0;
    if ((!in && len > 0) || len > B64URL_MAX_INPUT || unpadded_len(in, len, flags, &n) < 0 || n % 4 == 1)
        return err_set(err, -EINVAL, "b64url_invalid", "not valid base64url");
    size_t cap = decoded_len(n);
    /* malloc(0) may return NULL; callers want a real pointer. */
    unsigned char *buf = malloc(cap ? cap : 1);
    if (!buf)
        return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    size_t got = 0;
    int r = b64url_decode_buf(in, n, buf, cap, &got, err);
    if (r < 0) {
        free(buf);
        return r;
    }
    *ret = buf;
    *ret_len = got;
    return 0;
}

int b64url_decode(const char *in, size_t len, unsigned char **ret, size_t *ret_len, err_t *err)
{
    return b64url_decode_flags(in, len, B64URL_STRICT, ret, ret_len, err);
}
