/* The ANSI/NIST-ITL writer: one enrolment as a traditional-encoding
 * transaction (VER 0502). See an2k.h for the contract, docs/ANSI-NIST.md for
 * the profile.
 *
 * LEN arithmetic: a tagged record is "T.001:" LEN GS body, where body ends
 * with FS. LEN counts every byte including its own digits, so with
 * fixed = len("T.001:") + 1 + len(body), LEN = fixed + d where d is the
 * smallest digit count with digits(fixed + d) == d (an2k_len_for). */
#include "bio/an2k.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/utf8.h"

/* ---------------------------------------------------- a bounded buffer */

struct obuf {
    uint8_t *p;
    size_t len, cap;
    int rc;            /* first failure, sticky */
    an2k_sink_fn sink; /* stream mode: p buffers small pieces, big ones pass through */
    void *ctx;
    size_t total; /* stream mode: bytes handed to the sink */
};

#define STREAM_BUFFER (64 * 1024) /* small pieces are gathered up to this */
#define STREAM_DIRECT 4096        /* pieces this large go to the sink as they are */

static void append(struct obuf *b, const void *d, size_t n);

static void flush(struct obuf *b)
{
    if (b->rc || !b->sink || b->len == 0)
        return;
    int rc = b->sink(b->ctx, b->p, b->len);
    if (rc < 0)
        b->rc = rc;
    b->total += b->len;
    b->len = 0;
}

static void put(struct obuf *b, const void *d, size_t n)
{
    if (b->rc)
        return;
    if (b->sink) {
        if (n > LIMIT_AN2K_BYTES || b->total + b->len > LIMIT_AN2K_BYTES - n) {
            b->rc = -ERANGE;
            return;
        }
        if (n >= STREAM_DIRECT) {
            flush(b);
            if (b->rc)
                return;
            int rc = b->sink(b->ctx, d, n);
            if (rc < 0)
                b->rc = rc;
            b->total += n;
            return;
        }
        append(b, d, n);
        if (b->len >= STREAM_BUFFER)
            flush(b);
        return;
    }
    append(b, d, n);
}

static void append(struct obuf *b, const void *d, size_t n)
{
    if (b->rc)
        return;
    if (n > LIMIT_AN2K_BYTES || b->len > LIMIT_AN2K_BYTES - n) {
        b->rc = -ERANGE;
        return;
    }
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n)
            ncap *= 2;
        if (ncap > LIMIT_AN2K_BYTES)
            ncap = LIMIT_AN2K_BYTES;
        uint8_t *np = realloc(b->p, ncap);
        if (!np) {
            b->rc = -ENOMEM;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    if (n)
        memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void put_byte(struct obuf *b, uint8_t c)
{
    put(b, &c, 1);
}

static void put_str(struct obuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_u(struct obuf *b, unsigned long v)
{
    char t[24];
    int n = snprintf(t, sizeof(t), "%lu", v);
    put(b, t, (size_t)n);
}

/* Begins field num of a record of `type`: GS unless it is the first field of
 * the body, then "T.NNN:". */
static void field(struct obuf *b, unsigned type, unsigned num)
{
    char t[16];
    if (b->len)
        put_byte(b, AN2K_GS);
    int n = snprintf(t, sizeof(t), "%u.%03u:", type, num);
    put(b, t, (size_t)n);
}

static void field_u(struct obuf *b, unsigned type, unsigned num, unsigned long v)
{
    field(b, type, num);
    put_u(b, v);
}

static void field_s(struct obuf *b, unsigned type, unsigned num, const char *s)
{
    field(b, type, num);
    put_str(b, s);
}

static unsigned ndigits(size_t v)
{
    unsigned d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* The LEN of a tagged record of `type` whose bytes after "T.001:LEN<GS>" are
 * body_len long (FS included). Exposed for the unit tests through the
 * writer's output only; kept static. */
static size_t an2k_len_for(unsigned type, size_t body_len)
{
    char t[16];
    int tag = snprintf(t, sizeof(t), "%u.001:", type);
    size_t fixed = (size_t)tag + 1 + body_len;
    unsigned d = 1;
    while (ndigits(fixed + d) != d)
        d++;
    return fixed + d;
}

/* Appends one tagged record: text holds fields 2.. (without the final FS);
 * image (may be NULL) becomes x.999. */
static void emit_tagged(struct obuf *out, unsigned type, struct obuf *text, const uint8_t *image, size_t image_len)
{
    if (text->rc) {
        if (!out->rc)
            out->rc = text->rc;
        return;
    }
    if (image) {
        field(text, type, 999);
        if (text->rc) {
            out->rc = text->rc;
            return;
        }
    }
    size_t body = text->len + (image ? image_len : 0) + 1;
    size_t len = an2k_len_for(type, body);
    char t[48];
    int n = snprintf(t, sizeof(t), "%u.001:%zu", type, len);
    put(out, t, (size_t)n);
    put_byte(out, AN2K_GS);
    put(out, text->p, text->len);
    if (image)
        put(out, image, image_len);
    put_byte(out, AN2K_FS);
}

/* ---------------------------------------------------------- validation */

#define BAD(...) err_set(err, -EINVAL, "an2k_input", __VA_ARGS__)

static bool chars_in(const char *s, const char *set, size_t min, size_t max)
{
    if (!s)
        return min == 0;
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (strchr(set, 'A') && c >= 'A' && c <= 'Z') || (strchr(set, 'a') && c >= 'a' && c <= 'z') ||
                  (strchr(set, '0') && c >= '0' && c <= '9');
        for (const char *x = set; !ok && *x; x++)
            if (*x != 'A' && *x != 'a' && *x != '0' && *x == c)
                ok = true;
        if (!ok)
            return false;
    }
    return true;
}

static bool date8(const char *s, bool unknown_ok)
{
    if (!chars_in(s, "0", 8, 8))
        return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[4] - '0') * 10 + (s[5] - '0');
    int d = (s[6] - '0') * 10 + (s[7] - '0');
    if (y < 1850)
        return false;
    if (m == 0 || d == 0)
        return unknown_ok && (m != 0 || d == 0) && m <= 12 && d <= 31;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m > 12 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* UTF-8 text without control characters or separators. */
static bool text_ok(const char *s, size_t min, size_t max)
{
    if (!s)
        return min == 0;
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n;) {
        int32_t cp = utf8_next((const unsigned char *)s, n, &i);
        if (cp < 0x20 || cp == 0x7F)
            return false;
    }
    return true;
}

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t rd16(const uint8_t *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

/* Size, components and bits per component of lossless JPEG 2000 input: a
 * JP2 file (the ihdr box inside jp2h) or a bare codestream (the SIZ marker
 * segment right after SOC). Returns 0, or -1 when the header is not there. */
static int jp2_header(const uint8_t *p, size_t n, uint32_t *w, uint32_t *h, unsigned *nc, unsigned *bits)
{
    if (n >= 43 && p[0] == 0xFF && p[1] == 0x4F && p[2] == 0xFF && p[3] == 0x51) {
        uint32_t x = rd32(p + 8), y = rd32(p + 12), xo = rd32(p + 16), yo = rd32(p + 20);
        if (xo >= x || yo >= y)
            return -1;
        *w = x - xo;
        *h = y - yo;
        *nc = rd16(p + 40);
        *bits = (p[42] & 0x7Fu) + 1;
        return 0;
    }
    /* Top-level boxes: LBox (4), TBox (4), XLBox (8) when LBox is 1. */
    size_t at = 0;
    while (n - at >= 8) {
        uint64_t len = rd32(p + at);
        size_t hdr = 8;
        if (len == 1) {
            if (n - at < 16)
                return -1;
            len = ((uint64_t)rd32(p + at + 8) << 32) | rd32(p + at + 12);
            hdr = 16;
        } else if (len == 0) {
            len = n - at;
        }
        if (len < hdr || len > n - at)
            return -1;
        if (memcmp(p + at + 4, "jp2h", 4) == 0) {
            size_t in = at + hdr, end = at + (size_t)len;
            while (end - in >= 8) {
                uint32_t sl = rd32(p + in);
                if (sl < 8 || sl > end - in)
                    return -1;
                if (memcmp(p + in + 4, "ihdr", 4) == 0) {
                    if (sl < 8 + 14)
                        return -1;
                    *h = rd32(p + in + 8);
                    *w = rd32(p + in + 12);
                    *nc = rd16(p + in + 16);
                    *bits = (p[in + 18] & 0x7Fu) + 1;
                    return 0;
                }
                in += sl;
            }
            return -1;
        }
        at += (size_t)len;
    }
    return -1;
}

/* bpp_out: 8 grey, 24 RGB. want_grey: friction ridge images must be 8-bit grey. */
static int check_image(
    const struct an2k_image *im, const char *what, bool want_grey, bool fr, unsigned *bpp_out, err_t *err)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    static const uint8_t jp2_sig[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
    static const uint8_t j2c_sig[4] = {0xFF, 0x4F, 0xFF, 0x51};
    if (!im->data || im->len == 0)
        return BAD("the %s image is empty", what);
    if (im->len > LIMIT_AN2K_IMAGE_BYTES)
        return err_set(
            err, -ERANGE, "an2k_limit", "the %s image is larger than %d bytes", what, LIMIT_AN2K_IMAGE_BYTES);
    if (im->width < 1 || im->width > 99999 || im->height < 1 || im->height > 99999)
        return BAD("the %s image size is out of range", what);
    if (fr ? (im->ppi < 500 || im->ppi > 4000) : (im->ppi < 1 || im->ppi > 99999))
        return BAD("the %s image resolution (ppi) is out of range", what);
    if (im->jp2l) {
        uint32_t w, h;
        unsigned nc, bits;
        if (!((im->len >= 12 && memcmp(im->data, jp2_sig, 12) == 0) ||
                (im->len >= 4 && memcmp(im->data, j2c_sig, 4) == 0)) ||
            jp2_header(im->data, im->len, &w, &h, &nc, &bits) < 0)
            return BAD("the %s image is not JPEG 2000", what);
        if (w != im->width || h != im->height)
            return BAD("the %s image's JPEG 2000 size differs from the size given", what);
        if (bits != 8 || !(nc == 1 || (nc == 3 && !want_grey)))
            return BAD("the %s image is not 8-bit %s", what, want_grey ? "grey" : "grey or RGB");
        *bpp_out = 8 * nc;
        return 0;
    }
    if (im->len < 33 || memcmp(im->data, png_sig, 8) != 0 || rd32(im->data + 8) != 13 ||
        memcmp(im->data + 12, "IHDR", 4) != 0)
        return BAD("the %s image is not a PNG", what);
    if (rd32(im->data + 16) != im->width || rd32(im->data + 20) != im->height)
        return BAD("the %s image's PNG size differs from the size given", what);
    uint8_t depth = im->data[24], ct = im->data[25];
    if (depth == 8 && ct == 0)
        *bpp_out = 8;
    else if (depth == 8 && ct == 2 && !want_grey)
        *bpp_out = 24;
    else
        return BAD("the %s image is not 8-bit %s", what, want_grey ? "grey" : "grey or RGB");
    return 0;
}

static int slap_fingers(uint8_t fgp, const uint8_t **ret)
{
    static const uint8_t r4[] = {2, 3, 4, 5, 0}, l4[] = {7, 8, 9, 10, 0}, th[] = {1, 6, 0};
    switch (fgp) {
        case 13: *ret = r4; return 4;
        case 14: *ret = l4; return 4;
        case 15: *ret = th; return 2;
        default: return -1;
    }
}

static bool in_list(const uint8_t *l, uint8_t v)
{
    for (; *l; l++)
        if (*l == v)
            return true;
    return false;
}

static int check_quality(const struct an2k_quality *q, size_t n, const char *what, err_t *err)
{
    if (n > AN2K_QUALITY_MAX)
        return BAD("too many %s quality scores", what);
    for (size_t i = 0; i < n; i++)
        if ((q[i].score > 100 && q[i].score < 254) || q[i].product == 0)
            return BAD("a %s quality score is out of range", what);
    return 0;
}

static int check_slap(const struct an2k_slap *s, err_t *err)
{
    const uint8_t *fingers;
    int nf = slap_fingers(s->fgp, &fingers);
    unsigned bpp;
    int rc;
    if (nf < 0)
        return BAD("a slap's position is not 13, 14 or 15");
    if ((rc = check_image(&s->image, "slap", true, true, &bpp, err)) < 0)
        return rc;
    if (s->nseg > AN2K_SLAP_FINGERS || s->nmissing > AN2K_SLAP_FINGERS || s->nseg + s->nmissing != (size_t)nf ||
        s->nseg == 0)
        return BAD("slap %u must account for each of its %d fingers once, with at least one box", s->fgp, nf);
    uint32_t seen = 0;
    for (size_t i = 0; i < s->nseg; i++) {
        const struct an2k_seg *g = &s->seg[i];
        if (!in_list(fingers, g->fgp) || (seen & (1u << g->fgp)))
            return BAD("slap %u has a box for a finger it does not hold, or two", s->fgp);
        seen |= 1u << g->fgp;
        if (g->left >= g->right || g->top >= g->bottom || g->right >= s->image.width || g->bottom >= s->image.height)
            return BAD("slap %u has a finger box outside its image", s->fgp);
    }
    for (size_t i = 0; i < s->nmissing; i++) {
        uint8_t f = s->missing[i].fgp;
        if (!in_list(fingers, f) || (seen & (1u << f)))
            return BAD("slap %u lists a missing finger it does not hold, or one it boxes", s->fgp);
        seen |= 1u << f;
    }
    if ((rc = check_quality(s->quality, s->nquality, "finger", err)) < 0)
        return rc;
    for (size_t i = 0; i < s->nquality; i++) {
        bool boxed = false;
        for (size_t k = 0; k < s->nseg; k++)
            boxed |= s->seg[k].fgp == s->quality[i].fgp;
        if (!boxed)
            return BAD("slap %u scores a finger it has no box for", s->fgp);
    }
    return 0;
}

static int check_palm(const struct an2k_palm *p, err_t *err)
{
    unsigned bpp;
    int rc;
    if (p->fgp < 20 || p->fgp > 38)
        return BAD("a palm's position is not 20-38");
    if ((rc = check_image(&p->image, "palm", true, true, &bpp, err)) < 0)
        return rc;
    if ((rc = check_quality(p->quality, p->nquality, "palm", err)) < 0)
        return rc;
    for (size_t i = 0; i < p->nquality; i++)
        if (p->quality[i].fgp != p->fgp)
            return BAD("palm %u has a quality score for another position", p->fgp);
    return 0;
}

static bool sap_known(unsigned sap)
{
    static const uint16_t codes[] = {1, 10, 11, 12, 13, 14, 15, 20, 30, 32, 40, 41, 42, 50, 51, 52};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (codes[i] == sap)
            return true;
    return false;
}

/* |a - b| * 100 <= b: the two sides of an aspect ratio agree within 1%. */
static bool near(uint64_t a, uint64_t b)
{
    uint64_t d = a > b ? a - b : b - a;
    return d * 100 <= b;
}

static int check_face(const struct an2k_face *f, unsigned *bpp, err_t *err)
{
    int rc;
    if ((rc = check_image(&f->image, "face", false, false, bpp, err)) < 0)
        return rc;
    if (!sap_known(f->sap))
        return BAD("the face's subject acquisition profile is not one the standard defines");
    uint64_t w = f->image.width, h = f->image.height;
    if ((f->sap == 30 || f->sap == 32) && (w < 480 || h < 600 || !near(5 * w, 4 * h)))
        return BAD("SAP %u needs a 4:5 face image of at least 480 x 600", f->sap);
    if (f->sap >= 40 && (w < 768 || h < 1024 || !near(4 * w, 3 * h)))
        return BAD("SAP %u needs a 3:4 face image of at least 768 x 1024", f->sap);
    if (f->has_eyes && (f->left_eye_x >= w || f->right_eye_x >= w || f->left_eye_y >= h || f->right_eye_y >= h))
        return BAD("an eye centre lies outside the face image");
    return 0;
}

static bool chars_in_printable(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7E)
            return false;
    return true;
}

static int check_source(const struct an2k_source *s, unsigned *bpp, err_t *err)
{
    struct an2k_image im = s->image;
    if (im.jp2l)
        return BAD("the document page is not a PNG");
    if (im.ppi == 0)
        im.ppi = 1; /* unknown: written as an aspect ratio (SLC 0) */
    int rc = check_image(&im, "document page", false, false, bpp, err);
    if (rc < 0)
        return rc;
    if (s->comment && !chars_in_printable(s->comment, 1, 126))
        return BAD("the document page's comment is not 1-126 printable ASCII characters");
    return 0;
}

static int check_person(const struct an2k_person *p, err_t *err)
{
    static const char latin[] = "A -'";
    if (!text_ok(p->surname, 1, LIMIT_NAME_BYTES) || !text_ok(p->given_names, 0, LIMIT_NAME_BYTES))
        return BAD("a name in the original script is empty, too long or not UTF-8 text");
    if (!chars_in(p->surname_latin, latin, 1, LIMIT_NAME_BYTES) ||
        !chars_in(p->given_latin, latin, 0, LIMIT_NAME_BYTES))
        return BAD("a transliterated name is not ICAO Latin (A-Z, space, hyphen, apostrophe)");
    if (!date8(p->birth_date, true))
        return BAD("the birth date is not YYYYMMDD");
    if (p->sex != 'M' && p->sex != 'F' && p->sex != 'X')
        return BAD("sex is not M, F or X");
    if (!chars_in(p->citizenship, "A", 1, 3) || !chars_in(p->doc_issuer, "A", 1, 3))
        return BAD("a country code is not 1-3 letters A-Z");
    if (!chars_in(p->doc_code, "A", 1, 2))
        return BAD("the document code is not 1-2 letters A-Z");
    if (!chars_in(p->doc_number, "A0", 1, LIMIT_DOCNUM_BYTES))
        return BAD("the document number is not 1-%d of A-Z 0-9", LIMIT_DOCNUM_BYTES);
    if (!date8(p->doc_expiry, false))
        return BAD("the document expiry is not YYYYMMDD");
    return 0;
}

static int check_transaction(const struct an2k_transaction *t, err_t *err)
{
    int rc;
    if (!chars_in(t->tcn, "Aa0-_", 1, 40))
        return BAD("TCN (the enrolment number) is not 1-40 of A-Z a-z 0-9 - _");
    if (!chars_in(t->tot, "A0", 1, 16))
        return BAD("TOT is not 1-16 of A-Z 0-9");
    if (!chars_in(t->dai, "Aa0", 1, 32) || !chars_in(t->ori, "Aa0", 1, 32))
        return BAD("DAI or ORI is not 1-32 of A-Z a-z 0-9");
    if (t->when < 0 || (long long)t->when > 253402300799LL)
        return BAD("the transaction time is outside 1970-9999");
    if ((rc = check_person(&t->person, err)) < 0)
        return rc;
    if (t->nslaps > 3 || (t->nslaps && !t->slaps))
        return BAD("at most three slaps");
    for (size_t i = 0; i < t->nslaps; i++) {
        if ((rc = check_slap(&t->slaps[i], err)) < 0)
            return rc;
        for (size_t k = 0; k < i; k++)
            if (t->slaps[k].fgp == t->slaps[i].fgp)
                return BAD("two slaps with position %u", t->slaps[i].fgp);
    }
    if (t->npalms > 4 || (t->npalms && !t->palms))
        return BAD("at most four palms");
    for (size_t i = 0; i < t->npalms; i++) {
        if ((rc = check_palm(&t->palms[i], err)) < 0)
            return rc;
        for (size_t k = 0; k < i; k++)
            if (t->palms[k].fgp == t->palms[i].fgp)
                return BAD("two palms with position %u", t->palms[i].fgp);
    }
    if (t->signature) {
        const struct an2k_signature *s = t->signature;
        if (!s->points || s->npoints == 0 || s->npoints > LIMIT_AN2K_PEN_POINTS)
            return BAD("the signature has no vectors or more than %d", LIMIT_AN2K_PEN_POINTS);
        for (size_t i = 0; i < s->npoints; i++)
            if (s->points[i].pressure == 255)
                return BAD("a signature vector has pressure 255 (reserved for the end)");
    }
    return 0;
}

/* ------------------------------------------------------------- records */

static void items(struct obuf *b, const char *a, const char *c)
{
    put_str(b, a ? a : "");
    put_byte(b, AN2K_US);
    put_str(b, c ? c : "");
}

static void write_quality(struct obuf *b, unsigned type, unsigned num, const struct an2k_quality *q, size_t n)
{
    if (!n)
        return;
    field(b, type, num);
    for (size_t i = 0; i < n; i++) {
        char t[64];
        if (i)
            put_byte(b, AN2K_RS);
        int k = snprintf(t, sizeof(t), "%u\x1f%u\x1f%04X\x1f%u", q[i].fgp, q[i].score, q[i].vendor, q[i].product);
        put(b, t, (size_t)k);
    }
}

static void idc_field(struct obuf *b, unsigned type, unsigned idc)
{
    char t[8];
    field(b, type, 2);
    snprintf(t, sizeof(t), "%02u", idc);
    put_str(b, t);
}

static void image_fields(struct obuf *b, unsigned type, const struct an2k_image *im)
{
    field_u(b, type, 6, im->width);
    field_u(b, type, 7, im->height);
    field_u(b, type, 8, 1); /* SLC: pixels per inch */
    field_u(b, type, 9, im->ppi);
    field_u(b, type, 10, im->ppi);
    field_s(b, type, 11, im->jp2l ? "JP2L" : "PNG");
}

static void write_slap(struct obuf *out, const struct an2k_slap *s, unsigned idc, const char *src, const char *date)
{
    struct obuf b = {0};
    idc_field(&b, 14, idc);
    field_u(&b, 14, 3, 0); /* IMP: live-scan plain */
    field_s(&b, 14, 4, src);
    field_s(&b, 14, 5, date);
    image_fields(&b, 14, &s->image);
    field_u(&b, 14, 12, 8);
    field_u(&b, 14, 13, s->fgp);
    if (s->nmissing) {
        field(&b, 14, 18);
        for (size_t i = 0; i < s->nmissing; i++) {
            if (i)
                put_byte(&b, AN2K_RS);
            put_u(&b, s->missing[i].fgp);
            put_byte(&b, AN2K_US);
            put_str(&b, s->missing[i].unable_to_print ? "UP" : "XX");
        }
    }
    field(&b, 14, 21);
    for (size_t i = 0; i < s->nseg; i++) {
        const struct an2k_seg *g = &s->seg[i];
        char t[80];
        if (i)
            put_byte(&b, AN2K_RS);
        int k = snprintf(t, sizeof(t), "%u\x1f%u\x1f%u\x1f%u\x1f%u", g->fgp, g->left, g->right, g->top, g->bottom);
        put(&b, t, (size_t)k);
    }
    write_quality(&b, 14, 24, s->quality, s->nquality);
    emit_tagged(out, 14, &b, s->image.data, s->image.len);
    free(b.p);
}

static void write_palm(struct obuf *out, const struct an2k_palm *p, unsigned idc, const char *src, const char *date)
{
    struct obuf b = {0};
    idc_field(&b, 15, idc);
    field_u(&b, 15, 3, 10); /* IMP: live-scan palm */
    field_s(&b, 15, 4, src);
    field_s(&b, 15, 5, date);
    image_fields(&b, 15, &p->image);
    field_u(&b, 15, 12, 8);
    field_u(&b, 15, 13, p->fgp);
    write_quality(&b, 15, 24, p->quality, p->nquality);
    emit_tagged(out, 15, &b, p->image.data, p->image.len);
    free(b.p);
}

static void write_face(
    struct obuf *out, const struct an2k_face *f, unsigned bpp, unsigned idc, const char *src, const char *date)
{
    struct obuf b = {0};
    idc_field(&b, 10, idc);
    field_s(&b, 10, 3, "FACE");
    field_s(&b, 10, 4, src);
    field_s(&b, 10, 5, date);
    image_fields(&b, 10, &f->image);
    field_s(&b, 10, 12, bpp == 8 ? "GRAY" : "SRGB");
    field_u(&b, 10, 13, f->sap);
    field_s(&b, 10, 20, "F");
    if (f->has_eyes) {
        char t[96];
        field(&b, 10, 29);
        /* FPT 1 (ISO/IEC 14496-2 feature points), FPC 12.1 / 12.2 as
         * ISO/IEC 19794-5 names the eye centres, HCX, HCY in pixels. */
        int k = snprintf(t, sizeof(t),
            "1\x1f"
            "12.1\x1f%u\x1f%u\x1e"
            "1\x1f"
            "12.2\x1f%u\x1f%u",
            f->left_eye_x, f->left_eye_y, f->right_eye_x, f->right_eye_y);
        put(&b, t, (size_t)k);
    }
    emit_tagged(out, 10, &b, f->image.data, f->image.len);
    free(b.p);
}

static void write_signature(struct obuf *out, const struct an2k_signature *s, unsigned idc)
{
    size_t n = s->npoints + 1; /* + the end vector */
    uint32_t len = (uint32_t)(12 + 5 * n);
    uint8_t h[12] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, (uint8_t)idc,
        0 /* SIG: subject */, 2 /* SRT: vectors */, 0 /* ISR */, 0, 0, 0, 0 /* HLL, VLL: 0 for vectors */};
    put(out, h, sizeof(h));
    for (size_t i = 0; i < n; i++) {
        const struct an2k_pen *pt = &s->points[i < s->npoints ? i : s->npoints - 1];
        uint8_t v[5] = {(uint8_t)(pt->x >> 8), (uint8_t)pt->x, (uint8_t)(pt->y >> 8), (uint8_t)pt->y,
            i < s->npoints ? pt->pressure : 255};
        put(out, v, sizeof(v));
    }
}

/* The document page as a source representation record (ANSI/NIST-ITL
 * 1-2011 Update 2015, Record Type-20: source representation). Type-20
 * holds a representation from which other records' data was derived; the
 * passport page is where Type-2's details were read, and it is no
 * photographic body-part image, so not Type-10 (face, body parts, SMT).
 * Fields: 20.003 CAR "S" (a single representation), 20.004 SRC, 20.005
 * SRD, the image fields 20.006 HLL to 20.012 BPX numbered as in Types
 * 13-15, 20.020 COM (scanner or camera, for whoever reads the
 * transaction), 20.021 SRN 1, 20.999 the PNG. The field numbers and names
 * were checked against the label table of an independent reader of the
 * standard (mdedonno1337/NIST, NIST/core/labels.py, after SP 500-290
 * Rev1); the value "S" of CAR was not. 20.014 AQS is left out: its code
 * table could not be checked here. NBIS-based readers know Types 1-17 and
 * 99 only (docs/ANSI-NIST.md). */
static void write_source(
    struct obuf *out, const struct an2k_source *s, unsigned bpp, unsigned idc, const char *src, const char *date)
{
    struct obuf b = {0};
    const struct an2k_image *im = &s->image;
    idc_field(&b, 20, idc);
    field_s(&b, 20, 3, "S");
    field_s(&b, 20, 4, src);
    field_s(&b, 20, 5, date);
    field_u(&b, 20, 6, im->width);
    field_u(&b, 20, 7, im->height);
    field_u(&b, 20, 8, im->ppi ? 1 : 0); /* SLC 1 pixels per inch, 0 aspect ratio only */
    field_u(&b, 20, 9, im->ppi ? im->ppi : 1);
    field_u(&b, 20, 10, im->ppi ? im->ppi : 1);
    field_s(&b, 20, 11, "PNG");
    field_u(&b, 20, 12, bpp);
    if (s->comment)
        field_s(&b, 20, 20, s->comment);
    field_u(&b, 20, 21, 1);
    emit_tagged(out, 20, &b, im->data, im->len);
    free(b.p);
}

static void write_type2(struct obuf *out, const struct an2k_person *p)
{
    struct obuf b = {0};
    char sex[2] = {p->sex, 0};
    idc_field(&b, 2, 0);
    field(&b, 2, 10);
    items(&b, p->surname, p->given_names);
    field(&b, 2, 11);
    items(&b, p->surname_latin, p->given_latin);
    field_s(&b, 2, 12, p->birth_date);
    field_s(&b, 2, 13, sex);
    field_s(&b, 2, 14, p->citizenship);
    field(&b, 2, 15);
    items(&b, p->doc_code, p->doc_issuer);
    put_byte(&b, AN2K_US);
    items(&b, p->doc_number, p->doc_expiry);
    emit_tagged(out, 2, &b, NULL, 0);
    free(b.p);
}

/* Validates t and writes it into out (buffer or stream mode). */
static int write_all(const struct an2k_transaction *t, struct obuf *out, err_t *err)
{
    int rc;
    unsigned face_bpp = 0, source_bpp = 0;
    if (!t)
        return BAD("no transaction");
    if ((rc = check_transaction(t, err)) < 0)
        return rc;
    if (t->face && (rc = check_face(t->face, &face_bpp, err)) < 0)
        return rc;
    if (t->source && (rc = check_source(t->source, &source_bpp, err)) < 0)
        return rc;

    struct tm tm;
    time_t when = t->when;
    if (!gmtime_r(&when, &tm))
        return BAD("the transaction time cannot be represented");
    char date[32], gmt[64];
    snprintf(date, sizeof(date), "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    snprintf(gmt, sizeof(gmt), "%s%02d%02d%02dZ", date, tm.tm_hour, tm.tm_min, tm.tm_sec);

    /* Record list, in file order: types and IDCs. */
    unsigned types[16], idcs[16];
    size_t n = 0;
    types[n] = 2;
    idcs[n++] = 0;
    unsigned idc = 1;
    for (size_t i = 0; i < t->nslaps; i++, idc++) {
        types[n] = 14;
        idcs[n++] = idc;
    }
    for (size_t i = 0; i < t->npalms; i++, idc++) {
        types[n] = 15;
        idcs[n++] = idc;
    }
    if (t->face) {
        types[n] = 10;
        idcs[n++] = idc++;
    }
    if (t->signature) {
        types[n] = 8;
        idcs[n++] = idc++;
    }
    if (t->source) {
        types[n] = 20;
        idcs[n++] = idc++;
    }

    size_t want = 4096;
    for (size_t i = 0; i < t->nslaps; i++)
        want += t->slaps[i].image.len + 512;
    for (size_t i = 0; i < t->npalms; i++)
        want += t->palms[i].image.len + 256;
    if (t->face)
        want += t->face->image.len + 256;
    if (t->signature)
        want += 5 * (t->signature->npoints + 1) + 12;
    if (t->source)
        want += t->source->image.len + 256;
    if (want > LIMIT_AN2K_BYTES)
        return err_set(err, -ERANGE, "an2k_limit", "the transaction would exceed %d bytes", LIMIT_AN2K_BYTES);
    if (out->sink)
        want = STREAM_BUFFER + STREAM_DIRECT;
    out->p = malloc(want);
    if (!out->p)
        return err_set(err, -ENOMEM, NULL, "out of memory");
    out->cap = want;

    /* Type-1 */
    struct obuf b = {0};
    field_s(&b, 1, 2, "0502");
    field(&b, 1, 3);
    put_str(&b, "1");
    put_byte(&b, AN2K_US);
    put_u(&b, n);
    for (size_t i = 0; i < n; i++) {
        char e[16];
        put_byte(&b, AN2K_RS);
        int k = snprintf(e, sizeof(e), "%u\x1f%02u", types[i], idcs[i]);
        put(&b, e, (size_t)k);
    }
    field_s(&b, 1, 4, t->tot);
    field_s(&b, 1, 5, date);
    field_s(&b, 1, 7, t->dai);
    field_s(&b, 1, 8, t->ori);
    field_s(&b, 1, 9, t->tcn);
    field_s(&b, 1, 11, "00.00"); /* NSR/NTR: no Type-4 records */
    field_s(&b, 1, 12, "00.00");
    field(&b, 1, 13);
    items(&b, "UCHET", "1"); /* DOM: our Type-2 profile, version 1 */
    field_s(&b, 1, 14, gmt);
    field(&b, 1, 15);
    items(&b, "3", "UTF-8"); /* DCS: UTF-8 in Types 2 and up */
    emit_tagged(out, 1, &b, NULL, 0);
    free(b.p);

    write_type2(out, &t->person);
    size_t k = 1;
    for (size_t i = 0; i < t->nslaps; i++)
        write_slap(out, &t->slaps[i], idcs[k++], t->ori, date);
    for (size_t i = 0; i < t->npalms; i++)
        write_palm(out, &t->palms[i], idcs[k++], t->ori, date);
    if (t->face)
        write_face(out, t->face, face_bpp, idcs[k++], t->ori, date);
    if (t->signature)
        write_signature(out, t->signature, idcs[k++]);
    if (t->source)
        write_source(out, t->source, source_bpp, idcs[k++], t->ori, date);

    flush(out);
    if (out->rc)
        return out->rc == -ERANGE
                   ? err_set(err, -ERANGE, "an2k_limit", "the transaction would exceed %d bytes", LIMIT_AN2K_BYTES)
               : out->rc == -ENOMEM ? err_set(err, -ENOMEM, NULL, "out of memory")
                                    : err_set(err, out->rc, "an2k_sink", "the sink failed");
    return 0;
}

int an2k_write(const struct an2k_transaction *t, uint8_t **ret_buf, size_t *ret_len, err_t *err)
{
    struct obuf out = {0};
    int rc = write_all(t, &out, err);
    if (rc < 0) {
        free(out.p);
        return rc;
    }
    *ret_buf = out.p;
    *ret_len = out.len;
    return 0;
}

int an2k_write_stream(const struct an2k_transaction *t, an2k_sink_fn sink, void *ctx, size_t *ret_len, err_t *err)
{
    if (!sink)
        return BAD("no sink");
    struct obuf out = {.sink = sink, .ctx = ctx};
    int rc = write_all(t, &out, err);
    free(out.p);
    if (rc < 0)
        return rc;
    *ret_len = out.total;
    return 0;
}
