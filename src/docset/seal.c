#include "docset/seal.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
static const char KEY_MAGIC[4] = {'U', 'D', 'K', '1'};
static const char BLOB_MAGIC[4] = {'U', 'D', 'B', '1'};
static const char KEY_AD[] = "uchet docset data key";

_Static_assert(NONCE == 24 && TAG == 16, "the layouts in seal.h assume these sizes");

static int bad(err_t *err)
{
    return err_set(err, -EINVAL, "vault_bad_file", "A stored page does not decrypt (altered or misplaced).");
}

int seal_new_key(const vault_keys_t *k, uint8_t dk[SEAL_KEY_BYTES], uint8_t wrapped[SEAL_WRAPPED_BYTES], err_t *err)
{
    if (!k || k->n == 0)
        return err_set(err, -EINVAL, "docset_no_key", "No document-set key is loaded.");
    randombytes_buf(dk, SEAL_KEY_BYTES);
    uint8_t *p = wrapped;
    memcpy(p, KEY_MAGIC, 4);
    memcpy(p + 4, k->id[0], VAULT_ID_BYTES);
    uint8_t *nonce = p + 4 + VAULT_ID_BYTES;
    randombytes_buf(nonce, NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        nonce + NONCE, NULL, dk, SEAL_KEY_BYTES, (const uint8_t *)KEY_AD, sizeof KEY_AD - 1, NULL, nonce, k->key[0]);
    return 0;
}

int seal_open_key(const vault_keys_t *k, const uint8_t *wrapped, size_t len, uint8_t dk[SEAL_KEY_BYTES], err_t *err)
{
    if (len != SEAL_WRAPPED_BYTES || memcmp(wrapped, KEY_MAGIC, 4) != 0)
        return bad(err);
    for (size_t i = 0; k && i < k->n; i++) {
        if (memcmp(k->id[i], wrapped + 4, VAULT_ID_BYTES) != 0)
            continue;
        const uint8_t *nonce = wrapped + 4 + VAULT_ID_BYTES;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(dk, NULL, NULL, nonce + NONCE, SEAL_KEY_BYTES + TAG,
                (const uint8_t *)KEY_AD, sizeof KEY_AD - 1, nonce, k->key[i]) != 0)
            return bad(err);
        return 0;
    }
    return err_set(err, -EINVAL, "vault_unknown_key", "A document set was sealed under a key not in the key file.");
}

int seal_key_index(const vault_keys_t *k, const uint8_t *wrapped, size_t len)
{
    if (len < SEAL_WRAPPED_BYTES || memcmp(wrapped, KEY_MAGIC, 4) != 0)
        return -1;
    for (size_t i = 0; k && i < k->n; i++)
        if (memcmp(k->id[i], wrapped + 4, VAULT_ID_BYTES) == 0)
            return (int)i;
    return -1;
}

static size_t place(char *ad, size_t cap, int64_t set_id, int64_t page, const char *what)
{
    int n = snprintf(ad, cap, "set %" PRId64 " page %" PRId64 " %s", set_id, page, what);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int seal_box_ad(const uint8_t dk[SEAL_KEY_BYTES], const void *ad, size_t adlen, const void *data, size_t len,
    uint8_t **ret, size_t *ret_len, err_t *err)
{
    uint8_t *b = malloc(len + SEAL_OVERHEAD);
    if (!b)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    memcpy(b, BLOB_MAGIC, 4);
    randombytes_buf(b + 4, NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(b + 4 + NONCE, NULL, data, len, ad, adlen, NULL, b + 4, dk);
    *ret = b;
    *ret_len = len + SEAL_OVERHEAD;
    return 0;
}

int seal_unbox_ad(const uint8_t dk[SEAL_KEY_BYTES], const void *ad, size_t adlen, const uint8_t *blob, size_t len,
    uint8_t **ret, size_t *ret_len, err_t *err)
{
    if (!blob || len < SEAL_OVERHEAD || memcmp(blob, BLOB_MAGIC, 4) != 0)
        return bad(err);
    size_t n = len - SEAL_OVERHEAD;
    uint8_t *out = malloc(n ? n : 1);
    if (!out)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, NULL, NULL, blob + 4 + NONCE, len - 4 - NONCE, ad, adlen, blob + 4, dk) != 0) {
        free(out);
        return bad(err);
    }
    *ret = out;
    *ret_len = n;
    return 0;
}

int seal_box(const uint8_t dk[SEAL_KEY_BYTES], int64_t set_id, int64_t page, const char *what, const void *data,
    size_t len, uint8_t **ret, size_t *ret_len, err_t *err)
{
    char ad[96];
    return seal_box_ad(dk, ad, place(ad, sizeof ad, set_id, page, what), data, len, ret, ret_len, err);
}

int seal_unbox(const uint8_t dk[SEAL_KEY_BYTES], int64_t set_id, int64_t page, const char *what, const uint8_t *blob,
    size_t len, uint8_t **ret, size_t *ret_len, err_t *err)
{
    char ad[96];
    return seal_unbox_ad(dk, ad, place(ad, sizeof ad, set_id, page, what), blob, len, ret, ret_len, err);
}
