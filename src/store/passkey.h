#pragma once
/* Passkeys (WebAuthn credentials, docs/PASSKEYS.md): a person's registered
 * credentials and the single-use challenges the server issues.
 *
 * Ownership: every op below is a caller-owned struct (store_op_t first);
 * its input buffers are copied into it by the handler, and the ops keep no
 * pointer after post. The WebAuthn checks themselves are rules/webauthn.h
 * (pure); these ops only hand them the stored bytes and record the result.
 *
 * A log-in is two ops, like a password log-in (store/session.h): the
 * first (WRITE) takes the challenge (it is gone whatever follows), finds
 * the credential, counts the attempt in the log-in limits
 * (store/login_limit.h) and commits; the second (SLOW) verifies and, only
 * when all is right, moves the counter, opens the session and gives the
 * attempt back in one transaction. A failed verification stays counted.
 * The checks cost about 1.5 ms (OpenSSL 3 builds the key from its
 * parameters each time), so they run on the SLOW lane outside any
 * transaction and never hold the writer. */
#include <stdbool.h>
#include <stdint.h>

#include "base/secret.h"
#include "rules/webauthn.h"
#include "store/login_limit.h"
#include "store/session.h"
#include "store/store.h"

#define PASSKEY_CHALLENGE_TTL_S 300 /* a ceremony must end within this */
#define PASSKEY_PER_PERSON_MAX 10   /* credentials one person may have */
#define PASSKEY_LIST_MAX PASSKEY_PER_PERSON_MAX
#define PASSKEY_RP_MAX 256 /* bytes of an RP ID or origin */

/* WRITE lane. Issues a challenge: for registration (for_login false) to the
 * session's person (-EACCES unauthorized otherwise), for a log-in to
 * anyone. Deletes expired challenges on the way, so the table stays small
 * without a sweep. For registration also returns the person's credential
 * ids (excludeCredentials) in ret_exclude. */
typedef struct passkey_challenge_op {
    store_op_t op;
    int64_t now;
    bool for_login;
    uint8_t token_hash[SECRET_HASH_BYTES];
    uint8_t ret_challenge[WEBAUTHN_CHALLENGE_BYTES];
    int64_t ret_person_id;
    int64_t ret_expires_at;
    int ret_nexclude;
    uint8_t ret_exclude[PASSKEY_PER_PERSON_MAX][WEBAUTHN_CRED_ID_MAX];
    size_t ret_exclude_len[PASSKEY_PER_PERSON_MAX];
} passkey_challenge_op_t;
void passkey_challenge_op_init(passkey_challenge_op_t *o);

/* SLOW lane. Registers a credential for the session's person: checks the
 * answer first (rules/webauthn.h, UV required), then in one transaction
 * takes the registration challenge clientDataJSON names (-EINVAL
 * passkey_challenge_invalid when it was not issued to this person or is
 * used or expired), stores the credential and audits "passkey.added".
 * -EEXIST (passkey_exists) for a credential id already registered, -EPERM
 * (passkey_limit) past PASSKEY_PER_PERSON_MAX. */
typedef struct passkey_register_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
    char rp_id[PASSKEY_RP_MAX];
    char origin[PASSKEY_RP_MAX];
    uint8_t client_data[WEBAUTHN_INPUT_MAX];
    size_t client_data_len;
    uint8_t att_obj[WEBAUTHN_INPUT_MAX];
    size_t att_obj_len;
    int64_t ret_id;
    int64_t ret_created_at;
} passkey_register_op_t;
void passkey_register_op_init(passkey_register_op_t *o);

typedef struct passkey_info {
    int64_t id;
    int64_t created_at;
    int64_t last_used_at; /* 0: never */
} passkey_info_t;

/* READ lane, one statement. The session person's passkeys, oldest first.
 * -EACCES (unauthorized). */
typedef struct passkey_list_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int ret_n;
    passkey_info_t ret[PASSKEY_LIST_MAX];
} passkey_list_op_t;
void passkey_list_op_init(passkey_list_op_t *o);

/* WRITE lane. Deletes one of the session person's passkeys; -ENOENT
 * (passkey_not_found) when it is not theirs or not there. Audits
 * "passkey.removed". */
typedef struct passkey_delete_op {
    store_op_t op;
    int64_t now;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t id;
} passkey_delete_op_t;
void passkey_delete_op_init(passkey_delete_op_t *o);

/* Deletes every passkey of person_id inside the caller's write transaction:
 * a re-issued activation code (store/session.h, session_reissue_op) means
 * the phone may be lost, and its passkey must not open the record again.
 * *ret_removed: how many. */
int passkey_remove_person(db_t *db, int64_t person_id, int64_t *ret_removed, err_t *err);

/* WRITE lane, the first step of a passkey log-in (see the top). Never
 * fails for a wrong answer, so that the count commits: ret_challenge_ok
 * false (an unknown, used or expired challenge) or ret_person_id 0 (an
 * unknown credential) are for the handler to refuse; ret_wait > 0 means
 * the limits refused (nothing counted, the challenge is still used up). */
typedef struct passkey_login_start_op {
    store_op_t op;
    int64_t now;
    char addr[LOGIN_LIMIT_ADDR_MAX];
    uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES];
    uint8_t cred_id[WEBAUTHN_CRED_ID_MAX];
    size_t cred_id_len;
    bool ret_challenge_ok;
    int ret_wait;
    int64_t ret_person_id;
    int64_t ret_passkey_id;
    uint32_t ret_sign_count;
    uint8_t ret_cose[WEBAUTHN_COSE_MAX];
    size_t ret_cose_len;
    char ret_account[LOGIN_LIMIT_ACCOUNT_MAX];
} passkey_login_start_op_t;
void passkey_login_start_op_init(passkey_login_start_op_t *o);

/* SLOW lane, the second step: verifies the assertion against what the
 * first step found (rules/webauthn.h, UV required), stores the new counter
 * (-EACCES webauthn_counter when another log-in moved it meanwhile), opens
 * a session (session_create) and clears the attempt. */
typedef struct passkey_login_op {
    store_op_t op;
    int64_t now;
    char addr[LOGIN_LIMIT_ADDR_MAX];
    char account[LOGIN_LIMIT_ACCOUNT_MAX];
    char rp_id[PASSKEY_RP_MAX];
    char origin[PASSKEY_RP_MAX];
    uint8_t challenge[WEBAUTHN_CHALLENGE_BYTES];
    int64_t person_id;
    int64_t passkey_id;
    uint32_t sign_count;
    uint8_t cose[WEBAUTHN_COSE_MAX];
    size_t cose_len;
    uint8_t client_data[WEBAUTHN_INPUT_MAX];
    size_t client_data_len;
    uint8_t auth_data[WEBAUTHN_INPUT_MAX];
    size_t auth_data_len;
    uint8_t sig[1024];
    size_t sig_len;
    session_result_t ret;
} passkey_login_op_t;
void passkey_login_op_init(passkey_login_op_t *o);
