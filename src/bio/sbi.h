#pragma once
/* sbi: the uchet side of MOSIP's Secure Biometric Interface (spec 0.9.5):
 * parsing what a device service answers to MOSIPDISC, MOSIPDINFO and
 * RCAPTURE, and verifying it before anything is kept.
 *
 * What is verified (each failure has its own stable err code, below):
 *  - shape: strict JSON, known types, lengths within LIMIT_SBI_*;
 *  - the device: its status ("Ready"), certification, purpose
 *    ("Registration"), its digital id (serial, make, model, type);
 *  - signatures, trust level 1: every signed part (deviceInfo, capture
 *    `data`, the slap extension) is a JWS compact serialisation, either
 *    - alg "RS256" with the device's certificate chain in "x5c", as
 *      certified SBI devices sign: the chain must end at a CA certificate
 *      of the trust store (.crt/.pem files; checks in bio/devcert.h), or
 *    - alg "EdDSA" (Ed25519, RFC 8037) with a `kid` naming a device key of
 *      the trust store (.pub files; uchet-devsim and devices pinned by key).
 *    Unsigned ("alg": "none", a bare base64url JSON or two-part token), any
 *    other alg, an unknown kid, an untrusted or expired certificate, or a
 *    signature that does not verify is refused;
 *  - the per-session hash chain over the captures, as MOSIP's reference
 *    mock computes it: hash = UPPERHEX(SHA256(prev ‖ SHA256(bioValue bytes)))
 *    over raw 32-byte digests, prev = SHA256("") at the start of a session,
 *    else the previous capture's hash hex-decoded; a reordered, altered or
 *    dropped capture breaks the chain;
 *  - that each capture belongs to this transaction and this device.
 *
 * Vendor extension for slaps (uchet profile, documented in docs/DEVSIM.md):
 * when the request carries customOpts {"name": "uchet.slap", "value":
 * "true"}, the RCAPTURE response has a top-level "customOpts" object with
 * "slap": a JWS whose payload holds the transactionId, deviceSubId, the
 * whole slap image (bioValue) and "segments", one box per finger present.
 *
 * Library module: no logging, no global state; thread-safe. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "bio/devcert.h"

#define SBI_KID_LEN 32     /* hex characters of a key id */
#define SBI_HASH_HEX 64    /* uppercase hex SHA-256 */
#define SBI_TRUST_MAX 64   /* keys in one trust store */
#define SBI_MAX_DEVICES 16 /* devices in one MOSIPDISC/MOSIPDINFO answer */
#define SBI_MAX_SUBIDS 8
#define SBI_MAX_SEGMENTS 4
#define SBI_TEXT 96 /* every short text field, NUL included */

/* Stable reason codes written to err->code:
 *   sbi_malformed        not the JSON shape the spec gives, or a field too long
 *   sbi_device_error     the device answered an error (err message has its code)
 *   sbi_unsigned         a part that must be signed is not
 *   sbi_unknown_key      signed by a key that is not in the trust store, or by a
 *                        certificate that does not chain to one of its CAs
 *   sbi_bad_signature    the signature does not verify, or alg is not EdDSA or RS256
 *   sbi_hash_mismatch    the hash chain does not hold
 *   sbi_wrong_transaction  a capture of another transaction
 *   sbi_wrong_device     a capture or info from another device than expected
 *   sbi_device_not_ready  status other than Ready
 *   sbi_not_certified    certification or purpose unfit for registration
 *   sbi_bad_bio_value    bioValue missing, empty or not base64url; not the ISO/IEC
 *                        19794 record of its kind and position; a JPEG 2000
 *                        image in it that does not decode (bio/jp2)
 *   sbi_image_format     the image in the record is neither PNG nor JPEG 2000
 *                        (WSQ: no decoder is packaged in Debian; JPEG; raw)
 *   sbi_too_large        over LIMIT_SBI_RESPONSE_BYTES or LIMIT_SBI_BIOMETRICS, or a
 *                        JPEG 2000 image over bio/jp2's limits
 *
 * Finger, palm and face bioValues are ISO/IEC 19794 records; after
 * sbi_parse_capture an sbi_bio's value (and slap_value) is the PNG image
 * inside: a PNG as sent, or a JPEG 2000 decoded and written as PNG (the
 * pixels kept losslessly; see docs/DEVSIM.md). */

enum sbi_status {
    SBI_STATUS_READY = 0,
    SBI_STATUS_BUSY,
    SBI_STATUS_NOT_READY,
    SBI_STATUS_NOT_REGISTERED,
};

struct sbi_trust_key {
    unsigned char pk[32];      /* Ed25519 public key */
    char kid[SBI_KID_LEN + 1]; /* sbi_kid(pk) */
};

struct sbi_trust {
    size_t n;
    struct sbi_trust_key keys[SBI_TRUST_MAX];
    struct devcert_anchors anchors; /* CA certificates that x5c chains must end at */
};

struct sbi_digital_id {
    char serial_no[SBI_TEXT];
    char make[SBI_TEXT];
    char model[SBI_TEXT];
    char type[SBI_TEXT];            /* Finger, Face, Iris, … (uchet adds Palm, Document) */
    char device_sub_type[SBI_TEXT]; /* Slap, Single, Full face, … */
    char device_provider[SBI_TEXT];
    char device_provider_id[SBI_TEXT];
    char date_time[SBI_TEXT];
};

struct sbi_device {
    char device_id[SBI_TEXT];
    enum sbi_status status;
    char certification[SBI_TEXT]; /* L0, L1 */
    char purpose[SBI_TEXT];       /* Registration, Auth, "" */
    char device_code[SBI_TEXT];
    char service_version[SBI_TEXT];
    char callback_id[SBI_TEXT];
    char firmware[SBI_TEXT]; /* MOSIPDINFO only */
    int sub_ids[SBI_MAX_SUBIDS];
    size_t nsub_ids;
    struct sbi_digital_id digital_id;
    bool is_signed;            /* MOSIPDINFO: deviceInfo was a verified JWS */
    char kid[SBI_KID_LEN + 1]; /* the signing key when is_signed */
};

struct sbi_segment {
    char bio_sub_type[SBI_TEXT];  /* "Left IndexFinger", … */
    int left, right, top, bottom; /* slap pixels, like ANSI/NIST SEG */
};

struct sbi_bio {
    char bio_type[SBI_TEXT];     /* Finger, Face, … */
    char bio_sub_type[SBI_TEXT]; /* "Right IndexFinger", "" for a face */
    double quality;              /* qualityScore 0..100 */
    double requested;            /* requestedScore, -1 when absent */
    char timestamp[SBI_TEXT];
    char hash[SBI_HASH_HEX + 1]; /* the chain value after this capture */
    unsigned char
        *value; /* bioValue decoded (a finger, palm or face: the PNG inside its record); owned by the sbi_capture */
    size_t value_len;
    bool from_jp2;                /* the record held JPEG 2000; value is the PNG uchet wrote of it */
    unsigned char jp2_sha256[32]; /* when from_jp2: SHA-256 of that JPEG 2000 image as sent */
};

struct sbi_capture {
    char transaction_id[SBI_TEXT];
    char serial_no[SBI_TEXT];  /* from the signed digitalId */
    char kid[SBI_KID_LEN + 1]; /* the key that signed every part */
    size_t nbio;
    struct sbi_bio *bio;              /* nbio entries, in response order */
    char last_hash[SBI_HASH_HEX + 1]; /* to send as the next previousHash */
    /* the slap extension, when present */
    bool has_slap;
    int slap_sub_id;           /* deviceSubId 1 left four, 2 right four, 3 thumbs */
    unsigned char *slap_value; /* the whole slap image; owned here */
    size_t slap_value_len;
    bool slap_from_jp2; /* as sbi_bio's from_jp2 and jp2_sha256, for slap_value */
    unsigned char slap_jp2_sha256[32];
    size_t nsegments;
    struct sbi_segment segments[SBI_MAX_SEGMENTS];
};

/* A JPEG 2000 image's PNG that sbi_parse_capture wrote before (an sbi_bio
 * with from_jp2), for verifying the same capture again without decoding it
 * again: see sbi_expect.decoded. */
struct sbi_decoded {
    unsigned char jp2_sha256[32]; /* the sbi_bio's jp2_sha256 */
    const unsigned char *png;     /* its value; borrowed */
    size_t png_len;
};

/* What a capture must match. */
struct sbi_expect {
    const struct sbi_trust *trust; /* required: captures are always verified */
    const char *transaction_id;    /* required */
    const char *previous_hash;     /* "" or NULL at the session's start, else 64 hex */
    const char *serial_no;         /* NULL: any device in the trust store */
    const char *bio_type;          /* NULL: any; else every entry's bioType (Finger, Face, …) */
    /* PNGs of JPEG 2000 images decoded when this capture was verified
     * before (ndecoded entries; NULL, 0: none). Everything is verified as
     * without them - signatures, chain, records, the JPEG 2000 header against
     * bio/jp2's limits - but a JPEG 2000 image whose SHA-256 is an entry's
     * takes that entry's PNG instead of being decoded: the PNG is a function
     * of those bytes alone. The caller vouches that each png is what
     * sbi_parse_capture produced (kept where only it can write). */
    const struct sbi_decoded *decoded;
    size_t ndecoded;
};

/* Key id of an Ed25519 public key: the first 16 bytes of SHA-256(pk) in
 * lowercase hex, NUL-terminated into ret (SBI_KID_LEN + 1 bytes). */
void sbi_kid(const unsigned char pk[32], char ret[SBI_KID_LEN + 1]);

/* Adds one key to a trust store. -ENOSPC when full, -EEXIST if present. */
int sbi_trust_add(struct sbi_trust *t, const unsigned char pk[32], err_t *err);

/* Loads directory `dir` into *ret (replaced only on success). A "*.pub"
 * file holds one base64url (unpadded) Ed25519 public key of 32 bytes and an
 * optional newline; a "*.crt" or "*.pem" file holds PEM CA certificates
 * (device providers' or FTM CAs) for RS256/x5c signatures. A file of either
 * kind that is not that is -EINVAL naming the file; other files are
 * ignored. -ENOENT when the directory cannot be read or holds neither. */
int sbi_trust_load_dir(const char *dir, struct sbi_trust *ret, err_t *err);

/* Parses a MOSIPDISC answer (a JSON array of devices; digitalId is
 * base64url JSON, unsigned in discovery). Writes up to cap devices to ret
 * and their count to *ret_n. 0, -EINVAL (sbi_malformed), -E2BIG. */
int sbi_parse_discover(const char *buf, size_t len, struct sbi_device *ret, size_t cap, size_t *ret_n, err_t *err);

/* Parses and verifies a MOSIPDINFO answer: an array of {deviceInfo, error}.
 * A registered device's deviceInfo must be a JWS verified against trust
 * (trust NULL: signatures are parsed but a signed deviceInfo is refused as
 * sbi_unknown_key); a device that says "Not Registered" may send it
 * unsigned (is_signed = false). The digitalId inside must be signed by the
 * same key. 0 or a negative code with its reason in err. */
int sbi_parse_info(const char *buf, size_t len, const struct sbi_trust *trust, struct sbi_device *ret, size_t cap,
    size_t *ret_n, err_t *err);

/* Checks that a device may be used for registration captures: status Ready
 * (else sbi_device_not_ready, naming the status), signed info
 * (sbi_unsigned), certification L1 and purpose Registration
 * (sbi_not_certified), and digitalId.type equal to `type` when not NULL
 * (sbi_wrong_device). */
int sbi_device_usable(const struct sbi_device *d, const char *type, err_t *err);

/* Parses and verifies an RCAPTURE answer against *x. On success fills *ret
 * (release with sbi_capture_free); on failure *ret is untouched and err has
 * the reason. Any biometrics[] entry with an error code other than 0 fails
 * the whole capture (sbi_device_error). */
int sbi_parse_capture(const char *buf, size_t len, const struct sbi_expect *x, struct sbi_capture *ret, err_t *err);

/* Frees what a parsed capture owns and zeroes it; accepts NULL. */
void sbi_capture_free(struct sbi_capture *c);

/* The next chain value: prev_hex is "" (or NULL) at the start, else 64 hex
 * digits (either case). Writes 64 uppercase hex digits and a NUL to ret.
 * -EINVAL for a malformed prev_hex. */
int sbi_chain_next(const char *prev_hex, const unsigned char *bio, size_t len, char ret[SBI_HASH_HEX + 1]);

/* Signs payload[0..len) as a JWS compact serialisation with header
 * {"alg":"EdDSA","kid":<sbi_kid(pk)>}. sk is libsodium's 64-byte Ed25519
 * secret key. *ret is a new NUL-terminated string the caller frees.
 * 0, -ENOMEM, -EINVAL. (For device services and tests.) */
int sbi_jws_sign(const char *payload, size_t len, const unsigned char sk[64], char **ret);

/* Signs payload[0..len) as a JWS compact serialisation the way certified
 * SBI devices do: header {"alg":"RS256","typ":"JWT","x5c":[...]} with the
 * PEM certificates of chain_pem (leaf first), signed with the PEM RSA
 * private key key_pem. *ret is new; the caller frees it. 0, -EINVAL (no
 * certificate, or not an RSA key), -ENOMEM, -EIO. (For device services
 * and tests.) */
int sbi_jws_sign_x5c(const char *payload, size_t len, const char *key_pem, const char *chain_pem, char **ret);
