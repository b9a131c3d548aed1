#include "rules/webauthn.h"

#include <cbor.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <string.h>

#include "base/b64url.h"

/* authenticatorData flags (§6.1) */
#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_AT 0x40
#define FLAG_ED 0x80

#define COSE_ES256 (-7)
#define COSE_EDDSA (-8)
#define COSE_RS256 (-257)

static int malformed(err_t *err, const char *what)
{
    return err_set(err, -EINVAL, "webauthn_malformed", "The passkey answer is malformed (%s).", what);
}

/* --- clientDataJSON (§5.8.1) --------------------------------------------- */

static int client_member(const json_t *cd, const char *name, const char **ret, err_t *err)
{
    const json_t *v = json_object_get(cd, name);
    if (!json_is_string(v))
        return malformed(err, "clientDataJSON lacks a string member");
    *ret = json_string_value(v);
    return 0;
}

static int load_client(const uint8_t *data, size_t len, json_t **ret, err_t *err)
{
    if (!data || len == 0 || len > WEBAUTHN_INPUT_MAX)
        return malformed(err, "clientDataJSON size");
    json_t *cd = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(cd)) {
        json_decref(cd);
        return malformed(err, "clientDataJSON is not a JSON object");
    }
    *ret = cd;
    return 0;
}

int webauthn_client_challenge(
    const uint8_t *client_data, size_t client_data_len, uint8_t *out, size_t cap, size_t *ret_len, err_t *err)
{
    json_t *cd = NULL; /* gcc -O3 cannot follow load_client setting it */
    const char *ch = NULL;
    int r = load_client(client_data, client_data_len, &cd, err);
    if (r < 0)
        return r;
    /* Strict unpadded base64url (one encoding per byte string), so a
     * challenge cannot be matched by a variant spelling. */
    if ((r = client_member(cd, "challenge", &ch, err)) == 0 &&
        b64url_decode_buf(ch, strlen(ch), out, cap, ret_len, NULL) < 0)
        r = malformed(err, "challenge is not base64url");
    json_decref(cd);
    return r;
}

/* §7.1 steps 7-10 / §7.2 steps 11-14. crossOrigin true is refused: uchet's
 * pages are never framed by another origin. */
static int check_client(const webauthn_expect_t *x, const char *type, const uint8_t *data, size_t len, err_t *err)
{
    json_t *cd = NULL;
    const char *t = NULL, *origin = NULL;
    uint8_t ch[64];
    size_t chlen = 0;
    int r = load_client(data, len, &cd, err);
    if (r < 0)
        return r;
    if ((r = client_member(cd, "type", &t, err)) == 0 && strcmp(t, type) != 0)
        r = err_set(err, -EINVAL, "webauthn_type", "The passkey answer is for another ceremony.");
    if (r == 0 && (r = webauthn_client_challenge(data, len, ch, sizeof ch, &chlen, err)) == 0 &&
        (chlen != x->challenge_len || CRYPTO_memcmp(ch, x->challenge, chlen) != 0))
        r = err_set(err, -EINVAL, "webauthn_challenge", "The passkey answer is for another challenge.");
    if (r == 0 && (r = client_member(cd, "origin", &origin, err)) == 0 && strcmp(origin, x->origin) != 0)
        r = err_set(err, -EINVAL, "webauthn_origin", "The passkey answer comes from another web site.");
    if (r == 0 && json_is_true(json_object_get(cd, "crossOrigin")))
        r = err_set(err, -EINVAL, "webauthn_origin", "The passkey answer comes from a framed page.");
    json_decref(cd);
    return r;
}

/* --- authenticatorData (§6.1) --------------------------------------------- */

typedef struct auth_data {
    uint8_t flags;
    uint32_t sign_count;
    const uint8_t *aaguid; /* attested credential data, when FLAG_AT */
    const uint8_t *cred_id;
    size_t cred_id_len;
    const uint8_t *cose;
    size_t cose_len;
} auth_data_t;

/* libcbor allocates what a header claims before it reads the items, so 14
 * bytes claiming 2^32 elements cost gigabytes (found by fuzz_webauthn).
 * This walk over the headers alone (RFC 8949 §3) accepts only items whose
 * every length fits in the bytes that are there, definite lengths only (as
 * CTAP2's canonical CBOR has), nested at most CBOR_DEPTH_MAX deep; it
 * gives the item's length, and only then does libcbor see the bytes. */
#define CBOR_DEPTH_MAX 8

static bool cbor_head(const uint8_t *p, size_t len, size_t *off, int *major, uint64_t *arg)
{
    if (*off >= len)
        return false;
    uint8_t ib = p[(*off)++], ai = ib & 31;
    *major = ib >> 5;
    if (ai < 24) {
        *arg = ai;
        return true;
    }
    if (ai > 27) /* reserved, or indefinite length */
        return false;
    size_t n = (size_t)1 << (ai - 24);
    if (len - *off < n)
        return false;
    *arg = 0;
    for (size_t i = 0; i < n; i++)
        *arg = (*arg << 8) | p[(*off)++];
    return true;
}

static bool cbor_walk(const uint8_t *p, size_t len, size_t *off, int depth)
{
    int major;
    uint64_t arg;
    if (depth > CBOR_DEPTH_MAX || !cbor_head(p, len, off, &major, &arg))
        return false;
    size_t left = len - *off;
    switch (major) {
        case 2:
        case 3: /* byte and text strings */
            if (arg > left)
                return false;
            *off += (size_t)arg;
            return true;
        case 4:
        case 5: /* arrays and maps: every element takes a byte at least */
            if (arg > left || (major == 5 && arg > left / 2))
                return false;
            for (uint64_t i = 0; i < (major == 5 ? 2 * arg : arg); i++)
                if (!cbor_walk(p, len, off, depth + 1))
                    return false;
            return true;
        case 6: /* a tag and its item */ return cbor_walk(p, len, off, depth + 1);
        default: /* integers, simple values, floats */ return true;
    }
}

/* The length of the one well-formed CBOR item at p (at most len bytes), or 0. */
static size_t cbor_item_len(const uint8_t *p, size_t len)
{
    size_t off = 0;
    return cbor_walk(p, len, &off, 0) ? off : 0;
}

static int parse_attested(const uint8_t *p, size_t len, auth_data_t *a, size_t *used, err_t *err)
{
    if (len < 18)
        return malformed(err, "attested credential data is short");
    a->aaguid = p;
    a->cred_id_len = ((size_t)p[16] << 8) | p[17];
    if (a->cred_id_len == 0 || a->cred_id_len > WEBAUTHN_CRED_ID_MAX || 18 + a->cred_id_len >= len)
        return malformed(err, "credential id length");
    a->cred_id = p + 18;
    a->cose = a->cred_id + a->cred_id_len;
    a->cose_len = cbor_item_len(a->cose, len - 18 - a->cred_id_len);
    if (a->cose_len == 0 || a->cose_len > WEBAUTHN_COSE_MAX)
        return malformed(err, "credential public key");
    *used = 18 + a->cred_id_len + a->cose_len;
    return 0;
}

static int parse_auth_data(const webauthn_expect_t *x, const uint8_t *p, size_t len, auth_data_t *a, err_t *err)
{
    memset(a, 0, sizeof *a);
    if (!p || len < 37 || len > WEBAUTHN_INPUT_MAX)
        return malformed(err, "authenticatorData size");
    uint8_t rp_hash[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)x->rp_id, strlen(x->rp_id), rp_hash);
    if (CRYPTO_memcmp(p, rp_hash, sizeof rp_hash) != 0)
        return err_set(err, -EINVAL, "webauthn_rp", "The passkey belongs to another web site.");
    a->flags = p[32];
    a->sign_count = ((uint32_t)p[33] << 24) | ((uint32_t)p[34] << 16) | ((uint32_t)p[35] << 8) | p[36];
    size_t off = 37, used = 0;
    int r;
    if ((a->flags & FLAG_AT) && (r = parse_attested(p + off, len - off, a, &used, err)) < 0)
        return r;
    off += used;
    if ((a->flags & FLAG_ED) && ((used = cbor_item_len(p + off, len - off)) == 0))
        return malformed(err, "extensions");
    if (a->flags & FLAG_ED)
        off += used;
    if (off != len)
        return malformed(err, "authenticatorData has trailing bytes");
    if (!(a->flags & FLAG_UP))
        return err_set(err, -EINVAL, "webauthn_user_presence", "The authenticator did not see the user.");
    if (x->require_uv && !(a->flags & FLAG_UV))
        return err_set(
            err, -EINVAL, "webauthn_user_verification", "The authenticator did not verify the user (screen lock).");
    return 0;
}

/* --- CBOR helpers ----------------------------------------------------------- */

/* A map member by integer key (COSE) or text key (attestation), or NULL. */
static cbor_item_t *map_get_int(const cbor_item_t *map, int64_t key)
{
    struct cbor_pair *pairs = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); i++) {
        cbor_item_t *k = pairs[i].key;
        if (cbor_isa_uint(k) && key >= 0 && cbor_get_int(k) == (uint64_t)key)
            return pairs[i].value;
        if (cbor_isa_negint(k) && key < 0 && cbor_get_int(k) == (uint64_t)(-1 - key))
            return pairs[i].value;
    }
    return NULL;
}

static cbor_item_t *map_get_text(const cbor_item_t *map, const char *key)
{
    struct cbor_pair *pairs = cbor_map_handle(map);
    size_t klen = strlen(key);
    for (size_t i = 0; i < cbor_map_size(map); i++) {
        cbor_item_t *k = pairs[i].key;
        if (cbor_isa_string(k) && cbor_string_is_definite(k) && cbor_string_length(k) == klen &&
            memcmp(cbor_string_handle(k), key, klen) == 0)
            return pairs[i].value;
    }
    return NULL;
}

/* An integer item's value (COSE labels and algorithms fit int64). */
static bool item_int(const cbor_item_t *it, int64_t *ret)
{
    if (!it || !(cbor_isa_uint(it) || cbor_isa_negint(it)))
        return false;
    uint64_t v = cbor_get_int(it);
    if (v > INT64_MAX)
        return false;
    *ret = cbor_isa_uint(it) ? (int64_t)v : -1 - (int64_t)v;
    return true;
}

static bool item_bytes(const cbor_item_t *it, const uint8_t **p, size_t *len)
{
    if (!it || !cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
        return false;
    *p = cbor_bytestring_handle(it);
    *len = cbor_bytestring_length(it);
    return true;
}

static int load_map(const uint8_t *p, size_t len, cbor_item_t **ret, err_t *err, const char *what)
{
    struct cbor_load_result res;
    cbor_item_t *it = len && cbor_item_len(p, len) == len ? cbor_load(p, len, &res) : NULL;
    if (!it || res.error.code != CBOR_ERR_NONE || res.read != len || !cbor_isa_map(it) || !cbor_map_is_definite(it)) {
        if (it)
            cbor_decref(&it);
        return malformed(err, what);
    }
    *ret = it;
    return 0;
}

/* --- COSE keys (RFC 9053) -> OpenSSL ---------------------------------------- */

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *b)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
    EVP_PKEY *pk = NULL;
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pk;
}

static EVP_PKEY *ec2_key(const cbor_item_t *m)
{
    int64_t crv;
    const uint8_t *x, *y;
    size_t xl, yl;
    if (!item_int(map_get_int(m, -1), &crv) || crv != 1 || !item_bytes(map_get_int(m, -2), &x, &xl) ||
        !item_bytes(map_get_int(m, -3), &y, &yl) || xl != 32 || yl != 32)
        return NULL;
    uint8_t point[65] = {0x04};
    memcpy(point + 1, x, 32);
    memcpy(point + 33, y, 32);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    EVP_PKEY *pk = NULL;
    if (b && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point))
        pk = pkey_from_params("EC", b);
    OSSL_PARAM_BLD_free(b);
    return pk;
}

static EVP_PKEY *okp_key(const cbor_item_t *m)
{
    int64_t crv;
    const uint8_t *x;
    size_t xl;
    if (!item_int(map_get_int(m, -1), &crv) || crv != 6 || !item_bytes(map_get_int(m, -2), &x, &xl) || xl != 32)
        return NULL;
    return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xl);
}

static EVP_PKEY *rsa_key(const cbor_item_t *m)
{
    const uint8_t *n, *e;
    size_t nl, el;
    if (!item_bytes(map_get_int(m, -1), &n, &nl) || !item_bytes(map_get_int(m, -2), &e, &el) || nl < 256 || nl > 512 ||
        el == 0 || el > 8)
        return NULL;
    BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    EVP_PKEY *pk = NULL;
    if (bn && be && b && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be))
        pk = pkey_from_params("RSA", b);
    OSSL_PARAM_BLD_free(b);
    BN_free(bn);
    BN_free(be);
    return pk;
}

/* The key and its algorithm; the key type must be the algorithm's. */
static int cose_key(const uint8_t *p, size_t len, EVP_PKEY **ret, int *ret_alg, err_t *err)
{
    cbor_item_t *m;
    int64_t kty, alg;
    int r = load_map(p, len, &m, err, "COSE key");
    if (r < 0)
        return r;
    EVP_PKEY *pk = NULL;
    if (item_int(map_get_int(m, 1), &kty) && item_int(map_get_int(m, 3), &alg)) {
        if (kty == 2 && alg == COSE_ES256)
            pk = ec2_key(m);
        else if (kty == 1 && alg == COSE_EDDSA)
            pk = okp_key(m);
        else if (kty == 3 && alg == COSE_RS256)
            pk = rsa_key(m);
    }
    cbor_decref(&m);
    if (pk && alg == COSE_ES256) { /* an off-curve point must not pass as a key */
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
        if (!c || EVP_PKEY_public_check(c) != 1) {
            EVP_PKEY_free(pk);
            pk = NULL;
        }
        EVP_PKEY_CTX_free(c);
    }
    if (!pk)
        return err_set(err, -EINVAL, "webauthn_algorithm", "This passkey's key type is not supported.");
    *ret = pk;
    *ret_alg = (int)alg;
    return 0;
}

/* --- signatures -------------------------------------------------------------- */

/* Verifies sig over authData || SHA-256(clientDataJSON) (§6.3.3, §7.2 step 20). */
static bool verify_sig(EVP_PKEY *pk, int alg, const uint8_t *auth_data, size_t ad_len, const uint8_t *client_data,
    size_t cd_len, const uint8_t *sig, size_t sig_len)
{
    uint8_t msg[WEBAUTHN_INPUT_MAX + SHA256_DIGEST_LENGTH];
    if (ad_len > WEBAUTHN_INPUT_MAX || sig_len == 0 || sig_len > 1024)
        return false;
    memcpy(msg, auth_data, ad_len);
    SHA256(client_data, cd_len, msg + ad_len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, alg == COSE_EDDSA ? NULL : EVP_sha256(), NULL, pk) == 1 &&
              EVP_DigestVerify(ctx, sig, sig_len, msg, ad_len + SHA256_DIGEST_LENGTH) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* "packed" (§8.2): sig by the credential key itself (self attestation) or by
 * the first x5c certificate's key; alg must be the key's. */
static int check_packed(const cbor_item_t *stmt, const webauthn_credential_t *c, const uint8_t *ad, size_t ad_len,
    const uint8_t *cd, size_t cd_len, EVP_PKEY *cred_key, err_t *err)
{
    int64_t alg;
    const uint8_t *sig, *der;
    size_t sig_len, der_len;
    const cbor_item_t *x5c = map_get_text(stmt, "x5c");
    if (!item_int(map_get_text(stmt, "alg"), &alg) || !item_bytes(map_get_text(stmt, "sig"), &sig, &sig_len))
        return err_set(err, -EINVAL, "webauthn_attestation", "The packed attestation lacks alg or sig.");
    EVP_PKEY *key = cred_key;
    X509 *cert = NULL;
    if (x5c) {
        if (!cbor_isa_array(x5c) || cbor_array_size(x5c) == 0 || !item_bytes(cbor_array_handle(x5c)[0], &der, &der_len))
            return err_set(err, -EINVAL, "webauthn_attestation", "The packed attestation's x5c is malformed.");
        cert = d2i_X509(NULL, &der, (long)der_len);
        key = cert ? X509_get0_pubkey(cert) : NULL;
        if (!key || alg != COSE_ES256 || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
            X509_free(cert);
            return err_set(err, -EINVAL, "webauthn_attestation", "The attestation certificate is not usable.");
        }
    } else if (alg != c->alg) {
        return err_set(err, -EINVAL, "webauthn_attestation", "The self attestation's algorithm is not the key's.");
    }
    bool ok = verify_sig(key, (int)alg, ad, ad_len, cd, cd_len, sig, sig_len);
    X509_free(cert);
    return ok ? 0 : err_set(err, -EACCES, "webauthn_signature", "The attestation signature is wrong.");
}

static int check_statement(const cbor_item_t *att, const webauthn_credential_t *c, const uint8_t *ad, size_t ad_len,
    const uint8_t *cd, size_t cd_len, EVP_PKEY *key, err_t *err)
{
    const cbor_item_t *fmt = map_get_text(att, "fmt"), *stmt = map_get_text(att, "attStmt");
    if (!fmt || !cbor_isa_string(fmt) || !cbor_string_is_definite(fmt) || !stmt || !cbor_isa_map(stmt))
        return malformed(err, "attestation object lacks fmt or attStmt");
    size_t fl = cbor_string_length(fmt);
    const char *f = (const char *)cbor_string_handle(fmt);
    if (fl == 4 && !memcmp(f, "none", 4))
        return cbor_map_size(stmt) == 0
                   ? 0
                   : err_set(err, -EINVAL, "webauthn_attestation", "A \"none\" attestation must be empty.");
    if (fl == 6 && !memcmp(f, "packed", 6))
        return check_packed(stmt, c, ad, ad_len, cd, cd_len, key, err);
    return err_set(err, -EINVAL, "webauthn_attestation", "This attestation format is not supported.");
}

/* --- the two ceremonies -------------------------------------------------------- */

static int register_auth_data(const webauthn_expect_t *x, const cbor_item_t *att, const uint8_t **ad, size_t *ad_len,
    auth_data_t *a, webauthn_credential_t *c, err_t *err)
{
    if (!item_bytes(map_get_text(att, "authData"), ad, ad_len))
        return malformed(err, "attestation object lacks authData");
    int r = parse_auth_data(x, *ad, *ad_len, a, err);
    if (r < 0)
        return r;
    if (!(a->flags & FLAG_AT))
        return malformed(err, "authData lacks the credential");
    memset(c, 0, sizeof *c);
    memcpy(c->id, a->cred_id, a->cred_id_len);
    c->id_len = a->cred_id_len;
    memcpy(c->cose_key, a->cose, a->cose_len);
    c->cose_len = a->cose_len;
    c->sign_count = a->sign_count;
    c->uv = (a->flags & FLAG_UV) != 0;
    return 0;
}

int webauthn_register(const webauthn_expect_t *x, const uint8_t *client_data, size_t client_data_len,
    const uint8_t *att_obj, size_t att_obj_len, webauthn_credential_t *ret, err_t *err)
{
    int r = check_client(x, "webauthn.create", client_data, client_data_len, err);
    if (r < 0)
        return r;
    if (att_obj_len > WEBAUTHN_INPUT_MAX)
        return malformed(err, "attestation object size");
    cbor_item_t *att;
    if ((r = load_map(att_obj, att_obj_len, &att, err, "attestation object")) < 0)
        return r;
    const uint8_t *ad = NULL;
    size_t ad_len = 0;
    auth_data_t a;
    webauthn_credential_t c;
    EVP_PKEY *key = NULL;
    r = register_auth_data(x, att, &ad, &ad_len, &a, &c, err);
    if (r == 0)
        r = cose_key(c.cose_key, c.cose_len, &key, &c.alg, err);
    if (r == 0)
        r = check_statement(att, &c, ad, ad_len, client_data, client_data_len, key, err);
    EVP_PKEY_free(key);
    cbor_decref(&att);
    if (r == 0)
        *ret = c;
    return r;
}

int webauthn_assert(const webauthn_expect_t *x, const uint8_t *cose, size_t cose_len, uint32_t stored_count,
    const uint8_t *client_data, size_t client_data_len, const uint8_t *auth_data, size_t auth_data_len,
    const uint8_t *sig, size_t sig_len, uint32_t *ret_count, err_t *err)
{
    auth_data_t a;
    EVP_PKEY *key = NULL;
    int alg = 0;
    int r = check_client(x, "webauthn.get", client_data, client_data_len, err);
    if (r == 0)
        r = parse_auth_data(x, auth_data, auth_data_len, &a, err);
    if (r == 0)
        r = cose_key(cose, cose_len, &key, &alg, err);
    if (r == 0 && !verify_sig(key, alg, auth_data, auth_data_len, client_data, client_data_len, sig, sig_len))
        r = err_set(err, -EACCES, "webauthn_signature", "The passkey's signature is wrong.");
    EVP_PKEY_free(key);
    /* §7.2 step 21: a counter that does not grow means two copies of the key. */
    if (r == 0 && (a.sign_count != 0 || stored_count != 0) && a.sign_count <= stored_count)
        r = err_set(err, -EACCES, "webauthn_counter",
            "The passkey's counter went backwards: the authenticator may have been copied.");
    if (r == 0)
        *ret_count = a.sign_count;
    return r;
}
