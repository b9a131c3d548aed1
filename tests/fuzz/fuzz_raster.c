/* libFuzzer target for bio/raster's decoders (PNG via libpng, JPEG via
 * libjpeg): capture images arrive from devices and kiosks as bytes. The
 * first byte picks the channels asked for; a decoded image is re-encoded
 * and scored, so that whatever decodes is also safe to judge. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bio/fpquality.h"
#include "bio/raster.h"
#include "bio/sigcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const uint32_t want[4] = {0, 1, 3, 0};
    raster_t *r = NULL;
    err_t err;
    if (raster_decode(data + 1, size - 1, want[data[0] & 3], &r, &err) != 0)
        return 0;
    if (r->width == 0 || r->height == 0 || (r->channels != 1 && r->channels != 3))
        __builtin_trap();
    if ((size_t)r->width * r->height <= 512 * 512) {
        fpq_result_t q;
        if (fpq_score(r, NULL, &q) == 0 && (q.score < 0 || q.score > 100))
            __builtin_trap();
        sig_result_t s;
        sig_check_raster(r, NULL, &s);
        uint8_t *png = NULL;
        size_t len = 0;
        if (raster_encode_png(r, &png, &len) == 0)
            free(png);
    }
    raster_free(r);
    return 0;
}
