#pragma once
/* Draws synthetic documents as pages (cairo + pango, Debian's PT Sans /
 * Liberation / OCR-B fonts) from the fields of a set's document, so that
 * injected defects appear on the page, then degrades the page like a scan
 * or a phone photo. Built only when pangocairo is available. Drawn so far:
 * the migration card, the patent, the passport data page with its
 * machine-readable zone, its notarised translation, the medical conclusion,
 * the HIV certificate, the language certificate (its level as the purpose
 * it serves), the employer's notice, the labour contract, the first page
 * of the application, the ДМС policy and the fee receipt with its ГОСТ Р 56042 payment QR code
 * (libqrencode), and the others listed in KINDS; the 35 × 45 mm photograph
 * from a real portrait (render_portrait_load). */
#include <jansson.h>
#include <stdbool.h>

struct render_degrade {
    int dpi;          /* 300, 150, 100, 75 */
    double angle_deg; /* rotation */
    double blur_px;   /* box-blur radius in pixels, 0 = none */
    bool glare;       /* a bright blob */
    bool stamp;       /* a blue stamp over text */
    unsigned seed;    /* where the glare and the stamp fall */
    int jpeg_quality; /* written as a JPEG of this quality (a phone's), 0 = PNG */
    double keystone;  /* perspective: the top edge this share narrower than the bottom, 0 = none */
};

/* True if render_document can draw this type. */
bool render_supports(const char *type);

/* A portrait the photographs are drawn from. */
typedef struct render_portrait render_portrait_t;

/* Loads a JPEG or PNG portrait (a real photograph: the faces a reader must
 * find are not drawn by this generator). Returns 0 and *ret (caller owns,
 * render_portrait_free), -ENOTSUP in a build without bio/raster, -EINVAL
 * for a file that is not an image, -ENOMEM. */
int render_portrait_load(const char *path, render_portrait_t **ret);
void render_portrait_free(render_portrait_t *p);

/* Who the document belongs to, beyond the document's fields. */
struct render_who {
    const char *country_ru;  /* citizenship in Russian: "Узбекистан" */
    const char *nationality; /* ICAO code: "UZB" */
    bool male;
    const render_portrait_t *portrait; /* borrowed; NULL: no photograph is drawn */
};

#define RENDER_COPIES_MAX 8

/* Draws `doc` (a document object of a set: type and fields) and writes a
 * PNG (or a JPEG: d->jpeg_quality) to path. copies: how many of it the
 * page holds, 1, or up to RENDER_COPIES_MAX for a photograph (a sheet of
 * prints, two abreast with 3 to 7 mm of paper between them). Returns
 * 0, -ENOTSUP for a type not drawn yet (or a photograph with no portrait),
 * -EINVAL for copies of another type, -EIO if the PNG could not be
 * written. On success *ret_zones (may be NULL) gets a new array of
 * {"field", "box_mm": [x, y, w, h]} in the undistorted page (caller owns). */
int render_document(const json_t *doc, int copies, const struct render_who *who, const struct render_degrade *d,
    const char *path, json_t **ret_zones);

/* Writes the two 44-character lines of a TD3 machine-readable zone for a
 * passport with these data (names reduced to A-Z; dates YYYY-MM-DD) into
 * line1 and line2 (45 bytes each, NUL-terminated), check digits per ICAO
 * 9303 Part 3. */
void render_td3(const char *nationality, const char *surname, const char *given, const char *number, const char *birth,
    bool male, const char *expiry, char line1[45], char line2[45]);

/* Releases the font caches pango, cairo and fontconfig keep for the whole
 * process (so that LeakSanitizer sees a clean exit). Call once at the end. */
void render_cleanup(void);
