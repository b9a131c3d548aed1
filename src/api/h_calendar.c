/* GET /api/v1/regions, GET /api/v1/calendar/{region}/working-days */
#include <errno.h>
#include <string.h>

#include "api/handlers.h"
#include "base/limits.h"

void h_regions(api_req_t *r)
{
    json_t *items = json_array();
    for (size_t i = 0; i < r->w->regions.n; i++) {
        const region_t *g = &r->w->regions.items[i];
        char start[11];
        if (g->regime_starts_on != REGION_NONE_DATE)
            date_format(g->regime_starts_on, start);
        json_array_append_new(
            items, json_pack("{s:s,s:s,s:s,s:i,s:b,s:o,s:i,s:s}", "code", g->code, "name", g->name, "name_ru",
                       g->name_ru, "utc_offset_minutes", g->utc_offset_minutes, "regime", g->regime, "regime_starts_on",
                       g->regime_starts_on != REGION_NONE_DATE ? json_string(start) : json_null(),
                       "confirm_working_days", g->confirm_working_days, "centre_address", g->centre_address));
    }
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int date_param(const api_req_t *r, const char *name, date_t *ret, err_t *e)
{
    h2o_iovec_t v;
    if (!api_query_param(r, name, &v))
        return err_set(e, -EINVAL, "missing_field", "The query parameter \"%s\" is required (YYYY-MM-DD).", name);
    if (date_parse(v.base, v.len, ret) < 0)
        return err_set(e, -EINVAL, "invalid_date", "The query parameter \"%s\" must be a date YYYY-MM-DD.", name);
    return 0;
}

void h_calendar(api_req_t *r)
{
    char code[8] = "";
    if (r->params[0].len < sizeof code)
        memcpy(code, r->params[0].base, r->params[0].len);
    const region_t *g = region_find(&r->w->regions, code);
    if (!g) {
        api_problem(r, 404, "unknown_region", "No such region.");
        return;
    }
    err_t e = {0};
    date_t from, to;
    if (date_param(r, "from", &from, &e) < 0 || date_param(r, "to", &to, &e) < 0) {
        api_problem_err(r, &e);
        return;
    }
    if (to < from || to - from >= LIMIT_CALENDAR_SPAN_DAYS) {
        api_problem(r, 400, "invalid_range", "\"to\" must not be before \"from\", and the span is at most 366 days.");
        return;
    }
    bool provisional = false;
    json_t *days = json_array();
    for (date_t d = from; d <= to; d++) {
        char buf[11];
        date_format(d, buf);
        bool prov = false;
        bool working = calendar_is_working_day(r->w->cal, d, &prov);
        provisional |= prov;
        json_array_append_new(days, json_pack("{s:s,s:b}", "date", buf, "working", working));
    }
    char fb[11], tb[11];
    date_format(from, fb);
    date_format(to, tb);
    api_reply_json(r, 200,
        json_pack("{s:s,s:s,s:s,s:s,s:o}", "region", g->code, "from", fb, "to", tb, "calendar",
            provisional ? "provisional" : "official", "days", days));
}
