#pragma once
/* kiosk_build: an enrolment session's verified captures and typed details
 * into one ANSI/NIST-ITL transaction (bio/an2k), as docs/ENROLMENT.md
 * describes: Type-2 from the details, Type-14 x3 from the slaps (boxes,
 * device quality, AMP for declared exceptions), Type-15 x2, Type-10 face,
 * Type-8 signature vectors, Type-20 the document page when kept. Pure; no
 * logging. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "bio/sbi.h"
#include "store/kiosk.h"

#define KIOSK_BUILD_CAPTURES 6 /* face, slap-left, slap-right, thumbs, palm-left, palm-right */
#define KIOSK_PEN_MAX 20000    /* pen points of a signature */

typedef struct kiosk_pen {
    uint16_t x, y;    /* 0.001 inch from the bottom-left corner */
    uint8_t pressure; /* 0 pen up */
} kiosk_pen_t;

/* Why a finger is missing from its slap, as the person declared it at the
 * kiosk (ANSI/NIST-ITL 14.018 AMP: XX amputated, UP unable to print). */
typedef enum {
    KIOSK_PRESENT = 0,
    KIOSK_MISSING_INJURED,   /* injured or bandaged, or no reason given: UP */
    KIOSK_MISSING_AMPUTATED, /* XX */
} kiosk_missing_t;

typedef struct kiosk_build {
    char tcn[40]; /* the session id */
    int64_t when;
    kiosk_details_t details;
    struct sbi_capture cap[KIOSK_BUILD_CAPTURES]; /* in the order above; owned by the caller */
    size_t ncap;
    kiosk_missing_t missing[3][4]; /* per slap (left, right, thumbs), in kiosk order: declared exceptions */
    const kiosk_pen_t *pen;        /* borrowed */
    size_t npen;
    const uint8_t *page; /* the document page, a PNG (8-bit grey or RGB); borrowed; NULL: none */
    size_t page_len;
    bool page_camera;        /* the page came from the kiosk's camera, not a certified scanner */
    bool has_eyes;           /* the face check found both eye centres */
    uint32_t lx, ly, rx, ry; /* image left eye (the subject's right), image right eye */
} kiosk_build_t;

/* ANSI/NIST finger position (1-10) of an SBI bioSubType, 0 when none. */
uint8_t kiosk_build_fgp(const char *bio_sub_type);

/* Builds the transaction into *ret (caller frees, after sodium_memzero). */
int kiosk_build_transaction(const kiosk_build_t *in, uint8_t **ret, size_t *ret_len, err_t *err);
