#pragma once
/* fpquality: how good a fingerprint capture is, judged by uchet itself.
 *
 * The measures are the published ones of ISO/IEC 29794-4 (the features NFIQ 2
 * is built on), each computed over 32 x 32 pixel blocks of a 500 ppi grey
 * image (a 1000 ppi image is halved first):
 *   foreground  blocks whose grey-level spread stands out from the background
 *   Mu, MMB     mean grey of the image and of the foreground blocks
 *   contrast    mean grey-level standard deviation of the foreground blocks
 *   OCL         orientation certainty, 1 - lambda_min / lambda_max of the
 *               block's gradient covariance (Lim, Yuan & Luo 2002)
 *   LCS         local clarity: share of pixels on the right side of the
 *               ridge/valley threshold across the ridges (0 = none, 1 = all)
 *   RVU         ridge-valley uniformity: spread of ridge/valley width ratios
 *               along the profile (0 = perfectly even; lower is better)
 *   FDA         frequency-domain analysis: share of the profile's spectrum
 *               at its dominant ridge frequency
 *   OF          orientation flow: how smoothly the ridge direction turns
 *               between neighbouring blocks (1 = smooth)
 *   sharpness   (ours, not in 29794-4) the block's Laplacian-to-gradient
 *               ratio over that of a pure sinusoid at the ridge frequency:
 *               ~1 when blur has left only the fundamental, higher with
 *               crisp ridge edges and skin texture
 * They are combined into a 0-100 score (docs/QUALITY.md gives the formula;
 * it is not NFIQ 2, whose trained model cannot be packaged here) and, when
 * the score is too low, one reason a person at the kiosk can act on.
 *
 * Library code: no logging; nothing here keeps image bytes. */
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "bio/raster.h"

/* Thresholds. fpq_config_default documents each default; the daemon's
 * configuration may override them. */
typedef struct fpq_config {
    double fg_min_std;      /* 6: a block is foreground only above this grey std */
    double fg_rel_std;      /* 0.30: ... and above this share of the 90th-percentile block std */
    uint32_t min_fg_blocks; /* 60: fewer foreground blocks = partial finger (~1/2 of a 500 ppi plain finger) */
    double min_fg_share;    /* 0.40: foreground share of the finger's box below this = partial */
    double contrast_low;    /* 5: foreground std (grey levels) that gives a contrast factor of 0 */
    double contrast_high;   /* 14: ... and of 1 */
    double contrast_faint;  /* 10: below this the print is faint: "press_harder" */
    double sharp_low;       /* 1.0: sharpness that gives a sharpness factor of 0 (blur) */
    double sharp_high;      /* 1.7: ... and of 1 */
    double sharp_blur;      /* 1.25: a failed print this soft is smeared: "hold_still" */
    double grain_low;    /* 3.5: sharpness above this is grain (broken ridges, dirt, noise): factor falls from 1 ... */
    double grain_high;   /* 6.5: ... to 0 here */
    double wet_mmb;      /* 150: a failed, soft (< sharp_high) print darker than this is "too_wet";
                                 so is a partial one whose ridgeless part is this dark (a blot) */
    double dry_mmb;      /* 185: a failed print lighter than this ... */
    double dry_contrast; /* 40: ... with less contrast than this is "too_dry" */
    int min_score;       /* 40: a finger scoring below this is asked again */
    double slap_max_overlap; /* 0: largest allowed overlap of two finger boxes, share of the smaller box */
} fpq_config_t;

/* Fills *cfg with the defaults above. */
void fpq_config_default(fpq_config_t *cfg);

/* What to tell the person. FPQ_OK when the score passes. */
typedef enum fpq_reason {
    FPQ_OK = 0,
    FPQ_NO_FINGER,     /* "no_finger": nothing on the glass */
    FPQ_PRESS_FLATTER, /* "press_flatter": only part of the finger touched the glass */
    FPQ_PRESS_HARDER,  /* "press_harder": ridges too faint */
    FPQ_TOO_WET,       /* "too_wet": ridges run together, image too dark */
    FPQ_TOO_DRY,       /* "too_dry": ridges broken, image too light */
    FPQ_HOLD_STILL,    /* "hold_still": ridges smeared (movement, blur) */
    FPQ_CLEAN_GLASS,   /* "clean_glass": ridges lost in noise or dirt */
    FPQ_REASON_COUNT
} fpq_reason_t;

/* Stable machine code ("press_flatter") and an English sentence for the
 * kiosk; static strings, never NULL. */
const char *fpq_reason_code(fpq_reason_t r);
const char *fpq_reason_text(fpq_reason_t r);

typedef struct fpq_measures {
    uint32_t blocks;    /* 32 x 32 blocks in the (500 ppi) image */
    uint32_t fg_blocks; /* foreground blocks */
    double mu;          /* mean grey of the whole image */
    double mmb;         /* mean of the foreground block means */
    double contrast;    /* mean grey std of foreground blocks */
    double ocl;         /* mean OCL over foreground blocks, 0..1 (1 best) */
    double lcs;         /* mean LCS, 0..1 (1 best) */
    double rvu;         /* mean RVU, >= 0 (0 best) */
    double fda;         /* mean FDA, 0..1 (1 best) */
    double of;          /* orientation flow quality, 0..1 (1 best) */
    double sharpness;   /* mean block sharpness, ~1 for a blurred sinusoid, higher when sharp */
} fpq_measures_t;

typedef struct fpq_result {
    int score;           /* 0..100 */
    fpq_reason_t reason; /* FPQ_OK when score >= min_score and the finger is whole */
    fpq_measures_t m;
} fpq_result_t;

/* Scores one finger (or any fingerprint area) in img: grey or RGB (RGB is
 * reduced to grey). img->ppi of 0 is taken as 500; 900-1100 ppi is halved.
 * cfg NULL means defaults. Returns 0 and *ret, -EINVAL for an image smaller
 * than two blocks either way, -ENOMEM. */
int fpq_score(const raster_t *img, const fpq_config_t *cfg, fpq_result_t *ret);

/* ---- slaps ----------------------------------------------------------- */

/* One finger's box in a slap image, as the device segmented it. position is
 * the ANSI/NIST finger position code (1-10: right thumb .. left little). */
typedef struct fpq_box {
    int32_t x, y, w, h;
    uint8_t position;
} fpq_box_t;

typedef enum fpq_slap_reason {
    FPQ_SLAP_OK = 0,
    FPQ_SLAP_WRONG_COUNT,    /* "wrong_finger_count": segments != expected - exceptions */
    FPQ_SLAP_WRONG_FINGER,   /* "wrong_finger": a box for a finger not in this slap, declared missing, or twice */
    FPQ_SLAP_OVERLAP,        /* "fingers_together": two boxes overlap */
    FPQ_SLAP_BOX_OUTSIDE,    /* "bad_segment": a box outside the image or too small */
    FPQ_SLAP_FINGER_QUALITY, /* "finger_quality": a finger scored too low (see its reason) */
    FPQ_SLAP_REASON_COUNT
} fpq_slap_reason_t;

const char *fpq_slap_reason_code(fpq_slap_reason_t r);
const char *fpq_slap_reason_text(fpq_slap_reason_t r);

typedef struct fpq_slap_result {
    fpq_slap_reason_t reason;                /* first failed check: count, finger, box, overlap, quality */
    uint32_t expected;                       /* fingers expected after exceptions */
    size_t worst;                            /* index of the lowest-scoring box (when n > 0) */
    fpq_result_t finger[LIMIT_SLAP_FINGERS]; /* per box, in the caller's order */
} fpq_slap_result_t;

/* Checks a slap: slap_fgp is the ANSI/NIST slap code (13 right four, 14 left
 * four, 15 both thumbs); boxes[n] the device's segments; exceptions[n_exc]
 * the finger positions declared missing (positions of other slaps are
 * ignored). Each box is scored with fpq_score. Returns 0 and *ret (reason
 * set; a failed check is not an error), -EINVAL for an unknown slap code or
 * n > LIMIT_SLAP_FINGERS, -ENOMEM. */
int fpq_slap_check(const raster_t *slap, uint8_t slap_fgp, const fpq_box_t *boxes, size_t n, const uint8_t *exceptions,
    size_t n_exc, const fpq_config_t *cfg, fpq_slap_result_t *ret);
