/* libFuzzer target: the request-body path every JSON endpoint shares —
 * strict object parsing, field allow-lists, typed field readers — plus the
 * small text parsers bodies feed (RFC 3339 times, dates, activation codes,
 * numbers). Any crash, leak or sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/parse.h"
#include "base/secret.h"
#include "rules/date.h"

static void read_confirmation(const json_t *o)
{
    static const char *const fields[] = {"lat", "lon", "accuracy_m", "client_time", "idempotency_key", NULL};
    double d = 0;
    const char *s = NULL;
    err_t e;
    jsonx_only_fields(o, fields, &e);
    jsonx_number(o, "lat", true, -90, 90, &d, &e);
    jsonx_number(o, "accuracy_m", false, 0, 1e7, &d, &e);
    if (jsonx_string(o, "client_time", true, 1, 40, &s, &e) == 0 && s) {
        int64_t t;
        time_parse_rfc3339(s, strlen(s), &t, NULL);
    }
    json_t *res;
    if (jsonx_object(o, "residence", false, &res, &e) == 0 && res)
        jsonx_string(res, "street", true, 1, 200, &s, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *o;
    err_t e;
    if (jsonx_parse_object((const char *)data, size, &o, &e) == 0) {
        read_confirmation(o);
        json_decref(o);
    }
    int64_t t, i;
    uint64_t u;
    date_t d;
    uint8_t h[SECRET_HASH_BYTES];
    time_parse_rfc3339((const char *)data, size, &t, NULL);
    date_parse((const char *)data, size, &d);
    parse_u64((const char *)data, size, 0, UINT64_MAX, &u);
    parse_i64((const char *)data, size, INT64_MIN, INT64_MAX, &i);
    secret_code_hash((const char *)data, size, h);
    return 0;
}
