#include "api/router.h"

#include <string.h>

#include "api/handlers.h"
#include "api/static.h"

typedef struct route {
    const char *method;
    const char *path;        /* "{x}" matches one segment */
    void (*handler)(api_req_t *r);
} route_t;

static const route_t routes[] = {
    {"POST", "/api/v1/activation", h_activation},
    {"POST", "/api/v1/session", h_session_create},
    {"DELETE", "/api/v1/session", h_session_delete},
    {"POST", "/api/v1/session/renew", h_session_renew},
    {"POST", "/api/v1/session/recheck", h_session_recheck},
    {"POST", "/api/v1/me/password", h_me_password},
    {"GET", "/api/v1/me/sessions", h_me_sessions_list},
    {"DELETE", "/api/v1/me/sessions", h_me_sessions_delete},
    {"GET", "/api/v1/me", h_me_get},
    {"PATCH", "/api/v1/me", h_me_patch},
    {"POST", "/api/v1/me/registration", h_registration_create_rechecked},
    {"DELETE", "/api/v1/me/registration", h_registration_delete_rechecked},
    {"PUT", "/api/v1/me/registration/residence", h_residence_put_rechecked},
    {"POST", "/api/v1/me/registration/residence/reaffirm", h_residence_reaffirm},   /* rule 8: "my address is right" */
    {"POST", "/api/v1/me/confirmations", h_confirmation_create},
    {"POST", "/api/v1/me/minors", h_minor_create_rechecked},
    {"GET", "/api/v1/me/minors", h_minor_list},
    {"GET", "/api/v1/me/notifications", h_notices_list},
    {"POST", "/api/v1/me/notifications/{id}/read", h_notice_read},
    {"POST", "/api/v1/me/push-subscriptions", h_push_subscribe},
    {"DELETE", "/api/v1/me/push-subscriptions", h_push_unsubscribe},
    {"GET", "/api/v1/push/vapid-public-key", h_push_public_key},
    {"POST", "/api/v1/me/appeals", h_appeal_create_rechecked},
    {"GET", "/api/v1/me/appeals", h_appeal_list},
    {"GET", "/api/v1/me/access-log", h_access_log},
    {"POST", "/api/v1/me/registration/host-code", h_host_code_create},
    {"POST", "/api/v1/host/confirmations", h_host_confirm},
    {"POST", "/api/v1/desk/session", h_desk_session_create},
    {"DELETE", "/api/v1/desk/session", h_desk_session_delete},
    {"POST", "/api/v1/desk/session/totp", h_desk_totp_enrol},   /* issue 15: first code confirms the authenticator */
    {"GET", "/api/v1/desk/persons", h_desk_persons},
    {"POST", "/api/v1/desk/person-lookups", h_desk_person_lookup},   /* issue 12: number and reason in the body */
    {"POST", "/api/v1/desk/activation-codes", h_desk_activation_code},   /* issue 17: password recovery */
    {"GET", "/api/v1/desk/appeals", h_desk_appeal_list},
    {"POST", "/api/v1/desk/appeals/{id}/decision", h_desk_appeal_decide},
    /* issue 15: the supervisor's screen (h_officers.c) */
    {"GET", "/api/v1/desk/officers", h_desk_officer_list},
    {"POST", "/api/v1/desk/officers", h_desk_officer_add},
    {"POST", "/api/v1/desk/officers/{id}/disable", h_desk_officer_disable},
    {"POST", "/api/v1/desk/officers/{id}/reset", h_desk_officer_reset},
    {"POST", "/api/v1/desk/audit/lookups", h_desk_audit_lookups},   /* issue 15: the auditor's view */
    {"POST", "/api/v1/desk/audit/verify", h_desk_audit_verify},   /* the auditor's views (h_audit.c) */
    {"POST", "/api/v1/desk/audit/person-events", h_desk_audit_person_events},
    {"POST", "/api/v1/desk/audit/officer-activity", h_desk_audit_officer_activity},
    {"POST", "/api/v1/integration/registrations", h_integration_registration},
    {"GET", "/api/v1/regions", h_regions},
    {"POST", "/api/v1/address-checks", h_address_check},   /* issue 17: settlement vs region */
    {"POST", "/api/v1/documents/mrz", h_documents_mrz},
    {"GET", "/api/v1/calendar/{region}/working-days", h_calendar},
    {"PUT", "/api/v1/test/clock", h_test_clock},
    /* enrolment kiosk (h_kiosk.c) */
    {"POST", "/api/v1/kiosk/sessions", h_kiosk_session_create},
    {"GET", "/api/v1/kiosk/sessions/{id}", h_kiosk_session_get},
    {"DELETE", "/api/v1/kiosk/sessions/{id}", h_kiosk_session_delete},
    {"PUT", "/api/v1/kiosk/sessions/{id}/document", h_kiosk_document},
    {"PUT", "/api/v1/kiosk/sessions/{id}/details", h_kiosk_details},
    {"PUT", "/api/v1/kiosk/sessions/{id}/captures/{kind}", h_kiosk_capture},
    {"PUT", "/api/v1/kiosk/sessions/{id}/signature", h_kiosk_signature},
    {"POST", "/api/v1/kiosk/sessions/{id}/submit", h_kiosk_submit},
    {"GET", "/api/v1/kiosk/enrolments/{receipt}/status", h_kiosk_enrolment_status},
    /* passkeys (h_passkey.c, issue 17) */
    {"POST", "/api/v1/me/passkeys/options", h_passkey_register_options},
    {"POST", "/api/v1/me/passkeys", h_passkey_register},
    {"GET", "/api/v1/me/passkeys", h_passkey_list},
    {"DELETE", "/api/v1/me/passkeys/{id}", h_passkey_delete},
    {"POST", "/api/v1/session/passkey/options", h_passkey_login_options},
    {"POST", "/api/v1/session/passkey", h_passkey_login},

    /* document sets (h_docset.c, issue 16) */
    {"POST", "/api/v1/document-sets", h_docset_create},
    {"GET", "/api/v1/document-sets/{id}", h_docset_get},
    {"POST", "/api/v1/document-sets/{id}/pages", h_docset_page_add},
    {"DELETE", "/api/v1/document-sets/{id}/pages/{n}", h_docset_page_delete},
    {"POST", "/api/v1/document-sets/{id}/submit", h_docset_submit},
    {"GET", "/api/v1/desk/document-sets", h_desk_docset_list},
    {"POST", "/api/v1/desk/document-sets/{id}/decision", h_desk_docset_decide},

    {"GET", "/api/v1/kiosk/enrolments/{receipt}/receipt.pdf", h_kiosk_receipt_pdf},   /* h_receipt.c */
    /* the registrar's enrolment review (h_review.c) */
    {"GET", "/api/v1/desk/enrolments", h_review_queue},
    {"GET", "/api/v1/desk/enrolments/{receipt}", h_review_get},
    {"POST", "/api/v1/desk/enrolments/{receipt}/claim", h_review_claim},
    {"GET", "/api/v1/desk/enrolments/{receipt}/images/{kind}", h_review_image},
    {"POST", "/api/v1/desk/enrolments/{receipt}/approve", h_review_approve},
    {"POST", "/api/v1/desk/enrolments/{receipt}/return", h_review_return},
    {"GET", "/api/v1/desk/enrolments/{receipt}/letter.pdf", h_review_letter},
    {"GET", "/healthz", h_healthz},
    {"GET", "/readyz", h_readyz},
    {"GET", "/metrics", h_metrics},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static const char *names[NROUTES];

size_t router_count(void) { return NROUTES; }

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
            routes[i].handler(r);
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
