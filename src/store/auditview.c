#include "store/auditview.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char SQL_PERSON_BY_ID[] = "SELECT id FROM persons WHERE id = ?";
static const char SQL_PERSON_BY_DOC[] = "SELECT person_id FROM documents WHERE kind = ? AND number = ?";
static const char SQL_READ_ADD[] = "INSERT INTO officer_reads (officer_id, person_id, reason, at) VALUES (?, ?, ?, ?)";
/* Two index range reads (audit_subject, audit_actor) merged, rather than
 * an OR that a planner may answer by walking the whole chain. */
static const char SQL_PERSON_EVENTS[] =
    "SELECT seq, at, actor, action, subject, detail FROM audit WHERE subject = ? AND seq > ?"
    " UNION SELECT seq, at, actor, action, subject, detail FROM audit WHERE actor = ? AND seq > ?"
    " ORDER BY 1 LIMIT ?";
static const char SQL_OFFICER[] =
    "SELECT id, login, name, role, created_at, disabled_at, totp_enrolled_at FROM officers WHERE login = ?";
static const char SQL_ACTIVITY[] =
    "SELECT seq, at, actor, action, subject, detail FROM audit WHERE actor = ? AND at >= ? AND at < ? AND seq > ?"
    " ORDER BY seq LIMIT ?";
static const char SQL_ACTIVITY_COUNTS[] =
    "SELECT action, COUNT(*) FROM audit WHERE actor = ? AND at >= ? AND at < ? GROUP BY action ORDER BY action";

/* --- verification in steps -------------------------------------------------- */

static int wrong_officer(auditview_verify_op_t *o)
{
    return err_set(&o->op.err, -EINVAL, "invalid_cursor", "This verification was started by another officer.");
}

/* A step of the chain in one statement (issue 18: on PostgreSQL one round
 * trip, where BEGIN, the session, the head, the events and the end were
 * five): the officer's session, the chain's head (the first step's target)
 * and the step's events. Column 0 is the head, never NULL, so a step past
 * the last event still reads the session; the events' AUDIT_ROW_COLS
 * follow from column 1, NULL where the range holds none. Binds after
 * officer_read_bind's: the first seq, the target (0: the head), the limit. */
#define CHAIN_COLS "t.head, t.seq, t.at, t.actor, t.action, t.subject, t.detail, t.prev_hash, t.hash"
#define CHAIN_NCOLS 9
static const char SQL_CHAIN_STEP[] = OFFICER_READ_SQL(CHAIN_COLS,
    "SELECT h.head, a.seq, a.at, a.actor, a.action, a.subject, a.detail, a.prev_hash, a.hash"
    " FROM (SELECT COALESCE(MAX(seq), 0) AS head FROM audit) h LEFT JOIN audit a"
    " ON a.seq >= ? AND a.seq <= COALESCE(NULLIF(CAST(? AS BIGINT), 0), h.head)"
    " WHERE " OFFICER_ME_ALLOWED " ORDER BY a.seq LIMIT ?",
    "t.seq");

static int chain_step(db_t *db, auditview_verify_op_t *o, officer_ref_t *me)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_CHAIN_STEP, &st, &o->op.err);
    if (r < 0)
        return r;
    officer_read_bind(st, o->token_hash, o->now, o->roles);
    db_bind_int(st, 5, o->target ? o->step.next_seq : 1);
    db_bind_int(st, 6, o->target);
    db_bind_int(st, 7, o->limit);
    if ((r = officer_read_first(st, CHAIN_NCOLS, o->roles, me, &o->op.err)) < 0)
        return r;
    if (r == 1 && o->officer_id && o->officer_id != me->id) {
        db_run(st, NULL); /* the one who asks did not start it: no event is used */
        return wrong_officer(o);
    }
    if (!o->target) { /* the first step: the chain as it ends now */
        o->target = r == 1 ? db_col_int(st, 0) : 0;
        memset(&o->step, 0, sizeof o->step);
        o->step.next_seq = 1;
    }
    /* on the me row either way (r 0: its events NULL, which end the rows) */
    return audit_verify_rows(st, 1, 1, o->target, o->limit, &o->step, &o->op.err);
}

/* A step of the checkpoints in one statement: the officer's session and
 * the chain's hashes at the step's checkpoint lines (an empty list still
 * reads the session). Binds after officer_read_bind's: the seqs as JSON. */
#define CP_LIST(SEQS) "SELECT a.seq, a.hash FROM audit a WHERE a.seq IN (" SEQS ") AND " OFFICER_ME_ALLOWED
static const char SQL_CP_SQLITE[] = OFFICER_READ_SQL("t.seq, t.hash", CP_LIST(AUDIT_SEQS_SQLITE), "t.seq");
static const char SQL_CP_PG[] = OFFICER_READ_SQL("t.seq, t.hash", CP_LIST(AUDIT_SEQS_PG), "t.seq");
#define CP_NCOLS 2

typedef struct cp_look {
    db_t *db;
    auditview_verify_op_t *o;
    officer_ref_t *me; /* out */
} cp_look_t;

static int look_with_session(
    void *ctx, const int64_t *seqs, int n, uint8_t (*hashes)[AUDIT_HASH_BYTES], bool *found, err_t *err)
{
    cp_look_t *c = ctx;
    auditview_verify_op_t *o = c->o;
    db_stmt_t *st;
    char *list = audit_seqs_json(seqs, n);
    if (!list)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = db_prepare(c->db, db_kind(c->db) == DB_POSTGRES ? SQL_CP_PG : SQL_CP_SQLITE, &st, err);
    if (r == 0) {
        officer_read_bind(st, o->token_hash, o->now, o->roles);
        db_bind_text(st, 5, list);
        r = officer_read_first(st, CP_NCOLS, o->roles, c->me, err);
    }
    if (r >= 0 && o->officer_id && o->officer_id != c->me->id) {
        db_run(st, NULL);
        r = wrong_officer(o);
    } else if (r >= 0) {
        r = audit_hash_rows(st, 1, 0, seqs, n, hashes, found, err); /* on the me row, as chain_step */
    }
    free(list);
    return r;
}

static int checkpoint_step(db_t *db, auditview_verify_op_t *o, officer_ref_t *me)
{
    int64_t lines = o->limit < AUDITVIEW_CHECKPOINT_STEP_MAX ? o->limit : AUDITVIEW_CHECKPOINT_STEP_MAX;
    cp_look_t c = {db, o, me};
    const anchor_look_t look = {look_with_session, &c};
    int r = anchor_scan_step_with(o->key, o->cp_path, &look, o->step.broken, lines, &o->scan, &o->op.err);
    if (r == -ENOENT) { /* no file yet: nothing anchored, which the verdict says; the session still counts */
        memset(&o->op.err, 0, sizeof o->op.err);
        o->scan.done = true;
        r = look_with_session(&c, NULL, 0, NULL, NULL, &o->op.err);
    }
    return r;
}

static int run_verify(db_t *db, store_op_t *op)
{
    auditview_verify_op_t *o = (auditview_verify_op_t *)op;
    int r;
    if (o->phase == AUDITVIEW_PHASE_CHECKPOINTS)
        return o->key ? checkpoint_step(db, o, &o->ret_me)
                      : err_set(&op->err, -EINVAL, "invalid_cursor", "Start again.");
    if ((r = chain_step(db, o, &o->ret_me)) < 0)
        return r;
    o->officer_id = o->ret_me.id;
    /* the chain is done: its checkpoints next, from the next request on */
    if (o->key && (o->step.broken || o->step.next_seq > o->target)) {
        o->phase = AUDITVIEW_PHASE_CHECKPOINTS;
        memset(&o->scan, 0, sizeof o->scan);
    }
    return 0;
}

bool auditview_verify_more(const auditview_verify_op_t *o)
{
    if (o->phase == AUDITVIEW_PHASE_CHECKPOINTS)
        return !o->scan.done;
    return !o->step.broken && o->step.next_seq <= o->target;
}

const char *auditview_checkpoint_verdict(const auditview_verify_op_t *o)
{
    if (!o->key)
        return NULL;
    if (o->scan.contradicted)
        return "rewritten";
    if (o->scan.forged)
        return "forged";
    return o->scan.good ? "agree" : "not_anchored";
}

/* No read transaction: the chain's step is one statement; the checkpoint
 * phase reads the session, then each checkpoint's event by its seq, and an
 * event, once written, is the same in every snapshot (a rewrite is what
 * the scan looks for, not something a snapshot would hide). */
void auditview_verify_op_init(auditview_verify_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_verify;
    o->limit = AUDITVIEW_STEP_MAX;
}

static int run_verified(db_t *db, store_op_t *op)
{
    auditview_verified_op_t *o = (auditview_verified_op_t *)op;
    officer_ref_t me;
    int r = officer_session_touch(db, o->token_hash, o->now, o->roles, &me, &op->err);
    if (r < 0)
        return r;
    json_t *d = json_pack("{s:s,s:I,s:I}", "result", o->broken ? "broken" : "intact", "events", (json_int_t)o->checked,
        "last", (json_int_t)o->target);
    if (d && o->broken)
        json_object_set_new(d, "broken", json_integer(o->broken));
    if (d && o->checkpoints)
        json_object_set_new(d, "checkpoints", json_string(o->checkpoints));
    r = officer_audit(db, &me, o->now, "audit.chain_verified", NULL, NULL, d, &op->err);
    json_decref(d);
    return r;
}

void auditview_verified_op_init(auditview_verified_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_verified;
}

/* --- pages of events ------------------------------------------------------- */

/* Reads the statement's rows (seq, at, actor, action, subject, detail) into
 * the page until it or its arena is full; one row more than fits sets
 * `more`. Starts the page afresh: a write op may run twice. */
static int read_page(db_stmt_t *st, auditview_page_t *p, err_t *err)
{
    int r;
    p->n = 0;
    p->more = false;
    p->used = 0;
    while ((r = db_step(st, err)) == 1) {
        const char *detail = db_col_text(st, 5);
        size_t len = detail ? strlen(detail) : 0;
        if (p->n == AUDITVIEW_PAGE || p->used + len + 1 > sizeof p->arena) {
            p->more = true;
            return db_run(st, err);
        }
        auditview_event_t *e = &p->ev[p->n++];
        e->seq = db_col_int(st, 0);
        e->at = db_col_int(st, 1);
        db_col_copy(st, 2, e->actor, sizeof e->actor);
        db_col_copy(st, 3, e->action, sizeof e->action);
        db_col_copy(st, 4, e->subject, sizeof e->subject);
        e->detail_off = (uint32_t)p->used;
        e->detail_len = (uint32_t)len;
        memcpy(p->arena + p->used, detail ? detail : "", len);
        p->arena[p->used + len] = '\0';
        p->used += len + 1;
    }
    return r;
}

/* --- one person's events ---------------------------------------------------- */

static int find_person(db_t *db, auditview_person_op_t *o)
{
    db_stmt_t *st;
    bool by_id = o->person_id > 0;
    int r = db_prepare(db, by_id ? SQL_PERSON_BY_ID : SQL_PERSON_BY_DOC, &st, &o->op.err);
    if (r < 0)
        return r;
    if (by_id)
        db_bind_int(st, 1, o->person_id);
    else {
        db_bind_text(st, 1, o->doc_kind);
        db_bind_text(st, 2, o->doc_number);
    }
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    if (r == 0)
        return by_id ? err_set(&o->op.err, -ENOENT, "unknown_person", "No such person.")
                     : err_set(&o->op.err, -ENOENT, "unknown_document", "No person has this document.");
    o->ret_person_id = db_col_int(st, 0);
    return db_run(st, &o->op.err);
}

static int person_events(db_t *db, auditview_person_op_t *o, const char *who)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_PERSON_EVENTS, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, who);
    db_bind_int(st, 2, o->after_seq);
    db_bind_text(st, 3, who);
    db_bind_int(st, 4, o->after_seq);
    db_bind_int(st, 5, AUDITVIEW_PAGE + 1);
    return read_page(st, &o->ret, &o->op.err);
}

/* The look, written twice like an inspector's (store/officer.c): for the
 * person (officer_reads, by role) and in the chain (with the officer). */
static int record_look(db_t *db, auditview_person_op_t *o, const officer_ref_t *me, const char *who)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_READ_ADD, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, me->id);
    db_bind_int(st, 2, o->ret_person_id);
    db_bind_text(st, 3, o->reason);
    db_bind_int(st, 4, o->now);
    if ((r = db_run(st, &o->op.err)) < 0)
        return r;
    json_t *d = json_pack("{s:I,s:i}", "after", (json_int_t)o->after_seq, "rows", o->ret.n);
    r = officer_audit(db, me, o->now, "audit.person_events_read", who, o->reason, d, &o->op.err);
    json_decref(d);
    return r;
}

static int run_person(db_t *db, store_op_t *op)
{
    auditview_person_op_t *o = (auditview_person_op_t *)op;
    officer_ref_t me;
    char who[40];
    int r = officer_session_touch(db, o->token_hash, o->now, o->roles, &me, &op->err);
    if (r < 0 || (r = find_person(db, o)) < 0)
        return r;
    snprintf(who, sizeof who, "person:%lld", (long long)o->ret_person_id);
    /* read before the look is appended: the page shows the chain as it was */
    if ((r = person_events(db, o, who)) < 0)
        return r;
    return record_look(db, o, &me, who);
}

void auditview_person_op_init(auditview_person_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_person;
}

/* --- one officer's activity ------------------------------------------------- */

static int find_officer(db_t *db, auditview_activity_op_t *o)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_OFFICER, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->login);
    if ((r = db_step(st, &o->op.err)) < 0)
        return r;
    if (r == 0)
        return err_set(&o->op.err, -ENOENT, "unknown_officer", "No such officer.");
    officer_row_t *w = &o->ret_officer;
    const char *role = db_col_text(st, 3);
    w->id = db_col_int(st, 0);
    db_col_copy(st, 1, w->login, sizeof w->login);
    db_col_copy(st, 2, w->name, sizeof w->name);
    if (officer_role_parse(role ? role : "", &w->role) < 0)
        w->role = 0;
    w->created_at = db_col_int(st, 4);
    w->disabled_at = db_col_null(st, 5) ? 0 : db_col_int(st, 5);
    w->enrolled = !db_col_null(st, 6);
    return db_run(st, &o->op.err);
}

static int activity_counts(db_t *db, auditview_activity_op_t *o, const char *who)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ACTIVITY_COUNTS, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, who);
    db_bind_int(st, 2, o->from);
    db_bind_int(st, 3, o->to);
    o->ret_total = 0;
    o->ret_nactions = 0;
    while ((r = db_step(st, &o->op.err)) == 1) {
        int64_t n = db_col_int(st, 1);
        o->ret_total += n;
        if (o->ret_nactions < AUDITVIEW_ACTIONS_MAX) {
            db_col_copy(st, 0, o->ret_actions[o->ret_nactions].action, sizeof o->ret_actions[0].action);
            o->ret_actions[o->ret_nactions++].n = n;
        }
    }
    return r;
}

static int run_activity(db_t *db, store_op_t *op)
{
    auditview_activity_op_t *o = (auditview_activity_op_t *)op;
    officer_ref_t me;
    db_stmt_t *st;
    char who[40];
    int r = officer_session_touch(db, o->token_hash, o->now, o->roles, &me, &op->err);
    if (r < 0 || (r = find_officer(db, o)) < 0)
        return r;
    snprintf(who, sizeof who, "officer:%lld", (long long)o->ret_officer.id);
    if ((r = activity_counts(db, o, who)) < 0 || (r = db_prepare(db, SQL_ACTIVITY, &st, &op->err)) < 0)
        return r;
    db_bind_text(st, 1, who);
    db_bind_int(st, 2, o->from);
    db_bind_int(st, 3, o->to);
    db_bind_int(st, 4, o->after_seq);
    db_bind_int(st, 5, AUDITVIEW_PAGE + 1);
    if ((r = read_page(st, &o->ret, &op->err)) < 0)
        return r;
    json_t *d = json_pack("{s:I,s:I,s:I,s:i}", "from", (json_int_t)o->from, "to", (json_int_t)o->to, "after",
        (json_int_t)o->after_seq, "rows", o->ret.n);
    r = officer_audit(db, &me, o->now, "audit.officer_activity_read", who, NULL, d, &op->err);
    json_decref(d);
    return r;
}

void auditview_activity_op_init(auditview_activity_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_activity;
}
