#include "api/kiosk_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/an2k.h"
#include "bio/iso19794.h"
#include "bio/raster.h"

/* Each slap's fingers in the kiosk's order (h_kiosk.c KINDS) and its FGP. */
static const char *const SLAP_FINGERS[3][4] = {
    {"Left IndexFinger", "Left MiddleFinger", "Left RingFinger", "Left LittleFinger"},
    {"Right IndexFinger", "Right MiddleFinger", "Right RingFinger", "Right LittleFinger"},
    {"Left Thumb", "Right Thumb", NULL, NULL},
};
static const uint8_t SLAP_FGP[3] = {14, 13, 15};
static const uint8_t PALM_FGP[2] = {23, 21}; /* left full palm, right full palm */

#define QUALITY_VENDOR 0x0000 /* QAV: the device's own score (vendor unregistered) */
#define QUALITY_PRODUCT 1

/* ANSI/NIST-ITL's finger positions (Table 8) are ISO/IEC 19794-4's: one
 * table, bio/iso19794's, serves the record a device sends and the
 * transaction uchet writes. Fingers only here (1..10). */
uint8_t kiosk_build_fgp(const char *name)
{
    uint8_t p = iso19794_position_of(name);
    return p <= 10 ? p : 0;
}

/* An image from a PNG's IHDR (the writer checks the rest). */
static int image_of(const uint8_t *png, size_t len, uint32_t ppi, struct an2k_image *ret, err_t *err)
{
    uint32_t w = 0, h = 0;
    if (raster_png_size(png, len, &w, &h) < 0)
        return err_set(err, -EINVAL, "capture_not_png", "A capture's image is not a PNG.");
    *ret = (struct an2k_image){.data = png, .len = len, .width = w, .height = h, .ppi = ppi};
    return 0;
}

static void ymd(const char *iso, char out[9])
{
    snprintf(out, 9, "%.4s%.2s%.2s", iso, iso + 5, iso + 8);
}

static uint8_t score(double q)
{
    return q < 0 ? 254 : q > 100 ? 100 : (uint8_t)(q + 0.5);
}

static int build_slap(
    const struct sbi_capture *c, int which, const kiosk_missing_t missing[4], struct an2k_slap *s, err_t *err)
{
    memset(s, 0, sizeof *s);
    s->fgp = SLAP_FGP[which];
    int r = image_of(c->slap_value, c->slap_value_len, 500, &s->image, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < c->nsegments && s->nseg < AN2K_SLAP_FINGERS; i++) {
        const struct sbi_segment *g = &c->segments[i];
        uint8_t f = kiosk_build_fgp(g->bio_sub_type);
        /* SBI boxes are right/bottom exclusive; SEG edges are inclusive */
        uint32_t right = g->right > 0 ? (uint32_t)g->right - 1 : 0,
                 bottom = g->bottom > 0 ? (uint32_t)g->bottom - 1 : 0;
        if (right >= s->image.width)
            right = s->image.width - 1;
        if (bottom >= s->image.height)
            bottom = s->image.height - 1;
        s->seg[s->nseg++] = (struct an2k_seg){.fgp = f,
            .left = g->left < 0 ? 0 : (uint32_t)g->left,
            .right = right,
            .top = g->top < 0 ? 0 : (uint32_t)g->top,
            .bottom = bottom};
    }
    for (size_t i = 0; i < c->nbio && s->nquality < AN2K_QUALITY_MAX; i++)
        s->quality[s->nquality++] = (struct an2k_quality){.fgp = kiosk_build_fgp(c->bio[i].bio_sub_type),
            .score = score(c->bio[i].quality),
            .vendor = QUALITY_VENDOR,
            .product = QUALITY_PRODUCT};
    for (int j = 0; j < 4 && SLAP_FINGERS[which][j]; j++)
        if (missing[j] != KIOSK_PRESENT)
            s->missing[s->nmissing++] = (struct an2k_missing){.fgp = kiosk_build_fgp(SLAP_FINGERS[which][j]),
                .unable_to_print = missing[j] != KIOSK_MISSING_AMPUTATED};
    /* a finger neither boxed nor declared (cannot pass the capture check) */
    return 0;
}

int kiosk_build_transaction(const kiosk_build_t *in, uint8_t **ret, size_t *ret_len, err_t *err)
{
    if (in->ncap != KIOSK_BUILD_CAPTURES || in->npen == 0 || in->npen > KIOSK_PEN_MAX)
        return err_set(err, -EINVAL, "steps_missing", "The enrolment is incomplete.");
    const kiosk_details_t *d = &in->details;
    char birth[9], expiry[9];
    ymd(d->birth_date, birth);
    ymd(d->doc_expiry, expiry);
    struct an2k_slap slaps[3];
    struct an2k_palm palms[2];
    struct an2k_face face = {.sap = 1};
    int r = 0;
    if (in->cap[0].nbio != 1)
        return err_set(err, -EINVAL, "steps_missing", "The face capture holds no image.");
    r = image_of(in->cap[0].bio[0].value, in->cap[0].bio[0].value_len, 300, &face.image, err);
    for (int i = 0; r == 0 && i < 3; i++)
        r = build_slap(&in->cap[1 + i], i, in->missing[i], &slaps[i], err);
    for (int i = 0; r == 0 && i < 2; i++) {
        const struct sbi_capture *c = &in->cap[4 + i];
        memset(&palms[i], 0, sizeof palms[i]);
        palms[i].fgp = PALM_FGP[i];
        if (c->nbio != 1)
            return err_set(err, -EINVAL, "steps_missing", "A palm capture holds no image.");
        r = image_of(c->bio[0].value, c->bio[0].value_len, 500, &palms[i].image, err);
        palms[i].quality[0] = (struct an2k_quality){.fgp = PALM_FGP[i],
            .score = score(c->bio[0].quality),
            .vendor = QUALITY_VENDOR,
            .product = QUALITY_PRODUCT};
        palms[i].nquality = 1;
    }
    if (r < 0)
        return r;
    if (in->has_eyes) {
        face.has_eyes = true;
        /* the subject's left eye is on the image's right */
        face.left_eye_x = in->rx;
        face.left_eye_y = in->ry;
        face.right_eye_x = in->lx;
        face.right_eye_y = in->ly;
    }
    struct an2k_pen *pen = calloc(in->npen, sizeof *pen);
    if (!pen)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    for (size_t i = 0; i < in->npen; i++)
        pen[i] = (struct an2k_pen){.x = in->pen[i].x, .y = in->pen[i].y, .pressure = in->pen[i].pressure};
    struct an2k_signature sig = {.points = pen, .npoints = in->npen};
    /* the page's scale is not known (a scanner's SBI answer does not say
     * it, a camera has none): written as an aspect ratio */
    struct an2k_source page = {
        .comment = in->page_camera ? "camera, not a certified scanner" : "document scanner (SBI)"};
    if (in->page && (r = image_of(in->page, in->page_len, 0, &page.image, err)) < 0) {
        free(pen);
        return r;
    }
    struct an2k_transaction t = {
        .tcn = in->tcn,
        .tot = "ENR",
        .dai = "UCHET",
        .ori = "UCHETKIOSK",
        .when = (time_t)in->when,
        .person = {.surname = d->surname,
            .given_names = d->given_names,
            .surname_latin = d->surname_latin,
            .given_latin = d->given_latin,
            .birth_date = birth,
            .sex = d->sex[0],
            .citizenship = d->citizenship,
            .doc_code = "P",
            .doc_issuer = d->citizenship,
            .doc_number = d->doc_number,
            .doc_expiry = expiry},
        .slaps = slaps,
        .nslaps = 3,
        .palms = palms,
        .npalms = 2,
        .face = &face,
        .signature = &sig,
        .source = in->page ? &page : NULL,
    };
    r = an2k_write(&t, ret, ret_len, err);
    free(pen);
    return r;
}
