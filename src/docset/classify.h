#pragma once
/* classify: which catalogue document type a legible page is, and the fields
 * that could be read with certainty (docs/DOCSETS.md, "Processing").
 *
 * In order, the first that answers wins:
 *   1. a machine-readable zone (docs/ocr + docs/mrz) whose check digits hold
 *      -> "passport", with surname, given names, birth date, number and
 *      expiry from the zone;
 *   2. a payment QR code of ГОСТ Р 56042-2014 ("ST00012|...", zbar) ->
 *      "fee_receipt", with the amount (Sum, kopecks -> roubles);
 *   3. title keywords in the words of the top third of the page (tesseract
 *      "rus+eng", read once by docset/fields: fields_page_top) -> the type
 *      whose title they are; for a form docset/fields has a table for (the
 *      migration card, the patent, the passport's translation, the medical
 *      and HIV certificates, the language certificate, the employer's
 *      notice, the labour contract, the application, the ДМС policy) those
 *      words are handed to fields_read,
 *      which reads the rest of the page's words (the top third is not read
 *      again), finds the fields by their printed labels and reads each one
 *      (a value unsure is null: unreadable);
 *   else "unknown". A zone that is found but fails its checks is not a
 *   passport with wrong data: it is left to the next steps (and ends
 *   "unknown" or as another type), so a misread is never a defect.
 *
 * The fields object holds values read from a document: the caller seals it
 * and never logs it. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "bio/raster.h"
#include "docset/tess.h"
#include "rules/date.h"

struct classify_result {
    char type[40];  /* a catalogue document type id, or "unknown" */
    char by[8];     /* "mrz", "qr", "title", "" */
    json_t *fields; /* owned: {catalogue field name: value, or null when unreadable}; never NULL on success */
};

/* Classifies a page: grey is its image (channels 1), already upright and
 * level (docset/straighten): the zone is looked for as the page stands;
 * tess (borrowed; used by this thread only during the call) gives the
 * title's "rus+eng" handle (NULL: no title reading). -ENOMEM; reading
 * failures are not errors (they give "unknown"). */
int classify_page(const raster_t *grey, date_t today, docset_tess_t *tess, struct classify_result *ret, err_t *err);
void classify_result_free(struct classify_result *r);

/* Classifies a page whose legibility page_measure gave in *q: a legible
 * page as classify_page; one refused only for small glyphs near the floor
 * (page_worth_reading) is classified too, and becomes legible (*q updated:
 * page_read_whole) when it was typed and every field it holds was read.
 * Otherwise it stays illegible, with its "too_far" advice: a page read in
 * part is better photographed again than guessed at. Returns 1 when *ret
 * holds a result (classify_result_free it), 0 when the page is illegible
 * (nothing to free), -ENOMEM. */
struct page_quality;
int classify_measured_page(const raster_t *grey, struct page_quality *q, date_t today, docset_tess_t *tess,
    struct classify_result *ret, err_t *err);

/* classify_measured_page, then a page it left untyped or illegible that is
 * a photograph of a person (docset/portrait) is typed "photo" (by "face",
 * no fields): legible, or illegible with only "blurred" advice when the face
 * is too blurred to judge. faces (borrowed, this thread's) NULL: no
 * photograph is looked for. Returns as classify_measured_page. */
typedef struct face_detector face_detector_t;
int classify_page_or_photo(const raster_t *grey, struct page_quality *q, date_t today, docset_tess_t *tess,
    face_detector_t *faces, struct classify_result *ret, err_t *err);
