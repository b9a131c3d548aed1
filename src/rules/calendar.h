#pragma once
/* The production calendar of the Russian Federation: which days are working
 * days (product rule 4).
 *
 * Official years are loaded from text, one file per year
 * (data/calendar/ru/YYYY.txt). A year with no loaded text is "provisional":
 * it follows Labour Code art. 112 alone, and every answer that touched such a
 * day says so, because the government's transfer decree for that year may
 * still move days.
 *
 * Calendar text format, one directive per line:
 *
 *     # Production calendar of the Russian Federation for 2025
 *     year 2025
 *     decree No. 1335 of 04.10.2024
 *     off 2025-01-01..2025-01-08     # New Year holidays
 *     off 2025-05-02                 # transferred from Sat 2025-01-04
 *     work 2025-11-01                # working Saturday
 *
 * - '#' starts a comment that runs to the end of the line; blank lines are
 *   ignored; spaces and tabs around words are ignored; a '\r' before the '\n'
 *   is ignored. Any other control byte is an error.
 * - `year YYYY` comes first (before any other directive), exactly once,
 *   with YYYY in DATE_MIN_YEAR..DATE_MAX_YEAR.
 * - `decree TEXT`: at most once; TEXT is 1..CALENDAR_DECREE_MAX bytes of
 *   printable UTF-8 (it cannot contain '#').
 * - `off DATE` or `off DATE..DATE`: non-working days (holidays and days off
 *   transferred by the decree). Ranges are inclusive, no spaces inside.
 * - `work DATE` or `work DATE..DATE`: a Saturday or Sunday made a working
 *   day. A weekday or a day also listed as `off` is an error.
 * - Every DATE is "YYYY-MM-DD" inside the declared year.
 * - Saturdays and Sundays are off and Monday..Friday working unless listed.
 *   The art. 112 holidays are NOT implied: an official year lists every
 *   non-working weekday itself, exactly as the decree's calendar shows it.
 *
 * Thread safety: a calendar is filled once at start-up; after that every
 * const function may be called from any number of threads at once. */
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "rules/date.h"

/* Largest calendar text accepted (a real year is about 1 KiB). */
#define CALENDAR_TEXT_MAX (64 * 1024)
/* Longest decree text, in bytes. */
#define CALENDAR_DECREE_MAX 200
/* add_working_days clamps n to this (about 400 years of working days). */
#define CALENDAR_MAX_WORKING_DAYS 100000

typedef struct calendar calendar_t;

/* A new calendar with no year loaded (every year provisional). Caller owns;
 * free with calendar_free. NULL on out-of-memory. */
calendar_t *calendar_new(void);

/* Frees cal and everything it holds. Accepts NULL. */
void calendar_free(calendar_t *cal);

/* Parses one year's text (len bytes; no NUL needed; see the format above)
 * and adds that year. The text is not retained. Returns 0, or
 *   -EINVAL  bad text: err code "calendar_syntax", msg names the line;
 *   -EEXIST  that year is already loaded: code "calendar_year_loaded";
 *   -ENOMEM  out of memory: code "out_of_memory".
 * On failure cal is unchanged. */
int calendar_load_year(calendar_t *cal, const char *text, size_t len, err_t *err);

/* True if an official calendar for year is loaded. */
bool calendar_has_year(const calendar_t *cal, int year);

/* True if d is a working day. *ret_provisional (may be NULL) is set to true
 * when d's year has no loaded calendar and the art. 112 fallback answered,
 * and to false otherwise. The fallback: Saturdays and Sundays off; holidays
 * Jan 1-8, Feb 23, Mar 8, May 1, May 9, Jun 12, Nov 4; a holiday other than
 * Jan 1-8 that falls on a Saturday or Sunday moves the day off to the next
 * working day. (A date outside years 1..99999 gets the bare weekend rule,
 * provisional.) */
bool calendar_is_working_day(const calendar_t *cal, date_t d, bool *ret_provisional);

/* The n-th working day strictly after from (from itself when n <= 0). n is
 * clamped to CALENDAR_MAX_WORKING_DAYS and from into years 1..9999, which
 * only matters for nonsense input. Sets *ret_provisional (may be NULL) to true
 * if any day examined was provisional and leaves it alone otherwise, so the
 * caller initialises it (to false) and can OR several answers together. */
date_t calendar_add_working_days(const calendar_t *cal, date_t from, int n, bool *ret_provisional);

/* The number of working days d with from <= d <= to; 0 if to < from. The
 * range is clipped to years 1..9999. *ret_provisional
 * (may be NULL) is ORed like calendar_add_working_days's. */
int calendar_count_working_days(const calendar_t *cal, date_t from, date_t to, bool *ret_provisional);

/* The decree text of a loaded year ("No. 1335 of 04.10.2024"), or NULL when
 * the year is not loaded or its text had no decree line. Borrowed: valid
 * until cal is freed. */
const char *calendar_decree(const calendar_t *cal, int year);
