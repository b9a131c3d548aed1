#pragma once
/* What every log-in-like request (a person's log-in, an activation, an
 * officer's desk log-in) shares at the HTTP side (issue 12):
 *
 *  - a bound on the password hashing one client address may have queued or
 *    running at once (LIMIT_HASH_INFLIGHT_CLIENT), per lane, so one client
 *    cannot fill the hashing queue;
 *  - the 429 answer with Retry-After when the database counters refuse;
 *  - the security log lines (JSON, api/log): failed and refused log-ins,
 *    naming the account kind and id and the client address, never a
 *    document number or a password. */
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"

/* Takes a hashing place for r's client address in `lane` ("person" or
 * "officer") until r is done. false: 429 (rate_limited) has been sent. */
bool login_gate_enter_or_reply(api_req_t *r, const char *lane);

/* Replies 429 rate_limited with Retry-After: wait and logs auth.login_locked. */
void login_gate_reply_limited(api_req_t *r, int wait, const char *what, const char *account_kind, int64_t account_id);

/* Logs one security event: event (e.g. "auth.login_failed"), what ("log-in",
 * "activation", "desk log-in"), the account ("person" 12, "officer" 3,
 * "unknown" 0) and the client address. */
void login_gate_log(api_req_t *r, const char *event, const char *what, const char *account_kind, int64_t account_id);

/* Logs a successful log-in (or activation) of person account_id at info:
 * the person's id and the client address, never a document or a token. */
void login_gate_log_ok(api_req_t *r, const char *event, const char *what, int64_t person_id);
