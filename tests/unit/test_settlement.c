/* Unit tests of docs/settlement: which region a typed settlement is in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "docs/settlement.h"

static void expect(const char *typed, const char *region)
{
    const char *got = settlement_region(typed, strlen(typed));
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
    assert_null(settlement_region(NULL, 0));
    char huge[400];
    memset(huge, 'a', sizeof huge);
    assert_null(settlement_region(huge, sizeof huge));
    assert_true(settlement_catalogue_size() > 80);
    /* only the last few parts are looked at: a long list of commas costs little */
    expect("Химки, a, b, c", "50");
    expect("Химки, a, b, c, d", NULL);
    char commas[200];
    memset(commas, ',', sizeof commas);
    assert_null(settlement_region(commas, sizeof commas));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moscow_and_the_oblast),
        cmocka_unit_test(test_as_people_type_it),
        cmocka_unit_test(test_in_latin_letters),
        cmocka_unit_test(test_unknown_is_no_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
