/* libFuzzer target for the ISO/IEC 19794-4/-5 record reader (SBI bioValue):
 * any bytes must be read or refused without reading outside the buffer; a
 * record read must describe an image inside it, and writing that image
 * again must read back to the same facts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bio/iso19794.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iso_image_t im;
    if (iso19794_read(data, size, &im, NULL) < 0)
        return 0;
    if (im.data < data || im.len == 0 || im.len > size || im.data + im.len > data + size)
        __builtin_trap();
    if (im.kind == ISO_IMG_RAW || (im.modality == ISO_FACE && im.kind == ISO_IMG_WSQ) || im.quality > 100)
        return 0; /* read but not written by uchet */
    uint8_t *rec = NULL;
    size_t n = 0;
    if (iso19794_write(&im, 0, &rec, &n, NULL) < 0)
        __builtin_trap();
    iso_image_t back;
    if (iso19794_read(rec, n, &back, NULL) < 0 || back.modality != im.modality || back.position != im.position ||
        back.quality != im.quality || back.width != im.width || back.height != im.height || back.kind != im.kind ||
        back.len != im.len || memcmp(back.data, im.data, im.len) != 0)
        __builtin_trap();
    free(rec);
    return 0;
}
