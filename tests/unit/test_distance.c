/* base/distance: the one capped edit distance. Known pairs, empty sides, the
 * cap (cap + 1 above it, the same answer whether the early exits fire or
 * not), code points rather than bytes, and inputs long enough to take the
 * heap. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/distance.h"

/* The UTF-8 entry on two NUL-terminated texts. */
static size_t dist(const char *a, const char *b, size_t cap)
{
    size_t d = 12345;
    err_t e = {0};
    assert_int_equal(distance_edit_utf8(a, strlen(a), b, strlen(b), cap, &d, &e), 0);
    /* the distance is symmetric */
    size_t back = 54321;
    assert_int_equal(distance_edit_utf8(b, strlen(b), a, strlen(a), cap, &back, &e), 0);
    assert_int_equal(d, back);
    return d;
}

static void test_known_pairs(void **state)
{
    (void)state;
    assert_int_equal(dist("KITTEN", "SITTING", SIZE_MAX), 3);
    assert_int_equal(dist("KITTEN", "SITTING", 3), 3);
    assert_int_equal(dist("FLAW", "LAWN", SIZE_MAX), 2);
    assert_int_equal(dist("SATURDAY", "SUNDAY", SIZE_MAX), 3);
    assert_int_equal(dist("IVANOV", "IVANOV", 0), 0);
    assert_int_equal(dist("IVANOV", "IVANOVA", 1), 1); /* an insertion */
    assert_int_equal(dist("IVANOV", "IVNOV", 1), 1);   /* a deletion */
    assert_int_equal(dist("IVANOV", "IVAN0V", 1), 1);  /* a substitution */
    assert_int_equal(dist("AB", "BA", SIZE_MAX), 2);   /* no transpositions */
}

static void test_empty_sides(void **state)
{
    (void)state;
    assert_int_equal(dist("", "", 0), 0);
    assert_int_equal(dist("", "ABC", SIZE_MAX), 3);
    assert_int_equal(dist("ABC", "", 3), 3);
    assert_int_equal(dist("", "ABC", 1), 2); /* capped: cap + 1 */
    /* NULL with no length is an empty text; with a length it is refused */
    size_t d = 99;
    assert_int_equal(distance_edit_utf8(NULL, 0, "AB", 2, SIZE_MAX, &d, NULL), 0);
    assert_int_equal(d, 2);
    assert_int_equal(distance_edit(NULL, 0, NULL, 0, 0, &d, NULL), 0);
    assert_int_equal(d, 0);
    err_t e = {0};
    d = 99;
    assert_int_equal(distance_edit(NULL, 3, NULL, 0, 5, &d, &e), -EINVAL);
    assert_string_equal(e.code, "distance_invalid");
    assert_int_equal(d, 99); /* untouched on failure */
}

static void test_cap(void **state)
{
    (void)state;
    /* above the cap: cap + 1, whatever the true distance */
    assert_int_equal(dist("KITTEN", "SITTING", 2), 3);
    assert_int_equal(dist("KITTEN", "SITTING", 1), 2);
    assert_int_equal(dist("KITTEN", "SITTING", 0), 1);
    assert_int_equal(dist("ABCDEF", "UVWXYZ", 1), 2);
    /* the lengths alone exceed the cap */
    assert_int_equal(dist("A", "ABCDEFGH", 2), 3);
    /* equal lengths, every row over the cap early */
    assert_int_equal(dist("AAAAAAAAAAAA", "BBBBBBBBBBBB", 1), 2);
    /* at the cap exactly: the distance itself */
    assert_int_equal(dist("ABCDEF", "UVWXYZ", 6), 6);
}

/* Code points, not bytes: Ч (D0 A7) and Ҷ (D2 B6) are one substitution,
 * though two bytes differ. */
static void test_cyrillic_code_points(void **state)
{
    (void)state;
    assert_int_equal(dist("ЧАМШЕД", "ҶАМШЕД", SIZE_MAX), 1);
    assert_int_equal(dist("ЧАМШЕД", "ҶАМШЕД", 1), 1);
    assert_int_equal(dist("ФАМИЛИЯ", "ФАМИЛИ", 1), 1);
    assert_int_equal(dist("ФАМИЛИЯ", "FAMILIYA", SIZE_MAX), 8);
    /* code-point arrays directly */
    const uint32_t a[] = {0x0424, 0x0410, 0x041C}, b[] = {0x0424, 0x041E, 0x041C};
    size_t d = 99;
    assert_int_equal(distance_edit(a, 3, b, 3, 1, &d, NULL), 0);
    assert_int_equal(d, 1);
}

static void test_refuses_invalid_utf8(void **state)
{
    (void)state;
    err_t e = {0};
    size_t d = 99;
    assert_int_equal(distance_edit_utf8("AB\xD0", 3, "AB", 2, 1, &d, &e), -EINVAL);
    assert_string_equal(e.code, "distance_invalid_utf8");
    assert_int_equal(distance_edit_utf8("AB", 2, "\xC0\x80", 2, 1, &d, &e), -EINVAL); /* overlong */
    assert_int_equal(d, 99);
}

/* Inputs longer than the stack row: the heap path answers as the stack one. */
static void test_long_inputs(void **state)
{
    (void)state;
    size_t n = 4 * DISTANCE_STACK_MAX + 3;
    char *a = malloc(n + 1), *b = malloc(n + 2);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        a[i] = (char)('A' + i % 26);
    a[n] = '\0';
    memcpy(b, a, n + 1);
    assert_int_equal(dist(a, b, 0), 0);
    b[n / 2] = '#'; /* one substitution */
    assert_int_equal(dist(a, b, SIZE_MAX), 1);
    assert_int_equal(dist(a, b, 0), 1);
    memcpy(b, a, n + 1);
    memmove(b + 11, b + 10, n - 10 + 1); /* one insertion */
    b[10] = '+';
    assert_int_equal(dist(a, b, SIZE_MAX), 1);
    assert_int_equal(dist(a, b, 1), 1);
    /* one side long, the other short: the row runs over the short one */
    assert_int_equal(dist(a, "ABC", SIZE_MAX), n - 3);
    free(a);
    free(b);

    /* long Cyrillic on both sides: two bytes a letter, one edit a letter */
    size_t m = DISTANCE_STACK_MAX + 10;
    uint32_t *ca = malloc(m * sizeof *ca), *cb = malloc(m * sizeof *cb);
    assert_non_null(ca);
    assert_non_null(cb);
    for (size_t i = 0; i < m; i++)
        ca[i] = cb[i] = 0x0410 + (uint32_t)(i % 32);
    cb[0] = 0x04B6, cb[m - 1] = 0x04B6;
    size_t d = 99;
    assert_int_equal(distance_edit(ca, m, cb, m, SIZE_MAX, &d, NULL), 0);
    assert_int_equal(d, 2);
    assert_int_equal(distance_edit(ca, m, cb, m, 1, &d, NULL), 0);
    assert_int_equal(d, 2);
    free(ca);
    free(cb);
}

/* The textbook full matrix, uncapped: what every capped answer must agree
 * with (min(distance, cap + 1)). */
static size_t reference(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t *m = malloc((na + 1) * (nb + 1) * sizeof *m);
    assert_non_null(m);
    for (size_t i = 0; i <= na; i++)
        for (size_t j = 0; j <= nb; j++) {
            size_t v;
            if (i == 0 || j == 0) {
                v = i + j;
            } else {
                v = m[(i - 1) * (nb + 1) + j - 1] + (a[i - 1] != b[j - 1]);
                if (m[(i - 1) * (nb + 1) + j] + 1 < v)
                    v = m[(i - 1) * (nb + 1) + j] + 1;
                if (m[i * (nb + 1) + j - 1] + 1 < v)
                    v = m[i * (nb + 1) + j - 1] + 1;
            }
            m[i * (nb + 1) + j] = v;
        }
    size_t d = m[na * (nb + 1) + nb];
    free(m);
    return d;
}

static void test_agrees_with_reference(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15u; /* a fixed xorshift sequence: the same pairs every run */
    uint32_t a[DISTANCE_STACK_MAX + 20], b[DISTANCE_STACK_MAX + 20];
    for (int round = 0; round < 3000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t limit = round % 10 == 0 ? DISTANCE_STACK_MAX + 20 : 12;
        size_t na = (size_t)(x % (limit + 1)), nb = (size_t)((x >> 16) % (limit + 1));
        for (size_t i = 0; i < na; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            a[i] = 0x0410 + (uint32_t)(x % 4); /* a small alphabet: many near pairs */
        }
        for (size_t i = 0; i < nb; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[i] = 0x0410 + (uint32_t)(x % 4);
        }
        if (round % 2 && na && nb) /* every other pair: b a copy of a with one edit */
            memcpy(b, a, (na < nb ? na : nb) * sizeof *a), b[x % (na < nb ? na : nb)] = 0x0416;
        size_t want = reference(a, na, b, nb);
        for (size_t cap = 0; cap <= 4; cap++) {
            size_t d = 999;
            assert_int_equal(distance_edit(a, na, b, nb, cap, &d, NULL), 0);
            assert_int_equal(d, want > cap ? cap + 1 : want);
        }
        size_t d = 999;
        assert_int_equal(distance_edit(a, na, b, nb, SIZE_MAX, &d, NULL), 0);
        assert_int_equal(d, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_pairs),
        cmocka_unit_test(test_empty_sides),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_cyrillic_code_points),
        cmocka_unit_test(test_refuses_invalid_utf8),
        cmocka_unit_test(test_long_inputs),
        cmocka_unit_test(test_agrees_with_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
