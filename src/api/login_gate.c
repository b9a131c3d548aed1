#include "api/login_gate.h"

#include <stdio.h>
#include <string.h>

#include "api/ratelimit.h"
#include "base/limits.h"
#include "base/log.h"

typedef struct gate_place {
    ratelimit_t *rl;
    char key[96];
} gate_place_t;

static void gate_dispose(void *p)
{
    gate_place_t *g = p;
    ratelimit_leave(g->rl, g->key, strlen(g->key));
}

bool login_gate_enter_or_reply(api_req_t *r, const char *lane)
{
    char addr[64], key[96];
    api_peer(r, addr, sizeof addr);
    snprintf(key, sizeof key, "hash:%s:%s", lane, addr);
    if (!ratelimit_enter(r->w->rl_address, key, strlen(key), LIMIT_HASH_INFLIGHT_CLIENT)) {
        login_gate_log(r, "auth.login_busy", lane, "client", 0);
        h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
        api_problem(r, 429, "rate_limited", "Too many log-ins from this address at once. Try again in a moment.");
        return false;
    }
    gate_place_t *g = h2o_mem_alloc_shared(&r->req->pool, sizeof *g, gate_dispose);
    g->rl = r->w->rl_address;
    memcpy(g->key, key, sizeof key);
    return true;
}

void login_gate_reply_limited(api_req_t *r, int wait, const char *what, const char *account_kind, int64_t account_id)
{
    char secs[16], detail[160];
    snprintf(secs, sizeof secs, "%d", wait);
    snprintf(detail, sizeof detail, "Too many failed attempts. Try again in %d minutes.", (wait + 59) / 60);
    h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
        h2o_strdup(&r->req->pool, secs, SIZE_MAX).base, strlen(secs));
    login_gate_log(r, "auth.login_locked", what, account_kind, account_id);
    api_problem(r, 429, "rate_limited", detail);
}

void login_gate_log(api_req_t *r, const char *event, const char *what, const char *account_kind, int64_t account_id)
{
    char addr[64];
    api_peer(r, addr, sizeof addr);
    log_msg(LOG_WARN, event, "%s refused: account %s %lld, client %s", what, account_kind, (long long)account_id,
        addr[0] ? addr : "?");
}

void login_gate_log_ok(api_req_t *r, const char *event, const char *what, int64_t person_id)
{
    char addr[64];
    api_peer(r, addr, sizeof addr);
    log_msg(LOG_INFO, event, "%s succeeded: account person %lld, client %s", what, (long long)person_id,
        addr[0] ? addr : "?");
}
