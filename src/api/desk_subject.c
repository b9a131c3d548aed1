#include "api/desk_subject.h"

#include <errno.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/limits.h"
#include "rules/reason.h"

int desk_subject_parse(const json_t *body, const desk_reason_rule_t *rule, desk_subject_t *out, err_t *e)
{
    const char *kind = "", *number = "", *reason = "";
    int rc = jsonx_string(body, "document_kind", true, 1, 16, &kind, e);
    if (rc == 0 && strcmp(kind, "card") != 0 && strcmp(kind, "passport") != 0)
        rc = err_set(e, -EINVAL, "invalid_document_kind", "document_kind must be \"card\" or \"passport\".");
    if (rc == 0)
        rc = jsonx_string(body, "document_number", true, 1, LIMIT_DOCNUM_BYTES, &number, e);
    if (rc == 0)
        rc = jsonx_string(body, "reason", true, 1, rule->max_bytes, &reason, e);
    if (rc == 0)
        rc = reason_check(reason, strlen(reason), rule->min_visible, rule->max_chars, rule->flags, e);
    if (rc == 0)
        *out = (desk_subject_t){.doc_kind = kind, .doc_number = number, .reason = reason};
    return rc;
}
