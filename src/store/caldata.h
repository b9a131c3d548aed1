#pragma once
/* Loads the shipped production calendars (data/calendar/ru/YYYY.txt) into a
 * calendar_t. Years without a file fall back to the Labour Code rules inside
 * rules/calendar (answers marked provisional). */
#include "base/err.h"
#include "rules/calendar.h"

/* Reads every YYYY.txt for 2000..2100 present under dir. Caller owns *ret
 * (calendar_free). *ret_years = how many files were loaded. */
int caldata_load(const char *dir, calendar_t **ret, int *ret_years, err_t *err);
