#pragma once
/* Registrations and residences (product rules 2, 7, 10). A person has at
 * most one active registration (a partial unique index enforces it); a
 * residence change closes the old residence row (history kept).
 *
 * This module is the only writer of a registration's status (ended,
 * restored, a lapse mark settled into the row; minor.c inserts a ward's
 * registration active) and the only walk over a guardian's wards (rule 9):
 * ending or restoring them has no cap on their number. */
#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "rules/calendar.h"
#include "store/person.h"
#include "store/region.h"
#include "store/store.h"

typedef struct residence {
    int64_t id;
    char settlement[LIMIT_ADDRESS_PART_BYTES + 1];
    char street[LIMIT_ADDRESS_PART_BYTES + 1];
    char house[LIMIT_ADDRESS_PART_BYTES + 1];
    char building[LIMIT_ADDRESS_PART_BYTES + 1]; /* "" = none */
    char apartment[LIMIT_ADDRESS_PART_BYTES + 1];
    char address_id[LIMIT_ADDRESS_PART_BYTES + 1]; /* national address-register id */
    double ref_lat, ref_lon;                       /* the reference point; the only stored position */
    bool host_confirmed;
} residence_t;

typedef struct registration_view {
    int64_t id; /* 0 = none */
    char region[8];
    char status[8]; /* "active" | "ended" */
    int64_t started_at;
    date_t last_confirmed_on; /* local date of the last counted contact */
    int mismatch_streak;
    bool minor; /* linked to a guardian's registration: no deadline */
    int64_t ended_at;
    char end_reason[24];
    residence_t res;
} registration_view_t;

/* What the app's home screen needs, read in one snapshot. READ lane. */
typedef struct registration_me_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    person_view_t ret_person;
    registration_view_t ret_active; /* id 0 when none */
    registration_view_t ret_last;   /* the most recent ended one, id 0 when none */
} registration_me_op_t;
void registration_me_op_init(registration_me_op_t *o);

/* Register in a region (rule 2). An active registration in another region
 * ends with `moved`; one in the same region is a conflict (already_registered).
 * WRITE lane. `region` was validated by the caller against the region set. */
typedef struct registration_create_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    date_t today; /* local date in the target region */
    char region[8];
    const calendar_t *cal; /* borrowed: for the stored due_date */
    int working_days;      /* the region's confirmation interval */
    residence_t res;
    registration_view_t ret;
} registration_create_op_t;
void registration_create_op_init(registration_create_op_t *o);

/* Declare a new residence for the active registration (rule 7). WRITE lane. */
typedef struct registration_residence_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    residence_t res;
    registration_view_t ret;
} registration_residence_op_t;
void registration_residence_op_init(registration_residence_op_t *o);

/* The person answers a mismatch notice (rule 8) with "my address is right":
 * the streak of away confirmations starts again and the residence's
 * mismatch notices are marked read; audited. The residence itself is not
 * touched. WRITE lane. -ENOENT (no_active_registration) when none. */
typedef struct registration_reaffirm_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    registration_view_t ret;
} registration_reaffirm_op_t;
void registration_reaffirm_op_init(registration_reaffirm_op_t *o);

/* End the active registration with `reason` (departed). WRITE lane. */
typedef struct registration_end_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char reason[24];
    registration_view_t ret;
} registration_end_op_t;
void registration_end_op_init(registration_end_op_t *o);

/* The columns registration_view_from_row reads, in order, from tables
 * aliased r (the view registrations) and s (residences); for other modules'
 * statements that read a registration with something else. */
#define REGISTRATION_VIEW_COLS                                                                                         \
    "r.id, r.region, r.status, r.started_at, r.last_confirmed_on, r.mismatch_streak, r.ended_at,"                      \
    " r.end_reason, s.id, s.settlement, s.street, s.house, s.building, s.apartment, s.address_id,"                     \
    " s.ref_lat, s.ref_lon, s.host_confirmed_at, r.guardian_registration_id IS NOT NULL"
#define REGISTRATION_VIEW_NCOLS 19
/* Fills *ret from the current row's first REGISTRATION_VIEW_NCOLS columns. */
void registration_view_from_row(db_stmt_t *st, registration_view_t *ret);

/* Reads a person's active registration with its current residence.
 * -ENOENT (no_active_registration) when none. */
int registration_active(db_t *db, int64_t person_id, registration_view_t *ret, err_t *err);
/* Ends a registration inside the caller's transaction, with an audit event,
 * and its minors' registrations with it (rule 9). */
int registration_end(
    db_t *db, int64_t reg_id, int64_t person_id, const char *reason, const char *actor, int64_t now, err_t *err);

/* A registration and its person, as the walks over rows return them. */
typedef struct registration_ref {
    int64_t id, person_id;
} registration_ref_t;

/* Rule 9 for the sweep: ends, with `guardian_ended` at now, every open ward
 * of the registrations whose ids the JSON array guardian_ids_json lists
 * (borrowed), each with its audit event. No cap. */
int registration_end_wards_of(db_t *db, const char *guardian_ids_json, int64_t now, err_t *err);

/* An appeal granted (rule 13): makes the lapsed registration reg_id active
 * again with last_confirmed_on = today and due_date = due (a lapse the
 * sweep only marked is settled into the stored row first). -EEXIST with
 * code registered_again when it is no longer ended with `lapsed`. */
int registration_restore(db_t *db, int64_t reg_id, date_t today, date_t due, err_t *err);

/* Rule 9 with rule 13: brings back the wards the guardian registration's
 * lapse ended (`guardian_ended` at ended_at), those with no newer
 * registration of their own, with a `registration.restored` audit event by
 * actor each. No cap on their number. */
int registration_restore_wards(
    db_t *db, int64_t guardian_reg, int64_t ended_at, const char *actor, int64_t now, err_t *err);

/* Rule 9, in one transaction of its own: on day, the 18th birthday, a
 * minor's registration in rg becomes an ordinary one with a fresh deadline,
 * and the person and the guardian get a `minor_adult` notice. Adds how many
 * to *ret_matured. */
int registration_mature(
    db_t *db, const calendar_t *cal, const region_t *rg, date_t day, int64_t now, int64_t *ret_matured, err_t *err);
