#pragma once
/* VAPID (RFC 8292): the application server proves to a push service which
 * server it is with an ES256-signed JWT carried in
 *   Authorization: vapid t=<jwt>, k=<base64url public key>
 * Claims: aud = origin of the push endpoint, exp <= 24 h ahead, sub =
 * "mailto:" or "https:" contact. */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define VAPID_PUBLIC_LEN 65 /* uncompressed P-256 point */
#define VAPID_MAX_TTL 86400 /* RFC 8292 §2: exp at most 24 h ahead */
#define VAPID_MAX_PEM 8192  /* a P-256 PEM key is ~250 bytes */
#define VAPID_MAX_JWT 4096  /* longer tokens are refused unread */
#define VAPID_MAX_URL 2048  /* endpoint URLs accepted */
#define VAPID_MAX_SUB 256   /* contact URI accepted */

typedef struct vapid_key vapid_key_t; /* opaque P-256 key pair, caller owns */

/* Generates a fresh P-256 key pair into *ret (caller frees with
 * vapid_key_free). Returns 0, -ENOMEM, -EIO. */
int vapid_key_generate(vapid_key_t **ret, err_t *err);

/* Loads a PEM private key (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY",
 * unencrypted) from the counted string pem[0..len), which need not be
 * NUL-terminated. The key must be on P-256. Caller frees *ret. Returns 0,
 * -EINVAL (not a P-256 private key, len > VAPID_MAX_PEM), -ENOMEM, -EIO. */
int vapid_key_load_pem(const char *pem, size_t len, vapid_key_t **ret, err_t *err);

/* Writes the private key as an unencrypted PKCS#8 PEM string, newly
 * allocated and NUL-terminated, to *ret_pem; the caller frees it (and
 * should wipe it). Returns 0, -ENOMEM, -EIO. */
int vapid_key_save_pem(const vapid_key_t *k, char **ret_pem, err_t *err);

/* Frees k and wipes its secret; accepts NULL. */
void vapid_key_free(vapid_key_t *k);

/* Copies the 65-byte uncompressed public key to ret[VAPID_PUBLIC_LEN]. */
void vapid_public_raw(const vapid_key_t *k, unsigned char *ret);

/* The public key in base64url (the applicationServerKey the browser needs),
 * newly allocated in *ret; caller frees. Returns 0 or -ENOMEM. */
int vapid_public_b64url(const vapid_key_t *k, char **ret, err_t *err);

/* Writes the origin of an http(s) URL ("https://push.example.net", lower
 * case, default port dropped) into a newly allocated string in *ret; caller
 * frees. Returns 0, -EINVAL (code "vapid_bad_endpoint": not http(s), user
 * info, empty or odd host, bad port, longer than VAPID_MAX_URL), -ENOMEM. */
int vapid_audience(const char *url, char **ret, err_t *err);

/* Builds the Authorization header value "vapid t=<jwt>, k=<pub>" for the
 * origin of endpoint_url, with exp = now + ttl_s and the given sub
 * ("mailto:..." or "https:..."). Newly allocated in *ret_header; caller
 * frees. Returns 0, -EINVAL (ttl_s not in 1..VAPID_MAX_TTL, now < 0, bad
 * endpoint, bad sub), -ENOMEM, -EIO. */
int vapid_authorization(const vapid_key_t *k, const char *endpoint_url, const char *sub, int64_t now, int ttl_s,
    char **ret_header, err_t *err);

/* Verifies a VAPID JWT as a push service would: alg ES256, signature by
 * the 65-byte public key pub, aud equal to expected_aud, now < exp <=
 * now + VAPID_MAX_TTL, sub present and mailto:/https:. Returns 0, -EINVAL
 * (malformed token or key), -EACCES (codes "vapid_bad_signature",
 * "vapid_wrong_aud", "vapid_expired", "vapid_exp_too_far", "vapid_bad_sub"),
 * -ENOMEM. */
int vapid_verify(
    const char *jwt, const unsigned char *pub, size_t pub_len, const char *expected_aud, int64_t now, err_t *err);
