/* devcert: X.509 device certificates for SBI signatures (see devcert.h). */
#include "bio/devcert.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Calls fn for each PEM certificate in text[0..len), stopping at the first
 * error it returns; the count of certificates through *ret_n. */
static int each_pem_cert(const char *text, size_t len, int (*fn)(X509 *x, void *ctx), void *ctx, size_t *ret_n)
{
    BIO *b = BIO_new_mem_buf(text, (int)len);
    if (!b)
        return -ENOMEM;
    X509 *x;
    int r = 0;
    size_t n = 0;
    while (r == 0 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        r = fn(x, ctx);
        X509_free(x);
        n++;
    }
    ERR_clear_error(); /* the end of the text reads as a "no start line" error */
    BIO_free(b);
    *ret_n = n;
    return r;
}

struct add_ctx {
    struct devcert_anchors *a;
    err_t *err;
};

static int add_anchor(X509 *x, void *ctx)
{
    struct add_ctx *c = ctx;
    int len = i2d_X509(x, NULL);
    if (len <= 0 || len > DEVCERT_DER_MAX)
        return err_set(
            c->err, -EINVAL, "sbi_trust_bad_key", "a trust anchor certificate is over %d bytes", DEVCERT_DER_MAX);
    if (c->a->n >= DEVCERT_ANCHORS_MAX)
        return err_set(c->err, -ENOSPC, "sbi_trust_full", "more than %d device certificates", DEVCERT_ANCHORS_MAX);
    struct devcert_anchor *slot = &c->a->a[c->a->n];
    unsigned char *p = slot->der;
    slot->len = (size_t)i2d_X509(x, &p);
    c->a->n++;
    return 0;
}

int devcert_anchors_add_pem(struct devcert_anchors *a, const char *pem, size_t len, err_t *err)
{
    struct add_ctx c = {a, err};
    size_t before = a->n, n = 0;
    int r = each_pem_cert(pem, len, add_anchor, &c, &n);
    if (r < 0) {
        a->n = before;
        return r;
    }
    if (n == 0)
        return err_set(err, -EINVAL, "sbi_trust_bad_key", "no PEM certificate in the file");
    return 0;
}

/* One x5c entry: standard base64 of exactly one DER certificate. */
static X509 *x5c_cert(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t slen = s ? strlen(s) : 0;
    if (!s || slen == 0 || slen > (DEVCERT_DER_MAX / 3 + 1) * 4)
        return NULL;
    unsigned char der[DEVCERT_DER_MAX];
    size_t n = 0;
    if (sodium_base642bin(der, sizeof der, s, slen, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return NULL;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    if (x && p != der + n) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* The key id of a public key: SHA-256 of its SubjectPublicKeyInfo DER. */
static int key_id(EVP_PKEY *pk, char ret[DEVCERT_KID_LEN + 1])
{
    unsigned char *spki = NULL;
    int n = i2d_PUBKEY(pk, &spki);
    if (n <= 0)
        return -ENOMEM;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, spki, (unsigned long long)n);
    OPENSSL_free(spki);
    sodium_bin2hex(ret, DEVCERT_KID_LEN + 1, h, DEVCERT_KID_LEN / 2);
    return 0;
}

/* The x5c array as a leaf and a stack of the rest; NULL leaf if malformed. */
static X509 *read_chain(const json_t *x5c, STACK_OF(X509) * rest)
{
    size_t n = json_is_array(x5c) ? json_array_size(x5c) : 0;
    if (n == 0 || n > DEVCERT_CHAIN_MAX)
        return NULL;
    X509 *leaf = x5c_cert(json_array_get(x5c, 0));
    for (size_t i = 1; leaf && i < n; i++) {
        X509 *x = x5c_cert(json_array_get(x5c, i));
        if (!x || !sk_X509_push(rest, x)) {
            X509_free(x);
            X509_free(leaf);
            leaf = NULL;
        }
    }
    return leaf;
}

/* Does leaf chain, through rest, to one of the anchors? 0 or sbi_unknown_key. */
static int check_chain(const struct devcert_anchors *a, X509 *leaf, STACK_OF(X509) * rest, const char *what, err_t *err)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int r = store && ctx ? 0 : -ENOMEM;
    for (size_t i = 0; r == 0 && a && i < a->n; i++) {
        const unsigned char *p = a->a[i].der;
        X509 *x = d2i_X509(NULL, &p, (long)a->a[i].len);
        if (!x || X509_STORE_add_cert(store, x) != 1)
            r = -ENOMEM;
        X509_free(x);
    }
    if (r == 0 && X509_STORE_CTX_init(ctx, store, leaf, rest) != 1)
        r = -ENOMEM;
    if (r == 0 && X509_verify_cert(ctx) != 1)
        r = err_set(err, -EACCES, "sbi_unknown_key", "%s: the device certificate is not trusted (%s)", what,
            X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    else if (r == -ENOMEM)
        r = err_set(err, -ENOMEM, "out_of_memory", "out of memory checking a device certificate");
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    return r;
}

/* An RSA key of enough bits, allowed to sign, whose signature holds. */
static int check_signature(X509 *leaf, const unsigned char *input, size_t input_len, const unsigned char *sig,
    size_t sig_len, const char *what, err_t *err)
{
    EVP_PKEY *pk = X509_get0_pubkey(leaf);
    if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pk) < DEVCERT_MIN_RSA_BITS)
        return err_set(err, -EACCES, "sbi_bad_signature", "%s: the device key is not RSA of %d bits or more", what,
            DEVCERT_MIN_RSA_BITS);
    if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
        return err_set(err, -EACCES, "sbi_bad_signature", "%s: the device certificate may not sign", what);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    int ok = m && EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, pk) == 1 &&
             EVP_DigestVerify(m, sig, sig_len, input, input_len) == 1;
    EVP_MD_CTX_free(m);
    ERR_clear_error();
    if (!ok)
        return err_set(err, -EACCES, "sbi_bad_signature", "%s: the signature does not verify", what);
    return 0;
}

int devcert_verify_rs256(const struct devcert_anchors *a, const json_t *x5c, const unsigned char *input,
    size_t input_len, const unsigned char *sig, size_t sig_len, const char *what, char ret_kid[DEVCERT_KID_LEN + 1],
    err_t *err)
{
    STACK_OF(X509) *rest = sk_X509_new_null();
    if (!rest)
        return err_set(err, -ENOMEM, "out_of_memory", "out of memory checking a device certificate");
    X509 *leaf = read_chain(x5c, rest);
    int r = leaf ? 0
                 : err_set(err, -EINVAL, "sbi_malformed", "%s: x5c is not 1 to %d base64 DER certificates", what,
                       DEVCERT_CHAIN_MAX);
    if (r == 0)
        r = check_chain(a, leaf, rest, what, err);
    if (r == 0)
        r = check_signature(leaf, input, input_len, sig, sig_len, what, err);
    if (r == 0 && key_id(X509_get0_pubkey(leaf), ret_kid) < 0)
        r = err_set(err, -ENOMEM, "out_of_memory", "out of memory checking a device certificate");
    X509_free(leaf);
    sk_X509_pop_free(rest, X509_free);
    return r;
}

static int append_x5c(X509 *x, void *ctx)
{
    json_t *arr = ctx;
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n <= 0)
        return -ENOMEM;
    size_t cap = sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    int r = b64 ? 0 : -ENOMEM;
    if (r == 0) {
        sodium_bin2base64(b64, cap, der, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
        r = json_array_append_new(arr, json_string(b64)) == 0 ? 0 : -ENOMEM;
    }
    free(b64);
    OPENSSL_free(der);
    return r;
}

json_t *devcert_x5c_from_pem(const char *chain_pem)
{
    json_t *arr = json_array();
    size_t n = 0;
    if (!arr || each_pem_cert(chain_pem, strlen(chain_pem), append_x5c, arr, &n) < 0 || n == 0 ||
        n > DEVCERT_CHAIN_MAX) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

int devcert_sign_rs256(
    const char *key_pem, const unsigned char *input, size_t len, unsigned char **ret_sig, size_t *ret_sig_len)
{
    BIO *b = BIO_new_mem_buf(key_pem, -1);
    EVP_PKEY *pk = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pk);
        return -EINVAL;
    }
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    size_t n = 0;
    unsigned char *sig = NULL;
    int r =
        m && EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, pk) == 1 && EVP_DigestSign(m, NULL, &n, input, len) == 1
            ? 0
            : -EIO;
    if (r == 0 && !(sig = malloc(n)))
        r = -ENOMEM;
    if (r == 0 && EVP_DigestSign(m, sig, &n, input, len) != 1)
        r = -EIO;
    EVP_MD_CTX_free(m);
    EVP_PKEY_free(pk);
    ERR_clear_error();
    if (r < 0) {
        free(sig);
        return r;
    }
    *ret_sig = sig;
    *ret_sig_len = n;
    return 0;
}
