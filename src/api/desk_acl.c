#include "api/desk_acl.h"

#include <string.h>

#include "api/router.h"
#include "store/officer.h"

#define REG OFFICER_REGISTRAR
#define INS OFFICER_INSPECTOR
#define AUD OFFICER_AUDITOR
#define SUP OFFICER_SUPERVISOR

/* Product rule 14: a look at a person's record needs a role that works
 * with persons (registrar, inspector) and a reason; auditors read the audit
 * log only; supervisors manage officers and never see a person. Log-in
 * (POST /api/v1/desk/session and its TOTP step) takes no token and is not
 * listed. Keep in step with api/openapi.json (x-roles). */
static const struct desk_acl {
    const char *method, *path;
    unsigned roles;
} acl[] = {
    {"DELETE", "/api/v1/desk/session", REG | INS | AUD | SUP},
    {"POST", "/api/v1/desk/person-lookups", REG | INS},
    {"GET", "/api/v1/desk/appeals", REG},
    {"POST", "/api/v1/desk/appeals/{id}/decision", REG},
    {"GET", "/api/v1/desk/officers", SUP},
    {"POST", "/api/v1/desk/officers", SUP},
    {"POST", "/api/v1/desk/officers/{id}/disable", SUP},
    {"POST", "/api/v1/desk/officers/{id}/reset", SUP},
    {"POST", "/api/v1/desk/audit/lookups", AUD},
    /* the audit log is the auditors' alone (product.md, "Who uses it"):
     * a supervisor manages officers but does not read the log about them */
    {"POST", "/api/v1/desk/audit/verify", AUD},
    {"POST", "/api/v1/desk/audit/person-events", AUD},
    {"POST", "/api/v1/desk/audit/officer-activity", AUD},
    /* password recovery (h_recovery.c), enrolment review (h_review.c) and
     * document sets (h_docset.c) pass their row to the store operation as
     * above */
    {"POST", "/api/v1/desk/activation-codes", REG},
    {"GET", "/api/v1/desk/enrolments", REG},
    {"GET", "/api/v1/desk/enrolments/{receipt}", REG},
    {"POST", "/api/v1/desk/enrolments/{receipt}/claim", REG},
    {"GET", "/api/v1/desk/enrolments/{receipt}/images/{kind}", REG},
    {"POST", "/api/v1/desk/enrolments/{receipt}/approve", REG},
    {"POST", "/api/v1/desk/enrolments/{receipt}/return", REG},
    {"GET", "/api/v1/desk/enrolments/{receipt}/letter.pdf", REG},
    {"GET", "/api/v1/desk/document-sets", REG},
    {"POST", "/api/v1/desk/document-sets/{id}/decision", REG},
};

unsigned desk_acl_lookup(const char *method, const char *path)
{
    for (size_t i = 0; i < sizeof acl / sizeof acl[0]; i++)
        if (strcmp(acl[i].method, method) == 0 && strcmp(acl[i].path, path) == 0)
            return acl[i].roles;
    return 0;
}

unsigned desk_acl_roles(const api_req_t *r)
{
    const char *path = r->route >= 0 ? router_name((size_t)r->route) : NULL;
    char method[8];
    size_t n = r->req->method.len < sizeof method - 1 ? r->req->method.len : sizeof method - 1;
    memcpy(method, r->req->method.base, n);
    method[n] = '\0';
    return path ? desk_acl_lookup(method, path) : 0;
}
