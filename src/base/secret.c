#include "base/secret.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

static const char code_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"; /* 31 symbols */

int secret_init(void)
{
    return sodium_init() < 0 ? -EIO : 0;
}

void secret_hash(const void *data, size_t len, uint8_t ret[SECRET_HASH_BYTES])
{
    crypto_hash_sha256(ret, data, len);
}

void secret_token_new(char ret_token[SECRET_TOKEN_CHARS + 1], uint8_t ret_hash[SECRET_HASH_BYTES])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(ret_token, SECRET_TOKEN_CHARS + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    secret_hash(ret_token, SECRET_TOKEN_CHARS, ret_hash);
}

void secret_code_new(char ret[SECRET_CODE_CHARS + 1])
{
    size_t k = 0;
    for (int i = 0; i < 12; i++) {
        if (i && i % 4 == 0)
            ret[k++] = '-';
        ret[k++] = code_alphabet[randombytes_uniform(sizeof code_alphabet - 1)];
    }
    ret[k] = '\0';
}

int secret_code_hash(const char *typed, size_t len, uint8_t ret[SECRET_HASH_BYTES])
{
    char norm[SECRET_CODE_CHARS + 1];
    size_t k = 0, n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = typed[i];
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!strchr(code_alphabet, c) || c == '\0' || n == 12)
            return -EINVAL;
        if (n && n % 4 == 0)
            norm[k++] = '-';
        norm[k++] = c;
        n++;
    }
    if (n != 12)
        return -EINVAL;
    norm[k] = '\0';
    secret_hash(norm, k, ret);
    return 0;
}

int secret_password_hash(
    const char *pw, size_t len, unsigned long long opslimit, size_t memlimit, char ret[SECRET_PWHASH_MAX])
{
    if (!opslimit)
        opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    if (!memlimit)
        memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, pw, len, opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return -ENOMEM;
    memcpy(ret, out, sizeof out < SECRET_PWHASH_MAX ? sizeof out : SECRET_PWHASH_MAX);
    ret[SECRET_PWHASH_MAX - 1] = '\0';
    return 0;
}

bool secret_password_verify(const char *stored, const char *pw, size_t len)
{
    return crypto_pwhash_str_verify(stored, pw, len) == 0;
}
