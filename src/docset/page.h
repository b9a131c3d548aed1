#pragma once
/* page: how legible one page image is, and what the person can do about it
 * (docs/DOCSETS.md, "Processing").
 *
 * Measures, on the grey image as received (or as rendered from a PDF):
 *   glyph_px   median height of the text lines in pixels: lines are cut from
 *              the ink profile of narrow vertical strips (narrow, so a few
 *              degrees of tilt do not merge lines);
 *   sharpness  variance of the 4-neighbour Laplacian over the inked tiles;
 *   glare      share of the page's tiles washed out (mean >= 250) while the
 *              paper itself is darker: a flash or lamp reflected;
 *   border_ink share of the outermost band that is ink: text or the page's
 *              edge cut off by the frame.
 * Each failing measure gives an advice code ("too_far", "blurred",
 * "glare", "cropped", "no_text") the app turns into a sentence in the
 * person's language (po: docset.advice.<code>). A page is illegible when its
 * glyphs are too small or too blurred to read, or no text is found; one
 * refused only for glyphs just under the floor is legible if it is read
 * whole (page_worth_reading, classify_measured_page).
 *
 * Pure: no I/O, no globals. */
#include <stdbool.h>

#include "base/err.h"
#include "bio/raster.h"
#include <jansson.h>

#define PAGE_GLYPH_MIN_PX 11.0   /* below: "too_far" (illegible): docsetgen pages, 150 dpi 12 px, 100 dpi 8-10 px */
#define PAGE_GLYPH_TRY_PX 9.5    /* from here to the floor: illegible unless read whole (classify_measured_page) */
#define PAGE_SHARPNESS_MIN 150.0 /* below: "blurred" (illegible) */
#define PAGE_GLARE_MAX 0.02      /* above: "glare" (advice only) */
#define PAGE_BORDER_INK_MAX 0.08 /* above: "cropped" (advice only) */

enum page_advice {
    PAGE_ADVICE_TOO_FAR = 1u << 0,
    PAGE_ADVICE_BLURRED = 1u << 1,
    PAGE_ADVICE_GLARE = 1u << 2,
    PAGE_ADVICE_CROPPED = 1u << 3,
    PAGE_ADVICE_NO_TEXT = 1u << 4,
};

struct page_quality {
    double glyph_px, sharpness, glare, border_ink;
    unsigned width, height, ppi; /* ppi 0 = unknown */
    unsigned advice;             /* enum page_advice bits */
    bool legible;
};

/* Measures a grey raster (channels 1). -EINVAL for another raster. */
int page_measure(const raster_t *grey, struct page_quality *ret, err_t *err);

/* Whether a page refused only for small glyphs is near enough the floor
 * to be worth reading anyway: its glyphs measure PAGE_GLYPH_TRY_PX or more
 * and no other measure failed. Small print (a policy's or a permit's
 * labels) pulls the median of some clean 150-dpi pages to 10 px, while a
 * 100-dpi page measures 9-12 px: the height alone cannot tell them apart,
 * the reading can (docs/DOCSETS.md, "Processing"). */
bool page_worth_reading(const struct page_quality *q);

/* The page was read whole despite its small glyphs: legible, no "too_far". */
void page_read_whole(struct page_quality *q);

/* {"glyph_px", "sharpness", "glare", "border_ink", "width", "height",
 *  "legible", "advice": [codes]} — measures only, never content. */
json_t *page_quality_json(const struct page_quality *q);
