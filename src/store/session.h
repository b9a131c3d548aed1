#pragma once
/* Sessions: log-in by document and password, activation with the one-time
 * code, log-out. Tokens are opaque random strings; only their SHA-256 is
 * stored, so a copy of the database cannot be used to log in. The password
 * check and the session rows themselves are store/credential.h's, shared
 * with the officers; this module keeps what is a person's own. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "store/login_limit.h"
#include "store/store.h"

/* How long a person's session lasts (issue 17; uchetd's session_* settings,
 * docs/SECURITY.md). A session is bound to the phone that holds its token:
 * it ends idle_s after it was last renewed (the app renews it each time it
 * opens), and in any case max_s after the log-in. Actions that change the
 * record want the password typed within recheck_s (session_recheck_op). */
typedef struct session_policy {
    int64_t idle_s;
    int64_t max_s;
    int64_t recheck_s;
} session_policy_t;
#define SESSION_IDLE_DEFAULT_S (30 * 86400)
#define SESSION_MAX_DEFAULT_S (90 * 86400)
#define SESSION_RECHECK_DEFAULT_S (15 * 60)
#define SESSION_DEVICE_MAX 64 /* bytes of a device label */
void session_policy_default(session_policy_t *p);

/* Resolves a token hash to its person inside the caller's transaction.
 * -EACCES (unauthorized) when unknown or expired. */
int session_person(
    db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, int64_t *ret_person_id, err_t *err);

/* A person's own list read in one statement (issue 18: on PostgreSQL one
 * round trip, where the session check, the list and the read transaction's
 * BEGIN and end were four). SESSION_LIST_SQL joins the session's row to
 * LIST, a subquery read as `t` that selects the person's rows by
 * SESSION_ME_PERSON; COLS and ORDER name t's columns (COLS first, so a
 * row's columns keep the indexes they had in LIST; then the person). Binds:
 * 1 the token hash and 2 now (session_list_bind), then LIST's own from 3.
 * One statement sees one snapshot on both backends, so the op sets
 * one_statement and needs no read transaction. */
#define SESSION_ME_PERSON "(SELECT person_id FROM me)"
#define SESSION_LIST_SQL(COLS, LIST, ORDER)                                                                            \
    "WITH me AS (SELECT person_id FROM sessions WHERE token_hash = ? AND expires_at > ?)"                              \
    " SELECT " COLS ", me.person_id FROM me LEFT JOIN (" LIST ") t ON 1 = 1 ORDER BY " ORDER
void session_list_bind(db_stmt_t *st, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now);

/* Steps a SESSION_LIST_SQL statement to its first row. 1: the row is the
 * list's first (its column 0, which must be one of t's never-NULL
 * columns, is set); 0: the list is empty (the one row's columns after t's
 * can still be read; finish with db_run); -EACCES (unauthorized) when the
 * session is unknown or expired; another negative code on a database
 * error. */
int session_list_first(db_stmt_t *st, err_t *err);

typedef struct session_result {
    char token[SECRET_TOKEN_CHARS + 1]; /* plaintext, only ever sent to the client */
    int64_t expires_at;
    int64_t person_id;
} session_result_t;

/* SLOW lane. Sets the password with an activation code and opens a session;
 * every other session of the person ends (a new password ends the old
 * ones). -ENOENT (activation_code_invalid) for an unknown, used or expired
 * code; a right code gives back the attempt counted by
 * session_activation_start_op (addr). */
typedef struct session_activate_op {
    store_op_t op;
    int64_t now;
    uint8_t code_hash[SECRET_HASH_BYTES];
    char password[LIMIT_PASSWORD_MAX + 1]; /* wiped by run */
    unsigned long long opslimit;           /* argon2id cost; 0 = interactive */
    size_t memlimit;
    char addr[LOGIN_LIMIT_ADDR_MAX];
    session_policy_t policy;
    char device[SESSION_DEVICE_MAX + 1];
    session_result_t ret;
} session_activate_op_t;
void session_activate_op_init(session_activate_op_t *o);

/* WRITE lane. The first step of a log-in: finds the account of the document
 * and counts the attempt before any hashing (store/login_limit.h), so that
 * parallel attempts cannot pass the limit. ret_wait > 0: refused, try again
 * in that many seconds (nothing else done). Else ret_person_id (0: no such
 * document or not activated) and ret_hash ("" then) go to session_login_op. */
typedef struct session_login_start_op {
    store_op_t op;
    int64_t now;
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char addr[LOGIN_LIMIT_ADDR_MAX]; /* the client's address, as text */
    int ret_wait;
    int64_t ret_person_id;
    char ret_hash[SECRET_PWHASH_MAX];
} session_login_start_op_t;
void session_login_start_op_init(session_login_start_op_t *o);

/* The limit account of a log-in: "person:<id>" (every document of a person
 * shares it), or the document itself when nobody has it. */
void session_login_account(int64_t person_id, const char *doc_kind, const char *doc_number, char *buf, size_t cap);

/* SLOW lane. The second step: checks the password against `stored` (the same
 * argon2id work when stored is ""). -EACCES (bad_credentials) for any
 * mismatch, without saying which part was wrong; the attempt stays counted.
 * On success opens a session and gives the attempt back, in one transaction. */
typedef struct session_login_op {
    store_op_t op;
    int64_t now;
    int64_t person_id;              /* 0: no account; always fails */
    char stored[SECRET_PWHASH_MAX]; /* the account's argon2id string or "" */
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    char addr[LOGIN_LIMIT_ADDR_MAX];
    char password[LIMIT_PASSWORD_MAX + 1]; /* wiped by run */
    session_policy_t policy;
    char device[SESSION_DEVICE_MAX + 1];
    session_result_t ret;
} session_login_op_t;
void session_login_op_init(session_login_op_t *o);

/* WRITE lane. Counts an activation attempt from addr before the code is
 * looked up (addresses only: a code names no account). ret_wait as above. */
typedef struct session_activation_start_op {
    store_op_t op;
    int64_t now;
    char addr[LOGIN_LIMIT_ADDR_MAX];
    int ret_wait;
} session_activation_start_op_t;
void session_activation_start_op_init(session_activation_start_op_t *o);

/* Deletes every session whose time is over, persons' and officers', and
 * log-in counters whose windows are over, in one write transaction of its
 * own on db (the scheduler's connection). *ret_deleted: rows. */
int session_purge(db_t *db, int64_t now, int64_t *ret_deleted, err_t *err);

/* WRITE lane. Deletes the session (log-out). -EACCES if the token is unknown. */
typedef struct session_logout_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
} session_logout_op_t;
void session_logout_op_init(session_logout_op_t *o);

/* Inserts a new session for person_id (inside a write transaction), with the
 * default policy and no device label. */
int session_create(db_t *db, int64_t person_id, int64_t now, session_result_t *ret, err_t *err);
/* The same with a policy and the device label (may be ""; copied). */
int session_create_device(db_t *db, int64_t person_id, int64_t now, const session_policy_t *policy, const char *device,
    session_result_t *ret, err_t *err);

/* WRITE lane. Renews the session: expires_at becomes now + idle_s, never past
 * the cap fixed at log-in; last_used_at becomes now. -EACCES (unauthorized)
 * when the session is unknown or over. */
typedef struct session_renew_op {
    store_op_t op;
    int64_t now;
    int64_t idle_s;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t ret_expires_at;
    int64_t ret_max_expires_at;
} session_renew_op_t;
void session_renew_op_init(session_renew_op_t *o);

/* READ lane, one statement. When the password was last typed in this
 * session. -EACCES (unauthorized) when the session is unknown or over. */
typedef struct session_recheck_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t ret_recheck_at;
} session_recheck_op_t;
void session_recheck_op_init(session_recheck_op_t *o);

/* WRITE lane. The first step of a password change or re-check: resolves the
 * session to its person and counts the attempt against the same log-in
 * limits as a log-in ("person:<id>" from addr), before any hashing.
 * ret_wait > 0: refused (nothing counted). */
typedef struct session_password_start_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
    char addr[LOGIN_LIMIT_ADDR_MAX];
    int ret_wait;
    int64_t ret_person_id;
    char ret_hash[SECRET_PWHASH_MAX];
} session_password_start_op_t;
void session_password_start_op_init(session_password_start_op_t *o);

/* SLOW lane. Checks `current` against `stored`; -EACCES (wrong_password) when
 * it does not match, the attempt stays counted. On a match, in one write
 * transaction: with a new password (new_password[0]) sets it and ends every
 * other session of the person (audit person.password_changed); always marks
 * the password as typed now in this session; gives the attempt back. */
typedef struct session_password_op {
    store_op_t op;
    int64_t now;
    int64_t person_id;
    uint8_t token_hash[SECRET_HASH_BYTES];
    char stored[SECRET_PWHASH_MAX];
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    char addr[LOGIN_LIMIT_ADDR_MAX];
    char current[LIMIT_PASSWORD_MAX + 1];      /* wiped by run */
    char new_password[LIMIT_PASSWORD_MAX + 1]; /* "" = re-check only; wiped by run */
    bool new_password_set;                     /* the caller's note of which it was */
    unsigned long long opslimit;
    size_t memlimit;
    int64_t ret_ended; /* other sessions ended */
} session_password_op_t;
void session_password_op_init(session_password_op_t *o);

/* READ lane. The person's open sessions, most recently used first. */
#define SESSION_LIST_MAX 50
typedef struct session_info {
    int64_t created_at, last_used_at, expires_at;
    char device[SESSION_DEVICE_MAX + 1];
    bool current; /* the one that asked */
} session_info_t;
typedef struct session_list_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
    size_t ret_n;
    session_info_t ret[SESSION_LIST_MAX];
} session_list_op_t;
void session_list_op_init(session_list_op_t *o);

/* WRITE lane. Ends every session of the token's person, this one included
 * ("log out everywhere"); audit session.ended_everywhere. */
typedef struct session_end_all_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t ret_ended;
} session_end_all_op_t;
void session_end_all_op_init(session_end_all_op_t *o);

/* Ends every session of person_id inside the caller's write transaction
 * (a re-issued activation code). *ret_ended: how many. */
int session_end_person(db_t *db, int64_t person_id, int64_t *ret_ended, err_t *err);

/* WRITE lane. Password recovery through a registrar (issue 17): a new
 * one-time activation code for the person holding the document. The old
 * password stops working (the person sets a new one with the code), every
 * session of the person ends, every passkey of theirs is deleted (the phone
 * that held it may be the one lost), the person's log-in counters are
 * cleared, and the audit gets person.activation_reissued with the actor, the
 * reason and both counts.
 * -ENOENT (not_found) when nobody holds the document. The caller makes the
 * code (base/secret.h) and passes its hash; it shows the code, never stores it. */
#define SESSION_REASON_MAX 500
typedef struct session_reissue_op {
    store_op_t op;
    int64_t now;
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char actor[40];         /* "operator"; set to "officer:<id>" with a desk token */
    bool by_officer;        /* token_hash is a desk token ... */
    unsigned officer_roles; /* ... of one of these roles (the desk ACL row) */
    uint8_t token_hash[SECRET_HASH_BYTES];
    char reason[SESSION_REASON_MAX * 4 + 1]; /* checked by the caller (rules/reason.h) */
    uint8_t code_hash[SECRET_HASH_BYTES];
    int64_t ret_person_id;
    int64_t ret_ended;
    int64_t ret_passkeys_removed;
    int64_t ret_expires_at; /* the code's */
} session_reissue_op_t;
void session_reissue_op_init(session_reissue_op_t *o);
