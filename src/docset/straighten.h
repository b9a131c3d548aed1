#pragma once
/* straighten: a page image turned upright and level before it is measured
 * and read (docs/DOCSETS.md, "Processing").
 *
 * A phone photo or a scan of a page often comes a quarter turn off (a
 * landscape page photographed in portrait) or tilted by a few degrees; the
 * line measures of page.c and tesseract's title reading both want level,
 * upright text. With leptonica (Debian libleptonica-dev, already there for
 * tesseract): the skew from the text lines' projection (pixFindSkew,
 * ±7°), then the text's up direction (tesseract's orientation detection,
 * `osd`, else leptonica's pixOrientCorrect), then the skew once more when
 * the page was turned. A turn or a tilt is applied only when the detector is
 * confident; otherwise the page is left as it came. Without leptonica
 * nothing is changed.
 *
 * No globals. Tesseract's osd handle comes from the caller's docset_tess_t
 * (docset/tess.h: the model is read from tesseract's data directory at its
 * first use and kept). The page's ink (1 bpp) is thresholded once and
 * shared by the skew measure and leptonica's orientation fallback. */
#include "base/err.h"
#include "bio/raster.h"
#include "docset/tess.h"

#define STRAIGHTEN_MIN_SKEW_DEG 0.25 /* smaller tilts are left alone */
#define STRAIGHTEN_MIN_SKEW_CONF 3.0 /* pixFindSkew's confidence below which a tilt is not trusted */
#define STRAIGHTEN_MIN_OSD_CONF 10.0 /* tesseract OSD's orientation confidence below which no turn is made */
#define STRAIGHTEN_MIN_UP_CONF 8.0   /* pixOrientCorrect's up/down confidence (its own default) */
#define STRAIGHTEN_MIN_RATIO 2.5     /* ... and its ratio of up/down to left/right confidence */

struct straighten_result {
    int quarter_turns; /* clockwise quarter turns applied: 0..3 */
    double skew_deg;   /* the last tilt corrected, degrees (0: none) */
};

/* Straightens a grey raster (channels 1). tess (borrowed; used by this
 * thread only during the call) gives the osd handle; NULL, or no osd model:
 * leptonica's orientation alone. *ret is a new raster the caller frees, or
 * NULL when the page is left as it came; *how says what was done. -EINVAL
 * for another raster, -ENOMEM. */
int straighten_page(
    const raster_t *grey, docset_tess_t *tess, raster_t **ret, struct straighten_result *how, err_t *err);
