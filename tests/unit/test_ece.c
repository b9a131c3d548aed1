/* Tests for notify/ece: the RFC 8291 worked example byte for byte (and each
 * step of its key schedule), round trips, tampering, and malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/b64url.h"
#include "notify/ece.h"

/* RFC 8291 §5 and Appendix A. */
#define RFC_PLAIN "When I grow up, I want to be a watermelon"
#define RFC_AS_PRIVATE "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
#define RFC_AS_PUBLIC "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
#define RFC_UA_PRIVATE "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
#define RFC_UA_PUBLIC "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
#define RFC_AUTH "BTBZMqHH6r4Tts7J_aSIgg"
#define RFC_SALT "DGv6ra1nlYgDCS1FRnbzlw"
#define RFC_ECDH_SECRET "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
#define RFC_PRK_KEY "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k"
#define RFC_IKM "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg"
#define RFC_PRK "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc"
#define RFC_CEK "oIhVW04MRdy2XN9CiKLxTg"
#define RFC_NONCE "4h_95klXJ5E_qnoN"
#define RFC_BODY                                                                                                       \
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInm"                          \
    "YWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQe"                          \
    "xSgSxsj_Qulcy4a-fN"

/* Decodes a test constant into a static-size buffer; fails the test if the
 * length is not the expected one. */
static void unb64(const char *s, unsigned char *out, size_t want)
{
    size_t n = 0;
    assert_int_equal(b64url_decode_buf(s, strlen(s), out, want, &n, NULL), 0);
    assert_int_equal(n, want);
}

struct rfc {
    unsigned char as_private[32], as_public[65], ua_private[32], ua_public[65];
    unsigned char auth[16], salt[16], body[144];
};

static void rfc_load(struct rfc *v)
{
    unb64(RFC_AS_PRIVATE, v->as_private, 32);
    unb64(RFC_AS_PUBLIC, v->as_public, 65);
    unb64(RFC_UA_PRIVATE, v->ua_private, 32);
    unb64(RFC_UA_PUBLIC, v->ua_public, 65);
    unb64(RFC_AUTH, v->auth, 16);
    unb64(RFC_SALT, v->salt, 16);
    unb64(RFC_BODY, v->body, 144);
}

static void test_rfc8291_body_byte_for_byte(void **state)
{
    (void)state;
    struct rfc v;
    rfc_load(&v);
    struct ece_fixed fixed = {v.as_private, sizeof v.as_private, v.salt};
    unsigned char *body = NULL;
    size_t len = 0;
    assert_int_equal(ece_encrypt(v.ua_public, 65, v.auth, 16, (const unsigned char *)RFC_PLAIN, strlen(RFC_PLAIN),
                         &fixed, &body, &len, NULL),
        0);
    assert_int_equal(len, 144);
    assert_int_equal(len, ECE_HEADER_LEN + strlen(RFC_PLAIN) + 1 + ECE_TAG_LEN);
    assert_memory_equal(body, v.body, 144);
    free(body);
}

static void test_rfc8291_key_schedule_steps(void **state)
{
    (void)state;
    struct rfc v;
    rfc_load(&v);
    struct ece_schedule s;
    unsigned char want[32];
    assert_int_equal(ece_schedule_compute(v.as_private, 32, v.ua_public, 65, v.auth, 16, v.salt, 16, &s, NULL), 0);
    assert_memory_equal(s.as_public, v.as_public, 65);
    unb64(RFC_ECDH_SECRET, want, 32);
    assert_memory_equal(s.ecdh_secret, want, 32);
    unb64(RFC_PRK_KEY, want, 32);
    assert_memory_equal(s.prk_key, want, 32);
    unb64(RFC_IKM, want, 32);
    assert_memory_equal(s.ikm, want, 32);
    unb64(RFC_PRK, want, 32);
    assert_memory_equal(s.prk, want, 32);
    unb64(RFC_CEK, want, 16);
    assert_memory_equal(s.cek, want, 16);
    unb64(RFC_NONCE, want, 12);
    assert_memory_equal(s.nonce, want, 12);
}

static void test_rfc8291_body_decrypts(void **state)
{
    (void)state;
    struct rfc v;
    rfc_load(&v);
    unsigned char *plain = NULL;
    size_t len = 0;
    assert_int_equal(ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, v.body, 144, &plain, &len, NULL), 0);
    assert_int_equal(len, strlen(RFC_PLAIN));
    assert_memory_equal(plain, RFC_PLAIN, len);
    free(plain);
}

/* A subscription as a browser would create it. */
struct sub {
    unsigned char priv[32], pub[65], auth[16];
};

static void sub_new(struct sub *s)
{
    assert_int_equal(ece_keypair_generate(s->priv, s->pub, NULL), 0);
    assert_int_equal(RAND_bytes(s->auth, sizeof s->auth), 1);
    assert_int_equal(s->pub[0], 0x04);
}

static void test_round_trip_sizes(void **state)
{
    (void)state;
    struct sub s;
    sub_new(&s);
    static unsigned char msg[ECE_MAX_PLAINTEXT];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i ^ (i >> 8));
    const size_t sizes[] = {0, 1, 15, 16, 17, 1000, ECE_MAX_PLAINTEXT};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        unsigned char *body = NULL, *back = NULL;
        size_t blen = 0, plen = 0;
        assert_int_equal(ece_encrypt(s.pub, 65, s.auth, 16, msg, sizes[k], NULL, &body, &blen, NULL), 0);
        assert_int_equal(blen, ECE_HEADER_LEN + sizes[k] + 1 + ECE_TAG_LEN);
        assert_true(blen <= ECE_MAX_BODY);
        /* Header: rs = 4096 big endian, idlen = 65, keyid = an EC point. */
        assert_int_equal(body[16], 0x00);
        assert_int_equal(body[17], 0x00);
        assert_int_equal(body[18], 0x10);
        assert_int_equal(body[19], 0x00);
        assert_int_equal(body[20], 65);
        assert_int_equal(body[21], 0x04);
        assert_int_equal(ece_decrypt(s.priv, 32, s.pub, 65, s.auth, 16, body, blen, &back, &plen, NULL), 0);
        assert_non_null(back);
        assert_int_equal(plen, sizes[k]);
        if (plen)
            assert_memory_equal(back, msg, plen);
        free(body);
        free(back);
    }
}

/* Without fixed inputs every message has its own salt and sender key. */
static void test_fresh_salt_and_key_per_message(void **state)
{
    (void)state;
    struct sub s;
    sub_new(&s);
    unsigned char *a = NULL, *b = NULL;
    size_t alen, blen;
    assert_int_equal(ece_encrypt(s.pub, 65, s.auth, 16, (const unsigned char *)"hi", 2, NULL, &a, &alen, NULL), 0);
    assert_int_equal(ece_encrypt(s.pub, 65, s.auth, 16, (const unsigned char *)"hi", 2, NULL, &b, &blen, NULL), 0);
    assert_int_equal(alen, blen);
    assert_memory_not_equal(a, b, ECE_SALT_LEN);
    assert_memory_not_equal(a + 21, b + 21, ECE_PUBLIC_LEN);
    free(a);
    free(b);
}

/* Flipping any byte of salt, ciphertext or tag breaks authentication;
 * flipping the key id makes it an invalid point or a wrong key. */
static void test_tampered_body_rejected(void **state)
{
    (void)state;
    struct rfc v;
    rfc_load(&v);
    for (size_t i = 0; i < sizeof v.body; i++) {
        if (i >= 16 && i < 21)
            continue; /* rs and idlen: covered by the header tests */
        unsigned char body[144];
        memcpy(body, v.body, sizeof body);
        body[i] ^= 0x01;
        unsigned char *plain = (unsigned char *)"sentinel";
        size_t len = 7;
        err_t err = {0};
        int r = ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, body, sizeof body, &plain, &len, &err);
        if (i >= 21 && i < ECE_HEADER_LEN)
            assert_true(r == -EINVAL || r == -EACCES);
        else {
            assert_int_equal(r, -EACCES);
            assert_string_equal(err.code, "ece_auth_failed");
        }
        assert_string_equal((const char *)plain, "sentinel");
        assert_int_equal(len, 7);
    }
}

static void test_wrong_auth_or_key_rejected(void **state)
{
    (void)state;
    struct rfc v;
    rfc_load(&v);
    unsigned char *plain;
    size_t len;
    v.auth[0] ^= 0x80;
    assert_int_equal(
        ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, v.body, 144, &plain, &len, NULL), -EACCES);
    v.auth[0] ^= 0x80;
    struct sub other;
    sub_new(&other);
    assert_int_equal(ece_decrypt(other.priv, 32, other.pub, 65, v.auth, 16, v.body, 144, &plain, &len, NULL), -EACCES);
    /* A public key that is not the private key's is refused up front. */
    err_t err = {0};
    assert_int_equal(
        ece_decrypt(v.ua_private, 32, other.pub, 65, v.auth, 16, v.body, 144, &plain, &len, &err), -EINVAL);
    assert_string_equal(err.code, "ece_bad_key");
}

static void test_encrypt_rejects_bad_keys(void **state)
{
    (void)state;
    struct rfc v;
    rfc_load(&v);
    unsigned char *body = (unsigned char *)"sentinel";
    size_t len = 5;
    const unsigned char *m = (const unsigned char *)"x";
    err_t err = {0};
    assert_int_equal(ece_encrypt(v.ua_public, 64, v.auth, 16, m, 1, NULL, &body, &len, &err), -EINVAL);
    assert_string_equal(err.code, "ece_bad_key");
    assert_int_equal(ece_encrypt(v.ua_public, 65, v.auth, 15, m, 1, NULL, &body, &len, &err), -EINVAL);
    assert_string_equal(err.code, "ece_bad_auth");
    unsigned char pub[65];
    memcpy(pub, v.ua_public, 65);
    pub[0] = 0x03; /* not the uncompressed form */
    assert_int_equal(ece_encrypt(pub, 65, v.auth, 16, m, 1, NULL, &body, &len, NULL), -EINVAL);
    pub[0] = 0x04;
    pub[64] ^= 0x01; /* Y no longer matches X: off the curve */
    assert_int_equal(ece_encrypt(pub, 65, v.auth, 16, m, 1, NULL, &body, &len, &err), -EINVAL);
    assert_string_equal(err.code, "ece_bad_key");
    /* A zero scalar is not a private key. */
    unsigned char zero[32] = {0};
    struct ece_fixed fixed = {zero, 32, v.salt};
    assert_int_equal(ece_encrypt(v.ua_public, 65, v.auth, 16, m, 1, &fixed, &body, &len, NULL), -EINVAL);
    assert_string_equal((const char *)body, "sentinel");
    assert_int_equal(len, 5);
}

static void test_encrypt_rejects_oversize(void **state)
{
    (void)state;
    struct sub s;
    sub_new(&s);
    static unsigned char big[ECE_MAX_PLAINTEXT + 1];
    unsigned char *body = NULL;
    size_t len = 0;
    err_t err = {0};
    assert_int_equal(ece_encrypt(s.pub, 65, s.auth, 16, big, sizeof big, NULL, &body, &len, &err), -ERANGE);
    assert_string_equal(err.code, "push_payload_too_large");
    assert_null(body);
}

static void test_decrypt_rejects_bad_header(void **state)
{
    (void)state;
    struct rfc v;
    rfc_load(&v);
    unsigned char body[144], *plain;
    size_t len;
    err_t err = {0};
    /* Shorter than header + delimiter + tag. */
    assert_int_equal(
        ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, v.body, ECE_HEADER_LEN + 16, &plain, &len, &err),
        -EINVAL);
    assert_string_equal(err.code, "ece_bad_header");
    /* idlen other than 65. */
    memcpy(body, v.body, sizeof body);
    body[20] = 64;
    assert_int_equal(
        ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, body, 144, &plain, &len, NULL), -EINVAL);
    /* rs below 18. */
    memcpy(body, v.body, sizeof body);
    body[18] = 0;
    body[19] = 17;
    assert_int_equal(
        ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, body, 144, &plain, &len, NULL), -EINVAL);
    /* rs smaller than the 58-byte record: that would be several records. */
    body[19] = 57;
    assert_int_equal(
        ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, body, 144, &plain, &len, &err), -EINVAL);
    assert_string_equal(err.code, "ece_multiple_records");
    /* rs is not mixed into the keys, so exactly 58 still opens. */
    body[19] = 58;
    assert_int_equal(ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, body, 144, &plain, &len, NULL), 0);
    free(plain);
}

/* Seals an arbitrary padded record with the RFC keys, to test the
 * receiver's padding rules independently of ece_encrypt. */
static size_t seal_custom(const struct rfc *v, const unsigned char *rec, size_t rec_len, unsigned char *out)
{
    struct ece_schedule s;
    assert_int_equal(ece_schedule_compute(v->as_private, 32, v->ua_public, 65, v->auth, 16, v->salt, 16, &s, NULL), 0);
    memcpy(out, v->body, ECE_HEADER_LEN);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, f = 0;
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, s.cek, s.nonce), 1);
    assert_int_equal(EVP_EncryptUpdate(c, out + ECE_HEADER_LEN, &n, rec, (int)rec_len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, out + ECE_HEADER_LEN + n, &f), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + ECE_HEADER_LEN + rec_len), 1);
    EVP_CIPHER_CTX_free(c);
    return ECE_HEADER_LEN + rec_len + 16;
}

static void test_padding_rules(void **state)
{
    (void)state;
    struct rfc v;
    rfc_load(&v);
    unsigned char body[200], *plain = NULL;
    size_t blen, len = 0;
    /* Extra zero padding after the delimiter is allowed and removed. */
    blen = seal_custom(&v, (const unsigned char *)"abc\x02\0\0\0\0", 8, body);
    assert_int_equal(ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, body, blen, &plain, &len, NULL), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(plain, "abc", 3);
    free(plain);
    /* 0x01 marks a non-final record: a single-record body must not end so. */
    err_t err = {0};
    blen = seal_custom(&v, (const unsigned char *)"abc\x01", 4, body);
    assert_int_equal(
        ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, body, blen, &plain, &len, &err), -EINVAL);
    assert_string_equal(err.code, "ece_bad_padding");
    /* All zeros: no delimiter at all. */
    blen = seal_custom(&v, (const unsigned char *)"\0\0\0", 3, body);
    assert_int_equal(
        ece_decrypt(v.ua_private, 32, v.ua_public, 65, v.auth, 16, body, blen, &plain, &len, NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8291_body_byte_for_byte),
        cmocka_unit_test(test_rfc8291_key_schedule_steps),
        cmocka_unit_test(test_rfc8291_body_decrypts),
        cmocka_unit_test(test_round_trip_sizes),
        cmocka_unit_test(test_fresh_salt_and_key_per_message),
        cmocka_unit_test(test_tampered_body_rejected),
        cmocka_unit_test(test_wrong_auth_or_key_rejected),
        cmocka_unit_test(test_encrypt_rejects_bad_keys),
        cmocka_unit_test(test_encrypt_rejects_oversize),
        cmocka_unit_test(test_decrypt_rejects_bad_header),
        cmocka_unit_test(test_padding_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
