#pragma once
/* Secrets: bearer tokens, activation codes, password hashes (libsodium).
 * Tokens and codes are stored only as SHA-256 hashes; passwords as argon2id.
 * Callers wipe plaintext secrets with sodium_memzero when done. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECRET_TOKEN_CHARS 43 /* base64url of 32 random bytes */
#define SECRET_HASH_BYTES 32
#define SECRET_CODE_CHARS 14  /* "ABCD-EFGH-JKMN" */
#define SECRET_PWHASH_MAX 128 /* >= crypto_pwhash_STRBYTES */

/* Initialises libsodium; -EIO if it cannot. Call once at program start. */
int secret_init(void);
/* A new random token (NUL-terminated, SECRET_TOKEN_CHARS) and its hash. */
void secret_token_new(char ret_token[SECRET_TOKEN_CHARS + 1], uint8_t ret_hash[SECRET_HASH_BYTES]);
/* SHA-256 of any byte string (tokens, codes, API keys). */
void secret_hash(const void *data, size_t len, uint8_t ret[SECRET_HASH_BYTES]);
/* A new activation code from an alphabet without look-alikes (no 0/O, 1/I/L). */
void secret_code_new(char ret[SECRET_CODE_CHARS + 1]);
/* Normalises a typed code (case, spaces, dashes) to "ABCD-EFGH-JKMN" form and
 * hashes it. -EINVAL if it cannot be a code. */
int secret_code_hash(const char *typed, size_t len, uint8_t ret[SECRET_HASH_BYTES]);
/* argon2id hash of a password into ret (NUL-terminated). -ENOMEM if the KDF
 * could not get its memory. opslimit/memlimit 0 = libsodium's interactive. */
int secret_password_hash(
    const char *pw, size_t len, unsigned long long opslimit, size_t memlimit, char ret[SECRET_PWHASH_MAX]);
/* True if pw matches the stored argon2id string. Constant-time in pw. */
bool secret_password_verify(const char *stored, const char *pw, size_t len);
