/* Tests for base/b64url: RFC 4648 vectors, the URL-safe alphabet, the
 * strictness that keeps one encoding per byte string, and the one leniency
 * a caller may ask for (B64URL_PAD_OPTIONAL: SBI devices' Java padding). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/b64url.h"

/* RFC 4648 §10 test vectors, with the padding removed. */
static const struct {
    const char *plain, *enc;
} RFC4648[] = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
};

static void test_rfc4648_vectors_encode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof RFC4648 / sizeof RFC4648[0]; i++) {
        char *s = NULL;
        const char *p = RFC4648[i].plain;
        assert_int_equal(b64url_encode((const unsigned char *)p, strlen(p), &s, NULL), 0);
        assert_string_equal(s, RFC4648[i].enc);
        assert_int_equal(b64url_encoded_len(strlen(p)), strlen(RFC4648[i].enc));
        free(s);
    }
}

static void test_rfc4648_vectors_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof RFC4648 / sizeof RFC4648[0]; i++) {
        unsigned char *d = NULL;
        size_t n = 99;
        const char *e = RFC4648[i].enc;
        assert_int_equal(b64url_decode(e, strlen(e), &d, &n, NULL), 0);
        assert_non_null(d);
        assert_int_equal(n, strlen(RFC4648[i].plain));
        assert_memory_equal(d, RFC4648[i].plain, n);
        free(d);
    }
}

/* The two characters that differ from standard base64: '-' for 62, '_' for 63. */
static void test_url_safe_alphabet(void **state)
{
    (void)state;
    const unsigned char minus[] = {0xfb, 0xef, 0xbe}, under[] = {0xff, 0xff, 0xff};
    const unsigned char mixed[] = {0xfb, 0xff};
    char out[8];
    size_t n;
    assert_int_equal(b64url_encode_buf(minus, 3, out, sizeof out, &n, NULL), 0);
    assert_string_equal(out, "----");
    assert_int_equal(n, 4);
    assert_int_equal(b64url_encode_buf(under, 3, out, sizeof out, NULL, NULL), 0);
    assert_string_equal(out, "____");
    assert_int_equal(b64url_encode_buf(mixed, 2, out, sizeof out, NULL, NULL), 0);
    assert_string_equal(out, "-_8");
    unsigned char back[4];
    assert_int_equal(b64url_decode_buf("-_8", 3, back, sizeof back, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(back, mixed, 2);
}

static void test_rejects_non_canonical_input(void **state)
{
    (void)state;
    static const char *bad[] = {
        "Zg==", "Zm8=", "Zg=",      /* padding */
        "Z", "Zm9vY",               /* length 1 mod 4 */
        "Zm+v", "Zm/v",             /* standard alphabet */
        "Zm9v\n", " Zm9v", "Zm 9v", /* whitespace */
        "Zh", "Zm9",                /* unused low bits set */
        "Zm9v*", "\xc3\xa9xx",      /* other bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *d = (unsigned char *)"untouched";
        size_t n = 77;
        err_t err = {0};
        assert_int_equal(b64url_decode(bad[i], strlen(bad[i]), &d, &n, &err), -EINVAL);
        assert_string_equal(err.code, "b64url_invalid");
        assert_string_equal((const char *)d, "untouched");
        assert_int_equal(n, 77);
    }
    /* A NUL inside the counted string is not the end of it. */
    unsigned char *d;
    size_t n;
    assert_int_equal(b64url_decode("Zm\0v", 4, &d, &n, NULL), -EINVAL);
}

static void test_buffer_limits(void **state)
{
    (void)state;
    char out[5];
    unsigned char back[2];
    size_t n = 42;
    err_t err = {0};
    /* "foo" needs 4 characters and a NUL. */
    assert_int_equal(b64url_encode_buf((const unsigned char *)"foo", 3, out, 4, &n, &err), -ERANGE);
    assert_int_equal(n, 42);
    assert_int_equal(b64url_encode_buf((const unsigned char *)"foo", 3, out, 5, &n, NULL), 0);
    assert_int_equal(b64url_decode_buf("Zm9v", 4, back, sizeof back, &n, &err), -ERANGE);
    assert_string_equal(err.code, "b64url_too_small");
    char *s = NULL;
    assert_int_equal(b64url_encode(NULL, 1, &s, NULL), -EINVAL);
    assert_null(s);
}

/* Every length from 0 to 200 and every byte value survives the round trip,
 * and the encoding uses only the URL-safe alphabet. */
static void test_round_trip_all_lengths(void **state)
{
    (void)state;
    unsigned char in[200];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof in; len++) {
        char *s = NULL;
        unsigned char *d = NULL;
        size_t n = 0;
        assert_int_equal(b64url_encode(in, len, &s, NULL), 0);
        assert_int_equal(strlen(s), b64url_encoded_len(len));
        assert_int_equal(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_"),
            strlen(s));
        assert_int_equal(b64url_decode(s, strlen(s), &d, &n, NULL), 0);
        assert_int_equal(n, len);
        if (len)
            assert_memory_equal(d, in, len);
        free(s);
        free(d);
    }
}

/* B64URL_PAD_OPTIONAL (what SBI devices send): the canonical string, or the
 * canonical string with exactly the padding its length calls for. */
static void test_padding_optional(void **state)
{
    (void)state;
    static const struct {
        const char *in, *plain;
    } good[] = {
        {"", ""},
        {"Zg", "f"},
        {"Zg==", "f"},
        {"Zm8=", "fo"},
        {"Zm9v", "foo"},
        {"Zm9vYg", "foob"},
        {"Zm9vYg==", "foob"}, /* padded, as Java sends */
        {"Zm9vYmE=", "fooba"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        unsigned char *d = NULL;
        size_t n = 99;
        const char *in = good[i].in;
        assert_int_equal(b64url_decode_flags(in, strlen(in), B64URL_PAD_OPTIONAL, &d, &n, NULL), 0);
        assert_non_null(d);
        assert_int_equal(n, strlen(good[i].plain));
        assert_memory_equal(d, good[i].plain, n);
        free(d);
    }
    static const char *bad[] = {
        "Zm9vYg=", "Zg=", "Zm8==",    /* too little or too much padding */
        "Zm9v===", "Zm9v==", "Zg===", /* padding a full group, or three */
        "==", "====", "=",            /* padding alone */
        "Zm=v", "Z=9v", "Zg==Zm8=",   /* '=' in the middle */
        "Zh==", "Zm9=",               /* unused low bits set, padded */
        "Zm9v+g", "Zm/v", "Zm9v\n",   /* standard alphabet, whitespace */
        "Z", "Zm9vY", "Zm9vY===",     /* length 1 mod 4 */
        "Zg==\n", " Zg==",            /* whitespace around padding */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *d = NULL;
        size_t n = 77;
        err_t err = {0};
        assert_int_equal(b64url_decode_flags(bad[i], strlen(bad[i]), B64URL_PAD_OPTIONAL, &d, &n, &err), -EINVAL);
        assert_string_equal(err.code, "b64url_invalid");
        assert_null(d);
        assert_int_equal(n, 77);
    }
    /* Strict callers (Web Push, passkeys) still refuse any padding. */
    unsigned char *d = NULL;
    size_t n = 0;
    assert_int_equal(b64url_decode_flags("Zg==", 4, B64URL_STRICT, &d, &n, NULL), -EINVAL);
    assert_int_equal(b64url_decode("Zm8=", 4, &d, &n, NULL), -EINVAL);
    /* The counted length is the end: a '=' past it is not read. */
    assert_int_equal(b64url_decode_flags("Zm8=", 3, B64URL_PAD_OPTIONAL, &d, &n, NULL), 0);
    assert_int_equal(n, 2);
    free(d);
}

/* The largest input is accepted in length (it is a valid length), one more
 * is refused before anything is allocated. */
static void test_input_limit(void **state)
{
    (void)state;
    unsigned char *d = NULL;
    size_t n = 0;
    err_t err = {0};
    char one[1] = {'A'};
    assert_int_equal(b64url_decode(one, B64URL_MAX_INPUT + 1, &d, &n, &err), -EINVAL);
    assert_string_equal(err.code, "b64url_invalid");
    assert_int_equal(b64url_decode_flags(one, B64URL_MAX_INPUT + 4, B64URL_PAD_OPTIONAL, &d, &n, NULL), -EINVAL);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors_encode),
        cmocka_unit_test(test_rfc4648_vectors_decode),
        cmocka_unit_test(test_url_safe_alphabet),
        cmocka_unit_test(test_rejects_non_canonical_input),
        cmocka_unit_test(test_buffer_limits),
        cmocka_unit_test(test_round_trip_all_lengths),
        cmocka_unit_test(test_padding_optional),
        cmocka_unit_test(test_input_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
