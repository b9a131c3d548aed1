#pragma once
/* devcert: X.509 device certificates for SBI signatures.
 *
 * Certified SBI devices (MOSIP SBI 0.9.5, trust level 1) sign each part as
 * a JWS with alg "RS256" and put their certificate chain in the header's
 * "x5c": standard base64 DER, the signing (leaf) certificate first, then
 * any intermediates (RFC 7515, 4.1.6). Such a signature is accepted when
 * the chain ends at a trust anchor (the device provider's or the FTM CA's
 * certificate, configured as a PEM file in the SBI trust store), every
 * certificate is valid at the time of checking, the leaf's key is RSA of
 * at least 2048 bits, and the RSASSA-PKCS1-v1_5 SHA-256 signature verifies.
 *
 * The device's key id (the `kid` that sbi compares across the parts of one
 * capture) is the first 16 bytes of SHA-256 over the leaf's
 * SubjectPublicKeyInfo DER, in lowercase hex: a device re-issued a
 * certificate for the same key keeps its id.
 *
 * Anchors are kept as DER bytes in a plain struct (copyable, no handles to
 * free); a verification builds its own OpenSSL store from them, so the
 * module has no global state and is thread-safe. Library module: no
 * logging. */
#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

#define DEVCERT_KID_LEN 32    /* hex characters, as SBI_KID_LEN */
#define DEVCERT_ANCHORS_MAX 8 /* anchors in one trust store */
#define DEVCERT_DER_MAX 4096  /* bytes of one certificate */
#define DEVCERT_CHAIN_MAX 4   /* certificates in one x5c */
#define DEVCERT_MIN_RSA_BITS 2048

struct devcert_anchor {
    size_t len;
    unsigned char der[DEVCERT_DER_MAX];
};

struct devcert_anchors {
    size_t n;
    struct devcert_anchor a[DEVCERT_ANCHORS_MAX];
};

/* Adds every certificate of the PEM text pem[0..len) as an anchor. -EINVAL
 * (sbi_trust_bad_key) when it holds no readable certificate or one over
 * DEVCERT_DER_MAX bytes, -ENOSPC (sbi_trust_full) past DEVCERT_ANCHORS_MAX. */
int devcert_anchors_add_pem(struct devcert_anchors *a, const char *pem, size_t len, err_t *err);

/* Verifies an RS256 signature sig[0..sig_len) over input[0..input_len) by
 * the leaf of x5c (a JSON array of base64 DER certificates) chained to one
 * of the anchors, as the header comment says. On success writes the leaf's
 * key id to ret_kid. Errors (err->code): sbi_malformed (x5c not an array of
 * 1..DEVCERT_CHAIN_MAX readable certificates), sbi_unknown_key (the chain
 * does not end at an anchor, or a certificate is expired, not yet valid or
 * not a CA where one is needed; the message says which), sbi_bad_signature
 * (not RSA, under DEVCERT_MIN_RSA_BITS, or the signature does not verify).
 * `what` names the part in messages. */
int devcert_verify_rs256(const struct devcert_anchors *a, const json_t *x5c, const unsigned char *input,
    size_t input_len, const unsigned char *sig, size_t sig_len, const char *what, char ret_kid[DEVCERT_KID_LEN + 1],
    err_t *err);

/* The x5c array (standard base64 DER, in file order) of the PEM
 * certificates in chain_pem; a new reference, or NULL when the text holds no
 * certificate or more than DEVCERT_CHAIN_MAX (for device services and
 * tests). */
json_t *devcert_x5c_from_pem(const char *chain_pem);

/* Signs input[0..len) with the PEM private RSA key key_pem (RS256,
 * PKCS#1 v1.5). *ret_sig is a new buffer the caller frees. 0, -EINVAL (not
 * a readable RSA key), -ENOMEM, -EIO. (For device services and tests.) */
int devcert_sign_rs256(
    const char *key_pem, const unsigned char *input, size_t len, unsigned char **ret_sig, size_t *ret_sig_len);
