/* Passkeys (issue 17, docs/PASSKEYS.md):
 *   POST   /api/v1/me/passkeys/options      a registration challenge (logged in)
 *   POST   /api/v1/me/passkeys              register the browser's answer
 *   GET    /api/v1/me/passkeys              list
 *   DELETE /api/v1/me/passkeys/{id}         remove
 *   POST   /api/v1/session/passkey/options  a log-in challenge (anyone)
 *   POST   /api/v1/session/passkey          log in with a passkey
 * The checks are rules/webauthn (pure), run inside the store ops of
 * store/passkey. All answer 404 passkeys_disabled while public_origin is
 * unset. Binary members travel as unpadded base64url, as the browser's
 * ArrayBuffers encode them. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login_gate.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/parse.h"
#include "base/b64url.h"
#include "store/passkey.h"

bool h_gate_passkeys(api_req_t *r)
{
    if (r->w->rp_id[0])
        return true;
    api_problem(r, 404, "passkeys_disabled", "Passkeys are not set up on this server.");
    return false;
}

static json_t *b64(const uint8_t *p, size_t len)
{
    char buf[2 * WEBAUTHN_INPUT_MAX];
    if (b64url_encode_buf(p, len, buf, sizeof buf, NULL, NULL) < 0)
        return json_null();
    return json_string(buf);
}

/* A base64url member decoded into out (cap bytes, at least 1). */
static int b64_member(const json_t *body, const char *name, uint8_t *out, size_t cap, size_t *ret_len, err_t *err)
{
    const char *s;
    int rc = jsonx_string(body, name, true, 1, 2 * cap, &s, err);
    if (rc == 0 && (b64url_decode_buf(s, strlen(s), out, cap, ret_len, NULL) < 0 || *ret_len == 0))
        rc = err_set(err, -EINVAL, "webauthn_malformed", "%s is not base64url of at most %zu bytes.", name, cap);
    return rc;
}

static json_t *algorithms(void)
{
    json_t *a = json_array();
    static const int algs[] = {-7, -8, -257}; /* ES256, EdDSA, RS256: what rules/webauthn verifies */
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        json_array_append_new(a, json_pack("{s:s,s:i}", "type", "public-key", "alg", algs[i]));
    return a;
}

/* --- registration options ---------------------------------------------------- */

/* The user handle: the person's row id as 8 bytes. It names nobody outside
 * this database, as §14.6.1 asks; the log-in does not rely on it. */
static json_t *user_entity(int64_t person_id)
{
    uint8_t h[8];
    for (int i = 0; i < 8; i++)
        h[i] = (uint8_t)((uint64_t)person_id >> (56 - 8 * i));
    return json_pack("{s:o,s:s,s:s}", "id", b64(h, sizeof h), "name", "uchet", "displayName", "uchet");
}

static void register_options_done(api_req_t *r, store_op_t *op)
{
    passkey_challenge_op_t *o = (passkey_challenge_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    json_t *exclude = json_array();
    for (int i = 0; i < o->ret_nexclude; i++)
        json_array_append_new(
            exclude, json_pack("{s:s,s:o}", "type", "public-key", "id", b64(o->ret_exclude[i], o->ret_exclude_len[i])));
    json_t *pk = json_pack("{s:{s:s,s:s},s:o,s:o,s:o,s:i,s:s,s:{s:s,s:b,s:s},s:o}", "rp", "id", r->w->rp_id, "name",
        "uchet", "user", user_entity(o->ret_person_id), "challenge", b64(o->ret_challenge, sizeof o->ret_challenge),
        "pubKeyCredParams", algorithms(), "timeout", PASSKEY_CHALLENGE_TTL_S * 1000, "attestation", "none",
        "authenticatorSelection", "residentKey", "required", "requireResidentKey", 1, "userVerification", "required",
        "excludeCredentials", exclude);
    api_reply_json(r, 200, json_pack("{s:o,s:o}", "public_key", pk, "expires_at", view_time(o->ret_expires_at, 0)));
}

static void challenge(api_req_t *r, bool for_login, api_finish_fn done)
{
    passkey_challenge_op_t *o = api_op_new_or_reply(r, sizeof *o, done);
    if (!o)
        return;
    passkey_challenge_op_init(o);
    o->now = api_now(r);
    o->for_login = for_login;
    if (!for_login)
        memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
    api_op_submit(r, &o->op);
}

void h_passkey_register_options(api_req_t *r)
{
    challenge(r, false, register_options_done);
}

/* --- registration ---------------------------------------------------------------- */

static void register_done(api_req_t *r, store_op_t *op)
{
    passkey_register_op_t *o = (passkey_register_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(
            r, 201, json_pack("{s:I,s:o}", "id", (json_int_t)o->ret_id, "created_at", view_time(o->ret_created_at, 0)));
}

void h_passkey_register(api_req_t *r)
{
    passkey_register_op_t in, *o;
    passkey_register_op_init(&in);
    err_t e = {0};
    int rc = b64_member(r->body, "client_data_json", in.client_data, sizeof in.client_data, &in.client_data_len, &e);
    if (rc == 0)
        rc = b64_member(r->body, "attestation_object", in.att_obj, sizeof in.att_obj, &in.att_obj_len, &e);
    if (rc < 0) {
        api_problem_err(r, &e);
        return;
    }
    in.now = api_now(r);
    memcpy(in.token_hash, r->token_hash, sizeof in.token_hash);
    snprintf(in.rp_id, sizeof in.rp_id, "%s", r->w->rp_id);
    snprintf(in.origin, sizeof in.origin, "%s", r->w->public_origin);
    if ((o = api_op_new_from(r, &in, sizeof in, register_done)))
        api_op_submit(r, &o->op);
}

/* --- list, delete ---------------------------------------------------------------------- */

static void list_done(api_req_t *r, store_op_t *op)
{
    passkey_list_op_t *o = (passkey_list_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    json_t *a = json_array();
    for (int i = 0; i < o->ret_n; i++) {
        const passkey_info_t *p = &o->ret[i];
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o}", "id", (json_int_t)p->id, "created_at", view_time(p->created_at, 0),
                   "last_used_at", p->last_used_at ? view_time(p->last_used_at, 0) : json_null()));
    }
    api_reply_json(r, 200, json_pack("{s:o}", "passkeys", a));
}

void h_passkey_list(api_req_t *r)
{
    passkey_list_op_t *o = api_op_new_or_reply(r, sizeof *o, list_done);
    if (!o)
        return;
    passkey_list_op_init(o);
    o->now = api_now(r);
    memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
    api_op_submit(r, &o->op);
}

void h_passkey_delete(api_req_t *r)
{
    uint64_t id;
    if (parse_u64(r->params[0].base, r->params[0].len, 1, INT64_MAX, &id) < 0) {
        api_problem(r, 404, "passkey_not_found", "There is no such passkey.");
        return;
    }
    passkey_delete_op_t *o = api_op_new_or_reply(r, sizeof *o, api_finish_no_content);
    if (!o)
        return;
    passkey_delete_op_init(o);
    o->now = api_now(r);
    o->id = (int64_t)id;
    memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
    api_op_submit(r, &o->op);
}

/* --- log-in ------------------------------------------------------------------------------ */

static void login_options_done(api_req_t *r, store_op_t *op)
{
    passkey_challenge_op_t *o = (passkey_challenge_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    /* allowCredentials empty: the phone offers its own passkeys for this
     * site (discoverable credentials), so nobody types a document number */
    json_t *pk =
        json_pack("{s:o,s:s,s:i,s:s,s:[]}", "challenge", b64(o->ret_challenge, sizeof o->ret_challenge), "rpId",
            r->w->rp_id, "timeout", PASSKEY_CHALLENGE_TTL_S * 1000, "userVerification", "required", "allowCredentials");
    api_reply_json(r, 200, json_pack("{s:o,s:o}", "public_key", pk, "expires_at", view_time(o->ret_expires_at, 0)));
}

void h_passkey_login_options(api_req_t *r)
{
    challenge(r, true, login_options_done);
}

/* The answer, carried from the counting step to the checking step. */
typedef struct login_pending {
    passkey_login_start_op_t start;
    uint8_t client_data[WEBAUTHN_INPUT_MAX];
    size_t client_data_len;
    uint8_t auth_data[WEBAUTHN_INPUT_MAX];
    size_t auth_data_len;
    uint8_t sig[1024];
    size_t sig_len;
} login_pending_t;

static void login_done(api_req_t *r, store_op_t *op)
{
    passkey_login_op_t *o = (passkey_login_op_t *)op;
    if (op->rc < 0) {
        if (op->rc == -EACCES || op->rc == -EINVAL)
            login_gate_log(r, "auth.login_failed", "passkey log-in", "person", o->person_id);
        api_problem_err(r, &op->err);
    } else {
        api_reply_json(
            r, 201, json_pack("{s:s,s:o}", "token", o->ret.token, "expires_at", view_time(o->ret.expires_at, 0)));
    }
    sodium_memzero(&o->ret, sizeof o->ret);
}

static bool refused(api_req_t *r, const login_pending_t *p)
{
    const passkey_login_start_op_t *s = &p->start;
    if (s->ret_wait > 0) {
        login_gate_reply_limited(
            r, s->ret_wait, "passkey log-in", s->ret_person_id ? "person" : "unknown", s->ret_person_id);
        return true;
    }
    if (!s->ret_challenge_ok) {
        login_gate_log(
            r, "auth.login_failed", "passkey log-in", s->ret_person_id ? "person" : "unknown", s->ret_person_id);
        api_problem(
            r, 400, "passkey_challenge_invalid", "This passkey request has expired or was already used; start again.");
        return true;
    }
    if (!s->ret_person_id) {
        login_gate_log(r, "auth.login_failed", "passkey log-in", "unknown", 0);
        api_problem(r, 401, "passkey_unknown", "This passkey is not registered here; log in with your password.");
        return true;
    }
    return false;
}

static void login_counted(api_req_t *r, store_op_t *op)
{
    login_pending_t *p = (login_pending_t *)op;
    passkey_login_start_op_t *s = &p->start;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    if (refused(r, p))
        return;
    passkey_login_op_t *o = api_op_new_or_reply(r, sizeof *o, login_done);
    if (!o)
        return;
    passkey_login_op_init(o);
    o->now = s->now;
    memcpy(o->addr, s->addr, sizeof o->addr);
    memcpy(o->account, s->ret_account, sizeof o->account);
    snprintf(o->rp_id, sizeof o->rp_id, "%s", r->w->rp_id);
    snprintf(o->origin, sizeof o->origin, "%s", r->w->public_origin);
    memcpy(o->challenge, s->challenge, sizeof o->challenge);
    o->person_id = s->ret_person_id;
    o->passkey_id = s->ret_passkey_id;
    o->sign_count = s->ret_sign_count;
    memcpy(o->cose, s->ret_cose, s->ret_cose_len);
    o->cose_len = s->ret_cose_len;
    memcpy(o->client_data, p->client_data, p->client_data_len);
    o->client_data_len = p->client_data_len;
    memcpy(o->auth_data, p->auth_data, p->auth_data_len);
    o->auth_data_len = p->auth_data_len;
    memcpy(o->sig, p->sig, p->sig_len);
    o->sig_len = p->sig_len;
    api_op_submit(r, &o->op);
}

static int parse_assertion(const json_t *body, login_pending_t *p, err_t *e)
{
    passkey_login_start_op_t *s = &p->start;
    uint8_t ch[WEBAUTHN_CHALLENGE_BYTES + 1];
    size_t chlen = 0;
    const json_t *uh = json_object_get(body, "user_handle");
    int rc = b64_member(body, "credential_id", s->cred_id, sizeof s->cred_id, &s->cred_id_len, e);
    /* not used, but held to the same strictness as the rest: a user handle is at most 64 bytes (§5.4.3) */
    if (rc == 0 && uh && !json_is_null(uh) && (!json_is_string(uh) || json_string_length(uh) > 86))
        rc = err_set(e, -EINVAL, "invalid_type", "user_handle must be base64url of at most 64 bytes, or null.");
    if (rc == 0)
        rc = b64_member(body, "client_data_json", p->client_data, sizeof p->client_data, &p->client_data_len, e);
    if (rc == 0)
        rc = b64_member(body, "authenticator_data", p->auth_data, sizeof p->auth_data, &p->auth_data_len, e);
    if (rc == 0)
        rc = b64_member(body, "signature", p->sig, sizeof p->sig, &p->sig_len, e);
    if (rc == 0)
        rc = webauthn_client_challenge(p->client_data, p->client_data_len, ch, sizeof ch, &chlen, e);
    if (rc == 0 && chlen != WEBAUTHN_CHALLENGE_BYTES)
        rc = err_set(e, -EINVAL, "passkey_challenge_invalid",
            "This passkey request has expired or was already used; start again.");
    if (rc == 0)
        memcpy(s->challenge, ch, sizeof s->challenge);
    return rc;
}

/* A passkey log-in is: a place at the log-in gate for the client, the
 * challenge taken and the attempt counted (WRITE), then the signature
 * checked and the session opened (WRITE). user_handle is accepted and not
 * used: the credential id alone finds the passkey. */
void h_passkey_login(api_req_t *r)
{
    login_pending_t in = {0}, *p;
    passkey_login_start_op_init(&in.start);
    err_t e = {0};
    if (parse_assertion(r->body, &in, &e) < 0) {
        api_problem_err(r, &e);
        return;
    }
    if (!login_gate_enter_or_reply(r, "person"))
        return;
    in.start.now = api_now(r);
    api_peer(r, in.start.addr, sizeof in.start.addr);
    if ((p = api_op_new_from(r, &in, sizeof in, login_counted)))
        api_op_submit(r, &p->start.op);
}
