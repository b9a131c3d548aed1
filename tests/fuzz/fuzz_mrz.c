/* libFuzzer target for the MRZ text parser (docs/mrz) and, through the
 * cross-check, the transliteration of typed names. The first byte picks
 * "today", whether a typed object is passed and the path (typed text, or an
 * OCR reading whose second candidates are the text reversed); the rest is
 * the text. Invariants: typed text is never changed, and a zone is never
 * valid with a check digit that does not hold (mrz_verdict agrees with the
 * JSON answer). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "docs/mrz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct mrz_date today = {1990 + data[0] % 64, 1 + data[0] % 12, 1 + data[0] % 28};
    json_t *typed = NULL;
    if (data[0] & 1) {
        /* Use the tail as the typed names too, so odd UTF-8 reaches translit. */
        size_t n = size > 40 ? 40 : size - 1;
        typed = json_pack("{s:s%,s:s%,s:s,s:s}", "surname", (const char *)data + 1, n, "given_names",
            (const char *)data + 1, n / 2, "birth_date", "1974-08-12", "document_number", "L898902C3");
        /* json_pack rejects invalid UTF-8: fall back to plain ASCII names. */
        if (!typed)
            typed = json_pack("{s:s,s:s}", "surname", "Иванова", "given_names", "YURIY");
    }
    json_t *ret = NULL;
    err_t err;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    bool image = data[0] & 2;
    char alt[MRZ_TEXT_MAX];
    for (size_t i = 0; image && i < len && i < sizeof alt; i++)
        alt[i] = text[len - 1 - i];
    int r = image && len <= sizeof alt ? mrz_check_ocr(text, alt, len, typed, today, &ret, &err)
                                       : mrz_check_text(text, len, typed, today, &ret, &err);
    if (r == 0) {
        if (!json_is_object(ret))
            __builtin_trap();
        struct mrz_verdict v;
        bool ocr = image && len <= sizeof alt;
        if (mrz_verdict(text, ocr ? alt : NULL, len, ocr, today, &v, &err) != 0)
            __builtin_trap();
        if (json_is_true(json_object_get(ret, "valid")) != (v.status != MRZ_INVALID))
            __builtin_trap();
        if (!ocr && (json_array_size(json_object_get(ret, "repairs")) != 0 ||
                        !json_equal(json_object_get(ret, "mrz"), json_object_get(ret, "mrz_as_read"))))
            __builtin_trap();
        json_decref(ret);
    }
    json_decref(typed);
    return 0;
}
