/* Unit tests for src/rules/webauthn.c. A software authenticator written
 * here with OpenSSL and libcbor (independently of the parser: it builds the
 * bytes, the module under test reads them) makes registrations and
 * assertions the way §6.1 and §6.5 lay them out; each test then changes one
 * thing a real attack or a real bug would change. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "rules/webauthn.h"

#define RP "uchet.example"
#define ORIGIN "https://uchet.example"

static const uint8_t CHALLENGE[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t CRED_ID[20] = {0xc0, 0xff, 0xee, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};

typedef struct authn {
    EVP_PKEY *key;
    bool ed25519;
    uint8_t cose[300];
    size_t cose_len;
} authn_t;

static void b64url(const uint8_t *in, size_t len, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v =
            (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
        size_t n = len - i >= 3 ? 4 : len - i + 1;
        for (size_t k = 0; k < n; k++)
            out[o++] = a[(v >> (18 - 6 * k)) & 63];
    }
    out[o] = '\0';
}

static void cose_put(cbor_item_t *m, int64_t k, cbor_item_t *v)
{
    cbor_item_t *key = k >= 0 ? cbor_build_uint8((uint8_t)k) : cbor_build_negint8((uint8_t)(-1 - k));
    assert_true(cbor_map_add(m, (struct cbor_pair){.key = cbor_move(key), .value = cbor_move(v)}));
}

static size_t serialize(cbor_item_t *it, uint8_t *out, size_t cap)
{
    unsigned char *buf = NULL;
    size_t sz = 0, n = cbor_serialize_alloc(it, &buf, &sz);
    assert_true(n > 0 && n <= cap);
    memcpy(out, buf, n);
    free(buf);
    cbor_decref(&it);
    return n;
}

static void authn_new(authn_t *a, bool ed25519)
{
    memset(a, 0, sizeof *a);
    a->ed25519 = ed25519;
    cbor_item_t *m = cbor_new_definite_map(5);
    if (ed25519) {
        a->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        uint8_t x[32];
        size_t xl = sizeof x;
        assert_int_equal(EVP_PKEY_get_raw_public_key(a->key, x, &xl), 1);
        cose_put(m, 1, cbor_build_uint8(1));
        cose_put(m, 3, cbor_build_negint8(7)); /* -8 */
        cose_put(m, -1, cbor_build_uint8(6));
        cose_put(m, -2, cbor_build_bytestring(x, 32));
    } else {
        a->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        uint8_t pt[65];
        size_t pl = 0;
        assert_int_equal(EVP_PKEY_get_octet_string_param(a->key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &pl), 1);
        assert_int_equal(pl, 65);
        cose_put(m, 1, cbor_build_uint8(2));
        cose_put(m, 3, cbor_build_negint8(6)); /* -7 */
        cose_put(m, -1, cbor_build_uint8(1));
        cose_put(m, -2, cbor_build_bytestring(pt + 1, 32));
        cose_put(m, -3, cbor_build_bytestring(pt + 33, 32));
    }
    assert_non_null(a->key);
    a->cose_len = serialize(m, a->cose, sizeof a->cose);
}

/* An RS256 credential (COSE kty 3, alg -257) with a 2048-bit key. */
static void authn_new_rsa(authn_t *a)
{
    memset(a, 0, sizeof *a);
    a->key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(a->key);
    BIGNUM *n = NULL, *e = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(a->key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(a->key, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    uint8_t nb[256], eb[8];
    int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
    assert_int_equal(nl, 256);
    cbor_item_t *m = cbor_new_definite_map(4);
    cose_put(m, 1, cbor_build_uint8(3));
    assert_true(cbor_map_add(m, (struct cbor_pair){.key = cbor_move(cbor_build_uint8(3)),
                                    .value = cbor_move(cbor_build_negint16(256))})); /* -257 */
    cose_put(m, -1, cbor_build_bytestring(nb, (size_t)nl));
    cose_put(m, -2, cbor_build_bytestring(eb, (size_t)el));
    a->cose_len = serialize(m, a->cose, sizeof a->cose);
    BN_free(n);
    BN_free(e);
}

static void authn_free(authn_t *a)
{
    EVP_PKEY_free(a->key);
}

static size_t client_data(char *out, size_t cap, const char *type, const uint8_t *challenge, const char *origin)
{
    char ch[64];
    b64url(challenge, 32, ch);
    int n = snprintf(
        out, cap, "{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"%s\",\"crossOrigin\":false}", type, ch, origin);
    assert_true(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

/* authenticatorData: rpIdHash, flags, counter, and for a registration the
 * attested credential data. */
static size_t auth_data(const authn_t *a, uint8_t *out, const char *rp, uint8_t flags, uint32_t count)
{
    SHA256((const uint8_t *)rp, strlen(rp), out);
    out[32] = flags;
    out[33] = (uint8_t)(count >> 24), out[34] = (uint8_t)(count >> 16), out[35] = (uint8_t)(count >> 8);
    out[36] = (uint8_t)count;
    size_t n = 37;
    if (flags & 0x40) {
        memset(out + n, 0, 16);
        out[n + 16] = 0, out[n + 17] = sizeof CRED_ID;
        memcpy(out + n + 18, CRED_ID, sizeof CRED_ID);
        n += 18 + sizeof CRED_ID;
        memcpy(out + n, a->cose, a->cose_len);
        n += a->cose_len;
    }
    return n;
}

static size_t sign(const authn_t *a, const uint8_t *ad, size_t ad_len, const char *cd, size_t cd_len, uint8_t *sig)
{
    uint8_t msg[1024];
    memcpy(msg, ad, ad_len);
    SHA256((const uint8_t *)cd, cd_len, msg + ad_len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sl = 256;
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, a->ed25519 ? NULL : EVP_sha256(), NULL, a->key), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &sl, msg, ad_len + 32), 1);
    EVP_MD_CTX_free(ctx);
    return sl;
}

static void text_put(cbor_item_t *m, const char *k, cbor_item_t *v)
{
    assert_true(cbor_map_add(m, (struct cbor_pair){.key = cbor_move(cbor_build_string(k)), .value = cbor_move(v)}));
}

/* An attestation object; fmt "none", or "packed" self-signed with sig_key
 * (the credential's own key, or another to test a forgery). */
static size_t att_object(const char *fmt, const uint8_t *ad, size_t ad_len, const authn_t *sig_key, const char *cd,
    size_t cd_len, uint8_t *out, size_t cap)
{
    cbor_item_t *m = cbor_new_definite_map(3), *stmt = cbor_new_definite_map(2);
    if (!strcmp(fmt, "packed")) {
        uint8_t sig[256];
        size_t sl = sign(sig_key, ad, ad_len, cd, cd_len, sig);
        text_put(stmt, "alg", cbor_build_negint8(6));
        text_put(stmt, "sig", cbor_build_bytestring(sig, sl));
    }
    text_put(m, "fmt", cbor_build_string(fmt));
    text_put(m, "attStmt", stmt);
    text_put(m, "authData", cbor_build_bytestring(ad, ad_len));
    return serialize(m, out, cap);
}

static const webauthn_expect_t EXPECT = {RP, ORIGIN, CHALLENGE, sizeof CHALLENGE, true};

/* Registers a's credential with the given variations; returns the code. */
static const char *reg(const authn_t *a, const char *fmt, const char *type, const char *origin, const char *rp,
    uint8_t flags, webauthn_credential_t *c)
{
    static err_t e;
    char cd[512];
    uint8_t ad[512], ao[1024];
    size_t cl = client_data(cd, sizeof cd, type, CHALLENGE, origin);
    size_t al = auth_data(a, ad, rp, flags, 0);
    size_t ol = att_object(fmt, ad, al, a, cd, cl, ao, sizeof ao);
    memset(&e, 0, sizeof e);
    webauthn_credential_t tmp;
    return webauthn_register(&EXPECT, (uint8_t *)cd, cl, ao, ol, c ? c : &tmp, &e) == 0 ? "ok" : e.code;
}

static void test_register_none(void **state)
{
    (void)state;
    authn_t a;
    authn_new(&a, false);
    webauthn_credential_t c;
    assert_string_equal(reg(&a, "none", "webauthn.create", ORIGIN, RP, 0x45, &c), "ok");
    assert_int_equal(c.id_len, sizeof CRED_ID);
    assert_memory_equal(c.id, CRED_ID, sizeof CRED_ID);
    assert_int_equal(c.alg, -7);
    assert_int_equal(c.cose_len, a.cose_len);
    assert_memory_equal(c.cose_key, a.cose, a.cose_len);
    assert_true(c.uv);
    authn_free(&a);
}

static void test_register_packed_self(void **state)
{
    (void)state;
    authn_t a, other;
    authn_new(&a, false);
    authn_new(&other, false);
    assert_string_equal(reg(&a, "packed", "webauthn.create", ORIGIN, RP, 0x45, NULL), "ok");
    /* a self attestation signed by some other key proves nothing */
    char cd[512];
    uint8_t ad[512], ao[1024];
    size_t cl = client_data(cd, sizeof cd, "webauthn.create", CHALLENGE, ORIGIN);
    size_t al = auth_data(&a, ad, RP, 0x45, 0);
    size_t ol = att_object("packed", ad, al, &other, cd, cl, ao, sizeof ao);
    err_t e = {0};
    webauthn_credential_t c;
    assert_int_equal(webauthn_register(&EXPECT, (uint8_t *)cd, cl, ao, ol, &c, &e), -EACCES);
    assert_string_equal(e.code, "webauthn_signature");
    assert_string_equal(reg(&a, "fido-u2f", "webauthn.create", ORIGIN, RP, 0x45, NULL), "webauthn_attestation");
    authn_free(&a);
    authn_free(&other);
}

static void test_register_refusals(void **state)
{
    (void)state;
    authn_t a;
    authn_new(&a, false);
    assert_string_equal(reg(&a, "none", "webauthn.get", ORIGIN, RP, 0x45, NULL), "webauthn_type");
    assert_string_equal(
        reg(&a, "none", "webauthn.create", "https://uchet.example.evil", RP, 0x45, NULL), "webauthn_origin");
    assert_string_equal(reg(&a, "none", "webauthn.create", "http://uchet.example", RP, 0x45, NULL), "webauthn_origin");
    assert_string_equal(reg(&a, "none", "webauthn.create", ORIGIN, "evil.example", 0x45, NULL), "webauthn_rp");
    assert_string_equal(reg(&a, "none", "webauthn.create", ORIGIN, RP, 0x44, NULL), "webauthn_user_presence");
    assert_string_equal(reg(&a, "none", "webauthn.create", ORIGIN, RP, 0x41, NULL), "webauthn_user_verification");
    assert_string_equal(reg(&a, "none", "webauthn.create", ORIGIN, RP, 0x05, NULL), "webauthn_malformed");
    authn_free(&a);
}

static void test_register_wrong_challenge(void **state)
{
    (void)state;
    authn_t a;
    authn_new(&a, false);
    uint8_t other[32];
    memcpy(other, CHALLENGE, 32);
    other[31] ^= 1;
    char cd[512];
    uint8_t ad[512], ao[1024];
    size_t cl = client_data(cd, sizeof cd, "webauthn.create", other, ORIGIN);
    size_t al = auth_data(&a, ad, RP, 0x45, 0);
    size_t ol = att_object("none", ad, al, &a, cd, cl, ao, sizeof ao);
    err_t e = {0};
    webauthn_credential_t c;
    assert_int_equal(webauthn_register(&EXPECT, (uint8_t *)cd, cl, ao, ol, &c, &e), -EINVAL);
    assert_string_equal(e.code, "webauthn_challenge");
    /* the server can read which challenge the browser answered */
    uint8_t got[64];
    size_t gl = 0;
    assert_int_equal(webauthn_client_challenge((uint8_t *)cd, cl, got, sizeof got, &gl, NULL), 0);
    assert_int_equal(gl, 32);
    assert_memory_equal(got, other, 32);
    authn_free(&a);
}

/* One assertion by a; returns the code and the new counter. */
static const char *assertion(const authn_t *signer, const authn_t *stored, uint32_t stored_count, uint32_t count,
    uint8_t flags, const char *origin, uint32_t *ret_count)
{
    static err_t e;
    char cd[512];
    uint8_t ad[64], sig[256];
    size_t cl = client_data(cd, sizeof cd, "webauthn.get", CHALLENGE, origin);
    size_t al = auth_data(signer, ad, RP, flags, count);
    size_t sl = sign(signer, ad, al, cd, cl, sig);
    memset(&e, 0, sizeof e);
    uint32_t tmp;
    return webauthn_assert(&EXPECT, stored->cose, stored->cose_len, stored_count, (uint8_t *)cd, cl, ad, al, sig, sl,
               ret_count ? ret_count : &tmp, &e) == 0
               ? "ok"
               : e.code;
}

static void test_assert_es256(void **state)
{
    (void)state;
    authn_t a, other;
    authn_new(&a, false);
    authn_new(&other, false);
    uint32_t n = 0;
    assert_string_equal(assertion(&a, &a, 4, 5, 0x05, ORIGIN, &n), "ok");
    assert_int_equal(n, 5);
    assert_string_equal(assertion(&a, &a, 0, 0, 0x05, ORIGIN, &n), "ok"); /* no counter at all */
    assert_string_equal(assertion(&a, &a, 5, 5, 0x05, ORIGIN, NULL), "webauthn_counter");
    assert_string_equal(assertion(&a, &a, 9, 3, 0x05, ORIGIN, NULL), "webauthn_counter");
    assert_string_equal(assertion(&other, &a, 0, 1, 0x05, ORIGIN, NULL), "webauthn_signature");
    assert_string_equal(assertion(&a, &a, 0, 1, 0x05, "https://evil.example", NULL), "webauthn_origin");
    assert_string_equal(assertion(&a, &a, 0, 1, 0x01, ORIGIN, NULL), "webauthn_user_verification");
    authn_free(&a);
    authn_free(&other);
}

static void test_assert_tampered(void **state)
{
    (void)state;
    authn_t a;
    authn_new(&a, false);
    char cd[512];
    uint8_t ad[64], sig[256];
    size_t cl = client_data(cd, sizeof cd, "webauthn.get", CHALLENGE, ORIGIN);
    size_t al = auth_data(&a, ad, RP, 0x05, 7);
    size_t sl = sign(&a, ad, al, cd, cl, sig);
    uint32_t n;
    err_t e = {0};
    ad[36] = 8; /* the counter raised after signing */
    assert_int_equal(
        webauthn_assert(&EXPECT, a.cose, a.cose_len, 0, (uint8_t *)cd, cl, ad, al, sig, sl, &n, &e), -EACCES);
    assert_string_equal(e.code, "webauthn_signature");
    ad[36] = 7;
    assert_int_equal(
        webauthn_assert(&EXPECT, a.cose, a.cose_len, 0, (uint8_t *)cd, cl, ad, al - 1, sig, sl, &n, &e), -EINVAL);
    assert_string_equal(e.code, "webauthn_malformed");
    assert_int_equal(webauthn_assert(&EXPECT, a.cose, a.cose_len, 0, (uint8_t *)cd, cl, ad, al, sig, sl, &n, &e), 0);
    assert_int_equal(n, 7);
    authn_free(&a);
}

static void test_eddsa(void **state)
{
    (void)state;
    authn_t a;
    authn_new(&a, true);
    webauthn_credential_t c;
    assert_string_equal(reg(&a, "none", "webauthn.create", ORIGIN, RP, 0x45, &c), "ok");
    assert_int_equal(c.alg, -8);
    assert_string_equal(assertion(&a, &a, 0, 1, 0x05, ORIGIN, NULL), "ok");
    authn_free(&a);
}

static void test_rs256(void **state)
{
    (void)state;
    authn_t a, other;
    authn_new_rsa(&a);
    authn_new_rsa(&other);
    webauthn_credential_t c;
    assert_string_equal(reg(&a, "none", "webauthn.create", ORIGIN, RP, 0x45, &c), "ok");
    assert_int_equal(c.alg, -257);
    assert_string_equal(assertion(&a, &a, 0, 1, 0x05, ORIGIN, NULL), "ok");
    assert_string_equal(assertion(&other, &a, 0, 1, 0x05, ORIGIN, NULL), "webauthn_signature");
    authn_free(&a);
    authn_free(&other);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad_cd[] = {"", "[]", "{\"type\":\"webauthn.get\"}", "{\"challenge\":1}",
        "{\"challenge\":\"AQ=\"}", "{\"challenge\":\"A\"}", "not json"};
    for (size_t i = 0; i < sizeof bad_cd / sizeof bad_cd[0]; i++) {
        uint8_t out[64];
        size_t n;
        err_t e = {0};
        assert_int_equal(
            webauthn_client_challenge((const uint8_t *)bad_cd[i], strlen(bad_cd[i]), out, sizeof out, &n, &e), -EINVAL);
        assert_string_equal(e.code, "webauthn_malformed");
    }
    char cd[512];
    size_t cl = client_data(cd, sizeof cd, "webauthn.create", CHALLENGE, ORIGIN);
    static const uint8_t junk[][4] = {{0xa1, 0x61}, {0x80}, {0xff, 0xff, 0xff, 0xff}};
    for (size_t i = 0; i < 3; i++) {
        err_t e = {0};
        webauthn_credential_t c;
        assert_int_equal(webauthn_register(&EXPECT, (uint8_t *)cd, cl, junk[i], sizeof junk[i], &c, &e), -EINVAL);
        assert_string_equal(e.code, "webauthn_malformed");
    }
    /* fuzz_webauthn's find: headers claiming 2^32 elements made libcbor
     * allocate gigabytes; now refused before libcbor sees them */
    static const uint8_t huge[] = {0xa3, 0xa3, 0xa3, 0x9a, 0xa3, 0xa3, 0xa3, 0xa3, 0xa3, 0xa3, 0xa3, 0xa3, 0xa3, 0x0a};
    static const uint8_t deep[] = {0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00};
    err_t e = {0};
    webauthn_credential_t c;
    assert_int_equal(webauthn_register(&EXPECT, (uint8_t *)cd, cl, huge, sizeof huge, &c, &e), -EINVAL);
    assert_string_equal(e.code, "webauthn_malformed");
    assert_int_equal(webauthn_register(&EXPECT, (uint8_t *)cd, cl, deep, sizeof deep, &c, &e), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_none),
        cmocka_unit_test(test_register_packed_self),
        cmocka_unit_test(test_register_refusals),
        cmocka_unit_test(test_register_wrong_challenge),
        cmocka_unit_test(test_assert_es256),
        cmocka_unit_test(test_assert_tampered),
        cmocka_unit_test(test_eddsa),
        cmocka_unit_test(test_rs256),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
