#include "notify/vapid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/parse.h"
#include "base/b64url.h"

struct vapid_key {
    EVP_PKEY *pkey;                      /* P-256 key pair, owned */
    unsigned char pub[VAPID_PUBLIC_LEN]; /* its uncompressed public point */
};

#define RAW_SIG_LEN 64 /* JWS ES256 signature: r || s, 32 bytes each */

/* The JOSE header is constant, so it is written once, already encoded. */
static const char JWT_HEADER[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";

static int crypto_fail(err_t *err)
{
    ERR_clear_error();
    return err_set(err, -EIO, "vapid_crypto", "the crypto library failed");
}

static int no_memory(err_t *err)
{
    return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
}

/* Takes ownership of pkey. Checks that it is a P-256 private key and caches
 * its public point in uncompressed form. */
static int key_wrap(EVP_PKEY *pkey, vapid_key_t **ret, err_t *err)
{
    char group[32] = "";
    size_t pub_len = 0;
    BIGNUM *d = NULL;
    vapid_key_t *k = calloc(1, sizeof *k);
    int ok = k && EVP_PKEY_is_a(pkey, "EC") &&
             EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) == 1 &&
             strcmp(group, "prime256v1") == 0 && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
             EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed") == 1 &&
             EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, k->pub, sizeof k->pub, &pub_len) == 1 &&
             pub_len == VAPID_PUBLIC_LEN && k->pub[0] == 0x04;
    BN_clear_free(d);
    if (!ok) {
        int r = k ? err_set(err, -EINVAL, "vapid_bad_key", "not a P-256 private key") : no_memory(err);
        ERR_clear_error();
        EVP_PKEY_free(pkey);
        free(k);
        return r;
    }
    k->pkey = pkey;
    *ret = k;
    return 0;
}

int vapid_key_generate(vapid_key_t **ret, err_t *err)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!pkey)
        return crypto_fail(err);
    return key_wrap(pkey, ret, err);
}

/* Refuses to prompt for a passphrase: encrypted keys are not supported. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

int vapid_key_load_pem(const char *pem, size_t len, vapid_key_t **ret, err_t *err)
{
    if (!pem || len == 0 || len > VAPID_MAX_PEM)
        return err_set(err, -EINVAL, "vapid_bad_key", "PEM key missing or too long");
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return no_memory(err);
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    if (!pkey) {
        ERR_clear_error();
        return err_set(err, -EINVAL, "vapid_bad_key", "not an unencrypted PEM private key");
    }
    return key_wrap(pkey, ret, err);
}

int vapid_key_save_pem(const vapid_key_t *k, char **ret_pem, err_t *err)
{
    /* Secure-heap BIO so the PEM text is wiped when it is freed. */
    BIO *bio = BIO_new(BIO_s_secmem());
    char *data = NULL, *pem = NULL;
    long n = 0;
    int r = 0;
    if (!bio || PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
        (n = BIO_get_mem_data(bio, &data)) <= 0)
        r = crypto_fail(err);
    else if (!(pem = malloc((size_t)n + 1)))
        r = no_memory(err);
    else {
        memcpy(pem, data, (size_t)n);
        pem[n] = '\0';
        *ret_pem = pem;
    }
    BIO_free(bio);
    return r;
}

void vapid_key_free(vapid_key_t *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey); /* OpenSSL clears the private scalar */
    free(k);
}

void vapid_public_raw(const vapid_key_t *k, unsigned char *ret)
{
    memcpy(ret, k->pub, VAPID_PUBLIC_LEN);
}

int vapid_public_b64url(const vapid_key_t *k, char **ret, err_t *err)
{
    return b64url_encode(k->pub, sizeof k->pub, ret, err);
}

static int bad_endpoint(err_t *err)
{
    return err_set(err, -EINVAL, "vapid_bad_endpoint", "endpoint is not an http(s) URL with a plain host");
}

/* Host characters we accept: DNS names, IPv4, and (inside brackets) IPv6.
 * Anything else (user info, percent escapes, spaces) is refused. */
static int host_ok(const char *h, size_t len)
{
    int bracketed = len > 2 && h[0] == '[' && h[len - 1] == ']';
    size_t from = bracketed ? 1 : 0, to = bracketed ? len - 1 : len;
    if (from >= to)
        return 0;
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)h[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '.' && !(bracketed && c == ':'))
            return 0;
    }
    return 1;
}

/* Splits authority a[0..alen) into host length and port; *port is 0 when
 * absent. Returns 0 or -EINVAL. */
static int split_authority(const char *a, size_t alen, size_t *ret_hlen, uint64_t *port)
{
    const char *end = a[0] == '[' ? memchr(a, ']', alen) : memchr(a, ':', alen);
    size_t hlen = !end ? alen : a[0] == '[' ? (size_t)(end - a) + 1 : (size_t)(end - a);
    if (a[0] == '[' && !end)
        return -EINVAL;
    *port = 0;
    if (hlen < alen) {
        if (a[hlen] != ':' || parse_u64(a + hlen + 1, alen - hlen - 1, 1, 65535, port) < 0)
            return -EINVAL;
    }
    if (!host_ok(a, hlen))
        return -EINVAL;
    *ret_hlen = hlen;
    return 0;
}

int vapid_audience(const char *url, char **ret, err_t *err)
{
    if (!url || strnlen(url, VAPID_MAX_URL + 1) > VAPID_MAX_URL)
        return bad_endpoint(err);
    int https = strncasecmp(url, "https://", 8) == 0;
    if (!https && strncasecmp(url, "http://", 7) != 0)
        return bad_endpoint(err);
    const char *a = url + (https ? 8 : 7);
    size_t alen = strcspn(a, "/?#"), hlen;
    uint64_t port;
    if (alen == 0 || split_authority(a, alen, &hlen, &port) < 0)
        return bad_endpoint(err);
    if (port == (https ? 443 : 80))
        port = 0; /* an origin omits the scheme's default port (RFC 6454) */

    size_t cap = 8 + hlen + 7;
    char *o = malloc(cap);
    if (!o)
        return no_memory(err);
    int n = snprintf(o, cap, "%s://%.*s", https ? "https" : "http", (int)hlen, a);
    for (char *p = o + (https ? 8 : 7); *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (port)
        snprintf(o + n, cap - (size_t)n, ":%u", (unsigned)port);
    *ret = o;
    return 0;
}

/* RFC 8292 §2.1: a contact URI, mailto: or https:. Printable ASCII only,
 * so the claim needs no escaping and cannot smuggle anything. */
static int sub_ok(const char *sub)
{
    if (!sub)
        return 0;
    size_t len = strnlen(sub, VAPID_MAX_SUB + 1);
    if (len > VAPID_MAX_SUB)
        return 0;
    if (!(len > 7 && strncasecmp(sub, "mailto:", 7) == 0) && !(len > 6 && strncasecmp(sub, "https:", 6) == 0))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (sub[i] < 0x21 || sub[i] > 0x7e)
            return 0;
    return 1;
}

/* ECDSA P-256 over SHA-256, converted from DER to the fixed 64-byte
 * r || s form that JWS requires (RFC 7518 §3.4). */
static int sign_es256(EVP_PKEY *pkey, const char *msg, size_t len, unsigned char *ret, err_t *err)
{
    unsigned char der[80];
    size_t der_len = sizeof der;
    const unsigned char *p = der;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ECDSA_SIG *sig = NULL;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
             EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)msg, len) == 1 &&
             (sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) != NULL &&
             BN_bn2binpad(ECDSA_SIG_get0_r(sig), ret, 32) == 32 &&
             BN_bn2binpad(ECDSA_SIG_get0_s(sig), ret + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : crypto_fail(err);
}

/* Encodes the claims; returns a newly allocated base64url string or NULL. */
static char *claims_b64(const char *aud, int64_t exp, const char *sub)
{
    json_t *o = json_pack("{s:s, s:I, s:s}", "aud", aud, "exp", (json_int_t)exp, "sub", sub);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *b = NULL;
    if (text && b64url_encode((const unsigned char *)text, strlen(text), &b, NULL) < 0)
        b = NULL;
    free(text);
    json_decref(o);
    return b;
}

/* Joins "vapid t=" h "." c "." s ", k=" k into a new string. */
static char *join_header(const char *h, const char *c, const char *s, const char *k)
{
    size_t cap = strlen(h) + strlen(c) + strlen(s) + strlen(k) + 16;
    char *out = malloc(cap);
    if (out)
        snprintf(out, cap, "vapid t=%s.%s.%s, k=%s", h, c, s, k);
    return out;
}

/* Signs "<h>.<c>" and writes the full header value to *ret. */
static int signed_header(const vapid_key_t *k, const char *h, const char *c, char **ret, err_t *err)
{
    size_t cap = strlen(h) + strlen(c) + 2;
    char *input = malloc(cap), *sig = NULL, *pub = NULL, *out = NULL;
    unsigned char raw[RAW_SIG_LEN];
    int r = input ? 0 : no_memory(err);
    if (r == 0) {
        snprintf(input, cap, "%s.%s", h, c);
        r = sign_es256(k->pkey, input, cap - 1, raw, err);
    }
    if (r == 0)
        r = b64url_encode(raw, sizeof raw, &sig, err);
    if (r == 0)
        r = vapid_public_b64url(k, &pub, err);
    if (r == 0 && !(out = join_header(h, c, sig, pub)))
        r = no_memory(err);
    free(input);
    free(sig);
    free(pub);
    if (r == 0)
        *ret = out;
    return r;
}

int vapid_authorization(const vapid_key_t *k, const char *endpoint_url, const char *sub, int64_t now, int ttl_s,
    char **ret_header, err_t *err)
{
    if (!k || ttl_s < 1 || ttl_s > VAPID_MAX_TTL || now < 0 || now > INT64_MAX - VAPID_MAX_TTL)
        return err_set(err, -EINVAL, "vapid_bad_ttl", "token lifetime must be 1..86400 s");
    if (!sub_ok(sub))
        return err_set(err, -EINVAL, "vapid_bad_sub", "sub must be a mailto: or https: URI");
    char *aud = NULL, *h = NULL, *c = NULL, *out = NULL;
    int r = vapid_audience(endpoint_url, &aud, err);
    if (r < 0)
        return r;
    if (b64url_encode((const unsigned char *)JWT_HEADER, strlen(JWT_HEADER), &h, err) < 0 ||
        !(c = claims_b64(aud, now + ttl_s, sub)))
        r = no_memory(err);
    else
        r = signed_header(k, h, c, &out, err);
    free(aud);
    free(h);
    free(c);
    if (r < 0)
        return r;
    *ret_header = out;
    return 0;
}

static int malformed(err_t *err)
{
    return err_set(err, -EINVAL, "vapid_malformed", "not a well-formed VAPID token");
}

/* Decodes one base64url JWT segment that must hold a JSON object. */
static json_t *segment_json(const char *s, size_t len)
{
    unsigned char *buf;
    size_t n;
    if (b64url_decode(s, len, &buf, &n, NULL) < 0)
        return NULL;
    json_t *o = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
    free(buf);
    if (o && !json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Imports a raw uncompressed P-256 point; OpenSSL rejects off-curve points. */
static EVP_PKEY *public_key(const unsigned char *pub, size_t len)
{
    if (!pub || len != VAPID_PUBLIC_LEN || pub[0] != 0x04)
        return NULL;
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, len),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pkey = NULL;
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return pkey;
}

/* Returns 1 if raw (r || s) is a valid ES256 signature of msg by pkey. */
static int verify_es256(EVP_PKEY *pkey, const char *msg, size_t len, const unsigned char *raw)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    unsigned char *der = NULL;
    int der_len = -1;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL; /* now owned by sig */
        der_len = i2d_ECDSA_SIG(sig, &der);
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = der_len > 0 && ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
             EVP_DigestVerify(ctx, der, (size_t)der_len, (const unsigned char *)msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    BN_free(r);
    BN_free(s);
    ERR_clear_error();
    return ok;
}

/* Checks aud, exp and sub. now is known to be in 0..INT64_MAX - MAX_TTL. */
static int check_claims(json_t *claims, const char *aud, int64_t now, err_t *err)
{
    const char *got = json_string_value(json_object_get(claims, "aud"));
    json_t *exp = json_object_get(claims, "exp");
    if (!got || !json_is_integer(exp))
        return malformed(err);
    if (strcmp(got, aud) != 0)
        return err_set(err, -EACCES, "vapid_wrong_aud", "token audience does not match");
    json_int_t e = json_integer_value(exp);
    if (e <= now)
        return err_set(err, -EACCES, "vapid_expired", "token has expired");
    if (e - now > VAPID_MAX_TTL)
        return err_set(err, -EACCES, "vapid_exp_too_far", "token expiry is more than 24 h ahead");
    if (!sub_ok(json_string_value(json_object_get(claims, "sub"))))
        return err_set(err, -EACCES, "vapid_bad_sub", "token sub is not mailto: or https:");
    return 0;
}

/* Checks the header's alg, then the signature, then the claims. */
static int verify_parts(const char *jwt, size_t len, const char *d1, const char *d2, EVP_PKEY *pkey, const char *aud,
    int64_t now, err_t *err)
{
    unsigned char raw[RAW_SIG_LEN];
    size_t raw_len = 0;
    json_t *hdr = segment_json(jwt, (size_t)(d1 - jwt)), *claims = NULL;
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    int r;
    if (!alg || strcmp(alg, "ES256") != 0)
        r = malformed(err);
    else if (b64url_decode_buf(d2 + 1, (size_t)(jwt + len - d2 - 1), raw, sizeof raw, &raw_len, NULL) < 0 ||
             raw_len != RAW_SIG_LEN)
        r = malformed(err);
    else if (!verify_es256(pkey, jwt, (size_t)(d2 - jwt), raw))
        r = err_set(err, -EACCES, "vapid_bad_signature", "token signature does not verify");
    else if (!(claims = segment_json(d1 + 1, (size_t)(d2 - d1 - 1))))
        r = malformed(err);
    else
        r = check_claims(claims, aud, now, err);
    json_decref(hdr);
    json_decref(claims);
    return r;
}

int vapid_verify(
    const char *jwt, const unsigned char *pub, size_t pub_len, const char *expected_aud, int64_t now, err_t *err)
{
    if (!jwt || !expected_aud || now < 0 || now > INT64_MAX - VAPID_MAX_TTL)
        return malformed(err);
    size_t len = strnlen(jwt, VAPID_MAX_JWT + 1);
    const char *d1 = memchr(jwt, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jwt)) : NULL;
    if (len > VAPID_MAX_JWT || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jwt)))
        return malformed(err);
    EVP_PKEY *pkey = public_key(pub, pub_len);
    if (!pkey)
        return err_set(err, -EINVAL, "vapid_bad_key", "not a P-256 public key");
    int r = verify_parts(jwt, len, d1, d2, pkey, expected_aud, now, err);
    EVP_PKEY_free(pkey);
    return r;
}
