/* Tests for notify/vapid: header shape and claims, sign → verify, every
 * rejection a push service makes, the origin rules, and PEM storage. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/b64url.h"
#include "notify/vapid.h"

#define NOW INT64_C(1700000000)
#define ENDPOINT "https://fcm.googleapis.com/fcm/send/abc:def?x=1"
#define AUD "https://fcm.googleapis.com"
#define SUB "mailto:ops@uchet.example"

/* RFC 8292 §2.4: the example token and its key (exp 1453523768). */
#define RFC_JWT                                                                                                        \
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJ"                             \
    "leHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFO"                             \
    "epC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA"
#define RFC_K                                                                                                          \
    "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClB"                            \
    "Ps"
#define RFC_EXP INT64_C(1453523768)

struct token {
    char *header;          /* whole Authorization value */
    char jwt[1024];        /* the t= part */
    char k[128];           /* the k= part */
    unsigned char pub[65]; /* the key's public point */
};

/* Makes a header and splits it, asserting the exact "vapid t=..., k=..." form. */
static void make_token(const vapid_key_t *key, int64_t now, int ttl, struct token *t)
{
    assert_int_equal(vapid_authorization(key, ENDPOINT, SUB, now, ttl, &t->header, NULL), 0);
    assert_memory_equal(t->header, "vapid t=", 8);
    const char *sep = strstr(t->header, ", k=");
    assert_non_null(sep);
    size_t jlen = (size_t)(sep - t->header) - 8;
    assert_true(jlen < sizeof t->jwt);
    memcpy(t->jwt, t->header + 8, jlen);
    t->jwt[jlen] = '\0';
    assert_true(strlen(sep + 4) < sizeof t->k);
    memcpy(t->k, sep + 4, strlen(sep + 4) + 1);
    vapid_public_raw(key, t->pub);
}

/* Decodes the JWT segment number `i` (0 = header, 1 = claims) as JSON. */
static json_t *segment(const char *jwt, int i)
{
    const char *start = jwt;
    for (int k = 0; k < i; k++)
        start = strchr(start, '.') + 1;
    size_t len = strcspn(start, ".");
    unsigned char *raw;
    size_t n;
    assert_int_equal(b64url_decode(start, len, &raw, &n, NULL), 0);
    json_t *o = json_loadb((const char *)raw, n, 0, NULL);
    free(raw);
    assert_non_null(o);
    return o;
}

static void test_header_shape_and_claims(void **state)
{
    (void)state;
    vapid_key_t *key = NULL;
    struct token t;
    assert_int_equal(vapid_key_generate(&key, NULL), 0);
    make_token(key, NOW, 43200, &t);

    char *pub = NULL;
    assert_int_equal(vapid_public_b64url(key, &pub, NULL), 0);
    assert_int_equal(strlen(pub), 87);
    assert_string_equal(t.k, pub);
    assert_int_equal(t.pub[0], 0x04);

    json_t *h = segment(t.jwt, 0), *c = segment(t.jwt, 1);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "JWT");
    assert_string_equal(json_string_value(json_object_get(c, "aud")), AUD);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), NOW + 43200);
    assert_string_equal(json_string_value(json_object_get(c, "sub")), SUB);
    /* The signature is the 64-byte r || s form, not DER. */
    const char *sig = strrchr(t.jwt, '.') + 1;
    assert_int_equal(strlen(sig), 86);

    json_decref(h);
    json_decref(c);
    free(pub);
    free(t.header);
    vapid_key_free(key);
}

static void test_sign_then_verify(void **state)
{
    (void)state;
    vapid_key_t *key = NULL;
    struct token t;
    assert_int_equal(vapid_key_generate(&key, NULL), 0);
    make_token(key, NOW, 43200, &t);
    assert_int_equal(vapid_verify(t.jwt, t.pub, 65, AUD, NOW, NULL), 0);
    /* Still valid one second before exp. */
    assert_int_equal(vapid_verify(t.jwt, t.pub, 65, AUD, NOW + 43199, NULL), 0);
    free(t.header);
    vapid_key_free(key);
}

static void test_rfc8292_example_verifies(void **state)
{
    (void)state;
    unsigned char k[65];
    size_t n;
    assert_int_equal(b64url_decode_buf(RFC_K, strlen(RFC_K), k, sizeof k, &n, NULL), 0);
    assert_int_equal(n, 65);
    assert_int_equal(vapid_verify(RFC_JWT, k, 65, "https://push.example.net", RFC_EXP - 60, NULL), 0);
    err_t err = {0};
    assert_int_equal(vapid_verify(RFC_JWT, k, 65, "https://push.example.net", RFC_EXP, &err), -EACCES);
    assert_string_equal(err.code, "vapid_expired");
}

static void expect_reject(
    const char *jwt, const unsigned char *pub, const char *aud, int64_t now, int errnum, const char *code)
{
    err_t err = {0};
    assert_int_equal(vapid_verify(jwt, pub, 65, aud, now, &err), errnum);
    assert_string_equal(err.code, code);
}

static void test_verify_rejections(void **state)
{
    (void)state;
    vapid_key_t *key = NULL, *other = NULL;
    struct token t;
    unsigned char other_pub[65];
    assert_int_equal(vapid_key_generate(&key, NULL), 0);
    assert_int_equal(vapid_key_generate(&other, NULL), 0);
    vapid_public_raw(other, other_pub);
    make_token(key, NOW, 3600, &t);

    expect_reject(t.jwt, other_pub, AUD, NOW, -EACCES, "vapid_bad_signature");
    expect_reject(t.jwt, t.pub, "https://updates.push.services.mozilla.com", NOW, -EACCES, "vapid_wrong_aud");
    expect_reject(t.jwt, t.pub, AUD, NOW + 3600, -EACCES, "vapid_expired");
    expect_reject(t.jwt, t.pub, AUD, NOW + 90000, -EACCES, "vapid_expired");

    /* Tamper with the claims (one character) and with the signature. */
    char bad[1024];
    memcpy(bad, t.jwt, strlen(t.jwt) + 1);
    char *c = strchr(bad, '.') + 5;
    *c = *c == 'A' ? 'B' : 'A';
    expect_reject(bad, t.pub, AUD, NOW, -EACCES, "vapid_bad_signature");
    memcpy(bad, t.jwt, strlen(t.jwt) + 1);
    c = strrchr(bad, '.') + 10;
    *c = *c == 'A' ? 'B' : 'A';
    expect_reject(bad, t.pub, AUD, NOW, -EACCES, "vapid_bad_signature");

    free(t.header);
    vapid_key_free(key);
    vapid_key_free(other);
}

/* exp more than 24 h after "now": a service whose clock is behind ours
 * sees a token that is too long-lived and must refuse it (RFC 8292 §4.2). */
static void test_verify_rejects_exp_beyond_24h(void **state)
{
    (void)state;
    vapid_key_t *key = NULL;
    struct token t;
    assert_int_equal(vapid_key_generate(&key, NULL), 0);
    make_token(key, NOW, VAPID_MAX_TTL, &t);
    assert_int_equal(vapid_verify(t.jwt, t.pub, 65, AUD, NOW, NULL), 0);
    expect_reject(t.jwt, t.pub, AUD, NOW - 1, -EACCES, "vapid_exp_too_far");
    free(t.header);
    vapid_key_free(key);
}

static void test_verify_rejects_malformed(void **state)
{
    (void)state;
    unsigned char k[65];
    size_t n;
    assert_int_equal(b64url_decode_buf(RFC_K, strlen(RFC_K), k, sizeof k, &n, NULL), 0);
    const char *aud = "https://push.example.net";
    int64_t now = RFC_EXP - 60;
    expect_reject("abc", k, aud, now, -EINVAL, "vapid_malformed");
    expect_reject("a.b", k, aud, now, -EINVAL, "vapid_malformed");
    expect_reject(RFC_JWT ".x", k, aud, now, -EINVAL, "vapid_malformed");
    /* alg "none" ({"alg":"none"}) with the RFC claims and no signature. */
    expect_reject("eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0"
                  "NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.",
        k, aud, now, -EINVAL, "vapid_malformed");
    /* A truncated signature. */
    char bad[512];
    size_t len = strlen(RFC_JWT);
    memcpy(bad, RFC_JWT, len - 2);
    bad[len - 2] = '\0';
    expect_reject(bad, k, aud, now, -EINVAL, "vapid_malformed");
    /* A key that is not a point on P-256. */
    k[64] ^= 1;
    expect_reject(RFC_JWT, k, aud, now, -EINVAL, "vapid_bad_key");
}

static void test_authorization_argument_checks(void **state)
{
    (void)state;
    vapid_key_t *key = NULL;
    char *h = (char *)"sentinel";
    err_t err = {0};
    assert_int_equal(vapid_key_generate(&key, NULL), 0);
    assert_int_equal(vapid_authorization(key, ENDPOINT, SUB, NOW, VAPID_MAX_TTL + 1, &h, &err), -EINVAL);
    assert_string_equal(err.code, "vapid_bad_ttl");
    assert_int_equal(vapid_authorization(key, ENDPOINT, SUB, NOW, 0, &h, NULL), -EINVAL);
    assert_int_equal(vapid_authorization(key, ENDPOINT, SUB, -1, 60, &h, NULL), -EINVAL);
    static const char *bad_subs[] = {"http://uchet.example", "mailto:", "ops@uchet.example", "mailto:a b@c", "https:"};
    for (size_t i = 0; i < sizeof bad_subs / sizeof bad_subs[0]; i++) {
        assert_int_equal(vapid_authorization(key, ENDPOINT, bad_subs[i], NOW, 60, &h, &err), -EINVAL);
        assert_string_equal(err.code, "vapid_bad_sub");
    }
    assert_int_equal(vapid_authorization(key, "ftp://x/", SUB, NOW, 60, &h, &err), -EINVAL);
    assert_string_equal(err.code, "vapid_bad_endpoint");
    assert_string_equal(h, "sentinel");
    /* An https: contact is as good as mailto:. */
    assert_int_equal(vapid_authorization(key, ENDPOINT, "https://uchet.example/contact", NOW, 60, &h, NULL), 0);
    free(h);
    vapid_key_free(key);
}

static void test_audience_rules(void **state)
{
    (void)state;
    static const struct {
        const char *url, *origin;
    } good[] = {
        {"https://Push.Example.NET:443/x?y#z", "https://push.example.net"},
        {"https://push.example.net", "https://push.example.net"},
        {"HTTPS://push.example.net/", "https://push.example.net"},
        {"http://127.0.0.1:8080/push/1", "http://127.0.0.1:8080"},
        {"http://127.0.0.1:80/push/1", "http://127.0.0.1"},
        {"https://push.example.net:8443?q", "https://push.example.net:8443"},
        {"https://[::1]:8443/a", "https://[::1]:8443"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char *o = NULL;
        assert_int_equal(vapid_audience(good[i].url, &o, NULL), 0);
        assert_string_equal(o, good[i].origin);
        free(o);
    }
    static const char *bad[] = {
        "ftp://x/",
        "https://",
        "https:///path",
        "https://user@host/",
        "https://host:0/",
        "https://host:65536/",
        "https://host:/",
        "https://ho st/",
        "https://ho%73t/",
        "https://[::1/",
        "//host/",
        "https://host:8x/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *o = (char *)"sentinel";
        err_t err = {0};
        assert_int_equal(vapid_audience(bad[i], &o, &err), -EINVAL);
        assert_string_equal(err.code, "vapid_bad_endpoint");
        assert_string_equal(o, "sentinel");
    }
}

static void test_pem_round_trip(void **state)
{
    (void)state;
    vapid_key_t *key = NULL, *again = NULL;
    char *pem = NULL;
    unsigned char a[65], b[65];
    assert_int_equal(vapid_key_generate(&key, NULL), 0);
    assert_int_equal(vapid_key_save_pem(key, &pem, NULL), 0);
    assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
    /* Loading takes a counted string: copy it without its NUL. */
    size_t len = strlen(pem);
    char *copy = malloc(len);
    memcpy(copy, pem, len);
    assert_int_equal(vapid_key_load_pem(copy, len, &again, NULL), 0);
    vapid_public_raw(key, a);
    vapid_public_raw(again, b);
    assert_memory_equal(a, b, 65);
    /* The reloaded key signs tokens that verify under the original public key. */
    struct token t;
    make_token(again, NOW, 60, &t);
    assert_int_equal(vapid_verify(t.jwt, a, 65, AUD, NOW, NULL), 0);
    free(t.header);
    free(copy);
    free(pem);
    vapid_key_free(again);
    vapid_key_free(key);
}

/* Writes pkey as PEM (optionally encrypted) into a new string. */
static char *pem_of(EVP_PKEY *pkey, const EVP_CIPHER *cipher)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, cipher, (unsigned char *)"pw", 2, NULL, NULL), 1);
    long n = BIO_get_mem_data(bio, &data);
    char *s = strndup(data, (size_t)n);
    BIO_free(bio);
    return s;
}

static void test_pem_rejections(void **state)
{
    (void)state;
    vapid_key_t *key = (vapid_key_t *)"sentinel";
    err_t err = {0};
    const char *junk = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert_int_equal(vapid_key_load_pem(junk, strlen(junk), &key, &err), -EINVAL);
    assert_string_equal(err.code, "vapid_bad_key");
    assert_int_equal(vapid_key_load_pem("", 0, &key, NULL), -EINVAL);

    /* A P-384 key is a valid EC key but not ES256's curve. */
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    char *pem = pem_of(p384, NULL);
    assert_int_equal(vapid_key_load_pem(pem, strlen(pem), &key, &err), -EINVAL);
    assert_string_equal(err.code, "vapid_bad_key");
    free(pem);
    EVP_PKEY_free(p384);

    /* An encrypted key is refused without prompting for a passphrase. */
    EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    pem = pem_of(p256, EVP_aes_128_cbc());
    assert_int_equal(vapid_key_load_pem(pem, strlen(pem), &key, NULL), -EINVAL);
    free(pem);
    EVP_PKEY_free(p256);
    assert_string_equal((const char *)key, "sentinel");
    vapid_key_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_shape_and_claims),
        cmocka_unit_test(test_sign_then_verify),
        cmocka_unit_test(test_rfc8292_example_verifies),
        cmocka_unit_test(test_verify_rejections),
        cmocka_unit_test(test_verify_rejects_exp_beyond_24h),
        cmocka_unit_test(test_verify_rejects_malformed),
        cmocka_unit_test(test_authorization_argument_checks),
        cmocka_unit_test(test_audience_rules),
        cmocka_unit_test(test_pem_round_trip),
        cmocka_unit_test(test_pem_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
