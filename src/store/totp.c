#include "store/totp.h"

#include <errno.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* liboath's global set-up (its crypto back end) must run once before use. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;
static void init_once(void)
{
    init_rc = oath_init();
}

void totp_secret_new(uint8_t secret[TOTP_SECRET_BYTES])
{
    randombytes_buf(secret, TOTP_SECRET_BYTES);
}

int totp_secret_base32(const uint8_t secret[TOTP_SECRET_BYTES], char *buf, size_t cap, err_t *err)
{
    char *out = NULL;
    size_t len = 0;
    if (oath_base32_encode((const char *)secret, TOTP_SECRET_BYTES, &out, &len) != OATH_OK)
        return err_set(err, -ENOMEM, "out_of_memory", "Could not encode the secret.");
    while (len > 0 && out[len - 1] == '=') /* authenticator apps take it unpadded */
        len--;
    int r = 0;
    if (len + 1 > cap)
        r = err_set(err, -ENOSPC, "internal", "Secret buffer too small.");
    else {
        memcpy(buf, out, len);
        buf[len] = '\0';
    }
    sodium_memzero(out, len);
    free(out);
    return r;
}

/* Percent-encodes everything but unreserved characters (RFC 3986). */
static size_t pct_encode(const char *s, char *buf, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '.' || c == '_' || c == '~';
        if (n + 4 > cap)
            return cap;
        if (plain)
            buf[n++] = (char)c;
        else {
            buf[n++] = '%';
            buf[n++] = hex[c >> 4];
            buf[n++] = hex[c & 15];
        }
    }
    buf[n] = '\0';
    return n;
}

int totp_uri(const uint8_t secret[TOTP_SECRET_BYTES], const char *login, char *buf, size_t cap, err_t *err)
{
    char b32[40], who[200];
    int r = totp_secret_base32(secret, b32, sizeof b32, err);
    if (r < 0)
        return r;
    if (pct_encode(login, who, sizeof who) >= sizeof who)
        r = err_set(err, -ENOSPC, "internal", "Login too long for the URI.");
    else {
        int n = snprintf(buf, cap, "otpauth://totp/uchet:%s?secret=%s&issuer=uchet&algorithm=SHA1&digits=%d&period=%d",
            who, b32, TOTP_DIGITS, TOTP_STEP_S);
        if (n < 0 || (size_t)n >= cap)
            r = err_set(err, -ENOSPC, "internal", "URI buffer too small.");
    }
    sodium_memzero(b32, sizeof b32);
    return r;
}

int totp_check(const uint8_t secret[TOTP_SECRET_BYTES], int64_t now, const char *code, int64_t last_step,
    int64_t *ret_step, err_t *err)
{
    if (strlen(code) != TOTP_DIGITS || strspn(code, "0123456789") != TOTP_DIGITS)
        return err_set(err, -EINVAL, "invalid_code", "A code is %d digits.", TOTP_DIGITS);
    pthread_once(&once, init_once);
    if (init_rc != OATH_OK)
        return err_set(err, -EIO, "internal", "liboath did not start.");
    /* Each step of the window on its own, oldest first, so that a code
     * that happens to repeat within the window matches the step that is
     * still allowed (liboath's own window search stops at the first). */
    int64_t step_now = now / TOTP_STEP_S;
    for (int64_t d = -TOTP_WINDOW; d <= TOTP_WINDOW; d++) {
        int64_t step = step_now + d;
        if (step <= last_step || step < 0)
            continue;
        int rc = oath_totp_validate(
            (const char *)secret, TOTP_SECRET_BYTES, (time_t)(step * TOTP_STEP_S), TOTP_STEP_S, 0, 0, code);
        if (rc >= 0) {
            *ret_step = step;
            return 0;
        }
    }
    return err_set(err, -EACCES, "bad_credentials", "The login, the password or the code is wrong.");
}
