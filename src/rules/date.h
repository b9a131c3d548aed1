#pragma once
/* Civil dates and instants, without time-zone databases or libc's locale
 * state: pure arithmetic on the proleptic Gregorian calendar.
 *
 * A date is a day number: days since 1970-01-01 (negative before it). An
 * instant is int64_t seconds since the Unix epoch (UTC). A region's local
 * time is UTC plus a fixed offset in minutes (Moscow +180); Russia has had no
 * daylight saving time since 2014, so a fixed offset per region suffices. */
#include <stddef.h>
#include <stdint.h>

typedef int32_t date_t;

/* The years date_parse and time_parse_rfc3339 accept. Wider than any date
 * uchet stores (birth dates, registrations), narrow enough that no
 * arithmetic on the results can overflow. */
#define DATE_MIN_YEAR 1900
#define DATE_MAX_YEAR 2200
/* Every day is this long: fixed offsets, no leap seconds in Unix time. */
#define DATE_SECONDS_PER_DAY 86400

/* The day number of y-m-d. No validation: m and d outside their ranges roll
 * over arithmetically (m=13 is January of y+1, d=0 the last day of the
 * previous month), which callers may use for "the day before". */
date_t date_from_ymd(int y, int m, int d);

/* Splits d into year, month (1..12) and day (1..31). All three outputs are
 * required. */
void date_to_ymd(date_t d, int *ret_y, int *ret_m, int *ret_d);

/* True (1) for Gregorian leap years. */
int date_is_leap_year(int y);

/* Days in month m (1..12) of year y; 0 for a month outside 1..12. */
int date_days_in_month(int y, int m);

/* Parses exactly "YYYY-MM-DD" (len bytes, no NUL needed): a real calendar
 * date with the year in DATE_MIN_YEAR..DATE_MAX_YEAR. Returns 0 and writes
 * *ret, or -EINVAL (nothing written) for anything else: wrong length, signs,
 * spaces, "2025-1-01", "2025-02-29", trailing bytes. */
int date_parse(const char *s, size_t len, date_t *ret);

/* Writes "YYYY-MM-DD" and a NUL into out. A date whose year is outside
 * 0..9999 cannot be written in that form and comes out as "0000-00-00". */
void date_format(date_t d, char out[11]);

/* ISO weekday of d: 1 = Monday .. 7 = Sunday. */
int date_weekday(date_t d);

/* Parses an RFC 3339 timestamp of the form
 *   YYYY-MM-DDTHH:MM[:SS[.f...]](Z|+HH:MM|-HH:MM)
 * ('t' and 'z' also accepted, as RFC 3339 allows; seconds 00..59, so no leap
 * second; 1..9 fraction digits, truncated toward the earlier second; offsets
 * up to 23:59). Returns 0 and writes *ret_unix (seconds since the epoch, UTC)
 * and, if ret_offset_min is not NULL, the offset in minutes east of UTC
 * ("-00:00" reads as 0). -EINVAL for anything else; nothing is written. */
int time_parse_rfc3339(const char *s, size_t len, int64_t *ret_unix, int *ret_offset_min);

/* Writes unix_s as local time at offset_min, e.g. "2025-11-07T00:00:00+03:00"
 * ("Z" for offset 0), NUL-terminated, at most 26 bytes with the NUL. An
 * offset outside -1439..1439 is treated as 0; an instant whose local year is
 * outside 0..9999 comes out as "0000-00-00T00:00:00Z". */
void time_format_rfc3339(int64_t unix_s, int offset_min, char out[32]);

/* The local civil date at instant unix_s in a zone offset_min minutes east of
 * UTC. Saturates at the ends of date_t's range rather than overflowing. */
date_t date_local(int64_t unix_s, int offset_min);

/* The instant (unix seconds) of 00:00 local time on d in a zone offset_min
 * minutes east of UTC. */
int64_t date_local_midnight(date_t d, int offset_min);
