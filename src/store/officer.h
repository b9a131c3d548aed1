#pragma once
/* Officers and what they may see (product rule 14).
 *
 * Officers (registrar, inspector, auditor) are created by the operator and
 * log in at the desk. Their tokens live in officer_sessions, apart from the
 * persons' sessions: a person's token never opens the desk, nor the reverse.
 * Every officer read of a person's record needs a stated reason and is
 * written, in the same transaction, to officer_reads (shown to the person as
 * "who viewed my record", by role only) and to the audit log. */
#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "rules/calendar.h"
#include "store/login_limit.h"
#include "store/region.h"
#include "store/store.h"

#define OFFICER_LOGIN_MAX 64          /* bytes; uchetctl officer add, desk log-in */
#define OFFICER_NAME_MAX 128          /* bytes; shown to auditors, never to persons */
#define OFFICER_READ_REASON_MIN 5     /* characters; a case or reference number at least */
#define OFFICER_READ_REASON_MAX 200   /* characters */
#define OFFICER_REASON_BYTES (4 * OFFICER_READ_REASON_MAX)   /* UTF-8 worst case */
#define OFFICER_ACCESS_LOG_MAX 100    /* rows per access-log answer, newest first */

/* Roles are bits so that a caller can allow several at once. */
typedef enum officer_role {
    OFFICER_REGISTRAR = 1,        /* decides appeals; may look persons up */
    OFFICER_INSPECTOR = 2,        /* looks persons up, with a reason */
    OFFICER_AUDITOR = 4,          /* reads the audit log; never a person's record */
} officer_role_t;

/* Parses "registrar" | "inspector" | "auditor". Returns 0 and writes *ret,
 * or -EINVAL for anything else. */
int officer_role_parse(const char *s, officer_role_t *ret);
/* The role's name (static string); "unknown" for a value outside the enum. */
const char *officer_role_name(officer_role_t role);

typedef struct officer_ref {
    int64_t id;
    officer_role_t role;
} officer_ref_t;

/* Resolves an officer's token inside the caller's transaction and checks
 * that the officer's role is one of `allowed` (a mask of officer_role_t).
 * -EACCES (unauthorized) when the token is unknown or expired, -EPERM
 * (forbidden) when the role may not do this. */
int officer_session(db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, unsigned allowed,
                    officer_ref_t *ret, err_t *err);

/* WRITE lane (uchetctl). Creates an officer with an argon2id hash made by
 * the caller (hashing is not done on the writer). -EEXIST (officer_exists)
 * when the login is taken. Audited as the operator. */
typedef struct officer_add_op {
    store_op_t op;
    int64_t now;
    char login[OFFICER_LOGIN_MAX + 1];
    char name[OFFICER_NAME_MAX + 1];
    officer_role_t role;
    char password_hash[SECRET_PWHASH_MAX];
    int64_t ret_id;
} officer_add_op_t;
void officer_add_op_init(officer_add_op_t *o);

/* WRITE lane. The first step of a desk log-in: counts the attempt of login
 * from addr before any hashing (store/login_limit.h, account
 * "officer:<login>"). ret_wait > 0: refused for that many seconds. */
typedef struct officer_login_start_op {
    store_op_t op;
    int64_t now;
    char login[OFFICER_LOGIN_MAX + 1];
    char addr[LOGIN_LIMIT_ADDR_MAX];
    int ret_wait;
} officer_login_start_op_t;
void officer_login_start_op_init(officer_login_start_op_t *o);

/* STORE_SLOW_OFFICER lane (its own thread: persons' log-ins never delay
 * it). Desk log-in by login and password; opens an officer session
 * (LIMIT_SESSION_TTL_S) and gives back the attempt counted for addr.
 * -EACCES (bad_credentials) for any mismatch, after the same argon2id work
 * whether or not the login exists. */
typedef struct officer_login_op {
    store_op_t op;
    int64_t now;
    char login[OFFICER_LOGIN_MAX + 1];
    char addr[LOGIN_LIMIT_ADDR_MAX];
    char password[LIMIT_PASSWORD_MAX + 1];     /* wiped by run */
    char ret_token[SECRET_TOKEN_CHARS + 1];   /* plaintext, only ever sent to the client */
    int64_t ret_expires_at;
    officer_role_t ret_role;
} officer_login_op_t;
void officer_login_op_init(officer_login_op_t *o);

/* WRITE lane. Ends the officer session. -EACCES if the token is unknown. */
typedef struct officer_logout_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
} officer_logout_op_t;
void officer_logout_op_init(officer_logout_op_t *o);

/* What an officer may learn about a person: the registration status only.
 * Never a residence, a reference point or a confirmation. */
typedef struct officer_lookup_result {
    char surname[LIMIT_NAME_BYTES + 1], given_names[LIMIT_NAME_BYTES + 1];
    char surname_cyr[LIMIT_NAME_BYTES + 1], given_names_cyr[LIMIT_NAME_BYTES + 1];
    char status[8];               /* "active" | "ended" | "none" */
    char region[8];               /* "" when none */
    date_t due_date;              /* 0 when none (ended, none, or a minor) */
    char end_reason[24];          /* "" unless ended */
    bool document_verified;       /* false: typed in by a guardian, not yet checked (issue 12) */
} officer_lookup_result_t;

/* WRITE lane (the read itself is written down). An inspector or registrar
 * looks a person up by document with a reason (the caller checked its
 * length). -EPERM (forbidden) for an auditor, -ENOENT (unknown_document). */
typedef struct officer_lookup_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char reason[OFFICER_REASON_BYTES + 1];
    const calendar_t *cal;        /* borrowed, read-only */
    const region_set_t *regions;  /* borrowed, read-only */
    officer_lookup_result_t ret;
} officer_lookup_op_t;
void officer_lookup_op_init(officer_lookup_op_t *o);

typedef struct officer_access_row {
    int64_t at;
    char role[16];                /* the officer's role: never the name */
    char reason[OFFICER_REASON_BYTES + 1];
} officer_access_row_t;

/* READ lane. The person's own access log ("who viewed my record"), newest
 * first, at most OFFICER_ACCESS_LOG_MAX rows. */
typedef struct officer_access_log_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int ret_n;
    officer_access_row_t ret[OFFICER_ACCESS_LOG_MAX];
} officer_access_log_op_t;
void officer_access_log_op_init(officer_access_log_op_t *o);
