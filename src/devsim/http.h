#pragma once
/* devsim http: a small HTTP/1.1 server for the SBI device service — custom
 * verbs (MOSIPDISC, RCAPTURE, …) as methods, one thread per connection, one
 * request per connection (Connection: close), bodies bounded by
 * LIMIT_DEVSIM_REQUEST_BYTES, bound to 127.0.0.1 only. */
#include <stdbool.h>
#include <stddef.h>

struct http_req {
    int fd;          /* the connection; handlers may write to it directly (STREAM) */
    char method[16]; /* verb, upper case letters only */
    char path[256];  /* target, NUL-terminated */
    char *body;      /* NUL-terminated copy of the entity, owned by the server */
    size_t body_len;
};

/* A handler answers through http_reply/http_write, or drops the connection
 * by returning without answering (the server then closes it). */
typedef void (*http_handler)(struct http_req *r, void *ctx);

/* Binds 127.0.0.1:port (port 0: the first free port of 4501..4600) and
 * writes the bound port to *ret_port. Returns the listening fd or -errno. */
int http_listen(int port, int *ret_port);

/* Accepts connections on lfd until *stop becomes true, handling each in its
 * own thread. Returns 0 when stopped. */
int http_serve(int lfd, http_handler h, void *ctx, volatile bool *stop);

/* Sends a complete answer: status line, CORS headers, Content-Type,
 * Content-Length, body. Returns 0 or -errno (peer gone). */
int http_reply(struct http_req *r, int status, const char *ctype, const void *body, size_t len);

/* Writes raw bytes (for multipart streams); 0 or -errno. */
int http_write(int fd, const void *buf, size_t len);
