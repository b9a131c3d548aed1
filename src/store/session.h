#pragma once
/* Sessions: log-in by document and password, activation with the one-time
 * code, log-out. Tokens are opaque random strings; only their SHA-256 is
 * stored, so a copy of the database cannot be used to log in. */
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "store/login_limit.h"
#include "store/store.h"

/* Resolves a token hash to its person inside the caller's transaction.
 * -EACCES (unauthorized) when unknown or expired. */
int session_person(db_t *db, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now,
                   int64_t *ret_person_id, err_t *err);

typedef struct session_result {
    char token[SECRET_TOKEN_CHARS + 1];   /* plaintext, only ever sent to the client */
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
    char password[LIMIT_PASSWORD_MAX + 1];   /* wiped by run */
    unsigned long long opslimit;             /* argon2id cost; 0 = interactive */
    size_t memlimit;
    char addr[LOGIN_LIMIT_ADDR_MAX];
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
    char addr[LOGIN_LIMIT_ADDR_MAX];        /* the client's address, as text */
    int ret_wait;
    int64_t ret_person_id;
    char ret_hash[SECRET_PWHASH_MAX];
} session_login_start_op_t;
void session_login_start_op_init(session_login_start_op_t *o);

/* The limit account of a log-in: "person:<id>" (every document of a person
 * shares it), or the document itself when nobody has it. */
void session_login_account(int64_t person_id, const char *doc_kind, const char *doc_number, char *buf,
                           size_t cap);

/* SLOW lane. The second step: checks the password against `stored` (the same
 * argon2id work when stored is ""). -EACCES (bad_credentials) for any
 * mismatch, without saying which part was wrong; the attempt stays counted.
 * On success opens a session and gives the attempt back, in one transaction. */
typedef struct session_login_op {
    store_op_t op;
    int64_t now;
    int64_t person_id;                       /* 0: no account; always fails */
    char stored[SECRET_PWHASH_MAX];          /* the account's argon2id string or "" */
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    char addr[LOGIN_LIMIT_ADDR_MAX];
    char password[LIMIT_PASSWORD_MAX + 1];   /* wiped by run */
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

/* Inserts a new session for person_id (inside a write transaction). */
int session_create(db_t *db, int64_t person_id, int64_t now, session_result_t *ret, err_t *err);
