#pragma once
/* A document set and its outcome as JSON: the form `uchetctl rules
 * evaluate`, the synthetic generator's ground truth (tests/docset/) and,
 * later, the intake API use.
 *
 *   {"procedure": "patent", "category": "visa_free",
 *    "submitted": "2025-03-10", "decision": "2025-03-20", "stay_end": null,
 *    "documents": [{"type": "passport", "illegible": false,
 *                   "fields": {"surname": "XOLMATOV", "birth_date": "1990-05-01"},
 *                   "unreadable": ["given_names"]}],
 *    "truth": …}
 *
 * Text fields are strings, date fields "YYYY-MM-DD", number fields integers;
 * "unreadable" lists fields that are there but could not be read; "truth"
 * (any JSON) is the generator's labels and is not read here. Strict: any
 * other key, a field name the engine does not know, or a value of the wrong
 * kind is refused. */
#include <jansson.h>
#include <stddef.h>

#include "base/err.h"
#include "rules/docset.h"

#define SETJSON_BYTES_MAX (256 * 1024) /* one set's JSON */

typedef struct setjson setjson_t;

/* Parses json[0..len). Returns 0 and *ret (caller owns; setjson_free), or
 * -EINVAL with err code "set_syntax", "set_unknown_key", "set_bad_field",
 * "set_bad_date", "set_too_many_documents" …, or -ENOMEM. */
int setjson_parse(const char *json, size_t len, setjson_t **ret, err_t *err);

/* The request the parsed set describes. Borrowed: valid until setjson_free.
 * Its calendar is NULL; the caller may set one on a copy. */
const struct docset_request *setjson_request(const setjson_t *s);

/* The "truth" member, or NULL. Borrowed. */
json_t *setjson_truth(const setjson_t *s);

void setjson_free(setjson_t *s);

/* The outcome as a new JSON object (caller owns; json_decref): outcome,
 * findings (severity, code, rule, version, act, article, document index and
 * type, field, date, expected, actual), windows, level_required, fee_due.
 * NULL on out-of-memory. */
json_t *setjson_result(
    const struct docset_catalogue *cat, const struct docset_request *req, const struct docset_result *res);
