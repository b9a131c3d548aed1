#include "store/confirmation.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "rules/date.h"
#include "rules/deadline.h"
#include "rules/geo.h"
#include "store/audit.h"
#include "store/notice.h"
#include "store/registration.h"
#include "store/session.h"

static const char SQL_REPLAY[] =
    "SELECT answer FROM confirmations WHERE person_id = ? AND idempotency_key = ?";
static const char SQL_INSERT[] =
    "INSERT INTO confirmations (person_id, registration_id, idempotency_key, received_at, result,"
    " at_residence, answer) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UPDATE_REG[] =
    "UPDATE registrations SET last_confirmed_on = ?, mismatch_streak = ?, due_date = ? WHERE id = ?";

/* Looks for an earlier answer to the same key: 1 found (copied), 0 none. */
static int find_replay(db_t *db, confirmation_op_t *o, int64_t pid)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_REPLAY, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_text(st, 2, o->idempotency_key);
    if ((r = db_step(st, &o->op.err)) == 1) {
        const char *a = db_col_text(st, 0);
        snprintf(o->ret_answer, sizeof o->ret_answer, "%s", a ? a : "{}");
        db_run(st, NULL);
    }
    return r;
}

static int save_registration(db_t *db, const registration_view_t *reg, date_t last, int streak, date_t due,
                             err_t *err)
{
    db_stmt_t *st;
    char d[11], du[11] = "";
    int r = db_prepare(db, SQL_UPDATE_REG, &st, err);
    if (r < 0)
        return r;
    date_format(last, d);
    if (due)
        date_format(due, du);
    db_bind_text(st, 1, d);
    db_bind_int(st, 2, streak);
    db_bind_text(st, 3, due ? du : NULL);   /* minors have no deadline */
    db_bind_int(st, 4, reg->id);
    return db_run(st, err);
}

static void format_answer(confirmation_op_t *o, const char *result, int at_res, const deadline_t *dl,
                          int offset_min, bool practice)
{
    char due[11], lapse[32];
    date_format(dl->due_date, due);
    time_format_rfc3339(dl->lapse_at, offset_min, lapse);
    snprintf(o->ret_answer, sizeof o->ret_answer,
             "{\"result\":\"%s\",\"at_residence\":%s,\"due_date\":\"%s\",\"lapse_at\":\"%s\","
             "\"working_days_left\":%d,\"calendar\":\"%s\",\"practice_mode\":%s}",
             result, at_res < 0 ? "null" : at_res ? "true" : "false", due, lapse,
             dl->working_days_left, dl->provisional ? "provisional" : "official",
             practice ? "true" : "false");
}

static int insert_row(db_t *db, confirmation_op_t *o, int64_t pid, int64_t reg_id, const char *result,
                      int at_res)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_INSERT, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_int(st, 2, reg_id);
    db_bind_text(st, 3, o->idempotency_key);
    db_bind_int(st, 4, o->now);
    db_bind_text(st, 5, result);
    if (at_res < 0)
        db_bind_null(st, 6);
    else
        db_bind_int(st, 6, at_res);
    db_bind_text(st, 7, o->ret_answer);
    return db_run(st, &o->op.err);
}

/* Compares the fix with the residence; returns -1 (not counted), 0 or 1. */
static int judge(confirmation_op_t *o, const registration_view_t *reg)
{
    int at_res = -1;
    if (o->accuracy_m <= LIMIT_ACCURACY_M)
        at_res = geo_within(o->lat, o->lon, o->accuracy_m, reg->res.ref_lat, reg->res.ref_lon,
                            GEO_RESIDENCE_RADIUS_M);
    return at_res;
}

static int audit_confirmation(db_t *db, confirmation_op_t *o, int64_t pid, int64_t reg_id,
                              const char *result, int at_res)
{
    char actor[40], d[112];
    snprintf(actor, sizeof actor, "person:%lld", (long long)pid);
    /* Canonical (sorted, compact) JSON built by hand: this runs per request. */
    snprintf(d, sizeof d, "{\"at_residence\":%s,\"registration\":%lld,\"result\":\"%s\"}",
             at_res < 0 ? "null" : at_res ? "true" : "false", (long long)reg_id, result);
    return audit_append_text(db, o->now, actor, "confirmation.received", actor, d, &o->op.err);
}

/* A registration whose deadline passed is lapsed at once, even if the
 * sweep has not run yet: "not a minute later" matters as much as "not a
 * minute earlier". Returns 1 when it lapsed (the caller answers 409). */
static int lapse_if_overdue(db_t *db, confirmation_op_t *o, const registration_view_t *reg,
                            const region_t *rg, date_t today, int64_t pid)
{
    if (reg->minor || !rg || region_practice_mode(rg, today))
        return 0;
    date_t due = calendar_add_working_days(o->cal, reg->last_confirmed_on, rg->confirm_working_days, NULL);
    if (today <= due)
        return 0;
    int64_t lapsed_at = date_local_midnight(due + 1, rg->utc_offset_minutes);
    int r = registration_end(db, reg->id, pid, "lapsed", "system", lapsed_at, &o->op.err);
    if (r == 0) {
        char key[64], at[32], until[11], d[11];
        /* The sweep's key for the same lapse: one notice, whoever queues it
         * first; a restored registration that lapses again gets another. */
        date_format(due, d);
        snprintf(key, sizeof key, "reg:%lld:lapsed:%s", (long long)reg->id, d);
        time_format_rfc3339(lapsed_at, rg->utc_offset_minutes, at);
        date_format(due + 31, until);
        json_t *p = json_pack("{s:s,s:s}", "lapsed_at", at, "appeal_until", until);
        r = notice_queue(db, pid, "lapsed", key, p, o->now, NULL, &o->op.err);
        json_decref(p);
    }
    return r < 0 ? r : 1;
}

/* Rule 8: the third counted confirmation in a row away from the residence. */
static int maybe_mismatch(db_t *db, confirmation_op_t *o, const registration_view_t *reg, int streak, int64_t pid)
{
    if (streak != CONFIRMATION_MISMATCH_STREAK)
        return 0;
    char key[64];
    snprintf(key, sizeof key, "reg:%lld:res:%lld:mismatch", (long long)reg->id, (long long)reg->res.id);
    return notice_queue(db, pid, "mismatch", key, NULL, o->now, NULL, &o->op.err);
}

/* Counts the fix (or not) and writes the new state. */
static int record(db_t *db, confirmation_op_t *o, const registration_view_t *reg, const region_t *rg,
                  date_t today, int64_t pid)
{
    int offset = rg ? rg->utc_offset_minutes : 180;
    int days = rg ? rg->confirm_working_days : 3;
    int at_res = judge(o, reg), r;
    const char *result = at_res < 0 ? "too_inaccurate" : "counted";
    date_t last = reg->last_confirmed_on;
    deadline_t dl;
    if (at_res >= 0)
        last = today > last ? today : last;
    deadline_compute(o->cal, last, today, days, offset, &dl);
    if (at_res >= 0) {
        int streak = at_res ? 0 : reg->mismatch_streak + 1;
        if ((r = save_registration(db, reg, last, streak, reg->minor ? 0 : dl.due_date, &o->op.err)) < 0 ||
            (r = maybe_mismatch(db, o, reg, streak, pid)) < 0)
            return r;
    }
    format_answer(o, result, at_res, &dl, offset, rg && region_practice_mode(rg, today));
    o->ret_counted = at_res >= 0;
    o->ret_at_residence = at_res == 1;
    if ((r = insert_row(db, o, pid, reg->id, result, at_res)) < 0)
        return r;
    return audit_confirmation(db, o, pid, reg->id, result, at_res);
}

static int run_confirm(db_t *db, store_op_t *op)
{
    confirmation_op_t *o = (confirmation_op_t *)op;
    int64_t pid;
    registration_view_t reg;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r == 0 && (r = find_replay(db, o, pid)) == 1) {
        o->ret_replay = true;
        return 0;
    }
    if (r < 0 || (r = registration_active(db, pid, &reg, &op->err)) < 0)
        return r;
    const region_t *rg = region_find(o->regions, reg.region);
    date_t today = date_local(o->now, rg ? rg->utc_offset_minutes : 180);
    if ((r = lapse_if_overdue(db, o, &reg, rg, today, pid)) != 0) {
        o->ret_lapsed = r == 1;
        return r < 0 ? r : 0;
    }
    return record(db, o, &reg, rg, today, pid);
}

void confirmation_op_init(confirmation_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_confirm;
}
