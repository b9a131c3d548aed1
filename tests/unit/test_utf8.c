/* base/utf8: the one strict decoder every letter-judging text uses. The
 * refusals are RFC 3629's: overlong forms, surrogates, above U+10FFFF,
 * truncated sequences, stray continuation bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <locale.h>
#include <wctype.h>

#include <cmocka.h>

#include "base/utf8.h"

static int32_t one(const char *s, size_t len, size_t *used)
{
    size_t i = 0;
    int32_t cp = utf8_next((const unsigned char *)s, len, &i);
    *used = i;
    return cp;
}

static void test_decodes_each_length(void **state)
{
    (void)state;
    size_t n;
    assert_int_equal(one("A", 1, &n), 'A');
    assert_int_equal(n, 1);
    assert_int_equal(one("\xD0\x96", 2, &n), 0x0416); /* Ж */
    assert_int_equal(n, 2);
    assert_int_equal(one("\xE1\x83\x90", 3, &n), 0x10D0); /* Georgian ა */
    assert_int_equal(n, 3);
    assert_int_equal(one("\xF0\x9F\x98\x80", 4, &n), 0x1F600);
    assert_int_equal(n, 4);
}

static void test_refuses_what_rfc3629_refuses(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
    } bad[] = {
        {"\xC0\x80", 2},             /* overlong NUL */
        {"\xC1\xBF", 2},             /* overlong '?' */
        {"\xE0\x80\xAF", 3},         /* overlong '/' */
        {"\xF0\x80\x80\xAF", 4},     /* overlong '/' */
        {"\xED\xA0\x80", 3},         /* U+D800, a surrogate */
        {"\xED\xBF\xBF", 3},         /* U+DFFF */
        {"\xF4\x90\x80\x80", 4},     /* U+110000 */
        {"\xF8\x88\x80\x80\x80", 5}, /* five-byte form */
        {"\x80", 1},                 /* a stray continuation byte */
        {"\xD0", 1},                 /* truncated */
        {"\xE1\x83", 2},             /* truncated */
        {"\xD0\x41", 2},             /* a continuation that is not one */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        size_t n = 99;
        assert_int_equal(one(bad[k].s, bad[k].len, &n), -1);
        assert_int_equal(n, 0); /* nothing consumed */
        assert_false(utf8_valid(bad[k].s, bad[k].len, true));
    }
}

static void test_valid_and_nul(void **state)
{
    (void)state;
    const char ok[] = "Sh\xC3\xB8rt \xD0\x96 \xE1\x83\x90";
    assert_true(utf8_valid(ok, strlen(ok), false));
    assert_true(utf8_valid("a\0b", 3, true));
    assert_false(utf8_valid("a\0b", 3, false));
    assert_true(utf8_valid("", 0, false));
}

static void test_put_round_trips_every_length(void **state)
{
    (void)state;
    static const int32_t cps[] = {0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF, 0x0416, 0x1F600};
    for (size_t k = 0; k < sizeof cps / sizeof cps[0]; k++) {
        char buf[4];
        size_t len = utf8_put(buf, cps[k]), used;
        assert_int_equal(one(buf, len, &used), cps[k]);
        assert_int_equal(used, len);
    }
}

/* Against glibc's Unicode tables (C.UTF-8), over every code point the
 * mapping claims: Latin-1 and the Cyrillic blocks. µ and ÿ are left out on
 * purpose (their capitals are Greek Μ and Latin Extended Ÿ). */
static void test_case_maps_as_unicode_does(void **state)
{
    (void)state;
    assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
    int checked = 0;
    for (int32_t cp = 0; cp <= 0x52F; cp++) {
        if (cp == 0xB5 || cp == 0xFF || (cp > 0xFF && cp < 0x400))
            continue;
        if (utf8_upper(cp) != (int32_t)towupper((wint_t)cp) || utf8_lower(cp) != (int32_t)towlower((wint_t)cp))
            fail_msg("U+%04X: upper %04X (glibc %04X), lower %04X (glibc %04X)", (unsigned)cp, (unsigned)utf8_upper(cp),
                (unsigned)towupper((wint_t)cp), (unsigned)utf8_lower(cp), (unsigned)towlower((wint_t)cp));
        checked++;
    }
    assert_int_equal(checked, 0x100 - 2 + 0x130);
    assert_int_equal(utf8_upper(0x4B7), 0x4B6); /* ҷ → Ҷ (Tajik) */
    assert_int_equal(utf8_lower(0x40E), 0x45E); /* Ў → ў (Uzbek) */
    assert_int_equal(utf8_upper(0x1F600), 0x1F600);
    assert_int_equal(utf8_upper(-1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decodes_each_length),
        cmocka_unit_test(test_refuses_what_rfc3629_refuses),
        cmocka_unit_test(test_valid_and_nul),
        cmocka_unit_test(test_put_round_trips_every_length),
        cmocka_unit_test(test_case_maps_as_unicode_does),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
