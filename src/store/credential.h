#pragma once
/* Credentials and session rows of both kinds of subject: persons (the app,
 * table `sessions`) and officers (the desk, table `officer_sessions`).
 *
 * This module owns what the two log-ins share: the password check (argon2id,
 * the same cost for an unknown account), and a session row's creation,
 * lookup by token hash and ending. What belongs to one kind stays with it and
 * calls these: a person's device policy, renewal, re-check and password
 * change in store/session.c; roles, TOTP and disabling in store/officer.c.
 * The two tables stay apart on purpose: a person's token never opens the
 * desk, nor the reverse.
 *
 * All functions run inside the caller's transaction (a write one, except
 * credential_session_find) and never begin or commit one themselves. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/secret.h"
#include "store/db.h"

typedef enum credential_kind {
    CREDENTIAL_PERSON,  /* sessions.person_id; audit actor "person:ID" */
    CREDENTIAL_OFFICER, /* officer_sessions.officer_id; audit actor "officer:ID" */
} credential_kind_t;

#define CREDENTIAL_TAG_MAX 16 /* bytes of credential_session_find's tag (an officer's role) */

/* When an officer's session counts, over `officer_sessions s JOIN officers o
 * ON o.id = s.officer_id`: under its absolute cap and, when it has an
 * inactivity limit, touched within it, and its officer not disabled. Binds,
 * in order: the token hash, now, now. credential_session_find and the
 * desk's one-statement reads (OFFICER_READ_SQL, store/officer.h) both use
 * this text, so the two cannot disagree on who is logged in. */
#define CREDENTIAL_OFFICER_LIVE_SQL                                                                                    \
    "s.token_hash = ? AND s.expires_at > ? AND o.disabled_at IS NULL"                                                  \
    " AND (s.idle_s IS NULL OR COALESCE(s.last_seen_at, s.created_at) + s.idle_s > ?)"

/* True when pw matches the stored argon2id hash. stored "" (no account, or
 * one without a password yet) still spends one argon2id computation and
 * returns false, so timing does not tell which part was wrong. The caller
 * wipes pw. */
bool credential_password_ok(const char *stored, const char *pw);

/* A new session row. Fields one kind does not have are ignored. */
typedef struct credential_session {
    int64_t subject_id; /* person or officer id */
    int64_t now;        /* created, and last used */
    int64_t expires_at;
    int64_t max_expires_at; /* persons: the absolute cap renewals slide up to */
    int64_t idle_s;         /* officers: the inactivity limit (> 0) */
    const char *device;     /* persons: a label of the device; NULL is "" */
} credential_session_t;

/* Inserts the row with a new token: the token (shown once) in ret_token, only
 * its hash stored. A person's password counts as just checked (recheck_at =
 * now). Writes no audit event: each kind names its own. */
int credential_session_open(db_t *db, credential_kind_t kind, const credential_session_t *s,
    char ret_token[SECRET_TOKEN_CHARS + 1], err_t *err);

/* The subject of a live session: a person's session until expires_at; an
 * officer's also within its inactivity limit and while the officer is not
 * disabled. For an officer the role's name is copied to tag (cap bytes, may
 * be NULL for persons). -EACCES (unauthorized) when there is none. */
int credential_session_find(db_t *db, credential_kind_t kind, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now,
    int64_t *ret_subject_id, char *tag, size_t cap, err_t *err);

/* Log out: deletes the session of token_hash and writes the kind's audit
 * event (session.ended, officer.session_ended). -EACCES (unauthorized) when
 * the token is unknown. */
int credential_session_end(
    db_t *db, credential_kind_t kind, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, err_t *err);

/* Deletes every session of one subject (a new password, a reset, a disabled
 * officer); the number deleted in *ret_ended (may be NULL). No audit event:
 * the caller's event says why. */
int credential_sessions_end_all(db_t *db, credential_kind_t kind, int64_t subject_id, int64_t *ret_ended, err_t *err);

/* Deletes expired sessions of both kinds; the number in *ret_deleted. */
int credential_sessions_purge(db_t *db, int64_t now, int64_t *ret_deleted, err_t *err);
