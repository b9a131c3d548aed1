#pragma once
/* CMYK pixels as RGB or grey: the one conversion of the JPEG decoders
 * (bio/raster, docs/ocr) for JPEGs stored in CMYK or YCCK, as print
 * workflows save them (specimen images taken from brochures and PDFs).
 * libjpeg decodes such a file only to CMYK; browsers show it, so uchet
 * reads it too.
 *
 * Adobe's programs write CMYK inverted (255 = no ink) and mark the file
 * with an Adobe APP14 segment; libjpeg reports that marker
 * (saw_Adobe_marker). Without it the values are ink amounts (0 = none).
 * The conversion is the naive one viewers use without a colour profile:
 * each of R, G, B is what its ink and black leave of white. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n CMYK pixels (4 bytes each) into n RGB pixels (3 bytes each).
 * inverted: Adobe's convention. cmyk and rgb must not overlap. Pure. */
void cmyk_to_rgb(const uint8_t *cmyk, size_t n, bool inverted, uint8_t *rgb);

/* n CMYK pixels into n grey bytes (ITU-R BT.601 luma of the RGB above). */
void cmyk_to_grey(const uint8_t *cmyk, size_t n, bool inverted, uint8_t *grey);
