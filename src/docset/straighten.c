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

/* Ink as 1 bpp: one Otsu threshold over the whole page. */
static PIX *binary_of(PIX *grey)
{
    PIX *bin = NULL;
    l_int32 w = pixGetWidth(grey), h = pixGetHeight(grey);
    if (pixOtsuAdaptiveThreshold(grey, w, h, 0, 0, 0.1f, NULL, &bin) != 0)
        return NULL;
    return bin;
}

/* Levels *grey in place when its text lines are confidently tilted. */
static int level(PIX **grey, double *skew_deg)
{
    PIX *bin = binary_of(*grey);
    if (!bin)
        return -ENOMEM;
    l_float32 angle = 0, conf = 0;
    int found = pixFindSkew(bin, &angle, &conf) == 0;
    pixDestroy(&bin);
    if (!found || conf < STRAIGHTEN_MIN_SKEW_CONF || fabs(angle) < STRAIGHTEN_MIN_SKEW_DEG)
        return 0;
    PIX *rot = pixRotate(*grey, (l_float32)(angle * M_PI / 180.0), L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
    if (!rot)
        return -ENOMEM;
    pixDestroy(grey);
    *grey = rot;
    *skew_deg = angle;
    return 0;
}

/* The clockwise quarter turns that bring the text upright, or 0 when not
 * sure: tesseract's orientation and script detection (Debian
 * tesseract-ocr-osd) where it is installed - only when it reads the text as
 * Latin or Cyrillic, the scripts of the documents, with high confidence: on
 * small phone photos of passports it sometimes calls the page upside down
 * with confidence up to 7 while naming Bengali or Japanese (docs/DOCSETS.md)
 * - else leptonica's ascender/descender count (Latin text only). */
static int turns_needed(PIX *grey, uint32_t ppi)
{
#ifdef UCHET_HAVE_TESSERACT
    TessBaseAPI *api = TessBaseAPICreate();
    int turns = -1; /* -1: no osd model here */
    if (api && TessBaseAPIInit3(api, NULL, "osd") == 0) {
        turns = 0; /* too little text to tell: left as it came */
        TessBaseAPISetPageSegMode(api, PSM_OSD_ONLY);
        TessBaseAPISetImage2(api, grey);
        /* unknown: the documents' usual scan resolution, rather than tesseract's
         * own guess of 70, which it announces on stderr for every page */
        TessBaseAPISetSourceResolution(api, ppi ? (int)ppi : 300);
        int deg = 0;
        float conf = 0, script_conf = 0;
        const char *script = NULL;
        /* deg: how far the page was turned clockwise; undone by turning on to a whole turn */
        if (TessBaseAPIDetectOrientationScript(api, &deg, &conf, &script, &script_conf)) {
            bool ours = script && (strcmp(script, "Cyrillic") == 0 || strcmp(script, "Latin") == 0);
            turns = ours && conf >= STRAIGHTEN_MIN_OSD_CONF && deg % 90 == 0 ? (4 - (deg / 90) % 4) % 4 : 0;
        }
    }
    if (api) {
        TessBaseAPIEnd(api);
        TessBaseAPIDelete(api);
    }
    if (turns >= 0)
        return turns;
#endif
    PIX *bin = binary_of(grey);
    if (!bin)
        return 0;
    l_float32 upconf = 0, leftconf = 0;
    l_int32 rotation = 0;
    PIX *fixed = pixOrientCorrect(bin, STRAIGHTEN_MIN_UP_CONF, STRAIGHTEN_MIN_RATIO, &upconf, &leftconf, &rotation, 0);
    pixDestroy(&fixed);
    pixDestroy(&bin);
    return rotation % 90 == 0 && rotation > 0 && rotation < 360 ? rotation / 90 : 0;
}

/* Turns *grey upright in place when the text's up direction is clear. */
static int upright(PIX **grey, uint32_t ppi, int *quarter_turns)
{
    int turns = turns_needed(*grey, ppi);
    if (!turns)
        return 0;
    PIX *rot = pixRotateOrth(*grey, turns);
    if (!rot)
        return -ENOMEM;
    pixDestroy(grey);
    *grey = rot;
    *quarter_turns = turns;
    return 0;
}

int straighten_page(const raster_t *grey, raster_t **ret, struct straighten_result *how, err_t *err)
{
    *ret = NULL;
    *how = (struct straighten_result){0};
    if (!grey || grey->channels != 1)
        return err_set(err, -EINVAL, "image_unreadable", "straighten: not a grey raster");
    PIX *p = pix_of(grey);
    if (!p)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int rc = level(&p, &how->skew_deg);
    if (rc == 0)
        rc = upright(&p, grey->ppi, &how->quarter_turns);
    if (rc == 0 && how->quarter_turns)
        rc = level(&p, &how->skew_deg);
    if (rc == 0 && (how->quarter_turns || how->skew_deg != 0))
        rc = raster_of(p, grey->ppi, ret);
    pixDestroy(&p);
    if (rc < 0)
        return err_set(err, rc, "out_of_memory", "Out of memory.");
    return 0;
}

#else

int straighten_page(const raster_t *grey, raster_t **ret, struct straighten_result *how, err_t *err)
{
    *ret = NULL;
    *how = (struct straighten_result){0};
    if (!grey || grey->channels != 1)
        return err_set(err, -EINVAL, "image_unreadable", "straighten: not a grey raster");
    return 0;
}

#endif
