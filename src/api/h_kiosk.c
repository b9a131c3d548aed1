/* /api/v1/kiosk/… — the enrolment kiosk (docs/ENROLMENT.md).
 *
 * A kiosk authenticates with its key (`Authorization: Kiosk KEY`, made by
 * `uchetctl kiosk add`). It opens a session, records the steps (document
 * check, typed details, each capture as the device's raw SBI answer, the
 * signature) and submits. Every op runs on the SLOW lane: SBI verification,
 * decryption and encryption are CPU work that must not sit on an event loop,
 * and the files are written (fsync) outside any database transaction.
 *
 * Image bytes exist in three places only: the request, the op's memory, and
 * files encrypted with bio/vault (the session spool, <dir>/sessions/<id>.<kind>
 * and <id>.<kind>.decoded, and the submitted transaction, <dir>/<id>.an2k). The database holds step
 * results and typed details; nothing here logs. */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/handlers.h"
#include "api/kiosk_build.h"
#include "api/kiosk.h"
#include "api/kiosk_wipe.h"
#include "api/printed.h"
#include "api/qr.h"
#include "base/be.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "bio/sbi.h"
#include "bio/sigcheck.h"
#include "bio/vault.h"
#ifdef UCHET_HAVE_BIO_QUALITY
#include "bio/fpquality.h"
#include "bio/raster.h"
#endif
#ifdef UCHET_HAVE_FACECHECK
#include "bio/facecheck.h"
#endif
#include "docs/icao_codes.h"
#include "docs/mrz.h"
#ifdef UCHET_HAVE_OCR
#include "docs/ocr.h"
#endif
#include "rules/date.h"
#include "store/kiosk.h"
#include "store/region.h"

/* ------------------------------------------------------------ environment */

int kiosk_env_open(const config_t *c, kiosk_env_t **ret, err_t *err)
{
    *ret = NULL;
    if (!c->enrolment_dir[0])
        return 0;
    if (!c->enrolment_key_file[0] || !c->sbi_trust_dir[0])
        return err_set(err, -EINVAL, "bad_config",
            "enrolment_dir needs enrolment_key_file and sbi_trust_dir (docs/ENROLMENT.md).");
    kiosk_env_t *k = calloc(1, sizeof *k);
    if (!k)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    snprintf(k->dir, sizeof k->dir, "%s", c->enrolment_dir);
    snprintf(k->spool, sizeof k->spool, "%s/sessions", c->enrolment_dir);
    k->idle_s = c->kiosk_idle_seconds;
    k->min_quality = c->kiosk_min_quality;
    int r = 0;
    if ((mkdir(k->dir, 0700) < 0 && errno != EEXIST) || (mkdir(k->spool, 0700) < 0 && errno != EEXIST))
        r = err_set(err, -EIO, "bad_config", "The enrolment directory %s cannot be created.", k->dir);
    if (r == 0)
        r = vault_keys_load(c->enrolment_key_file, &k->keys, err);
    if (r == 0)
        r = sbi_trust_load_dir(c->sbi_trust_dir, &k->trust, err);
    pthread_mutex_init(&k->face_lock, NULL);
#ifdef UCHET_HAVE_FACECHECK
    if (r == 0)
        r = face_detector_open(NULL, &k->faces, err);
#endif
    if (r < 0) {
        kiosk_env_free(k);
        return r;
    }
    *ret = k;
    return 0;
}

void kiosk_env_free(kiosk_env_t *k)
{
    if (!k)
        return;
    vault_keys_wipe(&k->keys);
#ifdef UCHET_HAVE_FACECHECK
    face_detector_free(k->faces);
#endif
    pthread_mutex_destroy(&k->face_lock);
    free(k);
}

/* ------------------------------------------------------------ steps */

enum step_kind {
    STEP_DOCUMENT = 0,
    STEP_DETAILS,
    STEP_SIGNATURE,
    STEP_FACE,
    STEP_SLAP_LEFT,
    STEP_SLAP_RIGHT,
    STEP_THUMBS,
    STEP_PALM_LEFT,
    STEP_PALM_RIGHT,
    STEP_COUNT
};

typedef struct capture_kind {
    const char *name;      /* path segment and steps key */
    const char *bio_type;  /* SBI bioType */
    const char *expect[4]; /* bioSubTypes the capture holds without exceptions */
    int nexpect;
    int sub_id;        /* slaps: deviceSubId of the slap extension */
    const char *retry; /* what the person does about low quality */
} capture_kind_t;

static const capture_kind_t KINDS[STEP_COUNT] = {
    [STEP_DOCUMENT] = {"document", NULL, {0}, 0, 0, NULL},
    [STEP_DETAILS] = {"details", NULL, {0}, 0, 0, NULL},
    [STEP_SIGNATURE] = {"signature", NULL, {0}, 0, 0, NULL},
    [STEP_FACE] = {"face", "Face", {""}, 1, 0, "Look straight at the camera, move a little closer and keep still."},
    [STEP_SLAP_LEFT] = {"slap-left", "Finger",
        {"Left IndexFinger", "Left MiddleFinger", "Left RingFinger", "Left LittleFinger"}, 4, 1,
        "Press the four fingers of your left hand flatter on the glass and hold still."},
    [STEP_SLAP_RIGHT] = {"slap-right", "Finger",
        {"Right IndexFinger", "Right MiddleFinger", "Right RingFinger", "Right LittleFinger"}, 4, 2,
        "Press the four fingers of your right hand flatter on the glass and hold still."},
    [STEP_THUMBS] = {"thumbs", "Finger", {"Left Thumb", "Right Thumb"}, 2, 3,
        "Press both thumbs flat on the glass and hold still."},
    [STEP_PALM_LEFT] = {"palm-left", "Palm", {"Left Palm"}, 1, 0, "Lay your whole left hand flat on the glass."},
    [STEP_PALM_RIGHT] = {"palm-right", "Palm", {"Right Palm"}, 1, 0, "Lay your whole right hand flat on the glass."},
};

static int kind_of(h2o_iovec_t seg)
{
    for (int i = STEP_FACE; i < STEP_COUNT; i++)
        if (h2o_memis(seg.base, seg.len, KINDS[i].name, strlen(KINDS[i].name)))
            return i;
    return -1;
}

/* ------------------------------------------------------------ the op */

typedef enum { K_CREATE, K_GET, K_DELETE, K_STEP, K_SUBMIT, K_STATUS } kaction_t;

typedef struct kop {
    store_op_t op;
    const kiosk_env_t *env; /* borrowed */
    kaction_t action;
    int kind; /* K_STEP: enum step_kind */
    uint8_t key_hash[SECRET_HASH_BYTES];
    int64_t now;
    char sid[KIOSK_SESSION_ID_CHARS + 1];
    char *body; /* owned copy of the request body */
    size_t body_len;
    char receipt[KIOSK_RECEIPT_CHARS + 1]; /* K_STATUS */
    char birth_date[11];                   /* K_STATUS */
    /* results */
    int ret_status; /* 2xx on success */
    json_t *ret;    /* the answer, or a problem's extension members */
} kop_t;

static void kop_free_inputs(kop_t *o)
{
    if (o->body) {
        sodium_memzero(o->body, o->body_len);
        free(o->body);
        o->body = NULL;
    }
}

/* A problem with extension members: rc from err_set, ext kept for the reply. */
static int fail_ext(kop_t *o, json_t *ext, int rc, const char *code, const char *msg)
{
    json_decref(o->ret);
    o->ret = ext;
    return err_set(&o->op.err, rc, code, "%s", msg);
}

#define SPOOL_NAME_BYTES 80 /* <sid>.<kind>.decoded and its NUL, with room */
#define SPOOL_DECODED ".decoded"

/* The one place a spool file's name is made: session o->sid's file of step
 * kind, <sid>.<kind> (suffix "": what the step keeps) or <sid>.<kind>.decoded
 * (suffix SPOOL_DECODED: the PNGs its capture decoded to, below).
 * spool_name writes the name within the spool (what vault_write takes),
 * spool_path the whole path (what vault_read and unlink take). */
static void spool_name(const kop_t *o, int kind, const char *suffix, char buf[SPOOL_NAME_BYTES])
{
    snprintf(buf, SPOOL_NAME_BYTES, "%s.%s%s", o->sid, KINDS[kind].name, suffix);
}

static void spool_path(const kop_t *o, int kind, const char *suffix, char *buf, size_t cap)
{
    char name[SPOOL_NAME_BYTES];
    spool_name(o, kind, suffix, name);
    snprintf(buf, cap, "%s/%s", o->env->spool, name);
}

/* The PNGs a capture's JPEG 2000 images were decoded to (bio/sbi.h,
 * struct sbi_decoded), spooled beside the capture as <sid>.<kind>.decoded so
 * that submit, which verifies the capture again over the bytes as sent, does
 * not decode them again (a slap about 0.5 s of CPU). Per image: its
 * JPEG 2000's SHA-256 (32 bytes), the PNG's length (4 bytes, big-endian), the
 * PNG. Sealed by bio/vault like the capture itself, so only uchetd writes
 * one that opens - and whoever holds the vault key could as well rewrite the
 * transaction submit seals under it. */
#define DECODED_MAX (LIMIT_SBI_BIOMETRICS + 1) /* the entries and the slap */

/* c's decoded images packed into *ret (caller frees; NULL and 0 when c
 * holds no JPEG 2000). 0 or -ENOMEM. */
static int decoded_pack(const struct sbi_capture *c, uint8_t **ret, size_t *ret_len)
{
    const unsigned char *sha[DECODED_MAX], *png[DECODED_MAX];
    size_t len[DECODED_MAX], n = 0, total = 0;
    for (size_t i = 0; i < c->nbio && n < DECODED_MAX; i++)
        if (c->bio[i].from_jp2) {
            sha[n] = c->bio[i].jp2_sha256, png[n] = c->bio[i].value, len[n++] = c->bio[i].value_len;
        }
    if (c->slap_from_jp2 && n < DECODED_MAX)
        sha[n] = c->slap_jp2_sha256, png[n] = c->slap_value, len[n++] = c->slap_value_len;
    *ret = NULL;
    *ret_len = 0;
    for (size_t i = 0; i < n; i++) {
        if (len[i] > UINT32_MAX)
            return 0; /* cannot be: the raster limits keep a PNG far smaller; then submit decodes */
        total += 36 + len[i];
    }
    if (n == 0)
        return 0;
    uint8_t *out = malloc(total), *p = out;
    if (!out)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        memcpy(p, sha[i], 32);
        p = be32_put(p + 32, (uint32_t)len[i]);
        memcpy(p, png[i], len[i]);
        p += len[i];
    }
    *ret = out;
    *ret_len = total;
    return 0;
}

/* buf (decoded_pack's form) as entries pointing into it; -EINVAL when it is
 * not that form. */
static int decoded_unpack(const uint8_t *buf, size_t len, struct sbi_decoded *ret, size_t *ret_n)
{
    size_t n = 0, at = 0;
    while (at < len) {
        if (n == DECODED_MAX || len - at < 36)
            return -EINVAL;
        const uint8_t *p = buf + at;
        size_t sz = be32_get(p + 32);
        if (sz > len - at - 36)
            return -EINVAL;
        memcpy(ret[n].jp2_sha256, p, 32);
        ret[n].png = p + 36;
        ret[n++].png_len = sz;
        at += 36 + sz;
    }
    *ret_n = n;
    return 0;
}

/* Authenticates the kiosk and loads its open session in one statement,
 * with no read transaction around it: *ret_s on success, caller frees
 * ret_s->steps. When that statement sees a session idle too long (any
 * kiosk's, this one too), the idle ones are wiped first and the session
 * read again: no request ever works on data that should be gone. */
static int load_open(db_t *db, kop_t *o, kiosk_session_t *ret_s)
{
    kiosk_session_t s = {0};
    bool idle = false;
    int64_t cutoff = o->now - o->env->idle_s;
    int r = kiosk_session_load(db, o->key_hash, o->sid, cutoff, &s, &idle, &o->op.err);
    if (r == 0 && idle) {
        free(s.steps);
        s = (kiosk_session_t){0};
        if ((r = kiosk_wipe_idle(db, o->env, o->now, NULL, &o->op.err)) == 0)
            r = kiosk_session_load(db, o->key_hash, o->sid, cutoff, &s, &idle, &o->op.err);
    }
    if (r < 0)
        return r;
    if (strcmp(s.state, "open") != 0) {
        free(s.steps);
        if (!strcmp(s.state, "wiped"))
            return err_set(&o->op.err, -ENOENT, "session_expired",
                "The session was abandoned or idle too long; its data is deleted. Start again.");
        return err_set(&o->op.err, -EEXIST, "session_submitted", "The session was submitted already.");
    }
    *ret_s = s;
    return 0;
}

/* Saves the session's new steps JSON and chain value, if the chain value is
 * still expect_prev. */
static int save_step(db_t *db, kop_t *o, const kiosk_session_t *s, const char *expect_prev)
{
    int r = db_begin_write(db, &o->op.err);
    if (r < 0)
        return r;
    r = kiosk_session_step(db, s, expect_prev, KINDS[o->kind].name, o->now, &o->op.err);
    if (r == 0)
        r = db_commit(db, &o->op.err);
    if (r < 0)
        db_rollback(db);
    return r;
}

/* ------------------------------------------------------------ validation */

static bool latin_name_ok(const char *s, bool required)
{
    size_t n = strlen(s);
    if (n == 0)
        return !required;
    if (n > 39 || s[0] < 'A' || s[0] > 'Z')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == ' ' || s[i] == '-' || s[i] == '\''))
            return false;
    return true;
}

static bool docnum_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > LIMIT_DOCNUM_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* A name in its original script: 1..LIMIT_NAME_BYTES bytes (jsonx refuses
 * control characters; jansson checked UTF-8). */
static int text_field(const json_t *b, const char *key, bool required, char *dst, size_t cap, err_t *e)
{
    const char *s = NULL;
    int r = jsonx_string(b, key, required, required ? 1 : 0, LIMIT_NAME_BYTES, &s, e);
    if (r < 0)
        return r;
    snprintf(dst, cap, "%s", s ? s : "");
    return 0;
}

static int date_field(const json_t *b, const char *key, char *dst, date_t *ret, err_t *e)
{
    const char *s;
    int r = jsonx_string(b, key, true, 10, 10, &s, e);
    if (r < 0)
        return r;
    if (date_parse(s, 10, ret) < 0)
        return err_set(e, -EINVAL, "invalid_date", "%s must be a date YYYY-MM-DD.", key);
    memcpy(dst, s, 11);
    return 0;
}

/* Germany's code is "D" as the document check answers it (fillers
 * stripped) and "D<<" as printed in the zone: both are known, and ret
 * (4 bytes) gets the letters only, which is what ANSI/NIST's country
 * fields take. */
static bool citizenship_known(const char *code, char ret[4])
{
    char padded[4] = "<<<", letters[4] = "";
    size_t n = strlen(code), k = 0;
    memcpy(padded, code, n < 3 ? n : 3);
    for (size_t i = 0; i < 3 && padded[i] != '<'; i++)
        letters[k++] = padded[i];
    letters[k] = '\0';
    if (!icao_codes_known(padded) || k == 0)
        return false;
    memcpy(ret, letters, k + 1);
    return true;
}

/* The typed details, strictly (docs/ENROLMENT.md). */
static int parse_details(const json_t *b, int64_t now, kiosk_details_t *d, err_t *e)
{
    static const char *const fields[] = {"surname", "given_names", "surname_latin", "given_names_latin", "birth_date",
        "sex", "citizenship", "document_number", "document_expiry", "language", NULL};
    const char *s;
    date_t birth, expiry, today = date_local(now, REGION_DEFAULT_UTC_OFFSET_MIN);
    int r = jsonx_only_fields(b, fields, e);
    if (r == 0)
        r = text_field(b, "surname", true, d->surname, sizeof d->surname, e);
    if (r == 0)
        r = text_field(b, "given_names", false, d->given_names, sizeof d->given_names, e);
    if (r == 0)
        r = text_field(b, "surname_latin", true, d->surname_latin, sizeof d->surname_latin, e);
    if (r == 0)
        r = text_field(b, "given_names_latin", false, d->given_latin, sizeof d->given_latin, e);
    if (r == 0 && (!latin_name_ok(d->surname_latin, true) || !latin_name_ok(d->given_latin, false)))
        r = err_set(e, -EINVAL, "invalid_latin_name",
            "Latin names are A-Z, space, '-' and apostrophe, at most 39, as in the passport.");
    if (r == 0)
        r = date_field(b, "birth_date", d->birth_date, &birth, e);
    if (r == 0 && (birth > today || birth < date_from_ymd(1900, 1, 1)))
        r = err_set(e, -EINVAL, "invalid_birth_date", "The birth date must be in the past.");
    if (r == 0)
        r = jsonx_string(b, "sex", true, 1, 1, &s, e);
    if (r == 0 && strcmp(s, "M") && strcmp(s, "F") && strcmp(s, "X"))
        r = err_set(e, -EINVAL, "invalid_sex", "sex is M, F or X.");
    if (r == 0)
        snprintf(d->sex, sizeof d->sex, "%s", s);
    if (r == 0)
        r = jsonx_string(b, "citizenship", true, 1, 3, &s, e);
    if (r == 0 && !citizenship_known(s, d->citizenship))
        r = err_set(e, -EINVAL, "invalid_citizenship", "citizenship must be an ICAO 9303 code such as TJK.");
    if (r == 0)
        r = jsonx_string(b, "document_number", true, 1, LIMIT_DOCNUM_BYTES, &s, e);
    if (r == 0 && !docnum_ok(s))
        r = err_set(e, -EINVAL, "invalid_document_number", "The document number is A-Z and 0-9 only.");
    if (r == 0)
        snprintf(d->doc_number, sizeof d->doc_number, "%s", s);
    if (r == 0)
        r = date_field(b, "document_expiry", d->doc_expiry, &expiry, e);
    if (r == 0 && expiry < today)
        r = err_set(e, -EINVAL, "document_expired", "The document has expired.");
    /* optional: the kiosk language, for the activation letter's second page */
    if (r == 0 && json_object_get(b, "language") && (r = jsonx_string(b, "language", true, 2, 2, &s, e)) == 0) {
        if (!printed_kiosk_language(s))
            r = err_set(e, -EINVAL, "invalid_language", "language is one of the 13 kiosk languages.");
        else
            snprintf(d->language, sizeof d->language, "%s", s);
    }
    return r;
}

static json_t *details_json(const kiosk_details_t *d)
{
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "surname", d->surname, "given_names", d->given_names,
        "surname_latin", d->surname_latin, "given_names_latin", d->given_latin, "birth_date", d->birth_date, "sex",
        d->sex, "citizenship", d->citizenship, "document_number", d->doc_number, "document_expiry", d->doc_expiry);
    if (j && d->language[0])
        json_object_set_new(j, "language", json_string(d->language));
    return j;
}

/* What the registrar reviews besides the details: the document check's
 * answer and each capture's results and exceptions (chain values and device
 * serials stay out). */
static char *findings_of(const json_t *steps)
{
    json_t *f = json_object();
    if (json_object_get(steps, "document"))
        json_object_set(f, "document", json_object_get(steps, "document"));
    for (int k = STEP_FACE; k < STEP_COUNT; k++) {
        const json_t *st = json_object_get(steps, KINDS[k].name);
        if (st)
            json_object_set_new(f, KINDS[k].name,
                json_pack("{s:O?,s:O?,s:O?}", "results", json_object_get(st, "results"), "exceptions",
                    json_object_get(st, "exceptions"), "exception_reasons", json_object_get(st, "exception_reasons")));
    }
    char *s = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(f);
    return s;
}

/* Parses the body as one JSON object; the capture bodies are too large for
 * jsonx's per-string limits and are checked field by field. */
static int body_object(kop_t *o, json_t **ret)
{
    json_error_t je;
    json_t *b = json_loadb(o->body, o->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!b || !json_is_object(b)) {
        json_decref(b);
        return err_set(&o->op.err, -EINVAL, "invalid_json", "The body is not a JSON object.");
    }
    *ret = b;
    return 0;
}

/* ------------------------------------------------------------ captures */

static bool boxes_overlap(const struct sbi_segment *a, const struct sbi_segment *b)
{
    return a->left <= b->right && b->left <= a->right && a->top <= b->bottom && b->top <= a->bottom;
}

/* The exceptions[] of a slap: names from the slap's expected fingers. */
static int parse_exceptions(kop_t *o, const json_t *b, const capture_kind_t *k, bool ret_exc[4])
{
    const json_t *ex = json_object_get(b, "exceptions");
    size_t i;
    const json_t *v;
    memset(ret_exc, 0, 4 * sizeof ret_exc[0]);
    if (!ex || json_is_null(ex))
        return 0;
    if (!json_is_array(ex) || (json_array_size(ex) > 0 && k->sub_id == 0))
        return err_set(&o->op.err, -EINVAL, "invalid_exceptions", "exceptions is a list of fingers of this slap.");
    json_array_foreach (ex, i, v) {
        int hit = -1;
        for (int j = 0; j < k->nexpect && json_is_string(v); j++)
            if (!strcmp(json_string_value(v), k->expect[j]))
                hit = j;
        if (hit < 0 || ret_exc[hit])
            return err_set(&o->op.err, -EINVAL, "invalid_exceptions",
                "exceptions names fingers of this slap, each once (e.g. \"Left LittleFinger\").");
        ret_exc[hit] = true;
    }
    int left = 0;
    for (int j = 0; j < k->nexpect; j++)
        left += !ret_exc[j];
    if (left == 0)
        return err_set(&o->op.err, -EINVAL, "invalid_exceptions", "A slap needs at least one finger.");
    return 0;
}

/* The declared reason for finger `name` (exception_reasons of a step). */
static kiosk_missing_t missing_reason(const json_t *reasons, const char *name)
{
    const char *why = json_string_value(json_object_get(reasons, name));
    return why && !strcmp(why, "amputated") ? KIOSK_MISSING_AMPUTATED : KIOSK_MISSING_INJURED;
}

/* exception_reasons: why each declared finger is missing, "amputated" or
 * "injured" (the registrar sees it; 14.018 AMP XX or UP). Optional, and
 * may name only some; a finger it names must be one of the exceptions.
 * *ret is a new object (empty when absent). */
static int parse_exception_reasons(kop_t *o, const json_t *b, const capture_kind_t *k, const bool exc[4], json_t **ret)
{
    const json_t *rs = json_object_get(b, "exception_reasons"), *v;
    const char *name;
    if (rs && !json_is_object(rs))
        return err_set(&o->op.err, -EINVAL, "invalid_exceptions",
            "exception_reasons maps a declared finger to \"amputated\" or \"injured\".");
    json_object_foreach ((json_t *)rs, name, v) {
        int hit = -1;
        for (int j = 0; j < k->nexpect; j++)
            if (exc[j] && !strcmp(name, k->expect[j]))
                hit = j;
        const char *why = json_string_value(v);
        if (hit < 0 || !why || (strcmp(why, "amputated") && strcmp(why, "injured")))
            return err_set(&o->op.err, -EINVAL, "invalid_exceptions",
                "exception_reasons names declared fingers, each \"amputated\" or \"injured\".");
    }
    *ret = rs ? json_deep_copy(rs) : json_object();
    return *ret ? 0 : err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
}

static json_t *result_entry(const char *position, int quality, double device, const char *source, bool ok,
    const char *reason, const char *advice)
{
    return json_pack("{s:s,s:i,s:o,s:s,s:b,s:o,s:o}", "position", position, "quality", quality, "device_quality",
        device >= 0 ? json_integer((json_int_t)(device + 0.5)) : json_null(), "source", source, "ok", ok, "reason",
        ok ? json_null() : json_string(reason), "advice", ok ? json_null() : json_string(advice));
}

/* Quality by the device's own score (builds without bio/fpquality). */
static json_t *device_results(const kop_t *o, const capture_kind_t *k, const struct sbi_capture *c, bool *ret_ok)
{
    json_t *a = json_array();
    *ret_ok = true;
    for (size_t i = 0; i < c->nbio; i++) {
        const struct sbi_bio *b = &c->bio[i];
        bool ok = b->quality >= o->env->min_quality;
        *ret_ok = *ret_ok && ok;
        json_array_append_new(a, result_entry(b->bio_sub_type[0] ? b->bio_sub_type : k->bio_type,
                                     (int)(b->quality + 0.5), b->quality, "device", ok, "quality_low", k->retry));
    }
    return a;
}

#ifdef UCHET_HAVE_BIO_QUALITY
/* A slap: every finger scored by uchet (ISO/IEC 29794-4 measures, bio/fpquality)
 * inside its box on the whole slap image, the device's score beside it. */
static json_t *slap_results(
    kop_t *o, const capture_kind_t *k, const struct sbi_capture *c, const bool exc[4], bool *ret_ok)
{
    static const uint8_t SLAP_FGP[4] = {0, 14, 13, 15};
    raster_t *img = NULL;
    fpq_box_t boxes[SBI_MAX_SEGMENTS];
    uint8_t missing[4];
    size_t nmissing = 0;
    fpq_config_t cfg;
    fpq_slap_result_t res;
    err_t e = {0};
    if (raster_decode(c->slap_value, c->slap_value_len, 1, &img, &e) < 0)
        return NULL;
    img->ppi = 500;
    for (size_t i = 0; i < c->nsegments; i++) {
        const struct sbi_segment *g = &c->segments[i];
        boxes[i] = (fpq_box_t){.x = g->left,
            .y = g->top,
            .w = g->right - g->left,
            .h = g->bottom - g->top,
            .position = kiosk_build_fgp(g->bio_sub_type)};
    }
    for (int j = 0; j < k->nexpect; j++)
        if (exc[j])
            missing[nmissing++] = kiosk_build_fgp(k->expect[j]);
    fpq_config_default(&cfg);
    cfg.min_score = o->env->min_quality;
    int r = fpq_slap_check(img, SLAP_FGP[k->sub_id], boxes, c->nsegments, missing, nmissing, &cfg, &res);
    raster_free(img);
    if (r < 0)
        return NULL;
    json_t *a = json_array();
    *ret_ok = true;
    for (size_t i = 0; i < c->nsegments; i++) {
        double device = -1;
        for (size_t b = 0; b < c->nbio; b++)
            if (!strcmp(c->bio[b].bio_sub_type, c->segments[i].bio_sub_type))
                device = c->bio[b].quality;
        const fpq_result_t *f = &res.finger[i];
        /* A little finger in a four-finger slap often fills less of its box
         * than fpquality's "partial" rule wants (measured: devsim seeds 1-5,
         * every little finger flagged press_flatter with scores >= 87); its
         * score decides. */
        bool little = strstr(c->segments[i].bio_sub_type, "LittleFinger") != NULL;
        bool ok = f->reason == FPQ_OK || (little && f->reason == FPQ_PRESS_FLATTER && f->score >= o->env->min_quality);
        *ret_ok = *ret_ok && ok;
        json_array_append_new(a, result_entry(c->segments[i].bio_sub_type, f->score, device, "uchet", ok,
                                     fpq_reason_code(f->reason), fpq_reason_text(f->reason)));
    }
    if (res.reason != FPQ_SLAP_OK && res.reason != FPQ_SLAP_FINGER_QUALITY) {
        *ret_ok = false; /* count, finger, box or overlap: said by the slap as a whole */
        json_array_append_new(a, result_entry("slap", 0, -1, "uchet", false, fpq_slap_reason_code(res.reason),
                                     fpq_slap_reason_text(res.reason)));
    }
    return a;
}

/* A palm: scored like a finger area. */
static json_t *palm_results(kop_t *o, const capture_kind_t *k, const struct sbi_capture *c, bool *ret_ok)
{
    raster_t *img = NULL;
    fpq_config_t cfg;
    fpq_result_t f;
    err_t e = {0};
    if (c->nbio != 1 || raster_decode(c->bio[0].value, c->bio[0].value_len, 1, &img, &e) < 0)
        return NULL;
    img->ppi = 500;
    fpq_config_default(&cfg);
    cfg.min_score = o->env->min_quality;
    int r = fpq_score(img, &cfg, &f);
    raster_free(img);
    if (r < 0)
        return NULL;
    /* a palm is much larger than a finger: only the score decides, not "partial" */
    bool ok = f.score >= o->env->min_quality;
    *ret_ok = ok;
    json_t *a = json_array();
    json_array_append_new(a, result_entry(c->bio[0].bio_sub_type, f.score, c->bio[0].quality, "uchet", ok,
                                 f.reason != FPQ_OK ? fpq_reason_code(f.reason) : "quality_low",
                                 f.reason != FPQ_OK ? fpq_reason_text(f.reason) : k->retry));
    return a;
}
#endif

#ifdef UCHET_HAVE_FACECHECK
/* The face: ISO/IEC 19794-5 / ICAO portrait checks (bio/facecheck). The
 * quality number is the device's (facecheck judges pass/fail). */
static json_t *face_results(kop_t *o, const struct sbi_capture *c, bool *ret_ok, json_t **ret_eyes)
{
    raster_t *img = NULL;
    face_config_t cfg;
    face_result_t f;
    err_t e = {0};
    if (c->nbio != 1 || raster_decode(c->bio[0].value, c->bio[0].value_len, 3, &img, &e) < 0)
        return NULL;
    face_config_default(&cfg);
    pthread_mutex_lock((pthread_mutex_t *)&o->env->face_lock);
    int r = face_check(o->env->faces, img, &cfg, &f);
    pthread_mutex_unlock((pthread_mutex_t *)&o->env->face_lock);
    raster_free(img);
    if (r < 0)
        return NULL;
    bool ok = f.reason == FACE_OK && c->bio[0].quality >= o->env->min_quality;
    *ret_ok = ok;
    if (ok && f.eyes_found)
        *ret_eyes = json_pack("[i,i,i,i]", (int)(f.lx + 0.5), (int)(f.ly + 0.5), (int)(f.rx + 0.5), (int)(f.ry + 0.5));
    json_t *a = json_array();
    json_array_append_new(a, result_entry("Face", (int)(c->bio[0].quality + 0.5), c->bio[0].quality, "uchet", ok,
                                 f.reason != FACE_OK ? face_reason_code(f.reason) : "quality_low",
                                 f.reason != FACE_OK ? face_reason_text(f.reason) : KINDS[STEP_FACE].retry));
    return a;
}
#endif

/* Per-entry quality results; false in *ret_ok if any fails. uchet's own
 * measures where built, else the device's score. *ret_eyes: the face's eye
 * centres [lx, ly, rx, ry] when found. */
static json_t *quality_results(
    kop_t *o, const capture_kind_t *k, const struct sbi_capture *c, const bool exc[4], bool *ret_ok, json_t **ret_eyes)
{
    json_t *a = NULL;
    (void)exc;
    (void)ret_eyes;
#ifdef UCHET_HAVE_BIO_QUALITY
    if (k->sub_id)
        a = slap_results(o, k, c, exc, ret_ok);
    else if (!strcmp(k->bio_type, "Palm"))
        a = palm_results(o, k, c, ret_ok);
#endif
#ifdef UCHET_HAVE_FACECHECK
    if (!strcmp(k->bio_type, "Face") && o->env->faces)
        a = face_results(o, c, ret_ok, ret_eyes);
#endif
    return a ? a : device_results(o, k, c, ret_ok);
}

/* Checks what a verified capture holds against the kind and the exceptions. */
static int check_capture(kop_t *o, const capture_kind_t *k, const struct sbi_capture *c, const bool exc[4])
{
    int want = 0;
    for (int j = 0; j < k->nexpect; j++)
        want += !exc[j];
    bool shape = (int)c->nbio == want;
    for (size_t i = 0; shape && i < c->nbio; i++) {
        bool found = false;
        for (int j = 0; j < k->nexpect; j++)
            found = found || (!exc[j] && !strcmp(c->bio[i].bio_sub_type, k->expect[j]));
        found = found || (k->sub_id == 0 && k->nexpect == 1 && !strcmp(k->expect[0], ""));
        shape = found;
    }
    if (!shape)
        return fail_ext(o, json_pack("{s:i,s:i}", "expected", want, "received", (int)c->nbio), -EINVAL,
            "finger_count_mismatch", "The capture does not hold the expected fingers minus the declared exceptions.");
    if (k->sub_id) {
        if (!c->has_slap || c->slap_sub_id != k->sub_id || c->nsegments != c->nbio)
            return err_set(&o->op.err, -EINVAL, "slap_image_missing",
                "A slap capture needs the whole slap image and a box per finger (customOpts uchet.slap).");
        for (size_t i = 0; i < c->nsegments; i++)
            for (size_t j = i + 1; j < c->nsegments; j++)
                if (boxes_overlap(&c->segments[i], &c->segments[j]))
                    return fail_ext(o, NULL, -EINVAL, "finger_boxes_overlap",
                        "Two fingers' boxes overlap: spread the fingers a little and press again.");
    }
    return 0;
}

/* decoded, ndecoded: see struct sbi_expect (NULL, 0 at the capture step). */
static int verify(kop_t *o, const char *raw, size_t len, const char *prev, const capture_kind_t *k,
    const struct sbi_decoded *decoded, size_t ndecoded, struct sbi_capture *ret)
{
    struct sbi_expect x = {.trust = &o->env->trust,
        .transaction_id = o->sid,
        .previous_hash = prev,
        .bio_type = k->bio_type,
        .decoded = decoded,
        .ndecoded = ndecoded};
    return sbi_parse_capture(raw, len, &x, ret, &o->op.err);
}

static int run_capture(db_t *db, kop_t *o, kiosk_session_t *s, json_t *steps)
{
    const capture_kind_t *k = &KINDS[o->kind];
    json_t *b = NULL, *sbi;
    char *raw = NULL, path[1024], prev[65];
    struct sbi_capture c = {0};
    bool exc[4], ok;
    int r = body_object(o, &b);
    if (r < 0)
        return r;
    sbi = json_object_get(b, "sbi");
    /* accept_low_quality: the kiosk's third failed face is kept, marked for
     * the registrar (the person cannot do better at the machine). */
    json_t *accept = json_object_get(b, "accept_low_quality");
    size_t want = 1u + (json_object_get(b, "exceptions") ? 1u : 0u) + (accept ? 1u : 0u) +
                  (json_object_get(b, "exception_reasons") ? 1u : 0u);
    if (json_object_size(b) != want || !json_is_object(sbi) || (accept && !json_is_true(accept))) {
        json_decref(b);
        return err_set(&o->op.err, -EINVAL, "invalid_body",
            "The body is {\"sbi\": the device's RCAPTURE answer, \"exceptions\": [...], \"exception_reasons\": "
            "{...}}.");
    }
    bool marked = accept != NULL;
    if (marked && o->kind != STEP_FACE) {
        json_decref(b);
        return err_set(&o->op.err, -EINVAL, "invalid_body", "Only a face capture can be accepted below quality.");
    }
    json_t *reasons = NULL;
    if ((r = parse_exceptions(o, b, k, exc)) < 0 || (r = parse_exception_reasons(o, b, k, exc, &reasons)) < 0) {
        json_decref(b);
        return r;
    }
    raw = json_dumps(sbi, JSON_COMPACT);
    json_t *exlist = json_incref(json_object_get(b, "exceptions"));
    json_decref(b);
    kop_free_inputs(o);
    if (!raw) {
        json_decref(exlist);
        json_decref(reasons);
        return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    size_t raw_len = strlen(raw);
    snprintf(prev, sizeof prev, "%s", s->prev_hash);
    r = verify(o, raw, raw_len, prev, k, NULL, 0, &c);
    if (r == 0)
        r = check_capture(o, k, &c, exc);
    json_t *eyes = NULL;
    json_t *results = r == 0 ? quality_results(o, k, &c, exc, &ok, &eyes) : NULL;
    if (r == 0 && !ok && !marked) {
        r = fail_ext(o, json_pack("{s:O}", "results", results), -EINVAL, "capture_quality_low", k->retry);
    }
    if (r == 0) {
        spool_path(o, o->kind, "", path, sizeof path);
        char name[SPOOL_NAME_BYTES];
        spool_name(o, o->kind, "", name);
        r = vault_write(&o->env->keys, o->env->spool, name, raw, raw_len, &o->op.err);
    }
    char dpath[1024];
    spool_path(o, o->kind, SPOOL_DECODED, dpath, sizeof dpath);
    if (r == 0) {
        uint8_t *dec = NULL;
        size_t ndec = 0;
        if (decoded_pack(&c, &dec, &ndec) < 0)
            r = err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
        else if (dec) {
            char dname[SPOOL_NAME_BYTES];
            spool_name(o, o->kind, SPOOL_DECODED, dname);
            r = vault_write(&o->env->keys, o->env->spool, dname, dec, ndec, &o->op.err);
            sodium_memzero(dec, ndec);
            free(dec);
        } else
            unlink(dpath); /* an earlier try's, when this one holds no JPEG 2000 */
        if (r < 0)
            unlink(path);
    }
    if (r == 0) {
        json_object_set_new(steps, k->name,
            json_pack("{s:s,s:s,s:o,s:O,s:O,s:s,s:O,s:b}", "prev", prev, "hash", c.last_hash, "exceptions",
                exlist ? json_incref(exlist) : json_array(), "exception_reasons", reasons, "results", results, "device",
                c.serial_no, "eyes", eyes ? eyes : json_null(), "marked", marked && !ok));
        snprintf(s->prev_hash, sizeof s->prev_hash, "%s", c.last_hash);
        free(s->steps);
        s->steps = json_dumps(steps, JSON_COMPACT | JSON_SORT_KEYS);
        r = s->steps ? save_step(db, o, s, prev) : err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
        if (r < 0) {
            unlink(path);
            unlink(dpath);
        }
    }
    if (r == 0)
        o->ret = json_pack("{s:s,s:s,s:O,s:b}", "step", k->name, "previous_hash", c.last_hash, "results", results,
            "marked", marked && !ok);
    json_decref(results);
    json_decref(eyes);
    json_decref(reasons);
    json_decref(exlist);
    sbi_capture_free(&c);
    sodium_memzero(raw, raw_len);
    free(raw);
    return r;
}

/* The signature: pen vectors from the kiosk's pad ({"points": [[x, y,
 * pressure], ...], "pad": {"width": W, "height": H}}, x/y in 0.001 inch from
 * the bottom-left, pressure 0 = pen up), as ANSI/NIST Type-8 records them;
 * judged by bio/sigcheck (the one owner of what counts as a signature) and
 * kept encrypted in the spool. */

/* The kiosk page's pad, 960 x 480 CSS px at 96 px per inch
 * (web/kiosk/js/pad.js), for a body that does not say its pad. */
#define SIG_PAD_W 10000
#define SIG_PAD_H 5000
/* A declared pad's side: from 1 inch (no smaller pad is sold) to Type-8's
 * 16-bit coordinates. */
#define SIG_PAD_MIN 1000
#define SIG_PAD_MAX 65535

/* sigcheck's reasons as the API's stable codes and sentences. */
static const struct {
    const char *code, *text;
} SIG_PROBLEMS[SIG_REASON_COUNT] = {
    [SIG_EMPTY] = {"signature_empty", "Nothing was signed: sign in the box with your finger or the pen."},
    [SIG_TOO_SMALL] = {"signature_too_small", "Sign larger, across the box."},
    [SIG_TOO_SIMPLE] = {"signature_too_simple", "A dot or a plain line is not a signature: sign as in your passport."},
};

static int pad_side(kop_t *o, const json_t *pad, const char *key, double *ret)
{
    const json_t *v = json_object_get(pad, key);
    if (!v)
        return err_set(&o->op.err, -ENOENT, "missing_field", "The field \"pad.%s\" is required.", key);
    if (!json_is_integer(v))
        return err_set(&o->op.err, -EINVAL, "invalid_type", "The field \"pad.%s\" must be an integer.", key);
    json_int_t n = json_integer_value(v);
    if (n < SIG_PAD_MIN || n > SIG_PAD_MAX)
        return err_set(&o->op.err, -ERANGE, "out_of_range", "The field \"pad.%s\" must be between %d and %d.", key,
            SIG_PAD_MIN, SIG_PAD_MAX);
    *ret = (double)n;
    return 0;
}

/* The body's optional pad, in 0.001 inch; the kiosk page's when absent. */
static int signature_pad(kop_t *o, const json_t *b, double *w, double *h)
{
    static const char *const fields[] = {"width", "height", NULL};
    json_t *pad = NULL;
    *w = SIG_PAD_W;
    *h = SIG_PAD_H;
    int r = jsonx_object(b, "pad", false, &pad, &o->op.err);
    if (r < 0 || !pad)
        return r;
    if ((r = jsonx_only_fields(pad, fields, &o->op.err)) < 0 || (r = pad_side(o, pad, "width", w)) < 0)
        return r;
    return pad_side(o, pad, "height", h);
}

/* Checks every point against the pad and turns the pen-down ones into
 * sigcheck's points, a pen-up point ending a stroke. *ret is new (caller
 * frees; NULL when no point is pen-down), *ret_n its length. */
static int signature_points(kop_t *o, const json_t *pts, double w, double h, sig_point_t **ret, size_t *ret_n)
{
    size_t i, n = 0;
    uint32_t stroke = 0;
    const json_t *v;
    sig_point_t *out = malloc(json_array_size(pts) * sizeof *out);
    if (!out)
        return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    json_array_foreach (pts, i, v) {
        const json_t *jx = json_array_get(v, 0), *jy = json_array_get(v, 1), *jp = json_array_get(v, 2);
        json_int_t x = json_integer_value(jx), y = json_integer_value(jy), p = json_integer_value(jp);
        if (json_array_size(v) != 3 || !json_is_integer(jx) || !json_is_integer(jy) || !json_is_integer(jp) || x < 0 ||
            x > w || y < 0 || y > h || p < 0 || p > 254) {
            free(out);
            return err_set(&o->op.err, -EINVAL, "invalid_points",
                "Each point is [x, y, pressure]: x 0-%.0f and y 0-%.0f (on the pad), pressure 0-254.", w, h);
        }
        if (p > 0)
            out[n++] = (sig_point_t){(float)x, (float)y, stroke};
        else if (n > 0 && out[n - 1].stroke == stroke)
            stroke++;
    }
    if (n == 0) {
        free(out);
        out = NULL;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

/* Judges the signature with bio/sigcheck; *strokes as it counted them. */
static int signature_judge(kop_t *o, const json_t *pts, double w, double h, uint32_t *strokes)
{
    sig_point_t *sp = NULL;
    size_t n = 0;
    sig_result_t res;
    int r = signature_points(o, pts, w, h, &sp, &n);
    if (r < 0)
        return r;
    r = sig_check_points(sp, n, w, h, NULL, &res);
    free(sp);
    if (r < 0) /* the points were checked against the pad above: not reached */
        return err_set(&o->op.err, -EINVAL, "invalid_points", "The points do not fit the pad.");
    *strokes = res.strokes;
    if (res.reason == SIG_OK)
        return 0;
    return err_set(&o->op.err, -EINVAL, SIG_PROBLEMS[res.reason].code, "%s", SIG_PROBLEMS[res.reason].text);
}

static int run_signature(db_t *db, kop_t *o, kiosk_session_t *s, json_t *steps)
{
    static const char *const fields[] = {"points", "pad", NULL};
    json_t *b = NULL;
    int r = body_object(o, &b);
    if (r < 0)
        return r;
    const json_t *pts = json_object_get(b, "points");
    size_t n = json_array_size(pts);
    uint32_t strokes = 0;
    double pad_w, pad_h;
    if ((r = jsonx_only_fields(b, fields, &o->op.err)) == 0 && (!json_is_array(pts) || n < 2 || n > KIOSK_PEN_MAX))
        r = err_set(&o->op.err, -EINVAL, "invalid_body",
            "The body is {\"points\": [[x, y, pressure], ...], \"pad\": {\"width\", \"height\"}} with 2 to 20000 "
            "points.");
    if (r == 0 && (r = signature_pad(o, b, &pad_w, &pad_h)) == 0)
        r = signature_judge(o, pts, pad_w, pad_h, &strokes);
    if (r < 0) {
        json_decref(b);
        return r;
    }
    char *raw = json_dumps(pts, JSON_COMPACT), name[SPOOL_NAME_BYTES], path[1024];
    json_decref(b);
    kop_free_inputs(o);
    if (!raw)
        return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    spool_name(o, STEP_SIGNATURE, "", name);
    r = vault_write(&o->env->keys, o->env->spool, name, raw, strlen(raw), &o->op.err);
    sodium_memzero(raw, strlen(raw));
    free(raw);
    if (r < 0)
        return r;
    json_object_set_new(steps, "signature", json_pack("{s:i,s:i}", "points", (int)n, "strokes", (int)strokes));
    free(s->steps);
    s->steps = json_dumps(steps, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s->steps || (r = save_step(db, o, s, s->prev_hash)) < 0) {
        spool_path(o, STEP_SIGNATURE, "", path, sizeof path);
        unlink(path);
        return s->steps ? r : err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    o->ret = json_pack("{s:s,s:i,s:i}", "step", "signature", "points", (int)n, "strokes", (int)strokes);
    return 0;
}

/* The spooled pen vectors into a new array (caller frees). */
static int load_pen(kop_t *o, kiosk_pen_t **ret, size_t *ret_n)
{
    char path[1024];
    uint8_t *raw = NULL;
    size_t len = 0, i;
    spool_path(o, STEP_SIGNATURE, "", path, sizeof path);
    int r = vault_read(&o->env->keys, path, &raw, &len, &o->op.err);
    if (r < 0)
        return r;
    json_t *a = json_loadb((const char *)raw, len, 0, NULL), *v;
    sodium_memzero(raw, len);
    free(raw);
    size_t n = json_array_size(a);
    kiosk_pen_t *pen = n ? calloc(n, sizeof *pen) : NULL;
    if (!pen) {
        json_decref(a);
        return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    json_array_foreach (a, i, v) {
        pen[i].x = (uint16_t)json_integer_value(json_array_get(v, 0));
        pen[i].y = (uint16_t)json_integer_value(json_array_get(v, 1));
        pen[i].pressure = (uint8_t)json_integer_value(json_array_get(v, 2));
    }
    json_decref(a);
    *ret = pen;
    *ret_n = n;
    return 0;
}

static struct mrz_date today_of(int64_t now)
{
    int y, m, d;
    date_to_ymd(date_local(now, REGION_DEFAULT_UTC_OFFSET_MIN), &y, &m, &d);
    return (struct mrz_date){y, m, d};
}

/* The document page: the scanner's (the document device's signed SBI
 * capture, verified like every capture) or the kiosk camera's (unsigned,
 * marked so for the registrar). uchetd reads the zone off it, and keeps it
 * sealed in the spool as <sid>.document (a PNG) until submit puts it in the
 * transaction (Type-20). */
typedef struct page {
    const char *source; /* "scanner" or "camera" */
    uint8_t *png;       /* owned: the page kept, PNG 8-bit grey or RGB */
    size_t png_len;
    char device[SBI_TEXT];       /* the scanner's serial */
    char hash[SBI_HASH_HEX + 1]; /* the chain value after the scan */
} page_t;

static void page_free(page_t *p)
{
    if (p->png) {
        sodium_memzero(p->png, p->png_len);
        free(p->png);
    }
    p->png = NULL;
}

#ifdef UCHET_HAVE_OCR
/* The image as the PNG that is kept: a PNG of 8-bit grey or RGB as it came
 * (the scanner's bytes stay the scanner's), anything else (a camera's
 * JPEG, a PNG with alpha) decoded and written again as PNG. *ret owned. */
static int page_png(kop_t *o, const uint8_t *img, size_t len, uint8_t **ret, size_t *ret_len)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (len >= 33 && !memcmp(img, sig, 8) && !memcmp(img + 12, "IHDR", 4) && img[24] == 8 &&
        (img[25] == 0 || img[25] == 2)) {
        if (!(*ret = malloc(len)))
            return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
        memcpy(*ret, img, len);
        *ret_len = len;
        return 0;
    }
#ifdef UCHET_HAVE_BIO_QUALITY
    raster_t *r = NULL;
    int rc = raster_decode(img, len, 0, &r, &o->op.err);
    if (rc == 0 && raster_encode_png(r, ret, ret_len) < 0)
        rc = err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    if (r)
        sodium_memzero(r->pix, (size_t)r->width * r->height * r->channels);
    raster_free(r);
    return rc;
#else
    return err_set(&o->op.err, -EINVAL, "image_unreadable", "The page image is not an 8-bit PNG.");
#endif
}

/* Reads the zone off the page and checks it (the same as POST
 * /api/v1/documents/mrz with an image). */
static int page_check(kop_t *o, const uint8_t *img, size_t len, json_t **ret)
{
    char *text = NULL, *alt = NULL;
    int r = ocr_read_mrz(img, len, &text, &alt, &o->op.err);
    if (r == 0)
        r = mrz_check_ocr(text, alt, strlen(text), NULL, today_of(o->now), ret, &o->op.err);
    if (text) {
        sodium_memzero(text, strlen(text));
        free(text);
    }
    free(alt);
    return r;
}

/* {"sbi": the document device's RCAPTURE answer}: verified against the
 * trust store and the session's chain, one page. */
static int page_scanner(kop_t *o, const kiosk_session_t *s, const json_t *sbi, page_t *p, json_t **ret)
{
    struct sbi_capture c = {0};
    char *raw = json_dumps(sbi, JSON_COMPACT);
    if (!raw)
        return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    struct sbi_expect x = {
        .trust = &o->env->trust, .transaction_id = o->sid, .previous_hash = s->prev_hash, .bio_type = "Document"};
    int r = sbi_parse_capture(raw, strlen(raw), &x, &c, &o->op.err);
    sodium_memzero(raw, strlen(raw));
    free(raw);
    if (r == 0 && (c.nbio != 1 || !c.bio[0].value_len))
        r = err_set(&o->op.err, -EINVAL, "sbi_malformed", "A document capture holds one page.");
    if (r == 0)
        r = page_check(o, c.bio[0].value, c.bio[0].value_len, ret);
    if (r == 0)
        r = page_png(o, c.bio[0].value, c.bio[0].value_len, &p->png, &p->png_len);
    if (r == 0) {
        p->source = "scanner";
        snprintf(p->device, sizeof p->device, "%s", c.serial_no);
        snprintf(p->hash, sizeof p->hash, "%s", c.last_hash);
    }
    sbi_capture_free(&c);
    return r;
}

/* {"camera": base64 of a PNG or JPEG}: the kiosk camera's frame, unsigned. */
static int page_camera(kop_t *o, const json_t *cam, page_t *p, json_t **ret)
{
    const char *b64 = json_string_value(cam);
    size_t n = b64 ? strlen(b64) : 0, len = 0;
    if (n == 0)
        return err_set(&o->op.err, -EINVAL, "invalid_body", "camera is the frame as base64 (PNG or JPEG).");
    uint8_t *img = malloc(n);
    if (!img)
        return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = sodium_base642bin(img, n, b64, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 && len > 0
                ? 0
                : err_set(&o->op.err, -EINVAL, "invalid_body", "camera is the frame as base64 (PNG or JPEG).");
    if (r == 0)
        r = page_check(o, img, len, ret);
    if (r == 0)
        r = page_png(o, img, len, &p->png, &p->png_len);
    if (r == 0)
        p->source = "camera";
    sodium_memzero(img, n);
    free(img);
    return r;
}
#endif

/* The step's body into the check's answer, and the page when one came. */
static int document_read(kop_t *o, const kiosk_session_t *s, const json_t *b, page_t *p, json_t **ret)
{
    const json_t *sbi = json_object_get(b, "sbi"), *cam = json_object_get(b, "camera");
    const char *text;
    if (json_object_size(b) != 1 || !(sbi || cam || json_object_get(b, "text")) || (sbi && !json_is_object(sbi)))
        return err_set(&o->op.err, -EINVAL, "invalid_body",
            "The body is {\"sbi\": the document device's RCAPTURE answer}, {\"camera\": the frame as base64} or "
            "{\"text\": the zone}.");
    if (!sbi && !cam) {
        int r = jsonx_string_lf(b, "text", &text, &o->op.err);
        return r < 0 ? r : mrz_check_text(text, strlen(text), NULL, today_of(o->now), ret, &o->op.err);
    }
#ifdef UCHET_HAVE_OCR
    return sbi ? page_scanner(o, s, sbi, p, ret) : page_camera(o, cam, p, ret);
#else
    (void)s;
    (void)p;
    return err_set(&o->op.err, -ENOTSUP, "unsupported_media_type", "This build reads text only; send {\"text\": ...}.");
#endif
}

/* Keeps the step: the page sealed in the spool (or an older page deleted),
 * the answer in steps, the chain moved on by a scan. */
static int document_keep(db_t *db, kop_t *o, kiosk_session_t *s, json_t *steps, const page_t *p, json_t *answer)
{
    char name[SPOOL_NAME_BYTES], path[1024], prev[SBI_HASH_HEX + 1];
    int r = 0;
    spool_name(o, STEP_DOCUMENT, "", name);
    spool_path(o, STEP_DOCUMENT, "", path, sizeof path);
    snprintf(prev, sizeof prev, "%s", s->prev_hash);
    if (p->png)
        r = vault_write(&o->env->keys, o->env->spool, name, p->png, p->png_len, &o->op.err);
    if (r < 0)
        return r;
    /* "page": where the kept page came from ("camera": not a certified
     * scanner, for the registrar); null when the zone was typed */
    json_object_set_new(answer, "page", p->source ? json_string(p->source) : json_null());
    json_object_set(steps, "document", answer);
    if (p->png)
        json_object_set_new(
            steps, "document_page", json_pack("{s:s,s:s,s:s}", "source", p->source, "device", p->device, "prev", prev));
    else
        json_object_del(steps, "document_page");
    if (p->hash[0])
        snprintf(s->prev_hash, sizeof s->prev_hash, "%s", p->hash);
    free(s->steps);
    s->steps = json_dumps(steps, JSON_COMPACT | JSON_SORT_KEYS);
    r = s->steps ? save_step(db, o, s, prev) : err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    if (r < 0 || !p->png)
        unlink(path); /* a failed step keeps no page; a typed zone ends an older one */
    if (r == 0)
        json_object_set_new(answer, "previous_hash", json_string(s->prev_hash));
    return r;
}

static int run_document(db_t *db, kop_t *o, kiosk_session_t *s, json_t *steps)
{
    json_t *b = NULL, *answer = NULL;
    page_t p = {0};
    int r = body_object(o, &b);
    if (r == 0)
        r = document_read(o, s, b, &p, &answer);
    json_decref(b);
    kop_free_inputs(o);
    if (r == 0)
        r = document_keep(db, o, s, steps, &p, answer);
    page_free(&p);
    if (r < 0) {
        json_decref(answer);
        return r;
    }
    o->ret = answer;
    return 0;
}

static int run_details(db_t *db, kop_t *o, kiosk_session_t *s, json_t *steps)
{
    json_t *b = NULL;
    kiosk_details_t d = {0};
    int r = body_object(o, &b);
    if (r == 0)
        r = parse_details(b, o->now, &d, &o->op.err);
    json_decref(b);
    if (r < 0)
        return r;
    json_object_set_new(steps, "details", details_json(&d));
    free(s->steps);
    s->steps = json_dumps(steps, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s->steps)
        return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    if ((r = save_step(db, o, s, s->prev_hash)) < 0)
        return r;
    o->ret = json_pack("{s:s,s:o}", "step", "details", "details", details_json(&d));
    return 0;
}

static int run_step(db_t *db, kop_t *o)
{
    kiosk_session_t s = {0};
    int r = load_open(db, o, &s);
    if (r < 0)
        return r;
    json_t *steps = json_loads(s.steps, 0, NULL);
    if (!steps) {
        free(s.steps);
        return err_set(&o->op.err, -EIO, "storage_failed", "The session's steps are unreadable.");
    }
    switch (o->kind) {
        case STEP_DOCUMENT: r = run_document(db, o, &s, steps); break;
        case STEP_DETAILS: r = run_details(db, o, &s, steps); break;
        case STEP_SIGNATURE: r = run_signature(db, o, &s, steps); break;
        default: r = run_capture(db, o, &s, steps); break;
    }
    json_decref(steps);
    free(s.steps);
    return r;
}

/* ------------------------------------------------------------ submit */

/* Reads and re-verifies the spooled capture of kind into *ret: signatures,
 * chain and records over the bytes the device sent, as at the capture step;
 * its JPEG 2000 images take the PNGs spooled at that step (decoded_pack)
 * instead of being decoded again. No such file (a capture without JPEG 2000,
 * or spooled by an older uchetd): they are decoded. */
static int load_capture(kop_t *o, const json_t *steps, int kind, struct sbi_capture *ret)
{
    char path[1024];
    uint8_t *raw = NULL, *dec = NULL;
    size_t len = 0, ndec = 0, nd = 0;
    struct sbi_decoded d[DECODED_MAX];
    const json_t *st = json_object_get(steps, KINDS[kind].name);
    const char *prev = json_string_value(json_object_get(st, "prev"));
    spool_path(o, kind, "", path, sizeof path);
    int r = vault_read(&o->env->keys, path, &raw, &len, &o->op.err);
    if (r < 0)
        return r;
    spool_path(o, kind, SPOOL_DECODED, path, sizeof path);
    r = vault_read(&o->env->keys, path, &dec, &ndec, &o->op.err);
    if (r == -ENOENT)
        r = 0, err_clear(&o->op.err);
    else if (r == 0 && decoded_unpack(dec, ndec, d, &nd) < 0)
        r = err_set(&o->op.err, -EIO, "storage_failed", "A capture's decoded images are unreadable.");
    if (r == 0)
        r = verify(o, (const char *)raw, len, prev ? prev : "", &KINDS[kind], d, nd, ret);
    sodium_memzero(raw, len);
    free(raw);
    if (dec) {
        sodium_memzero(dec, ndec);
        free(dec);
    }
    return r;
}

/* The spooled document page, when the document step kept one (*ret NULL
 * when not); *ret_camera: it came from the kiosk's camera. */
static int load_page(kop_t *o, const json_t *steps, uint8_t **ret, size_t *ret_len, bool *ret_camera)
{
    char path[1024];
    const json_t *pg = json_object_get(steps, "document_page");
    const char *source = json_string_value(json_object_get(pg, "source"));
    *ret = NULL;
    *ret_len = 0;
    if (!pg)
        return 0;
    *ret_camera = source && !strcmp(source, "camera");
    spool_path(o, STEP_DOCUMENT, "", path, sizeof path);
    return vault_read(&o->env->keys, path, ret, ret_len, &o->op.err);
}

static int run_submit(db_t *db, kop_t *o)
{
    kiosk_session_t s = {0};
    kiosk_build_t in = {0};
    uint8_t *txn = NULL;
    kiosk_pen_t *pen = NULL;
    size_t txn_len = 0, npen = 0;
    char name[64], path[1024];
    int r = load_open(db, o, &s);
    if (r < 0)
        return r;
    json_t *steps = json_loads(s.steps, 0, NULL), *missing = json_array();
    for (int k = STEP_DETAILS; steps && k < STEP_COUNT; k++)
        if (!json_object_get(steps, KINDS[k].name))
            json_array_append_new(missing, json_string(KINDS[k].name));
    if (!steps)
        r = err_set(&o->op.err, -EIO, "storage_failed", "The session's steps are unreadable.");
    else if (json_array_size(missing) > 0) {
        r = fail_ext(
            o, json_pack("{s:O}", "missing", missing), -EEXIST, "steps_missing", "Some steps are not done yet.");
    }
    json_decref(missing);
    /* gather the details and every capture */
    const json_t *d = json_object_get(steps, "details");
    if (r == 0) {
#define COPY(field, key)                                                                                               \
    snprintf(in.details.field, sizeof in.details.field, "%s",                                                          \
        json_string_value(json_object_get(d, key)) ? json_string_value(json_object_get(d, key)) : "")
        COPY(surname, "surname");
        COPY(given_names, "given_names");
        COPY(surname_latin, "surname_latin");
        COPY(given_latin, "given_names_latin");
        COPY(birth_date, "birth_date");
        COPY(sex, "sex");
        COPY(citizenship, "citizenship");
        COPY(doc_number, "document_number");
        COPY(doc_expiry, "document_expiry");
        COPY(language, "language");
#undef COPY
        snprintf(in.tcn, sizeof in.tcn, "%s", o->sid);
        in.when = o->now;
    }
    for (int k = STEP_FACE; r == 0 && k < STEP_COUNT; k++) {
        r = load_capture(o, steps, k, &in.cap[k - STEP_FACE]);
        in.ncap = (size_t)(k - STEP_FACE + 1);
        /* FQM/PQM carry the score that decided: uchet's own where it made one */
        const json_t *res = json_object_get(json_object_get(steps, KINDS[k].name), "results"), *x;
        size_t ri;
        struct sbi_capture *c = &in.cap[k - STEP_FACE];
        json_array_foreach (res, ri, x) {
            const char *pos = json_string_value(json_object_get(x, "position"));
            for (size_t b = 0; r == 0 && pos && b < c->nbio; b++)
                if (!strcmp(c->bio[b].bio_sub_type, pos))
                    c->bio[b].quality = (double)json_integer_value(json_object_get(x, "quality"));
        }
    }
    for (int k = STEP_SLAP_LEFT; r == 0 && k <= STEP_THUMBS; k++) {
        const json_t *st = json_object_get(steps, KINDS[k].name), *v;
        const json_t *ex = json_object_get(st, "exceptions"), *why = json_object_get(st, "exception_reasons");
        size_t i;
        json_array_foreach (ex, i, v)
            for (int j = 0; j < KINDS[k].nexpect; j++)
                if (json_is_string(v) && !strcmp(json_string_value(v), KINDS[k].expect[j]))
                    in.missing[k - STEP_SLAP_LEFT][j] = missing_reason(why, KINDS[k].expect[j]);
    }
    const json_t *eyes = json_object_get(json_object_get(steps, "face"), "eyes");
    if (r == 0 && json_array_size(eyes) == 4) {
        in.has_eyes = true;
        in.lx = (uint32_t)json_integer_value(json_array_get(eyes, 0));
        in.ly = (uint32_t)json_integer_value(json_array_get(eyes, 1));
        in.rx = (uint32_t)json_integer_value(json_array_get(eyes, 2));
        in.ry = (uint32_t)json_integer_value(json_array_get(eyes, 3));
    }
    if (r == 0 && (r = load_pen(o, &pen, &npen)) == 0) {
        in.pen = pen;
        in.npen = npen;
    }
    uint8_t *page = NULL;
    size_t npage = 0;
    if (r == 0 && (r = load_page(o, steps, &page, &npage, &in.page_camera)) == 0) {
        in.page = page;
        in.page_len = npage;
    }
    if (r == 0)
        r = kiosk_build_transaction(&in, &txn, &txn_len, &o->op.err);
    if (page) {
        sodium_memzero(page, npage);
        free(page);
    }
    for (size_t i = 0; i < in.ncap; i++)
        sbi_capture_free(&in.cap[i]);
    if (pen) {
        sodium_memzero(pen, npen * sizeof *pen);
        free(pen);
    }
    snprintf(name, sizeof name, "%s.an2k", o->sid);
    if (r == 0)
        r = vault_write(&o->env->keys, o->env->dir, name, txn, txn_len, &o->op.err);
    if (txn) {
        sodium_memzero(txn, txn_len);
        free(txn);
    }
    if (r == 0 && (r = db_begin_write(db, &o->op.err)) == 0) {
        r = kiosk_enrolment_add(db, s.kiosk_id, o->now, &in.details, name, o->receipt, &o->op.err);
        char *findings = r == 0 ? findings_of(steps) : NULL;
        if (r == 0)
            r = findings ? kiosk_enrolment_findings(db, o->receipt, in.details.language, findings, &o->op.err)
                         : err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
        free(findings);
        if (r == 0)
            r = kiosk_session_end(db, &s, "submitted", o->now, &o->op.err);
        if (r == 0)
            r = db_commit(db, &o->op.err);
        if (r < 0) {
            db_rollback(db);
            snprintf(path, sizeof path, "%s/%s", o->env->dir, name);
            unlink(path);
        }
    }
    sodium_memzero(&in.details, sizeof in.details);
    json_decref(steps);
    free(s.steps);
    if (r < 0)
        return r;
    kiosk_wipe_spool(o->env, o->sid);
    /* The receipt's QR code holds the number only; the kiosk draws it on
     * the printed page (no QR library in the page, and none downloaded). */
    o->ret = json_pack("{s:s,s:s,s:o?}", "receipt", o->receipt, "state", "pending", "receipt_qr", qr_rows(o->receipt));
    o->ret_status = 201;
    return 0;
}

/* ------------------------------------------------------------ the others */

static int run_create(db_t *db, kop_t *o)
{
    int64_t kid;
    int r = kiosk_wipe_idle(db, o->env, o->now, NULL, &o->op.err);
    if (r < 0 || (r = db_begin_write(db, &o->op.err)) < 0)
        return r;
    r = kiosk_auth(db, o->key_hash, &kid, &o->op.err);
    if (r == 0)
        r = kiosk_session_create(db, kid, o->now, o->sid, &o->op.err);
    if (r == 0)
        r = db_commit(db, &o->op.err);
    if (r < 0) {
        db_rollback(db);
        return r;
    }
    o->ret = json_pack("{s:s,s:s,s:I}", "id", o->sid, "previous_hash", "", "idle_seconds", (json_int_t)o->env->idle_s);
    o->ret_status = 201;
    return 0;
}

static int run_get(db_t *db, kop_t *o)
{
    kiosk_session_t s = {0};
    int r = load_open(db, o, &s);
    if (r < 0)
        return r;
    json_t *steps = json_loads(s.steps, 0, NULL);
    o->ret = json_pack("{s:s,s:s,s:s,s:o}", "id", s.id, "state", s.state, "previous_hash", s.prev_hash, "steps",
        steps ? steps : json_object());
    free(s.steps);
    return 0;
}

static int run_delete(db_t *db, kop_t *o)
{
    kiosk_session_t s = {0};
    int r = load_open(db, o, &s);
    if (r < 0)
        return r;
    free(s.steps);
    if ((r = db_begin_write(db, &o->op.err)) < 0)
        return r;
    r = kiosk_session_end(db, &s, "wiped", o->now, &o->op.err);
    if (r == 0)
        r = db_commit(db, &o->op.err);
    if (r < 0) {
        db_rollback(db);
        return r;
    }
    kiosk_wipe_spool(o->env, o->sid);
    o->ret_status = 204;
    return 0;
}

static int run_status(db_t *db, kop_t *o)
{
    char state[12], reason[512];
    int64_t created;
    /* one statement: no read transaction around it */
    int r = kiosk_enrolment_status(db, o->receipt, o->birth_date, state, reason, sizeof reason, &created, &o->op.err);
    if (r < 0)
        return r;
    char when[32];
    time_format_rfc3339(created, REGION_DEFAULT_UTC_OFFSET_MIN, when);
    o->ret = json_pack("{s:s,s:s,s:o,s:s}", "receipt", o->receipt, "state", state, "reason",
        reason[0] ? json_string(reason) : json_null(), "submitted_at", when);
    return 0;
}

static int run_kop(db_t *db, store_op_t *op)
{
    kop_t *o = (kop_t *)op;
    int r;
    o->ret_status = 200;
    switch (o->action) {
        case K_CREATE: r = run_create(db, o); break;
        case K_GET: r = run_get(db, o); break;
        case K_DELETE: r = run_delete(db, o); break;
        case K_STEP: r = run_step(db, o); break;
        case K_SUBMIT: r = run_submit(db, o); break;
        default: r = run_status(db, o); break;
    }
    kop_free_inputs(o);
    return r;
}

/* ------------------------------------------------------------ HTTP side */

static int status_of(const err_t *e)
{
    static const struct {
        const char *code;
        int status;
    } map[] = {
        {"session_not_found", 404},
        {"session_expired", 410},
        {"session_submitted", 409},
        {"session_changed", 409},
        {"steps_missing", 409},
        {"enrolment_not_found", 404},
        {"sbi_too_large", 413},
        {"unsupported_media_type", 415},
        {"unauthorized", 401},
        {"out_of_memory", 503},
        {"storage_failed", 500},
        {"storage_unavailable", 503},
        {"vault_io", 500},
        {"vault_bad_file", 500},
        {"vault_unknown_key", 500},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(e->code, map[i].code))
            return map[i].status;
    return 422;
}

static void kop_done(api_req_t *r, store_op_t *op)
{
    kop_t *o = (kop_t *)op;
    json_t *ret = o->ret;
    o->ret = NULL;
    if (op->rc < 0)
        api_problem_ext(r, status_of(&op->err), op->err.code, op->err.msg, ret);
    else if (o->ret_status == 204) {
        json_decref(ret);
        api_reply_empty(r, 204);
    } else
        api_reply_json(r, o->ret_status, ret ? ret : json_object());
    kop_free_inputs(o);
}

/* `Authorization: Kiosk KEY` (or Bearer KEY) into its hash; 401 if absent. */
bool h_gate_kiosk(api_req_t *r)
{
    if (r->w->kiosk)
        return true;
    api_problem(r, 503, "kiosk_disabled", "This server has no enrolment kiosk configured.");
    return false;
}

static bool sid_ok(h2o_iovec_t v)
{
    if (v.len != KIOSK_SESSION_ID_CHARS)
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (!((v.base[i] >= '0' && v.base[i] <= '9') || (v.base[i] >= 'a' && v.base[i] <= 'f')))
            return false;
    return true;
}

/* Common start: kiosk on, key, session id, body within `limit` (0: none). */
static kop_t *kop_start(api_req_t *r, kaction_t action, bool has_sid, size_t limit)
{
    kiosk_env_t *env = r->w->kiosk; /* on, and the key's form checked: the route's gate and auth */
    if (has_sid && !sid_ok(r->params[0])) {
        api_problem(r, 404, "session_not_found", "This kiosk has no such enrolment session.");
        return NULL;
    }
    h2o_iovec_t body = r->req->entity;
    if (limit) {
        const h2o_iovec_t *ct = api_header(r, H2O_TOKEN_CONTENT_TYPE);
        if (body.len > limit) {
            api_problem(r, 413, "body_too_large", "The request body is too large for this step.");
            return NULL;
        }
        if (!ct || ct->len < 16 || strncasecmp(ct->base, "application/json", 16) != 0) {
            api_problem(r, 415, "unsupported_media_type", "Send application/json.");
            return NULL;
        }
    }
    char *copy = limit ? malloc(body.len + 1) : NULL; /* the op's, once it exists */
    kop_t *o = !limit || copy ? api_op_new(r, sizeof *o, kop_done) : NULL;
    if (!o) {
        free(copy);
        api_problem_oom(r);
        return NULL;
    }
    o->op.lane = STORE_SLOW;
    o->op.run = run_kop;
    o->env = env;
    o->action = action;
    o->now = api_now(r);
    if (action != K_STATUS)
        memcpy(o->key_hash, r->token_hash, sizeof o->key_hash);
    if (has_sid)
        memcpy(o->sid, r->params[0].base, KIOSK_SESSION_ID_CHARS);
    if (limit) {
        memcpy(copy, body.base ? body.base : "", body.len);
        copy[body.len] = '\0';
        o->body = copy;
        o->body_len = body.len;
    }
    return o;
}

void h_kiosk_session_create(api_req_t *r)
{
    kop_t *o = kop_start(r, K_CREATE, false, 0);
    if (o)
        api_op_submit(r, &o->op);
}

void h_kiosk_session_get(api_req_t *r)
{
    kop_t *o = kop_start(r, K_GET, true, 0);
    if (o)
        api_op_submit(r, &o->op);
}

void h_kiosk_session_delete(api_req_t *r)
{
    kop_t *o = kop_start(r, K_DELETE, true, 0);
    if (o)
        api_op_submit(r, &o->op);
}

static void step(api_req_t *r, int kind, size_t limit)
{
    kop_t *o = kop_start(r, K_STEP, true, limit);
    if (!o)
        return;
    o->kind = kind;
    api_op_submit(r, &o->op);
}

void h_kiosk_document(api_req_t *r)
{
    step(r, STEP_DOCUMENT, LIMIT_KIOSK_CAPTURE_BYTES); /* a page's SBI answer or camera frame */
}
void h_kiosk_details(api_req_t *r)
{
    step(r, STEP_DETAILS, LIMIT_BODY_BYTES);
}
void h_kiosk_signature(api_req_t *r)
{
    step(r, STEP_SIGNATURE, LIMIT_KIOSK_SIGNATURE_BYTES);
}

void h_kiosk_capture(api_req_t *r)
{
    int kind = kind_of(r->params[1]);
    if (kind < 0) {
        api_problem(r, 404, "not_found", "Captures are face, slap-left, slap-right, thumbs, palm-left, palm-right.");
        return;
    }
    step(r, kind, LIMIT_KIOSK_CAPTURE_BYTES);
}

void h_kiosk_submit(api_req_t *r)
{
    kop_t *o = kop_start(r, K_SUBMIT, true, 0);
    if (o)
        api_op_submit(r, &o->op);
}

/* GET /api/v1/kiosk/enrolments/{receipt}/status?birth_date=YYYY-MM-DD — public. */
void h_kiosk_enrolment_status(api_req_t *r)
{
    static const char prefix[] = "birth_date=";
    h2o_iovec_t rc = r->params[0], q = r->query;
    date_t bd;
    if (!kiosk_receipt_valid(rc.base, rc.len)) {
        api_problem(r, 404, "enrolment_not_found", "No enrolment has this receipt and birth date.");
        return;
    }
    if (q.len != sizeof prefix - 1 + 10 || memcmp(q.base, prefix, sizeof prefix - 1) != 0 ||
        date_parse(q.base + sizeof prefix - 1, 10, &bd) < 0) {
        api_problem(r, 400, "invalid_birth_date", "Give ?birth_date=YYYY-MM-DD.");
        return;
    }
    kop_t *o = kop_start(r, K_STATUS, false, 0);
    if (!o)
        return;
    memcpy(o->receipt, rc.base, KIOSK_RECEIPT_CHARS);
    memcpy(o->birth_date, q.base + sizeof prefix - 1, 10);
    api_op_submit(r, &o->op);
}

/* ------------------------------------------------------------- the page */

enum { SBI_PORT_FIRST = 4501, SBI_PORT_LAST = 4600 };

void kiosk_page_security_headers(h2o_req_t *req)
{
    static const char head[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                               "media-src 'self' blob:; font-src 'self'; connect-src 'self'";
    static const char tail[] = "; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    enum { PORT_SRC = sizeof " http://127.0.0.1:4501" - 1 };
    size_t cap = sizeof head + (SBI_PORT_LAST - SBI_PORT_FIRST + 1) * PORT_SRC + sizeof tail;
    char *csp = h2o_mem_alloc_pool(&req->pool, cap);
    size_t n = (size_t)snprintf(csp, cap, "%s", head);
    for (int port = SBI_PORT_FIRST; port <= SBI_PORT_LAST && n < cap; port++)
        n += (size_t)snprintf(csp + n, cap - n, " http://127.0.0.1:%d", port);
    if (n < cap)
        n += (size_t)snprintf(csp + n, cap - n, "%s", tail);
    if (n >= cap)
        n = cap - 1;
    h2o_mem_pool_t *p = &req->pool;
    h2o_headers_t *h = &req->res.headers;
    h2o_add_header_by_str(p, h, H2O_STRLIT("content-security-policy"), 0, NULL, csp, n);
    h2o_add_header_by_str(p, h, H2O_STRLIT("x-content-type-options"), 0, NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("referrer-policy"), 0, NULL, H2O_STRLIT("no-referrer"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("x-frame-options"), 0, NULL, H2O_STRLIT("DENY"));
    /* The camera is the face step's fallback preview; nothing else. */
    h2o_add_header_by_str(
        p, h, H2O_STRLIT("permissions-policy"), 0, NULL, H2O_STRLIT("geolocation=(), camera=(self), microphone=()"));
}
