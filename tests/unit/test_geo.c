/* Unit tests for src/rules/geo.c: validation, haversine, the residence test. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules/geo.h"

#define KREMLIN_LAT 55.7520
#define KREMLIN_LON 37.6175
#define PI 3.14159265358979323846

static void assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.6f, want %.6f +- %.6f", got, want, tol);
}

static void test_validate(void **state)
{
    (void)state;
    err_t err;
    err_clear(&err);
    assert_int_equal(geo_validate(KREMLIN_LAT, KREMLIN_LON, &err), 0);
    assert_int_equal(geo_validate(90.0, 180.0, NULL), 0);
    assert_int_equal(geo_validate(-90.0, -180.0, NULL), 0);
    assert_int_equal(geo_validate(0.0, 0.0, NULL), 0);

    static const double bad_lat[] = {90.000001, -90.000001, 1e300, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_lat / sizeof bad_lat[0]; i++) {
        err_clear(&err);
        assert_int_equal(geo_validate(bad_lat[i], 0.0, &err), -EINVAL);
        assert_string_equal(err.code, "invalid_latitude");
    }
    static const double bad_lon[] = {180.000001, -180.000001, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_lon / sizeof bad_lon[0]; i++) {
        err_clear(&err);
        assert_int_equal(geo_validate(0.0, bad_lon[i], &err), -EINVAL);
        assert_string_equal(err.code, "invalid_longitude");
    }
    err_clear(&err);
    assert_int_equal(geo_validate(NAN, NAN, &err), -EINVAL);
    assert_string_equal(err.code, "invalid_latitude");
    /* The message never echoes the coordinates. */
    err_clear(&err);
    geo_validate(123.456789, 0.0, &err);
    assert_null(strstr(err.msg, "123"));
}

static void test_validate_accuracy(void **state)
{
    (void)state;
    err_t err;
    assert_int_equal(geo_validate_accuracy(0.0, NULL), 0);
    assert_int_equal(geo_validate_accuracy(35.5, NULL), 0);
    assert_int_equal(geo_validate_accuracy(GEO_MAX_ACCURACY_M, NULL), 0);
    err_clear(&err);
    assert_int_equal(geo_validate_accuracy(500.001, &err), -ERANGE);
    assert_string_equal(err.code, "too_inaccurate");
    err_clear(&err);
    assert_int_equal(geo_validate_accuracy(-1.0, &err), -EINVAL);
    assert_string_equal(err.code, "invalid_accuracy");
    err_clear(&err);
    assert_int_equal(geo_validate_accuracy(NAN, &err), -EINVAL);
    assert_string_equal(err.code, "invalid_accuracy");
    assert_int_equal(geo_validate_accuracy(INFINITY, NULL), -EINVAL);
}

/* A home point is held to a sharper limit than a confirmation: a fix a
 * confirmation would count (500 m) is refused as a reference point. */
static void test_validate_home_accuracy(void **state)
{
    (void)state;
    err_t err;
    assert_int_equal(geo_validate_home_accuracy(0.0, NULL), 0);
    assert_int_equal(geo_validate_home_accuracy(GEO_HOME_POINT_MAX_ACCURACY_M, NULL), 0);
    err_clear(&err);
    assert_int_equal(geo_validate_home_accuracy(150.01, &err), -ERANGE);
    assert_string_equal(err.code, "point_too_inaccurate");
    assert_int_equal(geo_validate_accuracy(2000.0, NULL), -ERANGE);
    assert_int_equal(geo_validate_home_accuracy(GEO_MAX_ACCURACY_M, NULL), -ERANGE);
    err_clear(&err);
    assert_int_equal(geo_validate_home_accuracy(-0.5, &err), -EINVAL);
    assert_string_equal(err.code, "invalid_accuracy");
    assert_int_equal(geo_validate_home_accuracy(NAN, NULL), -EINVAL);
}

static void test_distance_known_values(void **state)
{
    (void)state;
    double one_degree = GEO_EARTH_RADIUS_M * PI / 180.0; /* 111195.08 m */
    assert_near(one_degree, 111195.08, 0.01);
    assert_near(geo_distance_m(0, 0, 1, 0), one_degree, 1e-6);
    assert_near(geo_distance_m(55, 37, 56, 37), one_degree, 1e-6);
    assert_near(geo_distance_m(0, 0, 0, 1), one_degree, 1e-6);
    assert_near(geo_distance_m(-0.5, 179.5, 0.5, 179.5), one_degree, 1e-6);
    /* 1 degree of longitude at 60N is about half (cos 60 = 0.5). */
    assert_near(geo_distance_m(60, 0, 60, 1), 55597.01, 0.01);
    /* Across the antimeridian the short way round. */
    assert_near(geo_distance_m(0, 179.5, 0, -179.5), one_degree, 1e-6);
    assert_near(geo_distance_m(0, 0, 0, 180), GEO_EARTH_RADIUS_M * PI, 1e-3);
    assert_near(geo_distance_m(90, 0, -90, 0), GEO_EARTH_RADIUS_M * PI, 1e-3);
    /* Kremlin to Red Square points; values from an independent haversine. */
    assert_near(geo_distance_m(KREMLIN_LAT, KREMLIN_LON, 55.7539, 37.6208), 295.43, 0.01);
    assert_near(geo_distance_m(KREMLIN_LAT, KREMLIN_LON, 55.7558, 37.6173), 422.73, 0.01);
    /* Moscow to St Petersburg, about 633 km. */
    assert_near(geo_distance_m(55.7558, 37.6173, 59.9343, 30.3351), 633021.06, 0.05);
    assert_near(geo_distance_m(KREMLIN_LAT, KREMLIN_LON, KREMLIN_LAT, KREMLIN_LON), 0.0, 0.0);
}

static void test_distance_symmetric_and_nan(void **state)
{
    (void)state;
    double a = geo_distance_m(KREMLIN_LAT, KREMLIN_LON, 59.9343, 30.3351);
    double b = geo_distance_m(59.9343, 30.3351, KREMLIN_LAT, KREMLIN_LON);
    assert_near(a, b, 1e-6);
    assert_true(isnan(geo_distance_m(NAN, 0, 0, 0)));
    assert_true(isnan(geo_distance_m(0, INFINITY, 0, 0)));
}

/* A point d metres due north of the Kremlin reference. */
static double north(double d)
{
    return KREMLIN_LAT + d / GEO_EARTH_RADIUS_M * 180.0 / PI;
}

static bool within(double d, double accuracy)
{
    return geo_within(north(d), KREMLIN_LON, accuracy, KREMLIN_LAT, KREMLIN_LON, GEO_RESIDENCE_RADIUS_M);
}

static void test_within_boundaries(void **state)
{
    (void)state;
    assert_near(geo_distance_m(north(300), KREMLIN_LON, KREMLIN_LAT, KREMLIN_LON), 300.0, 1e-6);
    assert_true(within(0.0, 0.0));
    assert_true(within(299.9, 0.0));
    assert_false(within(300.1, 0.0));
    assert_true(within(349.9, 50.0));
    assert_false(within(350.1, 50.0));
    assert_true(within(799.9, GEO_MAX_ACCURACY_M));
    assert_false(within(800.1, GEO_MAX_ACCURACY_M));
    /* Red Square point, 295 m away: at the residence with any accuracy. */
    assert_true(geo_within(55.7539, 37.6208, 0.0, KREMLIN_LAT, KREMLIN_LON, 300.0));
    /* 423 m away: only when the fix is at least 123 m uncertain. */
    assert_false(geo_within(55.7558, 37.6173, 100.0, KREMLIN_LAT, KREMLIN_LON, 300.0));
    assert_true(geo_within(55.7558, 37.6173, 130.0, KREMLIN_LAT, KREMLIN_LON, 300.0));
}

static void test_within_bad_input(void **state)
{
    (void)state;
    assert_false(geo_within(KREMLIN_LAT, KREMLIN_LON, -1.0, KREMLIN_LAT, KREMLIN_LON, 300.0));
    assert_false(geo_within(KREMLIN_LAT, KREMLIN_LON, 0.0, KREMLIN_LAT, KREMLIN_LON, -1.0));
    assert_false(geo_within(NAN, KREMLIN_LON, 0.0, KREMLIN_LAT, KREMLIN_LON, 300.0));
    assert_false(geo_within(KREMLIN_LAT, KREMLIN_LON, NAN, KREMLIN_LAT, KREMLIN_LON, 300.0));
    assert_false(geo_within(KREMLIN_LAT, KREMLIN_LON, INFINITY, KREMLIN_LAT, KREMLIN_LON, 300.0));
    assert_false(geo_within(KREMLIN_LAT, KREMLIN_LON, 0.0, KREMLIN_LAT, INFINITY, 300.0));
}

/* Rule 3: a fix worse than 500 m does not count; a counted one is at the
 * residence within 300 m plus its accuracy. */
static void test_judge_fix(void **state)
{
    (void)state;
    double lat = 55.7575, lon = 37.6136;
    assert_int_equal(geo_judge_fix(lat, lon, 20, lat, lon), FIX_AT_RESIDENCE);
    assert_int_equal(geo_judge_fix(lat, lon, GEO_MAX_ACCURACY_M, lat, lon), FIX_AT_RESIDENCE);
    assert_int_equal(geo_judge_fix(lat, lon, GEO_MAX_ACCURACY_M + 0.5, lat, lon), FIX_TOO_INACCURATE);
    assert_int_equal(geo_judge_fix(lat, lon, NAN, lat, lon), FIX_TOO_INACCURATE);
    assert_int_equal(geo_judge_fix(55.90, 37.90, 20, lat, lon), FIX_AWAY);
    assert_true(geo_fix_counted(FIX_AWAY) && geo_fix_counted(FIX_AT_RESIDENCE));
    assert_false(geo_fix_counted(FIX_TOO_INACCURATE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_validate_accuracy),
        cmocka_unit_test(test_validate_home_accuracy),
        cmocka_unit_test(test_distance_known_values),
        cmocka_unit_test(test_distance_symmetric_and_nan),
        cmocka_unit_test(test_within_boundaries),
        cmocka_unit_test(test_within_bad_input),
        cmocka_unit_test(test_judge_fix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
