#include "store/region.h"

#include "rules/deadline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_ALL[] =
    "SELECT code, name, name_ru, utc_offset_minutes, regime, regime_starts_on, confirm_working_days,"
    " centre_address FROM regions ORDER BY code";
static const char SQL_SAVE[] =
    "INSERT INTO regions (code, name, name_ru, utc_offset_minutes, regime, regime_starts_on,"
    " confirm_working_days, centre_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_ru = excluded.name_ru,"
    " utc_offset_minutes = excluded.utc_offset_minutes, regime = excluded.regime,"
    " regime_starts_on = excluded.regime_starts_on,"
    " confirm_working_days = excluded.confirm_working_days, centre_address = excluded.centre_address";

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void row_to_region(db_stmt_t *st, region_t *r)
{
    memset(r, 0, sizeof *r);
    copy_text(r->code, sizeof r->code, db_col_text(st, 0));
    copy_text(r->name, sizeof r->name, db_col_text(st, 1));
    copy_text(r->name_ru, sizeof r->name_ru, db_col_text(st, 2));
    r->utc_offset_minutes = (int)db_col_int(st, 3);
    r->regime = db_col_int(st, 4) != 0;
    const char *start = db_col_text(st, 5);
    if (!start || date_parse(start, strlen(start), &r->regime_starts_on) < 0)
        r->regime_starts_on = REGION_NONE_DATE;
    r->confirm_working_days = (int)db_col_int(st, 6);
    copy_text(r->centre_address, sizeof r->centre_address, db_col_text(st, 7));
}

int region_load_all(db_t *db, region_set_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ALL, &st, err);
    if (r < 0)
        return r;
    region_set_t rs = {0};
    while ((r = db_step(st, err)) == 1) {
        region_t *grown = realloc(rs.items, (rs.n + 1) * sizeof *grown);
        if (!grown) {
            r = err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
            break;
        }
        rs.items = grown;
        row_to_region(st, &rs.items[rs.n++]);
    }
    if (r < 0) {
        free(rs.items);
        return r;
    }
    *ret = rs;
    return 0;
}

void region_set_free(region_set_t *rs)
{
    if (!rs)
        return;
    free(rs->items);
    rs->items = NULL;
    rs->n = 0;
}

const region_t *region_find(const region_set_t *rs, const char *code)
{
    for (size_t i = 0; code && i < rs->n; i++)
        if (strcmp(rs->items[i].code, code) == 0)
            return &rs->items[i];
    return NULL;
}

const region_t *region_resolve(const region_set_t *rs, const char *code)
{
    static const region_t stand_in = {.code = "",
        .utc_offset_minutes = REGION_DEFAULT_UTC_OFFSET_MIN,
        .regime = true,
        .regime_starts_on = REGION_NONE_DATE,
        .confirm_working_days = DEADLINE_WORKING_DAYS};
    const region_t *rg = region_find(rs, code);
    return rg ? rg : &stand_in;
}

int region_save(db_t *db, const region_t *rg, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_SAVE, &st, err);
    if (r < 0)
        return r;
    char start[11];
    if (rg->regime_starts_on != REGION_NONE_DATE)
        date_format(rg->regime_starts_on, start);
    db_bind_text(st, 1, rg->code);
    db_bind_text(st, 2, rg->name);
    db_bind_text(st, 3, rg->name_ru);
    db_bind_int(st, 4, rg->utc_offset_minutes);
    db_bind_int(st, 5, rg->regime);
    db_bind_text(st, 6, rg->regime_starts_on != REGION_NONE_DATE ? start : NULL);
    db_bind_int(st, 7, rg->confirm_working_days);
    db_bind_text(st, 8, rg->centre_address);
    return db_run(st, err);
}

bool region_practice_mode(const region_t *r, date_t today)
{
    return r->regime_starts_on != REGION_NONE_DATE && today < r->regime_starts_on;
}
