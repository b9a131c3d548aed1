/* POST /api/v1/desk/activation-codes: password recovery at the desk (issue
 * 17). A registrar who has seen the person's card or passport gives them a
 * new one-time activation code; the old password, every session and every
 * passkey of the person end (store/session.h, session_reissue_op). Registrars only; the
 * number and the reason travel in the body, never in the URL. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/desk_acl.h"
#include "api/desk_subject.h"
#include "api/handlers.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "base/secret.h"
#include "rules/reason.h"
#include "store/session.h"

typedef struct reissue_pending {
    session_reissue_op_t op;
    char code[SECRET_CODE_CHARS + 1]; /* shown once in the answer, then wiped */
} reissue_pending_t;

static void reissue_done(api_req_t *r, store_op_t *op)
{
    reissue_pending_t *p = (reissue_pending_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 201,
            json_pack("{s:s,s:o,s:I,s:I}", "activation_code", p->code, "expires_at", view_time(p->op.ret_expires_at, 0),
                "sessions_ended", (json_int_t)p->op.ret_ended, "passkeys_removed",
                (json_int_t)p->op.ret_passkeys_removed));
    sodium_memzero(p->code, sizeof p->code);
}

static int parse_reissue(const json_t *body, void *arg, err_t *e)
{
    session_reissue_op_t *o = arg;
    static const desk_reason_rule_t rule = {
        .max_bytes = sizeof o->reason - 1, .min_visible = 10, .max_chars = SESSION_REASON_MAX};
    desk_subject_t who;
    int rc = desk_subject_parse(body, &rule, &who, e);
    if (rc == 0) {
        snprintf(o->doc_kind, sizeof o->doc_kind, "%s", who.doc_kind);
        snprintf(o->doc_number, sizeof o->doc_number, "%s", who.doc_number);
        snprintf(o->reason, sizeof o->reason, "%s", who.reason);
    }
    return rc;
}

void h_desk_activation_code(api_req_t *r)
{
    reissue_pending_t in = {0};
    session_reissue_op_init(&in.op);
    if (!api_body_parse_or_reply(r, parse_reissue, &in.op))
        return;
    in.op.by_officer = true;
    in.op.officer_roles = desk_acl_roles(r);
    memcpy(in.op.token_hash, r->token_hash, sizeof in.op.token_hash);
    secret_code_new(in.code);
    secret_code_hash(in.code, strlen(in.code), in.op.code_hash);
    in.op.now = api_now(r);
    reissue_pending_t *p = api_op_new_from(r, &in, sizeof in, reissue_done);
    if (p)
        api_op_submit(r, &p->op.op);
}
