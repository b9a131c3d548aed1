#pragma once
/* facecheck: does a kiosk photo meet the portrait rules (ISO/IEC 19794-5,
 * ICAO 9303 portrait guidance, the checks OFIQ configures)?
 *
 * A small C++ file behind a C interface: OpenCV 4 from Debian, Haar cascades
 * from Debian's opencv-data (frontal face, eyes, eyes with glasses). It looks
 * for a face only where a kiosk photo has one (the middle of the frame, no
 * smaller than a share of its width), so text or patterns at the edges are
 * not taken for faces. Checks: exactly one face, inter-eye distance, head
 * size and position, roll from the eye centres, brightness and clipping,
 * even lighting left/right, a plain background, sharpness.
 *
 * A detector is not safe to share between threads: open one per thread.
 * Library code: no logging; nothing here keeps image bytes. */
#include <stdint.h>

#include "base/err.h"
#include "bio/raster.h"

#define FACE_CASCADE_DIR_DEFAULT "/usr/share/opencv4/haarcascades"

typedef struct face_detector face_detector_t;

/* Loads the cascades from dir (NULL = FACE_CASCADE_DIR_DEFAULT). Returns 0
 * and *ret (caller owns, face_detector_free), -ENOENT when a cascade file is
 * missing or unreadable (err code "face_model_missing"), -ENOMEM. */
int face_detector_open(const char *dir, face_detector_t **ret, err_t *err);

/* Frees a detector; accepts NULL. */
void face_detector_free(face_detector_t *d);

/* Thresholds; face_config_default documents each default. "Face box" is the
 * frontal-face detector's box (brows to mouth, cheek to cheek), narrower
 * than the ear-to-ear head width ICAO measures. */
typedef struct face_config {
    double search_margin;     /* 0.08: share of the width/height at each edge where no face centre is looked for */
    double min_face_share;    /* 0.06: smallest face box looked for, share of the frame width */
    double second_face_share; /* 0.5: another face at least this share of the main one's width = two faces */
    double
        min_eye_distance; /* 90: pixels between the eye centres (ISO/IEC 19794-5 token photo: 90; OFIQ sigmoid centred at 70) */
    double face_width_min;   /* 0.30: face box width / frame width (head width 40-60% of the frame) */
    double face_width_max;   /* 0.68 */
    double centre_tolerance; /* 0.10: face centre off the frame's vertical centre line, share of width */
    double eyes_y_min;       /* 0.25: eye line from the top, share of the height */
    double eyes_y_max;       /* 0.60 */
    double max_roll_deg;     /* 8: roll from the eye centres, degrees */
    double luma_min;         /* 90: mean face luma (OFIQ/ICAO brightness) */
    double luma_max;         /* 180 */
    double max_clipped;      /* 0.01: share of face pixels at <= 5 or >= 250 */
    double light_ratio_min;  /* 0.80: mean luma of the left half of the face / right half */
    double light_ratio_max;  /* 1.25 */
    double max_bg_edges;     /* 0.03: share of background-strip pixels on an edge (> 12 grey levels/px) */
    double max_bg_std;       /* 45: grey std of the background strips */
    double min_sharpness;    /* 60: Laplacian variance of the face scaled to 160 px wide */
} face_config_t;

void face_config_default(face_config_t *cfg);

/* Reasons, in the order they are reported (first failing wins). */
typedef enum face_reason {
    FACE_OK = 0,
    FACE_NO_FACE,         /* "no_face" */
    FACE_TWO_FACES,       /* "two_faces" */
    FACE_MOVE_CLOSER,     /* "move_closer": face too small / eyes too close together */
    FACE_MOVE_BACK,       /* "move_back": face fills too much of the frame */
    FACE_CENTRE,          /* "centre_face": face off the middle of the frame */
    FACE_TOO_DARK,        /* "too_dark" */
    FACE_TOO_BRIGHT,      /* "too_bright": too light or clipped */
    FACE_BLURRED,         /* "blurred" */
    FACE_LOOK_STRAIGHT,   /* "look_straight": head tilted (roll) */
    FACE_EYES,            /* "eyes_not_visible": eyes not found */
    FACE_UNEVEN_LIGHT,    /* "uneven_light" */
    FACE_BACKGROUND_BUSY, /* "background_busy" */
    FACE_REASON_COUNT
} face_reason_t;

const char *face_reason_code(face_reason_t r);
const char *face_reason_text(face_reason_t r);

typedef struct face_result {
    face_reason_t reason;    /* first failed check, FACE_OK when none */
    uint32_t failed;         /* bit (1u << reason) for every failed check */
    uint32_t faces;          /* faces counted */
    int32_t fx, fy, fw, fh;  /* main face box */
    int eyes_found;          /* 1 when both eye centres were found */
    double lx, ly, rx, ry;   /* eye centres (image left / right), pixels */
    double eye_distance;     /* pixels */
    double roll_deg;         /* positive = right eye lower in the image */
    double face_share;       /* face box width / frame width */
    double luma, clipped;    /* mean face luma; clipped share */
    double light_ratio;      /* left half / right half mean luma */
    double bg_edges, bg_std; /* background strips: edge share, grey std */
    double sharpness;        /* Laplacian variance */
} face_result_t;

/* Checks one photo (grey or RGB). cfg NULL = defaults. Returns 0 and *ret
 * (a failed check is not an error), -EINVAL for an image under 64 x 64,
 * -ENOMEM, -EIO when OpenCV fails. */
int face_check(face_detector_t *d, const raster_t *img, const face_config_t *cfg, face_result_t *ret);
