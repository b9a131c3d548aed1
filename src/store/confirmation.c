#include "store/confirmation.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "rules/date.h"
#include "rules/deadline.h"
#include "rules/geo.h"
#include "store/audit.h"
#include "store/registration.h"
#include "store/session.h"

static const char SQL_REPLAY[] =
    "SELECT answer FROM confirmations WHERE person_id = ? AND idempotency_key = ?";
static const char SQL_INSERT[] =
    "INSERT INTO confirmations (person_id, registration_id, idempotency_key, received_at, result,"
    " at_residence, answer) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UPDATE_REG[] =
    "UPDATE registrations SET last_confirmed_on = ?, mismatch_streak = ? WHERE id = ?";

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

static int save_registration(db_t *db, const registration_view_t *reg, date_t last, int streak,
                             err_t *err)
{
    db_stmt_t *st;
    char d[11];
    int r = db_prepare(db, SQL_UPDATE_REG, &st, err);
    if (r < 0)
        return r;
    date_format(last, d);
    db_bind_text(st, 1, d);
    db_bind_int(st, 2, streak);
    db_bind_int(st, 3, reg->id);
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

/* The position has served its purpose: forget it (product rule 3). */
static void forget_position(confirmation_op_t *o)
{
    sodium_memzero(&o->lat, sizeof o->lat);
    sodium_memzero(&o->lon, sizeof o->lon);
}

/* Compares the fix with the residence; returns -1 (not counted), 0 or 1. */
static int judge(confirmation_op_t *o, const registration_view_t *reg)
{
    int at_res = -1;
    if (o->accuracy_m <= LIMIT_ACCURACY_M)
        at_res = geo_within(o->lat, o->lon, o->accuracy_m, reg->res.ref_lat, reg->res.ref_lon,
                            GEO_RESIDENCE_RADIUS_M);
    forget_position(o);
    return at_res;
}

static int audit_confirmation(db_t *db, confirmation_op_t *o, int64_t pid, int64_t reg_id,
                              const char *result, int at_res)
{
    char actor[40];
    snprintf(actor, sizeof actor, "person:%lld", (long long)pid);
    json_t *d = json_pack("{s:I,s:s,s:o}", "registration", (json_int_t)reg_id, "result", result,
                          "at_residence", at_res < 0 ? json_null() : json_boolean(at_res));
    int r = audit_append(db, o->now, actor, "confirmation.received", actor, d, &o->op.err);
    json_decref(d);
    return r;
}

static int run_confirm(db_t *db, store_op_t *op)
{
    confirmation_op_t *o = (confirmation_op_t *)op;
    int64_t pid;
    registration_view_t reg;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r == 0 && (r = find_replay(db, o, pid)) == 1) {
        forget_position(o);
        o->ret_replay = true;
        return 0;
    }
    if (r < 0 || (r = registration_active(db, pid, &reg, &op->err)) < 0) {
        forget_position(o);
        return r;
    }
    const region_t *rg = region_find(o->regions, reg.region);
    int offset = rg ? rg->utc_offset_minutes : 180;
    int days = rg ? rg->confirm_working_days : 3;
    date_t today = date_local(o->now, offset);
    int at_res = judge(o, &reg);
    const char *result = at_res < 0 ? "too_inaccurate" : "counted";
    date_t last = reg.last_confirmed_on;
    if (at_res >= 0) {
        last = today > last ? today : last;
        int streak = at_res ? 0 : reg.mismatch_streak + 1;
        if ((r = save_registration(db, &reg, last, streak, &op->err)) < 0)
            return r;
    }
    deadline_t dl;
    deadline_compute(o->cal, last, today, days, offset, &dl);
    format_answer(o, result, at_res, &dl, offset, rg && region_practice_mode(rg, today));
    o->ret_counted = at_res >= 0;
    o->ret_at_residence = at_res == 1;
    if ((r = insert_row(db, o, pid, reg.id, result, at_res)) < 0)
        return r;
    return audit_confirmation(db, o, pid, reg.id, result, at_res);
}

void confirmation_op_init(confirmation_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_confirm;
}
