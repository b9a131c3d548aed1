#include "base/jsonx.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/limits.h"

int jsonx_parse_object(const char *buf, size_t len, json_t **ret, err_t *err)
{
    json_error_t je;
    json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v)
        return err_set(err, -EINVAL, "malformed_json", "The body is not valid JSON (line %d, column %d): %s", je.line,
            je.column, je.text);
    if (!json_is_object(v)) {
        json_decref(v);
        return err_set(err, -EINVAL, "not_an_object", "The body must be a JSON object.");
    }
    if (json_object_size(v) > LIMIT_JSON_FIELDS) {
        json_decref(v);
        return err_set(err, -EINVAL, "too_many_fields", "The body has more than %d fields.", LIMIT_JSON_FIELDS);
    }
    *ret = v;
    return 0;
}

int jsonx_only_fields(const json_t *obj, const char *const *allowed, err_t *err)
{
    const char *key;
    json_t *val;
    json_object_foreach ((json_t *)obj, key, val) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) {
                ok = true;
                break;
            }
        if (!ok)
            return err_set(err, -EINVAL, "unknown_field", "Unknown field \"%.60s\".", key);
    }
    return 0;
}

static bool has_control_chars(const char *s, size_t len, bool allow_lines)
{
    for (size_t i = 0; i < len; i++) {
        bool line = s[i] == '\n' || s[i] == '\r' || s[i] == '\t';
        if (((unsigned char)s[i] < 0x20 && !(allow_lines && line)) || s[i] == 0x7f)
            return true;
    }
    return false;
}

static int read_string(const json_t *obj, const char *key, bool required, size_t min, size_t max, bool allow_lines,
    const char **ret, err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return err_set(err, -ENOENT, "missing_field", "The field \"%s\" is required.", key);
        *ret = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return err_set(err, -EINVAL, "invalid_type", "The field \"%s\" must be a string.", key);
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (strlen(s) != len || has_control_chars(s, len, allow_lines))
        return err_set(err, -EINVAL, "invalid_characters", "The field \"%s\" contains control characters.", key);
    if (len < min)
        return err_set(err, -EINVAL, "too_short", "The field \"%s\" must be at least %zu characters.", key, min);
    if (len > max)
        return err_set(err, -EINVAL, "too_long", "The field \"%s\" must be at most %zu characters.", key, max);
    *ret = s;
    return 0;
}

int jsonx_string(
    const json_t *obj, const char *key, bool required, size_t min, size_t max, const char **ret, err_t *err)
{
    return read_string(obj, key, required, min, max, false, ret, err);
}

int jsonx_string_lf(const json_t *obj, const char *key, const char **ret, err_t *err)
{
    return read_string(obj, key, true, 1, LIMIT_STRING_BYTES * 8, true, ret, err);
}

int jsonx_number(const json_t *obj, const char *key, bool required, double min, double max, double *ret, err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return err_set(err, -ENOENT, "missing_field", "The field \"%s\" is required.", key);
        return 0;
    }
    if (!json_is_number(v))
        return err_set(err, -EINVAL, "invalid_type", "The field \"%s\" must be a number.", key);
    double d = json_number_value(v);
    if (!isfinite(d) || d < min || d > max)
        return err_set(err, -ERANGE, "out_of_range", "The field \"%s\" must be between %g and %g.", key, min, max);
    *ret = d;
    return 0;
}

int jsonx_object(const json_t *obj, const char *key, bool required, json_t **ret, err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return err_set(err, -ENOENT, "missing_field", "The field \"%s\" is required.", key);
        *ret = NULL;
        return 0;
    }
    if (!json_is_object(v))
        return err_set(err, -EINVAL, "invalid_type", "The field \"%s\" must be an object.", key);
    *ret = v;
    return 0;
}
