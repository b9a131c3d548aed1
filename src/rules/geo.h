#pragma once
/* Product rule 3: is a position fix good enough to count, and does it lie at
 * the residence? The coordinates passed here are compared and dropped; this
 * module keeps nothing and its error messages never contain them. */
#include <stdbool.h>

#include "base/err.h"
#include "base/limits.h"

/* A fix with a worse (larger) accuracy radius does not count. */
#define GEO_MAX_ACCURACY_M LIMIT_ACCURACY_M
/* A counted fix is "at the residence" within this distance (plus its accuracy). */
#define GEO_RESIDENCE_RADIUS_M 300.0
/* What jsonx_number lets through as a coordinate: any plausible number, so
 * that geo_validate gives the precise error (invalid_latitude, ...) rather
 * than a generic out-of-range one. */
#define GEO_JSON_COORD_MAX 1e9
/* Mean Earth radius (IUGG), metres. */
#define GEO_EARTH_RADIUS_M 6371008.8

/* Checks a coordinate pair: both finite, lat in [-90, 90], lon in
 * [-180, 180]. Returns 0, or -EINVAL with err code "invalid_latitude" or
 * "invalid_longitude" (latitude is checked first). */
int geo_validate(double lat, double lon, err_t *err);

/* Checks a fix's accuracy radius in metres. Returns 0 for a finite value in
 * [0, GEO_MAX_ACCURACY_M]; -EINVAL with code "invalid_accuracy" for a
 * negative or non-finite value (a malformed request); -ERANGE with code
 * "too_inaccurate" for a value above GEO_MAX_ACCURACY_M (the fix is well
 * formed but does not count). */
int geo_validate_accuracy(double accuracy_m, err_t *err);

/* A residence's reference point (rule 2) is the centre every later
 * confirmation is judged against, so it must be sharper than a confirmation:
 * a point taken at 2 km would make every later fix "away". */
#define GEO_HOME_POINT_MAX_ACCURACY_M 150.0

/* Checks the accuracy radius of a residence's reference point. Returns 0 for
 * a finite value in [0, GEO_HOME_POINT_MAX_ACCURACY_M]; -EINVAL with code
 * "invalid_accuracy" for a negative or non-finite value; -ERANGE with code
 * "point_too_inaccurate" above the limit. */
int geo_validate_home_accuracy(double accuracy_m, err_t *err);

/* Great-circle distance in metres between two points given in degrees
 * (haversine on a sphere of GEO_EARTH_RADIUS_M). NaN if any input is not
 * finite. Coordinates are not range-checked: validate them first. */
double geo_distance_m(double lat1, double lon1, double lat2, double lon2);

/* True when the fix (lat, lon) with accuracy radius accuracy_m lies within
 * radius_m of (ref_lat, ref_lon), i.e. distance <= radius_m + accuracy_m:
 * the benefit of the doubt goes to the person. False if any input is not
 * finite or accuracy_m or radius_m is negative. */
bool geo_within(double lat, double lon, double accuracy_m, double ref_lat, double ref_lon, double radius_m);

/* How a position fix is judged (rule 3): not counted, or counted at or away
 * from the residence. */
typedef enum fix_verdict {
    FIX_TOO_INACCURATE = 0, /* accuracy worse than GEO_MAX_ACCURACY_M: not counted */
    FIX_AWAY,               /* counted, not at the residence */
    FIX_AT_RESIDENCE,       /* counted, within GEO_RESIDENCE_RADIUS_M (plus accuracy) */
} fix_verdict_t;

/* Judges a validated fix against the residence's reference point: too
 * inaccurate above GEO_MAX_ACCURACY_M, else geo_within(GEO_RESIDENCE_RADIUS_M). */
fix_verdict_t geo_judge_fix(double lat, double lon, double accuracy_m, double ref_lat, double ref_lon);

/* True for a verdict that counts as contact (rule 4's "counted"). */
bool geo_fix_counted(fix_verdict_t v);
