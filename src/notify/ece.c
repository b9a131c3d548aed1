#include "notify/ece.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

/* Bodies larger than this are refused by ece_decrypt before any crypto, so
 * that lengths always fit OpenSSL's int parameters. Real push bodies are at
 * most ECE_MAX_BODY. */
#define ECE_MAX_DECRYPT_BODY ((size_t)1 << 20)
#define ECE_MIN_RS 18 /* RFC 8188 §2.1: smaller records cannot hold tag and data */

static int crypto_fail(err_t *err)
{
    err_set(err, -EIO, "ece_crypto", "the crypto library failed");
    return -EIO;
}

static int no_memory(err_t *err)
{
    err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    return -ENOMEM;
}

/* Fills pub[65] with the uncompressed point of the scalar priv[32]. Rejects a
 * scalar of 0 or >= the group order, which is not a private key. */
static int public_from_private(const unsigned char *priv, unsigned char *pub, err_t *err)
{
    int r = -EIO;
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *d = BN_bin2bn(priv, ECE_PRIVATE_LEN, NULL);
    EC_POINT *point = group ? EC_POINT_new(group) : NULL;
    if (!group || !d || !point)
        goto out;
    if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0) {
        r = err_set(err, -EINVAL, "ece_bad_key", "private key out of range");
        goto out;
    }
    if (EC_POINT_mul(group, point, d, NULL, NULL, NULL) != 1 ||
        EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub, ECE_PUBLIC_LEN, NULL) != ECE_PUBLIC_LEN)
        goto out;
    r = 0;
out:
    if (r == -EIO)
        crypto_fail(err);
    EC_POINT_free(point);
    BN_clear_free(d);
    EC_GROUP_free(group);
    return r;
}

/* Builds an EVP_PKEY from raw parts; priv may be NULL for a public key.
 * OpenSSL checks that the point lies on the curve while importing it. */
static EVP_PKEY *pkey_from_raw(const unsigned char *priv, const unsigned char *pub)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = NULL;
    BIGNUM *d = priv ? BN_secure_new() : NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!bld || !ctx || (priv && !d))
        goto out;
    if (priv && !BN_bin2bn(priv, ECE_PRIVATE_LEN, d))
        goto out;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, ECE_PUBLIC_LEN) ||
        (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    if (!params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
out:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_clear_free(d);
    return pkey;
}

/* Imports a peer's public key, rejecting anything but an uncompressed point
 * on P-256 (an off-curve point would leak key bits through ECDH). */
static int load_public(const unsigned char *pub, size_t len, EVP_PKEY **ret, err_t *err)
{
    if (!pub || len != ECE_PUBLIC_LEN || pub[0] != 0x04)
        return err_set(err, -EINVAL, "ece_bad_key", "public key is not a 65-byte P-256 point");
    EVP_PKEY *pkey = pkey_from_raw(NULL, pub);
    EVP_PKEY_CTX *ctx = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
    int ok = ctx && EVP_PKEY_public_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return err_set(err, -EINVAL, "ece_bad_key", "public key is not on P-256");
    }
    *ret = pkey;
    return 0;
}

/* ECDH: writes the 32-byte X coordinate of priv * peer to secret. */
static int ecdh(
    const unsigned char *priv, const unsigned char *priv_pub, EVP_PKEY *peer, unsigned char *secret, err_t *err)
{
    EVP_PKEY *mine = pkey_from_raw(priv, priv_pub);
    EVP_PKEY_CTX *ctx = mine ? EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL) : NULL;
    size_t len = 32;
    int ok = ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
             EVP_PKEY_derive(ctx, secret, &len) > 0 && len == 32;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(mine);
    return ok ? 0 : crypto_fail(err);
}

/* One HKDF-SHA-256 step (RFC 5869). EXTRACT: out[32] = HMAC(salt, key).
 * EXPAND: out[0..out_len) = first block of HMAC(key, info || 0x01), which
 * is all RFC 8291 needs (out_len <= 32). */
static int hkdf(int mode, const unsigned char *key, size_t key_len, const unsigned char *salt_or_info,
    size_t salt_or_info_len, unsigned char *out, size_t out_len)
{
    char digest[] = "SHA256";
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    const char *which = mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY ? OSSL_KDF_PARAM_SALT : OSSL_KDF_PARAM_INFO;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len),
        OSSL_PARAM_construct_octet_string(which, (void *)salt_or_info, salt_or_info_len),
        OSSL_PARAM_construct_end(),
    };
    int ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) > 0;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? 0 : -EIO;
}

static const char KEY_INFO[] = "WebPush: info";               /* RFC 8291 §3.3 */
static const char CEK_INFO[] = "Content-Encoding: aes128gcm"; /* RFC 8188 §2.2 */
static const char NONCE_INFO[] = "Content-Encoding: nonce";   /* RFC 8188 §2.3 */

/* Derives everything after ECDH. s->ecdh_secret must already be set. The
 * info strings include their terminating NUL, as the RFCs require. */
static int derive(const unsigned char *ua_public, const unsigned char *as_public, const unsigned char *auth,
    const unsigned char *salt, struct ece_schedule *s, err_t *err)
{
    unsigned char key_info[sizeof KEY_INFO + 2 * ECE_PUBLIC_LEN];
    memcpy(key_info, KEY_INFO, sizeof KEY_INFO);
    memcpy(key_info + sizeof KEY_INFO, ua_public, ECE_PUBLIC_LEN);
    memcpy(key_info + sizeof KEY_INFO + ECE_PUBLIC_LEN, as_public, ECE_PUBLIC_LEN);
    const int X = EVP_KDF_HKDF_MODE_EXTRACT_ONLY, E = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    if (hkdf(X, s->ecdh_secret, 32, auth, ECE_AUTH_LEN, s->prk_key, 32) < 0 ||
        hkdf(E, s->prk_key, 32, key_info, sizeof key_info, s->ikm, 32) < 0 ||
        hkdf(X, s->ikm, 32, salt, ECE_SALT_LEN, s->prk, 32) < 0 ||
        hkdf(E, s->prk, 32, (const unsigned char *)CEK_INFO, sizeof CEK_INFO, s->cek, ECE_KEY_LEN) < 0 ||
        hkdf(E, s->prk, 32, (const unsigned char *)NONCE_INFO, sizeof NONCE_INFO, s->nonce, ECE_NONCE_LEN) < 0)
        return crypto_fail(err);
    return 0;
}

static int check_auth(const unsigned char *auth, size_t auth_len, err_t *err)
{
    if (auth && auth_len == ECE_AUTH_LEN)
        return 0;
    err_set(err, -EINVAL, "ece_bad_auth", "auth secret must be 16 bytes");
    return -EINVAL;
}

int ece_schedule_compute(const unsigned char *as_private, size_t as_private_len, const unsigned char *ua_public,
    size_t ua_public_len, const unsigned char *auth, size_t auth_len, const unsigned char *salt, size_t salt_len,
    struct ece_schedule *ret, err_t *err)
{
    if (!as_private || as_private_len != ECE_PRIVATE_LEN || !salt || salt_len != ECE_SALT_LEN)
        return err_set(err, -EINVAL, "ece_bad_key", "sender key or salt has the wrong size");
    int r = check_auth(auth, auth_len, err);
    if (r < 0)
        return r;
    EVP_PKEY *peer = NULL;
    r = load_public(ua_public, ua_public_len, &peer, err);
    if (r < 0)
        return r;
    struct ece_schedule s;
    r = public_from_private(as_private, s.as_public, err);
    if (r == 0)
        r = ecdh(as_private, s.as_public, peer, s.ecdh_secret, err);
    if (r == 0)
        r = derive(ua_public, s.as_public, auth, salt, &s, err);
    if (r == 0)
        *ret = s;
    OPENSSL_cleanse(&s, sizeof s);
    EVP_PKEY_free(peer);
    return r;
}

/* AES-128-GCM over one record: encrypts `in` then the delimiter byte into
 * out (in_len + 1 bytes) and appends the tag. In-place is allowed. */
static int seal_record(
    const struct ece_schedule *s, const unsigned char *in, size_t in_len, unsigned char *out, err_t *err)
{
    static const unsigned char last_delimiter = 0x02; /* RFC 8188 §2: last record */
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0, n3 = 0;
    int ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, s->cek, s->nonce) == 1 &&
             (in_len == 0 || EVP_EncryptUpdate(c, out, &n1, in, (int)in_len) == 1) &&
             EVP_EncryptUpdate(c, out + n1, &n2, &last_delimiter, 1) == 1 &&
             EVP_EncryptFinal_ex(c, out + n1 + n2, &n3) == 1 && (size_t)(n1 + n2 + n3) == in_len + 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, ECE_TAG_LEN, out + in_len + 1) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : crypto_fail(err);
}

/* Makes a fresh P-256 key pair; the scalar goes to priv[32]. */
static int fresh_private(unsigned char *priv, err_t *err)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIGNUM *d = NULL;
    int ok = pkey && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
             BN_bn2binpad(d, priv, ECE_PRIVATE_LEN) == ECE_PRIVATE_LEN;
    BN_clear_free(d);
    EVP_PKEY_free(pkey);
    return ok ? 0 : crypto_fail(err);
}

int ece_keypair_generate(unsigned char *ret_private, unsigned char *ret_public, err_t *err)
{
    unsigned char priv[ECE_PRIVATE_LEN], pub[ECE_PUBLIC_LEN];
    int r = fresh_private(priv, err);
    if (r == 0)
        r = public_from_private(priv, pub, err);
    if (r == 0) {
        memcpy(ret_private, priv, sizeof priv);
        memcpy(ret_public, pub, sizeof pub);
    }
    OPENSSL_cleanse(priv, sizeof priv);
    return r;
}

/* Picks the sender's private key and salt: the fixed ones, or fresh ones. */
static int sender_inputs(const struct ece_fixed *fixed, unsigned char *priv, unsigned char *salt, err_t *err)
{
    if (!fixed) {
        if (RAND_bytes(salt, ECE_SALT_LEN) != 1)
            return crypto_fail(err);
        return fresh_private(priv, err);
    }
    if (!fixed->as_private || fixed->as_private_len != ECE_PRIVATE_LEN || !fixed->salt)
        return err_set(err, -EINVAL, "ece_bad_key", "fixed sender inputs are malformed");
    memcpy(priv, fixed->as_private, ECE_PRIVATE_LEN);
    memcpy(salt, fixed->salt, ECE_SALT_LEN);
    return 0;
}

static void write_header(unsigned char *h, const unsigned char *salt, const unsigned char *as_public)
{
    memcpy(h, salt, ECE_SALT_LEN);
    h[16] = (unsigned char)(ECE_RS >> 24);
    h[17] = (unsigned char)(ECE_RS >> 16);
    h[18] = (unsigned char)(ECE_RS >> 8);
    h[19] = (unsigned char)ECE_RS;
    h[20] = ECE_PUBLIC_LEN;
    memcpy(h + 21, as_public, ECE_PUBLIC_LEN);
}

int ece_encrypt(const unsigned char *ua_public, size_t ua_public_len, const unsigned char *auth, size_t auth_len,
    const unsigned char *plain, size_t plain_len, const struct ece_fixed *fixed, unsigned char **ret_body,
    size_t *ret_len, err_t *err)
{
    if (plain_len > ECE_MAX_PLAINTEXT)
        return err_set(err, -ERANGE, "push_payload_too_large", "push payload exceeds %d bytes", ECE_MAX_PLAINTEXT);
    if (!plain && plain_len > 0)
        return err_set(err, -EINVAL, "ece_bad_input", "plaintext is NULL");
    unsigned char priv[ECE_PRIVATE_LEN], salt[ECE_SALT_LEN];
    struct ece_schedule s;
    size_t len = ECE_HEADER_LEN + plain_len + 1 + ECE_TAG_LEN;
    unsigned char *body = NULL;
    int r = sender_inputs(fixed, priv, salt, err);
    if (r == 0)
        r = ece_schedule_compute(
            priv, sizeof priv, ua_public, ua_public_len, auth, auth_len, salt, sizeof salt, &s, err);
    if (r == 0 && !(body = malloc(len)))
        r = no_memory(err);
    if (r == 0) {
        write_header(body, salt, s.as_public);
        r = seal_record(&s, plain, plain_len, body + ECE_HEADER_LEN, err);
    }
    OPENSSL_cleanse(priv, sizeof priv);
    OPENSSL_cleanse(&s, sizeof s);
    if (r < 0) {
        free(body);
        return r;
    }
    *ret_body = body;
    *ret_len = len;
    return 0;
}

/* A parsed aes128gcm header (pointers into the body). */
struct header {
    const unsigned char *salt;
    const unsigned char *as_public;
    const unsigned char *record; /* the one record: ciphertext || tag */
    size_t record_len;
};

/* Records a malformed header; returns -EINVAL (spelled out, not err_set's
 * result, so that static analysis sees the header is never used after). */
static int bad_header(err_t *err, const char *code, const char *msg)
{
    err_set(err, -EINVAL, code, "%s", msg);
    return -EINVAL;
}

static int parse_header(const unsigned char *body, size_t body_len, struct header *h, err_t *err)
{
    if (!body || body_len > ECE_MAX_DECRYPT_BODY)
        return bad_header(err, "ece_bad_header", "body missing or too large");
    if (body_len < ECE_HEADER_LEN + 1 + ECE_TAG_LEN)
        return bad_header(err, "ece_bad_header", "body shorter than header and tag");
    unsigned long rs =
        (unsigned long)body[16] << 24 | (unsigned long)body[17] << 16 | (unsigned long)body[18] << 8 | body[19];
    if (rs < ECE_MIN_RS)
        return bad_header(err, "ece_bad_header", "record size below 18");
    if (body[20] != ECE_PUBLIC_LEN)
        return bad_header(err, "ece_bad_header", "key id is not a 65-byte public key");
    /* RFC 8291 §4: Web Push uses exactly one record. */
    if (body_len - ECE_HEADER_LEN > rs)
        return bad_header(err, "ece_multiple_records", "body holds more than one record");
    h->salt = body;
    h->as_public = body + 21;
    h->record = body + ECE_HEADER_LEN;
    h->record_len = body_len - ECE_HEADER_LEN;
    return 0;
}

/* Opens the record into out (record_len - tag bytes). -EACCES on a bad tag. */
static int open_record(const struct ece_schedule *s, const struct header *h, unsigned char *out, err_t *err)
{
    int n = (int)(h->record_len - ECE_TAG_LEN), n1 = 0, n2 = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = c && EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL, s->cek, s->nonce) == 1 &&
             EVP_DecryptUpdate(c, out, &n1, h->record, n) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, ECE_TAG_LEN, (void *)(h->record + n)) == 1;
    if (!ok) {
        EVP_CIPHER_CTX_free(c);
        return crypto_fail(err);
    }
    ok = EVP_DecryptFinal_ex(c, out + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok)
        return err_set(err, -EACCES, "ece_auth_failed", "push message failed authentication");
    return 0;
}

/* Strips RFC 8188 padding: data || 0x02 || 0x00*. Returns the data length
 * or -EINVAL when there is no last-record delimiter. */
static int unpad(const unsigned char *p, size_t len, size_t *ret_len, err_t *err)
{
    size_t i = len;
    while (i > 0 && p[i - 1] == 0)
        i--;
    if (i == 0 || p[i - 1] != 0x02)
        return err_set(err, -EINVAL, "ece_bad_padding", "record padding is malformed");
    *ret_len = i - 1;
    return 0;
}

/* Receiver's key schedule: ECDH with the subscription's private key. */
static int receiver_schedule(const unsigned char *ua_private, const unsigned char *ua_public, const unsigned char *auth,
    const struct header *h, struct ece_schedule *s, err_t *err)
{
    unsigned char derived_pub[ECE_PUBLIC_LEN];
    EVP_PKEY *peer = NULL;
    int r = public_from_private(ua_private, derived_pub, err);
    if (r == 0 && CRYPTO_memcmp(derived_pub, ua_public, ECE_PUBLIC_LEN) != 0)
        r = err_set(err, -EINVAL, "ece_bad_key", "public key does not match private key");
    if (r == 0)
        r = load_public(h->as_public, ECE_PUBLIC_LEN, &peer, err);
    if (r == 0)
        r = ecdh(ua_private, ua_public, peer, s->ecdh_secret, err);
    if (r == 0) {
        memcpy(s->as_public, h->as_public, ECE_PUBLIC_LEN);
        r = derive(ua_public, h->as_public, auth, h->salt, s, err);
    }
    EVP_PKEY_free(peer);
    return r;
}

int ece_decrypt(const unsigned char *ua_private, size_t ua_private_len, const unsigned char *ua_public,
    size_t ua_public_len, const unsigned char *auth, size_t auth_len, const unsigned char *body, size_t body_len,
    unsigned char **ret_plain, size_t *ret_len, err_t *err)
{
    if (!ua_private || ua_private_len != ECE_PRIVATE_LEN || !ua_public || ua_public_len != ECE_PUBLIC_LEN)
        return err_set(err, -EINVAL, "ece_bad_key", "subscription key has the wrong size");
    struct header h = {0};
    int r = check_auth(auth, auth_len, err);
    if (r == 0)
        r = parse_header(body, body_len, &h, err);
    if (r < 0)
        return r;
    struct ece_schedule s;
    size_t cap = h.record_len - ECE_TAG_LEN, len = 0;
    unsigned char *plain = NULL;
    r = receiver_schedule(ua_private, ua_public, auth, &h, &s, err);
    if (r == 0 && !(plain = malloc(cap)))
        r = no_memory(err);
    if (r == 0)
        r = open_record(&s, &h, plain, err);
    if (r == 0)
        r = unpad(plain, cap, &len, err);
    OPENSSL_cleanse(&s, sizeof s);
    if (r < 0) {
        if (plain)
            OPENSSL_cleanse(plain, cap);
        free(plain);
        return r;
    }
    *ret_plain = plain;
    *ret_len = len;
    return 0;
}
