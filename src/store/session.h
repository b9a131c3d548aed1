#pragma once
/* Sessions: log-in by document and password, activation with the one-time
 * code, log-out. Tokens are opaque random strings; only their SHA-256 is
 * stored, so a copy of the database cannot be used to log in. */
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
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

/* SLOW lane. Sets the password with an activation code and opens a session.
 * -ENOENT (activation_code_invalid) for an unknown, used or expired code. */
typedef struct session_activate_op {
    store_op_t op;
    int64_t now;
    uint8_t code_hash[SECRET_HASH_BYTES];
    char password[LIMIT_PASSWORD_MAX + 1];   /* wiped by run */
    unsigned long long opslimit;             /* argon2id cost; 0 = interactive */
    size_t memlimit;
    session_result_t ret;
} session_activate_op_t;
void session_activate_op_init(session_activate_op_t *o);

/* SLOW lane. Log-in by document and password. -EACCES (bad_credentials) for
 * any mismatch, without saying which part was wrong. ret.person_id is set to
 * the account tried (0 if no such document), for rate limiting. */
typedef struct session_login_op {
    store_op_t op;
    int64_t now;
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char password[LIMIT_PASSWORD_MAX + 1];   /* wiped by run */
    session_result_t ret;
} session_login_op_t;
void session_login_op_init(session_login_op_t *o);

/* WRITE lane. Deletes the session (log-out). -EACCES if the token is unknown. */
typedef struct session_logout_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
} session_logout_op_t;
void session_logout_op_init(session_logout_op_t *o);

/* Inserts a new session for person_id (inside a write transaction). */
int session_create(db_t *db, int64_t person_id, int64_t now, session_result_t *ret, err_t *err);
