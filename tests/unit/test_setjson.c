/* Unit tests of docset/setjson: a document set as JSON in, the outcome as
 * JSON out. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docset/catalogue.h"
#include "docset/setjson.h"

static const char SET[] =
    "{\"procedure\": \"vnzh\", \"category\": \"visa_free\", \"submitted\": \"2024-07-10\",\n"
    " \"decision\": \"2024-09-10\", \"stay_end\": null, \"truth\": {\"defects\": [\"fee_insufficient\"]},\n"
    " \"documents\": [\n"
    "  {\"type\": \"passport\", \"fields\": {\"surname\": \"XOLMATOV\", \"birth_date\": \"1990-05-01\",\n"
    "   \"doc_number\": \"FA1234567\", \"expiry_date\": \"2030-01-01\"}},\n"
    "  {\"type\": \"fee_receipt\", \"illegible\": false, \"fields\": {\"amount\": 5000, \"issue_date\": \"2024-07-02\"}},\n"
    "  {\"type\": \"passport_translation\", \"fields\": {\"surname\": \"Холматов\"}, \"unreadable\": [\"doc_number\"]}\n"
    " ]}\n";

static char *with(const char *from, const char *to)
{
    const char *at = strstr(SET, from);
    assert_non_null(at);
    char *s = malloc(strlen(SET) + strlen(to) + 1);
    assert_non_null(s);
    size_t pre = (size_t)(at - SET);
    memcpy(s, SET, pre);
    memcpy(s + pre, to, strlen(to));
    memcpy(s + pre + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    return s;
}

static void refused(const char *from, const char *to, const char *code)
{
    char *s = with(from, to);
    setjson_t *set = NULL;
    err_t e = {0};
    assert_int_equal(setjson_parse(s, strlen(s), &set, &e), -EINVAL);
    assert_null(set);
    if (strcmp(e.code, code) != 0)
        fail_msg("%s -> %s: %s (%s), wanted %s", from, to, e.code, e.msg, code);
    free(s);
}

static void test_parse(void **state)
{
    (void)state;
    setjson_t *set = NULL;
    err_t e = {0};
    assert_int_equal(setjson_parse(SET, strlen(SET), &set, &e), 0);
    const struct docset_request *q = setjson_request(set);
    assert_string_equal(q->procedure, "vnzh");
    assert_int_equal(q->submitted, date_from_ymd(2024, 7, 10));
    assert_int_equal(q->stay_end, DOCSET_NO_DATE);
    assert_int_equal(q->n_docs, 3);
    assert_int_equal(q->docs[0].fields[DOCSET_F_BIRTH_DATE].state, DOCSET_V_PRESENT);
    assert_int_equal(q->docs[0].fields[DOCSET_F_BIRTH_DATE].date, date_from_ymd(1990, 5, 1));
    assert_int_equal(q->docs[1].fields[DOCSET_F_AMOUNT].number, 5000);
    assert_int_equal(q->docs[2].fields[DOCSET_F_DOC_NUMBER].state, DOCSET_V_UNREADABLE);
    assert_int_equal(q->docs[2].fields[DOCSET_F_GIVEN_NAMES].state, DOCSET_V_ABSENT);
    assert_non_null(setjson_truth(set));
    setjson_free(set);
    setjson_free(NULL);
}

static void test_refused(void **state)
{
    (void)state;
    refused("\"stay_end\": null", "\"stay\": null", "set_unknown_key");
    refused("\"illegible\": false", "\"illegible\": 0", "set_bad_document");
    refused("\"amount\": 5000", "\"amount\": \"5000\"", "set_bad_field");
    refused("\"amount\": 5000", "\"sum\": 5000", "set_bad_field");
    refused("\"birth_date\": \"1990-05-01\"", "\"birth_date\": \"1990-02-30\"", "set_bad_date");
    refused("\"submitted\": \"2024-07-10\",", "", "set_bad_date");
    refused("[\"doc_number\"]", "[\"surname\"]", "set_bad_field"); /* has a value */
    refused("\"surname\": \"XOLMATOV\"", "\"surname\": \"\"", "set_bad_field");
    refused("{\"type\": \"passport\",", "{\"kind\": \"passport\",", "set_unknown_key");
    refused("\"procedure\": \"vnzh\"", "\"procedure\": 7", "set_bad_request");
    refused("]}\n", "]", "set_syntax");
    setjson_t *set = NULL;
    assert_int_equal(setjson_parse(SET, SETJSON_BYTES_MAX + 1, &set, NULL), -EINVAL);
}

/* The outcome JSON names the rule, its version and act. */
static void test_result(void **state)
{
    (void)state;
    struct docset_catalogue *cat = NULL;
    err_t e = {0};
    assert_int_equal(catalogue_load_file(UCHET_SOURCE_DIR "/data/docsets/catalogue.json", &cat, &e), 0);
    setjson_t *set = NULL;
    assert_int_equal(setjson_parse(SET, strlen(SET), &set, &e), 0);
    struct docset_result res;
    assert_int_equal(docset_check(cat, setjson_request(set), &res, &e), 0);
    json_t *out = setjson_result(cat, setjson_request(set), &res);
    assert_non_null(out);
    assert_string_equal(json_string_value(json_object_get(out, "outcome")), "returned");
    assert_int_equal(json_integer_value(json_object_get(out, "fee_due")), 6000);
    json_t *f;
    size_t i;
    int fee = 0, missing_photo = 0;
    json_array_foreach (json_object_get(out, "findings"), i, f) {
        const char *code = json_string_value(json_object_get(f, "code"));
        if (strcmp(code, "fee_insufficient") == 0) {
            fee = 1;
            assert_string_equal(json_string_value(json_object_get(f, "rule")), "vnzh.fee");
            assert_int_equal(json_integer_value(json_object_get(f, "version")), 2);
            assert_non_null(strstr(json_string_value(json_object_get(f, "act")), "539"));
            assert_int_equal(json_integer_value(json_object_get(f, "expected")), 6000);
            assert_string_equal(json_string_value(json_object_get(f, "type")), "fee_receipt");
        }
        if (strcmp(code, "missing_document") == 0 &&
            strcmp(json_string_value(json_object_get(f, "type")), "photo") == 0)
            missing_photo = 1;
    }
    assert_true(fee && missing_photo);
    json_decref(out);
    docset_result_free(&res);
    setjson_free(set);
    catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
