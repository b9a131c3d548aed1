#include "rules/namematch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/distance.h"
#include "base/utf8.h"
#include "docs/translit.h"

/* Letters of Central Asian alphabets that ICAO 9303 Part 3 lacks, with the
 * Latin the applicants' own passports print for them (Tajik and Uzbek
 * official Latin, Kazakh passports). Capital and small letter are adjacent
 * code points in every row. The skeleton then folds GH→G, Q→K, J, H. */
static const struct {
    int32_t cp;        /* capital letter; cp + 1 is the small one */
    const char *latin; /* its spelling before folding */
} extra[] = {
    {0x0492, "GH"}, /* Ғ Tajik, Uzbek Cyrillic, Kazakh, Kyrgyz (Uzbek Latin G‘) */
    {0x049A, "Q"},  /* Қ Tajik, Uzbek Cyrillic, Kazakh */
    {0x04A2, "NG"}, /* Ң Kazakh, Kyrgyz */
    {0x04AE, "U"},  /* Ү Kazakh, Kyrgyz */
    {0x04B0, "U"},  /* Ұ Kazakh */
    {0x04B2, "H"},  /* Ҳ Tajik, Uzbek Cyrillic */
    {0x04B6, "J"},  /* Ҷ Tajik */
    {0x04BA, "H"},  /* Һ Kazakh */
    {0x04D8, "A"},  /* Ә Kazakh */
    {0x04E2, "I"},  /* Ӣ Tajik */
    {0x04EE, "U"},  /* Ӯ Tajik */
    {0x015E, "SH"}, /* Ş Turkmen, Azerbaijani Latin */
    {0x011E, "G"},  /* Ğ Azerbaijani Latin */
    {0x018F, "A"},  /* Ə Azerbaijani Latin (small ə is U+0259, below) */
    {0x017D, "ZH"}, /* Ž Turkmen Latin */
    {0x0147, "N"},  /* Ň Turkmen Latin */
};

static int is_modifier(int32_t cp)
{
    /* ' ` ‘ ’ ʻ ʼ: Uzbek Latin writes O‘ and G‘ with any of them. */
    return cp == 0x27 || cp == 0x60 || cp == 0x2018 || cp == 0x2019 || cp == 0x02BB || cp == 0x02BC;
}

/* Rewrites the letters docs/translit does not know into Latin, and O‘ G‘
 * (and Cyrillic Ў) per `ou_as_u`. The output is never longer than the
 * input: every replacement is at most as long as the letter it replaces. */
static int prepass(const char *s, size_t len, int ou_as_u, char **ret, err_t *err)
{
    char *out = malloc(len + 1);
    if (!out)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    size_t n = 0, i = 0;
    int32_t prev = 0;
    while (i < len) {
        int32_t cp = utf8_next((const unsigned char *)s, len, &i);
        if (cp < 0) {
            free(out);
            return err_set(err, -EINVAL, "name_invalid_utf8", "The name is not valid UTF-8.");
        }
        const char *rep = NULL;
        if (is_modifier(cp)) {
            if ((prev == 'O' || prev == 'o') && ou_as_u)
                out[n - 1] = 'U';
            rep = ""; /* G‘ is G; other apostrophes are dropped */
        } else if (cp == 0x040E || cp == 0x045E || cp == 0x04E8 || cp == 0x04E9) {
            rep = ou_as_u ? "U" : "O"; /* Ў (the Cyrillic O‘) and Kazakh Ө: Russian gives О or У */
        } else if (cp == 0x0259) {
            rep = "A"; /* ə */
        } else if (cp == 0x0130 || cp == 0x0131) {
            rep = "I"; /* İ ı */
        } else {
            for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++)
                if (cp == extra[k].cp || cp == extra[k].cp + 1)
                    rep = extra[k].latin;
        }
        if (rep) {
            size_t rl = strlen(rep);
            memcpy(out + n, rep, rl);
            n += rl;
        } else {
            n += utf8_put(out + n, cp);
        }
        prev = cp;
    }
    out[n] = '\0';
    *ret = out;
    return 0;
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* Folds a Latin spelling (A-Z words, single spaces) to its skeleton. */
static char *fold(const char *latin, int x_as_ks)
{
    size_t len = strlen(latin);
    char *a = malloc(2 * len + 1);
    if (!a)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const char *p = latin + i;
        static const struct {
            const char *from, *to;
        } seq[] = {
            {"DZH", "J"},
            {"DJ", "J"},
            {"ZH", "J"},
            {"KH", "H"},
            {"GH", "G"},
            {"YU", "IU"},
            {"YA", "IA"},
            {"YE", "E"},
            {"YO", "E"},
        };
        size_t k = 0;
        for (; k < sizeof seq / sizeof seq[0]; k++)
            if (starts(p, seq[k].from))
                break;
        if (k < sizeof seq / sizeof seq[0]) {
            size_t tl = strlen(seq[k].to);
            memcpy(a + n, seq[k].to, tl);
            n += tl;
            i += strlen(seq[k].from);
            continue;
        }
        char c = *p;
        if (c == 'X' && x_as_ks) {
            a[n++] = 'K';
            a[n++] = 'S';
        } else {
            a[n++] = c == 'X' ? 'H' : c == 'Q' ? 'K' : c == 'Y' ? 'I' : c;
        }
        i++;
    }
    /* Й after И (ИЙ → II) and the older -IY both end as one I. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!(a[i] == 'I' && m > 0 && a[m - 1] == 'I'))
            a[m++] = a[i];
    a[m] = '\0';
    return a;
}

static int latin_of(const char *s, size_t len, int ou_as_u, char **ret, err_t *err)
{
    if (!s && len > 0)
        return err_set(err, -EINVAL, "name_invalid_utf8", "The name is missing.");
    if (len > NAMEMATCH_INPUT_MAX)
        return err_set(err, -EINVAL, "name_too_long", "The name is longer than %d bytes.", NAMEMATCH_INPUT_MAX);
    char *pre = NULL;
    int r = prepass(s ? s : "", len, ou_as_u, &pre, err);
    if (r < 0)
        return r;
    r = translit_to_latin(pre, strlen(pre), ret, err);
    free(pre);
    return r;
}

int namematch_skeleton(const char *s, size_t len, int ou_as_u, int x_as_ks, char **ret, err_t *err)
{
    char *latin = NULL;
    int r = latin_of(s, len, ou_as_u, &latin, err);
    if (r < 0)
        return r;
    char *sk = fold(latin, x_as_ks);
    free(latin);
    if (!sk)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    *ret = sk;
    return 0;
}

/* Look-alike letters folded, in place: SHCH as SH (Щ read by OCR for Ш,
 * whose look-alike it is but for a descender: SHCHAKHNOZA for SHAKHNOZA),
 * then CH as J (Tajik Ҷ written, or read by OCR, as its Russian look-alike
 * Ч). */
static void lookalikes(char *s)
{
    char *o = s;
    for (const char *p = s; *p; p++)
        if (strncmp(p, "SHCH", 4) == 0)
            *o++ = 'S', *o++ = 'H', p += 3;
        else if (p[0] == 'C' && p[1] == 'H')
            *o++ = 'J', p++;
        else
            *o++ = *p;
    *o = '\0';
}

/* True if s[0..len) is spelled as a machine-readable zone spells a name:
 * Latin capitals, spaces, hyphens and '<' alone, with no apostrophe. The
 * zone drops the mark of Uzbek O‘ (ICAO 9303 Part 3 keeps A-Z only), so
 * any O of such a spelling may stand for O‘, which Russian writes as У. */
static int zone_spelling(const char *s, size_t len)
{
    int letters = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            letters++;
        else if (c != ' ' && c != '-' && c != '<')
            return 0;
    }
    return letters > 0;
}

/* The edit distance (at most 2) between skeletons z (from a zone
 * spelling) and o, where an O of z against a U of o costs nothing. */
static size_t distance_zone_o(const char *z, const char *o)
{
    size_t n = strlen(z), m = strlen(o);
    if (n > NAMEMATCH_INPUT_MAX * 2 || m > NAMEMATCH_INPUT_MAX * 2 || (n > m ? n - m : m - n) > 1)
        return 2;
    size_t prev[NAMEMATCH_INPUT_MAX * 2 + 1], cur[NAMEMATCH_INPUT_MAX * 2 + 1];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t sub = prev[j - 1] + !(z[i - 1] == o[j - 1] || (z[i - 1] == 'O' && o[j - 1] == 'U'));
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (m + 1) * sizeof cur[0]);
    }
    return prev[m] < 2 ? prev[m] : 2;
}

/* The least distance (at most 2) between the skeletons of a and b over the
 * folds' choices: O‘ as O or U, X as H or KS, and the look-alikes on both sides or
 * not; and, when one side is spelled as a zone spells it and the other is
 * not, that side's O against the other's U (an O‘ whose mark the zone
 * dropped). A look-alike (lookalikes: CH as J, SHCH as SH) is one letter
 * misread or miswritten, but two letters to the skeleton: it counts only
 * when it makes the skeletons equal, and then as 1, so a registrar decides
 * (near), never the machine (a variant passes, a mismatch returns the
 * set). It is tried only while nothing better than 2 has been found, since
 * it can give no less than 1. */
static int least_distance(const char *a, size_t alen, const char *b, size_t blen, size_t *ret, err_t *err)
{
    size_t best = 2;
    int zone_a = zone_spelling(a, alen), zone_b = zone_spelling(b, blen);
    int r = 0;
    for (int ou = 0; ou < 2 && r == 0 && best > 0; ou++)
        for (int x = 0; x < 2 && r == 0 && best > 0; x++) {
            char *sa = NULL, *sb = NULL;
            r = namematch_skeleton(a, alen, ou, x, &sa, err);
            if (r == 0)
                r = namematch_skeleton(b, blen, ou, x, &sb, err);
            size_t d = 2;
            if (r == 0)
                r = distance_edit_utf8(sa, strlen(sa), sb, strlen(sb), 1, &d, err);
            if (r == 0 && d > 0 && zone_a != zone_b) {
                size_t dz = zone_a ? distance_zone_o(sa, sb) : distance_zone_o(sb, sa);
                d = dz < d ? dz : d;
            }
            if (r == 0 && d > 1 && best > 1) {
                lookalikes(sa), lookalikes(sb);
                if (strcmp(sa, sb) == 0)
                    d = 1;
            }
            if (r == 0)
                best = d < best ? d : best;
            free(sa);
            free(sb);
        }
    *ret = best;
    return r;
}

/* s[0..len) upper-cased into out (at least 4 * len + 1 bytes): the name as
 * written, for written_distance. Bytes that are not UTF-8 were refused
 * before this is called. */
static size_t written_upper(const char *s, size_t len, char *out)
{
    size_t n = 0, i = 0;
    while (i < len) {
        int32_t cp = utf8_next((const unsigned char *)s, len, &i);
        if (cp < 0)
            break;
        n += utf8_put(out + n, utf8_upper(cp));
    }
    out[n] = '\0';
    return n;
}

/* The edit distance (at most 2) between the two names as written, case
 * aside, code point by code point. One letter misread (Ш read Щ, a thing
 * OCR does) is one letter here but SH against SHCH in Latin: two edits to
 * the skeleton, which would make it another person's name. */
static int written_distance(const char *a, size_t alen, const char *b, size_t blen, size_t *ret, err_t *err)
{
    char ua[NAMEMATCH_INPUT_MAX * 4 + 1], ub[NAMEMATCH_INPUT_MAX * 4 + 1];
    size_t na = written_upper(a, alen, ua), nb = written_upper(b, blen, ub);
    return distance_edit_utf8(ua, na, ub, nb, 1, ret, err);
}

int namematch_compare(const char *a, size_t alen, const char *b, size_t blen, enum namematch_result *ret, err_t *err)
{
    char *la = NULL, *lb = NULL;
    int r = latin_of(a, alen, 0, &la, err);
    if (r == 0)
        r = latin_of(b, blen, 0, &lb, err);
    if (r < 0) {
        free(la);
        return r;
    }
    enum namematch_result res = NAMEMATCH_MISMATCH;
    if (!*la || !*lb) {
        res = NAMEMATCH_MISMATCH;
    } else if (strcmp(la, lb) == 0) {
        res = NAMEMATCH_EXACT;
    } else {
        size_t best = 2, written = 2;
        r = least_distance(a, alen, b, blen, &best, err);
        if (r == 0 && best > 1)
            r = written_distance(a, alen, b, blen, &written, err);
        best = written < best ? written : best;
        res = best == 0 ? NAMEMATCH_VARIANT : best == 1 ? NAMEMATCH_NEAR : NAMEMATCH_MISMATCH;
    }
    free(la);
    free(lb);
    if (r < 0)
        return r;
    *ret = res;
    return 0;
}

const char *namematch_result_name(enum namematch_result r)
{
    switch (r) {
        case NAMEMATCH_EXACT: return "exact";
        case NAMEMATCH_VARIANT: return "variant";
        case NAMEMATCH_NEAR: return "near";
        default: return "mismatch";
    }
}
