#include "rules/policy.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Indexed by enum value; index 0 is unused (the enums start at 1 so that a
 * zeroed struct never holds a valid purpose by accident). */
static const char *const PURPOSE_NAMES[] = {
    NULL,
    "work",
    "study",
    "private",
    "tourism",
    "business",
    "other",
};
static const char *const ENTRY_NAMES[] = {NULL, "visa_free", "visa"};
static const char *const DUTY_NAMES[] = {"none", "confirm", "minor"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Index i >= 1 with names[i] equal to s, or 0. */
static int lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 1; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return 0;
}

int policy_purpose_parse(const char *s, purpose_t *ret)
{
    int i = lookup(PURPOSE_NAMES, COUNT(PURPOSE_NAMES), s);
    if (i == 0)
        return -EINVAL;
    *ret = (purpose_t)i;
    return 0;
}

int policy_entry_regime_parse(const char *s, entry_regime_t *ret)
{
    int i = lookup(ENTRY_NAMES, COUNT(ENTRY_NAMES), s);
    if (i == 0)
        return -EINVAL;
    *ret = (entry_regime_t)i;
    return 0;
}

const char *policy_purpose_name(purpose_t p)
{
    return (int)p >= 1 && (size_t)p < COUNT(PURPOSE_NAMES) ? PURPOSE_NAMES[p] : NULL;
}

const char *policy_entry_regime_name(entry_regime_t e)
{
    return (int)e >= 1 && (size_t)e < COUNT(ENTRY_NAMES) ? ENTRY_NAMES[e] : NULL;
}

const char *policy_duty_name(duty_t d)
{
    return (int)d >= 0 && (size_t)d < COUNT(DUTY_NAMES) ? DUTY_NAMES[d] : NULL;
}

int policy_age_years(date_t birth, date_t today)
{
    int by, bm, bd, ty, tm, td;
    date_to_ymd(birth, &by, &bm, &bd);
    date_to_ymd(today, &ty, &tm, &td);
    /* Comparing (month, day) pairs puts Feb 29 after Feb 28 and before
     * Mar 1, which is exactly the common-year rule. */
    int before_birthday = tm < bm || (tm == bm && td < bd);
    return ty - by - before_birthday;
}

date_t policy_adult_date(date_t birth)
{
    int y, m, d;
    date_to_ymd(birth, &y, &m, &d);
    /* date_from_ymd rolls Feb 29 of a common year over to Mar 1, matching
     * policy_age_years. */
    return date_from_ymd(y + POLICY_ADULT_AGE, m, d);
}

duty_t policy_duty(purpose_t purpose, entry_regime_t entry, date_t birth, date_t today)
{
    if (purpose != PURPOSE_WORK || entry != ENTRY_VISA_FREE || today < birth)
        return DUTY_NONE;
    return policy_age_years(birth, today) >= POLICY_ADULT_AGE ? DUTY_CONFIRM : DUTY_MINOR;
}
