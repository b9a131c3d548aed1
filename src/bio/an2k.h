#pragma once
/* ANSI/NIST-ITL 1-2011 Update 2015 transactions, traditional encoding.
 *
 * The writer builds one enrolment (Type-1, Type-2 demographic profile,
 * Type-14 4-4-2 slaps, Type-15 palms, Type-10 face, Type-8 signature,
 * Type-20 the identity document's page) from
 * already-encoded lossless images (PNG, or lossless JPEG 2000); it never
 * encodes or decodes pixels. The reader parses any traditional-encoding
 * transaction (Types 1-99 as the standard defines them) into records, fields,
 * subfields and items that point into the caller's buffer, and answers the
 * image questions (size, resolution, compression, position) for the image
 * record types. docs/ANSI-NIST.md describes what we write and read.
 *
 * Separators: FS 0x1C ends a record, GS 0x1D between fields, RS 0x1E between
 * subfields, US 0x1F between items. Both directions are pure, allocate only
 * what the limits in base/limits.h allow, and never read outside the buffer.
 *
 * Errors: -EINVAL with a stable err code:
 *   an2k_truncated   the buffer ends inside a record (or before one CNT lists)
 *   an2k_len         a LEN that is not a number, too small, or that does not
 *                    end on the record's FS
 *   an2k_separator   a missing or misplaced FS/GS/RS/US
 *   an2k_tag         a field tag that is not "T.NNN:", or out of place
 *   an2k_record_type a record type the standard does not define
 *   an2k_type1       the Type-1 record is missing, not first, or malformed
 *   an2k_type2_twice more than one Type-2 record
 *   an2k_cnt         CNT (1.003) disagrees with the records that follow
 *   an2k_idc         a record's IDC is not a number (strict: differs from CNT's)
 *   an2k_image       an image record whose header contradicts its data
 *   an2k_order       (strict reading only) fields out of order or repeated
 *   an2k_input       (writer) a caller's value the profile does not allow
 *   an2k_sink        (writer) the stream sink returned an error (its code is returned)
 * -ERANGE "an2k_limit" past a limit; -ENOMEM; -ENOENT "an2k_no_record" and
 * "an2k_no_image" from the look-ups. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"

#define AN2K_FS 0x1C
#define AN2K_GS 0x1D
#define AN2K_RS 0x1E
#define AN2K_US 0x1F

/* ---------------------------------------------------------------- writer */

/* One encoded image. Bytes are borrowed for the duration of an2k_write. */
struct an2k_image {
    const uint8_t *data; /* PNG (signature + IHDR checked) or JPEG 2000 (JP2 ihdr or SIZ checked) */
    size_t len;          /* bytes at data, > 0 */
    uint32_t width;      /* pixels; must equal the image header's */
    uint32_t height;     /* pixels; must equal the image header's */
    uint32_t ppi;        /* pixels per inch, both directions (SLC 1) */
    bool jp2l;           /* true: data is lossless JPEG 2000 (CGA JP2L), else PNG */
};

/* A finger's box inside a slap image (14.021 SEG), in pixels from the
 * top-left corner, edges inclusive: left < right <= width-1, top < bottom. */
struct an2k_seg {
    uint8_t fgp; /* finger position 1-10 */
    uint32_t left, right, top, bottom;
};

/* A quality score (14.024 FQM, 15.024 PQM). */
struct an2k_quality {
    uint8_t fgp;      /* finger/palm position it scores */
    uint8_t score;    /* 0-100, 254 = not computed, 255 = failed */
    uint16_t vendor;  /* QAV, written as four hex digits */
    uint16_t product; /* QAP, 1-65535 */
};

/* A finger that is missing from a slap (14.018 AMP). */
struct an2k_missing {
    uint8_t fgp;          /* finger position 1-10 */
    bool unable_to_print; /* true: "UP" (bandaged, injured), false: "XX" amputated */
};

#define AN2K_SLAP_FINGERS 4 /* most fingers in one slap */
#define AN2K_QUALITY_MAX 8  /* quality entries per record */

/* One slap of a 4-4-2 set: FGP 13 right four, 14 left four, 15 both thumbs.
 * Every finger the slap holds appears exactly once, either with a box in
 * seg[] or in missing[]. */
struct an2k_slap {
    uint8_t fgp;             /* 13, 14 or 15 */
    struct an2k_image image; /* 8-bit grey */
    struct an2k_seg seg[AN2K_SLAP_FINGERS];
    size_t nseg;
    struct an2k_missing missing[AN2K_SLAP_FINGERS];
    size_t nmissing;
    struct an2k_quality quality[AN2K_QUALITY_MAX]; /* fgp of a boxed finger */
    size_t nquality;
};

/* One palm (Type-15), live-scan (IMP 10). */
struct an2k_palm {
    uint8_t fgp;                                   /* 20-38 (21 right full, 23 left full) */
    struct an2k_image image;                       /* 8-bit grey */
    struct an2k_quality quality[AN2K_QUALITY_MAX]; /* fgp = this palm's */
    size_t nquality;
};

/* The face (Type-10, IMT FACE, POS F). */
struct an2k_face {
    struct an2k_image image;           /* 24-bit sRGB (CSP SRGB) or 8-bit grey (GRAY) */
    uint16_t sap;                      /* subject acquisition profile: 1, 10-15, 20, 30, 32, 40-42, 50-52 */
    bool has_eyes;                     /* write the eye centres (10.029 FFP) */
    uint32_t left_eye_x, left_eye_y;   /* the subject's left eye, pixels from top-left */
    uint32_t right_eye_x, right_eye_y; /* the subject's right eye */
};

/* The source representation (Type-20) that other records were read from:
 * here the identity document's data page, the source of Type-2's details. */
struct an2k_source {
    struct an2k_image image; /* PNG 8-bit grey or RGB (not jp2l); ppi 0 = unknown (SLC 0, 1:1) */
    const char *comment;     /* 20.020 COM: printable ASCII, 1-126 bytes, or NULL */
};

/* One pen vector of a signature (Type-8, SRT 2). */
struct an2k_pen {
    uint16_t x, y;    /* 0.001 inch from the bottom-left corner */
    uint8_t pressure; /* 0 pen up, 1-254 least..most */
};

/* The signature as pen vectors, as a touch screen records it. */
struct an2k_signature {
    const struct an2k_pen *points; /* borrowed */
    size_t npoints;                /* 1..LIMIT_AN2K_PEN_POINTS */
};

/* The demographic profile of our Type-2 record (docs/ANSI-NIST.md). Strings
 * are NUL-terminated UTF-8, borrowed. Empty or NULL optional fields are left
 * out of the record. */
struct an2k_person {
    const char *surname;       /* original script, required */
    const char *given_names;   /* original script, may be empty */
    const char *surname_latin; /* ICAO 9303 transliteration: A-Z, space, '-', '\'' ; required */
    const char *given_latin;   /* likewise, may be empty */
    const char *birth_date;    /* "YYYYMMDD"; MM/DD may be "00" when unknown; required */
    char sex;                  /* 'M', 'F' or 'X' */
    const char *citizenship;   /* ICAO 9303 code, 1-3 letters A-Z; required */
    const char *doc_code;      /* ICAO document code, 1-2 of A-Z (e.g. "P"); required */
    const char *doc_issuer;    /* ICAO 9303 code of the issuing state; required */
    const char *doc_number;    /* A-Z 0-9, 1..LIMIT_DOCNUM_BYTES; required */
    const char *doc_expiry;    /* "YYYYMMDD"; required */
};

/* One enrolment. Any of slaps, palms, face, signature may be absent (count 0
 * or NULL). */
struct an2k_transaction {
    const char *tcn; /* 1.009 TCN = enrolment number: 1-40 of A-Z a-z 0-9 - _ */
    const char *tot; /* 1.004 TOT: 1-16 of A-Z 0-9 (e.g. "ENR") */
    const char *dai; /* 1.007 DAI destination agency: 1-32 of A-Z a-z 0-9 */
    const char *ori; /* 1.008 ORI originating agency (also xx.004 SRC): likewise */
    time_t when;     /* capture and transaction time (UTC), years 1970-9999 */
    struct an2k_person person;
    const struct an2k_slap *slaps; /* up to 3, distinct FGP */
    size_t nslaps;
    const struct an2k_palm *palms; /* up to 2, distinct FGP */
    size_t npalms;
    const struct an2k_face *face;           /* NULL = none */
    const struct an2k_signature *signature; /* NULL = none */
    const struct an2k_source *source;       /* NULL = none */
};

/* Builds the transaction: Type-1, Type-2, then Type-14 (in the order given),
 * Type-15, Type-10, Type-8, Type-20, with IDC 00 for Type-2 and 01, 02, ... for the
 * others. Validates every input against the profile first (err code
 * "an2k_input" with a sentence naming the field, never its value).
 * On success *ret_buf (caller owns, free()) holds *ret_len bytes.
 * Returns 0, -EINVAL, -ERANGE (past LIMIT_AN2K_BYTES), -ENOMEM. */
int an2k_write(const struct an2k_transaction *t, uint8_t **ret_buf, size_t *ret_len, err_t *err);

/* Receives the transaction piece by piece, in order; returns 0, or a negative
 * errno-style code to stop the writer (which then returns it, err code
 * "an2k_sink"). p is borrowed for the call only. */
typedef int (*an2k_sink_fn)(void *ctx, const uint8_t *p, size_t n);

/* Like an2k_write, but hands the bytes to sink instead of one buffer: small
 * pieces gathered up to 64 KiB, encoded images passed through as they are
 * (no copy), so that an encryptor can take the transaction without a second
 * buffer. Validation happens before the first byte reaches the sink. On
 * success *ret_len is the transaction's size. Returns as an2k_write. */
int an2k_write_stream(const struct an2k_transaction *t, an2k_sink_fn sink, void *ctx, size_t *ret_len, err_t *err);

/* ---------------------------------------------------------------- reader */

/* One field: "T.NNN:value". For x.999 the value is the raw image bytes. */
struct an2k_field {
    unsigned tag_type;    /* T as written in the tag */
    unsigned num;         /* NNN */
    const uint8_t *value; /* borrowed from the parsed buffer */
    size_t len;
};

/* The fixed header of binary records: Type-3/4/5/6 (18 bytes), Type-7
 * (LEN, IDC), Type-8 (12 bytes). */
struct an2k_binary {
    uint8_t imp;       /* Type-3..6 impression */
    uint8_t fgp[6];    /* Type-3..6 positions, 255 = unused */
    uint8_t isr;       /* Type-3..6, 8: 0 minimum resolution, 1 native (1.011) */
    uint16_t hll, vll; /* pixels */
    uint8_t gca;       /* Type-3..6 compression code */
    uint8_t sig, srt;  /* Type-8 signature type and representation */
};

struct an2k_record {
    unsigned type;          /* 1-99 */
    unsigned idc;           /* the record's own IDC (field 2, or byte 5 of binary records) */
    unsigned cnt_idc;       /* the IDC CNT gives it; equal to idc under AN2K_STRICT (NIST's
                                     type9-15.an2k has a Type-9 whose IDC differs from CNT's) */
    const uint8_t *bytes;   /* the whole record, borrowed */
    size_t len;             /* its LEN */
    bool binary;            /* Types 3-8 */
    struct an2k_binary bin; /* binary records only */
    const uint8_t *data;    /* binary records: bytes after the header; tagged: x.999 value or NULL */
    size_t data_len;
    struct an2k_field *fields; /* tagged records: in file order; NULL for binary */
    size_t nfields;
};

/* A parsed transaction. Points into the buffer given to an2k_parse, which
 * must outlive it. */
struct an2k {
    const uint8_t *buf;
    size_t len;
    struct an2k_record *records; /* records[0] is the Type-1 */
    size_t nrecords;
};

#define AN2K_STRICT                                                                                                    \
    1u /* also require: fields ascending and unique, tag types
                           matching the record, VER 0502, DCS before any non-ASCII text */

/* Parses a whole transaction. flags: 0 or AN2K_STRICT. On success *ret (caller
 * owns, an2k_free) borrows buf. Returns 0, -EINVAL (codes above), -ERANGE,
 * -ENOMEM. Never reads outside [buf, buf+len). */
int an2k_parse(const uint8_t *buf, size_t len, unsigned flags, struct an2k **ret, err_t *err);

/* Frees a parsed transaction (accepts NULL). */
void an2k_free(struct an2k *t);

/* The first field numbered num in a tagged record, or NULL. */
const struct an2k_field *an2k_field_get(const struct an2k_record *r, unsigned num);

/* Subfields of a field (>= 1), and items of subfield sub (>= 1; 0 when sub is
 * past the end). Not meaningful for x.999. */
size_t an2k_field_subfields(const struct an2k_field *f);
size_t an2k_field_items(const struct an2k_field *f, size_t sub);

/* Item `item` of subfield `sub` (both 0-based): *ret_p and *ret_len borrowed.
 * Returns 0 or -ENOENT. */
int an2k_field_item(const struct an2k_field *f, size_t sub, size_t item, const uint8_t **ret_p, size_t *ret_len);

/* The index of the nth (0-based) record of `type`. Returns 0 or -ENOENT
 * ("an2k_no_record"). */
int an2k_find(const struct an2k *t, unsigned type, size_t nth, size_t *ret_index, err_t *err);

/* The index of the first record that carries an image (Types 3-6, 10, 13-17).
 * Returns 0 or -ENOENT ("an2k_no_image"). */
int an2k_first_image(const struct an2k *t, size_t *ret_index, err_t *err);

enum an2k_res_unit {
    AN2K_RES_NONE = 0, /* SLC 0: THPS/TVPS are an aspect ratio */
    AN2K_RES_PPI = 1,  /* SLC 1 */
    AN2K_RES_PPCM = 2, /* SLC 2 */
    AN2K_RES_PPMM = 3, /* fixed-resolution records (Types 3-6) */
};

#define AN2K_POSITIONS_MAX 6

/* What an image record says about its image. Resolutions are in hundredths
 * of the unit (19.69 px/mm is 1969; 500 ppi is 50000). */
struct an2k_image_info {
    unsigned type;       /* record type */
    char compression[8]; /* NONE WSQ20 JPEGB JPEGL JP2 JP2L PNG (binary GCA mapped) */
    uint32_t width, height;
    enum an2k_res_unit unit;
    uint32_t xres100, yres100;              /* image resolution */
    uint32_t xscan100, yscan100;            /* scanning resolution (0 when not given) */
    unsigned bpp;                           /* bits per pixel */
    int impression;                         /* IMP, -1 when the record has none */
    unsigned positions[AN2K_POSITIONS_MAX]; /* FGP codes, in order */
    size_t npositions;
    const uint8_t *data; /* image bytes, borrowed */
    size_t len;
};

/* Describes the image of record index `rec` (also a Type-20 source
 * representation that has image fields). Returns 0; -ENOENT
 * "an2k_no_image" when the record carries no image, -EINVAL "an2k_image" when a
 * required image field is missing or not a number. */
int an2k_image_info(const struct an2k *t, size_t rec, struct an2k_image_info *ret, err_t *err);

/* Number of Type-9 (minutiae) records sharing record `rec`'s IDC. */
size_t an2k_minutiae_count(const struct an2k *t, size_t rec);

/* True when FGP code `fgp` names one particular finger or palm area: false for
 * 0 (unknown finger), 18 (unknown friction ridge), 19 (EJI or tip, the finger
 * being among the 13.014 candidates) and 20 (unknown palm). */
bool an2k_position_is_known(unsigned fgp);
