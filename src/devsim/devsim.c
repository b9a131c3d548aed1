/* uchet-devsim: the SBI device service for development and tests.
 *
 * Serves, on one 127.0.0.1 port (4501–4600), four simulated devices:
 *   1  Finger  Slap          4-4-2 slaps, deviceSubId 1 left four, 2 right four, 3 thumbs
 *   2  Palm    Full Palm     deviceSubId 1 left, 2 right
 *   3  Face    Full face     deviceSubId 0, with a STREAM preview
 *   4  Document Passport page deviceSubId 0
 * through the SBI 0.9.5 verbs MOSIPDISC, MOSIPDINFO, RCAPTURE (CAPTURE
 * answers like RCAPTURE with purpose Auth) and STREAM, plus CORS preflight,
 * and admin endpoints that force every failure a kiosk must survive.
 * docs/DEVSIM.md is the reference; `--help` the summary. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/b64url.h"
#include "base/file.h"
#include "base/parse.h"
#include "bio/facecheck.h"
#include "bio/iso19794.h"
#include "bio/jp2.h"
#include "bio/raster.h"
#include "bio/sbi.h"
#include "bio/synthfp.h"
#include "devsim/http.h"
#include "devsim/image.h"
#ifdef UCHET_HAVE_MRZ_RENDER
#include "render.h"
#endif

#define DEVSIM_VERSION "0.9.5"
#define DEFAULT_PORTRAIT "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
#define PORTRAITS_MAX 8
#define NDEV 4
#define MAX_DELAY_MS 120000
#define MAX_TIMEOUT_MS 300000

enum verb { V_DISC, V_DINFO, V_CAPTURE, V_STREAM, NVERBS };
static const char *const VERBS[NVERBS] = {"MOSIPDISC", "MOSIPDINFO", "RCAPTURE", "STREAM"};

enum dstatus { S_READY, S_BUSY, S_NOT_READY, S_NOT_REGISTERED, S_DISCONNECTED, NSTATUS };
static const char *const STATUS[NSTATUS] = {"Ready", "Busy", "Not Ready", "Not Registered", "Disconnected"};

enum sign_mode { SIGN_VALID, SIGN_NONE, SIGN_UNTRUSTED, SIGN_CORRUPT, NSIGN };
static const char *const SIGN[NSIGN] = {"valid", "none", "untrusted", "corrupt"};

struct device {
    const char *id, *type, *sub_type, *serial, *model;
    int subs[3];
    int nsubs;
    /* state, under g.mu */
    enum dstatus status;
    double forced_score; /* < 0: the simulated device scores itself */
    int delay_ms[NVERBS];
    int64_t unplug_at; /* monotonic ms when the cable comes out; 0 none */
    bool capturing;
};

static struct {
    pthread_mutex_t mu;
    struct device dev[NDEV];
    uint64_t base_seed;
    bool have_seed;
    uint64_t seed;           /* /admin/profile: every capture is this person */
    struct synthfp_opts fp;  /* /admin/profile finger degradations */
    uint32_t forced_missing; /* finger-position bits the device fails to see */
    int face_variant;
    enum sign_mode sign;
    unsigned char sk[64], pk[32], other_sk[64];
    char *cert_key_pem;   /* --cert-key: RS256 signing as certified devices sign; NULL = EdDSA */
    char *cert_chain_pem; /* --cert-chain: the x5c chain, device certificate first */
    /* --portrait FILEs as kiosk frames, each one passing uchet's own face
     * check; a subject's seed picks one. Read-only once serving. */
    struct img portraits[PORTRAITS_MAX];
    int nportraits;
    bool jp2; /* --image-format jp2: records hold lossless JPEG 2000, as MOSIP's devices send */
    /* One person's ridge fields: with a pinned seed (/admin/profile) every
     * capture is the same person, and a retake or a second enrolment then
     * renders only the impression. Its own lock; NULL if it could not be made. */
    struct synthfp_cache *fields;
    int port;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER};

static volatile bool stopping;

static const struct device DEVICES[NDEV] = {
    {"1", "Finger", "Slap", "DEVSIM-SLAP-0001", "devsim-442", {1, 2, 3}, 3, 0, -1, {0}, 0, false},
    {"2", "Palm", "Full Palm", "DEVSIM-PALM-0001", "devsim-palm", {1, 2}, 2, 0, -1, {0}, 0, false},
    {"3", "Face", "Full face", "DEVSIM-FACE-0001", "devsim-cam", {0}, 1, 0, -1, {0}, 0, false},
    {"4", "Document", "Passport page", "DEVSIM-DOC-0001", "devsim-doc", {0}, 1, 0, -1, {0}, 0, false},
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void iso_now(char out[40])
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    struct tm tm;
    gmtime_r(&t.tv_sec, &tm);
    strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    size_t n = strlen(out);
    snprintf(out + n, 40 - n, ".%03ldZ", t.tv_nsec / 1000000);
}

/* Status as of now (an unplug deadline that passed is a disconnection).
 * Caller holds g.mu. */
static enum dstatus status_now(struct device *d)
{
    if (d->unplug_at && now_ms() >= d->unplug_at) {
        d->status = S_DISCONNECTED;
        d->unplug_at = 0;
    }
    return d->status;
}

static struct device *device_by_id(const char *id)
{
    for (int i = 0; i < NDEV; i++)
        if (id && strcmp(g.dev[i].id, id) == 0)
            return &g.dev[i];
    return NULL;
}

/* ---- replies ---- */

static void reply_json(struct http_req *r, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s) {
        http_reply(r, 500, "application/json", "{}", 2);
        return;
    }
    http_reply(r, status, "application/json", s, strlen(s));
    free(s);
}

static json_t *error_obj(int code, const char *info)
{
    char c[16];
    snprintf(c, sizeof c, "%d", code);
    return json_pack("{s:s, s:s}", "errorCode", c, "errorInfo", info);
}

/* An RCAPTURE answer carrying one error. */
static void capture_error(struct http_req *r, int code, const char *info)
{
    reply_json(r, 200,
        json_pack("{s:[{s:s, s:s, s:s, s:o}]}", "biometrics", "specVersion", DEVSIM_VERSION, "data", "", "hash", "",
            "error", error_obj(code, info)));
}

static void admin_error(struct http_req *r, int status, const char *msg)
{
    reply_json(r, status, json_pack("{s:s}", "error", msg));
}

/* ---- signing ---- */

static char *b64_str(const char *s)
{
    char *o = NULL;
    b64url_encode((const unsigned char *)s, strlen(s), &o, NULL);
    return o;
}

/* Signs a JSON object per the current signing mode (caller holds no lock;
 * mode and keys are read under g.mu). Returns a new string or NULL. */
static char *sign_json(json_t *o, enum sign_mode mode)
{
    char *txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    if (!txt)
        return NULL;
    char *out = NULL;
    if (mode == SIGN_NONE) {
        char *h = b64_str("{\"alg\":\"none\"}"), *p = b64_str(txt);
        size_t n = strlen(h) + strlen(p) + 3;
        out = h && p ? malloc(n) : NULL;
        if (out)
            snprintf(out, n, "%s.%s.", h, p);
        free(h), free(p);
    } else if (mode != SIGN_UNTRUSTED && g.cert_key_pem) {
        sbi_jws_sign_x5c(txt, strlen(txt), g.cert_key_pem, g.cert_chain_pem, &out);
    } else {
        sbi_jws_sign(txt, strlen(txt), mode == SIGN_UNTRUSTED ? g.other_sk : g.sk, &out);
    }
    /* corrupt: one character of the signature changed, whatever signed it */
    char *sig = out && mode == SIGN_CORRUPT ? strrchr(out, '.') : NULL;
    if (sig && sig[1] && sig[2])
        sig[2] = sig[2] == 'A' ? 'B' : 'A';
    free(txt);
    return out;
}

static json_t *digital_id_obj(const struct device *d)
{
    char ts[40];
    iso_now(ts);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "serialNo", d->serial, "make", "uchet", "model",
        d->model, "type", d->type, "deviceSubType", d->sub_type, "deviceProvider", "uchet devsim", "deviceProviderId",
        "uchet.devsim", "dateTime", ts);
}

static json_t *device_fields(const struct device *d, enum dstatus st, const char *digital_id)
{
    char cb[64];
    snprintf(cb, sizeof cb, "http://127.0.0.1:%d/", g.port);
    json_t *subs = json_array();
    for (int i = 0; i < d->nsubs; i++)
        json_array_append_new(subs, json_integer(d->subs[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:[s], s:s}", "deviceId", d->id, "deviceStatus",
        STATUS[st], "certification", "L1", "serviceVersion", DEVSIM_VERSION, "deviceSubId", subs, "callbackId", cb,
        "digitalId", digital_id, "deviceCode", d->serial, "purpose", st == S_NOT_REGISTERED ? "" : "Registration",
        "specVersion", DEVSIM_VERSION, "env", "Developer");
}

/* Sleeps ms in slices, watching for the device being unplugged. Returns
 * false if it was unplugged meanwhile. */
static bool wait_ms(struct device *d, int ms)
{
    int64_t until = now_ms() + ms;
    for (;;) {
        pthread_mutex_lock(&g.mu);
        bool gone = status_now(d) == S_DISCONNECTED;
        pthread_mutex_unlock(&g.mu);
        if (gone)
            return false;
        int64_t left = until - now_ms();
        if (left <= 0)
            return true;
        struct timespec ts = {0, (left > 20 ? 20 : left) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void verb_delay(enum verb v)
{
    int ms = 0;
    pthread_mutex_lock(&g.mu);
    for (int i = 0; i < NDEV; i++)
        if (g.dev[i].delay_ms[v] > ms)
            ms = g.dev[i].delay_ms[v];
    pthread_mutex_unlock(&g.mu);
    if (ms > 0) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* ---- MOSIPDISC / MOSIPDINFO ---- */

static const char *request_type(const char *body, size_t len)
{
    static __thread char type[32];
    type[0] = '\0';
    json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
    const char *t = json_string_value(json_object_get(j, "type"));
    if (t && strlen(t) < sizeof type)
        memcpy(type, t, strlen(t) + 1);
    json_decref(j);
    return type[0] && strcmp(type, "Biometric Device") != 0 ? type : NULL;
}

static void do_discover(struct http_req *r, bool info)
{
    verb_delay(info ? V_DINFO : V_DISC);
    const char *type = request_type(r->body, r->body_len);
    json_t *arr = json_array();
    for (int i = 0; i < NDEV; i++) {
        struct device *d = &g.dev[i];
        if (type && strcasecmp(type, d->type) != 0)
            continue;
        pthread_mutex_lock(&g.mu);
        enum dstatus st = status_now(d);
        enum sign_mode mode = g.sign;
        pthread_mutex_unlock(&g.mu);
        if (st == S_DISCONNECTED)
            continue;
        json_t *did = digital_id_obj(d);
        if (!info) {
            char *t = json_dumps(did, JSON_COMPACT | JSON_SORT_KEYS);
            char *u = t ? b64_str(t) : NULL;
            json_t *f = device_fields(d, st, u ? u : "");
            json_object_set_new(f, "error", error_obj(0, "Success"));
            json_array_append_new(arr, f);
            free(t), free(u);
        } else if (st == S_NOT_REGISTERED) {
            /* an unregistered device's info is not signed (SBI 0.9.5) */
            char *t = json_dumps(did, JSON_COMPACT | JSON_SORT_KEYS);
            char *u = t ? b64_str(t) : NULL;
            json_t *f = device_fields(d, st, u ? u : "");
            json_object_set_new(f, "firmware", json_string("devsim-1"));
            char *ft = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
            char *fu = ft ? b64_str(ft) : NULL;
            json_array_append_new(
                arr, json_pack("{s:s, s:o}", "deviceInfo", fu ? fu : "", "error", error_obj(0, "Success")));
            json_decref(f);
            free(t), free(u), free(ft), free(fu);
        } else {
            char *ds = sign_json(did, mode);
            json_t *f = device_fields(d, st, ds ? ds : "");
            json_object_set_new(f, "firmware", json_string("devsim-1"));
            char *fs = sign_json(f, mode);
            json_array_append_new(
                arr, json_pack("{s:s, s:o}", "deviceInfo", fs ? fs : "", "error", error_obj(0, "Success")));
            json_decref(f);
            free(ds), free(fs);
        }
        json_decref(did);
    }
    if (json_array_size(arr) == 0)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "deviceId", "", "deviceStatus", "", "error",
                                       error_obj(202, "No Device Connected")));
    reply_json(r, 200, arr);
}

/* ---- identities ---- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The portrait a subject wears: a hash of its seed, so neighbouring seeds
 * are not simply taken in turn. Needs g.nportraits > 0. */
static const struct img *portrait_of(uint64_t seed)
{
    uint64_t h = (seed ^ 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    return &g.portraits[(h >> 33) % (uint64_t)g.nportraits];
}

/* uchet's face check on an RGB image. 0, -ENOMEM, -EIO. */
static int check_face(face_detector_t *det, const struct img *im, face_result_t *ret)
{
    raster_t *r = NULL;
    int rc = raster_new((uint32_t)im->w, (uint32_t)im->h, 3, 0, &r);
    if (rc < 0)
        return rc;
    memcpy(r->pix, im->p, (size_t)im->w * im->h * 3);
    rc = face_check(det, r, NULL, ret);
    raster_free(r);
    return rc;
}

/* Reads the portrait at path, finds its face and makes it a kiosk frame;
 * refuses, saying why on stderr, one whose frame fails uchet's face check
 * (a good capture would otherwise be refused by the kiosk). 0 or -1. */
static int load_portrait(face_detector_t *det, const char *path, struct img *ret)
{
    struct img src, framed;
    face_result_t r;
    if (img_load_rgb(path, &src) < 0) {
        fprintf(stderr, "uchet-devsim: portrait %s: not a readable JPEG or PNG\n", path);
        return -1;
    }
    int rc = check_face(det, &src, &r);
    if (rc == 0 && (r.faces == 0 || r.fw <= 0))
        rc = -ENOENT;
    if (rc == 0)
        rc = face_frame(&src, r.fx, r.fy, r.fw, r.fh, &framed);
    img_free(&src);
    if (rc < 0) {
        fprintf(stderr, "uchet-devsim: portrait %s: %s\n", path, rc == -ENOENT ? "no face found" : strerror(-rc));
        return -1;
    }
    rc = check_face(det, &framed, &r);
    if (rc < 0 || r.reason != FACE_OK) {
        if (rc < 0)
            fprintf(stderr, "uchet-devsim: portrait %s: face check: %s\n", path, strerror(-rc));
        else
            fprintf(stderr,
                "uchet-devsim: portrait %s: framed, it fails the face check (%s: eyes %.0f px apart, "
                "sharpness %.0f); not used\n",
                path, face_reason_code(r.reason), r.eye_distance, r.sharpness);
        img_free(&framed);
        return -1;
    }
    *ret = framed;
    return 0;
}

static void load_portraits(const char *const *paths, int n)
{
    face_detector_t *det = NULL;
    err_t err = {0};
    if (face_detector_open(NULL, &det, &err) < 0) {
        fprintf(stderr, "uchet-devsim: no face detector (%s): the face camera answers 106\n", err.msg);
        return;
    }
    for (int i = 0; i < n; i++)
        if (load_portrait(det, paths[i], &g.portraits[g.nportraits]) == 0)
            g.nportraits++;
    face_detector_free(det);
    if (!g.nportraits)
        fprintf(stderr, "uchet-devsim: no usable portrait: the face camera answers 106\n");
}

/* The subject of a capture: the admin profile's seed when set, else one
 * person per transaction (distinct transactions, distinct people). */
static uint64_t subject_seed(const char *txn)
{
    pthread_mutex_lock(&g.mu);
    uint64_t s = g.have_seed ? g.seed : g.base_seed ^ fnv1a(txn);
    pthread_mutex_unlock(&g.mu);
    return s;
}

static const char *const FINGER_NAME[11] = {
    "",
    "Right Thumb",
    "Right IndexFinger",
    "Right MiddleFinger",
    "Right RingFinger",
    "Right LittleFinger",
    "Left Thumb",
    "Left IndexFinger",
    "Left MiddleFinger",
    "Left RingFinger",
    "Left LittleFinger",
};

static int finger_position(const char *name)
{
    for (int i = 1; i <= 10; i++)
        if (strcmp(name, FINGER_NAME[i]) == 0)
            return i;
    return 0;
}

/* deviceSubId → the slap's fingers and synthfp slap code */
static int slap_of_sub(int sub, uint32_t *ret_fingers)
{
    switch (sub) {
        case 1: *ret_fingers = 0x780; return SYNTHFP_SLAP_LEFT_FOUR; /* 7..10 */
        case 2: *ret_fingers = 0x3C; return SYNTHFP_SLAP_RIGHT_FOUR; /* 2..5 */
        case 3: *ret_fingers = 0x42; return SYNTHFP_SLAP_THUMBS;     /* 1, 6 */
        default: return -1;
    }
}

static double self_score(const struct synthfp_opts *o, uint64_t seed)
{
    double worst = fmax(fmax(fmax(o->dry, o->wet), fmax(o->smudge, o->partial)), fmax(o->low_contrast, o->noise));
    double jitter = (double)(seed % 9) - 4.0;
    double s = 88.0 - 75.0 * worst + jitter;
    return s < 1 ? 1 : s > 100 ? 100 : round(s);
}

/* ---- RCAPTURE ---- */

struct shot {
    const char *bio_type;
    char sub_type[32];
    unsigned char *value; /* encoded image, owned */
    size_t len;
    double score;
};

struct capture_req {
    char txn[96];
    char prev[SBI_HASH_HEX + 1];
    const char *env;
    int sub;
    long count;
    int timeout;
    double requested;
    bool slap_ext;
    uint32_t exceptions; /* finger-position bits */
    struct device *dev;
};

/* Validates the RCAPTURE request body; 0 or an SBI error code with info. */
static int parse_capture_req(const char *body, size_t len, struct capture_req *q, const char **info)
{
    memset(q, 0, sizeof *q);
    q->timeout = 10000;
    q->requested = -1;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    int code = 0;
    json_t *bio = json_object_get(j, "bio"), *b = NULL;
    const char *txn = json_string_value(json_object_get(j, "transactionId"));
    json_t *to = json_object_get(j, "timeout");
    *info = "invalid request";
    if (!json_is_object(j)) {
        *info = "request is not a JSON object";
        code = 501;
    } else if (!txn || !*txn || strlen(txn) >= sizeof q->txn) {
        *info = "transactionId missing or too long";
        code = 112;
    } else if (!json_is_array(bio) || json_array_size(bio) != 1 || !json_is_object(b = json_array_get(bio, 0))) {
        *info = "bio must hold exactly one request";
        code = 501;
    }
    if (code == 0) {
        memcpy(q->txn, txn, strlen(txn) + 1);
        if (to) {
            double t = -1;
            if (json_is_number(to))
                t = json_number_value(to);
            else if (json_is_string(to)) {
                uint64_t v;
                if (parse_u64(json_string_value(to), json_string_length(to), 1, MAX_TIMEOUT_MS, &v) == 0)
                    t = (double)v;
            }
            if (!(t >= 1 && t <= MAX_TIMEOUT_MS)) {
                *info = "timeout must be 1..300000 ms";
                code = 501;
            } else
                q->timeout = (int)t;
        }
    }
    const char *did = NULL;
    if (code == 0) {
        json_t *dv = json_object_get(b, "deviceId");
        did = json_string_value(dv);
        char tmp[8];
        if (json_is_integer(dv)) {
            snprintf(tmp, sizeof tmp, "%d", (int)json_integer_value(dv));
            did = tmp;
        }
        q->dev = device_by_id(did);
        if (!q->dev) {
            *info = "unknown deviceId";
            code = 106;
        }
    }
    if (code == 0) {
        json_t *sv = json_object_get(b, "deviceSubId");
        uint64_t v = 99;
        if (json_is_integer(sv))
            v = (uint64_t)json_integer_value(sv);
        else if (json_is_string(sv))
            parse_u64(json_string_value(sv), json_string_length(sv), 0, 9, &v);
        bool ok = false;
        for (int i = 0; i < q->dev->nsubs; i++)
            ok |= (uint64_t)q->dev->subs[i] == v;
        if (!ok) {
            *info = "deviceSubId not served by this device";
            code = 106;
        } else
            q->sub = (int)v;
    }
    if (code == 0) {
        const char *type = json_string_value(json_object_get(b, "type"));
        if (!type || strcasecmp(type, q->dev->type) != 0) {
            *info = "type does not match the device";
            code = 501;
        }
    }
    if (code == 0) {
        const char *ph = json_string_value(json_object_get(b, "previousHash"));
        if (json_object_get(b, "previousHash") && !ph) {
            *info = "previousHash is not a string";
            code = 501;
        } else if (ph && *ph) {
            char tmp[SBI_HASH_HEX + 1];
            if (strlen(ph) != SBI_HASH_HEX || sbi_chain_next(ph, NULL, 0, tmp) < 0) {
                *info = "previousHash is not 64 hex digits";
                code = 501;
            } else
                memcpy(q->prev, ph, SBI_HASH_HEX + 1);
        }
    }
    if (code == 0) {
        json_t *ex = json_object_get(b, "exception");
        if (ex && !json_is_array(ex)) {
            *info = "exception is not a list";
            code = 501;
        }
        for (size_t i = 0; code == 0 && i < json_array_size(ex); i++) {
            const char *n = json_string_value(json_array_get(ex, i));
            int pos = n ? finger_position(n) : 0;
            if (!pos) {
                *info = "exception names an unknown finger";
                code = 501;
            } else
                q->exceptions |= 1u << pos;
        }
        json_t *c = json_object_get(b, "count");
        uint64_t cnt = 1;
        if (json_is_integer(c))
            cnt = (uint64_t)json_integer_value(c);
        else if (json_is_string(c) && parse_u64(json_string_value(c), json_string_length(c), 0, 10, &cnt) < 0)
            cnt = 99;
        q->count = (long)cnt;
        json_t *rs = json_object_get(b, "requestedScore");
        if (json_is_number(rs))
            q->requested = json_number_value(rs);
        else if (json_is_string(rs)) {
            uint64_t v;
            if (parse_u64(json_string_value(rs), json_string_length(rs), 0, 100, &v) == 0)
                q->requested = (double)v;
        }
    }
    if (code == 0) {
        json_t *co = json_object_get(j, "customOpts");
        size_t i;
        json_t *o;
        json_array_foreach (co, i, o) {
            const char *n = json_string_value(json_object_get(o, "name"));
            const char *v = json_string_value(json_object_get(o, "value"));
            if (n && v && strcmp(n, "uchet.slap") == 0 && strcmp(v, "true") == 0)
                q->slap_ext = true;
        }
        const char *env = json_string_value(json_object_get(j, "env"));
        q->env = env && strcmp(env, "Staging") == 0 ? "Staging" : "Developer";
    }
    json_decref(j);
    return code;
}

static int encode_grey(
    const struct synthfp_image *im, int x0, int y0, int x1, int y1, unsigned char **ret, size_t *ret_len)
{
    struct img whole = {im->width, im->height, 1, im->pix}, part;
    int rc = img_crop(&whole, x0, y0, x1, y1, &part);
    if (rc < 0)
        return rc;
    rc = img_png(&part, ret, ret_len);
    img_free(&part);
    return rc;
}

/* Renders what the device sees. Fills shots (up to 4) and, for slaps, the
 * whole slap image and its boxes. Returns the shot count or an SBI error. */
static int render(const struct capture_req *q, uint64_t seed, struct shot *shots, unsigned char **slap_png,
    size_t *slap_len, struct synthfp_box *boxes, int *nboxes)
{
    pthread_mutex_lock(&g.mu);
    struct synthfp_opts o = g.fp;
    o.cache = g.fields;
    uint32_t forced_missing = g.forced_missing;
    int variant = g.face_variant;
    pthread_mutex_unlock(&g.mu);
    o.impression = (uint32_t)(fnv1a(q->txn) & 0xffff);
    const struct device *d = q->dev;
    if (strcmp(d->type, "Finger") == 0) {
        uint32_t fingers = 0;
        int slap = slap_of_sub(q->sub, &fingers);
        uint32_t missing = (q->exceptions | forced_missing) & fingers;
        struct synthfp_image im;
        if (synthfp_slap(seed, slap, missing, &o, &im, boxes, nboxes, NULL) < 0)
            return -102;
        int n = 0;
        for (int i = 0; i < *nboxes; i++) {
            const struct synthfp_box *b = &boxes[i];
            struct shot *s = &shots[n];
            s->bio_type = "Finger";
            snprintf(s->sub_type, sizeof s->sub_type, "%s", FINGER_NAME[b->position]);
            s->score = self_score(&o, seed + (uint64_t)b->position);
            if (encode_grey(&im, b->left, b->top, b->right, b->bottom, &s->value, &s->len) < 0)
                break;
            n++;
        }
        int rc = 0;
        if (q->slap_ext)
            rc = encode_grey(&im, 0, 0, im.width, im.height, slap_png, slap_len);
        synthfp_image_free(&im);
        if (n < *nboxes || rc < 0) {
            for (int i = 0; i < n; i++)
                free(shots[i].value);
            return -102;
        }
        return n;
    }
    if (strcmp(d->type, "Palm") == 0) {
        struct synthfp_image im;
        if (synthfp_palm(seed, q->sub == 1 ? 1 : 0, &o, &im, NULL) < 0)
            return -102;
        shots[0].bio_type = "Palm";
        snprintf(shots[0].sub_type, sizeof shots[0].sub_type, "%s", q->sub == 1 ? "Left Palm" : "Right Palm");
        shots[0].score = self_score(&o, seed);
        int rc = encode_grey(&im, 0, 0, im.width, im.height, &shots[0].value, &shots[0].len);
        synthfp_image_free(&im);
        return rc < 0 ? -102 : 1;
    }
    if (strcmp(d->type, "Face") == 0) {
        if (!g.nportraits)
            return -106;
        struct img f;
        if (face_make(portrait_of(seed), (enum face_variant)variant, seed, &f) < 0)
            return -102;
        static const double score[FACEV_VARIANTS] = {90, 35, 30, 45, 40, 20, 50};
        shots[0].bio_type = "Face";
        shots[0].sub_type[0] = '\0';
        shots[0].score = score[variant];
        int rc = img_png(&f, &shots[0].value, &shots[0].len);
        img_free(&f);
        return rc < 0 ? -102 : 1;
    }
#ifdef UCHET_HAVE_MRZ_RENDER
    {
        unsigned s32 = (unsigned)(seed ^ (seed >> 32));
        char mrz[3 * 45], today[8];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(today, sizeof today, "%y%m%d", &tm);
        char *nl = NULL;
        /* a random valid TD3 zone that has not expired (expiry: line 2, 22-27) */
        for (int tries = 0; tries < 64; tries++) {
            render_random_mrz(&s32, 3, mrz);
            nl = strchr(mrz, '\n');
            if (nl && strlen(nl + 1) >= 27 && memcmp(nl + 1 + 21, today, 6) > 0)
                break;
            nl = NULL;
        }
        if (!nl)
            return -102;
        *nl = '\0';
        const char *lines[2] = {mrz, nl + 1};
        struct render_opts ro = {.px = 30, .seed = s32};
        unsigned char *mz = NULL;
        size_t mzl = 0;
        if (render_mrz(lines, 2, &ro, &mz, &mzl) < 0)
            return -102;
        /* the data page: the holder's portrait and the zone along the bottom */
        struct img zone, face = {0}, page;
        int rc = img_png_decode_grey(mz, mzl, &zone);
        free(mz);
        if (rc < 0)
            return -102;
        if (g.nportraits && face_make(portrait_of(seed), FACEV_GOOD, seed, &face) < 0)
            face.p = NULL;
        rc = img_data_page(face.p ? &face : NULL, &zone, &page);
        img_free(&zone);
        img_free(&face);
        if (rc == 0) {
            rc = img_png(&page, &shots[0].value, &shots[0].len);
            img_free(&page);
        }
        if (rc < 0)
            return -102;
        shots[0].bio_type = "Document";
        snprintf(shots[0].sub_type, sizeof shots[0].sub_type, "Passport data page");
        shots[0].score = 95;
        return 1;
    }
#else
    return -106;
#endif
}

/* The PNG in *img as a lossless JPEG 2000 file (bio/jp2), in place. */
static int png_to_jp2(unsigned char **img, size_t *len)
{
    raster_t *r = NULL;
    uint8_t *out = NULL;
    size_t n = 0;
    int rc = raster_decode(*img, *len, 0, &r, NULL);
    if (rc == 0)
        rc = jp2_encode_lossless(r, &out, &n, NULL);
    raster_free(r);
    if (rc < 0)
        return rc;
    free(*img);
    *img = out;
    *len = n;
    return 0;
}

/* SBI sends fingers, palms and faces as ISO/IEC 19794 records around the
 * image (part 4 for fingers, slaps and palms, part 5 for faces, as MOSIP's
 * devices do): replaces the PNG in *img with that record, carrying the
 * score that goes out as qualityScore and the size read off the PNG's
 * header; with --image-format jp2 the image inside is that PNG as lossless
 * JPEG 2000. Document pages stay plain images (our own extension). */
static int iso_wrap(unsigned char **img, size_t *len, iso_modality_t m, uint8_t pos, double score)
{
    uint32_t w = 0, h = 0;
    if (raster_png_size(*img, *len, &w, &h) < 0 || w > UINT16_MAX || h > UINT16_MAX)
        return -1;
    if (g.jp2 && png_to_jp2(img, len) < 0)
        return -1;
    iso_image_t im = {.modality = m,
        .position = pos,
        .quality = (uint8_t)lround(fmin(fmax(score, 0), 100)),
        .width = (uint16_t)w,
        .height = (uint16_t)h,
        .ppi = m == ISO_FINGER ? 500 : 0,
        .kind = g.jp2 ? ISO_IMG_JP2 : ISO_IMG_PNG,
        .data = *img,
        .len = *len};
    uint8_t *rec = NULL;
    size_t n = 0;
    if (iso19794_write(&im, (int64_t)time(NULL), &rec, &n, NULL) < 0)
        return -1;
    free(*img);
    *img = rec;
    *len = n;
    return 0;
}

/* Wraps each finger, palm and face shot, and the slap image (deviceSubId
 * 1 left four: 14, 2 right four: 13, 3 thumbs: 15), with the scores that are
 * sent (`forced` when set). */
static int wrap_shots(struct shot *shots, int n, unsigned char **slap, size_t *slap_len, int sub, double forced)
{
    static const uint8_t slap_pos[4] = {0, 14, 13, 15};
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double score = forced >= 0 ? forced : shots[i].score;
        bool face = strcmp(shots[i].bio_type, "Face") == 0;
        sum += score;
        if (!face && strcmp(shots[i].bio_type, "Finger") != 0 && strcmp(shots[i].bio_type, "Palm") != 0)
            continue;
        uint8_t pos = face ? 0 : iso19794_position_of(shots[i].sub_type);
        if (iso_wrap(&shots[i].value, &shots[i].len, face ? ISO_FACE : ISO_FINGER, pos, score) < 0)
            return -1;
    }
    if (*slap && (sub < 1 || sub > 3 || iso_wrap(slap, slap_len, ISO_FINGER, slap_pos[sub], n ? sum / n : 0) < 0))
        return -1;
    return 0;
}

static void do_capture(struct http_req *r, bool auth)
{
    struct capture_req q;
    const char *info;
    int code = parse_capture_req(r->body, r->body_len, &q, &info);
    if (code) {
        capture_error(r, code, info);
        return;
    }
    struct device *d = q.dev;
    pthread_mutex_lock(&g.mu);
    enum dstatus st = status_now(d);
    bool busy = d->capturing;
    int delay = d->delay_ms[V_CAPTURE];
    double forced = d->forced_score;
    enum sign_mode mode = g.sign;
    if (st == S_READY && !busy)
        d->capturing = true;
    pthread_mutex_unlock(&g.mu);
    switch (st) {
        case S_READY: break;
        case S_BUSY: capture_error(r, 111, "Device Busy"); return;
        case S_NOT_READY: capture_error(r, 110, "Device Not Ready"); return;
        case S_NOT_REGISTERED: capture_error(r, 100, "Device Not Registered"); return;
        default: capture_error(r, 202, "No Device Connected"); return;
    }
    if (busy) {
        capture_error(r, 703, "Capture already in progress");
        return;
    }
    /* count must match the fingers of the slap minus the declared exceptions */
    if (strcmp(d->type, "Finger") == 0) {
        uint32_t fingers = 0;
        slap_of_sub(q.sub, &fingers);
        long want = __builtin_popcount(fingers & ~q.exceptions);
        if (q.count != want) {
            pthread_mutex_lock(&g.mu);
            d->capturing = false;
            pthread_mutex_unlock(&g.mu);
            capture_error(r, 109, "Count Mismatch");
            return;
        }
    }
    bool alive = wait_ms(d, delay < q.timeout ? delay : q.timeout);
    if (alive && delay >= q.timeout) {
        pthread_mutex_lock(&g.mu);
        d->capturing = false;
        pthread_mutex_unlock(&g.mu);
        capture_error(r, 701, "Capture Timeout");
        return;
    }
    struct shot shots[4] = {0};
    unsigned char *slap_png = NULL;
    size_t slap_len = 0;
    struct synthfp_box boxes[4];
    int nboxes = 0;
    uint64_t seed = subject_seed(q.txn);
    int n = alive ? render(&q, seed, shots, &slap_png, &slap_len, boxes, &nboxes) : 0;
    /* unplugged while capturing (during the delay or the rendering): the
     * connection drops without an answer, as a pulled USB cable does */
    if (alive)
        alive = wait_ms(d, 0);
    pthread_mutex_lock(&g.mu);
    d->capturing = false;
    pthread_mutex_unlock(&g.mu);
    if (!alive) {
        for (int i = 0; i < n; i++)
            free(shots[i].value);
        free(slap_png);
        shutdown(r->fd, SHUT_RDWR);
        return;
    }
    if (n < 0) {
        capture_error(r, -n, n == -106 ? "Device Not Found" : "Extraction Failed");
        return;
    }
    if (wrap_shots(shots, n, &slap_png, &slap_len, q.sub, forced) < 0) {
        for (int i = 0; i < n; i++)
            free(shots[i].value);
        free(slap_png);
        capture_error(r, 102, "Extraction Failed");
        return;
    }
    char prev[SBI_HASH_HEX + 1];
    memcpy(prev, q.prev, sizeof prev);
    json_t *arr = json_array();
    char ts[40];
    iso_now(ts);
    json_t *did = digital_id_obj(d);
    char *dids = sign_json(did, mode);
    json_decref(did);
    char req[16] = "";
    if (q.requested >= 0)
        snprintf(req, sizeof req, "%.0f", q.requested);
    for (int i = 0; i < n; i++) {
        char *bv = NULL;
        b64url_encode(shots[i].value, shots[i].len, &bv, NULL);
        double score = forced >= 0 ? forced : shots[i].score;
        json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s}", "digitalId",
            dids ? dids : "", "bioType", shots[i].bio_type, "bioSubType", shots[i].sub_type, "purpose",
            auth ? "Auth" : "Registration", "env", q.env, "bioValue", bv ? bv : "", "transactionId", q.txn, "timestamp",
            ts, "requestedScore", req, "qualityScore", score, "deviceCode", d->serial, "deviceServiceVersion",
            DEVSIM_VERSION);
        if (!req[0])
            json_object_del(data, "requestedScore");
        char *jws = sign_json(data, mode);
        json_decref(data);
        sbi_chain_next(prev, shots[i].value, shots[i].len, prev);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o}", "specVersion", DEVSIM_VERSION, "data",
                                       jws ? jws : "", "hash", prev, "error", error_obj(0, "Success")));
        free(jws), free(bv), free(shots[i].value);
    }
    json_t *top = json_pack("{s:o}", "biometrics", arr);
    if (slap_png) {
        json_t *segs = json_array();
        for (int i = 0; i < nboxes; i++)
            json_array_append_new(
                segs, json_pack("{s:s, s:i, s:i, s:i, s:i}", "bioSubType", FINGER_NAME[boxes[i].position], "left",
                          boxes[i].left, "right", boxes[i].right, "top", boxes[i].top, "bottom", boxes[i].bottom));
        char *bv = NULL;
        b64url_encode(slap_png, slap_len, &bv, NULL);
        json_t *p = json_pack("{s:s, s:i, s:s, s:s, s:o}", "transactionId", q.txn, "deviceSubId", q.sub, "timestamp",
            ts, "bioValue", bv ? bv : "", "segments", segs);
        char *jws = sign_json(p, mode);
        json_decref(p);
        json_object_set_new(top, "customOpts", json_pack("{s:s}", "slap", jws ? jws : ""));
        free(jws), free(bv), free(slap_png);
    }
    free(dids);
    reply_json(r, 200, top);
}

/* ---- STREAM ---- */

static void do_stream(struct http_req *r)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *dv = json_object_get(j, "deviceId"), *to = json_object_get(j, "timeout");
    char idbuf[8];
    const char *id = json_string_value(dv);
    if (json_is_integer(dv)) {
        snprintf(idbuf, sizeof idbuf, "%d", (int)json_integer_value(dv));
        id = idbuf;
    }
    struct device *d = device_by_id(id);
    int timeout = 5000;
    if (json_is_integer(to) && json_integer_value(to) > 0 && json_integer_value(to) <= 60000)
        timeout = (int)json_integer_value(to);
    json_decref(j);
    if (!d || strcmp(d->type, "Face") != 0 || !g.nportraits) {
        capture_error(r, 106, "No stream for this device");
        return;
    }
    verb_delay(V_STREAM);
    pthread_mutex_lock(&g.mu);
    enum dstatus st = status_now(d);
    int variant = g.face_variant;
    pthread_mutex_unlock(&g.mu);
    if (st != S_READY) {
        capture_error(r, st == S_DISCONNECTED ? 202 : st == S_BUSY ? 111 : 110, STATUS[st]);
        return;
    }
    static const char head[] = "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\n"
                               "Content-Type: multipart/x-mixed-replace; boundary=devsimframe\r\n"
                               "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
    if (http_write(r->fd, head, sizeof head - 1) < 0)
        return;
    struct img face;
    uint64_t seed = subject_seed("stream");
    if (face_make(portrait_of(seed), (enum face_variant)variant, seed, &face) < 0)
        return;
    /* quarter-size preview frames, a slight sway from frame to frame */
    struct img small = {face.w / 2, face.h / 2, 3, malloc((size_t)(face.w / 2) * (face.h / 2) * 3)};
    int64_t until = now_ms() + timeout;
    for (int k = 0; small.p && now_ms() < until; k++) {
        int sway = (int)lround(4 * sin(k * 0.7));
        for (int y = 0; y < small.h; y++)
            for (int x = 0; x < small.w; x++) {
                int sx = 2 * x + sway, sy = 2 * y;
                sx = sx < 0 ? 0 : sx >= face.w ? face.w - 1 : sx;
                memcpy(small.p + ((size_t)y * small.w + x) * 3, face.p + ((size_t)sy * face.w + sx) * 3, 3);
            }
        unsigned char *jpg = NULL;
        size_t jl = 0;
        if (img_jpeg(&small, 70, &jpg, &jl) < 0)
            break;
        char ph[128];
        int hl =
            snprintf(ph, sizeof ph, "--devsimframe\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n\r\n", jl);
        int rc = http_write(r->fd, ph, (size_t)hl);
        if (rc == 0)
            rc = http_write(r->fd, jpg, jl);
        if (rc == 0)
            rc = http_write(r->fd, "\r\n", 2);
        free(jpg);
        if (rc < 0 || !wait_ms(d, 100))
            break;
    }
    http_write(r->fd, "--devsimframe--\r\n", 17);
    img_free(&small);
    img_free(&face);
}

/* ---- admin ---- */

/* Devices a request names by "deviceId" or "type" (none: all). Returns a
 * bit mask, 0 when it names nothing known. */
static unsigned admin_targets(const json_t *j)
{
    const char *id = json_string_value(json_object_get(j, "deviceId"));
    const char *type = json_string_value(json_object_get(j, "type"));
    unsigned m = 0;
    for (int i = 0; i < NDEV; i++)
        if ((!id || strcmp(id, g.dev[i].id) == 0) && (!type || strcasecmp(type, g.dev[i].type) == 0))
            m |= 1u << i;
    return m;
}

static json_t *admin_state(void)
{
    json_t *devs = json_array();
    pthread_mutex_lock(&g.mu);
    for (int i = 0; i < NDEV; i++) {
        struct device *d = &g.dev[i];
        json_t *delays = json_object();
        for (int v = 0; v < NVERBS; v++)
            json_object_set_new(delays, VERBS[v], json_integer(d->delay_ms[v]));
        json_array_append_new(devs,
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "deviceId", d->id, "type", d->type, "deviceStatus",
                STATUS[status_now(d)], "qualityScore", d->forced_score >= 0 ? json_real(d->forced_score) : json_null(),
                "delayMs", delays, "capturing", d->capturing));
    }
    json_t *missing = json_array();
    for (int p = 1; p <= 10; p++)
        if (g.forced_missing & (1u << p))
            json_array_append_new(missing, json_string(FINGER_NAME[p]));
    json_t *st = json_pack("{s:o, s:o, s:o, s:s, s:s, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f}}", "devices", devs, "seed",
        g.have_seed ? json_integer((json_int_t)(g.seed & 0x7fffffffffffffffull)) : json_null(), "missing", missing,
        "face", face_variant_name((enum face_variant)g.face_variant), "signing", SIGN[g.sign], "finger", "dry",
        g.fp.dry, "wet", g.fp.wet, "smudge", g.fp.smudge, "partial", g.fp.partial, "low_contrast", g.fp.low_contrast,
        "noise", g.fp.noise, "rotation_deg", g.fp.rotation_deg);
    pthread_mutex_unlock(&g.mu);
    return st;
}

static void reset_state(void)
{
    pthread_mutex_lock(&g.mu);
    for (int i = 0; i < NDEV; i++) {
        bool cap = g.dev[i].capturing;
        g.dev[i] = DEVICES[i];
        g.dev[i].capturing = cap;
    }
    g.have_seed = false;
    memset(&g.fp, 0, sizeof g.fp);
    g.forced_missing = 0;
    g.face_variant = FACEV_GOOD;
    g.sign = SIGN_VALID;
    pthread_mutex_unlock(&g.mu);
}

static int admin_profile(const json_t *j, const char **msg)
{
    json_t *seed = json_object_get(j, "seed"), *fp = json_object_get(j, "finger");
    json_t *missing = json_object_get(j, "missing"), *face = json_object_get(j, "face");
    struct synthfp_opts o = {0};
    uint32_t mm = 0;
    int fv = -1;
    if (seed && !json_is_null(seed) && (!json_is_integer(seed) || json_integer_value(seed) < 0)) {
        *msg = "seed must be a non-negative integer or null";
        return -1;
    }
    if (fp && !json_is_null(fp)) {
        if (!json_is_object(fp)) {
            *msg = "finger must be an object";
            return -1;
        }
        static const char *const k[] = {"dry", "wet", "smudge", "partial", "low_contrast", "noise", "rotation_deg"};
        double *dst[] = {&o.dry, &o.wet, &o.smudge, &o.partial, &o.low_contrast, &o.noise, &o.rotation_deg};
        const char *key;
        json_t *v;
        json_object_foreach ((json_t *)fp, key, v) {
            size_t i = 0;
            while (i < 7 && strcmp(key, k[i]) != 0)
                i++;
            if (i == 7 || !json_is_number(v)) {
                *msg = "finger holds an unknown degradation or a non-number";
                return -1;
            }
            *dst[i] = json_number_value(v);
        }
        if (!(o.dry >= 0 && o.dry <= 1 && o.wet >= 0 && o.wet <= 1 && o.smudge >= 0 && o.smudge <= 1 &&
                o.partial >= 0 && o.partial <= 1 && o.low_contrast >= 0 && o.low_contrast <= 1 && o.noise >= 0 &&
                o.noise <= 1 && fabs(o.rotation_deg) <= 45)) {
            *msg = "degradations are 0..1, rotation_deg -45..45";
            return -1;
        }
    }
    if (missing && !json_is_null(missing)) {
        size_t i;
        json_t *v;
        if (!json_is_array(missing)) {
            *msg = "missing must be a list of finger names";
            return -1;
        }
        json_array_foreach (missing, i, v) {
            int p = json_is_string(v) ? finger_position(json_string_value(v)) : 0;
            if (!p) {
                *msg = "missing names an unknown finger";
                return -1;
            }
            mm |= 1u << p;
        }
    }
    if (face && !json_is_null(face) &&
        (!json_is_string(face) || (fv = face_variant_parse(json_string_value(face))) < 0)) {
        *msg = "face must be one of good, blur, dark, tilted, too_small, two_faces, busy_background";
        return -1;
    }
    pthread_mutex_lock(&g.mu);
    if (seed) {
        g.have_seed = !json_is_null(seed);
        g.seed = g.have_seed ? (uint64_t)json_integer_value(seed) : 0;
    }
    if (fp)
        g.fp = o;
    if (missing)
        g.forced_missing = mm;
    if (face)
        g.face_variant = fv < 0 ? FACEV_GOOD : fv;
    pthread_mutex_unlock(&g.mu);
    return 0;
}

static void do_admin(struct http_req *r)
{
    const char *what = r->path + 7; /* after "/admin/" */
    if (strcmp(r->method, "GET") == 0) {
        if (strcmp(what, "status") == 0) {
            reply_json(r, 200, admin_state());
        } else if (strcmp(what, "key") == 0) {
            char kid[SBI_KID_LEN + 1], *pub = NULL;
            sbi_kid(g.pk, kid);
            b64url_encode(g.pk, 32, &pub, NULL);
            reply_json(r, 200,
                json_pack("{s:s, s:s, s:s}", "kid", kid, "publicKey", pub ? pub : "", "alg",
                    g.cert_key_pem ? "RS256" : "EdDSA"));
            free(pub);
        } else
            admin_error(r, 404, "unknown admin endpoint");
        return;
    }
    if (strcmp(r->method, "POST") != 0) {
        admin_error(r, 405, "admin endpoints take GET or POST");
        return;
    }
    json_t *j = r->body_len ? json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL) : json_object();
    if (!json_is_object(j)) {
        json_decref(j);
        admin_error(r, 400, "body must be a JSON object");
        return;
    }
    unsigned targets = admin_targets(j);
    const char *msg = NULL;
    if (strcmp(what, "reset") == 0) {
        reset_state();
    } else if (!targets && (strcmp(what, "status") == 0 || strcmp(what, "score") == 0 || strcmp(what, "delay") == 0 ||
                               strcmp(what, "unplug") == 0)) {
        msg = "deviceId/type names no device";
    } else if (strcmp(what, "status") == 0) {
        const char *s = json_string_value(json_object_get(j, "deviceStatus"));
        int st = -1;
        for (int i = 0; s && i < NSTATUS; i++)
            if (strcmp(s, STATUS[i]) == 0)
                st = i;
        if (st < 0)
            msg = "deviceStatus must be Ready, Busy, Not Ready, Not Registered or Disconnected";
        else {
            pthread_mutex_lock(&g.mu);
            for (int i = 0; i < NDEV; i++)
                if (targets & (1u << i)) {
                    g.dev[i].status = (enum dstatus)st;
                    g.dev[i].unplug_at = 0;
                }
            pthread_mutex_unlock(&g.mu);
        }
    } else if (strcmp(what, "score") == 0) {
        json_t *q = json_object_get(j, "qualityScore");
        double v = json_is_null(q) || !q ? -1 : json_is_number(q) ? json_number_value(q) : -2;
        if (v < -1.5 || v > 100 || (v < 0 && v > -0.5))
            msg = "qualityScore must be 0..100 or null";
        else {
            pthread_mutex_lock(&g.mu);
            for (int i = 0; i < NDEV; i++)
                if (targets & (1u << i))
                    g.dev[i].forced_score = v;
            pthread_mutex_unlock(&g.mu);
        }
    } else if (strcmp(what, "delay") == 0) {
        json_t *ms = json_object_get(j, "delayMs");
        const char *m = json_string_value(json_object_get(j, "method"));
        int verb = -1;
        for (int v = 0; m && v < NVERBS; v++)
            if (strcmp(m, VERBS[v]) == 0 || (v == V_CAPTURE && strcmp(m, "CAPTURE") == 0))
                verb = v;
        if (!json_is_integer(ms) || json_integer_value(ms) < 0 || json_integer_value(ms) > MAX_DELAY_MS)
            msg = "delayMs must be 0..120000";
        else if (m && verb < 0)
            msg = "method must be MOSIPDISC, MOSIPDINFO, RCAPTURE, CAPTURE or STREAM";
        else {
            pthread_mutex_lock(&g.mu);
            for (int i = 0; i < NDEV; i++)
                if (targets & (1u << i))
                    for (int v = 0; v < NVERBS; v++)
                        if (verb < 0 || v == verb)
                            g.dev[i].delay_ms[v] = (int)json_integer_value(ms);
            pthread_mutex_unlock(&g.mu);
        }
    } else if (strcmp(what, "unplug") == 0) {
        json_t *ms = json_object_get(j, "afterMs");
        json_int_t after = ms ? (json_is_integer(ms) ? json_integer_value(ms) : -1) : 0;
        if (after < 0 || after > 60000)
            msg = "afterMs must be 0..60000";
        else {
            pthread_mutex_lock(&g.mu);
            for (int i = 0; i < NDEV; i++) {
                if (!(targets & (1u << i)))
                    continue;
                if (after > 0)
                    g.dev[i].unplug_at = now_ms() + after;
                else {
                    g.dev[i].status = S_DISCONNECTED;
                    g.dev[i].unplug_at = 0;
                }
            }
            pthread_mutex_unlock(&g.mu);
        }
    } else if (strcmp(what, "profile") == 0) {
        if (admin_profile(j, &msg) == 0)
            msg = NULL;
    } else if (strcmp(what, "signing") == 0) {
        const char *m = json_string_value(json_object_get(j, "mode"));
        int mode = -1;
        for (int i = 0; m && i < NSIGN; i++)
            if (strcmp(m, SIGN[i]) == 0)
                mode = i;
        if (mode < 0)
            msg = "mode must be valid, none, untrusted or corrupt";
        else {
            pthread_mutex_lock(&g.mu);
            g.sign = (enum sign_mode)mode;
            pthread_mutex_unlock(&g.mu);
        }
    } else {
        json_decref(j);
        admin_error(r, 404, "unknown admin endpoint");
        return;
    }
    json_decref(j);
    if (msg)
        admin_error(r, 400, msg);
    else
        reply_json(r, 200, admin_state());
}

/* ---- dispatch ---- */

static void handle(struct http_req *r, void *ctx)
{
    (void)ctx;
    if (strcmp(r->method, "OPTIONS") == 0) {
        http_reply(r, 204, "text/plain", NULL, 0);
        return;
    }
    if (strncmp(r->path, "/admin/", 7) == 0) {
        do_admin(r);
        return;
    }
    if (strcmp(r->method, "MOSIPDISC") == 0)
        do_discover(r, false);
    else if (strcmp(r->method, "MOSIPDINFO") == 0)
        do_discover(r, true);
    else if (strcmp(r->method, "RCAPTURE") == 0 || strcmp(r->method, "CAPTURE") == 0)
        do_capture(r, strcmp(r->method, "CAPTURE") == 0);
    else if (strcmp(r->method, "STREAM") == 0)
        do_stream(r);
    else
        admin_error(r, 405, "use MOSIPDISC, MOSIPDINFO, RCAPTURE, CAPTURE, STREAM or /admin/");
}

/* ---- keys and main ---- */

/* A whole regular text file of under 64 KiB (a PEM key or chain), or NULL;
 * the caller frees it. */
static char *read_text(const char *path)
{
    char *buf = NULL;
    return file_read_alloc(path, 64 * 1024 - 1, &buf, NULL, NULL) == 0 ? buf : NULL;
}

/* --cert-key and --cert-chain: sign RS256 with x5c. Checks the pair by
 * signing once, so a wrong file stops devsim at start. */
static int load_certificate(const char *key, const char *chain)
{
    if (!key != !chain) {
        fprintf(stderr, "uchet-devsim: --cert-key and --cert-chain go together\n");
        return -EINVAL;
    }
    if (!key)
        return 0;
    g.cert_key_pem = read_text(key);
    g.cert_chain_pem = read_text(chain);
    char *probe = NULL;
    if (!g.cert_key_pem || !g.cert_chain_pem ||
        sbi_jws_sign_x5c("{}", 2, g.cert_key_pem, g.cert_chain_pem, &probe) < 0) {
        fprintf(stderr, "uchet-devsim: %s is not a PEM RSA key or %s holds no PEM certificate\n", key, chain);
        return -EINVAL;
    }
    free(probe);
    return 0;
}

/* The 32-byte seed base64url-encoded in text[0..n), a line end allowed. */
static int decode_seed(const char *text, size_t n, unsigned char seed[32])
{
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    unsigned char *raw = NULL;
    size_t rn = 0;
    if (b64url_decode_flags(text, n, B64URL_PAD_OPTIONAL, &raw, &rn, NULL) < 0)
        return -EINVAL;
    int rc = rn == 32 ? 0 : -EINVAL;
    if (rc == 0)
        memcpy(seed, raw, 32);
    sodium_memzero(raw, rn);
    free(raw);
    return rc;
}

/* --key: the device's Ed25519 seed. -ENOENT when the file cannot be opened,
 * -EINVAL when it is not a regular file of one base64url 32-byte seed. The
 * bytes read are wiped on every path. */
static int read_key(const char *path, unsigned char seed[32])
{
    char buf[128];
    size_t n = 0;
    int r = file_read_into(path, buf, sizeof buf, &n, NULL);
    if (r == 0)
        r = decode_seed(buf, n, seed);
    else if (r == -EFBIG || r == -EINVAL)
        r = -EINVAL;
    else
        r = -ENOENT;
    sodium_memzero(buf, sizeof buf);
    return r;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "wx");
    if (!f)
        return -errno;
    chmod(path, mode);
    int rc = fputs(text, f) < 0 ? -EIO : 0;
    if (fclose(f) != 0)
        rc = -EIO;
    return rc;
}

static int keygen(const char *dir)
{
    unsigned char seed[32], pk[32], sk[64];
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    char *s = NULL, *p = NULL;
    b64url_encode(seed, 32, &s, NULL);
    b64url_encode(pk, 32, &p, NULL);
    char path[4096], line[128];
    int rc = -ENOMEM;
    if (s && p) {
        snprintf(path, sizeof path, "%s/devsim.key", dir);
        snprintf(line, sizeof line, "%s\n", s);
        rc = write_text(path, line, 0600);
        if (rc == 0) {
            snprintf(path, sizeof path, "%s/devsim.pub", dir);
            snprintf(line, sizeof line, "%s\n", p);
            rc = write_text(path, line, 0644);
        }
    }
    if (s)
        sodium_memzero(s, strlen(s));
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    free(s), free(p);
    if (rc < 0)
        fprintf(stderr, "uchet-devsim: cannot write the key pair in %s: %s\n", dir, strerror(-rc));
    else
        printf("uchet-devsim: wrote %s/devsim.key (secret, 0600) and %s/devsim.pub (for the trust store)\n", dir, dir);
    return rc < 0 ? 1 : 0;
}

static void usage(FILE *f)
{
    fputs("Usage: uchet-devsim [OPTIONS]\n"
          "       uchet-devsim --keygen DIR\n"
          "\n"
          "The SBI 0.9.5 device service for development and tests: a 4-4-2 slap\n"
          "scanner, a palm scanner, a face camera and a document scanner behind\n"
          "one loopback port, each capture a seeded synthetic person, signed with\n"
          "a device key (JWS: EdDSA, or RS256 with x5c under --cert-key) and\n"
          "hash-chained as SBI requires.\n"
          "\n"
          "Options:\n"
          "  -p, --port N        listen on 127.0.0.1:N (default: first free of 4501-4600)\n"
          "  -k, --key FILE      device signing key: base64url of a 32-byte Ed25519 seed\n"
          "                      (default: a fresh key per run; GET /admin/key shows it)\n"
          "      --keygen DIR    write DIR/devsim.key and DIR/devsim.pub, then exit\n"
          "      --cert-key FILE   sign as certified SBI devices do: RS256 with this PEM\n"
          "                        RSA key, and the certificates of\n"
          "      --cert-chain FILE (PEM, device certificate first) in the x5c header;\n"
          "                        the trust store then needs their CA (*.crt)\n"
          "  -s, --seed N        base of the per-transaction identities (default 0)\n"
          "      --portrait FILE a portrait for the face camera (JPEG or PNG; up to 8,\n"
          "                      repeat the option; default " DEFAULT_PORTRAIT ",\n"
          "                      Debian package python-matplotlib-data). Each is framed\n"
          "                      round its face as a kiosk camera frames one and kept\n"
          "                      only if that frame passes uchet's face check (stderr\n"
          "                      says why not); each subject is one of them\n"
          "      --image-format png|jp2  the image inside each finger, palm and face\n"
          "                      record (ISO/IEC 19794): png (default) or jp2, lossless\n"
          "                      JPEG 2000 as MOSIP's registration devices send it\n"
          "  -h, --help          this text\n"
          "  -V, --version       print the version\n"
          "\n"
          "Verbs (any path): MOSIPDISC, MOSIPDINFO, RCAPTURE, CAPTURE, STREAM; OPTIONS\n"
          "answers the CORS preflight. Devices: 1 Finger (deviceSubId 1 left four,\n"
          "2 right four, 3 thumbs), 2 Palm (1 left, 2 right), 3 Face (0, STREAM),\n"
          "4 Document (0). Ask for the whole slap and the finger boxes with\n"
          "customOpts [{\"name\":\"uchet.slap\",\"value\":\"true\"}].\n"
          "\n"
          "Admin (JSON bodies; deviceId or type select devices, none = all):\n"
          "  GET  /admin/status   state of every device and of the profile\n"
          "  GET  /admin/key      the device public key and its kid\n"
          "  POST /admin/status   {\"deviceStatus\": Ready|Busy|Not Ready|Not Registered|Disconnected}\n"
          "  POST /admin/score    {\"qualityScore\": 0..100 | null}\n"
          "  POST /admin/delay    {\"method\": VERB (optional), \"delayMs\": 0..120000}\n"
          "  POST /admin/unplug   {\"afterMs\": 0..60000}: the cable comes out (mid-capture: no answer)\n"
          "  POST /admin/profile  {\"seed\": N|null, \"finger\": {dry, wet, smudge, partial,\n"
          "                        low_contrast, noise, rotation_deg}, \"missing\": [finger names],\n"
          "                        \"face\": good|blur|dark|tilted|too_small|two_faces|busy_background}\n"
          "  POST /admin/signing  {\"mode\": valid|none|untrusted|corrupt}\n"
          "  POST /admin/reset    back to the defaults\n"
          "\n"
          "See docs/DEVSIM.md.\n",
        f);
}

static void on_signal(int sig)
{
    (void)sig;
    stopping = true;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"key", required_argument, NULL, 'k'},
        {"keygen", required_argument, NULL, 'g'},
        {"seed", required_argument, NULL, 's'},
        {"portrait", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"cert-key", required_argument, NULL, 'C'},
        {"cert-chain", required_argument, NULL, 'X'},
        {"image-format", required_argument, NULL, 'I'},
        {NULL, 0, NULL, 0},
    };
    int port = 0, c;
    const char *key = NULL, *cert_key = NULL, *cert_chain = NULL;
    const char *portraits[PORTRAITS_MAX] = {DEFAULT_PORTRAIT};
    int nportraits = 0;
    uint64_t v;
    if (sodium_init() < 0)
        return 1;
    while ((c = getopt_long(argc, argv, "p:k:s:hV", opts, NULL)) != -1) {
        switch (c) {
            case 'p':
                if (parse_u64(optarg, strlen(optarg), 1, 65535, &v) < 0) {
                    fprintf(stderr, "uchet-devsim: --port must be 1..65535\n");
                    return 2;
                }
                port = (int)v;
                break;
            case 'k': key = optarg; break;
            case 'g': return keygen(optarg);
            case 's':
                if (parse_u64(optarg, strlen(optarg), 0, UINT64_MAX, &v) < 0) {
                    fprintf(stderr, "uchet-devsim: --seed must be a non-negative integer\n");
                    return 2;
                }
                g.base_seed = v;
                break;
            case 'f':
                if (nportraits == PORTRAITS_MAX) {
                    fprintf(stderr, "uchet-devsim: at most %d --portrait files\n", PORTRAITS_MAX);
                    return 2;
                }
                portraits[nportraits++] = optarg;
                break;
            case 'C': cert_key = optarg; break;
            case 'X': cert_chain = optarg; break;
            case 'I':
                if (strcmp(optarg, "png") != 0 && strcmp(optarg, "jp2") != 0) {
                    fprintf(stderr, "uchet-devsim: --image-format is png or jp2\n");
                    return 2;
                }
                g.jp2 = strcmp(optarg, "jp2") == 0;
                break;
            case 'h': usage(stdout); return 0;
            case 'V': printf("uchet-devsim %s (SBI %s)\n", "0.1.0", DEVSIM_VERSION); return 0;
            default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (load_certificate(cert_key, cert_chain) < 0)
        return 2;
    unsigned char seed[32];
    if (key) {
        int rc = read_key(key, seed);
        if (rc < 0) {
            fprintf(stderr, "uchet-devsim: cannot read the device key %s: %s\n", key,
                rc == -ENOENT ? "no such file" : "not one base64url 32-byte seed");
            return 1;
        }
    } else
        randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(g.pk, g.sk, seed);
    sodium_memzero(seed, sizeof seed);
    unsigned char other_pk[32];
    crypto_sign_keypair(other_pk, g.other_sk);
    for (int i = 0; i < NDEV; i++)
        g.dev[i] = DEVICES[i];
    load_portraits(portraits, nportraits ? nportraits : 1);
    if (synthfp_cache_new(12, &g.fields, NULL) < 0)
        fprintf(stderr, "uchet-devsim: no memory for a field cache: every capture is rendered whole\n");
    int lfd = http_listen(port, &g.port);
    if (lfd < 0) {
        fprintf(stderr, "uchet-devsim: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(-lfd));
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    char kid[SBI_KID_LEN + 1];
    sbi_kid(g.pk, kid);
    printf("uchet-devsim: listening on 127.0.0.1:%d (device key %s)\n", g.port, kid);
    fflush(stdout);
    http_serve(lfd, handle, NULL, &stopping);
    close(lfd);
    for (int i = 0; i < g.nportraits; i++)
        img_free(&g.portraits[i]);
    synthfp_cache_free(g.fields);
    free(g.cert_key_pem), free(g.cert_chain_pem);
    sodium_memzero(g.sk, sizeof g.sk);
    return 0;
}
