#pragma once
/* sigcheck: is a captured signature plausibly a signature?
 *
 * Not a verification against a reference: it only refuses captures a person
 * should redo - an empty pad, a dot, a single straight stroke, a scribble
 * squeezed into a corner. Two inputs: a raster (dark ink on a light pad, as a
 * kiosk canvas or a signature pad sends a PNG) or pen points (x, y and the
 * stroke each belongs to). Library code: no logging. */
#include <stddef.h>
#include <stdint.h>

#include "bio/raster.h"

typedef struct sig_config {
    double min_ink_share;    /* 0.002: ink pixels / pad pixels below this = empty */
    double min_width_share;  /* 0.25: ink bounding box width / pad width */
    double min_height_share; /* 0.08: ink bounding box height / pad height */
    uint32_t min_strokes;    /* 1: separate strokes (raster: ink blobs of >= min_blob px) */
    uint32_t min_blob;       /* 12: smaller ink blobs are specks and do not count */
    double min_path_ratio;   /* 1.6: pen path length / longest side of the bounding box */
} sig_config_t;

/* Fills *cfg with the defaults above. */
void sig_config_default(sig_config_t *cfg);

typedef enum sig_reason {
    SIG_OK = 0,
    SIG_EMPTY,      /* "empty": nothing signed */
    SIG_TOO_SMALL,  /* "too_small": sign larger, across the box */
    SIG_TOO_SIMPLE, /* "too_simple": a dot or a plain line, not a signature */
    SIG_REASON_COUNT
} sig_reason_t;

const char *sig_reason_code(sig_reason_t r);
const char *sig_reason_text(sig_reason_t r);

typedef struct sig_result {
    sig_reason_t reason;
    uint32_t strokes;    /* strokes (raster: ink blobs) counted */
    double ink_share;    /* ink pixels / pad pixels (raster), 0 for points */
    double width_share;  /* bounding box width / pad width */
    double height_share; /* bounding box height / pad height */
    double path_ratio;   /* path length / longest bounding box side */
} sig_result_t;

/* Judges a raster signature (grey or RGB; ink is what is clearly darker than
 * the pad's median). cfg NULL = defaults. Returns 0 and *ret, -EINVAL for an
 * image smaller than 16 x 16, -ERANGE above LIMIT_SIG_PIXELS, -ENOMEM. */
int sig_check_raster(const raster_t *img, const sig_config_t *cfg, sig_result_t *ret);

typedef struct sig_point {
    float x, y;      /* pad coordinates */
    uint32_t stroke; /* points of one pen-down stroke share a number */
} sig_point_t;

/* Judges pen points on a pad of pad_w x pad_h. n <= LIMIT_SIG_POINTS.
 * Returns 0 and *ret, -EINVAL for a zero-sized pad, too many points or a
 * point off the pad. */
int sig_check_points(
    const sig_point_t *pts, size_t n, double pad_w, double pad_h, const sig_config_t *cfg, sig_result_t *ret);
