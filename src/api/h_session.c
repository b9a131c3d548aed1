/* POST /api/v1/activation, POST /api/v1/session, DELETE /api/v1/session */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login_gate.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/password.h"
#include "store/session.h"

static void reply_session(api_req_t *r, const session_result_t *s)
{
    json_t *o = json_pack("{s:s,s:o}", "token", s->token, "expires_at", view_time(s->expires_at, 0));
    api_reply_json(r, 201, o);
}

static void activation_done(api_req_t *r, store_op_t *op)
{
    session_activate_op_t *o = (session_activate_op_t *)op;
    if (op->rc < 0) {
        if (op->rc == -ENOENT)
            login_gate_log(r, "auth.activation_failed", "activation", "unknown", 0);
        api_problem_err(r, &op->err);
    } else {
        login_gate_log_ok(r, "auth.activated", "activation", o->ret.person_id);
        reply_session(r, &o->ret);
    }
    sodium_memzero(&o->ret, sizeof o->ret);
    sodium_memzero(o->password, sizeof o->password);
}

/* The activation, carried from the counting step to the hashing step. */
typedef struct activation_pending {
    session_activation_start_op_t start;
    uint8_t code_hash[SECRET_HASH_BYTES];
    char password[LIMIT_PASSWORD_MAX + 1];
    char device[SESSION_DEVICE_MAX + 1];
} activation_pending_t;

static void activation_counted(api_req_t *r, store_op_t *op)
{
    activation_pending_t *p = (activation_pending_t *)op;
    if (op->rc < 0 || p->start.ret_wait > 0) {
        if (op->rc < 0)
            api_problem_err(r, &op->err);
        else
            login_gate_reply_limited(r, p->start.ret_wait, "activation", "unknown", 0);
        sodium_memzero(p->password, sizeof p->password);
        return;
    }
    session_activate_op_t *o = api_op_new_or_reply(r, sizeof *o, activation_done);
    if (o) {
        session_activate_op_init(o);
        memcpy(o->code_hash, p->code_hash, sizeof o->code_hash);
        snprintf(o->password, sizeof o->password, "%s", p->password);
        snprintf(o->addr, sizeof o->addr, "%s", p->start.addr);
        o->now = p->start.now;
        o->opslimit = r->w->argon2_ops;
        o->memlimit = r->w->argon2_mem;
        o->policy = r->w->sessions;
        memcpy(o->device, p->device, sizeof o->device);
        api_op_submit(r, &o->op);
    }
    sodium_memzero(p->password, sizeof p->password);
}

void h_activation(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *code, *pw, *device = NULL;
    uint8_t code_hash[SECRET_HASH_BYTES];
    int rc = jsonx_string(body, "activation_code", true, 1, 64, &code, &e);
    if (rc == 0)
        rc = jsonx_string(body, "device", false, 0, SESSION_DEVICE_MAX, &device, &e);
    if (rc == 0)
        rc = jsonx_string(body, "password", true, 0, 4 * LIMIT_PASSWORD_MAX, &pw, &e);
    if (rc == 0)
        rc = password_check(pw, strlen(pw), r->w->passwords, &e);
    if (rc == 0 && secret_code_hash(code, strlen(code), code_hash) < 0)
        rc = err_set(&e, -EINVAL, "activation_code_invalid",
            "An activation code has 12 letters and digits, like ABCD-EFGH-JKMN.");
    if (rc < 0) {
        api_problem_err(r, &e);
        return;
    }
    if (!login_gate_enter_or_reply(r, "person")) {
        return;
    }
    activation_pending_t *p = api_op_new_or_reply(r, sizeof *p, activation_counted);
    if (p) {
        session_activation_start_op_init(&p->start);
        p->start.now = api_now(r);
        api_peer(r, p->start.addr, sizeof p->start.addr);
        memcpy(p->code_hash, code_hash, sizeof code_hash);
        snprintf(p->password, sizeof p->password, "%s", pw);
        snprintf(p->device, sizeof p->device, "%s", device ? device : "");
    }
    if (p)
        api_op_submit(r, &p->start.op);
}

static void login_done(api_req_t *r, store_op_t *op)
{
    session_login_op_t *o = (session_login_op_t *)op;
    if (op->rc == -EACCES)
        login_gate_log(r, "auth.login_failed", "log-in", o->person_id ? "person" : "unknown", o->person_id);
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
    } else {
        login_gate_log_ok(r, "auth.login_ok", "log-in", o->ret.person_id);
        reply_session(r, &o->ret);
    }
    sodium_memzero(&o->ret, sizeof o->ret);
    sodium_memzero(o->password, sizeof o->password);
}

/* The log-in, carried from the counting step to the hashing step. */
typedef struct login_pending {
    session_login_start_op_t start;
    char password[LIMIT_PASSWORD_MAX + 1];
    char device[SESSION_DEVICE_MAX + 1];
} login_pending_t;

static void login_counted(api_req_t *r, store_op_t *op)
{
    login_pending_t *p = (login_pending_t *)op;
    session_login_start_op_t *s = &p->start;
    if (op->rc < 0 || s->ret_wait > 0) {
        if (op->rc < 0)
            api_problem_err(r, &op->err);
        else
            login_gate_reply_limited(
                r, s->ret_wait, "log-in", s->ret_person_id ? "person" : "unknown", s->ret_person_id);
        sodium_memzero(p->password, sizeof p->password);
        return;
    }
    session_login_op_t *o = api_op_new_or_reply(r, sizeof *o, login_done);
    if (o) {
        session_login_op_init(o);
        o->now = s->now;
        o->person_id = s->ret_person_id;
        memcpy(o->stored, s->ret_hash, sizeof o->stored);
        session_login_account(s->ret_person_id, s->doc_kind, s->doc_number, o->account, sizeof o->account);
        memcpy(o->addr, s->addr, sizeof o->addr);
        snprintf(o->password, sizeof o->password, "%s", p->password);
        o->policy = r->w->sessions;
        memcpy(o->device, p->device, sizeof o->device);
        api_op_submit(r, &o->op);
    }
    sodium_memzero(p->password, sizeof p->password);
    sodium_memzero(s->ret_hash, sizeof s->ret_hash);
}

static int parse_login(
    json_t *body, const char **kind, const char **number, const char **pw, const char **device, err_t *e)
{
    int rc = jsonx_string(body, "document_kind", true, 1, 16, kind, e);
    if (rc == 0 && strcmp(*kind, "card") != 0 && strcmp(*kind, "passport") != 0)
        rc = err_set(e, -EINVAL, "invalid_document_kind", "document_kind must be \"card\" or \"passport\".");
    if (rc == 0)
        rc = jsonx_string(body, "document_number", true, 1, LIMIT_DOCNUM_BYTES, number, e);
    if (rc == 0)
        rc = jsonx_string(body, "password", true, 1, LIMIT_PASSWORD_MAX, pw, e);
    if (rc == 0)
        rc = jsonx_string(body, "device", false, 0, SESSION_DEVICE_MAX, device, e);
    return rc;
}

/* A log-in is: a hashing place for the client (login_gate), the attempt
 * counted in the database (WRITE lane, before any hashing), then the
 * password checked (SLOW lane). */
void h_session_create(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *kind, *number, *pw, *device = NULL;
    if (parse_login(body, &kind, &number, &pw, &device, &e) < 0) {
        api_problem_err(r, &e);
        return;
    }
    if (!login_gate_enter_or_reply(r, "person")) {
        return;
    }
    login_pending_t *p = api_op_new_or_reply(r, sizeof *p, login_counted);
    if (p) {
        session_login_start_op_init(&p->start);
        p->start.now = api_now(r);
        snprintf(p->start.doc_kind, sizeof p->start.doc_kind, "%s", kind);
        snprintf(p->start.doc_number, sizeof p->start.doc_number, "%s", number);
        api_peer(r, p->start.addr, sizeof p->start.addr);
        snprintf(p->password, sizeof p->password, "%s", pw);
        snprintf(p->device, sizeof p->device, "%s", device ? device : "");
    }
    if (p)
        api_op_submit(r, &p->start.op);
}

void h_session_delete(api_req_t *r)
{
    session_logout_op_t *o = api_op_new_or_reply(r, sizeof *o, api_finish_no_content);
    if (!o)
        return;
    session_logout_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
