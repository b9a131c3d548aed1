/* The "never a false valid" sweep of docs/mrz: thousands of generated valid
 * zones (TD1, TD2, TD3, MRV-A, MRV-B), and for each every single-character
 * substitution at every position. The answer must be invalid, or valid with
 * exactly the content given (only when that content is itself a consistent
 * zone: every printed check digit holds and every field has its type), or,
 * on the image path, repaired back to the original. Never valid with other
 * content.
 *
 * The zones and the consistency test are built here by an independent
 * implementation of ICAO Doc 9303 (Parts 3-7), not by the module under test.
 * A substitution that no check digit can see (a letter for another letter in
 * the name, or a change by a multiple of 10 in an alphanumeric field: A=10
 * vs 0, K=20 vs 0) makes another consistent zone; no checker can tell it
 * from a genuine document, and the sweep allows it only as given. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docs/mrz.h"

#define ALPHABET "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"

static const struct mrz_date today = {2026, 1, 1};

/* ---- an independent ICAO 9303 model ---------------------------------- */

static int val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return c == '<' ? 0 : -1;
}

/* 7-3-1 over the concatenation of up to four spans of z. */
static int digit_of(const char *z, const int (*spans)[2], int n)
{
    static const int w[3] = {7, 3, 1};
    int sum = 0, k = 0;
    for (int s = 0; s < n; s++)
        for (int i = 0; i < spans[s][1]; i++, k++)
            sum += val(z[spans[s][0] + i]) * w[k % 3];
    return sum % 10;
}

static bool digit_at(const char *z, int off, int want)
{
    return z[off] >= '0' && z[off] <= '9' && z[off] - '0' == want;
}

enum kind { TD1, TD2, TD3, MRVA, MRVB };

struct zone {
    enum kind k;
    int width, lines;
    char z[3 * 44 + 1]; /* lines laid end to end */
};

static bool is_alpha_or_filler(char c)
{
    return (c >= 'A' && c <= 'Z') || c == '<';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Every field has its type, and every printed check digit holds. */
static bool consistent(const struct zone *q)
{
    const char *z = q->z;
    int W = q->width;
    for (int i = 0; i < q->lines * W; i++)
        if (val(z[i]) < 0)
            return false;
    /* Letter fields: code, states, name, sex. */
    int l2 = q->k == TD1 ? W : W; /* line 2 starts at W in every layout */
    int name_off = q->k == TD1 ? 2 * W : 5, name_len = q->k == TD1 ? W : W - 5;
    int nat = q->k == TD1 ? W + 15 : l2 + 10;
    for (int i = 0; i < 5; i++)
        if (!is_alpha_or_filler(z[i]))
            return false;
    for (int i = 0; i < name_len; i++)
        if (!is_alpha_or_filler(z[name_off + i]))
            return false;
    for (int i = 0; i < 3; i++)
        if (!is_alpha_or_filler(z[nat + i]))
            return false;
    int dob = q->k == TD1 ? W : l2 + 13, exp = dob + 8, sex = dob + 7;
    if (z[sex] != 'F' && z[sex] != 'M' && z[sex] != 'X' && z[sex] != '<')
        return false;
    for (int i = 0; i < 7; i++)
        if (!is_digit(z[dob + i]) || !is_digit(z[exp + i]))
            return false;
    int s_dob[1][2] = {{dob, 6}}, s_exp[1][2] = {{exp, 6}};
    if (!digit_at(z, dob + 6, digit_of(z, s_dob, 1)) || !digit_at(z, exp + 6, digit_of(z, s_exp, 1)))
        return false;
    /* Document number, with the TD1/TD2 long-number continuation. */
    int dn = q->k == TD1 ? 5 : l2, opt = q->k == TD1 ? 15 : l2 + 28;
    int optlen = q->k == TD1 ? 15 : q->k == TD2 ? 7 : 0;
    if ((q->k == TD1 || q->k == TD2) && z[dn + 9] == '<' && z[opt] != '<') {
        int k = 0;
        while (k < optlen && z[opt + k] != '<')
            k++;
        if (k < 2)
            return false;
        int s[2][2] = {{dn, 9}, {opt, k - 1}};
        if (!digit_at(z, opt + k - 1, digit_of(z, s, 2)))
            return false;
    } else {
        int s[1][2] = {{dn, 9}};
        if (!digit_at(z, dn + 9, digit_of(z, s, 1)))
            return false;
    }
    if (q->k == TD3) {
        int s[1][2] = {{l2 + 28, 14}};
        bool empty = true;
        for (int i = 0; i < 14; i++)
            empty = empty && z[l2 + 28 + i] == '<';
        if (!(empty && z[l2 + 42] == '<') && !digit_at(z, l2 + 42, digit_of(z, s, 1)))
            return false;
        int c[3][2] = {{l2, 10}, {l2 + 13, 7}, {l2 + 21, 22}};
        return digit_at(z, l2 + 43, digit_of(z, c, 3));
    }
    if (q->k == TD2) {
        int c[3][2] = {{l2, 10}, {l2 + 13, 7}, {l2 + 21, 14}};
        return digit_at(z, l2 + 35, digit_of(z, c, 3));
    }
    if (q->k == TD1) {
        int c[4][2] = {{5, 25}, {W, 7}, {W + 8, 7}, {W + 18, 11}};
        return digit_at(z, W + 29, digit_of(z, c, 4));
    }
    return true; /* visas have no composite */
}

/* ---- a generator of valid zones ---------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void fill(char *p, int n, const char *set)
{
    size_t m = strlen(set);
    for (int i = 0; i < n; i++)
        p[i] = set[rnd((unsigned)m)];
}

static const char *const states[] = {"UTO", "D<<", "FRA", "RUS", "NLD", "GBR", "ITA", "ESP", "UZB", "TJK"};

static void date6(char *p)
{
    unsigned v[3] = {rnd(100), 1 + rnd(12), 1 + rnd(28)};
    for (int i = 0; i < 3; i++) {
        p[2 * i] = (char)('0' + v[i] / 10);
        p[2 * i + 1] = (char)('0' + v[i] % 10);
    }
}

/* Fills one zone of kind k with random but well-formed content and correct
 * check digits. */
static void generate(struct zone *q, enum kind k)
{
    static const int widths[] = {30, 36, 44, 44, 36};
    q->k = k;
    q->width = widths[k];
    q->lines = k == TD1 ? 3 : 2;
    int W = q->width;
    char *z = q->z;
    memset(z, '<', sizeof q->z);
    z[q->lines * W] = '\0';
    const char *code = k == TD3 ? "P<" : k >= MRVA ? "V<" : (rnd(2) ? "ID" : "I<");
    memcpy(z, code, 2);
    memcpy(z + 2, states[rnd(10)], 3);
    /* Name: SURNAME<<GIVEN<NAMES, letters only. */
    int name_off = k == TD1 ? 2 * W : 5, name_len = k == TD1 ? W : W - 5;
    int sl = 3 + (int)rnd(8), gl = 2 + (int)rnd(6);
    fill(z + name_off, sl, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (sl + 2 + gl <= name_len)
        fill(z + name_off + sl + 2, gl, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    int dn = k == TD1 ? 5 : W, opt = k == TD1 ? 15 : W + 28;
    int nat = k == TD1 ? W + 15 : W + 10, dob = k == TD1 ? W : W + 13;
    bool longnum = (k == TD1 || k == TD2) && rnd(8) == 0;
    int dnl = 6 + (int)rnd(4);
    fill(z + dn, dnl, "0123456789ABCDEFGHJKLMNPRSTUVWXYZ");
    if (longnum) {
        fill(z + dn, 9, "0123456789ABCDEFGHJKLMNPRSTUVWXYZ");
        z[dn + 9] = '<';
        int extra = 1 + (int)rnd(3);
        fill(z + opt, extra, "0123456789");
        int s[2][2] = {{dn, 9}, {opt, extra}};
        z[opt + extra] = (char)('0' + digit_of(z, s, 2));
    } else {
        int s[1][2] = {{dn, 9}};
        z[dn + 9] = (char)('0' + digit_of(z, s, 1));
    }
    memcpy(z + nat, states[rnd(10)], 3);
    date6(z + dob);
    int s_dob[1][2] = {{dob, 6}};
    z[dob + 6] = (char)('0' + digit_of(z, s_dob, 1));
    z[dob + 7] = "FM<"[rnd(3)];
    date6(z + dob + 8);
    int s_exp[1][2] = {{dob + 8, 6}};
    z[dob + 14] = (char)('0' + digit_of(z, s_exp, 1));
    /* Optional data: mixed letters and digits, sometimes empty. */
    if (k == TD3) {
        if (rnd(3)) {
            fill(z + W + 28, 3 + (int)rnd(11), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            int s[1][2] = {{W + 28, 14}};
            z[W + 42] = (char)('0' + digit_of(z, s, 1));
        } else {
            z[W + 42] = rnd(2) ? '<' : '0';
        }
        int c[3][2] = {{W, 10}, {W + 13, 7}, {W + 21, 22}};
        z[W + 43] = (char)('0' + digit_of(z, c, 3));
    } else if (k == TD2) {
        if (!longnum && rnd(2))
            fill(z + W + 28, 1 + (int)rnd(6), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        int c[3][2] = {{W, 10}, {W + 13, 7}, {W + 21, 14}};
        z[W + 35] = (char)('0' + digit_of(z, c, 3));
    } else if (k == TD1) {
        if (!longnum && rnd(2))
            fill(z + 15, 1 + (int)rnd(14), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        if (rnd(2))
            fill(z + W + 18, 1 + (int)rnd(10), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        int c[4][2] = {{5, 25}, {W, 7}, {W + 8, 7}, {W + 18, 11}};
        z[W + 29] = (char)('0' + digit_of(z, c, 4));
    } else {
        if (rnd(2))
            fill(z + W + 28, 1 + (int)rnd((unsigned)(W - 28)), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    }
}

/* The zone as text: lines joined by '\n'. */
static size_t as_text(const struct zone *q, char *out)
{
    size_t n = 0;
    for (int l = 0; l < q->lines; l++) {
        memcpy(out + n, q->z + l * q->width, (size_t)q->width);
        n += (size_t)q->width;
        out[n++] = '\n';
    }
    out[n] = '\0';
    return n;
}

/* The "mrz" lines of an answer laid end to end. */
static void answer_lines(const json_t *o, char *out)
{
    size_t n = 0, i;
    json_t *l;
    json_array_foreach (json_object_get(o, "mrz"), i, l) {
        memcpy(out + n, json_string_value(l), json_string_length(l));
        n += json_string_length(l);
    }
    out[n] = '\0';
}

/* ---- the sweep ------------------------------------------------------------ */

struct tally {
    unsigned long mutants, valid_as_given, invalid, repaired_to_original;
};

/* Checks one outcome against the rule; fails the test on a false valid. */
static void judge(
    const struct zone *orig, const struct zone *mut, const char *got, enum mrz_status st, bool image, struct tally *t)
{
    if (!image)
        assert_string_equal(got, mut->z); /* typed text is never changed */
    if (st == MRZ_INVALID) {
        t->invalid++;
        return;
    }
    if (strcmp(got, orig->z) == 0 && strcmp(got, mut->z) != 0) {
        assert_true(image);
        assert_int_equal(st, MRZ_VALID_AFTER_REPAIRS);
        t->repaired_to_original++;
        return;
    }
    if (strcmp(got, mut->z) != 0 || !consistent(mut))
        fail_msg("false valid: given\n%s\nanswered valid as\n%s\n(original %s)", mut->z, got, orig->z);
    assert_int_equal(st, MRZ_VALID);
    t->valid_as_given++;
}

/* The JSON answer agrees with the verdict (checked on a share of the
 * mutants: building JSON is what makes a sweep slow). */
static void same_as_json(const char *text, size_t tl, const char *alt, bool image, const struct mrz_verdict *v)
{
    json_t *o = NULL;
    err_t e = {0};
    int r = image ? mrz_check_ocr(text, alt, tl, NULL, today, &o, &e) : mrz_check_text(text, tl, NULL, today, &o, &e);
    assert_int_equal(r, 0);
    char got[3 * 44 + 1];
    answer_lines(o, got);
    assert_string_equal(got, v->zone);
    static const char *const names[] = {"invalid", "valid", "valid_after_repairs"};
    assert_string_equal(json_string_value(json_object_get(o, "status")), names[v->status]);
    assert_int_equal(json_is_true(json_object_get(o, "valid")), v->status != MRZ_INVALID);
    json_t *checks = json_object_get(o, "checks"), *c;
    size_t i;
    unsigned failed_not_expiry = 0;
    json_array_foreach (checks, i, c)
        failed_not_expiry += !json_is_true(json_object_get(c, "passed")) &&
                             strcmp(json_string_value(json_object_get(c, "name")), "not_expired") != 0;
    assert_int_equal(failed_not_expiry, v->failed_not_expiry);
    if (!image)
        assert_int_equal(json_array_size(json_object_get(o, "repairs")), 0);
    json_decref(o);
}

/* alt_mode 0: no reader candidates; 1: the reader offered the original
 * character as its second candidate at the changed position. */
static void sweep(enum kind k, int nzones, bool image, int alt_mode)
{
    struct tally t = {0};
    char text[3 * 45 + 1], alt[3 * 45 + 1];
    for (int n = 0; n < nzones; n++) {
        struct zone q;
        generate(&q, k);
        assert_true(consistent(&q));
        int len = q.lines * q.width;
        for (int p = 0; p < len; p++)
            for (const char *c = ALPHABET; *c; c++) {
                if (*c == q.z[p])
                    continue;
                struct zone m = q;
                m.z[p] = *c;
                size_t tl = as_text(&m, text);
                memset(alt, ' ', tl);
                alt[tl] = '\0';
                if (alt_mode)
                    alt[p + p / q.width] = q.z[p];
                struct mrz_verdict v;
                err_t e = {0};
                assert_int_equal(mrz_verdict(text, alt_mode ? alt : NULL, tl, image, today, &v, &e), 0);
                judge(&q, &m, v.zone, v.status, image, &t);
                if ((n * len + p) % 97 == 0)
                    same_as_json(text, tl, alt_mode ? alt : NULL, image, &v);
                t.mutants++;
            }
    }
    print_message("%s %s%s: %lu mutants: %lu invalid, %lu repaired to the original, %lu valid as given "
                  "(consistent zones no check digit can tell apart)\n",
        (const char *[]){"TD1", "TD2", "TD3", "MRV-A", "MRV-B"}[k], image ? "image" : "text",
        alt_mode ? " with the reader's candidate" : "", t.mutants, t.invalid, t.repaired_to_original, t.valid_as_given);
    /* Not vacuous: most mutants are caught (the rest are mostly letters of
     * the name, which no check digit covers). */
    assert_true(t.invalid + t.repaired_to_original > t.mutants * 3 / 5);
    if (alt_mode)
        assert_true(t.repaired_to_original > t.mutants / 8);
}

#define ZONES 120 /* per layout and path: 120 x 3 x 3 + 60 = 1140 zones, ~3.5 million mutants */

static void test_sweep_td1_text(void **s)
{
    (void)s;
    sweep(TD1, ZONES, false, 0);
}
static void test_sweep_td2_text(void **s)
{
    (void)s;
    sweep(TD2, ZONES, false, 0);
}
static void test_sweep_td3_text(void **s)
{
    (void)s;
    sweep(TD3, ZONES, false, 0);
}
static void test_sweep_visa_text(void **s)
{
    (void)s;
    sweep(MRVA, ZONES / 4, false, 0);
    sweep(MRVB, ZONES / 4, false, 0);
}
static void test_sweep_td1_image(void **s)
{
    (void)s;
    sweep(TD1, ZONES, true, 0);
    sweep(TD1, ZONES, true, 1);
}
static void test_sweep_td2_image(void **s)
{
    (void)s;
    sweep(TD2, ZONES, true, 0);
    sweep(TD2, ZONES, true, 1);
}
static void test_sweep_td3_image(void **s)
{
    (void)s;
    sweep(TD3, ZONES, true, 0);
    sweep(TD3, ZONES, true, 1);
}

/* The generator and the model agree with the ICAO specimens. */
static void test_model_on_specimens(void **s)
{
    (void)s;
    struct zone q = {TD3, 44, 2,
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
    assert_true(consistent(&q));
    q.z[44 + 43] = '1';
    assert_false(consistent(&q));
    struct zone t1 = {TD1, 30, 3,
        "I<UTOD231458907<<<<<<<<<<<<<<<"
        "7408122F1204159UTO<<<<<<<<<<<6"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
    assert_true(consistent(&t1));
    struct zone t2 = {TD2, 36, 2,
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
        "D231458907UTO7408122F1204159<<<<<<<6"};
    assert_true(consistent(&t2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_on_specimens),
        cmocka_unit_test(test_sweep_td1_text),
        cmocka_unit_test(test_sweep_td2_text),
        cmocka_unit_test(test_sweep_td3_text),
        cmocka_unit_test(test_sweep_visa_text),
        cmocka_unit_test(test_sweep_td1_image),
        cmocka_unit_test(test_sweep_td2_image),
        cmocka_unit_test(test_sweep_td3_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
