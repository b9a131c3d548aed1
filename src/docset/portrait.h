#pragma once
/* portrait: whether a page is the photograph of a person that most
 * procedures ask for (35 × 45 mm), sent as a scan or a phone photo of the
 * print, or as the digital file (docs/DOCSETS.md, "Processing").
 *
 * No title, zone or QR code types a photograph, and a page with no text is
 * illegible to the page check. So a page left untyped is a photograph when
 * uchet's face detector (bio/facecheck: Haar cascades from Debian's
 * opencv-data) finds a face on it, and no text is left on the page once the
 * photograph round that face is blanked out. A print alone on a scanner's
 * whole A4 glass is small, its face under what the detector finds on the
 * page: when no face was found and the page's content (rows and columns
 * with print or picture) is 40 % of it or less, that content is judged
 * again on its own. A passport's data page, an
 * application with a photo glued on or a card with a portrait carry text
 * beside the face, and stay what the page check made them. Whether the
 * photograph meets the rules is the registrar's to judge; only a blurred
 * one is sent back, as a blurred page is.
 *
 * A page may hold several prints (a studio's sheet of four, or loose
 * prints laid side by side on the glass): each a patch of picture with
 * paper all round it. When every sizeable patch on the page is a
 * photograph alone in it and no text is left outside them, the page is
 * that many photographs. Prints that touch are one patch with two faces,
 * and the page stays unknown: the machine never counts what it cannot
 * tell apart.
 *
 * Library code: no logging; nothing is kept. */
#include <stdbool.h>

#include "base/err.h"
#include "bio/raster.h"

typedef struct face_detector face_detector_t;

enum portrait_kind {
    PORTRAIT_NONE = 0, /* no face, or text beside it */
    PORTRAIT_SHARP,    /* a photograph of a person */
    PORTRAIT_BLURRED,  /* one, too blurred to judge the face */
};

struct portrait_found {
    enum portrait_kind kind;
    int prints; /* photographs on the page: 0 with PORTRAIT_NONE, else 1 to PORTRAIT_PRINTS_MAX */
};

#define PORTRAIT_PRINTS_MAX 8 /* a studio's sheet holds 4 or 6 */

/* What grey (channels 1, upright) is, in *ret. faces: a detector the
 * calling thread owns (borrowed); NULL, or a build without OpenCV, gives
 * PORTRAIT_NONE. Returns 0, or -ENOMEM. */
int portrait_page(face_detector_t *faces, const raster_t *grey, struct portrait_found *ret, err_t *err);
