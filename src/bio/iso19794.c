/* ISO/IEC 19794-4:2011 and 19794-5:2011 image records of one representation.
 *
 * Layouts (all integers big-endian), as the 2011 parts lay them out and as
 * MOSIP's registration devices send them (checked on the sample records of
 * mosip/mosip-mock-services, tests/bio/iso19794/README):
 *
 *   general header  format "FIR\0"|"FAC\0", version "020\0"|"030\0",
 *                   record length u32, representations u16, certification
 *                   flag u8, then finger: fingers present u8 / face:
 *                   temporal semantics u16
 *   representation  length u32, capture time (year u16, month, day, hour,
 *                   minute, second u8, ms u16), device technology u8, vendor
 *                   u16, type u16, quality blocks u8 + 5 bytes each, then
 *     finger:       [certification blocks u8 + 3 bytes each, when flagged],
 *                   position, representation no., scale units u8, four
 *                   sampling rates u16, bit depth, compression, impression
 *                   u8, width, height u16, image length u32, image,
 *                   extended data blocks (type u16, length u16 counting
 *                   these four bytes, data) to the representation's end
 *     face:         landmarks u16, gender, eye colour, hair colour, height
 *                   u8, property mask u24, expression u16, pose 6 bytes,
 *                   landmark points 8 bytes each, face image type, image
 *                   data type u8, width, height u16, spatial sampling rate u8,
 *                   post-acquisition processing u16, cross reference, colour
 *                   space u8, image length u32, image */
#include "bio/iso19794.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/be.h"

#define FIR_GENERAL 16u
#define FAC_GENERAL 17u
#define COMMON_REPR 19u /* length, capture time, device ids, quality count */
#define QUALITY_BLOCK 5u
#define CERT_BLOCK 3u
#define FINGER_TAIL 22u /* position .. image length */
#define FACE_FIXED 17u  /* landmark count .. pose */
#define LANDMARK 8u
#define FACE_TAIL 15u /* face image type .. image length */
#define FACE_TYPE_3D_FLAG 0x80u

/* A bounded big-endian cursor over the record. */
struct rd {
    const uint8_t *p;
    size_t left;
    int bad;
};

/* The next n (1 to 4) bytes as a number; 0 and r->bad set when fewer are
 * left. */
static uint32_t take(struct rd *r, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = (uint32_t)be_get(r->p, n);
    r->p += n;
    r->left -= n;
    return v;
}

static void skip(struct rd *r, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = 1;
        return;
    }
    r->p += n;
    r->left -= n;
}

static int malformed(err_t *err, const char *what)
{
    return err_set(err, -EINVAL, "iso_malformed", "not an ISO/IEC 19794 image record: %s", what);
}

static int finger_kind(uint32_t code, iso_image_kind_t *ret)
{
    static const iso_image_kind_t kinds[] = {
        ISO_IMG_RAW, ISO_IMG_RAW, ISO_IMG_WSQ, ISO_IMG_JPEG, ISO_IMG_JP2, ISO_IMG_JP2, ISO_IMG_PNG};
    if (code >= sizeof kinds / sizeof kinds[0])
        return -1;
    *ret = kinds[code];
    return 0;
}

static int face_kind(uint32_t code, iso_image_kind_t *ret)
{
    static const iso_image_kind_t kinds[] = {ISO_IMG_JPEG, ISO_IMG_JP2, ISO_IMG_JP2, ISO_IMG_PNG};
    if (code >= sizeof kinds / sizeof kinds[0])
        return -1;
    *ret = kinds[code];
    return 0;
}

/* The part of a finger representation after the common start; r is bounded
 * to the representation. */
static int read_finger(struct rd *r, uint32_t cert_flag, iso_image_t *im, err_t *err)
{
    if (cert_flag)
        skip(r, take(r, 1) * CERT_BLOCK);
    im->position = (uint8_t)take(r, 1);
    skip(r, 1);                  /* representation number */
    uint32_t scale = take(r, 1); /* 1: pixels per inch, 2: per cm */
    skip(r, 4);                  /* the device's sampling rates */
    uint32_t ppi = take(r, 2);   /* the image's horizontal rate */
    skip(r, 2 + 1);              /* vertical rate, bit depth */
    uint32_t code = take(r, 1);
    skip(r, 1); /* impression type */
    im->width = (uint16_t)take(r, 2);
    im->height = (uint16_t)take(r, 2);
    im->ppi = scale == 1 ? (uint16_t)ppi : 0;
    if (r->bad)
        return malformed(err, "the finger representation is cut short");
    if (finger_kind(code, &im->kind) < 0)
        return err_set(err, -EINVAL, "iso_unknown_image", "finger image compression code %u is not defined", code);
    return 0;
}

/* The part of a face representation after the common start. */
static int read_face(struct rd *r, iso_image_t *im, err_t *err)
{
    uint32_t landmarks = take(r, 2);
    skip(r, FACE_FIXED - 2 + (size_t)landmarks * LANDMARK);
    uint32_t face_type = take(r, 1);
    uint32_t code = take(r, 1);
    im->width = (uint16_t)take(r, 2);
    im->height = (uint16_t)take(r, 2);
    skip(r, 1 + 2 + 1 + 1); /* sampling rate, post-processing, cross reference, colour space */
    if (r->bad)
        return malformed(err, "the face representation is cut short");
    if (face_type & FACE_TYPE_3D_FLAG)
        return malformed(err, "a 3D face representation");
    if (face_kind(code, &im->kind) < 0)
        return err_set(err, -EINVAL, "iso_unknown_image", "face image data type %u is not defined", code);
    return 0;
}

/* The general header; leaves r at the first representation. */
static int read_general(struct rd *r, size_t len, iso_image_t *im, uint32_t *cert_flag, err_t *err)
{
    if (len >= 8 && memcmp(r->p,
                        "FIR\0"
                        "020\0",
                        8) == 0)
        im->modality = ISO_FINGER;
    else if (len >= 8 && memcmp(r->p,
                             "FAC\0"
                             "030\0",
                             8) == 0)
        im->modality = ISO_FACE;
    else
        return malformed(err, "neither a 19794-4:2011 finger nor a 19794-5:2011 face record");
    skip(r, 8);
    uint32_t total = take(r, 4);
    uint32_t nrepr = take(r, 2);
    *cert_flag = take(r, 1);
    skip(r, im->modality == ISO_FINGER ? 1 : 2);
    if (r->bad)
        return malformed(err, "the general header is cut short");
    if (total != len)
        return malformed(err, "the record length disagrees with the data received");
    if (nrepr != 1)
        return malformed(err, "not exactly one representation");
    if (im->modality == ISO_FACE && *cert_flag)
        return malformed(err, "a face record with certification blocks");
    return 0;
}

int iso19794_read(const uint8_t *rec, size_t len, iso_image_t *ret, err_t *err)
{
    iso_image_t im = {.quality = 255};
    struct rd r = {.p = rec, .left = len};
    uint32_t cert_flag = 0;
    int rc = read_general(&r, len, &im, &cert_flag, err);
    if (rc < 0)
        return rc;
    uint32_t repr_len = take(&r, 4);
    if (r.bad || repr_len != r.left + 4)
        return malformed(err, "the representation length disagrees with the record length");
    skip(&r, 9 + 1 + 2 + 2); /* capture time, device technology, vendor, type */
    uint32_t nquality = take(&r, 1);
    if (nquality > 0 && r.left >= 1)
        im.quality = r.p[0];
    skip(&r, nquality * QUALITY_BLOCK);
    rc = im.modality == ISO_FINGER ? read_finger(&r, cert_flag, &im, err) : read_face(&r, &im, err);
    if (rc < 0)
        return rc;
    uint32_t image_len = take(&r, 4);
    if (r.bad || image_len == 0 || image_len > r.left)
        return malformed(err, "the image runs past the end of its representation");
    im.data = r.p;
    im.len = image_len;
    skip(&r, image_len);
    /* a face record ends with its image; a finger one may carry extended data blocks after it */
    if (im.modality == ISO_FACE && r.left)
        return malformed(err, "bytes after the face image");
    while (r.left && !r.bad) {
        skip(&r, 2);
        uint32_t block = take(&r, 2);
        skip(&r, block < 4 ? r.left + 1 : block - 4);
    }
    if (r.bad)
        return malformed(err, "the extended data blocks do not fill the representation");
    *ret = im;
    return 0;
}

/* --- writer --- */

static uint8_t *put_time(uint8_t *p, int64_t now)
{
    time_t t = (time_t)now;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    p = be_put(p, (uint32_t)tm.tm_year + 1900u, 2);
    p = be_put(p, (uint32_t)tm.tm_mon + 1u, 1);
    p = be_put(p, (uint32_t)tm.tm_mday, 1);
    p = be_put(p, (uint32_t)tm.tm_hour, 1);
    p = be_put(p, (uint32_t)tm.tm_min, 1);
    p = be_put(p, (uint32_t)tm.tm_sec, 1);
    return be_put(p, 0, 2);
}

static int code_of(const iso_image_t *img, uint32_t *ret)
{
    static const int finger[] = {[ISO_IMG_WSQ] = 2, [ISO_IMG_JPEG] = 3, [ISO_IMG_JP2] = 5, [ISO_IMG_PNG] = 6};
    static const int face[] = {[ISO_IMG_WSQ] = -1, [ISO_IMG_JPEG] = 0, [ISO_IMG_JP2] = 2, [ISO_IMG_PNG] = 3};
    if (img->kind < ISO_IMG_WSQ || img->kind > ISO_IMG_PNG)
        return -1;
    int c = img->modality == ISO_FINGER ? finger[img->kind] : face[img->kind];
    if (c < 0)
        return -1;
    *ret = (uint32_t)c;
    return 0;
}

static uint8_t *put_finger_tail(uint8_t *p, const iso_image_t *img, uint32_t code)
{
    p = be_put(p, img->position, 1);
    p = be_put(p, 0, 1); /* representation number */
    p = be_put(p, 1, 1); /* pixels per inch */
    for (int i = 0; i < 4; i++)
        p = be_put(p, img->ppi, 2);
    p = be_put(p, 8, 1); /* 8 bits per pixel */
    p = be_put(p, code, 1);
    p = be_put(p, 0, 1); /* live-scan plain impression */
    p = be_put(p, img->width, 2);
    return be_put(p, img->height, 2);
}

static uint8_t *put_face_tail(uint8_t *p, const iso_image_t *img, uint32_t code)
{
    memset(p, 0, FACE_FIXED); /* no landmarks; gender, colours, height, mask, expression, pose unspecified */
    p[2] = 0xff;              /* gender: unknown */
    p += FACE_FIXED;
    p = be_put(p, 1, 1); /* full frontal */
    p = be_put(p, code, 1);
    p = be_put(p, img->width, 2);
    p = be_put(p, img->height, 2);
    p = be_put(p, 0, 1 + 2 + 1); /* sampling rate, post-processing, cross reference */
    return be_put(p, 1, 1);      /* colour space: sRGB */
}

int iso19794_write(const iso_image_t *img, int64_t now, uint8_t **ret, size_t *ret_len, err_t *err)
{
    uint32_t code = 0;
    if (!img->data || img->len == 0 || code_of(img, &code) < 0 || img->quality > 100 ||
        (img->modality != ISO_FINGER && img->modality != ISO_FACE))
        return err_set(err, -EINVAL, "iso_bad_image", "the image cannot be carried in a 19794 record");
    size_t general = img->modality == ISO_FINGER ? FIR_GENERAL : FAC_GENERAL;
    size_t tail = img->modality == ISO_FINGER ? FINGER_TAIL : FACE_FIXED + FACE_TAIL;
    size_t repr = COMMON_REPR + QUALITY_BLOCK + tail + img->len;
    if (img->len > UINT32_MAX - general - repr)
        return err_set(err, -EINVAL, "iso_bad_image", "the image is too large for a 19794 record");
    uint8_t *out = malloc(general + repr);
    if (!out)
        return -ENOMEM;
    uint8_t *p = out;
    memcpy(p,
        img->modality == ISO_FINGER ? "FIR\0"
                                      "020\0"
                                    : "FAC\0"
                                      "030\0",
        8);
    p = be_put(p + 8, (uint32_t)(general + repr), 4);
    p = be_put(p, 1, 2); /* one representation */
    p = be_put(p, 0, 1); /* no certification blocks */
    p = be_put(p, img->modality == ISO_FINGER ? 1 : 0, img->modality == ISO_FINGER ? 1 : 2);
    p = be_put(p, (uint32_t)repr, 4);
    p = put_time(p, now);
    p = be_put(p, 0, 1 + 2 + 2); /* device technology, vendor, type: unspecified */
    p = be_put(p, 1, 1);         /* one quality block: the score, vendor and algorithm unreported */
    p = be_put(p, img->quality, 1);
    p = be_put(p, 0, 4);
    p = img->modality == ISO_FINGER ? put_finger_tail(p, img, code) : put_face_tail(p, img, code);
    p = be_put(p, (uint32_t)img->len, 4);
    memcpy(p, img->data, img->len);
    *ret = out;
    *ret_len = general + repr;
    return 0;
}

uint8_t iso19794_position_of(const char *name)
{
    static const struct {
        const char *name;
        uint8_t pos;
    } map[] = {
        {"Right Thumb", 1},
        {"Right IndexFinger", 2},
        {"Right MiddleFinger", 3},
        {"Right RingFinger", 4},
        {"Right LittleFinger", 5},
        {"Left Thumb", 6},
        {"Left IndexFinger", 7},
        {"Left MiddleFinger", 8},
        {"Left RingFinger", 9},
        {"Left LittleFinger", 10},
        {"Right Palm", 21},
        {"Left Palm", 23},
    };
    for (size_t i = 0; name && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(name, map[i].name) == 0)
            return map[i].pos;
    return 0;
}
