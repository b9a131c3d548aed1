/* libFuzzer target for notify/catalog: the .po parser and the renderer.
 * Input: .po text, optionally followed by a 0xff byte and a JSON params
 * text. Nothing may crash or leak, and whatever is rendered (whole or cut)
 * must be valid UTF-8. */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify/catalog.h"

static void render_checked(const catalog_t *cat, const char *key, const char *params, size_t cap)
{
    char buf[4096];
    int r = catalog_render(cat, "xx", key, params, buf, cap, NULL);
    if (r == 0 || r == -ERANGE) {
        json_t *s = json_stringn(buf, strlen(buf)); /* NULL for invalid UTF-8 */
        if (!s || strlen(buf) >= cap)
            __builtin_trap();
        json_decref(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    const uint8_t *sep = memchr(data, 0xff, size);
    size_t po_len = sep ? (size_t)(sep - data) : size;
    size_t pl = sep ? size - po_len - 1 : 0;
    char *params = malloc(pl + 1);
    if (pl)
        memcpy(params, sep + 1, pl);
    params[pl] = '\0';
    catalog_t *cat = NULL;
    if (catalog_new(&cat, NULL) == 0 && catalog_add_po(cat, "xx", (const char *)data, po_len, NULL) == 0) {
        static const char *const keys[] = {"a", "b", "date.pattern", "", "{a}"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            render_checked(cat, keys[i], params, 4096);
            render_checked(cat, keys[i], params, 1 + (size & 31));
        }
    }
    catalog_free(cat);
    free(params);
    return 0;
}
