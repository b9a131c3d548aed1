#pragma once
/* Reading the machine-readable zone from a photo or scan (PNG or JPEG).
 *
 * Pipeline: decode to grey; binarise against the local mean (uneven light);
 * estimate the skew (within ±45°) from the horizontal projection of the ink
 * and rotate it away; cut text lines from the row profile and from
 * glyph-sized components; take every run of 2 or 3 long lines as a
 * candidate zone, lay a monospaced grid of 30, 36 or 44 cells over each
 * line, and read each cell on the baseline of the glyphs around it. The
 * candidate whose text passes the most MRZ checks wins. See
 * docs/document-check.md.
 *
 * Two cell readers: a template matcher built from the OCR-B font of
 * Debian's fonts-ocr-b (FreeType; the default, see docs/bench-mrz.md for
 * why) at three stroke weights (presses spread their ink differently),
 * with DejaVu Sans Mono (fonts-dejavu-core) for zones OCR-B fits weakly
 * and it fits well, and each near tie read again against the zone's own
 * prints; and Tesseract through its C API with the character set
 * restricted to A-Z 0-9 <, reading whole lines. */
#include <stddef.h>

#include "base/err.h"

#define OCR_IMAGE_PIXELS_MAX (40u * 1000u * 1000u) /* decoded pixels accepted */
#define OCR_FONT_PATH "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
/* Mock-ups and cards made with office software print their zones in a
 * plain monospaced font; read with this one where OCR-B fits weakly. */
#define OCR_FONT_SANS_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

enum ocr_engine {
    OCR_ENGINE_TEMPLATE = 0, /* OCR-B template matcher (default) */
    OCR_ENGINE_TESSERACT,    /* libtesseract, stock "eng" model, whitelist */
};

/* Finds and reads the MRZ in a PNG or JPEG image (bytes in memory; the
 * caller enforces its own byte limit) with the default engine. Returns 0
 * and the recognised lines joined by '\n' in *ret_text (caller owns,
 * free()); when ret_alt is not NULL, *ret_alt (caller owns) holds as many
 * bytes, the near-equal second reading of each character or ' ' for none,
 * for mrz_check_ocr; every character '?' when the zone's glyphs match the
 * font too poorly to vouch for it (mean correlation under 0.8). Nothing is repaired here. -EINVAL with err code "image_unreadable" (not a PNG/JPEG, corrupt,
 * or more than OCR_IMAGE_PIXELS_MAX pixels) or "mrz_not_found"; -ENOMEM;
 * -ENOENT ("ocr_font_missing") when the OCR-B font is not installed.
 * Thread-safe: the templates are built once (pthread_once) and read-only
 * afterwards; every call has its own buffers. */
int ocr_read_mrz(const unsigned char *img, size_t len, char **ret_text, char **ret_alt, err_t *err);

/* The same with a chosen engine. The Tesseract engine creates its own
 * TessBaseAPI per call (thread-safe, but ~100 ms slower); it needs the
 * "eng" traineddata (tesseract-ocr-eng), else -ENOENT "ocr_model_missing". */
int ocr_read_mrz_with(
    enum ocr_engine engine, const unsigned char *img, size_t len, char **ret_text, char **ret_alt, err_t *err);

/* The same, template engine, on an 8-bit grey image already turned upright
 * and level (docset/straighten does it to each page before it is read):
 * the zone is looked for as the image stands, and at twice the size when
 * the image is small, never turned a quarter or a half, which on a page
 * with no zone cost four searches. pix (w x h, rows `stride` bytes apart)
 * is borrowed. Errors as ocr_read_mrz ("image_unreadable": no pixels, or
 * more than OCR_IMAGE_PIXELS_MAX). */
int ocr_read_mrz_upright(
    const unsigned char *pix, int w, int h, size_t stride, char **ret_text, char **ret_alt, err_t *err);
