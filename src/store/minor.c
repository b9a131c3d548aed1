#include "store/minor.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rules/policy.h"
#include "store/audit.h"
#include "store/registration.h"
#include "store/session.h"

static const char SQL_GUARDIAN[] = "SELECT purpose, entry_regime, language FROM persons WHERE id = ?";
static const char SQL_PERSON[] =
    "INSERT INTO persons (surname, given_names, birth_date, citizenship, purpose, entry_regime, language,"
    " created_at, adult_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
/* A guardian's word is not a verified document (issue 12): verified = 0. */
static const char SQL_DOC[] = "INSERT INTO documents (kind, number, person_id, verified) VALUES ('passport', ?, ?, 0)";
static const char SQL_DOC_OWNER[] =
    "SELECT (SELECT COUNT(*) FROM registrations r WHERE r.person_id = d.person_id"
    " AND r.guardian_registration_id = ?) FROM documents d WHERE d.kind = 'passport' AND d.number = ?";
static const char SQL_REG[] = "INSERT INTO registration_rows (person_id, region, status, started_at, last_confirmed_on,"
                              " guardian_registration_id) VALUES (?, ?, 'active', ?, ?, ?) RETURNING id";
static const char SQL_RES[] =
    "INSERT INTO residences (registration_id, settlement, street, house, building, apartment, address_id,"
    " ref_lat, ref_lon, declared_at) SELECT ?, settlement, street, house, building, apartment, address_id,"
    " ref_lat, ref_lon, ? FROM residences WHERE id = ?";
static const char SQL_LIST[] =
    SESSION_LIST_SQL("t.id, t.surname, t.given_names, t.birth_date, t.adult_on, t.status, t.end_reason",
        "SELECT p.id, p.surname, p.given_names, p.birth_date, p.adult_on, r.status, r.end_reason, r.id AS reg_id"
        " FROM registrations g JOIN registrations r ON r.guardian_registration_id = g.id"
        " JOIN persons p ON p.id = r.person_id WHERE g.person_id = " SESSION_ME_PERSON " ORDER BY r.id DESC LIMIT 20",
        "t.reg_id DESC");

static int insert_returning(db_stmt_t *st, int64_t *ret, err_t *err)
{
    int r = db_step(st, err);
    if (r != 1)
        return r < 0 ? r : err_set(err, -EIO, "storage_failed", "Insert returned no id.");
    *ret = db_col_int(st, 0);
    return db_run(st, err);
}

/* The child inherits the guardian's purpose of stay, entry regime and language. */
static int insert_child(db_t *db, minor_add_op_t *o, int64_t guardian_pid, const char *adult, int64_t *ret)
{
    db_stmt_t *g, *st;
    int r = db_prepare(db, SQL_GUARDIAN, &g, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(g, 1, guardian_pid);
    if ((r = db_step(g, &o->op.err)) != 1)
        return r < 0 ? r : err_set(&o->op.err, -ENOENT, "not_found", "No such person.");
    if ((r = db_prepare(db, SQL_PERSON, &st, &o->op.err)) < 0)
        return r;
    db_bind_text(st, 1, o->surname);
    db_bind_text(st, 2, o->given_names);
    db_bind_text(st, 3, o->birth_date);
    db_bind_text(st, 4, o->citizenship);
    db_bind_text(st, 5, db_col_text(g, 0));
    db_bind_text(st, 6, db_col_text(g, 1));
    db_bind_text(st, 7, db_col_text(g, 2));
    db_bind_int(st, 8, o->now);
    db_bind_text(st, 9, adult);
    db_run(g, NULL);
    return insert_returning(st, ret, &o->op.err);
}

/* Records the child's passport as unverified. A number already known is
 * refused (document_exists) only when it is this guardian's own child (a
 * second tap); anyone else's document is not revealed: the child is added
 * without it, the answer is the same, and the audit notes the conflict for
 * the registrar who verifies the child's papers. *ret_conflict = true then. */
static int insert_doc(db_t *db, minor_add_op_t *o, int64_t pid, int64_t guardian_reg, bool *ret_conflict)
{
    db_stmt_t *st;
    *ret_conflict = false;
    if (!o->doc_number[0])
        return 0;
    int r = db_prepare(db, SQL_DOC_OWNER, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, guardian_reg);
    db_bind_text(st, 2, o->doc_number);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    if (r == 1) {
        bool own = db_col_int(st, 0) > 0;
        db_run(st, NULL);
        if (own)
            return err_set(&o->op.err, -EEXIST, "document_exists", "This child has already been added.");
        *ret_conflict = true;
        return 0;
    }
    if ((r = db_prepare(db, SQL_DOC, &st, &o->op.err)) < 0)
        if (r < 0)
            return r;
    db_bind_text(st, 1, o->doc_number);
    db_bind_int(st, 2, pid);
    r = db_run(st, &o->op.err);
    return r == -EEXIST ? err_set(&o->op.err, -EEXIST, "document_exists", "This passport is already registered.") : r;
}

static int insert_registration(db_t *db, minor_add_op_t *o, const registration_view_t *g, int64_t pid)
{
    db_stmt_t *st;
    char today[11];
    int64_t reg_id = 0;
    date_format(o->today, today);
    int r = db_prepare(db, SQL_REG, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_text(st, 2, g->region);
    db_bind_int(st, 3, o->now);
    db_bind_text(st, 4, today);
    db_bind_int(st, 5, g->id);
    if ((r = insert_returning(st, &reg_id, &o->op.err)) < 0 || (r = db_prepare(db, SQL_RES, &st, &o->op.err)) < 0)
        return r;
    db_bind_int(st, 1, reg_id);
    db_bind_int(st, 2, o->now);
    db_bind_int(st, 3, g->res.id);
    return db_run(st, &o->op.err);
}

static int run_add(db_t *db, store_op_t *op)
{
    minor_add_op_t *o = (minor_add_op_t *)op;
    int64_t gpid = 0, pid = 0;
    registration_view_t g;
    date_t birth;
    char adult[11];
    int r = session_person(db, o->token_hash, o->now, &gpid, &op->err);
    if (r < 0 || (r = registration_active(db, gpid, &g, &op->err)) < 0)
        return r;
    if (date_parse(o->birth_date, strlen(o->birth_date), &birth) < 0 || birth > o->today ||
        policy_age_years(birth, o->today) >= POLICY_ADULT_AGE)
        return err_set(&op->err, -EPERM, "not_a_minor", "Only a child under 18 can be added here.");
    date_format(policy_adult_date(birth), adult);
    bool conflict = false;
    if ((r = insert_child(db, o, gpid, adult, &pid)) < 0 || (r = insert_doc(db, o, pid, g.id, &conflict)) < 0 ||
        (r = insert_registration(db, o, &g, pid)) < 0)
        return r;
    char actor[32], subject[32];
    snprintf(actor, sizeof actor, "person:%lld", (long long)gpid);
    snprintf(subject, sizeof subject, "person:%lld", (long long)pid);
    json_t *d = json_pack("{s:I,s:b,s:b}", "guardian_registration", (json_int_t)g.id, "document_verified", 0,
        "document_conflict", conflict);
    r = audit_append(db, o->now, actor, "minor.added", subject, d, &op->err);
    json_decref(d);
    if (r < 0)
        return r;
    minor_view_t *v = &o->ret;
    v->person_id = pid;
    snprintf(v->surname, sizeof v->surname, "%s", o->surname);
    snprintf(v->given_names, sizeof v->given_names, "%s", o->given_names);
    snprintf(v->birth_date, sizeof v->birth_date, "%s", o->birth_date);
    snprintf(v->adult_on, sizeof v->adult_on, "%s", adult);
    snprintf(v->status, sizeof v->status, "active");
    return 0;
}

void minor_add_op_init(minor_add_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_add;
}

static int run_list(db_t *db, store_op_t *op)
{
    minor_list_op_t *o = (minor_list_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LIST, &st, &op->err);
    if (r < 0)
        return r;
    session_list_bind(st, o->token_hash, o->now);
    for (r = session_list_first(st, &op->err); r == 1 && o->ret_n < MINOR_LIST_MAX; r = db_step(st, &op->err)) {
        minor_view_t *v = &o->ret[o->ret_n++];
        v->person_id = db_col_int(st, 0);
        db_col_copy(st, 1, v->surname, sizeof v->surname);
        db_col_copy(st, 2, v->given_names, sizeof v->given_names);
        db_col_copy(st, 3, v->birth_date, sizeof v->birth_date);
        db_col_copy(st, 4, v->adult_on, sizeof v->adult_on);
        db_col_copy(st, 5, v->status, sizeof v->status);
        db_col_copy(st, 6, v->end_reason, sizeof v->end_reason);
    }
    return r < 0 ? r : db_run(st, &op->err);
}

void minor_list_op_init(minor_list_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_list;
}
