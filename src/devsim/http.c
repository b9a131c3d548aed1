/* devsim http (see http.h). */
#include "devsim/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/parse.h"

static atomic_int live;

int http_listen(int port, int *ret_port)
{
    int lo = port ? port : 4501, hi = port ? port : 4600;
    for (int p = lo; p <= hi; p++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -errno;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 64) == 0) {
            *ret_port = p;
            return fd;
        }
        int e = errno;
        close(fd);
        if (p == hi)
            return -e;
    }
    return -EADDRINUSE;
}

int http_write(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
        case 200: return "OK";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 413: return "Payload Too Large";
        default: return "Error";
    }
}

int http_reply(struct http_req *r, int status, const char *ctype, const void *body, size_t len)
{
    char head[512];
    int n = snprintf(head, sizeof head,
        "HTTP/1.1 %d %s\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "Access-Control-Allow-Methods: MOSIPDISC, MOSIPDINFO, RCAPTURE, CAPTURE, STREAM\r\n"
        "Access-Control-Allow-Headers: Content-Type\r\n"
        /* Chrome's Private Network Access: a kiosk page served from
                      * the uchet server may call this loopback service */
        "Access-Control-Allow-Private-Network: true\r\n"
        "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
        status, reason(status), ctype, len);
    int rc = http_write(r->fd, head, (size_t)n);
    if (rc == 0 && len)
        rc = http_write(r->fd, body, len);
    return rc;
}

struct conn {
    int fd;
    http_handler h;
    void *ctx;
};

static void bad(int fd, int status)
{
    struct http_req r = {.fd = fd};
    static const char msg[] = "{\"error\":\"bad request\"}";
    http_reply(&r, status, "application/json", msg, sizeof msg - 1);
}

/* Reads one request; returns 0 with r filled, or an HTTP status to answer. */
static int read_request(int fd, struct http_req *r, char **ret_buf)
{
    size_t cap = LIMIT_DEVSIM_REQUEST_BYTES, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return 500;
    char *end = NULL;
    size_t need = 0;
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 10000) <= 0)
            goto fail;
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n <= 0)
            goto fail;
        len += (size_t)n;
        buf[len] = '\0';
        if (!end && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            /* request line: METHOD SP target SP HTTP/1.x */
            char *sp1 = memchr(buf, ' ', (size_t)(end - buf));
            char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
            if (!sp1 || !sp2 || sp1 == buf || (size_t)(sp1 - buf) >= sizeof r->method ||
                (size_t)(sp2 - sp1 - 1) >= sizeof r->path || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
                free(buf);
                return 400;
            }
            for (char *c = buf; c < sp1; c++)
                if (*c < 'A' || *c > 'Z') {
                    free(buf);
                    return 400;
                }
            memcpy(r->method, buf, (size_t)(sp1 - buf));
            r->method[sp1 - buf] = '\0';
            memcpy(r->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
            r->path[sp2 - sp1 - 1] = '\0';
            uint64_t clen = 0;
            for (char *line = strstr(buf, "\r\n") + 2; line < end; line = strstr(line, "\r\n") + 2) {
                if (strncasecmp(line, "Content-Length:", 15) == 0) {
                    char *v = line + 15, *e = strstr(v, "\r\n");
                    while (*v == ' ' || *v == '\t')
                        v++;
                    size_t vl = (size_t)(e - v);
                    while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                        vl--;
                    if (parse_u64(v, vl, 0, LIMIT_DEVSIM_REQUEST_BYTES, &clen) < 0) {
                        free(buf);
                        return 413;
                    }
                } else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
                    free(buf);
                    return 400;
                }
            }
            need = (size_t)(end + 4 - buf) + clen;
            if (need > cap) {
                free(buf);
                return 413;
            }
        }
        if (end && len >= need)
            break;
        if (len == cap) {
            free(buf);
            return 413;
        }
    }
    r->fd = fd;
    r->body = end + 4;
    r->body_len = need - (size_t)(end + 4 - buf);
    r->body[r->body_len] = '\0';
    *ret_buf = buf;
    return 0;
fail:
    free(buf);
    return -1;
}

static void *conn_main(void *arg)
{
    struct conn c = *(struct conn *)arg;
    free(arg);
    struct http_req r = {0};
    char *buf = NULL;
    int st = read_request(c.fd, &r, &buf);
    if (st > 0)
        bad(c.fd, st);
    else if (st == 0)
        c.h(&r, c.ctx);
    free(buf);
    close(c.fd);
    atomic_fetch_sub(&live, 1);
    return NULL;
}

int http_serve(int lfd, http_handler h, void *ctx, volatile bool *stop)
{
    while (!*stop) {
        struct pollfd pf = {.fd = lfd, .events = POLLIN};
        int pr = poll(&pf, 1, 200);
        if (pr <= 0)
            continue;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        if (atomic_load(&live) >= LIMIT_DEVSIM_CONNECTIONS) {
            close(fd);
            continue;
        }
        struct conn *c = malloc(sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        *c = (struct conn){fd, h, ctx};
        atomic_fetch_add(&live, 1);
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, conn_main, c) != 0) {
            atomic_fetch_sub(&live, 1);
            close(fd);
            free(c);
        }
        pthread_attr_destroy(&at);
    }
    return 0;
}
