/* libFuzzer target for a document set as JSON (docset/setjson) — the form
 * the intake and `uchetctl rules evaluate` read — and the engine on every
 * set it accepts, against the committed catalogue (loaded once).
 *
 * Promises checked: a refusal leaves an error code and writes nothing; an
 * accepted set gives a request the engine either checks or refuses with
 * -EINVAL (unknown procedure or category, decision before submission),
 * never a crash; the outcome agrees with the findings; the outcome JSON
 * can be built. A broken promise traps. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "docset/catalogue.h"
#include "docset/setjson.h"

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            __builtin_trap();                                                                                          \
    } while (0)

static struct docset_catalogue *cat;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    err_t e = {0};
    if (catalogue_load_file(UCHET_SOURCE_DIR "/data/docsets/catalogue.json", &cat, &e) < 0)
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setjson_t *set = (setjson_t *)&cat;
    err_t e = {0};
    int r = setjson_parse((const char *)data, size, &set, &e);
    if (r < 0) {
        CHECK(r == -EINVAL || r == -ENOMEM);
        CHECK(e.errnum == r && e.code[0] != '\0');
        CHECK(set == (setjson_t *)&cat);
        return 0;
    }
    struct docset_result res;
    r = docset_check(cat, setjson_request(set), &res, &e);
    if (r == 0) {
        bool defect = false;
        for (size_t k = 0; k < res.n_findings; k++)
            defect |= res.findings[k].severity == DOCSET_SEV_DEFECT;
        CHECK(res.outcome != DOCSET_READY || res.n_findings == 0);
        CHECK(!defect || res.outcome != DOCSET_READY);
        json_t *out = setjson_result(cat, setjson_request(set), &res);
        CHECK(out != NULL);
        json_decref(out);
        docset_result_free(&res);
    } else {
        CHECK(r == -EINVAL || r == -ENOMEM);
    }
    setjson_free(set);
    return 0;
}
