/* Replies, problem+json, security headers, bearer tokens, strict bodies. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "api/api.h"
#include "api/metrics.h"
#include "api/router.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "base/log.h"

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                          "connect-src 'self'; manifest-src 'self'; worker-src 'self'; media-src 'self' blob:; "
                          "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void api_security_headers(h2o_req_t *req)
{
    h2o_mem_pool_t *p = &req->pool;
    h2o_headers_t *h = &req->res.headers;
    h2o_add_header_by_str(p, h, H2O_STRLIT("content-security-policy"), 0, NULL, CSP, sizeof CSP - 1);
    h2o_add_header_by_str(p, h, H2O_STRLIT("x-content-type-options"), 0, NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("referrer-policy"), 0, NULL, H2O_STRLIT("no-referrer"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("x-frame-options"), 0, NULL, H2O_STRLIT("DENY"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("permissions-policy"), 0, NULL,
        H2O_STRLIT("geolocation=(self), camera=(self), microphone=()"));
}

static const char *title_for(int status);

static void finish_metrics(api_req_t *r, int status)
{
    metrics_observe(r->w->metrics, r->route, status, clock_mono_ns() - r->start_ns);
}

static void send_body(api_req_t *r, int status, const char *ctype, const char *body, size_t len)
{
    h2o_req_t *req = r->req;
    req->res.status = status;
    req->res.reason = title_for(status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    api_security_headers(req);
    finish_metrics(r, status);
    /* A known length keeps the connection alive (h2o 2.2 closes it after a
     * non-200 answer of unknown length). h2o_send_inline copies the body
     * into the pool, so the caller may free it. */
    req->res.content_length = len;
    h2o_send_inline(req, body, len);
}

void api_reply_text_json(api_req_t *r, int status, const char *json, size_t len)
{
    send_body(r, status, "application/json; charset=utf-8", json, len);
}

void api_reply_json(api_req_t *r, int status, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!s) {
        api_problem(r, 500, "internal", "The answer could not be encoded.");
        return;
    }
    api_reply_text_json(r, status, s, strlen(s));
    free(s);
}

/* Wipes every string in `v` in place (jansson keeps each in its own
 * allocation, which json_decref frees unwiped). */
static void wipe_strings(json_t *v)
{
    const char *key;
    json_t *child;
    size_t i;
    if (json_is_string(v))
        sodium_memzero((char *)json_string_value(v), json_string_length(v));
    else if (json_is_object(v))
        json_object_foreach (v, key, child)
            wipe_strings(child);
    else if (json_is_array(v))
        json_array_foreach (v, i, child)
            wipe_strings(child);
}

/* The body of a secret answer: a pool-linked shared chunk, so h2o holds it
 * (no copy: h2o_send writes these very bytes) until the request's pool is
 * cleared, and then this dispose hook wipes it before h2o frees it. */
typedef struct wiped_body {
    size_t len;
    char bytes[];
} wiped_body_t;

static void wipe_body(void *p)
{
    wiped_body_t *b = p;
    sodium_memzero(b->bytes, b->len);
}

static void body_done(h2o_generator_t *g, h2o_req_t *req)
{
    (void)g;
    (void)req; /* the whole body went with the first h2o_send */
}

static h2o_generator_t secret_generator = {body_done, body_done};

void api_reply_json_secret(api_req_t *r, int status, json_t *body)
{
    h2o_req_t *req = r->req;
    /* json_dumpb writes straight into the buffer: no growing copies */
    size_t len = json_dumpb(body, NULL, 0, JSON_COMPACT);
    wiped_body_t *b = len ? h2o_mem_alloc_shared(&req->pool, sizeof *b + len, wipe_body) : NULL;
    if (b) {
        b->len = len;
        json_dumpb(body, b->bytes, len, JSON_COMPACT);
    }
    wipe_strings(body);
    json_decref(body);
    if (!b) {
        api_problem(r, 500, "internal", "The answer could not be encoded.");
        return;
    }
    req->res.status = status;
    req->res.reason = title_for(status);
    h2o_add_header(
        &req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    api_security_headers(req);
    finish_metrics(r, status);
    req->res.content_length = len;
    h2o_start_response(req, &secret_generator);
    h2o_iovec_t buf = h2o_iovec_init(b->bytes, len);
    h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
}

void api_reply_bytes(api_req_t *r, int status, const char *ctype, const void *body, size_t len)
{
    send_body(r, status, ctype, body, len);
}

void api_reply_empty(api_req_t *r, int status)
{
    h2o_req_t *req = r->req;
    req->res.status = status;
    req->res.reason = title_for(status);
    req->res.content_length = 0;
    api_security_headers(req);
    finish_metrics(r, status);
    h2o_send_inline(req, "", 0);
}

static const char *title_for(int status)
{
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 400: return "Bad request";
        case 401: return "Not logged in";
        case 403: return "Forbidden";
        case 404: return "Not found";
        case 405: return "Method not allowed";
        case 409: return "Conflict";
        case 413: return "Body too large";
        case 415: return "Unsupported media type";
        case 422: return "Cannot be processed";
        case 429: return "Too many attempts";
        case 503: return "Service unavailable";
        default: return "Internal error";
    }
}

static bool is_storage_code(const char *code)
{
    return !strcmp(code, "storage_unavailable") || !strcmp(code, "storage_failed");
}

/* Security and storage events, one JSON line each, logged here where every
 * refusal passes: the route's template (never the path, which may hold a
 * number), the method, the client address, the status and code. Details are
 * logged only for storage failures, whose texts hold no request data. */
static void log_refusal(api_req_t *r, int status, const char *code, const char *detail)
{
    bool denied = status == 401 || status == 403 || status == 429;
    bool storage = is_storage_code(code) || (status == 500 && !strcmp(code, "internal"));
    if (!denied && !storage)
        return;
    char peer[64], st[8], method[16];
    api_peer(r, peer, sizeof peer);
    snprintf(st, sizeof st, "%d", status);
    snprintf(
        method, sizeof method, "%.*s", (int)(r->req->method.len < 15 ? r->req->method.len : 15), r->req->method.base);
    const char *route = r->route >= 0 && (size_t)r->route < router_count() ? router_name((size_t)r->route) : "other";
    const char *fields[] = {"status", st, "code", code, "route", route, "method", method, "peer", peer,
        storage ? "detail" : NULL, detail, NULL};
    if (denied)
        log_fields(LOG_WARN, "security.denied", "request refused", fields);
    else
        log_fields(LOG_ERROR, "storage.failed", "storage failure answered", fields);
}

void api_problem(api_req_t *r, int status, const char *code, const char *detail)
{
    json_t *p = json_pack("{s:s,s:s,s:i,s:s,s:s}", "type", "about:blank", "title", title_for(status), "status", status,
        "detail", detail, "code", code);
    char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    const char *body = s ? s : "{\"status\":500,\"code\":\"internal\"}";
    log_refusal(r, status, code, detail);
    if (status == 503) {
        /* Full disk, PostgreSQL away, overload: all pass; say when to retry. */
        h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT(API_RETRY_AFTER_S));
        if (!strcmp(code, "storage_unavailable"))
            r->w->storage_down = true; /* /readyz: not ready until a write succeeds */
    }
    send_body(r, status, "application/problem+json", body, strlen(body));
    free(s);
}

/* Codes whose status is not implied by the errno. */
static const struct {
    const char *code;
    int status;
} code_status[] = {
    {"no_active_registration", 409},
    {"already_registered", 409},
    {"document_exists", 409},
    {"activation_code_invalid", 400},
    {"region_not_in_regime", 422},
    {"not_subject_to_regime", 422},
    {"missing_field", 400},
    {"not_a_minor", 422},
    {"registration_lapsed", 409},
    {"storage_unavailable", 503},
    {"unknown_region", 404},
    {"rate_limited", 429},
};

int api_status_for(const err_t *err)
{
    for (size_t i = 0; i < sizeof code_status / sizeof code_status[0]; i++)
        if (strcmp(err->code, code_status[i].code) == 0)
            return code_status[i].status;
    switch (err->errnum) {
        case -EINVAL:
        case -ERANGE: return 400;
        case -EACCES: return 401;
        case -EPERM: return 403;
        case -ENOENT: return 404;
        case -EEXIST: return 409;
        case -EAGAIN:
        case -EBUSY: return 503;
        default: return 500;
    }
}

void api_problem_err(api_req_t *r, const err_t *err)
{
    api_problem(r, api_status_for(err), err->code[0] ? err->code : "internal",
        err->msg[0] ? err->msg : "Something went wrong.");
}

const h2o_iovec_t *api_header(const api_req_t *r, const h2o_token_t *token)
{
    ssize_t i = h2o_find_header(&r->req->headers, token, -1);
    return i < 0 ? NULL : &r->req->headers.entries[i].value;
}

/* The credential after "<scheme> " when the header has one of the schemes
 * (case-insensitive) and exactly SECRET_TOKEN_CHARS after it; else NULL. */
static const char *credential(const h2o_iovec_t *v, const char *const *schemes)
{
    for (; v && *schemes; schemes++) {
        size_t n = strlen(*schemes);
        if (v->len == n + SECRET_TOKEN_CHARS && strncasecmp(v->base, *schemes, n) == 0)
            return v->base + n;
    }
    return NULL;
}

bool api_auth_or_reply(api_req_t *r, api_auth_t kind)
{
    static const char *const bearer[] = {"Bearer ", NULL}, *const apikey[] = {"ApiKey ", NULL},
                             *const kiosk[] = {"Kiosk ", "Bearer ", NULL};
    const char *const *schemes = kind == API_AUTH_APIKEY ? apikey : kind == API_AUTH_KIOSK ? kiosk : bearer;
    const char *cred = credential(api_header(r, H2O_TOKEN_AUTHORIZATION), schemes);
    if (!cred) {
        api_problem(r, 401, "unauthorized",
            kind == API_AUTH_APIKEY  ? "Send Authorization: ApiKey <key>."
            : kind == API_AUTH_KIOSK ? "Send the kiosk key as Authorization: Kiosk KEY."
                                     : "Log in first: send Authorization: Bearer <token>.");
        return false;
    }
    secret_hash(cred, SECRET_TOKEN_CHARS, r->token_hash);
    return true;
}

static bool is_json_type(const h2o_iovec_t *ct)
{
    static const char want[] = "application/json";
    size_t n = sizeof want - 1;
    return ct && ct->len >= n && strncasecmp(ct->base, want, n) == 0 &&
           (ct->len == n || ct->base[n] == ';' || ct->base[n] == ' ');
}

json_t *api_body_or_reply(api_req_t *r, const char *const *allowed)
{
    h2o_iovec_t body = r->req->entity;
    if (body.len > LIMIT_BODY_BYTES) {
        api_problem(r, 413, "body_too_large", "The request body is larger than 64 KiB.");
        return NULL;
    }
    if (!is_json_type(api_header(r, H2O_TOKEN_CONTENT_TYPE))) {
        api_problem(r, 415, "unsupported_media_type", "Send the body as application/json.");
        return NULL;
    }
    err_t e = {0};
    json_t *obj;
    if (jsonx_parse_object(body.base ? body.base : "", body.len, &obj, &e) < 0) {
        api_problem(r, 400, e.code, e.msg);
        return NULL;
    }
    if (jsonx_only_fields(obj, allowed, &e) < 0) {
        json_decref(obj);
        api_problem(r, 400, e.code, e.msg);
        return NULL;
    }
    return obj;
}

int64_t api_now(const api_req_t *r)
{
    return clock_now(&r->w->clock);
}

/* The X-Forwarded-For values joined by commas into buf (cap bytes); when
 * they do not fit, only the right-most whole entries that do (the walk
 * reads from the right). Returns the length. */
static size_t forwarded_for(const api_req_t *r, char *buf, size_t cap)
{
    size_t len = 0;
    const h2o_headers_t *hs = &r->req->headers;
    for (ssize_t i = -1; (i = h2o_find_header(hs, H2O_TOKEN_X_FORWARDED_FOR, i)) != -1;) {
        const h2o_iovec_t *v = &hs->entries[i].value;
        if (len + 1 + v->len > cap) {
            /* keep the tail: drop whole entries from the left */
            const char *src = v->len < cap ? v->base : v->base + v->len - (cap - 1);
            size_t n = v->len < cap ? v->len : cap - 1;
            const char *comma = n == v->len ? NULL : memchr(src, ',', n);
            if (comma) {
                n -= (size_t)(comma + 1 - src);
                src = comma + 1;
            }
            memcpy(buf, src, n);
            len = n;
            continue;
        }
        if (len)
            buf[len++] = ',';
        memcpy(buf + len, v->base, v->len);
        len += v->len;
    }
    return len;
}

void api_peer(const api_req_t *r, char *buf, size_t cap)
{
    char peer[CLIENT_ADDR_TEXT_MAX];
    api_socket_peer(r, peer, sizeof peer);
    if (r->w->proxies.n == 0) {
        snprintf(buf, cap, "%s", peer);
        return;
    }
    char xff[1024];
    size_t len = forwarded_for(r, xff, sizeof xff);
    client_addr_pick(&r->w->proxies, peer, xff, len, buf, cap);
}

void api_socket_peer(const api_req_t *r, char *buf, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = r->req->conn->callbacks->get_peername(r->req->conn, (struct sockaddr *)&ss);
    buf[0] = '\0';
    if (len == 0)
        return;
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, (socklen_t)cap);
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, (socklen_t)cap);
}

/* --- problems with extension members (enrolment kiosk) --- */
void api_problem_ext(api_req_t *r, int status, const char *code, const char *detail, json_t *ext)
{
    json_t *p = json_pack("{s:s,s:s,s:i,s:s,s:s}", "type", "about:blank", "title", title_for(status), "status", status,
        "detail", detail, "code", code);
    if (p && ext)
        json_object_update_missing(p, ext);
    json_decref(ext);
    char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    const char *body = s ? s : "{\"status\":500,\"code\":\"internal\"}";
    send_body(r, status, "application/problem+json", body, strlen(body));
    free(s);
}

bool api_query_param(const api_req_t *r, const char *name, h2o_iovec_t *ret)
{
    size_t nlen = strlen(name);
    const char *p = r->query.base, *end = p + r->query.len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
            *ret = h2o_iovec_init(p + nlen + 1, (size_t)(stop - p) - nlen - 1);
            return true;
        }
        p = amp ? amp + 1 : end;
    }
    return false;
}

/* Index of name[0..n) in allowed, or -1. */
static int allowed_index(const char *const *allowed, const char *name, size_t n)
{
    for (int i = 0; allowed[i] && i < 32; i++)
        if (strlen(allowed[i]) == n && memcmp(allowed[i], name, n) == 0)
            return i;
    return -1;
}

int api_query_check(const api_req_t *r, const char *const *allowed, err_t *err)
{
    const char *p = r->query.base, *end = p + r->query.len;
    unsigned seen = 0;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        size_t n = (size_t)((eq ? eq : stop) - p);
        int i = eq ? allowed_index(allowed, p, n) : -1; /* a pair without '=' is malformed */
        if (i < 0 || (seen & (1u << i)))
            return err_set(err, -EINVAL, "invalid_query", "The query parameter \"%.*s\" is unknown or repeated.",
                (int)(n > 40 ? 40 : n), p);
        seen |= 1u << i;
        p = amp ? amp + 1 : end;
    }
    return 0;
}

bool api_body_parse_or_reply(api_req_t *r, api_body_parse_fn parse, void *arg)
{
    err_t e = {0};
    if (parse(r->body, arg, &e) < 0) {
        api_problem(r, 400, e.code, e.msg);
        return false;
    }
    return true;
}
