/* A page turned upright and level: see straighten.h. */
#include "docset/straighten.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#ifdef UCHET_HAVE_LEPTONICA
#include <leptonica/allheaders.h>
#ifdef UCHET_HAVE_TESSERACT
#include <tesseract/capi.h>
#endif

static PIX *pix_of(const raster_t *g)
{
    PIX *p = pixCreate((l_int32)g->width, (l_int32)g->height, 8);
    if (!p)
        return NULL;
    l_uint32 *data = pixGetData(p);
    l_int32 wpl = pixGetWpl(p);
    for (uint32_t y = 0; y < g->height; y++) {
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        const uint8_t *row = g->pix + (size_t)y * g->width;
        for (uint32_t x = 0; x < g->width; x++)
            SET_DATA_BYTE(line, x, row[x]);
    }
    return p;
}

static int raster_of(PIX *p, uint32_t ppi, raster_t **ret)
{
    raster_t *r = NULL;
    int rc = raster_new((uint32_t)pixGetWidth(p), (uint32_t)pixGetHeight(p), 1, 255, &r);
    if (rc < 0)
        return rc;
    l_uint32 *data = pixGetData(p);
    l_int32 wpl = pixGetWpl(p);
    for (uint32_t y = 0; y < r->height; y++) {
        const l_uint32 *line = data + (size_t)y * (size_t)wpl;
        uint8_t *row = r->pix + (size_t)y * r->width;
        for (uint32_t x = 0; x < r->width; x++)
            row[x] = (uint8_t)GET_DATA_BYTE(line, x);
    }
    r->ppi = ppi;
    *ret = r;
    return 0;
}

/* The page being straightened: its grey image and, once made, its ink as
 * 1 bpp (one Otsu threshold over the whole page) - made once per image
 * and shared by the skew measure and leptonica's orientation fallback;
 * after a quarter turn it is turned with the page (a whole-page threshold
 * does not change when the page turns), after a tilt it is made again. */
struct work {
    PIX *grey;
    PIX *bin; /* NULL: not made yet, or stale */
};

static PIX *binary_of(struct work *w)
{
    if (!w->bin) {
        l_int32 width = pixGetWidth(w->grey), height = pixGetHeight(w->grey);
        if (pixOtsuAdaptiveThreshold(w->grey, width, height, 0, 0, 0.1f, NULL, &w->bin) != 0)
            w->bin = NULL;
    }
    return w->bin;
}

/* Levels the page in place when its text lines are confidently tilted. */
static int level(struct work *w, double *skew_deg)
{
    PIX *bin = binary_of(w);
    if (!bin)
        return -ENOMEM;
    l_float32 angle = 0, conf = 0;
    int found = pixFindSkew(bin, &angle, &conf) == 0;
    if (!found || conf < STRAIGHTEN_MIN_SKEW_CONF || fabs(angle) < STRAIGHTEN_MIN_SKEW_DEG)
        return 0;
    PIX *rot = pixRotate(w->grey, (l_float32)(angle * M_PI / 180.0), L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
    if (!rot)
        return -ENOMEM;
    pixDestroy(&w->grey);
    pixDestroy(&w->bin);
    w->grey = rot;
    *skew_deg = angle;
    return 0;
}

#ifdef UCHET_HAVE_TESSERACT
/* Tesseract's answer on osd (see turns_needed): the turns, or -1 when
 * there is no osd model here. */
static int turns_by_osd(PIX *grey, uint32_t ppi, docset_tess_t *tess)
{
    TessBaseAPI *api = docset_tess_get(tess, DOCSET_TESS_OSD);
    if (!api)
        return -1;
    int turns = 0; /* too little text to tell: left as it came */
    /* unknown: the documents' usual scan resolution, rather than tesseract's
     * own guess of 70, which it announces on stderr for every page. The
     * orientation detection takes it from the image, not from
     * SetSourceResolution. */
    int res = ppi ? (int)ppi : 300;
    pixSetResolution(grey, res, res);
    TessBaseAPISetImage2(api, grey);
    TessBaseAPISetSourceResolution(api, res);
    int deg = 0;
    float conf = 0, script_conf = 0;
    const char *script = NULL;
    /* deg: how far the page was turned clockwise; undone by turning on to a whole turn */
    if (TessBaseAPIDetectOrientationScript(api, &deg, &conf, &script, &script_conf)) {
        bool ours = script && (strcmp(script, "Cyrillic") == 0 || strcmp(script, "Latin") == 0);
        turns = ours && conf >= STRAIGHTEN_MIN_OSD_CONF && deg % 90 == 0 ? (4 - (deg / 90) % 4) % 4 : 0;
    }
    TessBaseAPIClear(api);
    return turns;
}
#endif

/* The clockwise quarter turns that bring the text upright, or 0 when not
 * sure: tesseract's orientation and script detection (Debian
 * tesseract-ocr-osd) where it is installed - only when it reads the text as
 * Latin or Cyrillic, the scripts of the documents, with high confidence: on
 * small phone photos of passports it sometimes calls the page upside down
 * with confidence up to 7 while naming Bengali or Japanese (docs/DOCSETS.md)
 * - else leptonica's ascender/descender count (Latin text only). */
static int turns_needed(struct work *w, uint32_t ppi, docset_tess_t *tess)
{
#ifdef UCHET_HAVE_TESSERACT
    int turns = turns_by_osd(w->grey, ppi, tess);
    if (turns >= 0)
        return turns;
#else
    (void)ppi, (void)tess;
#endif
    PIX *bin = binary_of(w);
    if (!bin)
        return 0;
    l_float32 upconf = 0, leftconf = 0;
    l_int32 rotation = 0;
    PIX *fixed = pixOrientCorrect(bin, STRAIGHTEN_MIN_UP_CONF, STRAIGHTEN_MIN_RATIO, &upconf, &leftconf, &rotation, 0);
    pixDestroy(&fixed);
    return rotation % 90 == 0 && rotation > 0 && rotation < 360 ? rotation / 90 : 0;
}

/* Turns the page upright in place when the text's up direction is clear. */
static int upright(struct work *w, uint32_t ppi, docset_tess_t *tess, int *quarter_turns)
{
    int turns = turns_needed(w, ppi, tess);
    if (!turns)
        return 0;
    PIX *rot = pixRotateOrth(w->grey, turns);
    if (!rot)
        return -ENOMEM;
    pixDestroy(&w->grey);
    w->grey = rot;
    if (w->bin) {
        PIX *bin = pixRotateOrth(w->bin, turns);
        pixDestroy(&w->bin);
        w->bin = bin; /* NULL on ENOMEM: made again when needed */
    }
    *quarter_turns = turns;
    return 0;
}

int straighten_page(
    const raster_t *grey, docset_tess_t *tess, raster_t **ret, struct straighten_result *how, err_t *err)
{
    *ret = NULL;
    *how = (struct straighten_result){0};
    if (!grey || grey->channels != 1)
        return err_set(err, -EINVAL, "image_unreadable", "straighten: not a grey raster");
    struct work w = {.grey = pix_of(grey)};
    if (!w.grey)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int rc = level(&w, &how->skew_deg);
    if (rc == 0)
        rc = upright(&w, grey->ppi, tess, &how->quarter_turns);
    if (rc == 0 && how->quarter_turns)
        rc = level(&w, &how->skew_deg);
    if (rc == 0 && (how->quarter_turns || how->skew_deg != 0))
        rc = raster_of(w.grey, grey->ppi, ret);
    pixDestroy(&w.grey);
    pixDestroy(&w.bin);
    if (rc < 0)
        return err_set(err, rc, "out_of_memory", "Out of memory.");
    return 0;
}

#else

int straighten_page(
    const raster_t *grey, docset_tess_t *tess, raster_t **ret, struct straighten_result *how, err_t *err)
{
    *ret = NULL;
    *how = (struct straighten_result){0};
    if (!grey || grey->channels != 1)
        return err_set(err, -EINVAL, "image_unreadable", "straighten: not a grey raster");
    (void)tess;
    return 0;
}

#endif
