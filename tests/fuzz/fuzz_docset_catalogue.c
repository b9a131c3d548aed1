/* libFuzzer target for the document-set rule catalogue (docset/catalogue)
 * and, on every catalogue it accepts, the rule engine (rules/docset).
 *
 * Promises checked: a refusal leaves an error code starting "catalogue_"
 * and writes nothing; an accepted catalogue satisfies the loader's
 * invariants (every rule cites an act with an article or a note, dates in
 * order, no two versions of an id in force on one day); and the engine,
 * run on sets built from the accepted catalogue's own document types, never
 * crashes and returns a consistent outcome. A broken promise traps. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "docset/catalogue.h"
#include "rules/docset.h"

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            __builtin_trap();                                                                                          \
    } while (0)

static void check_invariants(const struct docset_catalogue *cat)
{
    CHECK(cat->format_version == CATALOGUE_FORMAT_VERSION);
    CHECK(cat->n_changes > 0 && cat->changes[cat->n_changes - 1].revision == cat->revision);
    for (size_t i = 0; i < cat->n_rules; i++) {
        const struct docset_rule *a = &cat->rules[i];
        CHECK(a->act != NULL && (a->article || a->source_note));
        CHECK(a->from <= a->to);
        CHECK(a->categories != 0);
        for (size_t j = i + 1; j < cat->n_rules; j++) {
            const struct docset_rule *b = &cat->rules[j];
            if (strcmp(a->id, b->id) == 0)
                CHECK(!((a->categories & b->categories) && a->from <= b->to && b->from <= a->to));
        }
    }
}

/* One set per procedure × category: one document of every declared type,
 * fields filled with values derived from `seed`. */
static void run_engine(const struct docset_catalogue *cat, const uint8_t *seed, size_t seed_len)
{
    static struct docset_doc docs[DOCSET_DOCS_MAX];
    static const char *const names[] = {"KARIMOV", "Каримов", "Ҷӯраев", "O\xE2\x80\x98TKIR", "", "\xD7\x90"};
    size_t n = cat->n_doctypes < DOCSET_DOCS_MAX - 1 ? cat->n_doctypes : DOCSET_DOCS_MAX - 1;
    date_t base = date_from_ymd(2024, 7, 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = seed_len ? seed[i % seed_len] : 0;
        memset(&docs[i], 0, sizeof docs[i]);
        docs[i].type = cat->doctypes[i].id;
        docs[i].illegible = (b & 0x80) != 0;
        for (int f = 0; f < DOCSET_F_COUNT; f++) {
            struct docset_value *v = &docs[i].fields[f];
            v->state = (enum docset_value_state)((b + f) % 3);
            v->text = (f == DOCSET_F_LEVEL && cat->n_levels) ? cat->levels[b % cat->n_levels] : names[(b + f) % 6];
            v->date = base - (date_t)((b * 7 + f * 13) % 800);
            v->number = (int64_t)((b * 31 + f) % 20000) - 5;
        }
    }
    docs[n] = (struct docset_doc){.type = "unknown"};
    for (size_t p = 0; p < cat->n_procedures; p++)
        for (size_t c = 0; c < cat->n_categories; c++) {
            struct docset_request req = {
                .procedure = cat->procedures[p],
                .category = cat->categories[c],
                .submitted = base,
                .decision = base + 30,
                .stay_end = DOCSET_NO_DATE,
                .docs = docs,
                .n_docs = n + (seed_len && (seed[0] & 1)),
            };
            struct docset_result res;
            err_t e = {0};
            int r = docset_check(cat, &req, &res, &e);
            if (r == -ENOMEM)
                continue;
            CHECK(r == 0);
            bool defect = false;
            for (size_t k = 0; k < res.n_findings; k++)
                defect |= res.findings[k].severity == DOCSET_SEV_DEFECT;
            CHECK(res.n_findings <= DOCSET_FINDINGS_MAX);
            CHECK(res.outcome != DOCSET_READY || res.n_findings == 0);
            CHECK(!defect || res.outcome != DOCSET_READY);
            docset_result_free(&res);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct docset_catalogue *cat = (struct docset_catalogue *)&cat;
    err_t e = {0};
    int r = catalogue_parse((const char *)data, size, &cat, &e);
    if (r < 0) {
        CHECK(r == -EINVAL || r == -ENOMEM);
        CHECK(e.errnum == r);
        CHECK(r == -ENOMEM || strncmp(e.code, "catalogue_", 10) == 0);
        CHECK(cat == (struct docset_catalogue *)&cat);
        return 0;
    }
    check_invariants(cat);
    run_engine(cat, data, size);
    catalogue_free(cat);
    return 0;
}
