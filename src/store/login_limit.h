#pragma once
/* Failed log-in limits kept in the database (issue 12), so that every uchetd
 * on one database shares them and parallel requests cannot slip past.
 *
 * An attempt is counted BEFORE its password is hashed: login_limit_reserve
 * adds one to three counters in the caller's write transaction and refuses
 * (nothing counted) when any of them is full. Only a success gives the count
 * back (login_limit_clear). Counters, each a fixed window:
 *
 *   pair    (account, client address)  LIMIT_LOGIN_FAILS_ACCOUNT per LIMIT_LOGIN_WINDOW_S
 *   address (client address)           LIMIT_LOGIN_FAILS_ADDRESS per LIMIT_LOGIN_WINDOW_S
 *   account (every address together)   LIMIT_LOGIN_FAILS_PERSON per LIMIT_LOGIN_PERSON_WINDOW_S
 *
 * so a stranger's wrong passwords lock only the stranger's address out of
 * that account; the slower account-wide ceiling stops a spread-out guessing.
 * An "account" is a person (every document of one person shares it), an
 * officer login, or an unknown document (limited just the same, so a 429
 * does not tell whether a document exists). Keys are stored as SHA-256
 * digests, not as numbers or addresses. account NULL: an activation code
 * attempt, which has a pair counter (activation, address) and the address
 * counter, and no account-wide one (a code names no account). */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"

#define LOGIN_LIMIT_ACCOUNT_MAX 80 /* bytes of an account name, e.g. "person:123" */
#define LOGIN_LIMIT_ADDR_MAX 64    /* bytes of a client address as text */

/* Counts one attempt of `account` from `addr` at `now` inside the caller's
 * write transaction. *ret_wait = 0 when counted (go on and check the
 * password), else the seconds until a try is allowed (nothing counted). */
int login_limit_reserve(db_t *db, const char *account, const char *addr, int64_t now, int *ret_wait, err_t *err);

/* After a right password: forgets the pair and account counters and gives
 * back the address's count. Inside the caller's write transaction. */
int login_limit_clear(db_t *db, const char *account, const char *addr, err_t *err);

/* Forgets the account-wide counter (a registrar re-issued the activation
 * code: the owner starts afresh). Pair counters run out by themselves. */
int login_limit_forget_account(db_t *db, const char *account, err_t *err);

/* Deletes counters whose windows are over (the purge). */
int login_limit_purge(db_t *db, int64_t now, err_t *err);
