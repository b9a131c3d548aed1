#pragma once
/* seal: a document set's pages encrypted at rest, in the database.
 *
 * Each set has its own random data key (XChaCha20-Poly1305, libsodium's
 * crypto_aead_xchacha20poly1305_ietf), stored only wrapped: encrypted under
 * the server's current key from a bio/vault key file (the docset_key_file
 * setting; the same format `uchetctl keys enrolment-init` writes). A stored
 * blob is bound to its place: the associated data names the set and the
 * page (or "fields" for the read values), so a blob copied to another row
 * does not open.
 *
 *   wrapped key: "UDK1" | vault key id (8) | nonce (24) | sealed key (32+16)
 *   blob:        "UDB1" | nonce (24) | ciphertext (len+16)
 *
 * The officers' TOTP secrets (store/totp.c) are sealed the same way, each
 * bound to its officer (seal_box_ad), under totp_key_file's keys.
 *
 * Library module: no logging, no globals; keys are wiped after use. Built
 * into the store library (store/totp.c needs it inside a transaction). */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "bio/vault.h"

#define SEAL_KEY_BYTES 32
#define SEAL_WRAPPED_BYTES (4 + VAULT_ID_BYTES + 24 + SEAL_KEY_BYTES + 16)
#define SEAL_OVERHEAD (4 + 24 + 16) /* blob bytes beyond the plaintext */

/* A fresh data key in dk and, in wrapped, that key sealed under k's current
 * key. -EINVAL ("docset_no_key") when k holds no key. */
int seal_new_key(const vault_keys_t *k, uint8_t dk[SEAL_KEY_BYTES], uint8_t wrapped[SEAL_WRAPPED_BYTES], err_t *err);

/* The data key of a wrapped key, under whichever of k's keys wrapped it.
 * -EINVAL "vault_unknown_key" / "vault_bad_file". */
int seal_open_key(const vault_keys_t *k, const uint8_t *wrapped, size_t len, uint8_t dk[SEAL_KEY_BYTES], err_t *err);

/* Which of k's keys a wrapped key names (by id; nothing is opened): its
 * index, 0 being the current key, or -1 for none (or not a wrapped key). */
int seal_key_index(const vault_keys_t *k, const uint8_t *wrapped, size_t len);

/* Encrypts data[0..len) for the place named by (set_id, page, what) into
 * *ret (malloc'd, caller frees) of *ret_len = len + SEAL_OVERHEAD bytes. */
int seal_box(const uint8_t dk[SEAL_KEY_BYTES], int64_t set_id, int64_t page, const char *what, const void *data,
    size_t len, uint8_t **ret, size_t *ret_len, err_t *err);

/* seal_box with the associated data given whole (ad[0..adlen)): for a
 * place that is not a set's page (store/totp.c seals an officer's TOTP
 * secret bound to "officer ID"). */
int seal_box_ad(const uint8_t dk[SEAL_KEY_BYTES], const void *ad, size_t adlen, const void *data, size_t len,
    uint8_t **ret, size_t *ret_len, err_t *err);
int seal_unbox_ad(const uint8_t dk[SEAL_KEY_BYTES], const void *ad, size_t adlen, const uint8_t *blob, size_t len,
    uint8_t **ret, size_t *ret_len, err_t *err);

/* Decrypts a blob of seal_box for the same place. *ret (caller frees, after
 * sodium_memzero when it holds field values). -EINVAL "vault_bad_file" when
 * it was altered or belongs elsewhere. */
int seal_unbox(const uint8_t dk[SEAL_KEY_BYTES], int64_t set_id, int64_t page, const char *what, const uint8_t *blob,
    size_t len, uint8_t **ret, size_t *ret_len, err_t *err);
