#include "api/static.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/kiosk.h"
#include "api/metrics.h"
#include "base/limits.h"

static const char *const roots[] = {"/app/", "/common/", "/kiosk/", "/desk/", "/host/", NULL};

static const struct {
    const char *ext;
    const char *type;
} mime[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof mime / sizeof mime[0]; i++)
        if (strcmp(dot, mime[i].ext) == 0)
            return mime[i].type;
    return "application/octet-stream";
}

/* Only [A-Za-z0-9._/-], no "..", no dot after a slash. */
static bool path_safe(h2o_iovec_t p)
{
    for (size_t i = 0; i < p.len; i++) {
        char c = p.base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-' || c == '/';
        if (!ok || (c == '.' && i > 0 && p.base[i - 1] == '/'))
            return false;
    }
    return true;
}

static bool under_root(h2o_iovec_t p)
{
    for (const char *const *r = roots; *r; r++) {
        size_t n = strlen(*r);
        if (p.len >= n && memcmp(p.base, *r, n) == 0)
            return true;
    }
    return false;
}

static void redirect(api_req_t *r, const char *to)
{
    h2o_req_t *req = r->req;
    req->res.status = 302;
    req->res.reason = "Found";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL, to, strlen(to));
    api_security_headers(req);
    metrics_observe(r->w->metrics, -1, 302, clock_mono_ns() - r->start_ns);
    req->res.content_length = 0;
    h2o_send_inline(req, "", 0);
}

static void not_found(api_req_t *r)
{
    api_problem(r, 404, "not_found", "No such page.");
}

/* Reads a whole regular file into req's pool. -ENOENT, -EFBIG or -EIO. */
static int read_file(h2o_req_t *req, const char *path, h2o_iovec_t *ret)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -ENOENT;
    struct stat st;
    int r = fstat(fd, &st) < 0 ? -EIO : (!S_ISREG(st.st_mode) || st.st_size > LIMIT_STATIC_FILE_BYTES) ? -EFBIG : 0;
    if (r < 0) {
        close(fd);
        return r;
    }
    char *buf = h2o_mem_alloc_pool(&req->pool, (size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    *ret = h2o_iovec_init(buf, got);
    return 0;
}

static void send_file(api_req_t *r, const char *fs_path)
{
    h2o_req_t *req = r->req;
    h2o_iovec_t body;
    if (read_file(req, fs_path, &body) < 0) {
        not_found(r);
        return;
    }
    const char *type = type_of(fs_path);
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    /* no-cache: the service worker and the browser revalidate, so a new
     * release reaches phones at once. */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-cache"));
    if (req->path_normalized.len >= 7 && memcmp(req->path_normalized.base, "/kiosk/", 7) == 0)
        kiosk_page_security_headers(req); /* it also talks to the local SBI device service */
    else
        api_security_headers(req);
    metrics_observe(r->w->metrics, -1, 200, clock_mono_ns() - r->start_ns);
    req->res.content_length = body.len;
    h2o_send_inline(req, body.base, body.len);
}

void static_serve(api_req_t *r)
{
    h2o_iovec_t p = r->req->path_normalized;
    if (!h2o_memis(r->req->method.base, r->req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(r->req->method.base, r->req->method.len, H2O_STRLIT("HEAD"))) {
        api_problem(r, 405, "method_not_allowed", "Pages can only be read.");
        return;
    }
    if ((p.len == 1 && p.base[0] == '/') || h2o_memis(p.base, p.len, H2O_STRLIT("/app"))) {
        redirect(r, "/app/");
        return;
    }
    if (h2o_memis(p.base, p.len, H2O_STRLIT("/host"))) {
        redirect(r, "/host/");
        return;
    }
    if (h2o_memis(p.base, p.len, H2O_STRLIT("/kiosk"))) {
        redirect(r, "/kiosk/");
        return;
    }
    if (h2o_memis(p.base, p.len, H2O_STRLIT("/kiosk/status"))) {
        redirect(r, "/kiosk/status.html");
        return;
    }
    if (!path_safe(p) || !under_root(p) || p.len > 200) {
        not_found(r);
        return;
    }
    char fs[512];
    bool dir = p.base[p.len - 1] == '/';
    snprintf(fs, sizeof fs, "%s%.*s%s", r->w->web_root, (int)p.len, p.base, dir ? "index.html" : "");
    send_file(r, fs);
}
