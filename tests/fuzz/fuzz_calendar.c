/* libFuzzer target for the calendar text parser (calendar_load_year).
 *
 * Feeds arbitrary bytes as one year's text and then checks what the parser
 * promised: a failure leaves an error code and changes nothing; a success
 * adds exactly one year whose answers are consistent with each other.
 * A broken promise traps, which libFuzzer reports as a crash. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules/calendar.h"

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            __builtin_trap();                                                                                          \
    } while (0)

/* The one loaded year, or 0. */
static int loaded_year(const calendar_t *cal)
{
    int found = 0;
    for (int y = DATE_MIN_YEAR; y <= DATE_MAX_YEAR; y++) {
        if (calendar_has_year(cal, y)) {
            CHECK(found == 0);
            found = y;
        }
    }
    return found;
}

static void check_failure(const calendar_t *cal, int r, const err_t *err)
{
    CHECK(r == -EINVAL);
    CHECK(err->errnum == r);
    CHECK(strcmp(err->code, "calendar_syntax") == 0);
    CHECK(err->msg[0] != '\0');
    CHECK(loaded_year(cal) == 0);
}

static void check_year(const calendar_t *cal, const char *text, size_t size)
{
    int year = loaded_year(cal);
    CHECK(year != 0);
    const char *decree = calendar_decree(cal, year);
    CHECK(decree == NULL || strlen(decree) <= CALENDAR_DECREE_MAX);

    date_t first = date_from_ymd(year, 1, 1), last = date_from_ymd(year, 12, 31);
    int counted = 0;
    for (date_t d = first; d <= last; d++) {
        bool prov = true;
        counted += calendar_is_working_day(cal, d, &prov);
        CHECK(!prov);
    }
    bool prov = false;
    CHECK(calendar_count_working_days(cal, first, last, &prov) == counted);
    CHECK(!prov);
    if (counted > 0) {
        date_t e = calendar_add_working_days(cal, first - 1, counted, &prov);
        CHECK(e <= last && calendar_is_working_day(cal, e, NULL));
    }

    /* The same text again is refused as a duplicate, and changes nothing. */
    err_t err;
    err_clear(&err);
    CHECK(calendar_load_year((calendar_t *)cal, text, size, &err) == -EEXIST);
    CHECK(calendar_count_working_days(cal, first, last, NULL) == counted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    calendar_t *cal = calendar_new();
    if (!cal)
        return 0;
    err_t err;
    err_clear(&err);
    int r = calendar_load_year(cal, (const char *)data, size, &err);
    if (r < 0)
        check_failure(cal, r, &err);
    else
        check_year(cal, (const char *)data, size);
    calendar_free(cal);
    return 0;
}
