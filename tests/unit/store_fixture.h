#pragma once
/* A small world for store unit tests: an in-memory SQLite database at the
 * current schema, region 77 (Moscow), the shipped calendars, and helpers to
 * make persons, sessions, registrations and officers the way the service
 * does. Ops run directly on the connection, each in its own transaction
 * (as the writer would run them), so a failing op leaves nothing behind.
 * Include after <cmocka.h>. */
#include <stdio.h>
#include <string.h>

#include "base/secret.h"
#include "rules/date.h"
#include "rules/deadline.h"
#include "store/caldata.h"
#include "store/migrate.h"
#include "store/person.h"
#include "store/region.h"
#include "store/registration.h"
#include "store/session.h"

#ifndef UCHET_SOURCE_DIR
#define UCHET_SOURCE_DIR "."
#endif

#define FX_MOSCOW 180

typedef struct fx {
    db_t *db;
    calendar_t *cal;
    region_t region;
    region_set_t regions; /* items points at region */
} fx_t;

/* hh:00 Moscow time on y-m-d. */
static inline int64_t fx_at(int y, int m, int d, int hh)
{
    return date_local_midnight(date_from_ymd(y, m, d), FX_MOSCOW) + (int64_t)hh * 3600;
}

static inline fx_t *fx_new(void)
{
    static fx_t f;
    int n, years;
    memset(&f, 0, sizeof f);
    assert_int_equal(secret_init(), 0);
    assert_int_equal(db_open(":memory:", false, &f.db, NULL), 0);
    assert_int_equal(migrate_apply(f.db, &n, NULL), 0);
    assert_int_equal(caldata_load(UCHET_SOURCE_DIR "/data", &f.cal, &years, NULL), 0);
    f.region = (region_t){.code = "77",
        .name = "Moscow",
        .name_ru = "Москва",
        .utc_offset_minutes = FX_MOSCOW,
        .regime = true,
        .regime_starts_on = REGION_NONE_DATE,
        .confirm_working_days = 3};
    assert_int_equal(region_save(f.db, &f.region, NULL), 0);
    f.regions = (region_set_t){.items = &f.region, .n = 1};
    return &f;
}

static inline void fx_free(fx_t *f)
{
    db_close(f->db);
    calendar_free(f->cal);
}

/* Runs op in its own write transaction; commits on success, rolls back on
 * failure (like the writer's savepoint). Returns op's result. */
static inline int fx_run(fx_t *f, store_op_t *op)
{
    assert_int_equal(db_begin_write(f->db, NULL), 0);
    op->rc = op->run(f->db, op);
    if (op->rc == 0)
        assert_int_equal(db_commit(f->db, NULL), 0);
    else
        db_rollback(f->db);
    return op->rc;
}

/* Runs a READ op in a read transaction. */
static inline int fx_read(fx_t *f, store_op_t *op)
{
    assert_int_equal(db_begin_read(f->db, NULL), 0);
    op->rc = op->run(f->db, op);
    db_rollback(f->db);
    return op->rc;
}

/* A working adult with a card; returns the person id. */
static inline int64_t fx_person(fx_t *f, const char *card, int64_t now)
{
    person_add_op_t o;
    person_add_op_init(&o);
    o.now = now;
    snprintf(o.doc_kind, sizeof o.doc_kind, "card");
    snprintf(o.doc_number, sizeof o.doc_number, "%s", card);
    char code[SECRET_CODE_CHARS + 1];
    secret_code_new(code); /* activation codes are unique */
    secret_code_hash(code, strlen(code), o.code_hash);
    person_view_t *p = &o.in;
    snprintf(p->surname, sizeof p->surname, "RAHIMOV");
    snprintf(p->given_names, sizeof p->given_names, "FARRUKH");
    snprintf(p->birth_date, sizeof p->birth_date, "1994-03-15");
    snprintf(p->citizenship, sizeof p->citizenship, "TJK");
    snprintf(p->purpose, sizeof p->purpose, "work");
    snprintf(p->entry_regime, sizeof p->entry_regime, "visa_free");
    snprintf(p->language, sizeof p->language, "tg");
    assert_int_equal(fx_run(f, &o.op), 0);
    return o.ret_id;
}

/* A session for person pid: its token hash in ret_hash. */
static inline void fx_session(fx_t *f, int64_t pid, int64_t now, uint8_t ret_hash[SECRET_HASH_BYTES])
{
    session_result_t s;
    assert_int_equal(db_begin_write(f->db, NULL), 0);
    assert_int_equal(session_create(f->db, pid, now, &s, NULL), 0);
    assert_int_equal(db_commit(f->db, NULL), 0);
    secret_hash(s.token, strlen(s.token), ret_hash);
}

/* Registers the session's person in 77 at a fixed residence; returns the
 * registration id. */
static inline int64_t fx_register(fx_t *f, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now)
{
    registration_create_op_t o;
    registration_create_op_init(&o);
    memcpy(o.token_hash, token_hash, SECRET_HASH_BYTES);
    o.now = now;
    o.today = date_local(now, FX_MOSCOW);
    o.cal = f->cal;
    o.working_days = 3;
    snprintf(o.region, sizeof o.region, "77");
    snprintf(o.res.settlement, sizeof o.res.settlement, "Moscow");
    snprintf(o.res.street, sizeof o.res.street, "Tverskaya");
    snprintf(o.res.house, sizeof o.res.house, "7");
    snprintf(o.res.apartment, sizeof o.res.apartment, "12");
    o.res.ref_lat = 55.7575;
    o.res.ref_lon = 37.6136;
    assert_int_equal(fx_run(f, &o.op), 0);
    return o.ret.id;
}

/* Ends registration reg of pid as the sweep does. */
static inline void fx_end(fx_t *f, int64_t reg, int64_t pid, const char *reason, int64_t at)
{
    assert_int_equal(db_begin_write(f->db, NULL), 0);
    assert_int_equal(registration_end(f->db, reg, pid, reason, "system", at, NULL), 0);
    assert_int_equal(db_commit(f->db, NULL), 0);
}

/* An officer of `role` ("registrar", ...) with a live desk session; its
 * token hash in ret_hash. The password hash is a placeholder: these tests
 * never log in with it. */
static inline int64_t fx_officer(fx_t *f, const char *role, int64_t now, uint8_t ret_hash[SECRET_HASH_BYTES])
{
    char sql[512], token[SECRET_TOKEN_CHARS + 1], hex[2 * SECRET_HASH_BYTES + 1];
    static int seq;
    secret_token_new(token, ret_hash);
    for (int i = 0; i < SECRET_HASH_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", ret_hash[i]);
    seq++;
    snprintf(sql, sizeof sql,
        "INSERT INTO officers (id, login, name, role, password_hash, created_at) VALUES (%d, 'o%d', 'Officer %d', '%s', 'x', 0);"
        "INSERT INTO officer_sessions (token_hash, officer_id, created_at, expires_at) VALUES (x'%s', %d, %lld, %lld);",
        seq, seq, seq, role, hex, seq, (long long)now, (long long)now + 3600);
    assert_int_equal(db_exec(f->db, sql, NULL), 0);
    return seq;
}

/* The world most store tests start from, the same in each: one working
 * adult (card 7700000001) with a session opened at t0, Fri 2025-10-31
 * 10:00 Moscow, who with FX_REGISTERED is registered in 77 at t0 (due Thu
 * 11-06); with FX_OFFICER a registrar with a live desk session too. */
enum { FX_PERSON = 0, FX_REGISTERED = 1, FX_OFFICER = 2 };

typedef struct fx_world {
    fx_t *f;
    int64_t t0;                         /* Fri 2025-10-31 10:00 Moscow */
    int64_t pid;                        /* the person */
    int64_t reg;                        /* their registration; 0 without FX_REGISTERED */
    int64_t oid;                        /* the registrar; 0 without FX_OFFICER */
    uint8_t person[SECRET_HASH_BYTES];  /* the person's session token hash */
    uint8_t officer[SECRET_HASH_BYTES]; /* the registrar's, with FX_OFFICER */
} fx_world_t;

/* Builds the world into w (a test's static: fx_new's database is one per
 * process) and returns w. */
static inline fx_world_t *fx_world_init(fx_world_t *w, int flags)
{
    memset(w, 0, sizeof *w);
    w->f = fx_new();
    w->t0 = fx_at(2025, 10, 31, 10);
    w->pid = fx_person(w->f, "7700000001", w->t0);
    fx_session(w->f, w->pid, w->t0, w->person);
    if (flags & FX_REGISTERED)
        w->reg = fx_register(w->f, w->person, w->t0);
    if (flags & FX_OFFICER)
        w->oid = fx_officer(w->f, "registrar", w->t0, w->officer);
    return w;
}

/* cmocka set-ups: the world in *state, without and with a registration. */
static inline int fx_setup_person(void **state)
{
    static fx_world_t w;
    *state = fx_world_init(&w, FX_PERSON);
    return 0;
}

static inline int fx_setup_registered(void **state)
{
    static fx_world_t w;
    *state = fx_world_init(&w, FX_REGISTERED);
    return 0;
}

/* The cmocka tear-down of any set-up that leaves an fx_world_t in *state. */
static inline int fx_teardown(void **state)
{
    fx_free(((fx_world_t *)*state)->f);
    return 0;
}

/* COUNT(*) of a query (a test's own SQL text). */
static inline int64_t fx_count(fx_t *f, const char *sql)
{
    db_stmt_t *st;
    assert_int_equal(db_prepare(f->db, sql, &st, NULL), 0);
    assert_int_equal(db_step(st, NULL), 1);
    int64_t n = db_col_int(st, 0);
    db_run(st, NULL);
    return n;
}
