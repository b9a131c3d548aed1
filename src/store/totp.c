#include "store/totp.h"

#include <errno.h>
#include <inttypes.h>
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

/* The associated data that binds a sealed secret to its officer's row. */
static size_t bound_to(char *ad, size_t cap, int64_t officer_id)
{
    int n = snprintf(ad, cap, "officer %" PRId64 " totp", officer_id);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int totp_seal(const vault_keys_t *k, int64_t officer_id, const uint8_t secret[TOTP_SECRET_BYTES],
    uint8_t out[TOTP_SEALED_BYTES], err_t *err)
{
    uint8_t dk[SEAL_KEY_BYTES], *blob = NULL;
    size_t blen = 0;
    char ad[48];
    if (!k || k->n == 0)
        return err_set(err, -EINVAL, "totp_no_key", "No TOTP key is loaded (totp_key_file).");
    int r = seal_new_key(k, dk, out, err);
    if (r == 0)
        r = seal_box_ad(dk, ad, bound_to(ad, sizeof ad, officer_id), secret, TOTP_SECRET_BYTES, &blob, &blen, err);
    if (r == 0)
        memcpy(out + SEAL_WRAPPED_BYTES, blob, blen); /* blen == SEAL_OVERHEAD + TOTP_SECRET_BYTES */
    sodium_memzero(dk, sizeof dk);
    free(blob); /* ciphertext: nothing to wipe */
    return r;
}

int totp_unseal(const vault_keys_t *k, int64_t officer_id, const uint8_t *sealed, size_t len,
    uint8_t secret[TOTP_SECRET_BYTES], err_t *err)
{
    uint8_t dk[SEAL_KEY_BYTES], *plain = NULL;
    size_t plen = 0;
    char ad[48];
    if (!sealed || len != TOTP_SEALED_BYTES)
        return err_set(err, -EINVAL, "totp_unsealable", "A stored TOTP secret is not sealed.");
    if (!totp_sealed_key_known(k, sealed, len))
        return err_set(err, -EINVAL, "totp_unknown_key", "A TOTP secret is sealed under a key not in totp_key_file.");
    int r = seal_open_key(k, sealed, SEAL_WRAPPED_BYTES, dk, err);
    if (r == 0)
        r = seal_unbox_ad(dk, ad, bound_to(ad, sizeof ad, officer_id), sealed + SEAL_WRAPPED_BYTES,
            len - SEAL_WRAPPED_BYTES, &plain, &plen, err);
    sodium_memzero(dk, sizeof dk);
    if (r == 0 && plen == TOTP_SECRET_BYTES)
        memcpy(secret, plain, TOTP_SECRET_BYTES);
    else if (r == 0)
        r = -EINVAL;
    if (plain) {
        sodium_memzero(plain, plen);
        free(plain);
    }
    if (r < 0) {
        sodium_memzero(secret, TOTP_SECRET_BYTES);
        return err_set(err, r, "totp_unsealable", "A stored TOTP secret does not open (altered or moved).");
    }
    return 0;
}

int totp_sealed_key_index(const vault_keys_t *k, const uint8_t *sealed, size_t len)
{
    return sealed && len == TOTP_SEALED_BYTES ? seal_key_index(k, sealed, SEAL_WRAPPED_BYTES) : -1;
}

bool totp_sealed_key_known(const vault_keys_t *k, const uint8_t *sealed, size_t len)
{
    return totp_sealed_key_index(k, sealed, len) >= 0;
}
