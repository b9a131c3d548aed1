/* Tests for notify/catalog: the shipped po/ files load and agree with the
 * app's JSON (scripts/po2json.py), fallback to Russian and then to the key,
 * placeholders and the app's date formats, cutting at a character
 * boundary, and malformed .po input. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notify/catalog.h"

#ifndef UCHET_SOURCE_DIR
#define UCHET_SOURCE_DIR "."
#endif

static const char *const LANGS[] = {
    "ru", "uk", "tg", "uz", "ro", "en", "fr", "de", "ky", "kk", "zh", "tr", "ka", "hy", "az"};
static const char *const KINDS[] = {"one_day_left", "last_day", "lapsed", "minor_adult", "mismatch",
    "registered_elsewhere", "appeal_granted", "appeal_refused", "host_confirmed"};

/* A small catalog: Russian is the fallback, English lacks one message. */
static const char RU[] =
    "msgid \"\"\nmsgstr \"\"\n\"Language: ru\\n\"\n\n"
    "msgid \"greet\"\nmsgstr \"Привет, {name}!\"\n\n"
    "msgid \"only.ru\"\nmsgstr \"Только по-русски\"\n\n"
    "msgid \"date.months\"\nmsgstr \"января,февраля,марта,апреля,мая,июня,июля,августа,сентября,октября,ноября,декабря\"\n\n"
    "msgid \"date.weekdays\"\nmsgstr \"понедельник,вторник,среда,четверг,пятница,суббота,воскресенье\"\n\n"
    "msgid \"date.pattern\"\nmsgstr \"{weekday}, {day} {month} {year} г.\"\n\n"
    "msgid \"date.moment\"\nmsgstr \"{date}, {time} ({offset})\"\n";
static const char EN[] =
    "msgid \"greet\"\nmsgstr \"Hello, {name}!\"\n\n"
    "msgid \"date.months\"\nmsgstr \"January,February,March,April,May,June,July,August,September,October,November,December\"\n\n"
    "msgid \"date.weekdays\"\nmsgstr \"Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday\"\n\n"
    "msgid \"date.pattern\"\nmsgstr \"{weekday}, {day} {month} {year}\"\n";

static catalog_t *small(void)
{
    catalog_t *cat = NULL;
    assert_int_equal(catalog_new(&cat, NULL), 0);
    assert_int_equal(catalog_add_po(cat, "ru", RU, strlen(RU), NULL), 0);
    assert_int_equal(catalog_add_po(cat, "en", EN, strlen(EN), NULL), 0);
    return cat;
}

static void render_ok(const catalog_t *cat, const char *lang, const char *key, const char *params, const char *want)
{
    char buf[1024];
    err_t e = {0};
    assert_int_equal(catalog_render(cat, lang, key, params, buf, sizeof buf, &e), 0);
    assert_string_equal(buf, want);
}

static void test_fallback_to_russian_then_to_key(void **state)
{
    (void)state;
    catalog_t *cat = small();
    render_ok(cat, "en", "greet", "{\"name\":\"Ali\"}", "Hello, Ali!");
    render_ok(cat, "en", "only.ru", NULL, "Только по-русски");
    render_ok(cat, "tg", "greet", "{\"name\":\"Ali\"}", "Привет, Ali!"); /* not loaded */
    render_ok(cat, NULL, "greet", "{}", "Привет, {name}!");
    render_ok(cat, "en", "no.such.key", NULL, "no.such.key");
    assert_true(catalog_has_language(cat, "en"));
    assert_false(catalog_has_language(cat, "tg"));
    assert_null(catalog_lookup(cat, "en", "no.such.key"));
    catalog_free(cat);
}

static void test_placeholders(void **state)
{
    (void)state;
    catalog_t *cat = small();
    render_ok(cat, "en", "greet", "{\"name\":7}", "Hello, 7!");
    render_ok(cat, "en", "greet", "{\"name\":true}", "Hello, true!");
    render_ok(cat, "en", "greet", "{\"name\":null}", "Hello, null!");
    render_ok(cat, "en", "greet", "{\"name\":[1]}", "Hello, {name}!"); /* no scalar: kept */
    render_ok(cat, "en", "greet", "{\"other\":\"x\"}", "Hello, {name}!");
    render_ok(cat, "en", "greet", "{\"name\":\"{name}\"}", "Hello, {name}!"); /* values are not re-read */
    render_ok(cat, "en", "greet", "{\"name\":\"5 {x} 6\"}", "Hello, 5 {x} 6!");
    /* A key that is not a message is shown as it is, braces and all. */
    render_ok(cat, "en", "{odd {name} {} {a-b}", "{\"name\":\"N\"}", "{odd N {} {a-b}");
    catalog_free(cat);
}

/* Dates and moments read like the app writes them (formatDate, formatMoment). */
static void test_dates_like_the_app(void **state)
{
    (void)state;
    catalog_t *cat = small();
    render_ok(cat, "en", "greet", "{\"name\":\"2025-11-06\"}", "Hello, Thursday, 6 November 2025!");
    render_ok(cat, "ru", "greet", "{\"name\":\"2025-11-06\"}", "Привет, четверг, 6 ноября 2025 г.!");
    /* English has no date.moment of its own: the Russian pattern, English parts. */
    render_ok(cat, "en", "greet", "{\"name\":\"2025-11-07T00:00:00+03:00\"}",
        "Hello, Friday, 7 November 2025, 00:00 (UTC+03:00)!");
    render_ok(
        cat, "ru", "greet", "{\"name\":\"2025-11-07T09:30Z\"}", "Привет, пятница, 7 ноября 2025 г., 09:30 (UTC)!");
    /* Not real dates: left as they are. */
    render_ok(cat, "en", "greet", "{\"name\":\"2025-02-29\"}", "Hello, 2025-02-29!");
    render_ok(cat, "en", "greet", "{\"name\":\"2025-11-07T25:00:00Z\"}", "Hello, 2025-11-07T25:00:00Z!");
    catalog_free(cat);
}

static void test_bad_params_leave_buffer_alone(void **state)
{
    (void)state;
    catalog_t *cat = small();
    char buf[64] = "untouched";
    err_t e = {0};
    assert_int_equal(catalog_render(cat, "en", "greet", "[1,2]", buf, sizeof buf, &e), -EINVAL);
    assert_string_equal(e.code, "bad_params");
    assert_string_equal(buf, "untouched");
    assert_int_equal(catalog_render(cat, "en", "greet", "{\"a\":1,\"a\":2}", buf, sizeof buf, NULL), -EINVAL);
    assert_int_equal(catalog_render(cat, "en", "greet", "{", buf, sizeof buf, NULL), -EINVAL);
    assert_int_equal(catalog_render(cat, "en", "greet", NULL, buf, 0, NULL), -EINVAL);
    assert_string_equal(buf, "untouched");
    catalog_free(cat);
}

/* A cut never splits a character: "Привет" is 2 bytes a letter. */
static void test_cut_at_character_boundary(void **state)
{
    (void)state;
    catalog_t *cat = small();
    char buf[8];
    err_t e = {0};
    assert_int_equal(catalog_render(cat, "ru", "greet", NULL, buf, sizeof buf, &e), -ERANGE);
    assert_string_equal(e.code, "text_too_long");
    assert_string_equal(buf, "При"); /* 6 bytes; the 4th letter would need 8 + NUL */
    assert_int_equal(catalog_render(cat, "ru", "greet", NULL, buf, 1, NULL), -ERANGE);
    assert_string_equal(buf, "");
    char exact[sizeof "Hello, Al!"];
    assert_int_equal(catalog_render(cat, "en", "greet", "{\"name\":\"Al\"}", exact, sizeof exact, NULL), 0);
    assert_string_equal(exact, "Hello, Al!");
    catalog_free(cat);
}

/* po2json.py's reading: comments, fuzzy, empty texts, continuation lines,
 * escapes, msgctxt, CRLF and CR line ends, entries without blank lines. */
static void test_po_reading_rules(void **state)
{
    (void)state;
    static const char po[] = "# comment\r\n"
                             "msgid \"a\"\r\nmsgstr \"\"\r\n\"one \"\r\n\"two\\n\\t\\\"q\\\" \\\\\"\r\n\r\n"
                             "#, fuzzy\nmsgid \"fz\"\nmsgstr \"never\"\n\n"
                             "msgid \"empty\"\nmsgstr \"\"\n\n"
                             "msgctxt \"ctx\"\nmsgid \"c\"\nmsgstr \"with context\"\n"
                             "msgid \"d\"\nmsgstr \"no blank line before\"\r"
                             "   msgid    \"e\"   \nmsgstr \"indented\"\n";
    catalog_t *cat = NULL;
    assert_int_equal(catalog_new(&cat, NULL), 0);
    assert_int_equal(catalog_add_po(cat, "xx", po, sizeof po - 1, NULL), 0);
    assert_string_equal(catalog_lookup(cat, "xx", "a"), "one two\n\t\"q\" \\");
    assert_null(catalog_lookup(cat, "xx", "fz"));
    assert_null(catalog_lookup(cat, "xx", "empty"));
    assert_string_equal(catalog_lookup(cat, "xx", "c"), "with context");
    assert_string_equal(catalog_lookup(cat, "xx", "d"), "no blank line before");
    assert_string_equal(catalog_lookup(cat, "xx", "e"), "indented");
    catalog_free(cat);
}

static void expect_po_error(const char *po, size_t len, int want, const char *line_hint)
{
    catalog_t *cat = NULL;
    err_t e = {0};
    assert_int_equal(catalog_new(&cat, NULL), 0);
    assert_int_equal(catalog_add_po(cat, "xx", po, len, &e), want);
    if (line_hint)
        assert_non_null(strstr(e.msg, line_hint));
    assert_false(catalog_has_language(cat, "xx")); /* nothing half-loaded */
    assert_int_equal(catalog_languages(cat), 0);
    catalog_free(cat);
}

/* Strings are decoded in place into a copy of the text: continuation
 * lines, escapes at either end of a quoted piece and next to each other, a
 * msgstr read again, the last entry cut off by the end of the input (not
 * NUL-terminated) and lines ended by CR alone all read as po2json.py reads
 * them, and the caller's text may change or go away once it is loaded. */
static void test_po_decoded_in_place(void **state)
{
    (void)state;
    static const char po[] = "msgid \"\"\n\"k\\\"\"\n\"1\"\nmsgstr \"\\n\"\n\"\\\\\"\n\"x\\t\"\n\"\"\n\n"
                             "msgctxt \"c\\n\"\n\"more context\"\nmsgid \"k2\"\nmsgstr \"\\\\\\\"\\r\"\n\n"
                             "msgstr \"carried\"\nmsgid \"k3\"\n\n"
                             "msgid \"k4\"\nmsgstr \"first, left unused\"\nmsgstr \"second\"\r"
                             "msgid \"k5\"\rmsgstr \"\"\r\"a\\\"\"\r\r"
                             "msgid \"last\"\nmsgstr \"no newline\"XYZ";
    size_t len = sizeof po - 1 - 3; /* the input ends at the closing quote */
    char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, po, len);
    catalog_t *cat = NULL;
    assert_int_equal(catalog_new(&cat, NULL), 0);
    assert_int_equal(catalog_add_po(cat, "xx", copy, len, NULL), 0);
    memset(copy, '#', len);
    free(copy);
    assert_string_equal(catalog_lookup(cat, "xx", "k\"1"), "\n\\x\t");
    assert_string_equal(catalog_lookup(cat, "xx", "k2"), "\\\"\r");
    assert_string_equal(catalog_lookup(cat, "xx", "k3"), "carried");
    assert_string_equal(catalog_lookup(cat, "xx", "k4"), "second");
    assert_string_equal(catalog_lookup(cat, "xx", "k5"), "a\"");
    assert_string_equal(catalog_lookup(cat, "xx", "last"), "no newline");
    assert_null(catalog_lookup(cat, "xx", "c\n"));
    assert_null(catalog_lookup(cat, "xx", "more context"));
    /* No text at all, not even a pointer. */
    assert_int_equal(catalog_add_po(cat, "yy", NULL, 0, NULL), 0);
    assert_true(catalog_has_language(cat, "yy"));
    catalog_free(cat);
    /* A bad escape in the last piece of a string cut off by the end. */
    static const char cut[] = "msgid \"a\"\nmsgstr \"x\"\n\"y\\", cut_quote[] = "msgid \"a\"\nmsgstr \"x\"\n\"y\\\"";
    expect_po_error(cut, sizeof cut - 1, -EINVAL, "line 3: expected a quoted string");
    expect_po_error(cut_quote, sizeof cut_quote - 1, -EINVAL, "line 3: bad escape");
}

static void test_malformed_po(void **state)
{
    (void)state;
    const struct {
        const char *po, *hint;
    } bad[] = {
        {"msgid \"a\"\nmsgstr \"x\\q\"\n", "line 2: bad escape"},
        {"msgid \"a\"\nmsgstr \"x\\\"\n", "line 2: bad escape"}, /* escaped closing quote */
        {"msgid \"a\"\nmsgstr x\n", "line 2: expected a quoted string"},
        {"msgid \"a\"\nmsgstr\n", "line 2: expected a quoted string"},
        {"msgid \"a\"\nmsgstr \"\n", "line 2: expected a quoted string"},
        {"\"orphan\"\n", "line 1: continuation without a keyword"},
        {"msgid \"a\"\nmsgstr \"x\"\n\n\"after blank\"\n", "line 4: continuation"},
        {"msgid_plural \"a\"\n", "line 1: unsupported keyword"},
        {"msgid \"k\"\nmsgstr \"1\"\n\nmsgid \"k\"\nmsgstr \"2\"\n", "line 4: duplicate msgid"},
        /* po2json.py refuses a kept key seen again, even if the second is fuzzy. */
        {"msgid \"k\"\nmsgstr \"1\"\n\n#, fuzzy\nmsgid \"k\"\nmsgstr \"2\"\n", "duplicate msgid"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_po_error(bad[i].po, strlen(bad[i].po), -EINVAL, bad[i].hint);
        /* Invalid UTF-8 (an overlong '/', a lone continuation byte, a surrogate) and NUL. */
#define BAD_BYTES(s) expect_po_error(s, sizeof s - 1, -EINVAL, "UTF-8")
    BAD_BYTES("msgid \"a\"\nmsgstr \"\xc0\xaf\"\n");
    BAD_BYTES("msgid \"a\"\nmsgstr \"\x80\"\n");
    BAD_BYTES("msgid \"a\"\nmsgstr \"\xed\xa0\x80\"\n");
    BAD_BYTES("msgid \"a\"\nmsgstr \"\xf4\x90\x80\x80\"\n"); /* above U+10FFFF */
    BAD_BYTES("msgid \"a\"\nmsgstr \"\xe2\x82\"\n");         /* cut short */
    BAD_BYTES("msgid \"a\"\nmsgstr \"x\0y\"\n");             /* NUL */
#undef BAD_BYTES
    /* A left-out entry may come first and a kept one later (po2json.py too). */
    static const char ok[] = "#, fuzzy\nmsgid \"k\"\nmsgstr \"1\"\n\nmsgid \"k\"\nmsgstr \"2\"\n";
    catalog_t *cat = NULL;
    assert_int_equal(catalog_new(&cat, NULL), 0);
    assert_int_equal(catalog_add_po(cat, "xx", ok, strlen(ok), NULL), 0);
    assert_string_equal(catalog_lookup(cat, "xx", "k"), "2");
    catalog_free(cat);
}

static void test_languages_and_limits(void **state)
{
    (void)state;
    catalog_t *cat = small();
    err_t e = {0};
    assert_int_equal(catalog_add_po(cat, "en", EN, strlen(EN), &e), -EEXIST);
    assert_int_equal(catalog_add_po(cat, "EN", EN, strlen(EN), NULL), -EINVAL);
    assert_int_equal(catalog_add_po(cat, "e", EN, strlen(EN), NULL), -EINVAL);
    assert_int_equal(catalog_add_po(cat, "engl", EN, strlen(EN), NULL), -EINVAL);
    assert_int_equal(catalog_add_po(cat, "de", EN, CATALOG_MAX_PO_BYTES + 1, NULL), -E2BIG);
    assert_int_equal(catalog_languages(cat), 2);
    /* Empty and comment-only files are languages without messages. */
    assert_int_equal(catalog_add_po(cat, "kk", "", 0, NULL), 0);
    assert_int_equal(catalog_add_po(cat, "ky", "# nothing\n\n", 11, NULL), 0);
    assert_true(catalog_has_language(cat, "kk"));
    assert_string_equal(catalog_lookup(cat, "kk", "greet"), "Привет, {name}!");
    assert_null(catalog_lookup(cat, "ky", "nothing"));
    catalog_free(cat);
    /* One message more than allowed. */
    size_t cap = (CATALOG_MAX_ENTRIES + 1) * 40, len = 0;
    char *big = malloc(cap);
    for (int i = 0; i <= CATALOG_MAX_ENTRIES; i++)
        len += (size_t)snprintf(big + len, cap - len, "msgid \"k%d\"\nmsgstr \"v\"\n\n", i);
    expect_po_error(big, len, -E2BIG, "more than");
    free(big);
}

/* The shipped catalogs: all 15 languages load, each message equals what
 * scripts/po2json.py wrote for the app, and every notice has a title and
 * a body of its own in every language. */
static void test_shipped_catalogs_match_the_app(void **state)
{
    (void)state;
    catalog_t *cat = NULL;
    err_t e = {0};
    assert_int_equal(catalog_load_dir(UCHET_SOURCE_DIR "/po", &cat, &e), 0);
    assert_int_equal(catalog_languages(cat), 15);
    for (size_t i = 0; i < sizeof LANGS / sizeof LANGS[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/web/app/i18n/%s.json", UCHET_SOURCE_DIR, LANGS[i]);
        json_t *doc = json_load_file(path, 0, NULL);
        assert_non_null(doc);
        const char *key;
        json_t *text;
        size_t n = 0;
        json_object_foreach (json_object_get(doc, "messages"), key, text) {
            assert_string_equal(catalog_lookup(cat, LANGS[i], key), json_string_value(text));
            n++;
        }
        assert_true(n > 200);
        json_decref(doc);
        for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++) {
            char title[64], body[64];
            snprintf(title, sizeof title, "notice.%s.title", KINDS[k]);
            snprintf(body, sizeof body, "notice.%s.body", KINDS[k]);
            assert_true(catalog_has_language(cat, LANGS[i]));
            assert_non_null(catalog_lookup(cat, LANGS[i], title));
            assert_non_null(catalog_lookup(cat, LANGS[i], body));
        }
    }
    catalog_free(cat);
}

/* What a Tajik speaker reads one working day before the deadline. */
static void test_tajik_reminder(void **state)
{
    (void)state;
    catalog_t *cat = NULL;
    assert_int_equal(catalog_load_dir(UCHET_SOURCE_DIR "/po", &cat, NULL), 0);
    char buf[2048];
    assert_int_equal(
        catalog_render(cat, "tg", "notice.one_day_left.body",
            "{\"due_date\":\"2025-11-06\",\"lapse_at\":\"2025-11-07T00:00:00+03:00\"}", buf, sizeof buf, NULL),
        0);
    assert_non_null(strstr(buf, "Рӯзи охири тасдиқ: панҷшанбе, 6 ноябр 2025."));
    assert_non_null(strstr(buf, "ҷумъа, 7 ноябр 2025, соат 00:00 (UTC+03:00)."));
    assert_null(strchr(buf, '{'));
    catalog_free(cat);
}

static void test_load_dir_errors(void **state)
{
    (void)state;
    catalog_t *cat = NULL;
    err_t e = {0};
    assert_int_equal(catalog_load_dir("/nonexistent/po", &cat, &e), -ENOENT);
    assert_string_equal(e.code, "po_missing");
    /* A directory without ru.po: the fallback is required. */
    assert_int_equal(catalog_load_dir(UCHET_SOURCE_DIR "/src", &cat, &e), -ENOENT);
    assert_null(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fallback_to_russian_then_to_key),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_dates_like_the_app),
        cmocka_unit_test(test_bad_params_leave_buffer_alone),
        cmocka_unit_test(test_cut_at_character_boundary),
        cmocka_unit_test(test_po_reading_rules),
        cmocka_unit_test(test_po_decoded_in_place),
        cmocka_unit_test(test_malformed_po),
        cmocka_unit_test(test_languages_and_limits),
        cmocka_unit_test(test_shipped_catalogs_match_the_app),
        cmocka_unit_test(test_tajik_reminder),
        cmocka_unit_test(test_load_dir_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
