/* Unit tests of docs/mrz: the ICAO specimens, each check failing on its
 * own, OCR repairs, input tolerance and the cross-check. The vectors were
 * computed with an independent script, not with the module under test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "docs/mrz.h"

static const struct mrz_date y2010 = {2010, 1, 1};

#define TD3_SPECIMEN                                   \
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"   \
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n"

static json_t *run_at(const char *text, const json_t *typed, struct mrz_date today)
{
    json_t *o = NULL;
    err_t e = {0};
    int r = mrz_check_text(text, strlen(text), typed, today, &o, &e);
    if (r != 0)
        fail_msg("mrz_check_text: %d %s %s", r, e.code, e.msg);
    assert_non_null(o);
    return o;
}

static json_t *run(const char *text)
{
    return run_at(text, NULL, y2010);
}

/* Names of the failed checks, comma-separated, in answer order. */
static const char *failed(const json_t *o, const char *list)
{
    static char buf[512];
    size_t n = 0, i;
    json_t *c;
    buf[0] = '\0';
    json_array_foreach(json_object_get(o, list), i, c) {
        if (json_is_true(json_object_get(c, "passed")))
            continue;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "",
                              json_string_value(json_object_get(c, "name")));
    }
    return buf;
}

static const char *field(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(json_object_get(o, "fields"), name);
    return json_is_null(v) ? "(null)" : json_string_value(v);
}

static void expect_error(const char *text, size_t len, const char *code)
{
    json_t *o = NULL;
    err_t e = {0};
    assert_int_equal(mrz_check_text(text, len, NULL, y2010, &o, &e), -EINVAL);
    assert_null(o);
    assert_string_equal(e.code, code);
}

static void test_td3_specimen(void **state)
{
    (void)state;
    json_t *o = run(TD3_SPECIMEN);
    assert_string_equal(json_string_value(json_object_get(o, "format")), "TD3");
    assert_true(json_is_true(json_object_get(o, "valid")));
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(field(o, "document_code"), "P");
    assert_string_equal(field(o, "issuing_state"), "UTO");
    assert_string_equal(field(o, "surname"), "ERIKSSON");
    assert_string_equal(field(o, "given_names"), "ANNA MARIA");
    assert_string_equal(field(o, "document_number"), "L898902C3");
    assert_string_equal(field(o, "nationality"), "UTO");
    assert_string_equal(field(o, "birth_date"), "1974-08-12");
    assert_string_equal(field(o, "sex"), "F");
    assert_string_equal(field(o, "expiry_date"), "2012-04-15");
    assert_string_equal(field(o, "optional_data"), "ZE184226B");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 0);
    assert_int_equal(json_array_size(json_object_get(o, "checks")), 14);
    assert_null(json_object_get(o, "cross_check"));
    json_decref(o);
}

static void test_td1_specimen(void **state)
{
    (void)state;
    json_t *o = run("I<UTOD231458907<<<<<<<<<<<<<<<\n"
                    "7408122F1204159UTO<<<<<<<<<<<6\n"
                    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n");
    assert_string_equal(json_string_value(json_object_get(o, "format")), "TD1");
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(field(o, "document_number"), "D23145890");
    assert_string_equal(field(o, "surname"), "ERIKSSON");
    assert_string_equal(field(o, "optional_data_2"), "");
    json_decref(o);
}

static void test_td2_specimen(void **state)
{
    (void)state;
    json_t *o = run("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
                    "D231458907UTO7408122F1204159<<<<<<<6\n");
    assert_string_equal(json_string_value(json_object_get(o, "format")), "TD2");
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(field(o, "birth_date"), "1974-08-12");
    json_decref(o);
}

static void test_visa_specimens(void **state)
{
    (void)state;
    json_t *o = run("VIUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<\n");
    assert_string_equal(json_string_value(json_object_get(o, "format")), "MRV-A");
    /* The specimen expired in 1996: only that fails. Visas have no composite. */
    assert_string_equal(failed(o, "checks"), "not_expired");
    assert_string_equal(field(o, "nationality"), "XXX");
    assert_string_equal(field(o, "birth_date"), "1940-09-07");
    assert_string_equal(field(o, "optional_data"), "6ZE184226B");
    json_decref(o);
    o = run_at("VIUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
               "L8988901C4XXX4009078F9612109<<<<<<<<\n", NULL, (struct mrz_date){1995, 6, 1});
    assert_string_equal(json_string_value(json_object_get(o, "format")), "MRV-B");
    assert_string_equal(failed(o, "checks"), "");
    assert_int_equal(json_array_size(json_object_get(o, "checks")), 12);
    json_decref(o);
}

/* Each case breaks exactly one thing; the composite digit was recomputed
 * so that only the intended check fails. */
static void test_each_check_fails_alone(void **state)
{
    (void)state;
    static const struct {
        const char *text, *failing;
    } cases[] = {
        {"X<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n", "document_code"},
        {"P<UTXERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n", "issuing_state"},
        {"P<UTO<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n", "name"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C37UTO7408122F1204159ZE184226B<<<<<17\n", "document_number_check_digit"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36XYZ7408122F1204159ZE184226B<<<<<10\n", "nationality"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7413128F1204159ZE184226B<<<<<10\n", "birth_date"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408123F1204159ZE184226B<<<<<13\n", "birth_date_check_digit"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122Q1204159ZE184226B<<<<<10\n", "sex"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122F1213153ZE184226B<<<<<16\n", "expiry_date,not_expired"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122F1204150ZE184226B<<<<<11\n", "expiry_date_check_digit"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122F1204159ZE184226B<<<<<21\n", "optional_data_check_digit"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122F1204159ZE184226B<<<<<11\n", "composite_check_digit"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
         "L898902C36UTO7408122F1204159A37B6739<<<<<<<4\n", "optional_data_check_digit"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<?\n"
         "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n", "characters,name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *o = run(cases[i].text);
        if (strcmp(failed(o, "checks"), cases[i].failing) != 0)
            fail_msg("case %zu: failed [%s], expected [%s]", i, failed(o, "checks"), cases[i].failing);
        assert_true(json_is_false(json_object_get(o, "valid")));
        json_decref(o);
    }
}

static void test_failed_checks_have_reasons(void **state)
{
    (void)state;
    json_t *o = run("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                    "L898902C37UTO7408122F1204159ZE184226B<<<<<17\n");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(o, "checks"), i, c) {
        const char *reason = json_string_value(json_object_get(c, "reason"));
        assert_non_null(reason);
        assert_true(strlen(reason) > 10);
        if (strcmp(json_string_value(json_object_get(c, "name")), "document_number_check_digit") == 0) {
            assert_non_null(strstr(reason, "line 2 position 10"));
            assert_non_null(strstr(reason, "is 7 but the document number gives 6"));
        }
    }
    json_decref(o);
}

static void test_not_expired_uses_today(void **state)
{
    (void)state;
    json_t *o = run_at(TD3_SPECIMEN, NULL, (struct mrz_date){2012, 4, 15});
    assert_string_equal(failed(o, "checks"), "");
    json_decref(o);
    o = run_at(TD3_SPECIMEN, NULL, (struct mrz_date){2012, 4, 16});
    assert_string_equal(failed(o, "checks"), "not_expired");
    json_decref(o);
}

static void test_centuries(void **state)
{
    (void)state;
    /* Birth 74 is 1974 in 2010; expiry 12 is 2012. In 2080 a birth "74"
     * is 2074 (the latest year not after today) and expiry "12" is 2112. */
    json_t *o = run_at(TD3_SPECIMEN, NULL, (struct mrz_date){2080, 1, 1});
    assert_string_equal(field(o, "birth_date"), "2074-08-12");
    assert_string_equal(field(o, "expiry_date"), "2112-04-15");
    json_decref(o);
    /* On 2074-08-11 the birthday "740812" would be tomorrow: 1974. */
    o = run_at(TD3_SPECIMEN, NULL, (struct mrz_date){2074, 8, 11});
    assert_string_equal(field(o, "birth_date"), "1974-08-12");
    json_decref(o);
}

static void test_leap_days_and_unknown_parts(void **state)
{
    (void)state;
    json_t *o = run_at("P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
                       "L898902C36UTO0002299F2402295<<<<<<<<<<<<<<<4\n", NULL, y2010);
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(field(o, "birth_date"), "2000-02-29");
    assert_string_equal(field(o, "expiry_date"), "2024-02-29");
    json_decref(o);
    o = run_at("P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
               "L898902C36UTO0102292F2501017<<<<<<<<<<<<<<<4\n", NULL, y2010);
    assert_string_equal(failed(o, "checks"), "birth_date");
    assert_string_equal(field(o, "birth_date"), "(null)");
    json_decref(o);
    o = run_at("P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n"
               "L898902C36UTO7408<<7F2501017<<<<<<<<<<<<<<<6\n", NULL, y2010);
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(field(o, "birth_date"), "1974-08");
    json_decref(o);
}

static void test_germany_and_empty_personal_number(void **state)
{
    (void)state;
    json_t *o = run_at("P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\n"
                       "C01X00T478D<<6408125F2701013<<<<<<<<<<<<<<<8\n", NULL, y2010);
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(field(o, "issuing_state"), "D");
    assert_string_equal(field(o, "nationality"), "D");
    assert_string_equal(field(o, "optional_data"), "");
    json_decref(o);
}

static void test_td1_long_document_number(void **state)
{
    (void)state;
    json_t *o = run("I<UTOD23145890<7349<<<<<<<<<<<\n"
                    "7408122F1204159UTO<<<<<<<<<<<6\n"
                    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n");
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(field(o, "document_number"), "D23145890734");
    assert_string_equal(field(o, "optional_data"), "");
    json_decref(o);
}

static void test_truncated_name(void **state)
{
    (void)state;
    json_t *o = run("P<UTOABCDEFGHIJKLMNOPQRSTUVWXYZ<<ABCDEFGHIJK\n"
                    "L898902C36UTO7408122F3204153<<<<<<<<<<<<<<<4\n");
    assert_string_equal(failed(o, "checks"), "");
    assert_true(json_is_true(json_object_get(json_object_get(o, "fields"), "name_truncated")));
    assert_string_equal(field(o, "given_names"), "ABCDEFGHIJK");
    json_decref(o);
}

/* Checks one correction entry. */
static void expect_correction(const json_t *o, size_t i, const char *fieldname, int line, int pos,
                              const char *from, const char *to)
{
    const json_t *c = json_array_get(json_object_get(o, "corrections"), i);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "field")), fieldname);
    assert_int_equal(json_integer_value(json_object_get(c, "line")), line);
    assert_int_equal(json_integer_value(json_object_get(c, "position")), pos);
    assert_string_equal(json_string_value(json_object_get(c, "from")), from);
    assert_string_equal(json_string_value(json_object_get(c, "to")), to);
}

static void test_corrections_by_type(void **state)
{
    (void)state;
    json_t *o = run("P<UT0ERIKSS0N<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<\n"
                    "L898902C36UTO74O8122F12O4159ZE184226B<<<<<1O\n");
    assert_string_equal(failed(o, "checks"), "");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 6);
    expect_correction(o, 0, "issuing_state", 1, 5, "0", "O");
    expect_correction(o, 1, "name", 1, 12, "0", "O");
    expect_correction(o, 2, "name", 1, 24, "1", "I");
    expect_correction(o, 3, "birth_date", 2, 16, "O", "0");
    expect_correction(o, 4, "expiry_date", 2, 24, "O", "0");
    expect_correction(o, 5, "composite_check_digit", 2, 44, "O", "0");
    assert_string_equal(field(o, "surname"), "ERIKSSON");
    json_decref(o);
    /* All five pairs in a digit field: S→5, B→8, Z→2, I→1, O→0. */
    o = run("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
            "L898902C36UTO74O8IZZF12O4IS9ZE184226B<<<<<1O\n");
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(field(o, "expiry_date"), "2012-04-15");
    json_decref(o);
}

static void test_corrections_by_check_digit(void **state)
{
    (void)state;
    /* The 0 of the document number read as O: only 0 satisfies the digit. */
    json_t *o = run("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                    "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10\n");
    assert_string_equal(failed(o, "checks"), "");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 1);
    expect_correction(o, 0, "document_number", 2, 6, "O", "0");
    assert_string_equal(field(o, "document_number"), "L898902C3");
    json_decref(o);
    /* Personal number A37B6739 with the B read as 8: the only confusable
     * character, so its own check digit repairs it. */
    o = run("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
            "L898902C36UTO7408122F1204159A3786739<<<<<<60\n");
    assert_string_equal(failed(o, "checks"), "");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 1);
    expect_correction(o, 0, "optional_data", 2, 32, "8", "B");
    json_decref(o);
    /* A legitimate O passes its check digit and is left alone. */
    o = run("P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\n"
            "C01X00T478D<<6408125F2701013<<<<<<<<<<<<<<<8\n");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 0);
    json_decref(o);
}

static void test_td1_optional_data_repaired_by_composite(void **state)
{
    (void)state;
    /* Optional data "X4Z" read as "X42": only the composite digit covers
     * it, the 2 is its only confusable character, and swapping it back is
     * the one change that satisfies the composite. */
    json_t *o = run("I<UTOD231458907A7<CD<<<<<<<<<<\n"
                    "7408122F1204159UTOX42<<<<<<<<0\n"
                    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n");
    assert_string_equal(failed(o, "checks"), "");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 1);
    expect_correction(o, 0, "optional_data_2", 2, 21, "2", "Z");
    assert_string_equal(field(o, "optional_data_2"), "X4Z");
    json_decref(o);
    /* "AB12<CD" read as "ABI2<CD": several single swaps fit the composite
     * equally well, so nothing is repaired. */
    o = run("I<UTOD231458907ABI2<CD<<<<<<<<\n"
            "7408122F1204159UTOX8Z5<<<<<<<8\n"
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 0);
    assert_string_equal(failed(o, "checks"), "composite_check_digit");
    json_decref(o);
}

static void test_ambiguous_repair_is_not_made(void **state)
{
    (void)state;
    /* The specimen's personal number ZE184226B with the B read as 8: the
     * swaps at positions 34 (2→Z) and 37 (8→B) both satisfy the check
     * digit (and the composite, which weighs the field the same way), so
     * nothing is changed and both checks fail. */
    json_t *o = run("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                    "L898902C36UTO7408122F1204159ZE1842268<<<<<10\n");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 0);
    assert_string_equal(failed(o, "checks"), "optional_data_check_digit,composite_check_digit");
    json_decref(o);
    /* A wrong check digit where no swap helps: left alone. */
    o = run("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
            "L898902C37UTO7408122F1204159ZE184226B<<<<<17\n");
    assert_int_equal(json_array_size(json_object_get(o, "corrections")), 0);
    assert_string_equal(failed(o, "checks"), "document_number_check_digit");
    json_decref(o);
}

static void test_input_tolerance(void **state)
{
    (void)state;
    /* \r\n, blank lines, lower case, spaces inside and around, junk lines. */
    const char *t = "  some header text\r\n\r\n"
                    "  p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<  \r\n"
                    "L898902C36 UTO7408122F1204159ZE184226B<<<<<10\r\n\r\n";
    json_t *o = run(t);
    assert_string_equal(json_string_value(json_object_get(o, "format")), "TD3");
    assert_string_equal(failed(o, "checks"), "");
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "mrz"), 0)),
                        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
    json_decref(o);
    /* Without a final newline. */
    o = run("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10");
    assert_string_equal(failed(o, "checks"), "");
    json_decref(o);
    /* UTF-8 in a line counts one character per code point and is reported. */
    o = run("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\xc2\xab\n"
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n");
    assert_string_equal(failed(o, "checks"), "characters,name");
    json_decref(o);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", 0, "mrz_unreadable");
    expect_error(NULL, 0, "mrz_unreadable");
    expect_error(" \r\n\t\n", 5, "mrz_unreadable");
    expect_error("hello\nworld\n", 12, "mrz_format");
    const char *short_line = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\n"
                             "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n";
    expect_error(short_line, strlen(short_line), "mrz_format");
    expect_error("abc", MRZ_TEXT_MAX + 1, "mrz_too_long");
    char many[64];
    memset(many, '\n', sizeof many);
    for (size_t i = 0; i < sizeof many; i += 4)
        many[i] = 'A';
    expect_error(many, sizeof many, "mrz_format");
    json_t *o = NULL;
    assert_int_equal(mrz_check_text("x", 1, NULL, y2010, NULL, NULL), -EINVAL);
    assert_int_equal(mrz_check_text(NULL, 3, NULL, y2010, &o, NULL), -EINVAL);
}

static json_t *typed(const char *json)
{
    json_t *t = json_loads(json, 0, NULL);
    assert_non_null(t);
    return t;
}

#define RUS_TD3                                        \
    "P<RUSIVANOVA<<IULIIA<SERGEEVNA<<<<<<<<<<<<<<\n"   \
    "7512345672RUS8503150F3001019<<<<<<<<<<<<<<<6\n"

static void test_cross_check_cyrillic(void **state)
{
    (void)state;
    json_t *t = typed("{\"surname\": \"Иванова\", \"given_names\": \"Юлия Сергеевна\","
                      " \"birth_date\": \"1985-03-15\", \"document_number\": \"751 234 567\"}");
    json_t *o = run_at(RUS_TD3, t, y2010);
    assert_string_equal(failed(o, "checks"), "");
    assert_int_equal(json_array_size(json_object_get(o, "cross_check")), 4);
    assert_string_equal(failed(o, "cross_check"), "");
    assert_true(json_is_true(json_object_get(o, "matches_typed")));
    json_decref(o);
    json_decref(t);
}

static void test_cross_check_mismatches(void **state)
{
    (void)state;
    json_t *t = typed("{\"surname\": \"Petrova\", \"given_names\": \"Yuliya Sergeyevna\","
                      " \"birth_date\": \"1985-03-16\", \"document_number\": \"75I234567\"}");
    json_t *o = run_at(RUS_TD3, t, y2010);
    /* The old-style spelling of the given names is accepted as a variant. */
    assert_string_equal(failed(o, "cross_check"), "surname_matches,birth_date_matches,document_number_matches");
    assert_true(json_is_false(json_object_get(o, "matches_typed")));
    const json_t *dn = json_array_get(json_object_get(o, "cross_check"), 3);
    assert_non_null(strstr(json_string_value(json_object_get(dn, "reason")), "look-alike"));
    assert_true(json_is_true(json_object_get(o, "valid"))); /* the MRZ itself is fine */
    json_decref(o);
    json_decref(t);
    t = typed("{\"surname\": 42, \"birth_date\": \"15.03.1985\"}");
    o = run_at(RUS_TD3, t, y2010);
    assert_string_equal(failed(o, "cross_check"), "surname_matches,birth_date_matches");
    json_decref(o);
    json_decref(t);
    t = typed("{\"surname\": \"Ivanova\u03a9\"}");
    o = run_at(RUS_TD3, t, y2010);
    assert_string_equal(failed(o, "cross_check"), "surname_matches");
    json_decref(o);
    json_decref(t);
}

static void test_cross_check_truncated_name(void **state)
{
    (void)state;
    json_t *t = typed("{\"surname\": \"abcdefghijklmnopqrstuvwxyz\", \"given_names\": \"Abcdefghijklmnop\"}");
    json_t *o = run_at("P<UTOABCDEFGHIJKLMNOPQRSTUVWXYZ<<ABCDEFGHIJK\n"
                       "L898902C36UTO7408122F3204153<<<<<<<<<<<<<<<4\n", t, y2010);
    assert_string_equal(failed(o, "cross_check"), "");
    json_decref(o);
    json_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_td3_specimen),
        cmocka_unit_test(test_td1_specimen),
        cmocka_unit_test(test_td2_specimen),
        cmocka_unit_test(test_visa_specimens),
        cmocka_unit_test(test_each_check_fails_alone),
        cmocka_unit_test(test_failed_checks_have_reasons),
        cmocka_unit_test(test_not_expired_uses_today),
        cmocka_unit_test(test_centuries),
        cmocka_unit_test(test_leap_days_and_unknown_parts),
        cmocka_unit_test(test_germany_and_empty_personal_number),
        cmocka_unit_test(test_td1_long_document_number),
        cmocka_unit_test(test_truncated_name),
        cmocka_unit_test(test_corrections_by_type),
        cmocka_unit_test(test_corrections_by_check_digit),
        cmocka_unit_test(test_td1_optional_data_repaired_by_composite),
        cmocka_unit_test(test_ambiguous_repair_is_not_made),
        cmocka_unit_test(test_input_tolerance),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_cross_check_cyrillic),
        cmocka_unit_test(test_cross_check_mismatches),
        cmocka_unit_test(test_cross_check_truncated_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
