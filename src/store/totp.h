#pragma once
/* Time-based one-time passwords for the desk's second factor (RFC 6238:
 * HMAC-SHA-1, 30-second steps counted from the Unix epoch, 6 digits), the
 * arithmetic done by Debian's liboath. Pure apart from the random secret:
 * "now" is passed in, so the injected clock drives it in tests.
 *
 * The database holds a secret only sealed (totp_seal): whoever has a dump or
 * a backup but not totp_key_file cannot mint codes. The sealing is
 * docset/seal.h's: a fresh data key wrapped under the key file's current
 * key, and the secret under that data key with "officer ID totp" as the
 * associated data, so a sealed secret copied to another officer's row does
 * not open. A caller wipes every plain copy (sodium_memzero) after use. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "docset/seal.h"

#define TOTP_SECRET_BYTES 20 /* RFC 4226's recommended 160 bits */
#define TOTP_STEP_S 30
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1 /* steps either side of now: clock skew, a slow typist */
#define TOTP_URI_MAX 256
#define TOTP_SEALED_BYTES (SEAL_WRAPPED_BYTES + SEAL_OVERHEAD + TOTP_SECRET_BYTES) /* as stored */

/* Fills secret with random bytes (libsodium). */
void totp_secret_new(uint8_t secret[TOTP_SECRET_BYTES]);

/* The otpauth:// URI an authenticator app reads (by QR code or typed):
 * issuer "uchet", the login as the account name (percent-encoded), the
 * secret in base32 without padding. -ENOSPC if cap is too small. */
int totp_uri(const uint8_t secret[TOTP_SECRET_BYTES], const char *login, char *buf, size_t cap, err_t *err);

/* The secret in base32 (for typing it in by hand), NUL-terminated; cap at
 * least 33. */
int totp_secret_base32(const uint8_t secret[TOTP_SECRET_BYTES], char *buf, size_t cap, err_t *err);

/* Checks a typed code against the steps now-1, now and now+1. A code is good
 * only for a step after last_step (so a code is never accepted twice, nor
 * one older than the last accepted). On success *ret_step is the step it
 * matched, for the caller to store as the new last_step. -EACCES
 * (bad_credentials) otherwise, -EINVAL when it is not 6 digits. */
int totp_check(const uint8_t secret[TOTP_SECRET_BYTES], int64_t now, const char *code, int64_t last_step,
    int64_t *ret_step, err_t *err);

/* Seals secret for officer_id under k's current key into out. -EINVAL
 * (totp_no_key) when k holds no key. */
int totp_seal(const vault_keys_t *k, int64_t officer_id, const uint8_t secret[TOTP_SECRET_BYTES],
    uint8_t out[TOTP_SEALED_BYTES], err_t *err);

/* Opens a value of totp_seal for the same officer into secret. -EINVAL:
 * totp_unknown_key when it was sealed under a key k does not hold,
 * totp_unsealable when it is not a sealed secret, was altered, or belongs
 * to another officer (a plain secret of an older database included). */
int totp_unseal(const vault_keys_t *k, int64_t officer_id, const uint8_t *sealed, size_t len,
    uint8_t secret[TOTP_SECRET_BYTES], err_t *err);

/* Which of k's keys a stored value is sealed under (by key id, nothing
 * opened): 0 the current one, -1 none of them or not a sealed value. */
int totp_sealed_key_index(const vault_keys_t *k, const uint8_t *sealed, size_t len);
/* totp_sealed_key_index >= 0: the start-up check that totp_key_file is the right file. */
bool totp_sealed_key_known(const vault_keys_t *k, const uint8_t *sealed, size_t len);
