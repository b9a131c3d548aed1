#include "rules/geo.h"

#include <errno.h>
#include <math.h>

#define DEG_TO_RAD (3.14159265358979323846 / 180.0)

int geo_validate(double lat, double lon, err_t *err)
{
    /* isfinite first: NaN compares false with everything. */
    if (!isfinite(lat) || lat < -90.0 || lat > 90.0)
        return err_set(err, -EINVAL, "invalid_latitude", "latitude must be a number from -90 to 90");
    if (!isfinite(lon) || lon < -180.0 || lon > 180.0)
        return err_set(err, -EINVAL, "invalid_longitude", "longitude must be a number from -180 to 180");
    return 0;
}

int geo_validate_accuracy(double accuracy_m, err_t *err)
{
    if (!isfinite(accuracy_m) || accuracy_m < 0.0)
        return err_set(err, -EINVAL, "invalid_accuracy", "accuracy must be a non-negative number of metres");
    if (accuracy_m > GEO_MAX_ACCURACY_M)
        return err_set(err, -ERANGE, "too_inaccurate",
            "the position fix is less accurate than %.0f m and does not count", GEO_MAX_ACCURACY_M);
    return 0;
}

int geo_validate_home_accuracy(double accuracy_m, err_t *err)
{
    if (!isfinite(accuracy_m) || accuracy_m < 0.0)
        return err_set(err, -EINVAL, "invalid_accuracy", "accuracy must be a non-negative number of metres");
    if (accuracy_m > GEO_HOME_POINT_MAX_ACCURACY_M)
        return err_set(err, -ERANGE, "point_too_inaccurate",
            "the reference point is less accurate than %.0f m: take it again outdoors or by a window",
            GEO_HOME_POINT_MAX_ACCURACY_M);
    return 0;
}

double geo_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    double p1 = lat1 * DEG_TO_RAD, p2 = lat2 * DEG_TO_RAD;
    double s_lat = sin((lat2 - lat1) * DEG_TO_RAD / 2.0);
    double s_lon = sin((lon2 - lon1) * DEG_TO_RAD / 2.0);
    double a = s_lat * s_lat + cos(p1) * cos(p2) * s_lon * s_lon;
    /* Rounding can push a a hair outside [0, 1] near antipodes. */
    if (a > 1.0)
        a = 1.0;
    if (a < 0.0)
        a = 0.0;
    return 2.0 * GEO_EARTH_RADIUS_M * atan2(sqrt(a), sqrt(1.0 - a));
}

bool geo_within(double lat, double lon, double accuracy_m, double ref_lat, double ref_lon, double radius_m)
{
    if (!isfinite(accuracy_m) || !isfinite(radius_m) || accuracy_m < 0.0 || radius_m < 0.0)
        return false;
    double d = geo_distance_m(lat, lon, ref_lat, ref_lon);
    /* d is NaN for non-finite coordinates, and NaN <= x is false. */
    return d <= radius_m + accuracy_m;
}

fix_verdict_t geo_judge_fix(double lat, double lon, double accuracy_m, double ref_lat, double ref_lon)
{
    if (!(accuracy_m <= GEO_MAX_ACCURACY_M))
        return FIX_TOO_INACCURATE;
    return geo_within(lat, lon, accuracy_m, ref_lat, ref_lon, GEO_RESIDENCE_RADIUS_M) ? FIX_AT_RESIDENCE : FIX_AWAY;
}

bool geo_fix_counted(fix_verdict_t v)
{
    return v != FIX_TOO_INACCURATE;
}
