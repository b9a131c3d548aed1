/* Tests for bio/sbi: the hash chain against vectors computed with Python's
 * hashlib from the reference mock's formula; captures that are reordered,
 * altered, unsigned, signed by an unknown key or badly signed, of another
 * transaction or device are refused with their reason code; MOSIPDISC and
 * MOSIPDINFO parsing and the device check; the slap extension; the trust
 * store directory. Device answers are built here with jansson and
 * sbi_jws_sign, the way a device service would. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "base/b64url.h"
#include "bio/iso19794.h"
#include "bio/raster.h"
#include "bio/sbi.h"

static unsigned char pk[32], sk[64], pk2[32], sk2[64];
static struct sbi_trust trust;

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    unsigned char seed[32];
    memset(seed, 7, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    memset(seed, 9, sizeof seed);
    crypto_sign_seed_keypair(pk2, sk2, seed);
    memset(&trust, 0, sizeof trust);
    return sbi_trust_add(&trust, pk, NULL);
}

static char *b64(const void *p, size_t n)
{
    char *s = NULL;
    assert_int_equal(b64url_encode(p, n, &s, NULL), 0);
    return s;
}

static char *sign_obj(json_t *o, const unsigned char *key)
{
    char *txt = json_dumps(o, JSON_COMPACT);
    char *jws = NULL;
    assert_int_equal(sbi_jws_sign(txt, strlen(txt), key, &jws), 0);
    free(txt);
    return jws;
}

static json_t *digital_id(const char *serial)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "serialNo", serial, "make", "uchet", "model", "devsim",
        "type", "Finger", "deviceSubType", "Slap", "deviceProvider", "uchet", "deviceProviderId", "uchet.devsim",
        "dateTime", "2026-01-01T00:00:00Z");
}

/* One biometrics[] entry; `value` stands for the image, which goes out as
 * bioValue inside an ISO/IEC 19794-4 record of the finger `sub` names (as
 * SBI devices send it), or as `record` says. */
enum record { AS_ISO = 0, AS_RAW, AS_JP2, AS_JPEG, AS_THUMB, AS_FACE, AS_WSQ };
struct entry {
    const char *sub;
    const char *value;
    const char *txn;
    const char *serial;
    const unsigned char *key;
    const char *hash; /* NULL: computed from the chain */
    enum record record;
    size_t len; /* value's bytes; 0: strlen(value) */
};

/* The bioValue bytes of e (malloc'd). */
static uint8_t *record_of(const struct entry *e, size_t *ret_len)
{
    size_t n = e->len ? e->len : strlen(e->value);
    if (e->record == AS_RAW) {
        uint8_t *raw = malloc(n);
        assert_non_null(raw);
        memcpy(raw, e->value, n);
        *ret_len = n;
        return raw;
    }
    iso_image_t im = {.modality = e->record == AS_FACE ? ISO_FACE : ISO_FINGER,
        .position = e->record == AS_THUMB ? 1 : iso19794_position_of(e->sub),
        .quality = 80,
        .width = 300,
        .height = 400,
        .ppi = 500,
        .kind = e->record == AS_JP2    ? ISO_IMG_JP2
                : e->record == AS_JPEG ? ISO_IMG_JPEG
                : e->record == AS_WSQ  ? ISO_IMG_WSQ
                                       : ISO_IMG_PNG,
        .data = (const uint8_t *)e->value,
        .len = n};
    uint8_t *rec = NULL;
    assert_int_equal(iso19794_write(&im, 1767225600, &rec, ret_len, NULL), 0);
    return rec;
}

/* The chain after entries e[0..n), from "" */
static void chain_of(const struct entry *e, size_t n, char h[SBI_HASH_HEX + 1])
{
    h[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint8_t *rec = record_of(&e[i], &len);
        assert_int_equal(sbi_chain_next(h, rec, len, h), 0);
        free(rec);
    }
}

static char *make_capture(const struct entry *e, size_t n, const char *prev, json_t *custom)
{
    json_t *arr = json_array();
    char h[SBI_HASH_HEX + 1] = "";
    if (prev)
        memcpy(h, prev, strlen(prev) + 1);
    for (size_t i = 0; i < n; i++) {
        json_t *did = digital_id(e[i].serial ? e[i].serial : "SN-1");
        char *dids = sign_obj(did, e[i].key ? e[i].key : sk);
        json_decref(did);
        size_t len;
        uint8_t *rec = record_of(&e[i], &len);
        char *bv = b64(rec, len);
        json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "digitalId", dids, "bioType",
            "Finger", "bioSubType", e[i].sub, "purpose", "Registration", "env", "Developer", "bioValue", bv,
            "transactionId", e[i].txn ? e[i].txn : "T1", "timestamp", "2026-01-01T00:00:00Z", "qualityScore", 80,
            "requestedScore", "40");
        char *jws = sign_obj(data, e[i].key ? e[i].key : sk);
        assert_int_equal(sbi_chain_next(h, rec, len, h), 0);
        free(rec);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "specVersion", "0.9.5", "data", jws, "hash",
                     e[i].hash ? e[i].hash : h, "error", "errorCode", "0", "errorInfo", "Success"));
        free(dids), free(bv), free(jws);
        json_decref(data);
    }
    json_t *top = json_pack("{s:o}", "biometrics", arr);
    if (custom)
        json_object_set_new(top, "customOpts", custom);
    char *out = json_dumps(top, JSON_COMPACT);
    json_decref(top);
    return out;
}

static int parse(const char *txt, const char *prev, struct sbi_capture *c, err_t *err)
{
    struct sbi_expect x = {.trust = &trust, .transaction_id = "T1", .previous_hash = prev};
    return sbi_parse_capture(txt, strlen(txt), &x, c, err);
}

static const struct entry THREE[] = {
    {"Left IndexFinger", "finger-7", NULL, NULL, NULL, NULL, AS_ISO, 0},
    {"Left MiddleFinger", "finger-8", NULL, NULL, NULL, NULL, AS_ISO, 0},
    {"Left RingFinger", "finger-9", NULL, NULL, NULL, NULL, AS_ISO, 0},
};

static void test_chain_vectors(void **state)
{
    (void)state;
    char h[SBI_HASH_HEX + 1];
    assert_int_equal(sbi_chain_next("", (const unsigned char *)"abc", 3, h), 0);
    assert_string_equal(h, "BDDBDF7E9DF02F902EE5DD61B2B513D7566A2112FF97DB7DC3B6D184A43EF0E3");
    assert_int_equal(sbi_chain_next(h, (const unsigned char *)"second", 6, h), 0);
    assert_string_equal(h, "6A9CF554E1D8CFD09722F56E60B907C4C6AE21F53392D086E24447DF01069DCF");
    /* lower-case previous hashes are read too */
    assert_int_equal(sbi_chain_next("bddbdf7e9df02f902ee5dd61b2b513d7566a2112ff97db7dc3b6d184a43ef0e3",
                         (const unsigned char *)"second", 6, h),
        0);
    assert_string_equal(h, "6A9CF554E1D8CFD09722F56E60B907C4C6AE21F53392D086E24447DF01069DCF");
    assert_int_equal(sbi_chain_next("ABC", (const unsigned char *)"x", 1, h), -EINVAL);
    assert_int_equal(sbi_chain_next("ZZDBDF7E9DF02F902EE5DD61B2B513D7566A2112FF97DB7DC3B6D184A43EF0E3",
                         (const unsigned char *)"x", 1, h),
        -EINVAL);
}

static void test_good_capture(void **state)
{
    (void)state;
    char *txt = make_capture(THREE, 3, NULL, NULL);
    struct sbi_capture c;
    err_t err = {0};
    assert_int_equal(parse(txt, NULL, &c, &err), 0);
    assert_int_equal(c.nbio, 3);
    assert_string_equal(c.transaction_id, "T1");
    assert_string_equal(c.serial_no, "SN-1");
    assert_string_equal(c.kid, trust.keys[0].kid);
    assert_string_equal(c.bio[1].bio_sub_type, "Left MiddleFinger");
    assert_string_equal(c.bio[0].bio_type, "Finger");
    assert_true(c.bio[2].quality == 80.0);
    assert_true(c.bio[2].requested == 40.0);
    assert_int_equal(c.bio[2].value_len, 8);
    assert_memory_equal(c.bio[2].value, "finger-9", 8);
    char h[SBI_HASH_HEX + 1];
    chain_of(THREE, 3, h);
    assert_string_equal(c.last_hash, h);
    assert_string_equal(c.bio[2].hash, h);
    assert_false(c.has_slap);

    /* the next capture of the session continues the chain */
    static const struct entry next[] = {{"Left LittleFinger", "finger-10", NULL, NULL, NULL, NULL, AS_ISO, 0}};
    char *txt2 = make_capture(next, 1, c.last_hash, NULL);
    struct sbi_capture c2;
    assert_int_equal(parse(txt2, c.last_hash, &c2, NULL), 0);
    sbi_capture_free(&c2);
    /* …and is refused as the first capture of a session, or after another hash */
    assert_int_equal(parse(txt2, NULL, &c2, &err), -EACCES);
    assert_string_equal(err.code, "sbi_hash_mismatch");
    assert_int_equal(parse(txt2, c.bio[0].hash, &c2, &err), -EACCES);
    assert_string_equal(err.code, "sbi_hash_mismatch");
    sbi_capture_free(&c);
    sbi_capture_free(&c);
    sbi_capture_free(NULL);
    free(txt), free(txt2);
}

/* Swapping two entries of a valid answer: each is still signed, the chain
 * breaks. */
static void test_reordered_capture_fails(void **state)
{
    (void)state;
    char *txt = make_capture(THREE, 3, NULL, NULL);
    json_t *top = json_loads(txt, 0, NULL);
    json_t *arr = json_object_get(top, "biometrics");
    json_t *first = json_incref(json_array_get(arr, 0));
    json_array_remove(arr, 0);
    json_array_insert_new(arr, 1, first);
    char *swapped = json_dumps(top, JSON_COMPACT);
    struct sbi_capture c;
    err_t err;
    assert_int_equal(parse(swapped, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_hash_mismatch");
    /* dropping the middle capture breaks it too */
    json_array_remove(arr, 0);
    char *dropped = json_dumps(top, JSON_COMPACT);
    assert_int_equal(parse(dropped, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_hash_mismatch");
    json_decref(top);
    free(txt), free(swapped), free(dropped);
}

static void test_altered_capture_fails(void **state)
{
    (void)state;
    struct sbi_capture c;
    err_t err;
    /* a device that hashes something other than what it sends */
    char h[SBI_HASH_HEX + 1];
    sbi_chain_next("", (const unsigned char *)"other", 5, h);
    struct entry e[] = {{"Left IndexFinger", "finger-7", NULL, NULL, NULL, h, AS_ISO, 0}};
    char *txt = make_capture(e, 1, NULL, NULL);
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_hash_mismatch");
    free(txt);

    /* a byte of the signed payload changed in transit */
    txt = make_capture(THREE, 1, NULL, NULL);
    char *p = strstr(txt, "\"data\":\"");
    assert_non_null(p);
    char *dot = strchr(p + 8, '.');
    dot[5] = dot[5] == 'A' ? 'B' : 'A';
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_bad_signature");
    free(txt);
}

static char *capture_with_data(const char *data)
{
    json_t *top = json_pack("{s:[{s:s, s:s, s:s, s:{s:s, s:s}}]}", "biometrics", "specVersion", "0.9.5", "data", data,
        "hash", "BDDBDF7E9DF02F902EE5DD61B2B513D7566A2112FF97DB7DC3B6D184A43EF0E3", "error", "errorCode", "0",
        "errorInfo", "Success");
    char *s = json_dumps(top, JSON_COMPACT);
    json_decref(top);
    return s;
}

static void test_unsigned_and_wrongly_signed(void **state)
{
    (void)state;
    struct sbi_capture c;
    err_t err;
    /* unsigned: a bare base64url payload, a token with no signature, alg none */
    const char *payload = "{\"bioType\":\"Finger\",\"bioValue\":\"YWJj\",\"transactionId\":\"T1\"}";
    char *p64 = b64(payload, strlen(payload));
    char *txt = capture_with_data(p64);
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_unsigned");
    free(txt);
    const char *none_hdr = "{\"alg\":\"none\"}";
    char *h64 = b64(none_hdr, strlen(none_hdr));
    char tok[1024];
    snprintf(tok, sizeof tok, "%s.%s.", h64, p64);
    txt = capture_with_data(tok);
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_unsigned");
    free(txt);
    snprintf(tok, sizeof tok, "%s.%s.c2ln", h64, p64);
    txt = capture_with_data(tok);
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_unsigned");
    free(txt), free(h64);

    /* another algorithm than EdDSA or RS256 (HS256 would let a public key
     * serve as an HMAC secret); RS256 names its key by certificate chain
     * (x5c), never by kid alone (tests/unit/test_devcert.c has the
     * certified cases) */
    const struct {
        const char *hdr;
        int rc;
        const char *code;
    } algs[] = {
        {"{\"alg\":\"HS256\",\"kid\":\"x\"}", -EACCES, "sbi_bad_signature"},
        {"{\"alg\":\"RS256\",\"kid\":\"x\"}", -EINVAL, "sbi_malformed"},
    };
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        h64 = b64(algs[i].hdr, strlen(algs[i].hdr));
        snprintf(tok, sizeof tok, "%s.%s.c2ln", h64, p64);
        txt = capture_with_data(tok);
        assert_int_equal(parse(txt, NULL, &c, &err), algs[i].rc);
        assert_string_equal(err.code, algs[i].code);
        free(txt), free(h64);
    }
    free(p64);

    /* a key that is not in the trust store */
    struct entry e[] = {{"Left IndexFinger", "finger-7", NULL, NULL, sk2, NULL, AS_ISO, 0}};
    txt = make_capture(e, 1, NULL, NULL);
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_unknown_key");
    free(txt);

    /* a signature made by another key under the trusted key's kid */
    char *jws = NULL;
    assert_int_equal(sbi_jws_sign(payload, strlen(payload), sk, &jws), 0);
    char *other = NULL;
    assert_int_equal(sbi_jws_sign(payload, strlen(payload), sk2, &other), 0);
    char *sig2 = strrchr(other, '.');
    char *sig1 = strrchr(jws, '.');
    assert_int_equal(strlen(sig1), strlen(sig2));
    memcpy(sig1, sig2, strlen(sig2));
    txt = capture_with_data(jws);
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_bad_signature");
    free(txt), free(jws), free(other);

    /* no data at all */
    txt = capture_with_data("");
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_unsigned");
    free(txt);
}

static void test_wrong_transaction_or_device(void **state)
{
    (void)state;
    struct sbi_capture c;
    err_t err;
    struct entry e[] = {{"Left IndexFinger", "finger-7", "T2", NULL, NULL, NULL, AS_ISO, 0}};
    char *txt = make_capture(e, 1, NULL, NULL);
    assert_int_equal(parse(txt, NULL, &c, &err), -EINVAL);
    assert_string_equal(err.code, "sbi_wrong_transaction");
    free(txt);

    txt = make_capture(THREE, 1, NULL, NULL);
    struct sbi_expect x = {.trust = &trust, .transaction_id = "T1", .serial_no = "SN-2"};
    assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_wrong_device");
    x.serial_no = "SN-1";
    assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &c, &err), 0);
    sbi_capture_free(&c);
    /* a finger capture where a face was asked for */
    x.bio_type = "Face";
    assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &c, &err), -EINVAL);
    assert_string_equal(err.code, "sbi_wrong_device");
    x.bio_type = "Finger";
    assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &c, &err), 0);
    sbi_capture_free(&c);
    x.bio_type = NULL;
    free(txt);

    /* two devices' captures in one answer */
    struct entry mix[] = {{"Left IndexFinger", "a", NULL, "SN-1", NULL, NULL, AS_ISO, 0},
        {"Left MiddleFinger", "b", NULL, "SN-9", NULL, NULL, AS_ISO, 0}};
    txt = make_capture(mix, 2, NULL, NULL);
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_wrong_device");
    free(txt);

    /* no trust store: nothing is accepted */
    x.trust = NULL;
    txt = make_capture(THREE, 1, NULL, NULL);
    assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &c, &err), -EINVAL);
    free(txt);
}

static void test_device_errors(void **state)
{
    (void)state;
    struct sbi_capture c;
    err_t err;
    const char *busy = "{\"biometrics\":[{\"specVersion\":\"0.9.5\",\"data\":\"\",\"hash\":\"\","
                       "\"error\":{\"errorCode\":\"703\",\"errorInfo\":\"capture in progress\"}}]}";
    assert_int_equal(parse(busy, NULL, &c, &err), -EIO);
    assert_string_equal(err.code, "sbi_device_error");
    assert_non_null(strstr(err.msg, "busy"));
    const char *timeout = "{\"biometrics\":[{\"error\":{\"errorcode\":701}}]}";
    assert_int_equal(parse(timeout, NULL, &c, &err), -EIO);
    assert_non_null(strstr(err.msg, "timed out"));
    static const char *bad[] = {
        "",
        "[]",
        "{}",
        "{\"biometrics\":[]}",
        "{\"biometrics\":{}}",
        "{\"biometrics\":[1]}",
        "{\"biometrics\":[{\"error\":{\"errorCode\":\"x\"}}]}",
        "{\"biometrics\":[{\"error\":\"0\"}]}",
        "{\"biometrics\":[{\"data\":\"a.b.c\"}]}",
        "{\"biometrics\":[],\"biometrics\":[]}",
        "{\"biometrics\":[{\"data\":\"a.b.c\",\"hash\":\"00\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i], NULL, &c, &err);
        assert_true(rc < 0);
        assert_true(strcmp(err.code, "sbi_malformed") == 0 || strcmp(err.code, "sbi_unsigned") == 0 ||
                    strcmp(err.code, "sbi_unknown_key") == 0);
    }
    /* a quality score out of range */
    char *txt = make_capture(THREE, 1, NULL, NULL);
    /* more than LIMIT entries */
    struct entry many[11];
    for (int i = 0; i < 11; i++)
        many[i] = (struct entry){"Left IndexFinger", "v", NULL, NULL, NULL, NULL, AS_ISO, 0};
    char *big = make_capture(many, 11, NULL, NULL);
    assert_int_equal(parse(big, NULL, &c, &err), -E2BIG);
    assert_string_equal(err.code, "sbi_too_large");
    free(txt), free(big);
}

static json_t *device_fields(const char *status, const char *serial, const unsigned char *key, bool sign)
{
    json_t *did = digital_id(serial);
    char *dids;
    if (sign)
        dids = sign_obj(did, key);
    else {
        char *t = json_dumps(did, JSON_COMPACT);
        dids = b64(t, strlen(t));
        free(t);
    }
    json_decref(did);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[i,i,i], s:s, s:s, s:[s]}", "deviceId", "1",
        "deviceStatus", status, "certification", "L1", "purpose", "Registration", "deviceCode", "DC-1",
        "serviceVersion", "0.9.5", "callbackId", "http://127.0.0.1:4501/", "deviceSubId", 1, 2, 3, "digitalId", dids,
        "firmware", "1.0", "specVersion", "0.9.5");
    free(dids);
    return o;
}

static void test_discover_and_info(void **state)
{
    (void)state;
    err_t err;
    struct sbi_device d[4];
    size_t n = 0;
    json_t *disc = json_pack("[o]", device_fields("Ready", "SN-1", sk, false));
    json_object_set_new(
        json_array_get(disc, 0), "error", json_pack("{s:s, s:s}", "errorCode", "0", "errorInfo", "Success"));
    char *txt = json_dumps(disc, JSON_COMPACT);
    assert_int_equal(sbi_parse_discover(txt, strlen(txt), d, 4, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(d[0].status, SBI_STATUS_READY);
    assert_int_equal(d[0].nsub_ids, 3);
    assert_int_equal(d[0].sub_ids[2], 3);
    assert_string_equal(d[0].digital_id.serial_no, "SN-1");
    assert_string_equal(d[0].digital_id.type, "Finger");
    assert_false(d[0].is_signed);
    assert_int_equal(sbi_parse_discover(txt, strlen(txt), d, 0, &n, &err), -E2BIG);
    free(txt);
    json_decref(disc);

    /* MOSIPDINFO: signed deviceInfo with a signed digitalId */
    json_t *info = device_fields("Ready", "SN-1", sk, true);
    char *infos = sign_obj(info, sk);
    json_t *arr =
        json_pack("[{s:s, s:{s:s, s:s}}]", "deviceInfo", infos, "error", "errorCode", "0", "errorInfo", "Success");
    txt = json_dumps(arr, JSON_COMPACT);
    assert_int_equal(sbi_parse_info(txt, strlen(txt), &trust, d, 4, &n, &err), 0);
    assert_true(d[0].is_signed);
    assert_string_equal(d[0].kid, trust.keys[0].kid);
    assert_string_equal(d[0].firmware, "1.0");
    assert_int_equal(sbi_device_usable(&d[0], "Finger", &err), 0);
    assert_int_equal(sbi_device_usable(&d[0], "Face", &err), -EINVAL);
    assert_string_equal(err.code, "sbi_wrong_device");
    struct sbi_device busy = d[0];
    busy.status = SBI_STATUS_BUSY;
    assert_int_equal(sbi_device_usable(&busy, NULL, &err), -EAGAIN);
    assert_string_equal(err.code, "sbi_device_not_ready");
    assert_non_null(strstr(err.msg, "Busy"));
    struct sbi_device l0 = d[0];
    memcpy(l0.certification, "L0", 3);
    assert_int_equal(sbi_device_usable(&l0, NULL, &err), -EACCES);
    assert_string_equal(err.code, "sbi_not_certified");
    /* the same answer against an empty trust store */
    struct sbi_trust empty = {0};
    assert_int_equal(sbi_parse_info(txt, strlen(txt), &empty, d, 4, &n, &err), -EACCES);
    assert_string_equal(err.code, "sbi_unknown_key");
    free(txt), free(infos);
    json_decref(arr);
    json_decref(info);

    /* a Ready device whose info is unsigned is refused; a Not Registered one
     * is read but not usable */
    info = device_fields("Ready", "SN-1", sk, false);
    char *t = json_dumps(info, JSON_COMPACT);
    char *u = b64(t, strlen(t));
    arr = json_pack("[{s:s}]", "deviceInfo", u);
    txt = json_dumps(arr, JSON_COMPACT);
    assert_int_equal(sbi_parse_info(txt, strlen(txt), &trust, d, 4, &n, &err), -EACCES);
    assert_string_equal(err.code, "sbi_unsigned");
    free(txt), free(t), free(u);
    json_decref(arr);
    json_decref(info);
    info = device_fields("Not Registered", "SN-1", sk, false);
    t = json_dumps(info, JSON_COMPACT);
    u = b64(t, strlen(t));
    arr = json_pack("[{s:s}]", "deviceInfo", u);
    txt = json_dumps(arr, JSON_COMPACT);
    assert_int_equal(sbi_parse_info(txt, strlen(txt), &trust, d, 4, &n, &err), 0);
    assert_false(d[0].is_signed);
    assert_int_equal(sbi_device_usable(&d[0], NULL, &err), -EAGAIN);
    free(txt), free(t), free(u);
    json_decref(arr);
    json_decref(info);

    /* the digitalId signed by another key than the deviceInfo */
    info = device_fields("Ready", "SN-1", sk2, true);
    infos = sign_obj(info, sk);
    arr = json_pack("[{s:s}]", "deviceInfo", infos);
    txt = json_dumps(arr, JSON_COMPACT);
    sbi_trust_add(&trust, pk2, NULL);
    assert_int_equal(sbi_parse_info(txt, strlen(txt), &trust, d, 4, &n, &err), -EACCES);
    assert_string_equal(err.code, "sbi_wrong_device");
    trust.n = 1;
    free(txt), free(infos);
    json_decref(arr);
    json_decref(info);

    /* device errors and bad status */
    const char *e202 = "[{\"error\":{\"errorCode\":\"202\",\"errorInfo\":\"No Device Connected\"}}]";
    assert_int_equal(sbi_parse_discover(e202, strlen(e202), d, 4, &n, &err), -EIO);
    assert_non_null(strstr(err.msg, "no device connected"));
    info = device_fields("Sleeping", "SN-1", sk, false);
    json_object_set_new(info, "digitalId", json_string("eyJ9"));
    arr = json_pack("[o]", info);
    txt = json_dumps(arr, JSON_COMPACT);
    assert_int_equal(sbi_parse_discover(txt, strlen(txt), d, 4, &n, &err), -EINVAL);
    free(txt);
    json_decref(arr);
}

/* The slap image "slap" as a finger record at position pos, base64url. */
static char *slap_record(uint8_t pos)
{
    iso_image_t im = {.modality = ISO_FINGER,
        .position = pos,
        .quality = 70,
        .width = 1600,
        .height = 1500,
        .ppi = 500,
        .kind = ISO_IMG_PNG,
        .data = (const uint8_t *)"slap",
        .len = 4};
    uint8_t *rec = NULL;
    size_t n = 0;
    assert_int_equal(iso19794_write(&im, 0, &rec, &n, NULL), 0);
    char *out = b64(rec, n);
    free(rec);
    return out;
}

/* bioValue is an ISO/IEC 19794 record of the capture's own kind and
 * position, around an image uchet can decode; anything else is refused with
 * a reason, after the hash chain (which covers the record as sent). */
static void test_iso_records(void **state)
{
    (void)state;
    static const struct {
        enum record record;
        const char *code;
    } bad[] = {
        {AS_RAW, "sbi_bad_bio_value"},   /* a bare image, no record */
        {AS_THUMB, "sbi_bad_bio_value"}, /* the right thumb's record for the left index finger */
        {AS_FACE, "sbi_bad_bio_value"},  /* a face record for a finger */
        {AS_JP2, "sbi_bad_bio_value"},   /* "JPEG 2000" inside that does not decode */
        {AS_JPEG, "sbi_image_format"},   /* JPEG: the transaction keeps images lossless */
        {AS_WSQ, "sbi_image_format"},    /* WSQ: no decoder packaged in Debian */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct entry e[] = {THREE[0], THREE[1]};
        e[1].record = bad[i].record;
        char *txt = make_capture(e, 2, NULL, NULL);
        struct sbi_capture c;
        err_t err = {0};
        assert_int_equal(parse(txt, NULL, &c, &err), -EINVAL);
        assert_string_equal(err.code, bad[i].code);
        assert_non_null(strstr(err.msg, "capture 2"));
        if (bad[i].record == AS_WSQ)
            assert_non_null(strstr(err.msg, "WSQ"));
        if (bad[i].record == AS_JP2)
            assert_non_null(strstr(err.msg, "JPEG 2000"));
        free(txt);
        /* a broken chain is still named first */
        e[1].hash = "00000000000000000000000000000000000000000000000000000000000000AA";
        txt = make_capture(e, 2, NULL, NULL);
        assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
        assert_string_equal(err.code, "sbi_hash_mismatch");
        free(txt);
    }
    /* the slap image of the left four (deviceSubId 1) must be position 14, not 13 (right four) */
    char *bv = slap_record(13);
    json_t *p = json_pack("{s:s, s:i, s:s, s:[]}", "transactionId", "T1", "deviceSubId", 1, "bioValue", bv, "segments");
    char *slap = sign_obj(p, sk);
    char *txt = make_capture(THREE, 1, NULL, json_pack("{s:s}", "slap", slap));
    struct sbi_capture c;
    err_t err = {0};
    assert_int_equal(parse(txt, NULL, &c, &err), -EINVAL);
    assert_string_equal(err.code, "sbi_bad_bio_value");
    assert_non_null(strstr(err.msg, "slap"));
    free(txt), free(slap), free(bv);
    json_decref(p);
}

static uint8_t *load_record(const char *name, size_t *ret_len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/bio/iso19794/%s", UCHET_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *p = malloc(256 * 1024);
    assert_non_null(p);
    *ret_len = fread(p, 1, 256 * 1024, f);
    assert_true(*ret_len > 0 && *ret_len < 256 * 1024);
    fclose(f);
    return p;
}

/* MOSIP's reference device service sends JPEG 2000 (lossless for
 * registration, lossy for authentication): its own records, as sent, are
 * accepted; the chain covers them as sent, and what is kept is the image as
 * PNG - the pixels the JPEG 2000 decodes to (280 x 448 grey, sum from
 * Pillow's reader; see test_jp2.c). */
static void test_jp2_records_kept_as_png(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        uint64_t sum;
    } recs[] = {{"registration-left-index.iso", 18264154}, {"auth-left-index.iso", 18218771}};
    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        size_t n;
        uint8_t *rec = load_record(recs[i].file, &n);
        struct entry e[] = {{"Left IndexFinger", (const char *)rec, NULL, NULL, NULL, NULL, AS_RAW, n}};
        char *txt = make_capture(e, 1, NULL, NULL);
        struct sbi_capture c;
        err_t err = {0};
        assert_int_equal(parse(txt, NULL, &c, &err), 0);
        char h[SBI_HASH_HEX + 1];
        assert_int_equal(sbi_chain_next("", rec, n, h), 0);
        assert_string_equal(c.bio[0].hash, h);
        uint32_t w = 0, hh = 0;
        assert_int_equal(raster_png_size(c.bio[0].value, c.bio[0].value_len, &w, &hh), 0);
        assert_int_equal(w, 280);
        assert_int_equal(hh, 448);
        raster_t *r = NULL;
        assert_int_equal(raster_decode(c.bio[0].value, c.bio[0].value_len, 0, &r, &err), 0);
        assert_int_equal(r->channels, 1);
        uint64_t sum = 0;
        for (size_t k = 0; k < (size_t)w * hh; k++)
            sum += r->pix[k];
        assert_int_equal(sum, recs[i].sum);
        raster_free(r);
        /* verified again with that decoding at hand (submit): the PNG given for
         * the image's SHA-256 is taken, not a new decoding - a stand-in shows
         * it - and one given for other bytes is not */
        assert_true(c.bio[0].from_jp2);
        iso_image_t im;
        assert_int_equal(iso19794_read(rec, n, &im, &err), 0);
        assert_int_equal(im.kind, ISO_IMG_JP2);
        unsigned char sha[32];
        crypto_hash_sha256(sha, im.data, im.len);
        assert_memory_equal(c.bio[0].jp2_sha256, sha, 32);
        struct sbi_decoded d[2] = {{.png = (const unsigned char *)"other", .png_len = 5},
            {.png = (const unsigned char *)"stand-in", .png_len = 8}};
        memcpy(d[0].jp2_sha256, sha, 32);
        d[0].jp2_sha256[31] ^= 1;
        memcpy(d[1].jp2_sha256, sha, 32);
        struct sbi_expect x = {.trust = &trust, .transaction_id = "T1", .decoded = d + 1, .ndecoded = 1};
        struct sbi_capture again;
        assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &again, &err), 0);
        assert_true(again.bio[0].from_jp2);
        assert_int_equal(again.bio[0].value_len, 8);
        assert_memory_equal(again.bio[0].value, "stand-in", 8);
        assert_string_equal(again.bio[0].hash, h);
        sbi_capture_free(&again);
        x.decoded = d, x.ndecoded = 1;
        assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &again, &err), 0);
        assert_int_equal(again.bio[0].value_len, c.bio[0].value_len);
        assert_memory_equal(again.bio[0].value, c.bio[0].value, c.bio[0].value_len);
        sbi_capture_free(&again);
        /* the chain is still checked over the record as sent */
        x.decoded = d + 1, x.previous_hash = h;
        assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &again, &err), -EACCES);
        assert_string_equal(err.code, "sbi_hash_mismatch");
        sbi_capture_free(&c);
        free(txt);
        /* the same record claiming a 60000 x 60000 image: refused before decoding */
        size_t siz = 0;
        while (
            siz + 4 < n && !(rec[siz] == 0xFF && rec[siz + 1] == 0x4F && rec[siz + 2] == 0xFF && rec[siz + 3] == 0x51))
            siz++;
        assert_true(siz + 4 < n);
        for (int k = 0; k < 4; k++) {
            uint8_t be[4] = {0, 0, 0xEA, 0x60};   /* 60000 */
            memcpy(rec + siz + 8 + 4 * k, be, 4); /* Xsiz, Ysiz, then XOsiz, YOsiz below */
        }
        memset(rec + siz + 16, 0, 8);
        txt = make_capture(e, 1, NULL, NULL);
        assert_int_equal(parse(txt, NULL, &c, &err), -E2BIG);
        assert_string_equal(err.code, "sbi_too_large");
        /* ... also when a decoding is at hand for those bytes: the header is
         * still checked against the limits */
        assert_int_equal(iso19794_read(rec, n, &im, &err), 0);
        crypto_hash_sha256(d[1].jp2_sha256, im.data, im.len);
        x.previous_hash = NULL;
        assert_int_equal(sbi_parse_capture(txt, strlen(txt), &x, &c, &err), -E2BIG);
        assert_string_equal(err.code, "sbi_too_large");
        free(txt);
        free(rec);
    }
}

static void test_slap_extension(void **state)
{
    (void)state;
    char *slap_bv = slap_record(14);
    json_t *p = json_pack("{s:s, s:i, s:s, s:[{s:s, s:i, s:i, s:i, s:i}, {s:s, s:i, s:i, s:i, s:i}]}", "transactionId",
        "T1", "deviceSubId", 1, "bioValue", slap_bv, "segments", "bioSubType", "Left LittleFinger", "left", 10, "right",
        300, "top", 100, "bottom", 500, "bioSubType", "Left RingFinger", "left", 410, "right", 700, "top", 80, "bottom",
        480);
    char *slap = sign_obj(p, sk);
    json_decref(p);
    char *txt = make_capture(THREE, 2, NULL, json_pack("{s:s}", "slap", slap));
    struct sbi_capture c;
    err_t err;
    assert_int_equal(parse(txt, NULL, &c, &err), 0);
    assert_true(c.has_slap);
    assert_int_equal(c.slap_sub_id, 1);
    assert_int_equal(c.nsegments, 2);
    assert_string_equal(c.segments[1].bio_sub_type, "Left RingFinger");
    assert_int_equal(c.segments[1].left, 410);
    assert_int_equal(c.segments[0].bottom, 500);
    assert_int_equal(c.slap_value_len, 4);
    assert_memory_equal(c.slap_value, "slap", 4);
    sbi_capture_free(&c);
    free(txt), free(slap), free(slap_bv);

    /* of another transaction, signed by an untrusted key, an empty box */
    p = json_pack("{s:s, s:i, s:s, s:[]}", "transactionId", "T9", "deviceSubId", 1, "bioValue", "eA", "segments");
    slap = sign_obj(p, sk);
    txt = make_capture(THREE, 1, NULL, json_pack("{s:s}", "slap", slap));
    assert_int_equal(parse(txt, NULL, &c, &err), -EINVAL);
    assert_string_equal(err.code, "sbi_wrong_transaction");
    free(txt), free(slap);
    json_object_set_new(p, "transactionId", json_string("T1"));
    slap = sign_obj(p, sk2);
    txt = make_capture(THREE, 1, NULL, json_pack("{s:s}", "slap", slap));
    assert_int_equal(parse(txt, NULL, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_unknown_key");
    free(txt), free(slap);
    json_object_set_new(p, "segments",
        json_pack("[{s:s, s:i, s:i, s:i, s:i}]", "bioSubType", "x", "left", 5, "right", 5, "top", 1, "bottom", 2));
    slap = sign_obj(p, sk);
    txt = make_capture(THREE, 1, NULL, json_pack("{s:s}", "slap", slap));
    assert_int_equal(parse(txt, NULL, &c, &err), -EINVAL);
    assert_string_equal(err.code, "sbi_malformed");
    free(txt), free(slap);
    json_decref(p);
}

static void test_trust_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_sbi_XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sbi_trust t;
    err_t err;
    assert_int_equal(sbi_trust_load_dir(dir, &t, &err), -ENOENT);
    assert_string_equal(err.code, "sbi_trust_empty");
    char path[256];
    snprintf(path, sizeof path, "%s/dev1.pub", dir);
    FILE *f = fopen(path, "w");
    char *s = b64(pk, 32);
    fprintf(f, "%s\n", s);
    fclose(f);
    free(s);
    snprintf(path, sizeof path, "%s/README", dir);
    f = fopen(path, "w");
    fputs("not a key\n", f);
    fclose(f);
    assert_int_equal(sbi_trust_load_dir(dir, &t, &err), 0);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.keys[0].kid, trust.keys[0].kid);
    assert_int_equal(strlen(t.keys[0].kid), SBI_KID_LEN);
    snprintf(path, sizeof path, "%s/bad.pub", dir);
    f = fopen(path, "w");
    fputs("c2hvcnQ\n", f);
    fclose(f);
    assert_int_equal(sbi_trust_load_dir(dir, &t, &err), -EINVAL);
    assert_string_equal(err.code, "sbi_trust_bad_key");
    unlink(path);
    snprintf(path, sizeof path, "%s/dev1.pub", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/README", dir);
    unlink(path);
    rmdir(dir);
    assert_int_equal(sbi_trust_load_dir("/nonexistent/sbi", &t, &err), -ENOENT);
    assert_int_equal(sbi_trust_add(&trust, pk, &err), -EEXIST);
}

/* A FIFO (or a directory) named like a key is refused at once: the store
 * is read at uchetd's start, and a FIFO opened for reading waits for a
 * writer forever. The alarm fails the test instead of hanging it. */
static void test_trust_dir_refuses_a_fifo(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_sbi_XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    struct sbi_trust t;
    err_t err = {0};
    snprintf(path, sizeof path, "%s/dev1.pub", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(5);
    assert_int_equal(sbi_trust_load_dir(dir, &t, &err), -EINVAL);
    alarm(0);
    assert_string_equal(err.code, "sbi_trust_bad_key");
    unlink(path);
    snprintf(path, sizeof path, "%s/ca.crt", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(sbi_trust_load_dir(dir, &t, &err), -EINVAL);
    assert_string_equal(err.code, "sbi_trust_bad_key");
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_vectors),
        cmocka_unit_test(test_good_capture),
        cmocka_unit_test(test_reordered_capture_fails),
        cmocka_unit_test(test_altered_capture_fails),
        cmocka_unit_test(test_unsigned_and_wrongly_signed),
        cmocka_unit_test(test_wrong_transaction_or_device),
        cmocka_unit_test(test_device_errors),
        cmocka_unit_test(test_discover_and_info),
        cmocka_unit_test(test_slap_extension),
        cmocka_unit_test(test_iso_records),
        cmocka_unit_test(test_jp2_records_kept_as_png),
        cmocka_unit_test(test_trust_dir),
        cmocka_unit_test(test_trust_dir_refuses_a_fifo),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
