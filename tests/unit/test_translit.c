/* Unit tests of docs/translit: ICAO 9303 Part 3 transliteration. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docs/translit.h"

static void expect(const char *in, const char *out)
{
    char *s = NULL;
    err_t e = {0};
    int r = translit_to_latin(in, strlen(in), &s, &e);
    if (r != 0)
        fail_msg("%s: %d %s", in, r, e.code);
    if (strcmp(s, out) != 0)
        fail_msg("%s: got %s, want %s", in, s, out);
    free(s);
}

static void expect_fail(const char *in, size_t len, const char *code)
{
    char *s = (char *)"untouched";
    err_t e = {0};
    assert_int_equal(translit_to_latin(in, len, &s, &e), -EINVAL);
    assert_string_equal(e.code, code);
    assert_string_equal(s, "untouched");
}

static void test_russian_alphabet(void **state)
{
    (void)state;
    expect("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ", "ABVGDEEZHZIIKLMNOPRSTUFKHTSCHSHSHCHIEYEIUIA");
    expect("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "ABVGDEEZHZIIKLMNOPRSTUFKHTSCHSHSHCHIEYEIUIA");
}

static void test_names(void **state)
{
    (void)state;
    expect("Юлия Щеглова", "IULIIA SHCHEGLOVA");
    expect("Пётр Ильич", "PETR ILICH");
    expect("Объедков", "OBIEEDKOV");
    expect("Хабибулло Цой", "KHABIBULLO TSOI");
    expect("Анна-Мария", "ANNA MARIIA");
    expect("  Салтыков--Щедрин  ", "SALTYKOV SHCHEDRIN");
}

static void test_other_cyrillic(void **state)
{
    (void)state;
    expect("Ґалина Єва Їжак", "GALINA IEVA IZHAK"); /* Ukrainian */
    expect("Ўладзімір", "ULADZIMIR");               /* Belarusian Ў, І */
    expect("Ђорђе Љубиша Њего Ћирко Џаја", "DORDE LJUBISHA NJEGO CIRKO DZAJA");
    expect("Ѓорѓи Ќосе Ѕвезда Јован", "GORGI KOSE DZVEZDA JOVAN");
}

static void test_latin(void **state)
{
    (void)state;
    expect("Müller", "MUELLER");
    expect("Ångström", "AANGSTROEM");
    expect("Straße", "STRASSE");
    expect("Øre Ærø", "OERE AEROE");
    expect("José Nuñez", "JOSE NUNEZ");
    expect("O'Brien", "OBRIEN");
    expect("ERIKSSON<<ANNA<MARIA", "ERIKSSON ANNA MARIA");
    expect("", "");
    expect(" - ", "");
}

static void test_errors(void **state)
{
    (void)state;
    expect_fail("\xd0", 1, "name_invalid_utf8");         /* truncated */
    expect_fail("\xc0\xaf", 2, "name_invalid_utf8");     /* overlong '/' */
    expect_fail("\xed\xa0\x80", 3, "name_invalid_utf8"); /* surrogate */
    expect_fail("\x80", 1, "name_invalid_utf8");
    expect_fail("Ωmega", 6, "name_unsupported_char"); /* Greek */
    expect_fail("A1", 2, "name_unsupported_char");
    expect_fail("Ab\xc3\x97", 4, "name_unsupported_char"); /* × */
    char big[TRANSLIT_INPUT_MAX + 1];
    memset(big, 'A', sizeof big);
    expect_fail(big, sizeof big, "name_too_long");
    char *s = NULL;
    assert_int_equal(translit_to_latin(big, TRANSLIT_INPUT_MAX, &s, NULL), 0);
    assert_int_equal(strlen(s), TRANSLIT_INPUT_MAX);
    free(s);
}

static void test_compare(void **state)
{
    (void)state;
    assert_int_equal(translit_compare("IULIIA", "IULIIA", false), TRANSLIT_EXACT);
    assert_int_equal(translit_compare("YULIYA", "IULIIA", false), TRANSLIT_VARIANT);
    assert_int_equal(translit_compare("YURIY", "IURII", false), TRANSLIT_VARIANT);
    assert_int_equal(translit_compare("ALEXEYEV", "ALEKSEEV", false), TRANSLIT_VARIANT);
    assert_int_equal(translit_compare("FYODOROV", "FEDOROV", false), TRANSLIT_VARIANT);
    assert_int_equal(translit_compare("KHABIBULLO TSOI", "HABIBULLO TZOI", false), TRANSLIT_VARIANT);
    assert_int_equal(translit_compare("PETROVA", "IVANOVA", false), TRANSLIT_MISMATCH);
    assert_int_equal(translit_compare("ANNA", "ANNA MARIA", false), TRANSLIT_MISMATCH);
    assert_int_equal(translit_compare("ANNA MARIA", "ANNA MA", true), TRANSLIT_TRUNCATED);
    assert_int_equal(translit_compare("ANNA MARIA", "ANNA MA", false), TRANSLIT_MISMATCH);
    assert_int_equal(translit_compare("YULIYA ANNA", "IULIIA AN", true), TRANSLIT_TRUNCATED);
    assert_int_equal(translit_compare(NULL, "A", false), TRANSLIT_MISMATCH);
    assert_string_equal(translit_match_name(TRANSLIT_VARIANT), "variant");
    assert_string_equal(translit_match_name(TRANSLIT_MISMATCH), "mismatch");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_russian_alphabet),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_other_cyrillic),
        cmocka_unit_test(test_latin),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
