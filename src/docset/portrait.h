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

/* What grey (channels 1, upright) is, in *ret. faces: a detector the
 * calling thread owns (borrowed); NULL, or a build without OpenCV, gives
 * PORTRAIT_NONE. Returns 0, or -ENOMEM. */
int portrait_page(face_detector_t *faces, const raster_t *grey, enum portrait_kind *ret, err_t *err);
