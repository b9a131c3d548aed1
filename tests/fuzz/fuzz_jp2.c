/* libFuzzer target for bio/jp2 (JPEG 2000 inside SBI records): any bytes
 * must be decoded or refused with a code, without a crash, a leak or an
 * allocation beyond the limits jp2_info checks; a decoded image must have
 * the size its header declared. Seeds: tests/fuzz/corpus/fuzz_jp2 (the
 * smaller MOSIP images, as a JP2 file and as a bare codestream). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bio/jp2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jp2_info_t info;
    err_t e = {0};
    int ri = jp2_info(data, size, &info, &e);
    raster_t *r = NULL;
    int rc = jp2_decode(data, size, 0, &r, &e);
    if (rc < 0) {
        if (r || !e.code[0])
            __builtin_trap();
        return 0;
    }
    /* decoded: the header was accepted and told the truth */
    if (ri < 0 || r->width != info.width || r->height != info.height || (r->channels != 1 && r->channels != 3))
        __builtin_trap();
    raster_free(r);
    return 0;
}
