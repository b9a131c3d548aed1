#include "api/router.h"

#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/static.h"

/* One row a route: what it is (method, template, handler), who may call it
 * (auth) and what its body may hold (body), like a command table that
 * carries each command's arity and flags. router_dispatch runs, in order:
 * the gate (a switched-off feature or a malformed {id} answers the same
 * whoever asks, so it comes first), authentication, the strict body; the
 * handler starts with r->token_hash and r->body ready. */
typedef struct route {
    const char *method;
    const char *path; /* "{x}" matches one segment */
    void (*handler)(api_req_t *r);
    api_auth_t auth;
    const char *const *body;    /* a JSON object with only these fields; NULL: the router does not
                                        * read the body (none, or the handler reads raw bytes itself) */
    bool (*gate)(api_req_t *r); /* NULL, or false after replying */
} route_t;

/* A body's allowed fields, NULL-terminated (a compound literal: static at file scope). */
#define F(...) ((const char *const[]){__VA_ARGS__, NULL})

#define NONE API_AUTH_NONE
#define PERSON API_AUTH_PERSON
#define OFFICER API_AUTH_OFFICER
#define KIOSK API_AUTH_KIOSK
#define APIKEY API_AUTH_APIKEY

#define RESIDENCE F("settlement", "street", "house", "building", "apartment", "address_id", "lat", "lon", "accuracy_m")
#define SUBJECT F("document_kind", "document_number", "reason")

static const route_t routes[] = {
    {"POST", "/api/v1/activation", h_activation, NONE, F("activation_code", "password", "device"), NULL},
    {"POST", "/api/v1/session", h_session_create, NONE, F("document_kind", "document_number", "password", "device"),
        NULL},
    {"DELETE", "/api/v1/session", h_session_delete, PERSON, NULL, NULL},
    {"POST", "/api/v1/session/renew", h_session_renew, PERSON, NULL, NULL},
    {"POST", "/api/v1/session/recheck", h_session_recheck, PERSON, F("password"), NULL},
    {"POST", "/api/v1/me/password", h_me_password, PERSON, F("current_password", "new_password"), NULL},
    {"GET", "/api/v1/me/sessions", h_me_sessions_list, PERSON, NULL, NULL},
    {"DELETE", "/api/v1/me/sessions", h_me_sessions_delete, PERSON, NULL, NULL},
    {"GET", "/api/v1/me", h_me_get, PERSON, NULL, NULL},
    {"PATCH", "/api/v1/me", h_me_patch, PERSON, F("language"), NULL},
    {"POST", "/api/v1/me/registration", h_registration_create_rechecked, PERSON, F("region", "residence"), NULL},
    {"DELETE", "/api/v1/me/registration", h_registration_delete_rechecked, PERSON, F("reason"), NULL},
    {"PUT", "/api/v1/me/registration/residence", h_residence_put_rechecked, PERSON, RESIDENCE, NULL},
    {"POST", "/api/v1/me/registration/residence/reaffirm", h_residence_reaffirm, PERSON, NULL,
        NULL}, /* rule 8: "my address is right" */
    {"POST", "/api/v1/me/confirmations", h_confirmation_create, PERSON,
        F("lat", "lon", "accuracy_m", "client_time", "idempotency_key"), NULL},
    {"POST", "/api/v1/me/minors", h_minor_create_rechecked, PERSON,
        F("surname", "given_names", "birth_date", "citizenship", "passport_number"), NULL},
    {"GET", "/api/v1/me/minors", h_minor_list, PERSON, NULL, NULL},
    {"GET", "/api/v1/me/notifications", h_notices_list, PERSON, NULL, NULL},
    {"POST", "/api/v1/me/notifications/{id}/read", h_notice_read, PERSON, NULL, h_gate_notice_id},
    {"POST", "/api/v1/me/push-subscriptions", h_push_subscribe, PERSON, F("endpoint", "keys", "expirationTime"), NULL},
    {"DELETE", "/api/v1/me/push-subscriptions", h_push_unsubscribe, PERSON, F("endpoint"), NULL},
    {"GET", "/api/v1/push/vapid-public-key", h_push_public_key, NONE, NULL, NULL},
    {"POST", "/api/v1/me/appeals", h_appeal_create_rechecked, PERSON, F("reason"), NULL},
    {"GET", "/api/v1/me/appeals", h_appeal_list, PERSON, NULL, NULL},
    {"GET", "/api/v1/me/access-log", h_access_log, PERSON, NULL, NULL},
    {"POST", "/api/v1/me/registration/host-code", h_host_code_create, PERSON, NULL, NULL},
    {"POST", "/api/v1/host/confirmations", h_host_confirm, NONE, F("code", "landlord_name"), h_gate_host_rate},
    {"POST", "/api/v1/desk/session", h_desk_session_create, NONE, F("login", "password", "code", "recovery_code"),
        NULL},
    {"DELETE", "/api/v1/desk/session", h_desk_session_delete, OFFICER, NULL, NULL},
    {"POST", "/api/v1/desk/session/totp", h_desk_totp_enrol, NONE, F("enrolment_token", "code"),
        NULL}, /* issue 15: first code confirms the authenticator */
    {"GET", "/api/v1/desk/persons", h_desk_persons, NONE, NULL, NULL}, /* 410: gone */
    {"POST", "/api/v1/desk/person-lookups", h_desk_person_lookup, OFFICER, SUBJECT,
        NULL}, /* issue 12: number and reason in the body */
    {"POST", "/api/v1/desk/activation-codes", h_desk_activation_code, OFFICER, SUBJECT,
        NULL}, /* issue 17: password recovery */
    {"GET", "/api/v1/desk/appeals", h_desk_appeal_list, OFFICER, NULL, NULL},
    {"POST", "/api/v1/desk/appeals/{id}/decision", h_desk_appeal_decide, OFFICER, F("grant", "reason"), NULL},
    /* issue 15: the supervisor's screen (h_officers.c) */
    {"GET", "/api/v1/desk/officers", h_desk_officer_list, OFFICER, NULL, NULL},
    {"POST", "/api/v1/desk/officers", h_desk_officer_add, OFFICER, F("login", "name", "role", "reason"), NULL},
    {"POST", "/api/v1/desk/officers/{id}/disable", h_desk_officer_disable, OFFICER, F("reason"), NULL},
    {"POST", "/api/v1/desk/officers/{id}/reset", h_desk_officer_reset, OFFICER, F("reason"), NULL},
    {"POST", "/api/v1/desk/audit/lookups", h_desk_audit_lookups, OFFICER, F("from", "to"),
        NULL}, /* issue 15: the auditor's view */
    {"POST", "/api/v1/desk/audit/verify", h_desk_audit_verify, OFFICER, F("cursor", "max_events"),
        NULL}, /* the auditor's views (h_audit.c) */
    {"POST", "/api/v1/desk/audit/person-events", h_desk_audit_person_events, OFFICER,
        F("person_id", "document_kind", "document_number", "reason", "after_seq"), NULL},
    {"POST", "/api/v1/desk/audit/officer-activity", h_desk_audit_officer_activity, OFFICER,
        F("officer_login", "from", "to", "after_seq"), NULL},
    {"POST", "/api/v1/integration/registrations", h_integration_registration, APIKEY,
        F("document_kind", "document_number", "region"), NULL},
    {"GET", "/api/v1/regions", h_regions, NONE, NULL, NULL},
    {"POST", "/api/v1/address-checks", h_address_check, NONE, F("region", "settlement"),
        NULL}, /* issue 17: settlement vs region */
    {"POST", "/api/v1/documents/mrz", h_documents_mrz, NONE, NULL,
        NULL}, /* a photo, or JSON {text, typed}: the handler reads it */
    {"GET", "/api/v1/calendar/{region}/working-days", h_calendar, NONE, NULL, NULL},
    {"PUT", "/api/v1/test/clock", h_test_clock, NONE, F("now"), h_gate_test_clock},
    /* enrolment kiosk (h_kiosk.c): each step reads its own raw body (per-step size limits) */
    {"POST", "/api/v1/kiosk/sessions", h_kiosk_session_create, KIOSK, NULL, h_gate_kiosk},
    {"GET", "/api/v1/kiosk/sessions/{id}", h_kiosk_session_get, KIOSK, NULL, h_gate_kiosk},
    {"DELETE", "/api/v1/kiosk/sessions/{id}", h_kiosk_session_delete, KIOSK, NULL, h_gate_kiosk},
    {"PUT", "/api/v1/kiosk/sessions/{id}/document", h_kiosk_document, KIOSK, NULL, h_gate_kiosk},
    {"PUT", "/api/v1/kiosk/sessions/{id}/details", h_kiosk_details, KIOSK, NULL, h_gate_kiosk},
    {"PUT", "/api/v1/kiosk/sessions/{id}/captures/{kind}", h_kiosk_capture, KIOSK, NULL, h_gate_kiosk},
    {"PUT", "/api/v1/kiosk/sessions/{id}/signature", h_kiosk_signature, KIOSK, NULL, h_gate_kiosk},
    {"POST", "/api/v1/kiosk/sessions/{id}/submit", h_kiosk_submit, KIOSK, NULL, h_gate_kiosk},
    {"GET", "/api/v1/kiosk/enrolments/{receipt}/status", h_kiosk_enrolment_status, NONE, NULL, h_gate_kiosk},
    /* passkeys (h_passkey.c, issue 17) */
    {"POST", "/api/v1/me/passkeys/options", h_passkey_register_options, PERSON, NULL, h_gate_passkeys},
    {"POST", "/api/v1/me/passkeys", h_passkey_register, PERSON, F("client_data_json", "attestation_object"),
        h_gate_passkeys},
    {"GET", "/api/v1/me/passkeys", h_passkey_list, PERSON, NULL, h_gate_passkeys},
    {"DELETE", "/api/v1/me/passkeys/{id}", h_passkey_delete, PERSON, NULL, h_gate_passkeys},
    {"POST", "/api/v1/session/passkey/options", h_passkey_login_options, NONE, NULL, h_gate_passkeys},
    {"POST", "/api/v1/session/passkey", h_passkey_login, NONE,
        F("credential_id", "client_data_json", "authenticator_data", "signature", "user_handle"), h_gate_passkeys},

    /* document sets (h_docset.c, issue 16); a page's body is the image itself */
    {"POST", "/api/v1/document-sets", h_docset_create, PERSON, F("procedure", "planned_decision"), h_gate_docsets},
    {"GET", "/api/v1/document-sets", h_docset_list, PERSON, NULL, h_gate_docsets},
    {"GET", "/api/v1/document-sets/procedures", h_docset_procedures, NONE, NULL, h_gate_docsets},
    {"GET", "/api/v1/document-sets/{id}", h_docset_get, PERSON, NULL, h_gate_docset_id},
    {"POST", "/api/v1/document-sets/{id}/pages", h_docset_page_add, PERSON, NULL, h_gate_docset_id},
    {"DELETE", "/api/v1/document-sets/{id}/pages/{n}", h_docset_page_delete, PERSON, NULL, h_gate_docset_id},
    {"POST", "/api/v1/document-sets/{id}/submit", h_docset_submit, PERSON, NULL, h_gate_docset_id},
    {"GET", "/api/v1/desk/document-sets", h_desk_docset_list, OFFICER, NULL, h_gate_docsets},
    {"POST", "/api/v1/desk/document-sets/{id}/decision", h_desk_docset_decide, OFFICER, F("decision", "reason"),
        h_gate_docset_id},

    {"GET", "/api/v1/kiosk/enrolments/{receipt}/receipt.pdf", h_kiosk_receipt_pdf, KIOSK, NULL,
        h_gate_kiosk}, /* h_receipt.c */
    /* the registrar's enrolment review (h_review.c) */
    {"GET", "/api/v1/desk/enrolments", h_review_queue, OFFICER, NULL, NULL},
    {"GET", "/api/v1/desk/enrolments/{receipt}", h_review_get, OFFICER, NULL, NULL},
    {"POST", "/api/v1/desk/enrolments/{receipt}/claim", h_review_claim, OFFICER, NULL, NULL},
    {"GET", "/api/v1/desk/enrolments/{receipt}/images/{kind}", h_review_image, OFFICER, NULL, NULL},
    {"POST", "/api/v1/desk/enrolments/{receipt}/approve", h_review_approve, OFFICER,
        F("reason", "purpose", "entry_regime"), h_gate_receipt},
    {"POST", "/api/v1/desk/enrolments/{receipt}/return", h_review_return, OFFICER, F("reason"), h_gate_receipt},
    {"GET", "/api/v1/desk/enrolments/{receipt}/letter.pdf", h_review_letter, OFFICER, NULL, NULL},
    {"GET", "/healthz", h_healthz, NONE, NULL, NULL},
    {"GET", "/readyz", h_readyz, NONE, NULL, NULL},
    {"GET", "/metrics", h_metrics, NONE, NULL, NULL},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static const char *names[NROUTES];

size_t router_count(void)
{
    return NROUTES;
}

const char *router_name(size_t i)
{
    return i < NROUTES ? routes[i].path : NULL;
}

const char *const *router_names(void)
{
    for (size_t i = 0; i < NROUTES; i++)
        names[i] = routes[i].path;
    return names;
}

/* Matches path against a template, capturing {x} segments into r->params. */
static bool match(const char *tpl, h2o_iovec_t path, api_req_t *r)
{
    const char *p = path.base, *end = path.base + path.len;
    int np = 0;
    while (*tpl) {
        if (*tpl == '{') {
            const char *close = strchr(tpl, '}');
            const char *seg = p;
            while (p < end && *p != '/')
                p++;
            if (p == seg || np >= API_MAX_PARAMS)
                return false;
            r->params[np++] = h2o_iovec_init(seg, (size_t)(p - seg));
            tpl = close + 1;
            continue;
        }
        if (p >= end || *p != *tpl)
            return false;
        p++;
        tpl++;
    }
    return p == end;
}

static bool method_is(const h2o_req_t *req, const char *m)
{
    return req->method.len == strlen(m) && memcmp(req->method.base, m, req->method.len) == 0;
}

/* The steps every route shares, then its handler; each step that fails has
 * replied. The body is the request's (api.h), freed when h2o disposes it. */
static void run(const route_t *rt, api_req_t *r)
{
    if (rt->gate && !rt->gate(r))
        return;
    if (rt->auth != API_AUTH_NONE && !api_auth_or_reply(r, rt->auth))
        return;
    if (rt->body && !(r->body = api_body_or_reply(r, rt->body)))
        return;
    rt->handler(r);
}

int router_check(char *bad, size_t cap)
{
    for (size_t i = 0; i < NROUTES; i++)
        if (routes[i].auth == API_AUTH_UNSET || !routes[i].handler) {
            snprintf(bad, cap, "%s %s", routes[i].method, routes[i].path);
            return -1;
        }
    return 0;
}

void router_dispatch(api_req_t *r)
{
    h2o_req_t *req = r->req;
    h2o_iovec_t path = req->path_normalized;
    if (req->query_at != SIZE_MAX)
        r->query = h2o_iovec_init(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
    bool path_known = false;
    for (size_t i = 0; i < NROUTES; i++) {
        if (!match(routes[i].path, path, r))
            continue;
        path_known = true;
        if (method_is(req, routes[i].method)) {
            r->route = (int)i;
            run(&routes[i], r);
            return;
        }
    }
    if (path_known) {
        api_problem(r, 405, "method_not_allowed", "This resource does not support that method.");
        return;
    }
    if (path.len >= 5 && memcmp(path.base, "/api/", 5) == 0) {
        api_problem(r, 404, "not_found", "No such resource.");
        return;
    }
    static_serve(r);
}
