#pragma once
/* The HTTP side of uchetd: shared state, per-thread state, the request
 * context every handler receives, and the glue that runs a store operation
 * and resumes the request on its own event loop when the result is back. */
#include <h2o.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/secret.h"
#include "bio/vault.h"
#include "rules/calendar.h"
#include "rules/client_addr.h"
#include "store/region.h"
#include "store/session.h"
#include "store/store.h"

typedef struct metrics metrics_t;
typedef struct ratelimit ratelimit_t;

/* Shared by all threads; read-only after start except the atomics inside. */
typedef struct api_world {
    store_t *store;
    calendar_t *cal;
    region_set_t regions;
    uclock_t clock;
    metrics_t *metrics;
    ratelimit_t *rl_address;       /* failed log-ins per client address */
    const char *web_root;          /* directory with app/, common/, ... */
    bool allow_clock_control;      /* tests only: PUT /api/v1/test/clock */
    unsigned long long argon2_ops; /* 0 = libsodium interactive */
    size_t argon2_mem;
    _Atomic bool ready;                /* /readyz */
    _Atomic long inflight;             /* requests not yet disposed (graceful stop) */
    struct catalog *catalog;           /* notice texts from po/ (notify/catalog.h); read-only */
    struct vapid_key *vapid_key;       /* Web Push signing key (notify/vapid.h) */
    char vapid_public[96];             /* its public key, base64url: the app's applicationServerKey */
    struct outbox *outbox;             /* the push delivery worker (notify/outbox.h); NULL if off */
    char db_dir[512];                  /* SQLite: the database's directory (free-space check); "" on PostgreSQL */
    bool metrics_separate;             /* /metrics only on its own listener (--metrics-listen) */
    _Atomic bool storage_down;         /* a write failed for want of storage; cleared by the next that succeeds */
    _Atomic uint64_t storage_probe_ns; /* last write probe sent by /readyz while storage_down */
    /* issue 12 (auth) */
    struct password_list *passwords;          /* common passwords (rules/password.h); read-only */
    struct settlement_catalogue *settlements; /* docs/settlement.h; read-only; NULL: the file is missing */
    session_policy_t sessions;                /* issue 17: how long a person's session lasts */
    client_nets_t proxies;                    /* trusted_proxies: whose X-Forwarded-For names the client */
    struct kiosk_env *kiosk;                  /* enrolment kiosks (api/kiosk.h); NULL: kiosk API off */
    /* issue 17: passkeys (h_passkey.c); "" = off */
    char public_origin[256];    /* the app's origin, e.g. https://uchet.example */
    char rp_id[256];            /* its host: the WebAuthn RP ID */
    struct docset_env *docsets; /* document sets (api/docset_env.h); NULL: that API off (issue 16) */

    int64_t desk_idle_s;          /* issue 15: a desk session ends after this long untouched; 0 = default */
    uint8_t audit_cursor_key[32]; /* MACs the desk's audit-verification cursors (h_audit.c); made at start */
    struct anchor_key
        *audit_key; /* the audit key's public half when uchetd signs checkpoints (anchorer.h), else NULL */
    char audit_checkpoints[1024]; /* their file, when audit_key */
    vault_keys_t totp_keys;       /* totp_key_file: seals the officers' TOTP secrets; loaded at start, wiped at stop */
} api_world_t;

/* One per event-loop thread. */
typedef struct api_thread {
    int idx;
    api_world_t *w;
    h2o_context_t ctx;
    h2o_evloop_t *loop;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t receiver; /* store completions */
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    struct dbloop *dbloop; /* PostgreSQL: this loop's READ ops (api/dbloop.h) */
    /* What h2o's thread-local recyclers held when the thread ended, kept
     * reachable here (server.c, hold_recyclers). */
    void *held_buffers;
    h2o_mem_pool_t held_chunks;
} api_thread_t;

struct api_op;

#define API_MAX_PARAMS 2

/* How a route's caller proves who it is (the route table's auth column).
 * The router checks the Authorization header's form before the handler runs
 * (no database touched: a missing or malformed one is 401 unauthorized) and
 * keeps its hash in api_req_t.token_hash; the store then decides whether the
 * token is live and of the right kind (a person's token on a desk route is
 * refused there). 0 is no kind at all, so a row that forgets the column fails
 * router_check. */
typedef enum api_auth {
    API_AUTH_UNSET = 0,
    API_AUTH_NONE,    /* anyone (log-in, public reads, the host's code) */
    API_AUTH_PERSON,  /* Bearer <person session token> */
    API_AUTH_OFFICER, /* Bearer <desk session token> */
    API_AUTH_KIOSK,   /* Kiosk <key> (or Bearer <key>) */
    API_AUTH_APIKEY,  /* ApiKey <integration key> */
} api_auth_t;

/* Allocated from the request's pool; lives as long as the request. */
typedef struct api_req {
    h2o_req_t *req;
    api_thread_t *t;
    api_world_t *w;
    int route; /* index into the route table, for metrics */
    uint64_t start_ns;
    h2o_iovec_t params[API_MAX_PARAMS]; /* {name} path segments, in order */
    h2o_iovec_t query;                  /* after '?', without it */
    struct api_op *pending;             /* the store op in flight, if any */
    /* Filled by the router before the handler runs (router.c): */
    uint8_t token_hash[SECRET_HASH_BYTES]; /* the credential's hash, when the route has auth */
    json_t *body;          /* the route's strict JSON body, when it declares fields; else NULL. Owned by the
                     * request (decref'd when h2o disposes it); handlers borrow it and what it holds */
    bool metrics_listener; /* arrived on the separate /metrics listener */
} api_req_t;

typedef void (*api_finish_fn)(api_req_t *r, store_op_t *op);

/* Returns a zeroed store-op buffer of `size` bytes (the caller's op struct,
 * which starts with store_op_t) tied to r; the caller initialises it with
 * the op's *_init and fills its inputs. Owned by the glue: freed after
 * finish runs, or when the request is gone. NULL on OOM. */
void *api_op_new(api_req_t *r, size_t size, api_finish_fn finish);
/* api_op_new that has already answered 503 (out_of_memory) when it returns
 * NULL, so the handler just returns. */
void *api_op_new_or_reply(api_req_t *r, size_t size, api_finish_fn finish);
/* api_op_new_or_reply filled with a copy of src (an op the handler built and
 * validated on its stack, so nothing is allocated for a refused request);
 * src is wiped either way. */
void *api_op_new_from(api_req_t *r, void *src, size_t size, api_finish_fn finish);
/* A problem like api_problem with extra members from `ext` (stolen, may be
 * NULL), e.g. per-finger results of a refused capture. */
void api_problem_ext(api_req_t *r, int status, const char *code, const char *detail, json_t *ext);
/* Replies 503 out_of_memory (a handler that could not allocate). */
void api_problem_oom(api_req_t *r);
/* A finish for ops whose success has no body: 204, or the op's problem. */
void api_finish_no_content(api_req_t *r, store_op_t *op);
/* Submits an op made by api_op_new; on a full queue replies 503 and frees it.
 * The op's init must have run (it sets lane and run; post is set here). */
void api_op_submit(api_req_t *r, store_op_t *op);

/* Replies. Each adds the security headers, sets status and sends. */
void api_reply_json(api_req_t *r, int status, json_t *body); /* steals body */
/* api_reply_json for an answer that carries a secret shown once (a TOTP
 * secret, a token): steals body, wipes its strings, and the bytes h2o
 * sends are wiped once h2o is done with them (reply.c). */
void api_reply_json_secret(api_req_t *r, int status, json_t *body);
void api_reply_text_json(api_req_t *r, int status, const char *json, size_t len);
void api_reply_empty(api_req_t *r, int status);
/* A binary body (a PDF, an image) of content type ctype, never cached
 * (Cache-Control: no-store, as every answer); body is copied. */
void api_reply_bytes(api_req_t *r, int status, const char *ctype, const void *body, size_t len);
/* RFC 9457 application/problem+json with a stable code. */
/* Every 503 carries Retry-After: this many seconds. */
#define API_RETRY_AFTER_S "5"

/* Replies with problem+json. 401/403/429 and storage failures are logged as
 * security/storage events (no path, no body); a 503 gets Retry-After, and
 * storage_unavailable marks the world not ready (/readyz) until a write
 * succeeds again. */
void api_problem(api_req_t *r, int status, const char *code, const char *detail);
/* A problem from an err_t; the status follows from the code and errnum. */
void api_problem_err(api_req_t *r, const err_t *err);
/* Status for an error (400 bad input, 401, 404, 409, 429, 503, 500). */
int api_status_for(const err_t *err);

/* Adds CSP and the other security headers to any response. */
void api_security_headers(h2o_req_t *req);

/* The router's steps (router.c). A handler calls api_body_or_reply only when
 * its route takes either JSON or raw bytes (the router then leaves the body
 * alone), and stores the result in r->body. */
/* Checks the Authorization header's form for `kind` (not NONE) and puts the
 * credential's hash in r->token_hash. Replies 401 unauthorized and returns
 * false if missing or malformed (no database touched). */
bool api_auth_or_reply(api_req_t *r, api_auth_t kind);
/* Parses the body as a strict JSON object with only `allowed` fields; replies
 * 4xx (415, 413, 400) and returns NULL on failure. The caller owns the result
 * (the router hands it to the request: r->body). */
json_t *api_body_or_reply(api_req_t *r, const char *const *allowed);
/* Builds an op from r->body with parse(body, arg, ...) (arg: the caller's
 * op, often on its stack). false when parse failed: 400 with its code was
 * sent and the caller returns. */
typedef int (*api_body_parse_fn)(const json_t *body, void *arg, err_t *err);
bool api_body_parse_or_reply(api_req_t *r, api_body_parse_fn parse, void *arg);
/* The value of name=value in the query string (not percent-decoded; callers
 * accept only plain tokens), pointing into the request; false if absent. */
bool api_query_param(const api_req_t *r, const char *name, h2o_iovec_t *ret);
/* 0 when every name in the query string is in `allowed` (NULL-terminated)
 * and none repeats; else -EINVAL invalid_query naming the first that is not. */
int api_query_check(const api_req_t *r, const char *const *allowed, err_t *err);

/* "Now" from the injected clock. */
int64_t api_now(const api_req_t *r);
/* Header value by name (lowercase), or NULL. */
const h2o_iovec_t *api_header(const api_req_t *r, const h2o_token_t *token);
/* The client's address as text (for rate limiting; never logged with IDs):
 * the socket's peer, or behind a trusted proxy the address its
 * X-Forwarded-For names (rules/client_addr.h). */
void api_peer(const api_req_t *r, char *buf, size_t cap);
/* The socket's peer alone (a proxy's address behind one). */
void api_socket_peer(const api_req_t *r, char *buf, size_t cap);

/* A request context from req's pool (h2o frees it with the request; if an op
 * is still in flight then, the op is detached and freed when it completes). */
api_req_t *api_req_new(h2o_req_t *req, api_thread_t *t);

/* Receiver callback for store completions (registered per thread). */
void api_on_completions(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);
