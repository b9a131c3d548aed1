#include "rules/date.h"

#include "base/parse.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define SECONDS_PER_DAY DATE_SECONDS_PER_DAY
#define MAX_OFFSET_MIN (24 * 60 - 1)

/* Division rounding toward minus infinity, so that instants and dates before
 * 1970 land on the right day. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0)))
        r += b;
    return r;
}

/* Days from 1970-01-01 to y-m-d for m in 1..12 and any d (d enters linearly,
 * which is what lets date_from_ymd roll over). Eras of 400 years (146097
 * days) make the leap rule exact; March-based years put Feb 29 last. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

date_t date_from_ymd(int y, int m, int d)
{
    int64_t yy = (int64_t)y + floor_div((int64_t)m - 1, 12);
    int64_t mm = floor_mod((int64_t)m - 1, 12) + 1;
    return (date_t)days_from_civil(yy, mm, d);
}

void date_to_ymd(date_t d, int *ret_y, int *ret_m, int *ret_d)
{
    int64_t z = (int64_t)d + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *ret_y = (int)(yoe + era * 400 + (m <= 2));
    *ret_m = (int)m;
    *ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

int date_is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return days[m - 1] + (m == 2 && date_is_leap_year(y));
}

/* Reads len decimal digits at s as a number in [min, max]. */
static bool field(const char *s, size_t len, int min, int max, int *ret)
{
    uint64_t v;
    if (parse_u64(s, len, (uint64_t)min, (uint64_t)max, &v) < 0)
        return false;
    *ret = (int)v;
    return true;
}

int date_parse(const char *s, size_t len, date_t *ret)
{
    int y, m, d;
    if (!s || len != 10 || s[4] != '-' || s[7] != '-')
        return -EINVAL;
    if (!field(s, 4, DATE_MIN_YEAR, DATE_MAX_YEAR, &y) || !field(s + 5, 2, 1, 12, &m) ||
        !field(s + 8, 2, 1, date_days_in_month(y, m), &d))
        return -EINVAL;
    *ret = date_from_ymd(y, m, d);
    return 0;
}

/* Writes v (0 <= v < 10^width) as exactly width decimal digits. Done by
 * hand because the compiler cannot prove snprintf's fields fit. */
static char *put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Writes "YYYY-MM-DD" (no NUL) for a year already known to be 0..9999. */
static char *put_ymd(char *p, int y, int m, int d)
{
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    return put_digits(p, d, 2);
}

void date_format(date_t d, char out[11])
{
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    if (y < 0 || y > 9999) {
        memcpy(out, "0000-00-00", 11);
        return;
    }
    *put_ymd(out, y, m, dd) = '\0';
}

int date_weekday(date_t d)
{
    /* 1970-01-01 was a Thursday (4). */
    return (int)floor_mod((int64_t)d + 3, 7) + 1;
}

/* Parses the optional ":SS[.f...]" part at s[*pos]; advances *pos. */
static bool parse_seconds(const char *s, size_t len, size_t *pos, int *ret_sec)
{
    size_t p = *pos;
    *ret_sec = 0;
    if (p >= len || s[p] != ':') {
        return true;
    }
    if (p + 3 > len || !field(s + p + 1, 2, 0, 59, ret_sec))
        return false;
    p += 3;
    if (p < len && s[p] == '.') {
        size_t start = ++p;
        while (p < len && s[p] >= '0' && s[p] <= '9')
            p++;
        if (p == start || p - start > 9)
            return false;
    }
    *pos = p;
    return true;
}

/* Parses the zone designator, which must end the string exactly. */
static bool parse_zone(const char *s, size_t len, size_t pos, int *ret_offset)
{
    if (pos + 1 == len && (s[pos] == 'Z' || s[pos] == 'z')) {
        *ret_offset = 0;
        return true;
    }
    int hh, mm;
    if (pos + 6 != len || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':')
        return false;
    if (!field(s + pos + 1, 2, 0, 23, &hh) || !field(s + pos + 4, 2, 0, 59, &mm))
        return false;
    *ret_offset = (s[pos] == '-' ? -1 : 1) * (hh * 60 + mm);
    return true;
}

int time_parse_rfc3339(const char *s, size_t len, int64_t *ret_unix, int *ret_offset_min)
{
    date_t day;
    int hh, mm, ss, offset;
    size_t pos = 16;
    if (!s || len < 17 || date_parse(s, 10, &day) < 0)
        return -EINVAL;
    if ((s[10] != 'T' && s[10] != 't') || s[13] != ':')
        return -EINVAL;
    if (!field(s + 11, 2, 0, 23, &hh) || !field(s + 14, 2, 0, 59, &mm))
        return -EINVAL;
    if (!parse_seconds(s, len, &pos, &ss) || !parse_zone(s, len, pos, &offset))
        return -EINVAL;
    *ret_unix = (int64_t)day * SECONDS_PER_DAY + hh * 3600 + mm * 60 + ss - (int64_t)offset * 60;
    if (ret_offset_min)
        *ret_offset_min = offset;
    return 0;
}

/* Splits unix_s + offset_min into a local day and second-of-day without
 * forming the possibly overflowing sum. */
static void local_split(int64_t unix_s, int offset_min, int64_t *ret_day, int64_t *ret_sec)
{
    int64_t day = floor_div(unix_s, SECONDS_PER_DAY);
    int64_t sec = floor_mod(unix_s, SECONDS_PER_DAY) + (int64_t)offset_min * 60;
    *ret_day = day + floor_div(sec, SECONDS_PER_DAY);
    *ret_sec = floor_mod(sec, SECONDS_PER_DAY);
}

void time_format_rfc3339(int64_t unix_s, int offset_min, char out[32])
{
    int64_t day, sec;
    int y, m, d;
    if (offset_min < -MAX_OFFSET_MIN || offset_min > MAX_OFFSET_MIN)
        offset_min = 0;
    local_split(unix_s, offset_min, &day, &sec);
    if (day < date_from_ymd(0, 1, 1) || day > date_from_ymd(9999, 12, 31)) {
        memcpy(out, "0000-00-00T00:00:00Z", 21);
        return;
    }
    date_to_ymd((date_t)day, &y, &m, &d);
    char *p = put_ymd(out, y, m, d);
    *p++ = 'T';
    p = put_digits(p, (int)(sec / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (int)(sec / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (int)(sec % 60), 2);
    if (offset_min == 0) {
        *p++ = 'Z';
    } else {
        int a = offset_min < 0 ? -offset_min : offset_min;
        *p++ = offset_min < 0 ? '-' : '+';
        p = put_digits(p, a / 60, 2);
        *p++ = ':';
        p = put_digits(p, a % 60, 2);
    }
    *p = '\0';
}

date_t date_local(int64_t unix_s, int offset_min)
{
    int64_t day, sec;
    local_split(unix_s, offset_min, &day, &sec);
    if (day < INT32_MIN)
        return INT32_MIN;
    if (day > INT32_MAX)
        return INT32_MAX;
    return (date_t)day;
}

int64_t date_local_midnight(date_t d, int offset_min)
{
    return (int64_t)d * SECONDS_PER_DAY - (int64_t)offset_min * 60;
}
