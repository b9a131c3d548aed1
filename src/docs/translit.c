#include "docs/translit.h"

#include "base/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ICAO 9303 Part 3 Cyrillic table, indexed by code point - 0x400 for the
 * capitals U+0400..U+042F. "" means the letter is omitted (Ь). */
static const char *const cyrillic[0x30] = {
    "E", "E", "D", "G", "IE", "DZ", "I", "I",     /* Ѐ Ё Ђ Ѓ Є Ѕ І Ї */
    "J", "LJ", "NJ", "C", "K", "I", "U", "DZ",    /* Ј Љ Њ Ћ Ќ Ѝ Ў Џ */
    "A", "B", "V", "G", "D", "E", "ZH", "Z",      /* А Б В Г Д Е Ж З */
    "I", "I", "K", "L", "M", "N", "O", "P",       /* И Й К Л М Н О П */
    "R", "S", "T", "U", "F", "KH", "TS", "CH",    /* Р С Т У Ф Х Ц Ч */
    "SH", "SHCH", "IE", "Y", "", "E", "IU", "IA", /* Ш Щ Ъ Ы Ь Э Ю Я */
};

/* Latin-1 capitals U+00C0..U+00DF per ICAO 9303 Part 3 Table A. NULL marks
 * the two non-letters (× at D7) that no name may contain. */
static const char *const latin1[0x20] = {
    "A", "A", "A", "A", "AE", "AA", "AE", "C",  /* À Á Â Ã Ä Å Æ Ç */
    "E", "E", "E", "E", "I", "I", "I", "I",     /* È É Ê Ë Ì Í Î Ï */
    "D", "N", "O", "O", "O", "O", "OE", NULL,   /* Ð Ñ Ò Ó Ô Õ Ö × */
    "OE", "U", "U", "U", "UE", "Y", "TH", "SS", /* Ø Ù Ú Û Ü Ý Þ ß */
};

/* Maps one code point to its Latin spelling. Sets *sep for separators.
 * Returns the spelling ("" = drop), or NULL when the letter is unsupported. */
static const char *spell(int32_t cp, int *sep)
{
    *sep = 0;
    if (cp == ' ' || cp == '-' || cp == '<' || cp == '\t' || cp == 0x2010 || cp == 0x2011) {
        *sep = 1;
        return "";
    }
    if (cp == '\'' || cp == '.' || cp == 0x2019 || cp == 0x02BC)
        return "";
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')) {
        static const char *const letters[26] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N",
            "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z"};
        return letters[(cp | 0x20) - 'a'];
    }
    if (cp >= 0xC0 && cp <= 0xFF && cp != 0xF7)
        return cp == 0xFF ? "Y" : cp == 0xDF ? "SS" : latin1[(cp & ~0x20) - 0xC0];
    if (cp >= 0x400 && cp <= 0x42F)
        return cyrillic[cp - 0x400];
    if (cp >= 0x430 && cp <= 0x44F)
        return cyrillic[cp - 0x430 + 0x10];
    if (cp >= 0x450 && cp <= 0x45F)
        return cyrillic[cp - 0x450];
    if (cp == 0x490 || cp == 0x491) /* Ґ */
        return "G";
    return NULL;
}

int translit_to_latin(const char *s, size_t len, char **ret_latin, err_t *err)
{
    if (!s && len > 0)
        return err_set(err, -EINVAL, "name_invalid_utf8", "The name is missing.");
    if (len > TRANSLIT_INPUT_MAX)
        return err_set(err, -EINVAL, "name_too_long", "The name is longer than %d bytes.", TRANSLIT_INPUT_MAX);
    /* The longest spelling is 4 letters (SHCH) for a 2-byte letter. */
    char *out = malloc(2 * len + 1);
    if (!out)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    size_t n = 0, i = 0;
    int pending_sep = 0;
    while (i < len) {
        int32_t cp = utf8_next((const unsigned char *)s, len, &i);
        int sep;
        const char *sp = cp < 0 ? NULL : spell(cp, &sep);
        if (!sp) {
            free(out);
            return cp < 0 ? err_set(err, -EINVAL, "name_invalid_utf8", "The name is not valid UTF-8.")
                          : err_set(err, -EINVAL, "name_unsupported_char",
                                "The name has a character that has no Latin spelling (U+%04X); "
                                "type it as printed in the document.",
                                (unsigned)cp);
        }
        if (sep) {
            pending_sep = n > 0;
            continue;
        }
        if (*sp && pending_sep)
            out[n++] = ' ';
        if (*sp)
            pending_sep = 0;
        size_t sl = strlen(sp);
        memcpy(out + n, sp, sl);
        n += sl;
    }
    out[n] = '\0';
    *ret_latin = out;
    return 0;
}

/* Folds the spellings that older Russian and European schemes use for the
 * same letters, so that YURIY ALEXEYEV and IURII ALEKSEEV give one key:
 * X→KS, W→V, J/Y→I, then KH→H, TS/TZ→C, IE→E, IO→E, then doubled letters
 * collapse. Applied to both sides, so it can only make more names equal. */
static char *variant_key(const char *s)
{
    size_t len = strlen(s);
    char *a = malloc(2 * len + 1), *b = malloc(2 * len + 1);
    if (!a || !b) {
        free(a);
        free(b);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == 'X') {
            a[n++] = 'K';
            c = 'S';
        }
        a[n++] = c == 'W' ? 'V' : (c == 'J' || c == 'Y') ? 'I' : c;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        char c = a[i], d = i + 1 < n ? a[i + 1] : '\0';
        if ((c == 'K' && d == 'H') || (c == 'T' && (d == 'S' || d == 'Z')) || (c == 'I' && (d == 'E' || d == 'O'))) {
            c = c == 'K' ? 'H' : c == 'T' ? 'C' : 'E';
            i++;
        }
        if (m == 0 || b[m - 1] != c)
            b[m++] = c;
    }
    b[m] = '\0';
    free(a);
    return b;
}

enum translit_match translit_compare(const char *typed, const char *doc, bool doc_truncated)
{
    if (!typed || !doc)
        return TRANSLIT_MISMATCH;
    if (strcmp(typed, doc) == 0)
        return TRANSLIT_EXACT;
    size_t dl = strlen(doc);
    if (doc_truncated && dl > 0 && strncmp(typed, doc, dl) == 0)
        return TRANSLIT_TRUNCATED;
    char *kt = variant_key(typed), *kd = variant_key(doc);
    enum translit_match m = TRANSLIT_MISMATCH;
    if (kt && kd) {
        size_t kl = strlen(kd);
        if (strcmp(kt, kd) == 0)
            m = TRANSLIT_VARIANT;
        else if (doc_truncated && kl > 0 && strncmp(kt, kd, kl) == 0)
            m = TRANSLIT_TRUNCATED;
    }
    free(kt);
    free(kd);
    return m;
}

const char *translit_match_name(enum translit_match m)
{
    switch (m) {
        case TRANSLIT_EXACT: return "exact";
        case TRANSLIT_TRUNCATED: return "truncated";
        case TRANSLIT_VARIANT: return "variant";
        default: return "mismatch";
    }
}
