#pragma once
/* Regions and their settings (product: "every region has its own settings").
 * Loaded once at start into a read-only set shared by all threads. */
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "rules/date.h"
#include "store/db.h"

#define REGION_NONE_DATE INT32_MIN /* regime_starts_on when the region sets none */
/* Moscow's offset: the regions uchetctl init creates (77, 50) have it, and
 * region_resolve's stand-in for an unknown code keeps it. */
#define REGION_DEFAULT_UTC_OFFSET_MIN 180

typedef struct region {
    char code[8];  /* "77" */
    char name[64]; /* English name */
    char name_ru[96];
    int utc_offset_minutes;   /* Moscow: +180 (no DST since 2014) */
    bool regime;              /* the confirmation regime runs here */
    date_t regime_starts_on;  /* before it: practice mode; REGION_NONE_DATE = always */
    int confirm_working_days; /* rule 4: default 3 */
    char centre_address[256]; /* formal registration address (migration centre) */
} region_t;

typedef struct region_set {
    region_t *items; /* owned */
    size_t n;
} region_set_t;

/* Loads every region. Caller owns *ret (region_set_free). */
int region_load_all(db_t *db, region_set_t *ret, err_t *err);
void region_set_free(region_set_t *rs); /* accepts NULL; frees items only */
/* Borrowed pointer into rs, or NULL. */
const region_t *region_find(const region_set_t *rs, const char *code);
/* Like region_find, but always a region: an unknown code (a region deleted
 * after this set was loaded; registrations refer to regions, so not in
 * practice) resolves to a stand-in with REGION_DEFAULT_UTC_OFFSET_MIN and
 * DEADLINE_WORKING_DAYS. Borrowed pointer, static or into rs. */
const region_t *region_resolve(const region_set_t *rs, const char *code);
/* Inserts or replaces a region (uchetctl init / region set). */
int region_save(db_t *db, const region_t *r, err_t *err);
/* True when `today` is before the region's regime start (rule 11). */
bool region_practice_mode(const region_t *r, date_t today);
