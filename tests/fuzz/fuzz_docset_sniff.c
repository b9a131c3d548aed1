/* libFuzzer target for docset/sniff, the document-set intake's first look at
 * an uploaded page (JPEG and PNG headers, the PDF markers) before anything
 * is stored. The first byte picks the declared Content-Type. What sniff
 * accepts must hold its promises: the declared type, sides within the
 * limits. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/limits.h"
#include "docset/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const types[4] = {"image/jpeg", "image/png; q=1", "application/pdf", "text/plain"};
    const char *ct = types[data[0] & 3];
    enum sniff_media declared = sniff_declared(ct, strlen(ct));
    struct sniff_info info;
    err_t err;
    if (sniff_page(data + 1, size - 1, declared, &info, &err) != 0) {
        if (!err.code[0])
            __builtin_trap();
        return 0;
    }
    if (info.media != declared || declared == SNIFF_NONE)
        __builtin_trap();
    if (info.media != SNIFF_PDF &&
        (info.width == 0 || info.height == 0 || info.width > LIMIT_DOCSET_PAGE_SIDE ||
            info.height > LIMIT_DOCSET_PAGE_SIDE || (uint64_t)info.width * info.height > LIMIT_DOCSET_PAGE_PIXELS))
        __builtin_trap();
    if (sniff_media_from_name(sniff_media_name(info.media)) != info.media)
        __builtin_trap();
    return 0;
}
