#pragma once
/* Time-based one-time passwords for the desk's second factor (RFC 6238:
 * HMAC-SHA-1, 30-second steps counted from the Unix epoch, 6 digits), the
 * arithmetic done by Debian's liboath. Pure apart from the random secret:
 * "now" is passed in, so the injected clock drives it in tests. */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define TOTP_SECRET_BYTES 20 /* RFC 4226's recommended 160 bits */
#define TOTP_STEP_S 30
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1 /* steps either side of now: clock skew, a slow typist */
#define TOTP_URI_MAX 256

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
