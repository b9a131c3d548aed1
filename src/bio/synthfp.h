#pragma once
/* synthfp: seeded synthetic fingerprints and palms by the SFinGe method
 * (Cappelli, Maio & Maltoni 2000; Handbook of Fingerprint Recognition ch. 6):
 * a fingertip mask, an orientation field from class-dependent core and delta
 * points (Sherlock–Monro zero-pole model) with a smooth seeded perturbation,
 * a ridge period near 9 px at 500 ppi, iterated space-variant Gabor filtering
 * of seeded noise, then pressure, noise and placement.
 *
 * Identity: a "master print" depends only on (subject seed, finger position);
 * the same seed always gives the same person, and two seeds give unrelated
 * prints (class, singular points, period and the filtered noise are all drawn
 * from a 64-bit hash of the seed and the position). An "impression" number
 * varies what changes between two touches of the same finger: placement,
 * pressure and sensor noise.
 *
 * Images are 8-bit grey, row-major, 500 ppi, white (255) background with dark
 * ridges, as a live-scan device delivers them. Pure computation: no I/O, no
 * global state, thread-safe. Every image returned is owned by the caller
 * (synthfp_image_free). */
#include <stdint.h>

#include "base/err.h"

#define SYNTHFP_PPI 500
#define SYNTHFP_FINGER_W 320 /* one finger's canvas */
#define SYNTHFP_FINGER_H 416
#define SYNTHFP_SLAP_W 1600 /* 3.2 in × 2.0 in, the FBI flat-slap area */
#define SYNTHFP_SLAP_H 1000
#define SYNTHFP_PALM_W 1000 /* 2.0 in × 2.5 in writer's-palm-sized area */
#define SYNTHFP_PALM_H 1250
#define SYNTHFP_MAX_SLAP_FINGERS 4

/* Pattern classes with their natural frequencies (Handbook, §6). */
enum synthfp_class {
    SYNTHFP_ARCH = 0,
    SYNTHFP_TENTED_ARCH,
    SYNTHFP_LEFT_LOOP,
    SYNTHFP_RIGHT_LOOP,
    SYNTHFP_WHORL,
};

/* Slaps, with ANSI/NIST finger-position codes. */
enum synthfp_slap {
    SYNTHFP_SLAP_RIGHT_FOUR = 13,
    SYNTHFP_SLAP_LEFT_FOUR = 14,
    SYNTHFP_SLAP_THUMBS = 15,
};

/* What varies a capture. All zero = a good, centred, normal-pressure touch;
 * every degradation is 0 (none) .. 1 (severe). */
struct synthfp_opts {
    uint32_t impression; /* 0, 1, 2…: another touch of the same finger */
    double dry;          /* thin, broken, faint ridges */
    double wet;          /* thick ridges merging into dark blots */
    double smudge;       /* a smeared, blurred and darkened patch */
    double partial;      /* fraction of the fingertip cut off (0..0.8 sensible) */
    double low_contrast; /* ridges fade towards the background grey */
    double noise;        /* sensor noise beyond the normal small amount */
    double rotation_deg; /* extra rotation, degrees, positive = clockwise */
    /* Where this capture's ridge fields are looked up and kept, or NULL. Not
     * a property of the capture: the images are the same with or without. */
    struct synthfp_cache *cache;
};

/* The ridge fields (a finger's or palm's master ridges: nearly all of a
 * rendering's time) of the last few (seed, position)s rendered, for a caller
 * that renders the same person again, as the device simulator does with a
 * pinned subject: a finger's ridges do not change between two touches, only
 * the impression does. Owned by the caller, shared by its threads (locked
 * inside); every image it gives is byte-for-byte the one rendered without it. */
struct synthfp_cache;

/* Makes a cache of up to `capacity` fields (1..64; a whole person is 12:
 * ten fingers, two palms — about 16 MB). Returns 0, -EINVAL, -ENOMEM. */
int synthfp_cache_new(int capacity, struct synthfp_cache **ret, err_t *err);
/* Frees the cache and its fields; accepts NULL. No rendering may be using it. */
void synthfp_cache_free(struct synthfp_cache *c);
/* How many field look-ups were answered from the cache, and how many computed. */
void synthfp_cache_counts(struct synthfp_cache *c, uint64_t *ret_hits, uint64_t *ret_misses);

struct synthfp_image {
    int width, height;
    unsigned char *pix; /* width*height bytes, row-major; caller owns */
};

/* A finger's place in a slap, in slap pixels: left/right column, top/bottom
 * row, inclusive-exclusive like ANSI/NIST SEG (LHC, RHC, TVC, BVC). */
struct synthfp_box {
    int position; /* ANSI/NIST finger position 1..10 */
    int left, right, top, bottom;
};

/* The pattern class of (seed, position); position 1..10. Returns -EINVAL for
 * a bad position, else the class (>= 0). */
int synthfp_class_of(uint64_t seed, int position);

/* Renders one finger (position 1..10: 1-5 right thumb..little, 6-10 left)
 * into a SYNTHFP_FINGER_W × SYNTHFP_FINGER_H image. Returns 0 and fills
 * *ret (caller frees with synthfp_image_free); -EINVAL for a bad position or
 * options out of range, -ENOMEM. opts may be NULL (a good capture). */
int synthfp_finger(uint64_t seed, int position, const struct synthfp_opts *opts, struct synthfp_image *ret, err_t *err);

/* Renders a 4-4-2 slap (13 right four, 14 left four, 15 both thumbs) into a
 * SYNTHFP_SLAP_W × SYNTHFP_SLAP_H image, leaving out the fingers whose
 * position bit (1u << position) is set in missing_mask. Writes the box of
 * every finger present, left to right in the image, to ret_boxes (room for
 * SYNTHFP_MAX_SLAP_FINGERS) and their count to *ret_nboxes. opts apply to
 * every finger. Boxes never overlap. Returns 0, -EINVAL, -ENOMEM. */
int synthfp_slap(uint64_t seed, int slap, uint32_t missing_mask, const struct synthfp_opts *opts,
    struct synthfp_image *ret, struct synthfp_box *ret_boxes, int *ret_nboxes, err_t *err);

/* Renders a palm area of hand `hand` (0 right, 1 left) into a SYNTHFP_PALM_W
 * × SYNTHFP_PALM_H image: palm ridges around interdigital and carpal deltas,
 * and flexion creases. Returns 0, -EINVAL, -ENOMEM. */
int synthfp_palm(uint64_t seed, int hand, const struct synthfp_opts *opts, struct synthfp_image *ret, err_t *err);

/* Frees the pixels of img and zeroes it; accepts NULL and empty images. */
void synthfp_image_free(struct synthfp_image *img);
