#pragma once
/* vault: files encrypted at rest with libsodium's secretstream
 * (XChaCha20-Poly1305), under keys kept in a key file outside the database.
 *
 * Key file (mode 0600): one key per line, "<key id> <key>" in lowercase hex
 * (8-byte id, 32-byte key). The first line is the current key (new files);
 * later lines are older keys still accepted for reading (during rotation).
 *
 * Encrypted file: "UCHETVT1" (8 bytes), the key id (8), the secretstream
 * header (24), then chunks of at most VAULT_CHUNK plaintext bytes, each
 * sealed with its own tag (MESSAGE, the last one FINAL). A truncated,
 * reordered or altered file fails to open (vault_bad_file); a file under a key
 * the key file does not hold fails with vault_unknown_key.
 *
 * Files are written atomically: a temporary file in the same directory,
 * created 0600, fsync, rename over the name, fsync of the directory.
 *
 * Library module: no logging; keys are wiped with sodium_memzero. */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define VAULT_KEY_BYTES 32
#define VAULT_ID_BYTES 8
#define VAULT_MAX_KEYS 8
#define VAULT_CHUNK (64 * 1024)

typedef struct vault_keys {
    size_t n; /* 0 = none loaded */
    uint8_t id[VAULT_MAX_KEYS][VAULT_ID_BYTES];
    uint8_t key[VAULT_MAX_KEYS][VAULT_KEY_BYTES]; /* [0] is current */
} vault_keys_t;

/* Reads a key file into *ret. -ENOENT (vault_no_key_file), -EINVAL
 * (vault_bad_key_file). */
int vault_keys_load(const char *path, vault_keys_t *ret, err_t *err);
/* Wipes the keys. */
void vault_keys_wipe(vault_keys_t *k);
/* Creates a new key file with one fresh key; -EEXIST if the file exists. */
int vault_keys_init(const char *path, err_t *err);
/* Writes k to path atomically (0600). */
int vault_keys_save(const char *path, const vault_keys_t *k, err_t *err);
/* Prepends a fresh key to k as the current one (drops the oldest when full). */
int vault_keys_add_new(vault_keys_t *k, err_t *err);

/* Encrypts data[0..len) under k's current key into dir/name, atomically. */
int vault_write(const vault_keys_t *k, const char *dir, const char *name, const void *data, size_t len, err_t *err);
/* Opens path with any key of k. *ret is a new buffer of *ret_len bytes the
 * caller frees (after sodium_memzero when it holds secrets). */
int vault_read(const vault_keys_t *k, const char *path, uint8_t **ret, size_t *ret_len, err_t *err);
/* The key id a vault file was written under (-EINVAL vault_bad_file). */
int vault_file_key_id(const char *path, uint8_t ret[VAULT_ID_BYTES], err_t *err);
