/* Unit tests of rules/namematch: transliteration-aware name comparison.
 * Each language's letters, the legitimate variants that must not be
 * flagged, one-letter differences that must be referred, and names that
 * must not match. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/namematch.h"

static enum namematch_result cmp(const char *a, const char *b)
{
    enum namematch_result r = (enum namematch_result)99;
    err_t e = {0};
    assert_int_equal(namematch_compare(a, strlen(a), b, strlen(b), &r, &e), 0);
    /* the comparison is symmetric */
    enum namematch_result back = (enum namematch_result)99;
    assert_int_equal(namematch_compare(b, strlen(b), a, strlen(a), &back, &e), 0);
    assert_int_equal(r, back);
    return r;
}

static void skel(const char *in, const char *want)
{
    char *s = NULL;
    assert_int_equal(namematch_skeleton(in, strlen(in), 0, 0, &s, NULL), 0);
    assert_string_equal(s, want);
    free(s);
}

static void test_exact(void **state)
{
    (void)state;
    assert_int_equal(cmp("IVANOV", "IVANOV"), NAMEMATCH_EXACT);
    assert_int_equal(cmp("Иванов", "IVANOV"), NAMEMATCH_EXACT);
    assert_int_equal(cmp("Юрий", "IURII"), NAMEMATCH_EXACT);
    assert_int_equal(cmp("ivanov", "IVANOV"), NAMEMATCH_EXACT);
    assert_int_equal(cmp("Abdulloev-Karimov", "ABDULLOEV KARIMOV"), NAMEMATCH_EXACT);
}

/* Russian: ICAO 9303 Part 3 against the older and the English schemes. */
static void test_russian_variants(void **state)
{
    (void)state;
    assert_int_equal(cmp("Юрий", "YURIY"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Юрий", "YURI"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Наталья", "NATALYA"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Евгений", "YEVGENIY"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Алиев", "ALIYEV"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Жуков", "ZHUKOV"), NAMEMATCH_EXACT);
    assert_int_equal(cmp("Жуков", "JUKOV"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Хасанов", "KHASANOV"), NAMEMATCH_EXACT);
    assert_int_equal(cmp("Хасанов", "HASANOV"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Хасанов", "XASANOV"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Александр", "ALEXANDR"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Фёдор", "FYODOR"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Джамшид", "JAMSHID"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Джамшид", "DJAMSHID"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Ксения", "KSENIYA"), NAMEMATCH_VARIANT);
}

/* Uzbek Latin (O‘ G‘ SH CH X Q J) against its Cyrillic and translators'
 * Russian renderings. */
static void test_uzbek(void **state)
{
    (void)state;
    assert_int_equal(cmp("O\xE2\x80\x98TKIR", "Уткир"), NAMEMATCH_VARIANT); /* O‘ → У */
    assert_int_equal(cmp("O\xE2\x80\x98TKIR", "Откир"), NAMEMATCH_EXACT);   /* O‘ → О: the default reading */
    assert_int_equal(cmp("O\xCA\xBBTKIR", "Ўткир"), NAMEMATCH_EXACT);       /* ʻ and Ў */
    assert_int_equal(cmp("O'TKIR", "Ўткир"), NAMEMATCH_EXACT);              /* ASCII ' */
    assert_int_equal(cmp("G\xE2\x80\x98ULOM", "Гулом"), NAMEMATCH_EXACT);   /* G‘ → Г */
    assert_int_equal(cmp("G\xE2\x80\x98ULOM", "Ғулом"), NAMEMATCH_VARIANT); /* G‘ → Ғ */
    assert_int_equal(cmp("XOLMATOV", "Холматов"), NAMEMATCH_VARIANT);       /* X → Х */
    assert_int_equal(cmp("QODIROV", "Кодиров"), NAMEMATCH_VARIANT);         /* Q → К */
    assert_int_equal(cmp("QODIROV", "Қодиров"), NAMEMATCH_EXACT);           /* Q → Қ */
    assert_int_equal(cmp("JAHONGIR", "Жахонгир"), NAMEMATCH_VARIANT);       /* J → Ж */
    assert_int_equal(cmp("JAHONGIR", "Джахонгир"), NAMEMATCH_VARIANT);      /* J → ДЖ */
    assert_int_equal(cmp("SHOXRUX", "Шохрух"), NAMEMATCH_VARIANT);          /* SH, X */
    assert_int_equal(cmp("CHORIYEV", "Чориев"), NAMEMATCH_VARIANT);         /* CH, YE */
    assert_int_equal(cmp("YUSUPOV", "Юсупов"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("YOQUBOV", "Ёкубов"), NAMEMATCH_VARIANT);
    /* Uzbek Cyrillic Ҳ */
    assert_int_equal(cmp("Ҳамидов", "HAMIDOV"), NAMEMATCH_EXACT);
    /* The machine-readable zone drops O‘'s mark (A-Z only): an O of a name
     * spelled as the zone spells it may be the O‘ Russian writes У. */
    assert_int_equal(cmp("OTKIR", "Уткир"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Муминов", "MOMINOV"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("TOSHMATOV OTKIR", "Тошматов Уткир"), NAMEMATCH_VARIANT);
    /* ... only O for У: another vowel is still a letter off, and two
     * Latin spellings keep O and U apart */
    assert_int_equal(cmp("TOSHMATOV", "Тошматав"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("TOSHMATOV", "Тушматав"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("OTKIR", "UTKIR"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("OTKIR", "Уткар"), NAMEMATCH_NEAR);
}

static void test_tajik(void **state)
{
    (void)state;
    assert_int_equal(cmp("Ҷамшед", "JAMSHED"), NAMEMATCH_EXACT); /* Ҷ */
    assert_int_equal(cmp("Ҷамшед", "Джамшед"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Ҷамшед", "DZHAMSHED"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Қурбонов", "QURBONOV"), NAMEMATCH_EXACT); /* Қ */
    assert_int_equal(cmp("Қурбонов", "KURBONOV"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Ҳасанов", "Хасанов"), NAMEMATCH_VARIANT); /* Ҳ */
    assert_int_equal(cmp("Раҳимӣ", "RAHIMI"), NAMEMATCH_EXACT);     /* Ӣ */
    assert_int_equal(cmp("Раҳимӣ", "Рахими"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Ӯрунов", "URUNOV"), NAMEMATCH_EXACT);     /* Ӯ */
    assert_int_equal(cmp("Ғафуров", "GAFUROV"), NAMEMATCH_VARIANT); /* Ғ */
    assert_int_equal(cmp("Ғафуров", "GHAFUROV"), NAMEMATCH_EXACT);
    assert_int_equal(cmp("ғафуров", "Гафуров"), NAMEMATCH_VARIANT); /* small letters */
}

static void test_kazakh_kyrgyz(void **state)
{
    (void)state;
    assert_int_equal(cmp("Әлия", "ALIIA"), NAMEMATCH_EXACT); /* Ә */
    assert_int_equal(cmp("Әлия", "ALIYA"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Төлеген", "TOLEGEN"), NAMEMATCH_EXACT);   /* Ө */
    assert_int_equal(cmp("Төлеген", "Тулеген"), NAMEMATCH_VARIANT); /* Ө → У in Russian */
    assert_int_equal(cmp("Төлеген", "Толеген"), NAMEMATCH_EXACT);   /* Ө → О */
    /* the passport's Latin O has lost the Ө (as a zone loses O‘'s mark):
     * against У it may be that letter, so a variant; against another vowel
     * it is one letter off */
    assert_int_equal(cmp("TOLEGEN", "Тулеген"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("TOLEGEN", "Талеген"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("Үсен", "USEN"), NAMEMATCH_EXACT);     /* Ү */
    assert_int_equal(cmp("Ұлан", "ULAN"), NAMEMATCH_EXACT);     /* Ұ */
    assert_int_equal(cmp("Жаңыл", "ZHANGYL"), NAMEMATCH_EXACT); /* Ң */
    assert_int_equal(cmp("Жаңыл", "JANGIL"), NAMEMATCH_VARIANT);
    assert_int_equal(cmp("Ілияс", "ILIIAS"), NAMEMATCH_EXACT);    /* І */
    assert_int_equal(cmp("Һарун", "HARUN"), NAMEMATCH_EXACT);     /* Һ */
    assert_int_equal(cmp("Ғалым", "GALYM"), NAMEMATCH_VARIANT);   /* Ғ */
    assert_int_equal(cmp("Қайрат", "KAIRAT"), NAMEMATCH_VARIANT); /* Қ */
    assert_int_equal(cmp("Қайрат", "KAYRAT"), NAMEMATCH_VARIANT);
}

/* One letter off after folding: referred, never failed. */
static void test_near(void **state)
{
    (void)state;
    assert_int_equal(cmp("IVANOV", "IVANOVA"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("Иванов", "IVANIV"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("KARIMOV", "KARIMOB"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("Ҷамшед", "JAMSHID"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("RAHIMOV", "RAHMOV"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("NURLAN", "NURLAM"), NAMEMATCH_NEAR);
    /* Ҷ written, or read by the Russian OCR model, as its look-alike Ч: two
     * letters apart in Latin (CH, J), referred all the same */
    assert_int_equal(cmp("ЧАМШЕД", "JAMSHED"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("Чамшед", "Ҷамшед"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("ЧУРАЕВ", "Джураев"), NAMEMATCH_NEAR);
    /* one letter apart as written, more in Latin: Ш read Щ at 150 dpi
     * (SHAKHNOZA, SHCHAKHNOZA) returned a clean set for another person's
     * name (1000-set run, 2026-12-06); Ц for Ч (TS, CH) the same way */
    assert_int_equal(cmp("ЩАХНОЗА", "Шахноза"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("ЩАХНОЗА", "SHAHNOZA"), NAMEMATCH_NEAR); /* against the zone: SHCH as SH */
    assert_int_equal(cmp("Цориев", "Чориев"), NAMEMATCH_NEAR);
}

static void test_mismatch(void **state)
{
    (void)state;
    assert_int_equal(cmp("IVANOV", "PETROV"), NAMEMATCH_MISMATCH);
    assert_int_equal(cmp("KARIMOV", "KASIMOVA"), NAMEMATCH_MISMATCH);
    assert_int_equal(cmp("Алиев", "ALIEVA RO"), NAMEMATCH_MISMATCH);
    assert_int_equal(cmp("", "IVANOV"), NAMEMATCH_MISMATCH);
    assert_int_equal(cmp("", ""), NAMEMATCH_MISMATCH);
    assert_int_equal(cmp("-", "'"), NAMEMATCH_MISMATCH);
    /* Folding is not a licence: H and K stay different letters. */
    assert_int_equal(cmp("HASAN", "KASAN"), NAMEMATCH_NEAR);
    assert_int_equal(cmp("HASANOV", "KASYMOV"), NAMEMATCH_MISMATCH);
    /* ... and CH read as J only brings a name near, not any name */
    assert_int_equal(cmp("ЧАМШЕД", "RAHIMOV"), NAMEMATCH_MISMATCH);
    assert_int_equal(cmp("Чориев", "JAMSHED"), NAMEMATCH_MISMATCH);
    /* ... and one letter as written is one letter, not two */
    assert_int_equal(cmp("Щахноза", "Шахнозу"), NAMEMATCH_MISMATCH);
    assert_int_equal(cmp("Щахноза", "SHAHNOZU"), NAMEMATCH_MISMATCH);
}

static void test_skeletons(void **state)
{
    (void)state;
    skel("Джамшид Ҷӯраев", "JAMSHID JURAEV");
    skel("YURIY", "IURI");
    skel("Хусейн", "HUSEIN");
    skel("G\xE2\x80\x98OFUR", "GOFUR");
    char *s = NULL;
    assert_int_equal(namematch_skeleton("O\xE2\x80\x98G\xE2\x80\x98ILOY", 13, 1, 0, &s, NULL), 0);
    assert_string_equal(s, "UGILOI");
    free(s);
    assert_int_equal(namematch_skeleton("XOLMATOV", 8, 0, 1, &s, NULL), 0);
    assert_string_equal(s, "KSOLMATOV");
    free(s);
}

static void test_bad_input(void **state)
{
    (void)state;
    enum namematch_result r = NAMEMATCH_EXACT;
    err_t e = {0};
    assert_int_equal(namematch_compare("\xC3\x28", 2, "A", 1, &r, &e), -EINVAL);
    assert_string_equal(e.code, "name_invalid_utf8");
    assert_int_equal(r, NAMEMATCH_EXACT); /* untouched */
    assert_int_equal(namematch_compare("A", 1, "\xE2\x82", 2, &r, &e), -EINVAL);
    assert_int_equal(namematch_compare("A", 1, "\xD7\x90", 2, &r, &e), -EINVAL); /* Hebrew */
    assert_string_equal(e.code, "name_unsupported_char");
    char big[NAMEMATCH_INPUT_MAX + 2];
    memset(big, 'A', sizeof big);
    assert_int_equal(namematch_compare(big, sizeof big, "A", 1, &r, &e), -EINVAL);
    assert_string_equal(e.code, "name_too_long");
    /* the longest allowed name, all two-byte letters that expand */
    char wide[NAMEMATCH_INPUT_MAX];
    for (size_t i = 0; i + 1 < sizeof wide; i += 2) {
        wide[i] = (char)0xD2; /* Ғ U+0492 = D2 92 */
        wide[i + 1] = (char)0x92;
    }
    assert_int_equal(namematch_compare(wide, sizeof wide, wide, sizeof wide, &r, &e), 0);
    assert_int_equal(r, NAMEMATCH_EXACT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_russian_variants),
        cmocka_unit_test(test_uzbek),
        cmocka_unit_test(test_tajik),
        cmocka_unit_test(test_kazakh_kyrgyz),
        cmocka_unit_test(test_near),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_skeletons),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
