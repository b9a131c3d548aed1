/* The reader's tesseract handles, one per model: see tess.h. */
#include "docset/tess.h"

#include <stdbool.h>
#include <stdlib.h>

#ifdef UCHET_HAVE_TESSERACT
#include <tesseract/capi.h>
#endif

struct docset_tess {
    struct TessBaseAPI *api[DOCSET_TESS_MODELS];
    bool tried[DOCSET_TESS_MODELS]; /* initialised, or failed to: not tried again */
};

docset_tess_t *docset_tess_new(void)
{
    return calloc(1, sizeof(docset_tess_t));
}

void docset_tess_free(docset_tess_t *t)
{
    if (!t)
        return;
#ifdef UCHET_HAVE_TESSERACT
    for (int m = 0; m < DOCSET_TESS_MODELS; m++) {
        if (t->api[m]) {
            TessBaseAPIEnd(t->api[m]);
            TessBaseAPIDelete(t->api[m]);
        }
    }
#endif
    free(t);
}

#ifdef UCHET_HAVE_TESSERACT
static TessBaseAPI *open_model(enum docset_tess_model m)
{
    TessBaseAPI *api = TessBaseAPICreate();
    if (!api)
        return NULL;
    static const char *const names[DOCSET_TESS_MODELS] = {"osd", "rus+eng", "rus", "eng"};
    if (TessBaseAPIInit3(api, NULL, names[m]) != 0) {
        TessBaseAPIDelete(api);
        return NULL;
    }
    if (m == DOCSET_TESS_OSD)
        TessBaseAPISetPageSegMode(api, PSM_OSD_ONLY);
    return api;
}
#endif

struct TessBaseAPI *docset_tess_get(docset_tess_t *t, enum docset_tess_model m)
{
    if (!t || m < 0 || m >= DOCSET_TESS_MODELS)
        return NULL;
#ifdef UCHET_HAVE_TESSERACT
    if (!t->tried[m]) {
        t->tried[m] = true;
        t->api[m] = open_model(m);
    }
#endif
    return t->api[m];
}
