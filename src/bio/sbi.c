/* sbi: parse and verify SBI 0.9.5 device answers (see sbi.h). */
#include "bio/sbi.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64url.h"
#include "base/file.h"
#include "base/limits.h"
#include "bio/devcert.h"
#include "bio/iso19794.h"
#include "bio/jp2.h"
#include "bio/raster.h"

/* A device answer is mostly base64url images: the codec must take the
 * largest one the parser does. */
_Static_assert(B64URL_MAX_INPUT >= LIMIT_SBI_RESPONSE_BYTES, "base64url limit below a device answer's");

/* ---- keys, trust store, chain ---- */

void sbi_kid(const unsigned char pk[32], char ret[SBI_KID_LEN + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, 32);
    sodium_bin2hex(ret, SBI_KID_LEN + 1, h, SBI_KID_LEN / 2);
}

int sbi_trust_add(struct sbi_trust *t, const unsigned char pk[32], err_t *err)
{
    char kid[SBI_KID_LEN + 1];
    sbi_kid(pk, kid);
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->keys[i].kid, kid) == 0)
            return err_set(err, -EEXIST, "sbi_trust_duplicate", "device key %s is already trusted", kid);
    if (t->n >= SBI_TRUST_MAX)
        return err_set(err, -ENOSPC, "sbi_trust_full", "more than %d device keys", SBI_TRUST_MAX);
    memcpy(t->keys[t->n].pk, pk, 32);
    memcpy(t->keys[t->n].kid, kid, sizeof kid);
    t->n++;
    return 0;
}

static const struct sbi_trust_key *trust_find(const struct sbi_trust *t, const char *kid)
{
    if (!t || !kid)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->keys[i].kid, kid) == 0)
            return &t->keys[i];
    return NULL;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && name[0] != '.' && strcmp(name + n - k, suffix) == 0;
}

/* Reads the regular file dir/name of under cap bytes into buf (base/file),
 * NUL-terminated; its length in *ret_len. The store's own codes: a file
 * that cannot be opened is sbi_trust_unreadable, one too large or not a
 * regular file (a directory, a FIFO) sbi_trust_bad_key. */
static int read_small(const char *dir, const char *name, char *buf, size_t cap, size_t *ret_len, err_t *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return err_set(err, -EINVAL, "sbi_trust_bad_key", "trust store path too long");
    int r = file_read_into(path, buf, cap, ret_len, NULL);
    if (r == -EFBIG)
        return err_set(err, -EINVAL, "sbi_trust_bad_key", "%s is too large for a key or a certificate", name);
    if (r == -EINVAL)
        return err_set(err, -EINVAL, "sbi_trust_bad_key", "%s is not a regular file", name);
    if (r < 0)
        return err_set(err, -ENOENT, "sbi_trust_unreadable", "cannot read %s", name);
    return 0;
}

/* A *.pub file: one base64url Ed25519 public key. */
static int load_pub(struct sbi_trust *t, const char *name, char *buf, size_t n, err_t *err)
{
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    unsigned char *pk = NULL;
    size_t pkn = 0;
    int rc;
    if (b64url_decode_flags(buf, n, B64URL_PAD_OPTIONAL, &pk, &pkn, NULL) < 0 || pkn != 32)
        rc = err_set(err, -EINVAL, "sbi_trust_bad_key", "%s does not hold one base64url Ed25519 public key", name);
    else
        rc = sbi_trust_add(t, pk, err);
    free(pk);
    return rc;
}

/* One directory entry: *.pub a device key, *.crt or *.pem CA certificates
 * (bio/devcert); anything else is not the store's. */
static int load_entry(struct sbi_trust *t, const char *dir, const char *name, err_t *err)
{
    bool pub = has_suffix(name, ".pub");
    if (!pub && !has_suffix(name, ".crt") && !has_suffix(name, ".pem"))
        return 0;
    static const size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    size_t n = 0;
    int rc = buf ? read_small(dir, name, buf, cap, &n, err) : err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    if (rc == 0 && pub)
        rc = load_pub(t, name, buf, n, err);
    else if (rc == 0 && (rc = devcert_anchors_add_pem(&t->anchors, buf, n, err)) < 0 && err) {
        err_t inner = *err; /* the file's name in front of devcert's reason */
        err_set(err, rc, inner.code, "%s: %s", name, inner.msg);
    }
    free(buf);
    return rc;
}

int sbi_trust_load_dir(const char *dir, struct sbi_trust *ret, err_t *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(err, -ENOENT, "sbi_trust_unreadable", "cannot read the device trust store %s", dir);
    struct sbi_trust *t = calloc(1, sizeof *t); /* ~40 KB: the anchors' DER bytes */
    int rc = t ? 0 : err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL)
        rc = load_entry(t, dir, e->d_name, err);
    closedir(d);
    if (rc == 0 && t->n == 0 && t->anchors.n == 0)
        rc = err_set(err, -ENOENT, "sbi_trust_empty", "no *.pub device key or *.crt/*.pem certificate in %s", dir);
    if (rc == 0)
        *ret = *t;
    free(t);
    return rc;
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex32(const char *s, unsigned char out[32])
{
    if (strlen(s) != SBI_HASH_HEX)
        return -EINVAL;
    for (int i = 0; i < 32; i++) {
        int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

int sbi_chain_next(const char *prev_hex, const unsigned char *bio, size_t len, char ret[SBI_HASH_HEX + 1])
{
    unsigned char buf[64];
    if (!prev_hex || !*prev_hex)
        crypto_hash_sha256(buf, (const unsigned char *)"", 0);
    else if (hex32(prev_hex, buf) < 0)
        return -EINVAL;
    crypto_hash_sha256(buf + 32, bio, len);
    unsigned char h[32];
    crypto_hash_sha256(h, buf, sizeof buf);
    static const char X[] = "0123456789ABCDEF";
    for (int i = 0; i < 32; i++) {
        ret[2 * i] = X[h[i] >> 4];
        ret[2 * i + 1] = X[h[i] & 15];
    }
    ret[SBI_HASH_HEX] = '\0';
    return 0;
}

/* ---- JWS (compact; EdDSA with a kid, RS256 with x5c) ---- */

/* Signs input[0..len) into a new buffer of *ret_len bytes. */
typedef int (*jws_signer_fn)(
    const void *key, const unsigned char *input, size_t len, unsigned char **ret, size_t *ret_len);

static int sign_eddsa(const void *key, const unsigned char *input, size_t len, unsigned char **ret, size_t *ret_len)
{
    unsigned char *sig = malloc(crypto_sign_BYTES);
    if (!sig)
        return -ENOMEM;
    crypto_sign_detached(sig, NULL, input, len, key);
    *ret = sig;
    *ret_len = crypto_sign_BYTES;
    return 0;
}

static int sign_rs256(const void *key, const unsigned char *input, size_t len, unsigned char **ret, size_t *ret_len)
{
    return devcert_sign_rs256(key, input, len, ret, ret_len);
}

/* header.payload.signature, each part base64url. */
static int jws_compose(
    const char *header, const char *payload, size_t len, jws_signer_fn sign, const void *key, char **ret)
{
    char *h64 = NULL, *p64 = NULL, *s64 = NULL, *out = NULL;
    unsigned char *sig = NULL;
    size_t sn = 0;
    int rc = -ENOMEM;
    if (b64url_encode((const unsigned char *)header, strlen(header), &h64, NULL) < 0 ||
        b64url_encode((const unsigned char *)payload, len, &p64, NULL) < 0)
        goto out;
    size_t hn = strlen(h64), pn = strlen(p64);
    if (!(out = malloc(hn + 1 + pn + 1)))
        goto out;
    memcpy(out, h64, hn);
    out[hn] = '.';
    memcpy(out + hn + 1, p64, pn + 1);
    if ((rc = sign(key, (const unsigned char *)out, hn + 1 + pn, &sig, &sn)) < 0 ||
        (rc = b64url_encode(sig, sn, &s64, NULL)) < 0)
        goto out;
    rc = -ENOMEM;
    char *joined = realloc(out, hn + pn + strlen(s64) + 3);
    if (!joined)
        goto out;
    out = joined;
    out[hn + 1 + pn] = '.';
    memcpy(out + hn + 2 + pn, s64, strlen(s64) + 1);
    *ret = out;
    out = NULL;
    rc = 0;
out:
    free(h64), free(p64), free(s64), free(out), free(sig);
    return rc;
}

int sbi_jws_sign(const char *payload, size_t len, const unsigned char sk[64], char **ret)
{
    if (sodium_init() < 0)
        return -EIO;
    char kid[SBI_KID_LEN + 1];
    sbi_kid(sk + 32, kid); /* libsodium keeps the public key in the upper half */
    char header[96];
    snprintf(header, sizeof header, "{\"alg\":\"EdDSA\",\"kid\":\"%s\"}", kid);
    return jws_compose(header, payload, len, sign_eddsa, sk, ret);
}

int sbi_jws_sign_x5c(const char *payload, size_t len, const char *key_pem, const char *chain_pem, char **ret)
{
    if (sodium_init() < 0)
        return -EIO;
    json_t *x5c = devcert_x5c_from_pem(chain_pem);
    if (!x5c)
        return -EINVAL;
    json_t *h = json_pack("{s:s, s:s, s:o}", "alg", "RS256", "typ", "JWT", "x5c", x5c);
    char *header = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    int rc = header ? jws_compose(header, payload, len, sign_rs256, key_pem, ret) : -ENOMEM;
    free(header);
    return rc;
}

static json_t *decode_json_object(const char *b64, size_t len)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    if (b64url_decode_flags(b64, len, B64URL_PAD_OPTIONAL, &raw, &n, NULL) < 0)
        return NULL;
    json_t *j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* An EdDSA signature sig[0..sn) over input by the trusted key named kid. */
static int verify_eddsa(const struct sbi_trust *t, const char *kid, const unsigned char *input, size_t len,
    const unsigned char *sig, size_t sn, const char *what, char ret_kid[SBI_KID_LEN + 1], err_t *err)
{
    const struct sbi_trust_key *key = trust_find(t, kid);
    if (!key)
        return err_set(err, -EACCES, "sbi_unknown_key", "%s is signed by a device key that is not trusted", what);
    if (sn != crypto_sign_BYTES || crypto_sign_verify_detached(sig, input, len, key->pk) != 0)
        return err_set(err, -EACCES, "sbi_bad_signature", "%s: the signature does not verify", what);
    memcpy(ret_kid, key->kid, SBI_KID_LEN + 1);
    return 0;
}

/* Checks the signature of tok (whose signing input ends at d2) by the
 * algorithm its header names: EdDSA with a kid in the trust store, or
 * RS256 with an x5c chain to one of its anchors (bio/devcert). */
static int verify_signature(const char *tok, const char *d1, const char *d2, const struct sbi_trust *t,
    const char *what, char ret_kid[SBI_KID_LEN + 1], err_t *err)
{
    json_t *hdr = decode_json_object(tok, (size_t)(d1 - tok));
    if (!hdr)
        return err_set(err, -EINVAL, "sbi_malformed", "%s has an unreadable JWS header", what);
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    unsigned char *sig = NULL;
    size_t sn = 0;
    int rc = 0;
    if (!alg || strcmp(alg, "none") == 0)
        rc = err_set(err, -EACCES, "sbi_unsigned", "%s is not signed (alg none)", what);
    else if (strcmp(alg, "EdDSA") != 0 && strcmp(alg, "RS256") != 0)
        rc = err_set(err, -EACCES, "sbi_bad_signature", "%s: signature algorithm %.16s is not accepted", what, alg);
    else if (!t)
        rc = err_set(err, -EACCES, "sbi_unknown_key", "%s is signed, and no device is trusted", what);
    else if (b64url_decode_flags(d2 + 1, strlen(d2 + 1), B64URL_PAD_OPTIONAL, &sig, &sn, NULL) < 0)
        sig = NULL, sn = 0; /* refused below, after the key is known, as a signature that does not verify */
    const unsigned char *input = (const unsigned char *)tok;
    size_t len = (size_t)(d2 - tok);
    if (rc == 0 && alg[0] == 'E')
        rc = verify_eddsa(t, json_string_value(json_object_get(hdr, "kid")), input, len, sig, sn, what, ret_kid, err);
    else if (rc == 0)
        rc = devcert_verify_rs256(&t->anchors, json_object_get(hdr, "x5c"), input, len, sig, sn, what, ret_kid, err);
    free(sig);
    json_decref(hdr);
    return rc;
}

/* Verifies a compact JWS against the trust store. On success *ret_payload
 * is a new reference to the payload object and ret_kid holds the key id.
 * `what` names the part in messages. */
static int jws_verify(const char *tok, const struct sbi_trust *t, const char *what, json_t **ret_payload,
    char ret_kid[SBI_KID_LEN + 1], err_t *err)
{
    if (sodium_init() < 0)
        return err_set(err, -EIO, "sbi_malformed", "libsodium cannot start");
    const char *d1 = strchr(tok, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || d2[1] == '\0')
        return err_set(err, -EACCES, "sbi_unsigned", "%s is not signed", what);
    if (strchr(d2 + 1, '.'))
        return err_set(err, -EINVAL, "sbi_malformed", "%s is not a JWS compact serialisation", what);
    int rc = verify_signature(tok, d1, d2, t, what, ret_kid, err);
    if (rc < 0)
        return rc;
    json_t *p = decode_json_object(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!p)
        return err_set(err, -EINVAL, "sbi_malformed", "%s has an unreadable payload", what);
    *ret_payload = p;
    return 0;
}

/* ---- strict field reading ---- */

/* Copies a string member into out[SBI_TEXT]. Absent: "" unless required. */
static int get_text(const json_t *o, const char *key, bool required, char out[SBI_TEXT], err_t *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required)
            return err_set(err, -EINVAL, "sbi_malformed", "missing field %s", key);
        out[0] = '\0';
        return 0;
    }
    if (!json_is_string(v))
        return err_set(err, -EINVAL, "sbi_malformed", "field %s is not a string", key);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n >= SBI_TEXT)
        return err_set(err, -EINVAL, "sbi_malformed", "field %s is too long", key);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return err_set(err, -EINVAL, "sbi_malformed", "field %s has control characters", key);
    memcpy(out, s, n + 1);
    return 0;
}

/* A number that SBI implementations send either as a JSON number or as a
 * numeric string ("40"). Absent: *ret = dflt. */
static int get_score(const json_t *o, const char *key, double dflt, double *ret, err_t *err)
{
    json_t *v = json_object_get(o, key);
    double d;
    if (!v || json_is_null(v)) {
        *ret = dflt;
        return 0;
    }
    if (json_is_number(v))
        d = json_number_value(v);
    else if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 16) {
        const char *s = json_string_value(v);
        char *end = NULL;
        errno = 0;
        d = strtod(s, &end);
        if (errno || *end)
            return err_set(err, -EINVAL, "sbi_malformed", "field %s is not a number", key);
    } else
        return err_set(err, -EINVAL, "sbi_malformed", "field %s is not a number", key);
    if (!isfinite(d) || d < 0 || d > 100)
        return err_set(err, -EINVAL, "sbi_malformed", "field %s is outside 0..100", key);
    *ret = d;
    return 0;
}

/* The error object: {"errorCode": "0"|0, "errorInfo": "…"} (also accepted in
 * lower case, as some services send it). Absent means success. */
static int get_error(const json_t *o, long *ret_code, char info[SBI_TEXT], err_t *err)
{
    json_t *e = json_object_get(o, "error");
    *ret_code = 0;
    info[0] = '\0';
    if (!e || json_is_null(e))
        return 0;
    if (!json_is_object(e))
        return err_set(err, -EINVAL, "sbi_malformed", "error is not an object");
    json_t *c = json_object_get(e, "errorCode");
    if (!c)
        c = json_object_get(e, "errorcode");
    if (json_is_integer(c))
        *ret_code = (long)json_integer_value(c);
    else if (json_is_string(c) && json_string_length(c) > 0 && json_string_length(c) < 8) {
        char *end = NULL;
        errno = 0;
        long v = strtol(json_string_value(c), &end, 10);
        if (errno || *end)
            return err_set(err, -EINVAL, "sbi_malformed", "errorCode is not a number");
        *ret_code = v;
    } else
        return err_set(err, -EINVAL, "sbi_malformed", "errorCode missing or not a number");
    if (*ret_code < 0 || *ret_code > 9999)
        return err_set(err, -EINVAL, "sbi_malformed", "errorCode out of range");
    int rc = get_text(e, json_object_get(e, "errorInfo") ? "errorInfo" : "errorinfo", false, info, err);
    return rc;
}

static int device_error(long code, const char *info, err_t *err)
{
    const char *what = "device error";
    switch (code) {
        case 100: what = "device not registered"; break;
        case 101: what = "no biometric captured"; break;
        case 102: what = "extraction failed"; break;
        case 103: what = "device tampered"; break;
        case 105: what = "wrong orientation"; break;
        case 106: what = "device not found"; break;
        case 107: what = "device key expired"; break;
        case 109: what = "count not supported"; break;
        case 110: what = "device not ready"; break;
        case 111:
        case 703: what = "device busy"; break;
        case 112: what = "bad transaction id"; break;
        case 202: what = "no device connected"; break;
        case 701: what = "capture timed out"; break;
        default: break;
    }
    return err_set(err, -EIO, "sbi_device_error", "%s (SBI error %ld%s%.60s)", what, code, info && *info ? ": " : "",
        info ? info : "");
}

static int parse_status(const char *s, enum sbi_status *ret, err_t *err)
{
    static const char *const names[] = {"Ready", "Busy", "Not Ready", "Not Registered"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *ret = (enum sbi_status)i;
            return 0;
        }
    return err_set(err, -EINVAL, "sbi_malformed", "unknown deviceStatus");
}

static int parse_digital_id_obj(const json_t *o, struct sbi_digital_id *d, err_t *err)
{
    int rc;
    if ((rc = get_text(o, "serialNo", true, d->serial_no, err)) < 0 ||
        (rc = get_text(o, "make", false, d->make, err)) < 0 || (rc = get_text(o, "model", false, d->model, err)) < 0 ||
        (rc = get_text(o, "type", true, d->type, err)) < 0 ||
        (rc = get_text(o, "deviceSubType", false, d->device_sub_type, err)) < 0 ||
        (rc = get_text(o, "deviceProvider", false, d->device_provider, err)) < 0 ||
        (rc = get_text(o, "deviceProviderId", false, d->device_provider_id, err)) < 0 ||
        (rc = get_text(o, "dateTime", false, d->date_time, err)) < 0)
        return rc;
    if (!d->serial_no[0])
        return err_set(err, -EINVAL, "sbi_malformed", "digitalId has an empty serialNo");
    return 0;
}

/* The common fields of a device in MOSIPDISC and MOSIPDINFO. */
static int parse_device_fields(const json_t *o, struct sbi_device *d, err_t *err)
{
    char status[SBI_TEXT];
    int rc;
    if ((rc = get_text(o, "deviceId", true, d->device_id, err)) < 0 ||
        (rc = get_text(o, "deviceStatus", true, status, err)) < 0 || (rc = parse_status(status, &d->status, err)) < 0 ||
        (rc = get_text(o, "certification", true, d->certification, err)) < 0 ||
        (rc = get_text(o, "purpose", false, d->purpose, err)) < 0 ||
        (rc = get_text(o, "deviceCode", false, d->device_code, err)) < 0 ||
        (rc = get_text(o, "serviceVersion", false, d->service_version, err)) < 0 ||
        (rc = get_text(o, "callbackId", false, d->callback_id, err)) < 0 ||
        (rc = get_text(o, "firmware", false, d->firmware, err)) < 0)
        return rc;
    json_t *subs = json_object_get(o, "deviceSubId");
    if (!json_is_array(subs) || json_array_size(subs) > SBI_MAX_SUBIDS)
        return err_set(err, -EINVAL, "sbi_malformed", "deviceSubId is not a short array");
    for (size_t i = 0; i < json_array_size(subs); i++) {
        json_t *v = json_array_get(subs, i);
        long n = -1;
        if (json_is_integer(v))
            n = (long)json_integer_value(v);
        else if (json_is_string(v) && json_string_length(v) == 1)
            n = json_string_value(v)[0] - '0';
        if (n < 0 || n > 9)
            return err_set(err, -EINVAL, "sbi_malformed", "deviceSubId holds something other than 0..9");
        d->sub_ids[i] = (int)n;
    }
    d->nsub_ids = json_array_size(subs);
    json_t *sv = json_object_get(o, "specVersion");
    if (sv && !json_is_array(sv) && !json_is_string(sv))
        return err_set(err, -EINVAL, "sbi_malformed", "specVersion is not a list");
    return 0;
}

static int load_array(const char *buf, size_t len, json_t **ret, err_t *err)
{
    if (len > LIMIT_SBI_RESPONSE_BYTES)
        return err_set(err, -E2BIG, "sbi_too_large", "device answer over %d bytes", LIMIT_SBI_RESPONSE_BYTES);
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_array(j)) {
        json_decref(j);
        return err_set(err, -EINVAL, "sbi_malformed", "device answer is not a JSON array");
    }
    *ret = j;
    return 0;
}

typedef int (*device_entry_fn)(json_t *o, const struct sbi_trust *trust, struct sbi_device *d, err_t *err);

/* What MOSIPDISC and MOSIPDINFO answers share: an array of at most cap
 * device entries, each an object with an error part; entry() reads the rest
 * of one. *ret is written only when every entry parsed. */
static int parse_device_array(const char *buf, size_t len, const struct sbi_trust *trust, device_entry_fn entry,
    struct sbi_device *ret, size_t cap, size_t *ret_n, err_t *err)
{
    json_t *arr;
    int rc = load_array(buf, len, &arr, err);
    if (rc < 0)
        return rc;
    size_t n = json_array_size(arr);
    if (n > cap || n > SBI_MAX_DEVICES) {
        json_decref(arr);
        return err_set(err, -E2BIG, "sbi_too_large", "more devices than expected");
    }
    struct sbi_device *tmp = calloc(n ? n : 1, sizeof *tmp);
    if (!tmp) {
        json_decref(arr);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *o = json_array_get(arr, i);
        long code;
        char info[SBI_TEXT];
        if (!json_is_object(o))
            rc = err_set(err, -EINVAL, "sbi_malformed", "device entry is not an object");
        else if ((rc = get_error(o, &code, info, err)) == 0)
            rc = code != 0 ? device_error(code, info, err) : entry(o, trust, &tmp[i], err);
    }
    json_decref(arr);
    if (rc == 0) {
        memcpy(ret, tmp, n * sizeof *tmp);
        *ret_n = n;
    }
    free(tmp);
    return rc;
}

/* One MOSIPDISC entry: in discovery the digital id is unsigned base64url
 * JSON; a JWS is accepted too, read without verification (MOSIPDINFO
 * verifies). */
static int discover_entry(json_t *o, const struct sbi_trust *trust, struct sbi_device *d, err_t *err)
{
    (void)trust;
    int rc = parse_device_fields(o, d, err);
    if (rc < 0)
        return rc;
    json_t *did = json_object_get(o, "digitalId");
    if (!json_is_string(did))
        return err_set(err, -EINVAL, "sbi_malformed", "digitalId missing");
    const char *s = json_string_value(did);
    const char *d1 = strchr(s, '.');
    json_t *dj = d1 ? NULL : decode_json_object(s, json_string_length(did));
    if (d1) {
        const char *d2 = strchr(d1 + 1, '.');
        if (d2)
            dj = decode_json_object(d1 + 1, (size_t)(d2 - d1 - 1));
    }
    if (!dj)
        return err_set(err, -EINVAL, "sbi_malformed", "digitalId is not base64url JSON");
    rc = parse_digital_id_obj(dj, &d->digital_id, err);
    json_decref(dj);
    return rc;
}

int sbi_parse_discover(const char *buf, size_t len, struct sbi_device *ret, size_t cap, size_t *ret_n, err_t *err)
{
    return parse_device_array(buf, len, NULL, discover_entry, ret, cap, ret_n, err);
}

/* One MOSIPDINFO entry: deviceInfo and the digitalId inside it are JWS by
 * the same trusted key, or (a device not registered yet) both unsigned. */
static int info_entry(json_t *o, const struct sbi_trust *trust, struct sbi_device *d, err_t *err)
{
    json_t *info = NULL, *did = NULL;
    json_t *di = json_object_get(o, "deviceInfo");
    if (!json_is_string(di))
        return err_set(err, -EINVAL, "sbi_malformed", "deviceInfo missing");
    const char *tok = json_string_value(di);
    int rc = 0;
    if (strchr(tok, '.')) {
        if ((rc = jws_verify(tok, trust, "deviceInfo", &info, d->kid, err)) < 0)
            return rc;
        d->is_signed = true;
    } else if (!(info = decode_json_object(tok, json_string_length(di)))) {
        return err_set(err, -EINVAL, "sbi_malformed", "deviceInfo is not base64url JSON");
    }
    rc = parse_device_fields(info, d, err);
    if (rc == 0 && !d->is_signed && d->status != SBI_STATUS_NOT_REGISTERED)
        rc = err_set(err, -EACCES, "sbi_unsigned", "deviceInfo of a registered device is not signed");
    json_t *ds = rc == 0 ? json_object_get(info, "digitalId") : NULL;
    if (rc == 0 && !json_is_string(ds))
        rc = err_set(err, -EINVAL, "sbi_malformed", "digitalId missing");
    if (rc == 0 && d->is_signed) {
        char kid[SBI_KID_LEN + 1];
        rc = jws_verify(json_string_value(ds), trust, "digitalId", &did, kid, err);
        if (rc == 0 && strcmp(kid, d->kid) != 0)
            rc = err_set(err, -EACCES, "sbi_wrong_device", "digitalId signed by another key than deviceInfo");
    } else if (rc == 0 && !(did = decode_json_object(json_string_value(ds), json_string_length(ds))))
        rc = err_set(err, -EINVAL, "sbi_malformed", "digitalId is not base64url JSON");
    if (rc == 0)
        rc = parse_digital_id_obj(did, &d->digital_id, err);
    json_decref(info);
    json_decref(did);
    return rc;
}

int sbi_parse_info(const char *buf, size_t len, const struct sbi_trust *trust, struct sbi_device *ret, size_t cap,
    size_t *ret_n, err_t *err)
{
    return parse_device_array(buf, len, trust, info_entry, ret, cap, ret_n, err);
}

int sbi_device_usable(const struct sbi_device *d, const char *type, err_t *err)
{
    static const char *const names[] = {"Ready", "Busy", "Not Ready", "Not Registered"};
    if (d->status != SBI_STATUS_READY)
        return err_set(err, -EAGAIN, "sbi_device_not_ready", "the device is %s", names[d->status]);
    if (!d->is_signed)
        return err_set(err, -EACCES, "sbi_unsigned", "the device's info is not signed");
    if (strcmp(d->certification, "L1") != 0 && strcmp(d->certification, "L2") != 0)
        return err_set(err, -EACCES, "sbi_not_certified", "the device is not certified L1");
    if (strcmp(d->purpose, "Registration") != 0)
        return err_set(err, -EACCES, "sbi_not_certified", "the device is not a registration device");
    if (type && strcmp(d->digital_id.type, type) != 0)
        return err_set(err, -EINVAL, "sbi_wrong_device", "expected a %s device", type);
    return 0;
}

/* ---- RCAPTURE ---- */

void sbi_capture_free(struct sbi_capture *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nbio; i++)
        free(c->bio[i].value);
    free(c->bio);
    free(c->slap_value);
    memset(c, 0, sizeof *c);
}

/* The signed digitalId inside a capture payload: verified, same key. */
static int capture_digital_id(
    const json_t *payload, const struct sbi_trust *trust, const char *kid, struct sbi_digital_id *ret, err_t *err)
{
    json_t *ds = json_object_get(payload, "digitalId"), *did = NULL;
    if (!json_is_string(ds))
        return err_set(err, -EINVAL, "sbi_malformed", "capture has no digitalId");
    char k2[SBI_KID_LEN + 1];
    int rc = jws_verify(json_string_value(ds), trust, "digitalId", &did, k2, err);
    if (rc < 0)
        return rc;
    if (strcmp(k2, kid) != 0)
        rc = err_set(err, -EACCES, "sbi_wrong_device", "digitalId signed by another key than the capture");
    else
        rc = parse_digital_id_obj(did, ret, err);
    json_decref(did);
    return rc;
}

static int bio_value(const json_t *o, const char *key, unsigned char **ret, size_t *ret_len, err_t *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return err_set(err, -EINVAL, "sbi_bad_bio_value", "%s missing or empty", key);
    int rc = b64url_decode_flags(json_string_value(v), json_string_length(v), B64URL_PAD_OPTIONAL, ret, ret_len, NULL);
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0 || *ret_len == 0) {
        if (rc == 0)
            free(*ret);
        return err_set(err, -EINVAL, "sbi_bad_bio_value", "%s is not base64url", key);
    }
    return 0;
}

static const char *image_kind_name(iso_image_kind_t k)
{
    switch (k) {
        case ISO_IMG_JP2: return "JPEG 2000";
        case ISO_IMG_WSQ: return "WSQ";
        case ISO_IMG_JPEG: return "JPEG";
        case ISO_IMG_PNG: return "PNG";
        default: return "uncompressed";
    }
}

/* A JPEG 2000 image (bio/jp2) as the PNG uchet keeps: the decoded pixels,
 * stored losslessly (for a lossless JPEG 2000 the very pixels the device
 * encoded; for a lossy one what it decodes to). Replaces *value; writes the
 * image's SHA-256 to sha.
 *
 * Why reusing a PNG of x->decoded is sound: the PNG is jp2_decode (whole
 * image, channels as held) then raster_encode_png of im's bytes and of
 * nothing else, so equal bytes - equal SHA-256 - give the very same PNG; the
 * signatures and the chain over the record as sent are checked before this,
 * exactly as without reuse, and the header is still checked against the
 * limits (jp2_info), so a capture refused now is refused with or without a
 * decoded copy. What is skipped is only recomputing a result already known. */
static int jp2_to_png(unsigned char **value, size_t *len, const iso_image_t *im, const struct sbi_expect *x,
    const char *what, unsigned char sha[32], err_t *err)
{
    raster_t *r = NULL;
    err_t e = {0};
    crypto_hash_sha256(sha, im->data, im->len);
    for (size_t i = 0; x->decoded && i < x->ndecoded; i++) {
        if (sodium_memcmp(x->decoded[i].jp2_sha256, sha, 32) != 0)
            continue;
        jp2_info_t info;
        int rc = jp2_info(im->data, im->len, &info, &e);
        if (rc == -ERANGE)
            return err_set(err, -E2BIG, "sbi_too_large", "%s: %s", what, e.msg);
        if (rc < 0)
            return err_set(
                err, -EINVAL, "sbi_bad_bio_value", "%s: the JPEG 2000 image inside the record: %s", what, e.msg);
        uint8_t *png = malloc(x->decoded[i].png_len ? x->decoded[i].png_len : 1);
        if (!png)
            return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
        memcpy(png, x->decoded[i].png, x->decoded[i].png_len);
        free(*value);
        *value = png;
        *len = x->decoded[i].png_len;
        return 0;
    }
    int rc = jp2_decode(im->data, im->len, 0, &r, &e);
    if (rc == -ENOMEM)
        return err_set(err, rc, "out_of_memory", "out of memory");
    if (rc == -ERANGE)
        return err_set(err, -E2BIG, "sbi_too_large", "%s: %s", what, e.msg);
    if (rc < 0)
        return err_set(err, -EINVAL, "sbi_bad_bio_value", "%s: the JPEG 2000 image inside the record: %s", what, e.msg);
    uint8_t *png = NULL;
    size_t n = 0;
    rc = raster_encode_png(r, &png, &n);
    raster_free(r);
    if (rc < 0)
        return err_set(err, rc, "out_of_memory", "%s: cannot keep the image as PNG", what);
    free(*value);
    *value = png;
    *len = n;
    return 0;
}

/* A finger, palm or face bioValue is an ISO/IEC 19794 record (part 4 for
 * fingers, slaps and palms, part 5 for faces); the rest of uchet works on the
 * image inside it. Checks the record - its modality, its position when one
 * is expected (want_pos, 0: any), a PNG or JPEG 2000 image - and replaces
 * *value with that image as PNG: a PNG cut out in place, a JPEG 2000 decoded
 * (jp2_to_png). `what` names the capture in the message. The hash chain is
 * checked on the record as sent, before this. */
static int iso_unwrap(unsigned char **value, size_t *len, iso_modality_t want, uint8_t want_pos, const char *what,
    const struct sbi_expect *x, bool *from_jp2, unsigned char sha[32], err_t *err)
{
    iso_image_t im;
    err_t e = {0};
    if (iso19794_read(*value, *len, &im, &e) < 0)
        return err_set(err, -EINVAL, "sbi_bad_bio_value", "%s: %s", what, e.msg);
    if (im.modality != want)
        return err_set(err, -EINVAL, "sbi_bad_bio_value", "%s: a %s record where a %s one belongs", what,
            im.modality == ISO_FACE ? "face" : "finger", want == ISO_FACE ? "face" : "finger");
    if (want_pos && im.position != want_pos)
        return err_set(err, -EINVAL, "sbi_bad_bio_value", "%s: the record holds position %u, not %u", what,
            (unsigned)im.position, (unsigned)want_pos);
    /* the transaction keeps images lossless (kiosk_build.c): PNG as sent, or
     * JPEG 2000 decoded and kept as PNG; no WSQ decoder is packaged in Debian */
    if (im.kind == ISO_IMG_JP2) {
        int rc = jp2_to_png(value, len, &im, x, what, sha, err);
        *from_jp2 = rc == 0;
        return rc;
    }
    if (im.kind != ISO_IMG_PNG)
        return err_set(err, -EINVAL, "sbi_image_format",
            "%s: the image inside the record is %s; uchet takes PNG or JPEG 2000%s", what, image_kind_name(im.kind),
            im.kind == ISO_IMG_WSQ ? " (no WSQ decoder is packaged in Debian)" : "");
    memmove(*value, im.data, im.len);
    *len = im.len;
    return 0;
}

/* The record expected for an entry of bioType b->bio_type, if any. */
static int bio_unwrap(struct sbi_bio *b, size_t i, const struct sbi_expect *x, err_t *err)
{
    bool face = strcmp(b->bio_type, "Face") == 0;
    if (!face && strcmp(b->bio_type, "Finger") != 0 && strcmp(b->bio_type, "Palm") != 0)
        return 0; /* a document page or a signature: our own extensions, a plain image */
    char what[48];
    snprintf(what, sizeof what, "capture %zu", i + 1);
    return iso_unwrap(&b->value, &b->value_len, face ? ISO_FACE : ISO_FINGER,
        face ? 0 : iso19794_position_of(b->bio_sub_type), what, x, &b->from_jp2, b->jp2_sha256, err);
}

static int capture_slap(const json_t *top, const struct sbi_expect *x, struct sbi_capture *c, err_t *err)
{
    json_t *co = json_object_get(top, "customOpts");
    if (!co || json_is_null(co))
        return 0;
    if (!json_is_object(co))
        return err_set(err, -EINVAL, "sbi_malformed", "customOpts is not an object");
    json_t *slap = json_object_get(co, "slap");
    if (!slap)
        return 0;
    if (!json_is_string(slap))
        return err_set(err, -EINVAL, "sbi_malformed", "customOpts.slap is not a JWS");
    json_t *p = NULL;
    char kid[SBI_KID_LEN + 1], txn[SBI_TEXT];
    int rc = jws_verify(json_string_value(slap), x->trust, "the slap image", &p, kid, err);
    if (rc < 0)
        return rc;
    if (c->kid[0] && strcmp(kid, c->kid) != 0)
        rc = err_set(err, -EACCES, "sbi_wrong_device", "slap image signed by another key");
    if (rc == 0 && (rc = get_text(p, "transactionId", true, txn, err)) == 0 && strcmp(txn, x->transaction_id) != 0)
        rc = err_set(err, -EINVAL, "sbi_wrong_transaction", "slap image of another transaction");
    json_t *sub = json_object_get(p, "deviceSubId");
    if (rc == 0 && (!json_is_integer(sub) || json_integer_value(sub) < 1 || json_integer_value(sub) > 3))
        rc = err_set(err, -EINVAL, "sbi_malformed", "slap deviceSubId is not 1..3");
    json_t *segs = json_object_get(p, "segments");
    if (rc == 0 && (!json_is_array(segs) || json_array_size(segs) > SBI_MAX_SEGMENTS))
        rc = err_set(err, -EINVAL, "sbi_malformed", "slap segments is not a list of at most 4 boxes");
    for (size_t i = 0; rc == 0 && i < json_array_size(segs); i++) {
        json_t *s = json_array_get(segs, i);
        struct sbi_segment *g = &c->segments[i];
        if (!json_is_object(s)) {
            rc = err_set(err, -EINVAL, "sbi_malformed", "slap segment is not an object");
            break;
        }
        if ((rc = get_text(s, "bioSubType", true, g->bio_sub_type, err)) < 0)
            break;
        const char *k[] = {"left", "right", "top", "bottom"};
        int *dst[] = {&g->left, &g->right, &g->top, &g->bottom};
        for (int j = 0; j < 4 && rc == 0; j++) {
            json_t *v = json_object_get(s, k[j]);
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
                rc = err_set(err, -EINVAL, "sbi_malformed", "slap segment %s is not 0..65535", k[j]);
            else
                *dst[j] = (int)json_integer_value(v);
        }
        if (rc == 0 && (g->left >= g->right || g->top >= g->bottom))
            rc = err_set(err, -EINVAL, "sbi_malformed", "slap segment box is empty");
    }
    if (rc == 0)
        rc = bio_value(p, "bioValue", &c->slap_value, &c->slap_value_len, err);
    if (rc == 0) {
        static const uint8_t slap_pos[4] = {0, 14, 13, 15}; /* deviceSubId 1 left four, 2 right four, 3 thumbs */
        rc = iso_unwrap(&c->slap_value, &c->slap_value_len, ISO_FINGER, slap_pos[json_integer_value(sub)],
            "the slap image", x, &c->slap_from_jp2, c->slap_jp2_sha256, err);
    }
    if (rc == 0) {
        c->has_slap = true;
        c->slap_sub_id = (int)json_integer_value(sub);
        c->nsegments = json_array_size(segs);
    }
    json_decref(p);
    return rc;
}

int sbi_parse_capture(const char *buf, size_t len, const struct sbi_expect *x, struct sbi_capture *ret, err_t *err)
{
    if (!x || !x->trust || !x->transaction_id)
        return err_set(err, -EINVAL, "sbi_malformed", "capture verification needs a trust store and a transaction");
    if (len > LIMIT_SBI_RESPONSE_BYTES)
        return err_set(err, -E2BIG, "sbi_too_large", "device answer over %d bytes", LIMIT_SBI_RESPONSE_BYTES);
    char prev[SBI_HASH_HEX + 1] = "";
    if (x->previous_hash && *x->previous_hash) {
        unsigned char tmp[32];
        if (hex32(x->previous_hash, tmp) < 0)
            return err_set(err, -EINVAL, "sbi_malformed", "previous hash is not 64 hex digits");
        memcpy(prev, x->previous_hash, SBI_HASH_HEX + 1);
    }
    json_t *top = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(top)) {
        json_decref(top);
        return err_set(err, -EINVAL, "sbi_malformed", "capture answer is not a JSON object");
    }
    json_t *arr = json_object_get(top, "biometrics");
    int rc = 0;
    struct sbi_capture c = {0};
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        rc = err_set(err, -EINVAL, "sbi_malformed", "capture answer has no biometrics");
    else if (json_array_size(arr) > LIMIT_SBI_BIOMETRICS)
        rc = err_set(err, -E2BIG, "sbi_too_large", "more than %d biometrics in one capture", LIMIT_SBI_BIOMETRICS);
    else if (!(c.bio = calloc(json_array_size(arr), sizeof *c.bio)))
        rc = -ENOMEM;
    size_t nalloc = c.bio ? json_array_size(arr) : 0;
    for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i), *p = NULL;
        struct sbi_bio *b = &c.bio[i];
        long code;
        char info[SBI_TEXT], kid[SBI_KID_LEN + 1], txn[SBI_TEXT], purpose[SBI_TEXT], hash[SBI_TEXT];
        struct sbi_digital_id did;
        if (!json_is_object(e)) {
            rc = err_set(err, -EINVAL, "sbi_malformed", "biometrics entry is not an object");
            break;
        }
        if ((rc = get_error(e, &code, info, err)) < 0)
            break;
        if (code != 0) {
            rc = device_error(code, info, err);
            break;
        }
        json_t *data = json_object_get(e, "data");
        if (!json_is_string(data) || json_string_length(data) == 0) {
            rc = err_set(err, -EACCES, "sbi_unsigned", "capture %zu has no signed data", i + 1);
            break;
        }
        if ((rc = get_text(e, "hash", true, hash, err)) < 0)
            break;
        if ((rc = jws_verify(json_string_value(data), x->trust, "capture data", &p, kid, err)) < 0)
            break;
        if (i == 0)
            memcpy(c.kid, kid, sizeof kid);
        else if (strcmp(kid, c.kid) != 0)
            rc = err_set(err, -EACCES, "sbi_wrong_device", "captures signed by different device keys");
        if (rc == 0)
            rc = capture_digital_id(p, x->trust, kid, &did, err);
        if (rc == 0 && i == 0)
            memcpy(c.serial_no, did.serial_no, sizeof did.serial_no);
        if (rc == 0 &&
            (strcmp(did.serial_no, c.serial_no) != 0 || (x->serial_no && strcmp(did.serial_no, x->serial_no) != 0)))
            rc = err_set(err, -EACCES, "sbi_wrong_device", "capture from another device than expected");
        if (rc == 0 && (rc = get_text(p, "transactionId", true, txn, err)) == 0 && strcmp(txn, x->transaction_id) != 0)
            rc = err_set(err, -EINVAL, "sbi_wrong_transaction", "capture of another transaction");
        if (rc == 0 && (rc = get_text(p, "purpose", false, purpose, err)) == 0 && purpose[0] &&
            strcmp(purpose, "Registration") != 0)
            rc = err_set(err, -EACCES, "sbi_not_certified", "capture made for another purpose");
        if (rc == 0)
            rc = get_text(p, "bioType", true, b->bio_type, err);
        if (rc == 0 && x->bio_type && strcmp(b->bio_type, x->bio_type) != 0)
            rc = err_set(err, -EINVAL, "sbi_wrong_device", "capture %zu is not a %s capture", i + 1, x->bio_type);
        if (rc == 0)
            rc = get_text(p, "bioSubType", false, b->bio_sub_type, err);
        if (rc == 0)
            rc = get_text(p, "timestamp", false, b->timestamp, err);
        if (rc == 0)
            rc = get_score(p, "qualityScore", -1, &b->quality, err);
        if (rc == 0 && b->quality < 0)
            rc = err_set(err, -EINVAL, "sbi_malformed", "capture %zu has no qualityScore", i + 1);
        if (rc == 0)
            rc = get_score(p, "requestedScore", -1, &b->requested, err);
        if (rc == 0)
            rc = bio_value(p, "bioValue", &b->value, &b->value_len, err);
        json_decref(p);
        if (rc < 0)
            break;
        /* the chain: this capture's hash must follow from the previous one */
        char want[SBI_HASH_HEX + 1];
        unsigned char got_raw[32], want_raw[32];
        sbi_chain_next(prev, b->value, b->value_len, want);
        if (hex32(hash, got_raw) < 0 || hex32(want, want_raw) < 0 || sodium_memcmp(got_raw, want_raw, 32) != 0) {
            rc = err_set(err, -EACCES, "sbi_hash_mismatch",
                "capture %zu breaks the hash chain (reordered, altered or not of this session)", i + 1);
            break;
        }
        memcpy(b->hash, want, sizeof want);
        memcpy(prev, want, sizeof want);
        c.nbio = i + 1;
        if ((rc = bio_unwrap(b, i, x, err)) < 0)
            break;
    }
    if (rc == 0)
        rc = capture_slap(top, x, &c, err);
    json_decref(top);
    if (rc < 0) {
        c.nbio = nalloc; /* unset entries are zeroed: free() of NULL */
        sbi_capture_free(&c);
        return rc;
    }
    memcpy(c.last_hash, prev, sizeof prev);
    snprintf(c.transaction_id, sizeof c.transaction_id, "%s", x->transaction_id);
    *ret = c;
    return 0;
}
