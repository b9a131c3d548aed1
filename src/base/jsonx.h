#pragma once
/* Strict reading of JSON request bodies (jansson). Every function reports a
 * stable `code` through err and names the offending field in the message:
 *   malformed_json, not_an_object, unknown_field, missing_field, invalid_type,
 *   too_short, too_long, out_of_range, invalid_characters.
 * Values returned through ret_* are borrowed from the json_t they came from. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* Parses buf[0..len) as one JSON object (duplicate keys rejected, no NUL in
 * strings, at most LIMIT_JSON_FIELDS keys at the top level).
 * On success *ret is a new reference the caller must json_decref. */
int jsonx_parse_object(const char *buf, size_t len, json_t **ret, err_t *err);

/* -EINVAL (unknown_field) if obj has a key not in `allowed` (NULL-terminated). */
int jsonx_only_fields(const json_t *obj, const char *const *allowed, err_t *err);

/* A string member of min..max bytes with no control characters. When the key
 * is absent or null: -ENOENT (missing_field) if required, else 0 with *ret = NULL. */
int jsonx_string(
    const json_t *obj, const char *key, bool required, size_t min, size_t max, const char **ret, err_t *err);

/* Like jsonx_string, required, 1..LIMIT_STRING_BYTES*8 bytes, but line
 * breaks (\n, \r) and tabs are allowed: for pasted multi-line text. */
int jsonx_string_lf(const json_t *obj, const char *key, const char **ret, err_t *err);

/* A finite number member (integer or real) in [min, max]. When absent:
 * -ENOENT (missing_field) if required, else 0 and *ret untouched. */
int jsonx_number(const json_t *obj, const char *key, bool required, double min, double max, double *ret, err_t *err);

/* A member that must be an object when present (NULL when absent and optional). */
int jsonx_object(const json_t *obj, const char *key, bool required, json_t **ret, err_t *err);
