/* Unit tests of docset/catalogue: the rule catalogue's loader. The real
 * catalogue loads and covers every procedure × category; every kind of
 * fault in a catalogue is refused with its own code. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docset/catalogue.h"

/* A small valid catalogue; each test breaks one thing in it. */
static const char BASE[] =
    "{\"format\": \"uchet-docset-catalogue\", \"format_version\": 1, \"revision\": 2,\n"
    " \"changelog\": [{\"revision\": 1, \"date\": \"2024-01-01\", \"summary\": \"first\"},\n"
    "               {\"revision\": 2, \"date\": \"2024-07-01\", \"summary\": \"fees\"}],\n"
    " \"procedures\": [\"rvp\"], \"categories\": [\"visa\", \"minor\"], \"levels\": [\"patent\", \"rvp\"],\n"
    " \"acts\": [{\"id\": \"nk\", \"title_en\": \"Tax Code art. 333.28\", \"title_ru\": \"НК ст. 333.28\"}],\n"
    " \"document_types\": [{\"id\": \"fee_receipt\", \"title_en\": \"Receipt\", \"title_ru\": \"Квитанция\"},\n"
    "                      {\"id\": \"passport\", \"title_en\": \"Passport\", \"title_ru\": \"Паспорт\"}],\n"
    " \"rules\": [\n"
    "  {\"id\": \"rvp.fee\", \"version\": 1, \"kind\": \"fee\", \"procedure\": \"rvp\", \"categories\": [\"visa\"],\n"
    "   \"effective_from\": \"2020-01-01\", \"effective_to\": \"2024-06-30\", \"act\": \"nk\", \"article\": \"p. 1\",\n"
    "   \"document\": \"fee_receipt\", \"amount\": 1600},\n"
    "  {\"id\": \"rvp.fee\", \"version\": 2, \"kind\": \"fee\", \"procedure\": \"rvp\", \"categories\": [\"visa\"],\n"
    "   \"effective_from\": \"2024-07-01\", \"act\": \"nk\", \"source_note\": \"notices\",\n"
    "   \"document\": \"fee_receipt\", \"amount\": 1920},\n"
    "  {\"id\": \"rvp.require.passport\", \"version\": 1, \"kind\": \"require\", \"procedure\": \"rvp\",\n"
    "   \"categories\": [\"visa\", \"minor\"], \"effective_from\": \"2020-01-01\", \"act\": \"nk\",\n"
    "   \"source_note\": \"n\", \"document\": \"passport\"},\n"
    "  {\"id\": \"rvp.same\", \"version\": 1, \"kind\": \"consistent\", \"procedure\": \"rvp\",\n"
    "   \"categories\": [\"visa\"], \"effective_from\": \"2020-01-01\", \"act\": \"nk\", \"source_note\": \"n\",\n"
    "   \"field\": \"doc_number\", \"match\": \"docnum\", \"documents\": [\"passport\", \"fee_receipt.passport_number\"]}\n"
    " ]}\n";

/* BASE with the first occurrence of `from` replaced by `to`. */
static char *with(const char *from, const char *to)
{
    const char *at = strstr(BASE, from);
    assert_non_null(at);
    size_t n = strlen(BASE) - strlen(from) + strlen(to);
    char *s = malloc(n + 1);
    assert_non_null(s);
    size_t pre = (size_t)(at - BASE);
    memcpy(s, BASE, pre);
    memcpy(s + pre, to, strlen(to));
    memcpy(s + pre + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    return s;
}

static void refused(const char *from, const char *to, const char *code)
{
    char *s = with(from, to);
    struct docset_catalogue *cat = (struct docset_catalogue *)0x1;
    err_t e = {0};
    assert_int_equal(catalogue_parse(s, strlen(s), &cat, &e), -EINVAL);
    assert_ptr_equal(cat, (struct docset_catalogue *)0x1); /* untouched */
    if (strcmp(e.code, code) != 0)
        fail_msg("replacing %s by %s: code %s (%s), wanted %s", from, to, e.code, e.msg, code);
    free(s);
}

static void test_base_is_valid(void **state)
{
    (void)state;
    struct docset_catalogue *cat = NULL;
    err_t e = {0};
    int r = catalogue_parse(BASE, strlen(BASE), &cat, &e);
    if (r < 0)
        fail_msg("%s: %s", e.code, e.msg);
    assert_int_equal(cat->revision, 2);
    assert_int_equal(cat->n_rules, 4);
    assert_int_equal(cat->rules[0].to, date_from_ymd(2024, 6, 30));
    assert_int_equal(cat->rules[1].to, DOCSET_OPEN);
    assert_int_equal(cat->rules[1].amount, 1920);
    assert_int_equal(cat->rules[2].categories, 3u);
    assert_int_equal(cat->rules[3].refs[1].field, DOCSET_F_PASSPORT_NUMBER);
    assert_int_equal(cat->rules[3].refs[0].field, DOCSET_F_DOC_NUMBER);
    catalogue_free(cat);
}

static void test_unknown_version(void **state)
{
    (void)state;
    refused("\"format_version\": 1", "\"format_version\": 2", "catalogue_unknown_version");
    refused("\"format_version\": 1", "\"format_version\": 0", "catalogue_unknown_version");
    refused("\"format_version\": 1", "\"format_version\": \"1\"", "catalogue_bad_number");
    refused("uchet-docset-catalogue", "something-else", "catalogue_bad_format");
}

static void test_bad_dates(void **state)
{
    (void)state;
    refused("\"2020-01-01\", \"effective_to\"", "\"2020-02-30\", \"effective_to\"", "catalogue_bad_date");
    refused("\"2020-01-01\", \"effective_to\"", "\"2020-13-01\", \"effective_to\"", "catalogue_bad_date");
    refused("\"2020-01-01\", \"effective_to\"", "\"01.01.2020\", \"effective_to\"", "catalogue_bad_date");
    refused("\"2020-01-01\", \"effective_to\"", "20200101, \"effective_to\"", "catalogue_bad_date");
    refused("\"2024-06-30\"", "\"2019-12-31\"", "catalogue_bad_date"); /* to before from */
    refused("\"effective_from\": \"2024-07-01\", ", "", "catalogue_missing_key");
    refused("\"date\": \"2024-01-01\"", "\"date\": \"2024-02-29x\"", "catalogue_bad_date");
}

static void test_unknown_references(void **state)
{
    (void)state;
    refused("\"document\": \"passport\"", "\"document\": \"visa\"", "catalogue_unknown_document");
    refused("\"document\": \"fee_receipt\", \"amount\": 1600", "\"document\": \"receipt\", \"amount\": 1600",
        "catalogue_unknown_document");
    refused("[\"passport\", \"fee_receipt.passport_number\"]", "[\"passport\", \"fee.passport_number\"]",
        "catalogue_unknown_document");
    refused("fee_receipt.passport_number", "fee_receipt.passport_colour", "catalogue_unknown_field");
    refused("fee_receipt.passport_number", "fee_receipt.birth_date", "catalogue_bad_field");
    refused("\"procedure\": \"rvp\", \"categories\": [\"visa\"],\n   \"effective_from\": \"2020",
        "\"procedure\": \"vnzh\", \"categories\": [\"visa\"],\n   \"effective_from\": \"2020",
        "catalogue_unknown_procedure");
    refused(
        "\"categories\": [\"visa\", \"minor\"]", "\"categories\": [\"visa\", \"eaeu\"]", "catalogue_unknown_category");
    refused("\"categories\": [\"visa\", \"minor\"]", "\"categories\": [\"visa\", \"visa\"]", "catalogue_duplicate");
    refused("\"categories\": [\"visa\", \"minor\"]", "\"categories\": []", "catalogue_bad_list");
    refused("\"kind\": \"require\"", "\"kind\": \"requires\"", "catalogue_unknown_kind");
    refused("\"match\": \"docnum\"", "\"match\": \"fuzzy\"", "catalogue_bad_value");
    refused("\"id\": \"passport\"", "\"id\": \"unknown\"", "catalogue_bad_id");
    refused("\"id\": \"passport\"", "\"id\": \"fee_receipt\"", "catalogue_duplicate");
    refused("\"id\": \"rvp.same\"", "\"id\": \"RVP same\"", "catalogue_bad_id");
}

static void test_overlapping_versions(void **state)
{
    (void)state;
    /* v1 to 30 June and v2 from 1 July touch but do not overlap (BASE);
     * one day more is refused. */
    refused("\"2024-06-30\"", "\"2024-07-01\"", "catalogue_overlap");
    refused("\"effective_to\": \"2024-06-30\", ", "", "catalogue_overlap"); /* v1 left open */
    refused("\"version\": 2", "\"version\": 1", "catalogue_duplicate");
    /* a hole: v1 closed on 29 June, v2 from 1 July */
    refused("\"2024-06-30\"", "\"2024-06-29\"", "catalogue_gap");
    refused("\"version\": 2, \"kind\": \"fee\"", "\"version\": 2, \"kind\": \"require\"", "catalogue_unknown_key");
}

static void test_citations(void **state)
{
    (void)state;
    refused("\"act\": \"nk\", \"article\": \"p. 1\",", "", "catalogue_missing_citation");
    refused("\"act\": \"nk\", \"article\": \"p. 1\",", "\"act\": \"nk\",", "catalogue_missing_citation");
    refused(
        "\"act\": \"nk\", \"article\": \"p. 1\",", "\"act\": \"tk\", \"article\": \"p. 1\",", "catalogue_unknown_act");
    refused("\"source_note\": \"notices\"", "\"source_note\": \"\"", "catalogue_bad_string");
    refused("\"title_en\": \"Tax Code art. 333.28\"", "\"name\": \"Tax Code\"", "catalogue_unknown_key");
    /* an act is cited in English and in Russian: neither may be missing */
    refused("\"title_en\": \"Tax Code art. 333.28\", ", "", "catalogue_missing_key");
    refused(", \"title_ru\": \"НК ст. 333.28\"", "", "catalogue_missing_key");
}

static void test_structure(void **state)
{
    (void)state;
    refused("\"amount\": 1600", "\"amount\": 1600, \"amonut\": 1", "catalogue_unknown_key");
    refused("\"amount\": 1600", "\"amount\": -1", "catalogue_bad_number");
    refused("\"amount\": 1600", "\"amount\": 16.5", "catalogue_bad_number");
    refused("\"revision\": 2,", "\"revision\": 3,", "catalogue_bad_changelog");
    refused("{\"revision\": 2, \"date\": \"2024-07-01\"", "{\"revision\": 3, \"date\": \"2024-07-01\"",
        "catalogue_bad_changelog");
    refused("\"date\": \"2024-07-01\"", "\"date\": \"2023-07-01\"", "catalogue_bad_changelog");
    refused("\"levels\": [\"patent\", \"rvp\"]", "\"levels\": [\"patent\", \"patent\"]", "catalogue_duplicate");
    refused("\"amount\": 1600}", "\"amount\": 1600, \"amount\": 1700}", "catalogue_syntax");
    refused("\"summary\": \"fees\"}]", "\"summary\": \"fees\"}", "catalogue_syntax");
}

/* A require rule's "or": the types that count as the one required. */
static void test_require_or(void **state)
{
    (void)state;
    const char *from = "\"document\": \"passport\"}";
    char *s = with(from, "\"document\": \"passport\", \"or\": [\"fee_receipt\"]}");
    struct docset_catalogue *cat = NULL;
    err_t e = {0};
    if (catalogue_parse(s, strlen(s), &cat, &e) < 0)
        fail_msg("%s: %s", e.code, e.msg);
    const struct docset_rule *r = NULL;
    for (size_t i = 0; i < cat->n_rules; i++)
        if (!strcmp(cat->rules[i].id, "rvp.require.passport"))
            r = &cat->rules[i];
    assert_non_null(r);
    assert_int_equal(r->n_instead, 1);
    assert_string_equal(r->instead[0]->id, "fee_receipt");
    catalogue_free(cat);
    free(s);
    refused(from, "\"document\": \"passport\", \"or\": []}", "catalogue_bad_list");
    refused(from, "\"document\": \"passport\", \"or\": \"fee_receipt\"}", "catalogue_bad_list");
    refused(from, "\"document\": \"passport\", \"or\": [1]}", "catalogue_bad_list");
    refused(from, "\"document\": \"passport\", \"or\": [\"visa\"]}", "catalogue_unknown_document");
    refused(from, "\"document\": \"passport\", \"or\": [\"passport\"]}", "catalogue_bad_list");
    refused(from, "\"document\": \"passport\", \"or\": [\"fee_receipt\", \"fee_receipt\"]}", "catalogue_bad_list");
    refused(from,
        "\"document\": \"passport\", \"or\": [\"fee_receipt\", \"fee_receipt\", \"fee_receipt\", "
        "\"fee_receipt\", \"fee_receipt\"]}",
        "catalogue_bad_list");
    /* only a require rule has one */
    refused("\"amount\": 1600}", "\"amount\": 1600, \"or\": [\"passport\"]}", "catalogue_unknown_key");
}

static void test_limits(void **state)
{
    (void)state;
    struct docset_catalogue *cat = NULL;
    err_t e = {0};
    assert_int_equal(catalogue_parse(BASE, CATALOGUE_FILE_MAX + 1, &cat, &e), -EINVAL);
    assert_string_equal(e.code, "catalogue_too_big");
    assert_int_equal(catalogue_parse("", 0, &cat, &e), -EINVAL);
    assert_int_equal(catalogue_parse("[]", 2, &cat, &e), -EINVAL);
    assert_int_equal(catalogue_load_file("/nonexistent/catalogue.json", &cat, &e), -ENOENT);
    assert_string_equal(e.code, "catalogue_io");
    catalogue_free(NULL);
}

/* The committed catalogue loads, and every procedure × category has rules
 * on a date before and after the fee change. */
static void test_real_catalogue(void **state)
{
    (void)state;
    struct docset_catalogue *cat = NULL;
    err_t e = {0};
    int r = catalogue_load_file(UCHET_SOURCE_DIR "/data/docsets/catalogue.json", &cat, &e);
    if (r < 0)
        fail_msg("%s: %s", e.code, e.msg);
    assert_int_equal(cat->format_version, CATALOGUE_FORMAT_VERSION);
    assert_int_equal(cat->n_procedures, 7);
    assert_int_equal(cat->n_categories, 4);
    date_t days[2] = {date_from_ymd(2024, 6, 30), date_from_ymd(2024, 7, 1)};
    for (size_t p = 0; p < cat->n_procedures; p++)
        for (int c = 0; c < (int)cat->n_categories; c++)
            for (int d = 0; d < 2; d++) {
                int n = 0;
                for (size_t i = 0; i < cat->n_rules; i++) {
                    const struct docset_rule *rule = &cat->rules[i];
                    if (docset_rule_applies(rule, cat->procedures[p], c, days[d]) &&
                        (rule->kind == DOCSET_RULE_REQUIRE || rule->kind == DOCSET_RULE_NOT_APPLICABLE))
                        n++;
                    /* every rule cites an act, with an article or a note */
                    assert_non_null(rule->act);
                    assert_true(rule->article || rule->source_note);
                }
                if (n == 0)
                    fail_msg("%s × %s has no rule", cat->procedures[p], cat->categories[c]);
            }
    catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_is_valid),
        cmocka_unit_test(test_unknown_version),
        cmocka_unit_test(test_bad_dates),
        cmocka_unit_test(test_unknown_references),
        cmocka_unit_test(test_overlapping_versions),
        cmocka_unit_test(test_citations),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_require_or),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_real_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
