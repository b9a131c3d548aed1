/* Fault injection for the document-set check: the Nth allocation fails,
 * for every N, while a catalogue is parsed and a set is checked. Each run
 * must fail cleanly (-ENOMEM, or a refusal when jansson's own allocation
 * failed) or succeed — never crash, never leak (ASan's leak
 * checker runs at exit), never answer wrongly. malloc, calloc, realloc and
 * strdup are wrapped at link time (-Wl,--wrap) and jansson is given the
 * same allocator. */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "docset/catalogue.h"
#include "rules/docset.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);

static long countdown = -1; /* allocations left before one fails; -1 = never */
static long current_n;      /* the allocation number being failed, for messages */
static int failed;

static int fail_now(void)
{
    if (countdown < 0)
        return 0;
    if (countdown-- == 0) {
        failed = 1;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

static void *json_malloc(size_t n)
{
    return __wrap_malloc(n);
}

static const char CATALOGUE[] =
    "{\"format\": \"uchet-docset-catalogue\", \"format_version\": 1, \"revision\": 1,\n"
    " \"changelog\": [{\"revision\": 1, \"date\": \"2024-01-01\", \"summary\": \"first\"}],\n"
    " \"procedures\": [\"rvp\"], \"categories\": [\"visa\"], \"levels\": [\"patent\", \"rvp\"],\n"
    " \"acts\": [{\"id\": \"a\", \"title_en\": \"An act\", \"title_ru\": \"Акт\"}],\n"
    " \"document_types\": [{\"id\": \"passport\", \"title_en\": \"P\", \"title_ru\": \"П\"},\n"
    "   {\"id\": \"translation\", \"title_en\": \"T\", \"title_ru\": \"П\"},\n"
    "   {\"id\": \"medical\", \"title_en\": \"M\", \"title_ru\": \"М\"}],\n"
    " \"rules\": [\n"
    "  {\"id\": \"r1\", \"kind\": \"require\", \"version\": 1, \"procedure\": \"rvp\", \"categories\": [\"visa\"],\n"
    "   \"effective_from\": \"2020-01-01\", \"act\": \"a\", \"article\": \"1\", \"document\": \"medical\"},\n"
    "  {\"id\": \"r2\", \"kind\": \"issued_within\", \"version\": 1, \"procedure\": \"rvp\", \"categories\": [\"visa\"],\n"
    "   \"effective_from\": \"2020-01-01\", \"act\": \"a\", \"article\": \"1\", \"document\": \"medical\",\n"
    "   \"period\": {\"years\": 1}, \"at\": [\"submission\", \"decision\"]},\n"
    "  {\"id\": \"r3\", \"kind\": \"consistent\", \"version\": 1, \"procedure\": \"rvp\", \"categories\": [\"visa\"],\n"
    "   \"effective_from\": \"2020-01-01\", \"act\": \"a\", \"source_note\": \"n\", \"field\": \"surname\",\n"
    "   \"match\": \"name\", \"documents\": [\"passport\", \"translation\", \"medical\"]},\n"
    "  {\"id\": \"r4\", \"kind\": \"field_equals\", \"version\": 1, \"procedure\": \"rvp\", \"categories\": [\"visa\"],\n"
    "   \"effective_from\": \"2020-01-01\", \"act\": \"a\", \"source_note\": \"n\", \"document\": \"passport\",\n"
    "   \"field\": \"purpose\", \"values\": [\"x\", \"y\"]}\n"
    " ]}\n";

/* One full run; returns the outcome, or -1 for a clean failure. */
static int run_once(void)
{
    struct docset_catalogue *cat = NULL;
    err_t e = {0};
    int r = catalogue_parse(CATALOGUE, strlen(CATALOGUE), &cat, &e);
    if (r < 0) {
        /* jansson 2.14 sometimes answers an allocation failure with a
         * document missing the member it was building rather than an
         * error, which the loader then refuses: a refusal either way. */
        bool refused = r == -EINVAL && failed && strncmp(e.code, "catalogue_", 10) == 0;
        if (!(r == -ENOMEM || refused))
            fail_msg("allocation %ld: %d %s %s", current_n, r, e.code, e.msg);
        return -1;
    }
    struct docset_doc docs[3] = {{.type = "passport"}, {.type = "translation"}, {.type = "medical"}};
    docs[0].fields[DOCSET_F_SURNAME] = (struct docset_value){.state = DOCSET_V_PRESENT, .text = "XOLMATOV"};
    docs[1].fields[DOCSET_F_SURNAME] = (struct docset_value){.state = DOCSET_V_PRESENT, .text = "Холмотов"};
    docs[2].fields[DOCSET_F_SURNAME] = (struct docset_value){.state = DOCSET_V_PRESENT, .text = "Рахимов"};
    docs[2].fields[DOCSET_F_ISSUE_DATE] =
        (struct docset_value){.state = DOCSET_V_PRESENT, .date = date_from_ymd(2024, 1, 1)};
    struct docset_request req = {.procedure = "rvp",
        .category = "visa",
        .submitted = date_from_ymd(2025, 3, 1),
        .decision = date_from_ymd(2025, 3, 1),
        .stay_end = DOCSET_NO_DATE,
        .docs = docs,
        .n_docs = 3};
    struct docset_result res;
    r = docset_check(cat, &req, &res, &e);
    catalogue_free(cat);
    if (r < 0) {
        assert_int_equal(r, -ENOMEM);
        return -1;
    }
    /* when it answers, it answers right: expired, near, mismatch, and the
     * purpose the passport lacks */
    int outcome = (int)res.outcome;
    assert_int_equal(res.outcome, DOCSET_RETURNED);
    assert_int_equal(res.n_findings, 4);
    docset_result_free(&res);
    return outcome;
}

static void test_every_allocation_fails_once(void **state)
{
    (void)state;
    json_set_alloc_funcs(json_malloc, free);
    countdown = -1;
    assert_int_equal(run_once(), DOCSET_RETURNED);
    int failures = 0;
    for (long n = 0; n < 100000; n++) {
        countdown = n;
        current_n = n;
        failed = 0;
        int r = run_once();
        countdown = -1;
        if (!failed) {
            assert_int_equal(r, DOCSET_RETURNED); /* ran to the end: every allocation covered */
            print_message("%ld allocations, each failed once; %d clean failures\n", n, failures);
            break;
        }
        failures += r < 0;
    }
    assert_true(failures > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
