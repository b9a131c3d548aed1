/* libFuzzer target for store/totp's reader of stored bytes: totp_unseal,
 * which opens an officer's sealed TOTP secret as the database returns it
 * (a wrapped data key, then the sealed secret). The fuzzer's bytes are the
 * stored value, under a fixed key whose id (01 x 8) it can reach, for
 * officer 1. libFuzzer cannot forge a Poly1305 tag, so a value that opens
 * would be a bug; a refused one must leave the secret buffer wiped. */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "store/totp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vault_keys_t k;
    if (k.n == 0) {
        if (sodium_init() < 0)
            __builtin_trap();
        k.n = 1;
        memset(k.id[0], 1, VAULT_ID_BYTES);
        randombytes_buf(k.key[0], VAULT_KEY_BYTES);
    }
    uint8_t secret[TOTP_SECRET_BYTES], zero[TOTP_SECRET_BYTES] = {0};
    memset(secret, 0xAA, sizeof secret);
    err_t err;
    if (totp_unseal(&k, 1, data, size, secret, &err) == 0)
        __builtin_trap();
    if (memcmp(secret, zero, sizeof zero) != 0 && size == TOTP_SEALED_BYTES && totp_sealed_key_known(&k, data, size))
        __builtin_trap(); /* a refusal after opening must wipe what it wrote */
    return 0;
}
