/* libFuzzer target for docs/settlement: the catalogue's file parser
 * (data/settlements/catalogue.txt, read at start) and the settlement typed
 * in the app's forms (POST /api/v1/address-checks, from the network).
 *
 * The input is a catalogue's text and a typed settlement, split at the first
 * NUL byte (no NUL: all of it is the catalogue, and it is also looked up).
 * Properties: no read or write out of bounds, no leak; a refused catalogue
 * leaves an error code and no catalogue; an accepted one holds at least one
 * name; a lookup answers unknown (NULL) or a region code in use, in the
 * parsed catalogue and in a fixed one (so the matcher is fuzzed even when
 * the text does not parse). A broken promise traps. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "docs/settlement.h"
#include "rules/region_code.h"

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            __builtin_trap();                                                                                          \
    } while (0)

static const char fixed_text[] = "77 Москва\n77 Moscow\n77 Зеленоград\n50 Химки\n50 Сергиев Посад\n50 Орехово-Зуево\n";

static void check_answer(const char *region)
{
    CHECK(!region || (strlen(region) == 2 && region_code_known(region)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static settlement_catalogue_t *fixed;
    if (!fixed)
        CHECK(settlement_catalogue_parse(fixed_text, sizeof fixed_text - 1, &fixed, NULL) == 0);
    const char *text = (const char *)data;
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    const char *typed = nul ? (const char *)nul + 1 : text;
    size_t typed_len = nul ? size - text_len - 1 : size;

    settlement_catalogue_t *cat = NULL;
    err_t e = {0};
    int r = settlement_catalogue_parse(text, text_len, &cat, &e);
    CHECK((r == 0) == (cat != NULL));
    CHECK(r == 0 || e.code[0]);
    CHECK(r < 0 || settlement_catalogue_size(cat) > 0);
    check_answer(settlement_region(cat, typed, typed_len));
    check_answer(settlement_region(fixed, typed, typed_len));
    settlement_catalogue_free(cat);
    return 0;
}
