#pragma once
/* WebAuthn (W3C Web Authentication Level 2, §7.1 registration and §7.2
 * assertion) as pure functions: parse what a browser sends, check it
 * against what the server expects, verify the signature. No I/O, no
 * globals; the caller passes the expected challenge, origin and RP ID, and
 * keeps the credential (docs/PASSKEYS.md).
 *
 * Parsed here: clientDataJSON (jansson), authenticatorData (by hand, §6.1),
 * the attestation object and COSE keys (libcbor). Verified with OpenSSL:
 * ES256 (P-256, COSE -7), EdDSA (Ed25519, COSE -8), RS256 (COSE -257).
 * Attestation formats: "none" and "packed" (self attestation, or x5c whose
 * signature is checked but whose certificate is not trusted to any root:
 * uchet does not rely on authenticator make, only on possession).
 *
 * Errors (err_t code, all -EINVAL unless said): webauthn_malformed (cannot
 * parse), webauthn_type, webauthn_challenge, webauthn_origin, webauthn_rp
 * (rpIdHash), webauthn_user_presence, webauthn_user_verification,
 * webauthn_attestation (format or statement), webauthn_algorithm (key type
 * not supported), webauthn_signature (-EACCES), webauthn_counter (-EACCES:
 * the signature counter did not grow, a sign of a cloned authenticator). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define WEBAUTHN_CHALLENGE_BYTES 32
#define WEBAUTHN_CRED_ID_MAX 255 /* bytes; authenticators use 16-128 (the spec allows up to 1023) */
#define WEBAUTHN_COSE_MAX 600    /* bytes of a COSE key; RSA-2048 is ~270 */
#define WEBAUTHN_INPUT_MAX 8192  /* bytes of any one input (clientDataJSON, attestation object, ...) */

/* What the server expects; strings are borrowed. */
typedef struct webauthn_expect {
    const char *rp_id;        /* e.g. "uchet.example" */
    const char *origin;       /* e.g. "https://uchet.example" (no trailing slash) */
    const uint8_t *challenge; /* the bytes the server issued */
    size_t challenge_len;
    bool require_uv; /* user verified (screen lock), not just present */
} webauthn_expect_t;

/* A registered credential, as webauthn_register returns it. */
typedef struct webauthn_credential {
    uint8_t id[WEBAUTHN_CRED_ID_MAX];
    size_t id_len;
    uint8_t cose_key[WEBAUTHN_COSE_MAX]; /* the credential public key, COSE_Key bytes as sent */
    size_t cose_len;
    int alg; /* COSE algorithm: -7, -8 or -257 */
    uint32_t sign_count;
    bool uv; /* the user was verified at registration */
} webauthn_credential_t;

/* §7.1 steps 5-26 without the relying party's own look-ups: checks
 * clientDataJSON (type "webauthn.create", challenge, origin), the
 * attestation object's authData (rpIdHash, UP, UV if required, attested
 * credential data) and its statement; on success fills *ret. */
int webauthn_register(const webauthn_expect_t *x, const uint8_t *client_data, size_t client_data_len,
    const uint8_t *att_obj, size_t att_obj_len, webauthn_credential_t *ret, err_t *err);

/* §7.2 steps 11-21: checks clientDataJSON (type "webauthn.get", challenge,
 * origin), authData (rpIdHash, UP, UV if required), the signature over
 * authData || SHA-256(clientDataJSON) with the stored COSE key, and the
 * counter against stored_count (both 0: an authenticator without a counter,
 * allowed). *ret_count: the new counter to store. */
int webauthn_assert(const webauthn_expect_t *x, const uint8_t *cose_key, size_t cose_len, uint32_t stored_count,
    const uint8_t *client_data, size_t client_data_len, const uint8_t *auth_data, size_t auth_data_len,
    const uint8_t *sig, size_t sig_len, uint32_t *ret_count, err_t *err);

/* The challenge clientDataJSON carries, decoded, so that the server can
 * find which of its issued challenges is meant. -EINVAL
 * (webauthn_malformed) when there is none or it is not canonical base64url
 * of at most `cap` bytes. */
int webauthn_client_challenge(
    const uint8_t *client_data, size_t client_data_len, uint8_t *out, size_t cap, size_t *ret_len, err_t *err);
