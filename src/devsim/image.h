#pragma once
/* devsim image helpers: encoding captures (PNG through bio/raster's encoder,
 * JPEG via libjpeg for the STREAM preview), reading the packaged portrait,
 * and the face variants that must fail each face check. Kept inside the
 * device simulator, except the PNG encoder, which is uchet's own (src/bio
 * raster) at libpng's fast level. */
#include <stddef.h>
#include <stdint.h>

struct img {
    int w, h, ch;     /* ch = 1 grey or 3 RGB */
    unsigned char *p; /* w*h*ch bytes, row-major; owner frees with img_free */
};

void img_free(struct img *im);

/* Encodes im as PNG, speed before size (bio/raster's raster_encode_png_fast).
 * *ret is malloc'd, caller frees. 0, -ENOMEM, -EIO. */
int img_png(const struct img *im, unsigned char **ret, size_t *ret_len);

/* Encodes im as baseline JPEG at `quality`. 0, -ENOMEM, -EIO. */
int img_jpeg(const struct img *im, int quality, unsigned char **ret, size_t *ret_len);

/* Reads a JPEG or PNG file into an RGB image. 0, -ENOENT, -EINVAL, -ENOMEM. */
int img_load_rgb(const char *path, struct img *ret);

/* Decodes a PNG held in memory into an 8-bit grey image. 0, -EINVAL, -ENOMEM. */
int img_png_decode_grey(const unsigned char *buf, size_t len, struct img *ret);

/* A passport data page (ICAO 9303 TD3 proportions, 125 × 88 mm at 254 ppi:
 * 1250 × 880 grey): the holder's portrait on the left, a few printed rule
 * lines, and the machine-readable zone image mrz pasted along the bottom.
 * 0, -ENOMEM. */
int img_data_page(const struct img *portrait, const struct img *mrz, struct img *ret);

/* Crops [x0,x1)×[y0,y1) of im into *ret. 0, -EINVAL, -ENOMEM. */
int img_crop(const struct img *im, int x0, int y0, int x1, int y1, struct img *ret);

/* Face variants (docs/DEVSIM.md): each one breaks one face check. */
enum face_variant {
    FACEV_GOOD = 0,
    FACEV_BLUR,
    FACEV_DARK,
    FACEV_TILTED,
    FACEV_TOO_SMALL,
    FACEV_TWO_FACES,
    FACEV_BUSY_BACKGROUND,
    FACEV_VARIANTS
};

/* Name of a variant ("good", "blur", …) and back; -1 when unknown. */
const char *face_variant_name(enum face_variant v);
int face_variant_parse(const char *name);

/* A kiosk camera's frame (720 × 900 RGB) from a portrait whose face box —
 * the frontal-face detector's, brows to mouth — is (fx, fy, fw, fh): scaled
 * so the box is 44 % of the width, centred on it, and the background above
 * the chin (outside an ellipse round the head) replaced by plain light grey,
 * the ICAO "plain background". Whatever the source does not cover is grey
 * too. *ret is the caller's (img_free). 0, -EINVAL (not RGB, empty box),
 * -ENOMEM. */
int face_frame(const struct img *src, int fx, int fy, int fw, int fh, struct img *ret);

/* Makes the capture of variant v from the portrait src for subject seed:
 * the subject seed varies pose and tone slightly (mirror, shift, colour
 * balance) so that successive subjects are not byte-identical. 0, -ENOMEM. */
int face_make(const struct img *src, enum face_variant v, uint64_t seed, struct img *ret);
