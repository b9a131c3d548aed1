/* The reader's tesseract handles, one per model: see tess.h. */
#include "docset/tess.h"

#include <dlfcn.h>
#include <pthread.h>
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
/* Debian's Tesseract runs its recogniser's loops on OpenMP threads, one per
 * core. The reader already reads on a thread of its own, and those threads
 * only contended with it and each other: a form took 4.4 s with them and
 * 1.6 s without (bench/docset, 300 dpi, 2 cores), and they would take every
 * core from the requests meanwhile. OMP_THREAD_LIMIT=1 is read only when
 * libgomp loads, so instead no parallel level may be active: each region
 * then runs on the thread that reached it. The setting is per thread, hence
 * made wherever a handle is taken. Looked up rather than linked: with a
 * Tesseract built without OpenMP there is no such function and no threads. */
static void (*omp_levels)(int);
static pthread_once_t omp_once = PTHREAD_ONCE_INIT;

static void find_omp_levels(void)
{
    *(void **)&omp_levels = dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
}

static void serial_omp(void)
{
    pthread_once(&omp_once, find_omp_levels);
    if (omp_levels)
        omp_levels(0);
}

static TessBaseAPI *open_model(enum docset_tess_model m)
{
    TessBaseAPI *api = TessBaseAPICreate();
    if (!api)
        return NULL;
    static const char *const names[DOCSET_TESS_MODELS] = {"osd", "rus+eng", "rus", "eng", "tgk+rus", "kaz+rus"};
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
    serial_omp();
    if (!t->tried[m]) {
        t->tried[m] = true;
        t->api[m] = open_model(m);
    }
#endif
    return t->api[m];
}
