/* libFuzzer target for the MRZ text parser (docs/mrz) and, through the
 * cross-check, the transliteration of typed names. The first byte picks
 * "today" and whether a typed object is passed; the rest is the text. */
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
        typed = json_pack("{s:s%,s:s%,s:s,s:s}", "surname", (const char *)data + 1, n,
                          "given_names", (const char *)data + 1, n / 2, "birth_date", "1974-08-12",
                          "document_number", "L898902C3");
        /* json_pack rejects invalid UTF-8: fall back to plain ASCII names. */
        if (!typed)
            typed = json_pack("{s:s,s:s}", "surname", "Иванова", "given_names", "YURIY");
    }
    json_t *ret = NULL;
    err_t err;
    if (mrz_check_text((const char *)data + 1, size - 1, typed, today, &ret, &err) == 0) {
        if (!json_is_object(ret))
            __builtin_trap();
        json_decref(ret);
    }
    json_decref(typed);
    return 0;
}
