#pragma once
/* Appeals against a lapse (product rule 13).
 *
 * Until the end of the APPEAL_WINDOW_DAYS-th day after the lapse of the person's most recent
 * registration the person may appeal once, with a reason. A registrar
 * decides with a written reason: a granted appeal restores that registration
 * as if it had never lapsed, with a fresh deadline counted from the day of
 * the decision; a refused one changes nothing. Filing and deciding are both
 * audited, and the person gets a notice of the outcome (`appeal_granted`
 * {due_date} or `appeal_refused` {reason}).
 *
 * Invariants: at most one appeal per registration (a unique index); only a
 * registration that ended with `lapsed` is appealed; a registration is
 * restored only while it is still the person's newest one. */
#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "rules/calendar.h"
#include "rules/deadline.h" /* APPEAL_WINDOW_DAYS, deadline_appeal_closes: rule 13 */
#include "store/officer.h"
#include "store/region.h"
#include "store/store.h"

#define APPEAL_REASON_MIN 10                       /* characters, the person's reason */
#define APPEAL_REASON_MAX LIMIT_REASON_BYTES       /* characters (500) */
#define APPEAL_DECISION_MIN 5                      /* characters, the registrar's reason */
#define APPEAL_TEXT_BYTES (4 * LIMIT_REASON_BYTES) /* UTF-8 worst case of either */
#define APPEAL_MINE_MAX 20                         /* a person's appeals per answer */
#define APPEAL_QUEUE_MAX 50                        /* desk queue rows per answer, oldest first */

typedef struct appeal_row {
    int64_t id;
    int64_t registration_id;
    char region[8];           /* of the appealed registration */
    date_t last_confirmed_on; /* of the appealed registration, before any decision */
    int64_t lapsed_at;        /* when it ended with `lapsed` */
    char status[10];          /* "pending" | "granted" | "refused" */
    char reason[APPEAL_TEXT_BYTES + 1];
    int64_t filed_at;
    int64_t decided_at;                          /* 0 while pending */
    char decision_reason[APPEAL_TEXT_BYTES + 1]; /* "" while pending */
} appeal_row_t;

/* WRITE lane. The person appeals the lapse of their most recent
 * registration. -EEXIST with code no_lapsed_registration (the newest
 * registration did not end with `lapsed`, or there is none),
 * appeal_window_closed (deadline_appeal_closes has passed) or
 * appeal_exists (already appealed). The caller checked the reason's length. */
typedef struct appeal_file_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char reason[APPEAL_TEXT_BYTES + 1];
    appeal_row_t ret;
} appeal_file_op_t;
void appeal_file_op_init(appeal_file_op_t *o);

/* READ lane. The person's own appeals, newest first. */
typedef struct appeal_mine_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int ret_n;
    appeal_row_t ret[APPEAL_MINE_MAX];
} appeal_mine_op_t;
void appeal_mine_op_init(appeal_mine_op_t *o);

/* READ lane, one statement with the session check (OFFICER_READ_SQL). A
 * registrar's queue: appeals with `status`, oldest first. The rows carry no
 * name, document or citizenship: a registrar decides on the reason and the
 * dates alone. -EACCES (unauthorized), -EPERM (role_forbidden) for other
 * roles. */
typedef struct appeal_queue_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    unsigned roles; /* the route's allowed officer roles (api/desk_acl.h) */
    int64_t now;
    char status[10];      /* "pending" | "granted" | "refused" */
    officer_ref_t ret_me; /* who asked, for the slide (api/desk_slide.h) */
    int ret_n;
    appeal_row_t ret[APPEAL_QUEUE_MAX];
} appeal_queue_op_t;
void appeal_queue_op_init(appeal_queue_op_t *o);

/* WRITE lane. A registrar decides a pending appeal with a written reason.
 * Granted: the registration becomes active again with end_reason and
 * ended_at cleared, last_confirmed_on = the decision's local date and
 * due_date = that date plus the region's working days. -ENOENT (not_found),
 * -EEXIST with code appeal_decided (not pending) or registered_again (the
 * person has a newer registration; nothing changes), -EPERM (forbidden). */
typedef struct appeal_decide_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    unsigned roles; /* the route's allowed officer roles (api/desk_acl.h) */
    int64_t now;
    int64_t appeal_id;
    bool grant;
    char reason[APPEAL_TEXT_BYTES + 1];
    const calendar_t *cal;       /* borrowed, read-only */
    const region_set_t *regions; /* borrowed, read-only */
    appeal_row_t ret;            /* the appeal after the decision */
    date_t ret_due_date;         /* granted: the fresh deadline; else 0 */
} appeal_decide_op_t;
void appeal_decide_op_init(appeal_decide_op_t *o);
