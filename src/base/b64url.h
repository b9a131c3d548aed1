#pragma once
/* base64url (RFC 4648 §5), the one codec of the tree: Web Push and VAPID
 * keys, JWS tokens (VAPID, SBI devices), passkey challenges and ids, device
 * keys in files.
 *
 * The encoder writes the URL-safe alphabet without '=' padding.
 *
 * The decoder is strict, because its input comes from browsers, push
 * services and capture devices; it accepts exactly the encoder's output:
 *  - only A-Z a-z 0-9 '-' '_' ('+' and '/' of standard base64 are refused);
 *  - no whitespace anywhere, no NUL, no other byte;
 *  - no length that is 1 mod 4 (such a tail cannot hold a byte);
 *  - the unused low bits of the last character must be zero, so every byte
 *    string has exactly one encoding;
 *  - no '=' at all, unless the caller passes B64URL_PAD_OPTIONAL: then the
 *    input may instead end in exactly the padding its length calls for
 *    ("Zg==", "Zm8=": to a multiple of 4 characters), as Java's encoder
 *    writes it. A '=' anywhere else, too many or too few '=', is refused.
 * An empty input decodes to zero bytes. The decoder reads in[0..len) and
 * nothing past it; in need not be NUL-terminated. */
#include <stddef.h>

#include "base/err.h"

/* Largest input either direction accepts: above any key, token or push body
 * and above LIMIT_SBI_RESPONSE_BYTES (a device answer is mostly base64url
 * images), and low enough that length arithmetic cannot overflow. */
#define B64URL_MAX_INPUT ((size_t)1 << 26)

/* Decoder flags. */
enum {
    B64URL_STRICT = 0,       /* canonical unpadded only */
    B64URL_PAD_OPTIONAL = 1, /* also the canonical string with its correct '=' padding */
};

/* Returns the number of characters encoding `len` bytes takes (no NUL). */
size_t b64url_encoded_len(size_t len);

/* Encodes `in[0..len)` into `out`, which has room for `cap` bytes, and
 * NUL-terminates it. Returns 0, -EINVAL if in is NULL with len > 0 or len
 * exceeds B64URL_MAX_INPUT, -ERANGE if cap < b64url_encoded_len(len) + 1.
 * Writes the character count (without NUL) to *ret_len if ret_len is not
 * NULL. Nothing is written to out on failure. */
int b64url_encode_buf(const unsigned char *in, size_t len, char *out, size_t cap, size_t *ret_len, err_t *err);

/* Encodes `in[0..len)` into a newly allocated NUL-terminated string in
 * *ret; the caller frees it. -EINVAL as above, -ENOMEM; *ret is untouched
 * on failure. */
int b64url_encode(const unsigned char *in, size_t len, char **ret, err_t *err);

/* Decodes the counted string `in[0..len)` strictly (B64URL_STRICT) into
 * `out` (room for `cap` bytes); writes the byte count to *ret_len. Returns
 * 0, -EINVAL (code "b64url_invalid") for anything that is not canonical
 * unpadded base64url, -ERANGE (code "b64url_too_small") if cap is too
 * small. On failure out may have been partly written but *ret_len is not. */
int b64url_decode_buf(const char *in, size_t len, unsigned char *out, size_t cap, size_t *ret_len, err_t *err);

/* Decodes like b64url_decode_buf into a newly allocated buffer in *ret
 * (never NULL on success, even for an empty input) with its length in
 * *ret_len; the caller frees it. -EINVAL, -ENOMEM. */
int b64url_decode(const char *in, size_t len, unsigned char **ret, size_t *ret_len, err_t *err);

/* b64url_decode with flags (B64URL_STRICT or B64URL_PAD_OPTIONAL). */
int b64url_decode_flags(const char *in, size_t len, int flags, unsigned char **ret, size_t *ret_len, err_t *err);
