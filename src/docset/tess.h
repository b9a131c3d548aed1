#pragma once
/* tess: the tesseract handles the page reader uses, each model loaded from
 * disk once (docs/DOCSETS.md, "Processing").
 *
 * Initialising a tesseract handle reads its model (osd: 10 MB; rus+eng:
 * 8 MB; rus, eng: 4 MB each; tgk+rus: 7 MB) and builds the recogniser: it cost more than reading the page did
 * when straighten and classify made a handle per page. A docset_tess_t
 * holds one handle per model, initialised at its first use and kept; the
 * page reader keeps one per SLOW-lane thread (docset/reader.c: made at the
 * thread's first page, freed when the thread ends).
 *
 * Ownership: the caller owns the docset_tess_t and frees it with
 * docset_tess_free. The handles it gives are borrowed and valid until then.
 * A handle is not thread-safe: a docset_tess_t is used by one thread at a
 * time. Whoever takes a handle leaves it cleared (TessBaseAPIClear: no
 * image, no results; the model stays). */

struct TessBaseAPI;

enum docset_tess_model {
    DOCSET_TESS_OSD,   /* "osd", page-segmentation mode PSM_OSD_ONLY: the text's up direction */
    DOCSET_TESS_TITLE, /* "rus+eng", the default mode: a document's title, a form's labels */
    DOCSET_TESS_RUS,   /* "rus": a field printed in Cyrillic (docset/fields sets mode and whitelist per read) */
    DOCSET_TESS_ENG,   /* "eng": a field printed in Latin letters or digits (likewise) */
    DOCSET_TESS_TAJIK, /* "tgk+rus": a Cyrillic name's second reading, for the letters "rus" lacks (Ғ Қ Ҳ Ҷ Ӣ Ӯ) */
    DOCSET_TESS_KAZAKH, /* "kaz+rus": its third, for the Kazakh and Kyrgyz letters (Ә Ө Ү Ұ Ң Қ Ғ І Һ) */
    DOCSET_TESS_MODELS
};

typedef struct docset_tess docset_tess_t;

/* No model is loaded yet. NULL on ENOMEM. */
docset_tess_t *docset_tess_new(void);
/* Ends and frees every handle. Accepts NULL. */
void docset_tess_free(docset_tess_t *t);

/* The handle for model m, initialised at the first call; NULL when this
 * build has no tesseract, the model is not installed or its handle could
 * not be made (remembered: not tried again with this docset_tess_t). */
struct TessBaseAPI *docset_tess_get(docset_tess_t *t, enum docset_tess_model m);
