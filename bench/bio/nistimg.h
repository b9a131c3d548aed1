#pragma once
/* nistimg: just enough ANSI/NIST-ITL reading to pull finger and palm images
 * out of NIST's public-domain reference transactions for the quality
 * benchmark (Type-3 uncompressed, Type-13/14/15 NONE or JP2/JP2L). Not the
 * product's reader (src/bio/an2k.*): no validation beyond staying in bounds. */
#include <stddef.h>
#include <stdint.h>

#include "bio/raster.h"

/* The n-th (0-based) image record of `type` in the file at path, as grey at
 * its own resolution (ppi set). Returns 0 and *ret (caller owns), -ENOENT
 * when there is no such record, -ENOTSUP for a compression it cannot decode
 * (WSQ), -EINVAL for a malformed file, -ENOMEM. */
int nistimg_load(const char *path, int type, int n, raster_t **ret);

/* A stand-alone JPEG 2000 file (JP2 or raw codestream) as grey. Returns 0
 * and *ret (caller owns; ppi 0), -ENOENT, -EINVAL, -ENOMEM. */
int nistimg_load_jp2_file(const char *path, raster_t **ret);
