#pragma once
/* base64url without padding (RFC 4648 §5, as Web Push and JWS use it).
 *
 * The decoder is strict, because its input comes from browsers and push
 * services: only A-Z a-z 0-9 '-' '_' are accepted, no '=' padding, no
 * whitespace, no length that is 1 mod 4, and the unused low bits of the last
 * character must be zero (so every byte string has exactly one encoding). */
#include <stddef.h>

#include "base/err.h"

/* Largest input either direction accepts; far above any key, token or push
 * body, and low enough that length arithmetic cannot overflow. */
#define B64URL_MAX_INPUT ((size_t)1 << 24)

/* Returns the number of characters encoding `len` bytes takes (no NUL). */
size_t b64url_encoded_len(size_t len);

/* Encodes `in[0..len)` into `out`, which has room for `cap` bytes, and
 * NUL-terminates it. Returns 0, -EINVAL if in is NULL with len > 0 or len
 * exceeds B64URL_MAX_INPUT, -ERANGE if cap < b64url_encoded_len(len) + 1.
 * Writes the character count (without NUL) to *ret_len if ret_len is not
 * NULL. Nothing is written to out on failure. */
int b64url_encode_buf(const unsigned char *in, size_t len, char *out, size_t cap, size_t *ret_len, err_t *err);

/* Encodes `in[0..len)` into a newly allocated NUL-terminated string in
 * *ret; the caller frees it. -EINVAL as above, -ENOMEM. */
int b64url_encode(const unsigned char *in, size_t len, char **ret, err_t *err);

/* Decodes the counted string `in[0..len)` (need not be NUL-terminated) into
 * `out` (room for `cap` bytes); writes the byte count to *ret_len. Returns
 * 0, -EINVAL (code "b64url_invalid") for anything that is not canonical
 * unpadded base64url, -ERANGE if cap is too small. On failure out may have
 * been partly written but *ret_len is not. */
int b64url_decode_buf(const char *in, size_t len, unsigned char *out, size_t cap, size_t *ret_len, err_t *err);

/* Decodes like b64url_decode_buf into a newly allocated buffer in *ret
 * (never NULL on success, even for an empty input) with its length in
 * *ret_len; the caller frees it. -EINVAL, -ENOMEM. */
int b64url_decode(const char *in, size_t len, unsigned char **ret, size_t *ret_len, err_t *err);
