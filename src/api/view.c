#include "api/view.h"

#include <string.h>

#include "rules/deadline.h"
#include "store/appeal.h"
#include "rules/policy.h"

json_t *view_time(int64_t unix_s, int offset_min)
{
    char buf[32];
    time_format_rfc3339(unix_s, offset_min, buf);
    return json_string(buf);
}

static json_t *date_json(date_t d)
{
    char buf[11];
    date_format(d, buf);
    return json_string(buf);
}

static json_t *opt_string(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

json_t *view_person(const person_view_t *p, date_t today)
{
    purpose_t purpose = 0;
    entry_regime_t entry = 0;
    date_t birth = 0;
    const char *duty = "none";
    if (policy_purpose_parse(p->purpose, &purpose) == 0 && policy_entry_regime_parse(p->entry_regime, &entry) == 0 &&
        date_parse(p->birth_date, strlen(p->birth_date), &birth) == 0)
        duty = policy_duty_name(policy_duty(purpose, entry, birth, today));
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)p->id, "surname", p->surname,
        "given_names", p->given_names, "surname_cyr", opt_string(p->surname_cyr), "given_names_cyr",
        opt_string(p->given_names_cyr), "birth_date", p->birth_date, "citizenship", p->citizenship, "language",
        p->language, "purpose", p->purpose, "entry_regime", p->entry_regime, "duty", duty);
}

static json_t *view_residence(const residence_t *r)
{
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:b}", "settlement", r->settlement, "street", r->street, "house",
        r->house, "building", opt_string(r->building), "apartment", opt_string(r->apartment), "address_id",
        opt_string(r->address_id), "confirmed_by_host", r->host_confirmed);
}

json_t *view_registration(const api_world_t *w, const registration_view_t *reg, int64_t now)
{
    const region_t *rg = region_resolve(&w->regions, reg->region);
    int offset = rg->utc_offset_minutes;
    date_t today = date_local(now, offset);
    deadline_t dl;
    deadline_compute(w->cal, reg->last_confirmed_on, today, rg->confirm_working_days, offset, &dl);
    /* The notices count the days after today ("one working day left" is the
     * day before the last); the app's home screen says it the same way. */
    int after_today = today < dl.due_date ? calendar_count_working_days(w->cal, today + 1, dl.due_date, NULL) : 0;
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:i,s:i,s:b,s:s}", "id", (json_int_t)reg->id, "region",
        reg->region, "region_name", rg->name[0] ? rg->name : reg->region, "status", reg->status, "started_at",
        view_time(reg->started_at, offset), "residence", view_residence(&reg->res), "last_confirmed_on",
        date_json(reg->last_confirmed_on), "due_date", date_json(dl.due_date), "lapse_at",
        view_time(dl.lapse_at, offset), "working_days_left", dl.working_days_left, "working_days_after_today",
        after_today, "practice_mode", region_practice_mode(rg, today), "calendar",
        dl.provisional ? "provisional" : "official");
    return o;
}

json_t *view_ended(const api_world_t *w, const registration_view_t *reg)
{
    const region_t *rg = region_resolve(&w->regions, reg->region);
    int offset = rg->utc_offset_minutes;
    /* The residence goes back to its owner so that registering again is one
     * step from any phone (rule 6); its reference point never leaves. */
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o}", "id", (json_int_t)reg->id, "region", reg->region,
        "region_name", rg->name[0] ? rg->name : reg->region, "status", "ended", "end_reason", reg->end_reason,
        "ended_at", view_time(reg->ended_at, offset), "residence", view_residence(&reg->res));
    /* Rule 13: the last local day an appeal is accepted, from the same
     * rule the server applies (so the app never works it out itself). */
    if (o && strcmp(reg->end_reason, "lapsed") == 0)
        json_object_set_new(o, "appeal_until", date_json(deadline_appeal_until(reg->ended_at, offset)));
    return o;
}
