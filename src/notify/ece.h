#pragma once
/* Web Push message encryption (RFC 8291) in the aes128gcm content coding
 * (RFC 8188): ECDH on P-256 between a one-off application-server key and the
 * subscription's key, HKDF-SHA-256 mixed with the subscription's auth secret,
 * then one AES-128-GCM record.
 *
 * Body layout: salt(16) || rs(4, big endian) || idlen(1) || keyid(idlen)
 * || ciphertext. For Web Push keyid is the application server's 65-byte
 * ephemeral public key and the body is a single record. */
#include <stddef.h>

#include "base/err.h"

#define ECE_PUBLIC_LEN 65  /* uncompressed P-256 point: 0x04 || X || Y */
#define ECE_PRIVATE_LEN 32 /* P-256 scalar, big endian */
#define ECE_AUTH_LEN 16    /* subscription auth secret */
#define ECE_SALT_LEN 16
#define ECE_KEY_LEN 16 /* AES-128 content-encryption key */
#define ECE_NONCE_LEN 12
#define ECE_TAG_LEN 16
#define ECE_RS 4096                                            /* record size written into the header */
#define ECE_HEADER_LEN (ECE_SALT_LEN + 4 + 1 + ECE_PUBLIC_LEN) /* 86 */
/* Push services take bodies of at most 4096 bytes (RFC 8291 §4): header,
 * the one-byte padding delimiter and the tag leave this much plaintext. */
#define ECE_MAX_BODY 4096
#define ECE_MAX_PLAINTEXT (ECE_MAX_BODY - ECE_HEADER_LEN - 1 - ECE_TAG_LEN) /* 3993 */

/* Fixed sender inputs, for known-answer tests only. */
struct ece_fixed {
    const unsigned char *as_private; /* application-server private key */
    size_t as_private_len;           /* must be ECE_PRIVATE_LEN */
    const unsigned char *salt;       /* ECE_SALT_LEN bytes */
};

/* Every value of the RFC 8291 key schedule, so that tests can compare each
 * step with RFC 8291 Appendix A. Holds secrets: wipe after use. */
struct ece_schedule {
    unsigned char ecdh_secret[32];           /* X coordinate of the shared point */
    unsigned char as_public[ECE_PUBLIC_LEN]; /* sender key, from its private key */
    unsigned char prk_key[32];               /* HKDF-Extract(auth, ecdh_secret) */
    unsigned char ikm[32];                   /* HKDF-Expand(prk_key, key_info, 32) */
    unsigned char prk[32];                   /* HKDF-Extract(salt, ikm) */
    unsigned char cek[ECE_KEY_LEN];          /* HKDF-Expand(prk, cek_info, 16) */
    unsigned char nonce[ECE_NONCE_LEN];      /* HKDF-Expand(prk, nonce_info, 12) */
};

/* Encrypts `plain` for a push subscription (RFC 8291). ua_public is the
 * subscription's 65-byte uncompressed P-256 point (p256dh), auth its
 * 16-byte auth secret. A fresh ephemeral key and salt are generated unless
 * `fixed` (tests) supplies them. On success writes a newly allocated body
 * (header || ciphertext, one record, rs = ECE_RS) to *ret_body and its length
 * to *ret_len; the caller frees it. Returns -EINVAL (bad key, size or point
 * not on the curve), -ERANGE (plain_len > ECE_MAX_PLAINTEXT), -ENOMEM, -EIO
 * (crypto library failure). */
int ece_encrypt(const unsigned char *ua_public, size_t ua_public_len, const unsigned char *auth, size_t auth_len,
    const unsigned char *plain, size_t plain_len, const struct ece_fixed *fixed, unsigned char **ret_body,
    size_t *ret_len, err_t *err);

/* Decrypts a body made by ece_encrypt (or by any RFC 8291 sender that uses
 * a single record), as the browser does. ua_private/ua_public are the
 * subscription's key pair, auth its secret. On success writes the newly
 * allocated plaintext to *ret_plain (never NULL, even when empty) and its
 * length to *ret_len; the caller frees it. Returns -EINVAL (malformed
 * header, bad key, more than one record, bad padding), -EACCES (the tag does
 * not verify: wrong key or tampered body), -ENOMEM, -EIO. */
int ece_decrypt(const unsigned char *ua_private, size_t ua_private_len, const unsigned char *ua_public,
    size_t ua_public_len, const unsigned char *auth, size_t auth_len, const unsigned char *body, size_t body_len,
    unsigned char **ret_plain, size_t *ret_len, err_t *err);

/* Runs the sender's side of the RFC 8291 key schedule with a known
 * application-server private key (32 bytes) and salt, writing every
 * intermediate value to *ret. For tests and diagnostics. Returns 0,
 * -EINVAL, -EIO. */
int ece_schedule_compute(const unsigned char *as_private, size_t as_private_len, const unsigned char *ua_public,
    size_t ua_public_len, const unsigned char *auth, size_t auth_len, const unsigned char *salt, size_t salt_len,
    struct ece_schedule *ret, err_t *err);

/* Generates a P-256 key pair as a browser would for a subscription:
 * writes the private scalar to ret_private[ECE_PRIVATE_LEN] and the
 * uncompressed public point to ret_public[ECE_PUBLIC_LEN]. For tests and
 * tools. Returns 0 or -EIO. */
int ece_keypair_generate(unsigned char *ret_private, unsigned char *ret_public, err_t *err);
