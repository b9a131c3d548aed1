/* Tests for bio/devcert through bio/sbi: captures signed the way certified
 * SBI devices sign (RS256, the certificate chain in x5c) are accepted when
 * the chain ends at a CA of the trust store, and refused with their reason
 * code when the CA is another, the leaf is expired, the key is weak or may
 * not sign, the signature is another key's, the payload was changed, or
 * x5c is malformed; the trust store directory reads .crt and .pem files.
 * Keys and certificates are made here with OpenSSL, as a device provider's
 * CA would make them. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/b64url.h"
#include "bio/devcert.h"
#include "bio/iso19794.h"
#include "bio/sbi.h"

struct party {
    EVP_PKEY *key;
    X509 *cert;
    char *key_pem, *cert_pem;
};

static struct party ca, inter, leaf, via_inter, other_ca, other_leaf, expired, weak, no_sign;
static struct sbi_trust trust;

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

static char *pem_of(int (*write)(BIO *, void *), void *obj)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(write(b, obj), 1);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = strndup(data, (size_t)n);
    BIO_free(b);
    return s;
}

static int write_cert(BIO *b, void *x)
{
    return PEM_write_bio_X509(b, x);
}
static int write_key(BIO *b, void *k)
{
    return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

/* A certificate for p's key, issued by issuer (NULL: self-signed). */
static void make(struct party *p, const char *cn, int bits, const struct party *issuer, bool is_ca, long from_days,
    long to_days, const char *key_usage)
{
    static long serial = 1;
    p->key = EVP_RSA_gen((unsigned)bits);
    assert_non_null(p->key);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400L);
    X509_set_pubkey(x, p->key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer->cert : x));
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer->cert : x, x, NULL, NULL, 0);
    add_ext(x, &ctx, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, &ctx, NID_key_usage, key_usage);
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    assert_true(X509_sign(x, issuer ? issuer->key : p->key, EVP_sha256()) > 0);
    p->cert = x;
    p->cert_pem = pem_of(write_cert, x);
    p->key_pem = pem_of(write_key, p->key);
}

static void drop(struct party *p)
{
    EVP_PKEY_free(p->key);
    X509_free(p->cert);
    free(p->key_pem), free(p->cert_pem);
}

static int setup(void **state)
{
    (void)state;
    const char *ca_ku = "critical,keyCertSign,cRLSign", *sign_ku = "critical,digitalSignature";
    make(&ca, "Device Provider CA", 2048, NULL, true, -1, 3650, ca_ku);
    make(&inter, "Device Provider Issuing CA", 2048, &ca, true, -1, 3650, ca_ku);
    make(&leaf, "Slap scanner SN-1", 2048, &ca, false, -1, 30, sign_ku);
    make(&via_inter, "Face camera SN-7", 2048, &inter, false, -1, 30, sign_ku);
    make(&other_ca, "Somebody Else's CA", 2048, NULL, true, -1, 3650, ca_ku);
    make(&other_leaf, "Slap scanner SN-1", 2048, &other_ca, false, -1, 30, sign_ku);
    make(&expired, "Slap scanner SN-1", 2048, &ca, false, -40, -10, sign_ku);
    make(&weak, "Slap scanner SN-1", 1024, &ca, false, -1, 30, sign_ku);
    make(&no_sign, "Slap scanner SN-1", 2048, &ca, false, -1, 30, "critical,keyEncipherment");
    memset(&trust, 0, sizeof trust);
    return devcert_anchors_add_pem(&trust.anchors, ca.cert_pem, strlen(ca.cert_pem), NULL);
}

static int teardown(void **state)
{
    (void)state;
    struct party *all[] = {&ca, &inter, &leaf, &via_inter, &other_ca, &other_leaf, &expired, &weak, &no_sign};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        drop(all[i]);
    return 0;
}

/* How one capture is signed: key and chain (leaf first), or a raw header. */
struct signer {
    const char *key_pem;
    const char *chain_pem;
};

static char *sign_obj(json_t *o, const struct signer *s)
{
    char *txt = json_dumps(o, JSON_COMPACT);
    char *jws = NULL;
    assert_int_equal(sbi_jws_sign_x5c(txt, strlen(txt), s->key_pem, s->chain_pem, &jws), 0);
    free(txt);
    return jws;
}

/* An RCAPTURE answer with one finger, both parts signed by s. */
static char *capture(const struct signer *s)
{
    json_t *did = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "serialNo", "SN-1", "make", "Acme", "model",
        "S1", "type", "Finger", "deviceSubType", "Slap", "deviceProvider", "Acme", "deviceProviderId", "acme.s1",
        "dateTime", "2026-01-01T00:00:00Z");
    char *dids = sign_obj(did, s);
    /* bioValue: the image "finger" in an ISO/IEC 19794-4 record of the left index finger (7) */
    iso_image_t im = {.modality = ISO_FINGER,
        .position = 7,
        .quality = 80,
        .width = 300,
        .height = 400,
        .ppi = 500,
        .kind = ISO_IMG_PNG,
        .data = (const uint8_t *)"finger",
        .len = 6};
    uint8_t *rec = NULL;
    size_t rec_len = 0;
    assert_int_equal(iso19794_write(&im, 0, &rec, &rec_len, NULL), 0);
    char *bv = NULL;
    assert_int_equal(b64url_encode(rec, rec_len, &bv, NULL), 0);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "digitalId", dids, "bioType", "Finger",
        "bioSubType", "Left IndexFinger", "purpose", "Registration", "env", "Staging", "bioValue", bv, "transactionId",
        "T1", "timestamp", "2026-01-01T00:00:00Z", "qualityScore", 80);
    char *jws = sign_obj(data, s);
    char h[SBI_HASH_HEX + 1];
    assert_int_equal(sbi_chain_next("", rec, rec_len, h), 0);
    free(rec);
    json_t *top = json_pack("{s:[{s:s, s:s, s:s, s:{s:s, s:s}}]}", "biometrics", "specVersion", "0.9.5", "data", jws,
        "hash", h, "error", "errorCode", "0", "errorInfo", "Success");
    char *out = json_dumps(top, JSON_COMPACT);
    json_decref(top), json_decref(data), json_decref(did);
    free(dids), free(bv), free(jws);
    return out;
}

static int parse(const char *txt, struct sbi_capture *c, err_t *err)
{
    struct sbi_expect x = {.trust = &trust, .transaction_id = "T1"};
    return sbi_parse_capture(txt, strlen(txt), &x, c, err);
}

/* Refused with code, and nothing kept. */
static void refused(const struct signer *s, int rc, const char *code, const char *in_message)
{
    char *txt = capture(s);
    struct sbi_capture c = {0};
    err_t err = {0};
    assert_int_equal(parse(txt, &c, &err), rc);
    assert_string_equal(err.code, code);
    if (in_message)
        assert_non_null(strstr(err.msg, in_message));
    assert_null(c.bio);
    free(txt);
}

static void test_certified_device_accepted(void **state)
{
    (void)state;
    struct signer s = {leaf.key_pem, leaf.cert_pem};
    char *txt = capture(&s);
    struct sbi_capture c = {0};
    err_t err = {0};
    assert_int_equal(parse(txt, &c, &err), 0);
    assert_string_equal(c.serial_no, "SN-1");
    assert_int_equal(c.nbio, 1);
    assert_int_equal(strlen(c.kid), DEVCERT_KID_LEN);
    char first[SBI_KID_LEN + 1];
    memcpy(first, c.kid, sizeof first);
    sbi_capture_free(&c);
    free(txt);

    /* the key id follows the key: another device's differs */
    struct signer s2 = {via_inter.key_pem, NULL};
    char chain[8192];
    snprintf(chain, sizeof chain, "%s%s", via_inter.cert_pem, inter.cert_pem);
    s2.chain_pem = chain;
    txt = capture(&s2);
    assert_int_equal(parse(txt, &c, &err), 0);
    assert_string_not_equal(c.kid, first);
    sbi_capture_free(&c);
    free(txt);
}

static void test_chain_must_reach_an_anchor(void **state)
{
    (void)state;
    /* the intermediate left out of x5c: no path to the CA */
    struct signer s = {via_inter.key_pem, via_inter.cert_pem};
    refused(&s, -EACCES, "sbi_unknown_key", "not trusted");
    /* a chain to somebody else's CA, same subject name as a trusted device */
    struct signer o = {other_leaf.key_pem, other_leaf.cert_pem};
    refused(&o, -EACCES, "sbi_unknown_key", "not trusted");
    /* expired */
    struct signer e = {expired.key_pem, expired.cert_pem};
    refused(&e, -EACCES, "sbi_unknown_key", "expired");
    /* the CA itself appended cannot stand in for trust */
    char chain[8192];
    snprintf(chain, sizeof chain, "%s%s", other_leaf.cert_pem, other_ca.cert_pem);
    struct signer o2 = {other_leaf.key_pem, chain};
    refused(&o2, -EACCES, "sbi_unknown_key", NULL);
    /* an empty trust store trusts no certificate */
    struct sbi_trust saved = trust;
    trust.anchors.n = 0;
    struct signer s3 = {leaf.key_pem, leaf.cert_pem};
    refused(&s3, -EACCES, "sbi_unknown_key", NULL);
    trust = saved;
}

static void test_key_and_signature(void **state)
{
    (void)state;
    /* a trusted certificate, but the parts signed by another key */
    struct signer wrong = {other_leaf.key_pem, leaf.cert_pem};
    refused(&wrong, -EACCES, "sbi_bad_signature", "does not verify");
    struct signer w = {weak.key_pem, weak.cert_pem};
    refused(&w, -EACCES, "sbi_bad_signature", "2048");
    struct signer ns = {no_sign.key_pem, no_sign.cert_pem};
    refused(&ns, -EACCES, "sbi_bad_signature", "may not sign");

    /* one byte of the signed payload changed */
    struct signer s = {leaf.key_pem, leaf.cert_pem};
    char *txt = capture(&s);
    char *data = strstr(txt, "\"data\":\"");
    assert_non_null(data);
    char *payload = strchr(data + 8, '.') + 1;
    payload[5] = payload[5] == 'A' ? 'B' : 'A';
    struct sbi_capture c = {0};
    err_t err = {0};
    assert_int_equal(parse(txt, &c, &err), -EACCES);
    assert_string_equal(err.code, "sbi_bad_signature");
    free(txt);
}

/* A JWS over payload with the given header, signed by leaf's key. */
static char *with_header(const char *header)
{
    char *h64 = NULL, *p64 = NULL, *s64 = NULL;
    assert_int_equal(b64url_encode((const unsigned char *)header, strlen(header), &h64, NULL), 0);
    assert_int_equal(b64url_encode((const unsigned char *)"{}", 2, &p64, NULL), 0);
    char input[16384];
    snprintf(input, sizeof input, "%s.%s", h64, p64);
    unsigned char *sig = NULL;
    size_t sn = 0;
    assert_int_equal(devcert_sign_rs256(leaf.key_pem, (unsigned char *)input, strlen(input), &sig, &sn), 0);
    assert_int_equal(b64url_encode(sig, sn, &s64, NULL), 0);
    size_t cap = strlen(input) + strlen(s64) + 2;
    char *out = malloc(cap);
    snprintf(out, cap, "%s.%s", input, s64);
    free(h64), free(p64), free(s64), free(sig);
    return out;
}

static void test_malformed_x5c(void **state)
{
    (void)state;
    json_t *x5c = devcert_x5c_from_pem(leaf.cert_pem);
    assert_non_null(x5c);
    const char *good = json_string_value(json_array_get(x5c, 0));
    char bad[4][9000];
    snprintf(bad[0], sizeof bad[0], "{\"alg\":\"RS256\",\"x5c\":\"%s\"}", good);    /* not an array */
    snprintf(bad[1], sizeof bad[1], "{\"alg\":\"RS256\",\"x5c\":[\"%s!\"]}", good); /* not base64 */
    snprintf(bad[2], sizeof bad[2], "{\"alg\":\"RS256\",\"x5c\":[]}");              /* empty */
    snprintf(bad[3], sizeof bad[3], "{\"alg\":\"RS256\"}");                         /* absent */
    for (int i = 0; i < 4; i++) {
        char *jws = with_header(bad[i]);
        char doc[16384];
        snprintf(doc, sizeof doc, "[{\"deviceInfo\":\"%s\",\"error\":{\"errorCode\":\"0\",\"errorInfo\":\"Success\"}}]",
            jws);
        struct sbi_device d[2];
        size_t n = 0;
        err_t err = {0};
        assert_int_equal(sbi_parse_info(doc, strlen(doc), &trust, d, 2, &n, &err), -EINVAL);
        assert_string_equal(err.code, "sbi_malformed");
        free(jws);
    }
    json_decref(x5c);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static void test_trust_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/uchet-devcert-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sbi_trust t;
    err_t err = {0};
    assert_int_equal(sbi_trust_load_dir(dir, &t, &err), -ENOENT);
    assert_string_equal(err.code, "sbi_trust_empty");

    write_file(dir, "provider-ca.crt", ca.cert_pem);
    write_file(dir, "README", "not part of the store");
    assert_int_equal(sbi_trust_load_dir(dir, &t, &err), 0);
    assert_int_equal(t.n, 0);
    assert_int_equal(t.anchors.n, 1);

    /* the loaded store accepts the device and nothing else */
    struct sbi_trust saved = trust;
    trust = t;
    struct signer s = {leaf.key_pem, leaf.cert_pem};
    char *txt = capture(&s);
    struct sbi_capture c = {0};
    assert_int_equal(parse(txt, &c, &err), 0);
    sbi_capture_free(&c);
    free(txt);
    trust = saved;

    write_file(dir, "broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    assert_int_equal(sbi_trust_load_dir(dir, &t, &err), -EINVAL);
    assert_string_equal(err.code, "sbi_trust_bad_key");
    assert_non_null(strstr(err.msg, "broken.pem"));
    remove_file(dir, "broken.pem");
    remove_file(dir, "provider-ca.crt");
    remove_file(dir, "README");
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_certified_device_accepted),
        cmocka_unit_test(test_chain_must_reach_an_anchor),
        cmocka_unit_test(test_key_and_signature),
        cmocka_unit_test(test_malformed_x5c),
        cmocka_unit_test(test_trust_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
