#include "rules/deadline.h"

void deadline_compute(const calendar_t *cal, date_t last, date_t today, int n, int offset_min, deadline_t *ret)
{
    bool provisional = false;
    date_t due = calendar_add_working_days(cal, last, n < 0 ? 0 : n, &provisional);
    /* The day of the last confirmation never counts; the guard only keeps
     * last + 1 defined for a nonsensical last. */
    date_t from = today > last ? today : last < INT32_MAX ? last + 1 : last;
    ret->due_date = due;
    ret->lapse_at = deadline_lapse_at(due, offset_min);
    ret->working_days_left = calendar_count_working_days(cal, from, due, &provisional);
    ret->provisional = provisional;
}

int64_t deadline_lapse_at(date_t due, int offset_min)
{
    return date_local_midnight(due + 1, offset_min);
}

bool deadline_overdue(date_t due, date_t today)
{
    return today > due;
}

int64_t deadline_appeal_closes(int64_t lapsed_at)
{
    return lapsed_at + (int64_t)(APPEAL_WINDOW_DAYS + 1) * DATE_SECONDS_PER_DAY;
}

date_t deadline_appeal_until(int64_t lapsed_at, int offset_min)
{
    return date_local(deadline_appeal_closes(lapsed_at) - 1, offset_min);
}

date_t deadline_appeal_decision_due(const calendar_t *cal, int64_t filed_at, int offset_min)
{
    return calendar_add_working_days(cal, date_local(filed_at, offset_min), APPEAL_DECISION_WORKING_DAYS, NULL);
}
