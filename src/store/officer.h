#pragma once
/* Officers and what they may see (product rule 14).
 *
 * Officers (registrar, inspector, auditor, supervisor) are created by the
 * operator (uchetctl officer) or by a supervisor at the desk, and log in at
 * the desk with a password and a TOTP code (store/totp.h); the first log-in
 * enrols the authenticator. Their tokens live in officer_sessions, apart
 * from the persons' sessions: a person's token never opens the desk, nor the
 * reverse (the rows and the password check are store/credential.h's). This is the one session module of every officer role: which role
 * may call which desk endpoint is declared per route (api/desk_acl.c) and
 * passed in as `allowed`.
 * Every officer read of a person's record needs a stated reason and is
 * written, in the same transaction, to officer_reads (shown to the person as
 * "who viewed my record", by role only) and to the audit log. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "bio/vault.h"
#include "rules/calendar.h"
#include "store/credential.h"
#include "store/login_limit.h"
#include "store/region.h"
#include "store/store.h"

#define OFFICER_LOGIN_MAX 64                               /* bytes; uchetctl officer add, desk log-in */
#define OFFICER_NAME_MAX 128                               /* bytes; shown to auditors, never to persons */
#define OFFICER_READ_REASON_MIN 5                          /* characters; a case or reference number at least */
#define OFFICER_READ_REASON_MAX 200                        /* characters */
#define OFFICER_REASON_BYTES (4 * OFFICER_READ_REASON_MAX) /* UTF-8 worst case */
#define OFFICER_ACCESS_LOG_MAX 100                         /* rows per access-log answer, newest first */

/* Roles are bits so that a caller can allow several at once. */
typedef enum officer_role {
    OFFICER_REGISTRAR = 1,  /* decides appeals; may look persons up */
    OFFICER_INSPECTOR = 2,  /* looks persons up, with a reason */
    OFFICER_AUDITOR = 4,    /* reads the audit log; never a person's record */
    OFFICER_SUPERVISOR = 8, /* manages officers; never a person's record */
} officer_role_t;
#define OFFICER_ROLES_ALL 15u
#define OFFICER_IDLE_DEFAULT_S (15 * 60) /* a desk session ends after this long untouched */
#define OFFICER_RECOVERY_CODES 10
#define OFFICER_ENROL_TTL_S 600 /* to type the first code after scanning the QR code */

/* Parses "registrar" | "inspector" | "auditor" | "supervisor". Returns 0 and writes *ret,
 * or -EINVAL for anything else. */
int officer_role_parse(const char *s, officer_role_t *ret);
/* The role's name (static string); "unknown" for a value outside the enum. */
const char *officer_role_name(officer_role_t role);

typedef struct officer_ref {
    int64_t id;
    officer_role_t role;
    /* The session's last slide (last_seen_at, else its log-in), as a desk
     * read saw it (officer_read_first); 0 when not read. A read-lane read
     * does not slide the session itself: the API layer submits an
     * officer_slide_op when this is OFFICER_SLIDE_AFTER_S old (api/desk_slide.h). */
    int64_t seen_at;
} officer_ref_t;
/* A desk read slides its session's inactivity limit only when the last
 * slide is this old: at most one small write per session a minute, and the
 * limit ends a session between OFFICER_IDLE - this and OFFICER_IDLE after
 * its last request (docs/DESK.md). */
#define OFFICER_SLIDE_AFTER_S 60

/* Resolves an officer's token inside the caller's transaction and checks
 * that the officer's role is one of `allowed` (a mask of officer_role_t,
 * from the route's declaration). -EACCES (unauthorized) when the token is
 * unknown, past its absolute cap, idle too long, or its officer disabled;
 * -EPERM (role_forbidden) when the role may not do this. Reads only: a read
 * lane may call it. */
int officer_session(db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, unsigned allowed,
    officer_ref_t *ret, err_t *err);
/* An officer's desk read in one statement (issue 18: on PostgreSQL one
 * round trip, where BEGIN, the session check, the data and the end were
 * four or more). OFFICER_READ_SQL joins the officer behind the token (`me`:
 * id, role, and whether the role is one of the route's) to LIST, a subquery
 * read as `t` that must select nothing unless OFFICER_ME_ALLOWED, so that a
 * refused officer's statement reads no data; COLS and ORDER name t's
 * columns (COLS first, so a row's columns keep the indexes they had in
 * LIST; then me's id, role and seen_at). The session's condition is the one
 * credential_session_find applies (CREDENTIAL_OFFICER_LIVE_SQL); the role
 * names are role_names' in officer.c (keep in step). Binds: 1 the allowed
 * roles, 2 the token hash, 3 and 4 now (officer_read_bind), then LIST's own
 * from 5. One statement sees one snapshot on both backends: the op sets
 * one_statement and needs no read transaction. */
#define OFFICER_ME_ALLOWED "(SELECT allowed FROM me)"
#define OFFICER_READ_SQL(COLS, LIST, ORDER)                                                                            \
    "WITH me AS (SELECT o.id, o.role, (CASE o.role WHEN 'registrar' THEN 1 WHEN 'inspector' THEN 2"                    \
    " WHEN 'auditor' THEN 4 WHEN 'supervisor' THEN 8 ELSE 0 END & ?) <> 0 AS allowed,"                                 \
    " COALESCE(s.last_seen_at, s.created_at) AS seen_at"                                                               \
    " FROM officer_sessions s JOIN officers o ON o.id = s.officer_id WHERE " CREDENTIAL_OFFICER_LIVE_SQL ")"           \
    " SELECT " COLS ", me.id, me.role, me.seen_at FROM me LEFT JOIN (" LIST ") t ON 1 = 1 ORDER BY " ORDER
void officer_read_bind(db_stmt_t *st, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, unsigned allowed);

/* Who asks for a desk read, as a store function reading in one statement
 * takes it: the token's hash, the time, the route's roles (a mask). */
typedef struct officer_token {
    const uint8_t *token_hash; /* SECRET_HASH_BYTES; borrowed */
    int64_t now;
    unsigned allowed;
} officer_token_t;

/* Steps an OFFICER_READ_SQL statement to its first row; me_col is the index
 * of me's id (the number of COLS). 1: the row is LIST's first (its column
 * 0, one of t's never-NULL columns, is set); 0: LIST is empty (finish with
 * db_run); either way *ret is the officer. -EACCES (unauthorized) and
 * -EPERM (role_forbidden) as officer_session, with the same messages;
 * another negative code on a database error. */
int officer_read_first(db_stmt_t *st, int me_col, unsigned allowed, officer_ref_t *ret, err_t *err);

/* WRITE lane, fire-and-forget (api/desk_slide.c): slides the inactivity
 * limit of the session behind token_hash to `now`, as a desk read on a read
 * lane found it OFFICER_SLIDE_AFTER_S old or more. Never moves it back (a
 * later request's slide stays); an ended session is not brought back (its
 * row is gone or its officer disabled: the read's check is the one that
 * counts). Succeeds writing nothing when there is nothing to slide. */
typedef struct officer_slide_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
} officer_slide_op_t;
void officer_slide_op_init(officer_slide_op_t *o);

/* officer_session that also slides the inactivity limit (a write). */
int officer_session_touch(db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, unsigned allowed,
    officer_ref_t *ret, err_t *err);
/* Appends an officer's action to the audit chain: actor "officer:ID", the
 * role and the stated reason (may be NULL) in the detail with `extra`'s
 * members (borrowed, may be NULL). */
int officer_audit(db_t *db, const officer_ref_t *me, int64_t now, const char *action, const char *subject,
    const char *reason, json_t *extra, err_t *err);

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
 * it). Desk log-in by login, password and a TOTP code (or one recovery
 * code). -EACCES (bad_credentials) for any mismatch, after the same argon2id
 * work whether or not the login exists; -EACCES (totp_required) when the
 * password is right and neither code was given; -EACCES (officer_disabled)
 * for a disabled officer. An officer not yet enrolled gets, for a right
 * password, a new TOTP secret and an enrolment token instead of a session
 * (ret_enrol), to be confirmed by officer_enrol_op. Otherwise opens a
 * session (absolute cap LIMIT_SESSION_TTL_S, inactivity limit idle_s) and
 * gives back the attempt counted for addr. */
typedef struct officer_login_op {
    store_op_t op;
    const vault_keys_t *totp_keys; /* borrowed: totp_key_file's, to open and seal TOTP secrets */
    int64_t now;
    int64_t idle_s; /* 0: OFFICER_IDLE_DEFAULT_S */
    char login[OFFICER_LOGIN_MAX + 1];
    char addr[LOGIN_LIMIT_ADDR_MAX];
    char password[LIMIT_PASSWORD_MAX + 1];  /* wiped by run */
    char code[16];                          /* TOTP code, "" if none */
    char recovery_code[32];                 /* "" if none; wiped by run */
    char ret_token[SECRET_TOKEN_CHARS + 1]; /* plaintext, only ever sent to the client */
    int64_t ret_expires_at;
    officer_role_t ret_role;
    bool ret_enrol; /* enrolment started: the fields below, not a session */
    char ret_enrol_token[SECRET_TOKEN_CHARS + 1];
    char ret_otpauth_uri[256]; /* shown once; wiped by the handler */
    char ret_secret_b32[40];
    int ret_recovery_left;     /* after a recovery code was used */
    int64_t ret_unsealable_id; /* != 0: this officer's stored secret did not open (for the log) */
} officer_login_op_t;
void officer_login_op_init(officer_login_op_t *o);

/* WRITE lane. Confirms a TOTP enrolment with the first code: the code must
 * match the secret given at log-in (the previous or next step too). Then
 * the officer is enrolled, 10 recovery codes are made (returned once,
 * stored hashed) and a session is opened. A wrong code ends the enrolment
 * (ret_refused: log in again for a new secret; the op itself succeeds so
 * that the ending is written). -EACCES (unauthorized) for an unknown or
 * expired enrolment token. */
typedef struct officer_enrol_op {
    store_op_t op;
    const vault_keys_t *totp_keys; /* borrowed: totp_key_file's */
    int64_t now;
    int64_t idle_s;
    uint8_t enrol_hash[SECRET_HASH_BYTES];
    char code[16];
    bool ret_refused;
    char ret_token[SECRET_TOKEN_CHARS + 1];
    int64_t ret_expires_at;
    officer_role_t ret_role;
    char ret_recovery[OFFICER_RECOVERY_CODES][SECRET_CODE_CHARS + 1]; /* shown once */
} officer_enrol_op_t;
void officer_enrol_op_init(officer_enrol_op_t *o);

/* At start, on the caller's own connection, in one write transaction:
 * seals under k's current key every TOTP secret still stored plain (a
 * database made before the secrets were sealed, issue 15) and every one
 * sealed under an older key of k (after `uchetctl keys totp-rotate`);
 * audited once as officer.totp_secrets_sealed with both counts, nothing when
 * there is nothing to do. -EINVAL (totp_unknown_key) when a stored secret is
 * sealed under a key k does not hold: the wrong key file, said before anyone
 * is locked out. Several instances may run it at once: a row is written
 * only if it still holds the value read. */
typedef struct officer_totp_sealing {
    int plain;   /* plain secrets sealed */
    int rekeyed; /* sealed again under the current key */
} officer_totp_sealing_t;
int officer_totp_seal_all(db_t *db, const vault_keys_t *k, int64_t now, officer_totp_sealing_t *ret, err_t *err);

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
    char status[8];         /* "active" | "ended" | "none" */
    char region[8];         /* "" when none */
    date_t due_date;        /* 0 when none (ended, none, or a minor) */
    char end_reason[24];    /* "" unless ended */
    bool document_verified; /* false: typed in by a guardian, not yet checked (issue 12) */
} officer_lookup_result_t;

/* WRITE lane (the read itself is written down). An inspector or registrar
 * looks a person up by document with a reason (the caller checked its
 * length). -EPERM (role_forbidden) for a role outside `roles`, -ENOENT (unknown_document). */
typedef struct officer_lookup_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char reason[OFFICER_REASON_BYTES + 1];
    const calendar_t *cal;       /* borrowed, read-only */
    const region_set_t *regions; /* borrowed, read-only */
    unsigned roles;              /* the route's allowed roles (api/desk_acl.h) */
    officer_lookup_result_t ret;
} officer_lookup_op_t;
void officer_lookup_op_init(officer_lookup_op_t *o);

typedef struct officer_access_row {
    int64_t at;
    char role[16]; /* the officer's role: never the name */
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

/* --- officer management (issue 15): a supervisor at the desk, or the
 * operator with uchetctl ------------------------------------------------ */

typedef enum officer_manage_action {
    OFFICER_MANAGE_ADD,     /* a new officer with a generated password */
    OFFICER_MANAGE_DISABLE, /* no more log-ins; every session ends */
    OFFICER_MANAGE_RESET,   /* a new generated password, TOTP to enrol again, sessions end */
} officer_manage_action_t;

#define OFFICER_PASSWORD_CHARS (2 * SECRET_CODE_CHARS + 1) /* two activation-style codes, ~118 bits */

/* STORE_SLOW_OFFICER lane (the new password's argon2id hash is made here,
 * off the writer), then one write transaction. From the desk (by_operator
 * false) the token must be a supervisor's (`roles`, from the route) who is
 * not acting on their own account (-EPERM not_yourself), and a reason is
 * required; from uchetctl (by_operator true) the actor is "operator". The
 * target is target_id, or login when target_id is 0. -ENOENT
 * (unknown_officer), -EEXIST (officer_exists) for a login taken,
 * -EALREADY (officer_disabled) to disable twice. Audited as
 * officer.created / officer.disabled / officer.reset with the role and the
 * reason. */
typedef struct officer_manage_op {
    store_op_t op;
    int64_t now;
    officer_manage_action_t action;
    bool by_operator;
    uint8_t token_hash[SECRET_HASH_BYTES];
    unsigned roles;
    char reason[OFFICER_REASON_BYTES + 1];
    int64_t target_id;
    char login[OFFICER_LOGIN_MAX + 1];
    char name[OFFICER_NAME_MAX + 1]; /* add */
    officer_role_t role;             /* add */
    unsigned long long opslimit;     /* argon2id; 0 = libsodium's interactive */
    size_t memlimit;
    int64_t ret_id;
    char ret_login[OFFICER_LOGIN_MAX + 1];
    char ret_password[OFFICER_PASSWORD_CHARS + 1]; /* add, reset: shown once */
} officer_manage_op_t;
void officer_manage_op_init(officer_manage_op_t *o);

#define OFFICER_LIST_MAX 500

typedef struct officer_row {
    int64_t id;
    char login[OFFICER_LOGIN_MAX + 1];
    char name[OFFICER_NAME_MAX + 1];
    officer_role_t role;
    int64_t created_at;
    int64_t disabled_at; /* 0: active */
    bool enrolled;       /* TOTP confirmed */
} officer_row_t;

/* READ lane, one statement: every officer by login, at most
 * OFFICER_LIST_MAX. From the desk the supervisor's session and role are
 * checked in the same statement (OFFICER_READ_SQL; -EACCES, -EPERM as
 * officer_read_first) and ret_me is who asked, for the slide
 * (api/desk_slide.h); by_operator: uchetctl, no session, a plain list. */
typedef struct officer_list_op {
    store_op_t op;
    int64_t now;
    bool by_operator;
    uint8_t token_hash[SECRET_HASH_BYTES];
    unsigned roles;
    officer_ref_t ret_me; /* from the desk: who asked */
    int ret_n;
    officer_row_t ret[OFFICER_LIST_MAX];
} officer_list_op_t;
void officer_list_op_init(officer_list_op_t *o);

/* --- auditor views (issue 15) ------------------------------------------- */

#define OFFICER_READS_MAX 500

typedef struct officer_read_row {
    int64_t at;
    int64_t officer_id;
    char login[OFFICER_LOGIN_MAX + 1];
    char role[16];
    int64_t person_id;
    char reason[OFFICER_REASON_BYTES + 1];
} officer_read_row_t;

/* WRITE lane (the auditor's own look is an audit event, audit.lookups_read).
 * The look-ups made in [from, to), newest first, at most OFFICER_READS_MAX,
 * with the officer and the stated reason; never the person's details (the
 * person by id only). */
typedef struct officer_reads_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
    unsigned roles;
    int64_t from, to;
    int ret_n;
    officer_read_row_t ret[OFFICER_READS_MAX];
} officer_reads_op_t;
void officer_reads_op_init(officer_reads_op_t *o);
