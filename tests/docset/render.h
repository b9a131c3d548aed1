#pragma once
/* Draws synthetic documents as pages (cairo + pango, Debian's PT Sans /
 * Liberation fonts) from the fields of a set's document, so that injected
 * defects appear on the page, then degrades the page like a scan or a phone
 * photo. Built only when pangocairo is available. Started with the
 * migration card and the patent; other types are not drawn yet. */
#include <jansson.h>
#include <stdbool.h>

struct render_degrade {
    int dpi;            /* 300, 150, 100, 75 */
    double angle_deg;   /* rotation */
    double blur_px;     /* box-blur radius in pixels, 0 = none */
    bool glare;         /* a bright blob */
    bool stamp;         /* a blue stamp over text */
    unsigned seed;      /* where the glare and the stamp fall */
};

/* True if render_document can draw this type. */
bool render_supports(const char *type);

/* Draws `doc` (a document object of a set: type and fields; `country` is
 * the person's citizenship in Russian) and writes a PNG to path. Returns
 * 0, -ENOTSUP for a type not drawn yet, -EIO if the PNG could not be
 * written. On success *ret_zones (may be NULL) gets a new array of
 * {"field", "box_mm": [x, y, w, h]} in the undistorted page (caller owns). */
int render_document(const json_t *doc, const char *country, const struct render_degrade *d, const char *path,
                    json_t **ret_zones);

/* Releases the font caches pango, cairo and fontconfig keep for the whole
 * process (so that LeakSanitizer sees a clean exit). Call once at the end. */
void render_cleanup(void);
