#pragma once
/* The person a desk request is about, named by a document the officer has
 * seen, and the officer's stated reason: the body of a look-up
 * (h_access.c) and of a code re-issue (h_recovery.c) alike. */
#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

typedef struct desk_subject {
    const char *doc_kind;   /* "card" or "passport" */
    const char *doc_number; /* at most LIMIT_DOCNUM_BYTES */
    const char *reason;     /* checked by rules/reason.h as the caller asks */
} desk_subject_t;

/* What the caller's reason must be: reason_check's arguments, and the most
 * bytes the caller can keep. */
typedef struct desk_reason_rule {
    size_t max_bytes;
    int min_visible, max_chars, flags;
} desk_reason_rule_t;

/* Reads document_kind, document_number and reason from `body` (the caller
 * has refused unknown fields). The strings in `out` are borrowed from `body`
 * and live as long as it does. -EINVAL with invalid_document_kind,
 * invalid_reason or jsonx's codes. */
int desk_subject_parse(const json_t *body, const desk_reason_rule_t *rule, desk_subject_t *out, err_t *e);
