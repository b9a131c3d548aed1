#include "store/login_limit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "base/secret.h"

enum { KEY_PAIR, KEY_ADDR, KEY_ACCOUNT, NKEYS };

static const struct {
    int max, window_s;
} LIMITS[NKEYS] = {
    [KEY_PAIR] = {LIMIT_LOGIN_FAILS_ACCOUNT, LIMIT_LOGIN_WINDOW_S},
    [KEY_ADDR] = {LIMIT_LOGIN_FAILS_ADDRESS, LIMIT_LOGIN_WINDOW_S},
    [KEY_ACCOUNT] = {LIMIT_LOGIN_FAILS_PERSON, LIMIT_LOGIN_PERSON_WINDOW_S},
};

static const char SQL_COUNT[] =
    "INSERT INTO login_limits (key, window_start, fails) VALUES (?, ?, 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    " fails = CASE WHEN login_limits.window_start <= ? THEN 1 ELSE login_limits.fails + 1 END,"
    " window_start = CASE WHEN login_limits.window_start <= ? THEN ? ELSE login_limits.window_start END"
    " RETURNING fails, window_start";
static const char SQL_UNCOUNT[] = "UPDATE login_limits SET fails = fails - 1 WHERE key = ? AND fails > 0";
static const char SQL_FORGET[] = "DELETE FROM login_limits WHERE key = ?";
static const char SQL_PURGE[] = "DELETE FROM login_limits WHERE window_start <= ?";

/* Hex SHA-256 of the key's kind and parts: no address or number is stored. */
static void key_of(int kind, const char *account, const char *addr, char ret[2 * SECRET_HASH_BYTES + 1])
{
    char buf[LOGIN_LIMIT_ACCOUNT_MAX + LOGIN_LIMIT_ADDR_MAX + 32];
    static const char *const prefix[NKEYS] = {"pair", "addr", "account"};
    if (!account)
        account = "(activation)";
    snprintf(buf, sizeof buf, "uchet-login-v1|%s|%s|%s", prefix[kind], kind == KEY_ADDR ? "" : account,
        kind == KEY_ACCOUNT ? "" : addr);
    uint8_t h[SECRET_HASH_BYTES];
    secret_hash(buf, strlen(buf), h);
    for (int i = 0; i < SECRET_HASH_BYTES; i++)
        snprintf(ret + 2 * i, 3, "%02x", h[i]);
}

static int run_key(db_t *db, const char *sql, const char *key, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, sql, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, key);
    return db_run(st, err);
}

int login_limit_reserve(db_t *db, const char *account, const char *addr, int64_t now, int *ret_wait, err_t *err)
{
    char keys[NKEYS][2 * SECRET_HASH_BYTES + 1];
    int wait = 0, counted = 0, r = 0;
    int nkeys = account ? NKEYS : KEY_ACCOUNT; /* activation: no account-wide counter */
    for (int k = 0; k < nkeys && r == 0; k++) {
        key_of(k, account, addr, keys[k]);
        db_stmt_t *st;
        if ((r = db_prepare(db, SQL_COUNT, &st, err)) < 0)
            break;
        int64_t stale = now - LIMITS[k].window_s;
        db_bind_text(st, 1, keys[k]);
        db_bind_int(st, 2, now);
        db_bind_int(st, 3, stale);
        db_bind_int(st, 4, stale);
        db_bind_int(st, 5, now);
        if ((r = db_step(st, err)) < 0)
            break;
        if (r == 0) {
            r = err_set(err, -EIO, "storage_failed", "The log-in counter was not written.");
            break;
        }
        int64_t fails = db_col_int(st, 0), start = db_col_int(st, 1);
        db_run(st, NULL);
        r = 0;
        counted = k + 1;
        if (fails > LIMITS[k].max) {
            int w = (int)(start + LIMITS[k].window_s - now);
            if (w < 1)
                w = 1;
            if (w > wait)
                wait = w;
        }
    }
    /* Refused: give every count back, so that tries answered 429 do not
     * count (a stranger's 429s never fill the account's ceiling). */
    if (r < 0 || wait > 0)
        for (int k = 0; k < counted; k++) {
            int r2 = run_key(db, SQL_UNCOUNT, keys[k], err);
            if (r2 < 0 && r == 0)
                r = r2;
        }
    if (r < 0)
        return r;
    *ret_wait = wait;
    return 0;
}

int login_limit_clear(db_t *db, const char *account, const char *addr, err_t *err)
{
    char key[2 * SECRET_HASH_BYTES + 1];
    key_of(KEY_PAIR, account, addr, key);
    int r = run_key(db, SQL_FORGET, key, err);
    if (r == 0 && account) {
        key_of(KEY_ACCOUNT, account, addr, key);
        r = run_key(db, SQL_FORGET, key, err);
    }
    if (r == 0) {
        key_of(KEY_ADDR, account, addr, key);
        r = run_key(db, SQL_UNCOUNT, key, err);
    }
    return r;
}

int login_limit_forget_account(db_t *db, const char *account, err_t *err)
{
    char key[2 * SECRET_HASH_BYTES + 1];
    key_of(KEY_ACCOUNT, account, "", key);
    return run_key(db, SQL_FORGET, key, err);
}

int login_limit_purge(db_t *db, int64_t now, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_PURGE, &st, err);
    if (r < 0)
        return r;
    int longest =
        LIMIT_LOGIN_WINDOW_S > LIMIT_LOGIN_PERSON_WINDOW_S ? LIMIT_LOGIN_WINDOW_S : LIMIT_LOGIN_PERSON_WINDOW_S;
    db_bind_int(st, 1, now - longest);
    return db_run(st, err);
}
