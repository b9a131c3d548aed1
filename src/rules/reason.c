#include "rules/reason.h"

#include <errno.h>
#include <stdint.h>

#include "base/utf8.h"

/* NFKC for the compatibility forms that matter here: full-width ASCII. */
static uint32_t fold(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFF5E)
        return c - 0xFF01 + 0x21;
    return c;
}

static bool invisible(uint32_t c)
{
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0xAD || c == 0x34F || c == 0x61C || c == 0x115F ||
           c == 0x1160 || c == 0x17B4 || c == 0x17B5 || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x206F) || c == 0x3164 || c == 0xFEFF || c == 0xFFA0 ||
           (c >= 0xFFF0 && c <= 0xFFFB) || (c >= 0xE0000 && c <= 0xE007F) || (c >= 0xFE00 && c <= 0xFE0F);
}

static bool is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

/* Letters of the scripts uchet's people and officers write in. */
static bool is_letter(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||       /* Latin-1, Latin Extended A/B */
           (c >= 0x370 && c <= 0x3FF && c != 0x37E && c != 0x387) ||    /* Greek */
           (c >= 0x400 && c <= 0x52F && !(c >= 0x482 && c <= 0x489)) || /* Cyrillic */
           (c >= 0x531 && c <= 0x587) ||                                /* Armenian */
           (c >= 0x5D0 && c <= 0x5EA) || (c >= 0x620 && c <= 0x64A) || (c >= 0x671 && c <= 0x6D3) ||
           (c >= 0x10A0 && c <= 0x10FF) || /* Georgian */
           (c >= 0x1E00 && c <= 0x1EFF) || /* Latin Extended Additional */
           (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xAC00 && c <= 0xD7A3); /* kana, CJK, Hangul */
}

static bool in_reference(uint32_t c)
{
    return is_letter(c) || is_digit(c) || c == '-' || c == '/' || c == '.' || c == 0x2116; /* № */
}

int reason_check(const char *s, size_t len, int min_visible, int max_chars, int flags, err_t *err)
{
    const unsigned char *p = (const unsigned char *)s;
    int visible = 0, chars = 0, word_digits = 0, best_digits = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp = utf8_next(p, len, &i);
        if (cp < 0)
            return err_set(err, -EINVAL, "invalid_reason", "The reason is not valid UTF-8 text.");
        chars++;
        uint32_t c = fold((uint32_t)cp);
        if (c == '\n' && (flags & REASON_ALLOW_NEWLINE)) {
            word_digits = 0;
            continue;
        }
        if (invisible(c))
            return err_set(err, -EINVAL, "invalid_reason",
                "The reason holds invisible or control characters; write it in plain words.");
        if (is_letter(c) || is_digit(c))
            visible++;
        if (in_reference(c)) {
            word_digits += is_digit(c);
            if (word_digits > best_digits)
                best_digits = word_digits;
        } else {
            word_digits = 0;
        }
    }
    if (chars > max_chars)
        return err_set(err, -EINVAL, "invalid_reason", "The reason must have at most %d characters.", max_chars);
    if (visible < min_visible)
        return err_set(
            err, -EINVAL, "invalid_reason", "State the reason in words: at least %d letters or digits.", min_visible);
    if ((flags & REASON_NEED_REFERENCE) && best_digits < REASON_REFERENCE_DIGITS)
        return err_set(err, -EINVAL, "invalid_reason",
            "State the case or reference number the look-up is for (at least %d digits, "
            "e.g. \"case 2025/117\").",
            REASON_REFERENCE_DIGITS);
    return 0;
}
