/* Unit tests of docs/settlement and docs/settlement_file: the catalogue's
 * file parser, and which region a typed settlement is in by the shipped
 * catalogue (data/settlements/catalogue.txt). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "docs/settlement.h"
#include "docs/settlement_file.h"

#ifndef UCHET_SOURCE_DIR
#define UCHET_SOURCE_DIR "."
#endif

static settlement_catalogue_t *shipped; /* the catalogue uchetd loads */

static int load_shipped(void **state)
{
    (void)state;
    err_t e = {0};
    int r = settlement_file_load(UCHET_SOURCE_DIR "/data/settlements/catalogue.txt", &shipped, &e);
    if (r < 0)
        fail_msg("%s", e.msg);
    return 0;
}

static int free_shipped(void **state)
{
    (void)state;
    settlement_catalogue_free(shipped);
    return 0;
}

static void expect(const char *typed, const char *region)
{
    const char *got = settlement_region(shipped, typed, strlen(typed));
    if (!region && got)
        fail_msg("%s: got %s, want unknown", typed, got);
    if (region && (!got || strcmp(got, region) != 0))
        fail_msg("%s: got %s, want %s", typed, got ? got : "unknown", region);
}

static void test_moscow_and_the_oblast(void **state)
{
    (void)state;
    expect("Москва", "77");
    expect("Зеленоград", "77");
    expect("Троицк", "77");
    expect("Химки", "50");
    expect("Балашиха", "50");
    expect("Сергиев Посад", "50");
    expect("г. Пересвет", "50"); /* the two towns added from the hflabs/city cross-check */
    expect("Beloozerskii", "50");
}

static void test_as_people_type_it(void **state)
{
    (void)state;
    expect("г. Химки", "50");
    expect("г.Химки", "50");
    expect("город Москва", "77");
    expect("Москва г", "77");
    expect("  химки  ", "50");
    expect("КОРОЛЁВ", "50");
    expect("Королев", "50");
    expect("Орехово Зуево", "50");
    expect("Орехово-Зуево", "50");
    expect("Московская обл., г. Химки", "50");
    expect("Химки, Московская область", "50");
    expect("Москва, Зеленоград", "77");
    expect("пос. Коммунарка", "77");
}

static void test_in_latin_letters(void **state)
{
    (void)state;
    expect("Moskva", "77");
    expect("Moscow", "77");
    expect("MOSCOW", "77");
    expect("Khimki", "50");
    expect("Mytishchi", "50");
    expect("Zelenograd", "77");
}

static void test_unknown_is_no_answer(void **state)
{
    (void)state;
    expect("Новосибирск", NULL);
    expect("Химкинский", NULL); /* a word beginning with a known name is another name */
    expect("Московская область", NULL);
    expect("г.", NULL);
    expect("", NULL);
    expect(",,,", NULL);
    expect("莫斯科", NULL); /* letters the transliteration does not know: unknown, not an error */
    assert_null(settlement_region(shipped, NULL, 0));
    assert_null(settlement_region(NULL, "Химки", strlen("Химки"))); /* no catalogue: all unknown */
    char huge[400];
    memset(huge, 'a', sizeof huge);
    assert_null(settlement_region(shipped, huge, sizeof huge));
    assert_true(settlement_catalogue_size(shipped) > 80);
    /* only the last few parts are looked at: a long list of commas costs little */
    expect("Химки, a, b, c", "50");
    expect("Химки, a, b, c, d", NULL);
    char commas[200];
    memset(commas, ',', sizeof commas);
    assert_null(settlement_region(shipped, commas, sizeof commas));
}

/* Parses text; on failure returns the error's errnum and copies its message. */
static int parse(const char *text, settlement_catalogue_t **ret, char msg[ERR_MSG_MAX])
{
    err_t e = {0};
    int r = settlement_catalogue_parse(text, strlen(text), ret, &e);
    if (r < 0)
        memcpy(msg, e.msg, ERR_MSG_MAX);
    return r;
}

static void test_the_file_format(void **state)
{
    (void)state;
    settlement_catalogue_t *cat = NULL;
    char msg[ERR_MSG_MAX];
    const char *text = "\xEF\xBB\xBF# comment\r\n"
                       "\n"
                       "77  Москва   # the capital\r\n"
                       "50\tг. Химки\n"
                       "\t 50  Сергиев Посад\n"
                       "77 Зеленоград"; /* no newline at the end */
    assert_int_equal(parse(text, &cat, msg), 0);
    assert_int_equal(settlement_catalogue_size(cat), 4);
    const char *got = settlement_region(cat, "Khimki", 6);
    assert_non_null(got);
    assert_string_equal(got, "50"); /* "г." in the file is ignored like in a typed address */
    assert_string_equal(settlement_region(cat, "Zelenograd", 10), "77");
    assert_string_equal(settlement_region(cat, "Sergiev Posad", 13), "50");
    assert_null(settlement_region(cat, "Подольск", strlen("Подольск")));
    settlement_catalogue_free(cat);
    settlement_catalogue_free(NULL);
    assert_int_equal(settlement_catalogue_size(NULL), 0);
}

/* Each malformed catalogue is refused with a message naming its line. */
static void test_a_bad_line_is_named(void **state)
{
    (void)state;
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"77 Москва\n7 Химки\n", "line 2: a line is a region code"},
        {"77 Москва\n\n777 Химки\n", "line 3: a line is a region code"},
        {"# c\n77Москва\n", "line 2: a line is a region code"},
        {"77\n", "line 1: a line is a region code"},
        {"77   \n", "line 1: a line is a region code"},
        {"77 Москва\n99 Химки\n", "line 2: not a region code in use"},
        {"ab Химки\n", "line 1: not a region code in use"},
        {"77 Москва\n50 г.\n", "line 2: the name has only words for a kind of place"},
        {"50 Химки\n77 莫斯科\n", "line 2: the name is not UTF-8"},
        {"50 Химки\n77 \xff\xfe\n", "line 2: the name is not UTF-8"},
        {"50 Химки\n77 Москва\n50 Khimki\n", "line 3: the name is already listed on line 1"},
        {"50 Королёв\n50 Королев\n", "line 2: the name is already listed on line 1"},
        {"# only comments\n\n", "lists no settlement"},
        {"", "lists no settlement"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        settlement_catalogue_t *cat = NULL;
        char msg[ERR_MSG_MAX] = "";
        int r = parse(bad[i].text, &cat, msg);
        if (r != -EINVAL || !strstr(msg, bad[i].says))
            fail_msg("case %zu: r=%d msg=\"%s\", want \"%s\"", i, r, msg, bad[i].says);
        assert_null(cat);
    }
    char longname[400] = "77 ";
    memset(longname + 3, 'a', sizeof longname - 4);
    settlement_catalogue_t *cat = NULL;
    char msg[ERR_MSG_MAX] = "";
    assert_int_equal(parse(longname, &cat, msg), -EINVAL);
    assert_non_null(strstr(msg, "line 1: the name is longer"));
}

static void test_the_file(void **state)
{
    (void)state;
    settlement_catalogue_t *cat = NULL;
    err_t e = {0};
    assert_int_equal(settlement_file_load("/nonexistent/settlements/catalogue.txt", &cat, &e), -ENOENT);
    assert_string_equal(e.code, "file_unreadable");
    assert_null(cat);
    char path[] = "/tmp/test_settlement_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("77 Москва\n50 Химки\n5O Гадюкино\n", f);
    fclose(f);
    err_clear(&e);
    assert_int_equal(settlement_file_load(path, &cat, &e), -EINVAL);
    /* the operator is told which file and which line */
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "line 3"));
    f = fopen(path, "w");
    fputs("77 Москва\n50 Химки\n", f);
    fclose(f);
    assert_int_equal(settlement_file_load(path, &cat, &e), 0);
    assert_int_equal(settlement_catalogue_size(cat), 2);
    settlement_catalogue_free(cat);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moscow_and_the_oblast),
        cmocka_unit_test(test_as_people_type_it),
        cmocka_unit_test(test_in_latin_letters),
        cmocka_unit_test(test_unknown_is_no_answer),
        cmocka_unit_test(test_the_file_format),
        cmocka_unit_test(test_a_bad_line_is_named),
        cmocka_unit_test(test_the_file),
    };
    return cmocka_run_group_tests(tests, load_shipped, free_shipped);
}
