/* The auditor's views at the desk (issue 15), beside the look-up log
 * (h_officers.c):
 *   POST /api/v1/desk/audit/verify           the chain, one step a request
 *   POST /api/v1/desk/audit/person-events    one person's events, with a reason
 *   POST /api/v1/desk/audit/officer-activity one officer's actions in a period
 * All POST with the inputs in the body, so that nothing goes in URLs or
 * access logs. Roles: api/desk_acl.c (auditors). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/desk_acl.h"
#include "api/desk_slide.h"
#include "api/handlers.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/date.h"
#include "rules/reason.h"
#include "store/auditview.h"

/* --- verification in steps ------------------------------------------------
 * Verifying a long chain takes seconds; one request doing it all would hold
 * a read connection (SQLite: the event loop itself) that long and show
 * nothing meanwhile. So each request checks one step of at most
 * AUDITVIEW_STEP_MAX events and answers with the progress and a cursor for
 * the next step. The cursor carries the officer, the target, the next seq
 * and the hash that event must link to (then, when uchetd signs audit
 * checkpoints, the phase and the checkpoint scan's state: its offset in the
 * file and its counts so far, store/anchor.h), MACed with a key made at uchetd's
 * start: the page cannot skip events or invent a hash, so "intact" is only
 * ever said after every event up to the target was checked, in order. A
 * cursor from before a restart is refused (start again). */

#define CURSOR_VERSION 2
#define CURSOR_INTS 16
#define CURSOR_BODY (1 + CURSOR_INTS * 8 + AUDIT_HASH_BYTES)
#define CURSOR_BYTES (CURSOR_BODY + crypto_auth_hmacsha256_BYTES)
#define CURSOR_CHARS 272 /* base64url of CURSOR_BYTES, with room */

static size_t put64(uint8_t *b, int64_t v)
{
    for (int i = 7; i >= 0; i--, v = (int64_t)((uint64_t)v >> 8))
        b[i] = (uint8_t)v;
    return 8;
}

static int64_t get64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return (int64_t)v;
}

/* The verification's state a cursor carries, in its order. */
static void cursor_fields(auditview_verify_op_t *o, int64_t *f[CURSOR_INTS])
{
    int64_t *all[CURSOR_INTS] = {&o->officer_id, &o->target, &o->step.next_seq, &o->phase, &o->step.broken,
        &o->step.broken_at, &o->step.last_at, &o->scan.offset, &o->scan.lines, &o->scan.good, &o->scan.forged,
        &o->scan.last_seq, &o->scan.contradicted, &o->scan.first_bad_line, &o->scan.first_bad_seq,
        &o->scan.first_bad_why};
    memcpy(f, all, sizeof all);
}

static void cursor_make(const api_world_t *w, auditview_verify_op_t *o, char out[CURSOR_CHARS])
{
    uint8_t b[CURSOR_BYTES];
    int64_t *f[CURSOR_INTS];
    size_t k = 0;
    b[k++] = CURSOR_VERSION;
    cursor_fields(o, f);
    for (int i = 0; i < CURSOR_INTS; i++)
        k += put64(b + k, *f[i]);
    memcpy(b + k, o->step.prev, AUDIT_HASH_BYTES);
    crypto_auth_hmacsha256(b + CURSOR_BODY, b, CURSOR_BODY, w->audit_cursor_key);
    sodium_bin2base64(out, CURSOR_CHARS, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int cursor_read(const api_world_t *w, const char *text, auditview_verify_op_t *o, err_t *e)
{
    uint8_t b[CURSOR_BYTES];
    size_t len = 0;
    if (sodium_base642bin(b, sizeof b, text, strlen(text), NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) <
            0 ||
        len != sizeof b || b[0] != CURSOR_VERSION ||
        crypto_auth_hmacsha256_verify(b + CURSOR_BODY, b, CURSOR_BODY, w->audit_cursor_key) < 0)
        return err_set(
            e, -EINVAL, "invalid_cursor", "This verification cannot go on (uchetd restarted?): start again.");
    int64_t *f[CURSOR_INTS];
    cursor_fields(o, f);
    for (int i = 0; i < CURSOR_INTS; i++)
        *f[i] = get64(b + 1 + 8 * i);
    memcpy(o->step.prev, b + 1 + 8 * CURSOR_INTS, AUDIT_HASH_BYTES);
    return 0;
}

/* The record op with the step it records: the answer is made once the
 * record is durable (no JSON held meanwhile: a request gone before then
 * only frees the op). */
typedef struct verified_with_step {
    auditview_verified_op_t o;
    auditview_verify_op_t v;
} verified_with_step_t;

/* The signed checkpoints' part of the outcome (api/openapi.json). */
static json_t *checkpoints_json(const auditview_verify_op_t *o)
{
    const char *verdict = auditview_checkpoint_verdict(o);
    if (!verdict)
        return json_pack("{s:b}", "configured", 0);
    const anchor_scan_t *s = &o->scan;
    json_t *bad = json_null();
    if (s->first_bad_line)
        bad = json_pack("{s:I,s:o,s:s}", "line", (json_int_t)s->first_bad_line, "seq",
            s->first_bad_seq ? json_integer(s->first_bad_seq) : json_null(), "why",
            anchor_why_name((anchor_why_t)s->first_bad_why));
    return json_pack("{s:b,s:s,s:I,s:I,s:I,s:o,s:o}", "configured", 1, "verdict", verdict, "lines",
        (json_int_t)s->lines, "valid", (json_int_t)s->good, "forged", (json_int_t)s->forged, "last_seq",
        s->good ? json_integer(s->last_seq) : json_null(), "first_bad", bad);
}

static json_t *outcome_json(const auditview_verify_op_t *o)
{
    json_t *body =
        json_pack("{s:I,s:I}", "checked", (json_int_t)(o->step.next_seq - 1), "total", (json_int_t)o->target);
    json_object_set_new(body, "checkpoints", checkpoints_json(o));
    if (o->step.broken) {
        json_object_set_new(body, "state", json_string("broken"));
        json_object_set_new(body, "broken_seq", json_integer(o->step.broken));
        json_object_set_new(body, "broken_at", o->step.broken_at ? view_time(o->step.broken_at, 0) : json_null());
        json_object_set_new(body, "missing", json_boolean(!o->step.broken_at));
        return body;
    }
    /* the chain links; "intact" only if its checkpoints, when signed, agree */
    const char *verdict = auditview_checkpoint_verdict(o);
    char hex[2 * AUDIT_HASH_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, o->step.prev, AUDIT_HASH_BYTES);
    json_object_set_new(body, "state", json_string(verdict && strcmp(verdict, "agree") ? verdict : "intact"));
    json_object_set_new(body, "last_seq", json_integer(o->target));
    json_object_set_new(body, "last_hash", o->target ? json_string(hex) : json_null());
    json_object_set_new(body, "last_at", o->target ? view_time(o->step.last_at, 0) : json_null());
    return body;
}

static void verified_done(api_req_t *r, store_op_t *op)
{
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 200, outcome_json(&((verified_with_step_t *)op)->v));
}

static void verify_done(api_req_t *r, store_op_t *op)
{
    auditview_verify_op_t *o = (auditview_verify_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    if (auditview_verify_more(o)) { /* (the last step's outcome is a write, which slides the session) */
        desk_slide(r, o->token_hash, &o->ret_me, o->now);
        char cursor[CURSOR_CHARS];
        cursor_make(r->w, o, cursor);
        bool cps = o->phase == AUDITVIEW_PHASE_CHECKPOINTS;
        json_t *body = json_pack("{s:s,s:s,s:I,s:I,s:s}", "state", "running", "phase", cps ? "checkpoints" : "chain",
            "checked", (json_int_t)(o->step.next_seq - 1), "total", (json_int_t)o->target, "cursor", cursor);
        if (cps)
            json_object_set_new(body, "checkpoint_lines", json_integer(o->scan.lines));
        api_reply_json(r, 200, body);
        return;
    }
    /* the outcome is written to the chain before it is shown */
    verified_with_step_t *v = api_op_new_or_reply(r, sizeof *v, verified_done);
    if (!v)
        return;
    auditview_verified_op_init(&v->o);
    v->v = *o;
    memcpy(v->o.token_hash, o->token_hash, sizeof v->o.token_hash);
    v->o.now = o->now;
    v->o.roles = o->roles;
    v->o.target = o->target;
    v->o.checked = o->step.next_seq - 1;
    v->o.broken = o->step.broken;
    v->o.checkpoints = auditview_checkpoint_verdict(o);
    api_op_submit(r, &v->o.op);
}

void h_desk_audit_verify(api_req_t *r)
{
    auditview_verify_op_t in;
    auditview_verify_op_init(&in);
    err_t e = {0};
    const char *cursor = NULL;
    double max = AUDITVIEW_STEP_MAX;
    int rc = jsonx_string(r->body, "cursor", false, 1, CURSOR_CHARS - 1, &cursor, &e);
    if (rc == 0)
        rc = jsonx_number(r->body, "max_events", false, 1, AUDITVIEW_STEP_MAX, &max, &e);
    if (rc == 0 && max != (int64_t)max)
        rc = err_set(&e, -EINVAL, "invalid_max_events", "max_events is a whole number.");
    if (rc == 0 && cursor)
        rc = cursor_read(r->w, cursor, &in, &e);
    if (rc < 0) {
        api_problem(r, 400, e.code, e.msg);
        return;
    }
    memcpy(in.token_hash, r->token_hash, sizeof in.token_hash);
    in.limit = (int64_t)max;
    in.roles = desk_acl_roles(r);
    in.now = api_now(r);
    in.key = r->w->audit_key;
    in.cp_path = r->w->audit_checkpoints;
    auditview_verify_op_t *o = api_op_new_from(r, &in, sizeof in, verify_done);
    if (o)
        api_op_submit(r, &o->op);
}

/* --- pages of events --------------------------------------------------------- */

static json_t *event_json(const auditview_page_t *p, int i)
{
    const auditview_event_t *e = &p->ev[i];
    json_t *detail = json_loadb(p->arena + e->detail_off, e->detail_len, 0, NULL);
    return json_pack("{s:I,s:o,s:s,s:s,s:s,s:o}", "seq", (json_int_t)e->seq, "at", view_time(e->at, 0), "actor",
        e->actor, "action", e->action, "subject", e->subject, "detail", detail ? detail : json_object());
}

static json_t *page_json(const auditview_page_t *p)
{
    json_t *items = json_array();
    for (int i = 0; i < p->n; i++)
        json_array_append_new(items, event_json(p, i));
    return items;
}

static int parse_after(const json_t *body, int64_t *ret, err_t *e)
{
    double after = 0;
    int rc = jsonx_number(body, "after_seq", false, 0, 9007199254740991.0, &after, e);
    if (rc == 0 && after != (int64_t)after)
        rc = err_set(e, -EINVAL, "invalid_after_seq", "after_seq is a whole number.");
    *ret = (int64_t)after;
    return rc;
}

/* --- one person's events ------------------------------------------------------ */

static void person_done(api_req_t *r, store_op_t *op)
{
    auditview_person_op_t *o = (auditview_person_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    api_reply_json(r, 200,
        json_pack("{s:I,s:o,s:b}", "person_id", (json_int_t)o->ret_person_id, "items", page_json(&o->ret), "more",
            o->ret.more));
}

/* The person by id, or by document like an inspector's look-up; and the
 * reason with a case or reference number that every look at a person
 * needs (product rule 14). */
typedef struct person_query {
    int64_t person_id; /* 0: by document */
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char reason[OFFICER_REASON_BYTES + 1];
    int64_t after_seq;
} person_query_t;

static int parse_person(const json_t *body, void *arg, err_t *e)
{
    person_query_t *o = arg;
    const char *kind = NULL, *number = NULL, *reason = "";
    double id = 0;
    int rc = jsonx_number(body, "person_id", false, 1, 9007199254740991.0, &id, e);
    if (rc == 0 && id != (int64_t)id)
        rc = err_set(e, -EINVAL, "invalid_person_id", "person_id is a whole number.");
    if (rc == 0)
        rc = jsonx_string(body, "document_kind", false, 1, 16, &kind, e);
    if (rc == 0)
        rc = jsonx_string(body, "document_number", false, 1, LIMIT_DOCNUM_BYTES, &number, e);
    if (rc == 0 && (id > 0) == (kind || number))
        rc = err_set(e, -EINVAL, "person_or_document", "Give person_id, or document_kind and document_number.");
    if (rc == 0 && !id && (!kind || !number))
        rc = err_set(e, -EINVAL, "person_or_document", "Give both document_kind and document_number.");
    if (rc == 0 && kind && strcmp(kind, "card") != 0 && strcmp(kind, "passport") != 0)
        rc = err_set(e, -EINVAL, "invalid_document_kind", "document_kind must be \"card\" or \"passport\".");
    if (rc == 0)
        rc = jsonx_string(body, "reason", true, 1, OFFICER_REASON_BYTES, &reason, e);
    if (rc == 0)
        rc = reason_check(
            reason, strlen(reason), LIMIT_REASON_MIN_CHARS, OFFICER_READ_REASON_MAX, REASON_NEED_REFERENCE, e);
    if (rc == 0)
        rc = parse_after(body, &o->after_seq, e);
    if (rc == 0) {
        o->person_id = (int64_t)id;
        snprintf(o->doc_kind, sizeof o->doc_kind, "%s", kind ? kind : "");
        snprintf(o->doc_number, sizeof o->doc_number, "%s", number ? number : "");
        snprintf(o->reason, sizeof o->reason, "%s", reason);
    }
    return rc;
}

void h_desk_audit_person_events(api_req_t *r)
{
    /* The op carries a result page of some 350 KB, too big for the stack:
     * the body is parsed into a small query first, and the op allocated only
     * for a valid one. */
    person_query_t q = {0};
    if (!api_body_parse_or_reply(r, parse_person, &q))
        return;
    auditview_person_op_t *o = api_op_new_or_reply(r, sizeof *o, person_done);
    if (o) {
        auditview_person_op_init(o);
        o->person_id = q.person_id;
        memcpy(o->doc_kind, q.doc_kind, sizeof o->doc_kind);
        memcpy(o->doc_number, q.doc_number, sizeof o->doc_number);
        memcpy(o->reason, q.reason, sizeof o->reason);
        o->after_seq = q.after_seq;
    }
    sodium_memzero(&q, sizeof q); /* a document number (product rule 3) */
    if (!o)
        return;
    memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
    o->roles = desk_acl_roles(r);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

/* --- one officer's activity --------------------------------------------------- */

static void activity_done(api_req_t *r, store_op_t *op)
{
    auditview_activity_op_t *o = (auditview_activity_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    const officer_row_t *w = &o->ret_officer;
    json_t *counts = json_object();
    for (int i = 0; i < o->ret_nactions; i++)
        json_object_set_new(counts, o->ret_actions[i].action, json_integer(o->ret_actions[i].n));
    json_t *who = json_pack("{s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)w->id, "login", w->login, "name", w->name,
        "role", officer_role_name(w->role), "disabled_at", w->disabled_at ? view_time(w->disabled_at, 0) : json_null());
    api_reply_json(r, 200,
        json_pack("{s:o,s:I,s:o,s:o,s:b}", "officer", who, "total", (json_int_t)o->ret_total, "counts", counts, "items",
            page_json(&o->ret), "more", o->ret.more));
}

typedef struct activity_query {
    char login[OFFICER_LOGIN_MAX + 1];
    int64_t from, to, after_seq;
} activity_query_t;

static int parse_activity(const json_t *body, void *arg, err_t *e)
{
    activity_query_t *o = arg;
    const char *login = "", *from = "", *to = "";
    int rc = jsonx_string(body, "officer_login", true, 1, OFFICER_LOGIN_MAX, &login, e);
    if (rc == 0)
        rc = jsonx_string(body, "from", true, 10, 40, &from, e);
    if (rc == 0)
        rc = jsonx_string(body, "to", true, 10, 40, &to, e);
    if (rc == 0 && (time_parse_rfc3339(from, strlen(from), &o->from, NULL) < 0 ||
                       time_parse_rfc3339(to, strlen(to), &o->to, NULL) < 0))
        rc = err_set(e, -EINVAL, "invalid_period", "from and to are RFC 3339 times, e.g. 2025-11-01T00:00:00+03:00.");
    if (rc == 0 && o->to <= o->from)
        rc = err_set(e, -EINVAL, "invalid_period", "to must come after from.");
    if (rc == 0)
        rc = parse_after(body, &o->after_seq, e);
    if (rc == 0)
        snprintf(o->login, sizeof o->login, "%s", login);
    return rc;
}

void h_desk_audit_officer_activity(api_req_t *r)
{
    /* The op carries a result page of some 350 KB: allocated only for a
     * valid query (see h_desk_audit_person_events). */
    activity_query_t q = {0};
    if (!api_body_parse_or_reply(r, parse_activity, &q))
        return;
    auditview_activity_op_t *o = api_op_new_or_reply(r, sizeof *o, activity_done);
    if (!o)
        return;
    auditview_activity_op_init(o);
    memcpy(o->login, q.login, sizeof o->login);
    o->from = q.from;
    o->to = q.to;
    o->after_seq = q.after_seq;
    memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
    o->roles = desk_acl_roles(r);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
