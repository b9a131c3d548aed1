#pragma once
/* Test and bench harness: renders MRZ lines in the OCR-B font (Debian's
 * fonts-ocr-b, through FreeType) onto a document-like card, then degrades
 * the picture (rotation, uneven light, blur, noise, JPEG) and encodes it.
 * Also makes random but valid MRZ documents with their ground truth. */
#include <stdbool.h>
#include <stddef.h>

#define RENDER_FONT "/usr/share/fonts/opentype/ocr-b/OCRB.otf"

struct render_opts {
    int px;           /* glyph pixel size (em), e.g. 18-40 */
    double angle_deg; /* rotation, e.g. -5..5 */
    double blur;      /* Gaussian sigma in pixels, 0 = none */
    double noise;     /* Gaussian noise sigma in grey levels, 0 = none */
    double light;     /* 0..0.6: depth of the uneven-light gradient */
    int jpeg_quality; /* 0 = PNG, otherwise JPEG quality 1-100 */
    unsigned seed;    /* for the noise and the header text */
    double bold;      /* zone glyphs emboldened by this many pixels (a press spreading its ink), 0 = none */
    double squash;    /* the page shown this share of its height (seen from below its edge: glyphs
                         foreshortened, their spacing not), 0 = none */
    const char *font; /* the font file the page is printed in, NULL = RENDER_FONT (OCR-B) */
};

/* Renders nlines MRZ lines (A-Z 0-9 <) and encodes the picture. Returns 0
 * and a malloc'd buffer in *ret_img (caller frees) with *ret_len; negative
 * errno on failure (font missing: -ENOENT). Not thread-safe (one FreeType
 * library per call, but rand state is per call: safe enough for tests). */
int render_mrz(
    const char *const *lines, size_t nlines, const struct render_opts *o, unsigned char **ret_img, size_t *ret_len);

/* Writes a random valid MRZ into out (lines separated by '\n', NUL at the
 * end; out must hold 3 * 45 bytes): format 1 = TD1, 2 = TD2, 3 = TD3. */
void render_random_mrz(unsigned *seed, int format, char *out);

/* Makes image i of mrzgen's set whose generator state is *s (the set's
 * seed before image 0; call for i = 0, 1, ... in turn): its zone into mrz
 * (3 * 45 bytes, lines separated by '\n'), one check digit printed wrong
 * when faulty, and its degradations into *ret_opts. Nothing is rendered:
 * tests walk to an image of a bench set cheaply. */
void render_set_item(unsigned *s, int i, bool faulty, char *mrz, struct render_opts *ret_opts);

/* Cuts mrz (lines separated by '\n', as the two above write it) into its
 * lines in place, for render_mrz; returns how many (at most 3). */
size_t render_split_lines(char *mrz, char *lines[3]);
