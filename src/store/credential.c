#include "store/credential.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"

/* What differs between the two kinds is data, not code: the SQL, the audit
 * words and the noun in messages. */
typedef struct kind_desc {
    const char *sql_insert;
    const char *sql_find; /* token hash, then `now` for every other `?` */
    int find_nows;
    const char *sql_end; /* RETURNING the subject id */
    const char *sql_end_all;
    const char *sql_purge;
    const char *actor; /* audit actor's prefix */
    const char *ended_event;
    const char *noun; /* "The %s is unknown or has expired" */
} kind_desc_t;

/* An officer's session counts while under its absolute cap and, when it has
 * an inactivity limit, touched within it; a disabled officer's sessions end
 * at once. */
static const kind_desc_t kinds[] = {
    [CREDENTIAL_PERSON] =
        {
            .sql_insert = "INSERT INTO sessions (token_hash, person_id, created_at, expires_at, last_used_at,"
                          " max_expires_at, recheck_at, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            .sql_find = "SELECT person_id FROM sessions WHERE token_hash = ? AND expires_at > ?",
            .find_nows = 1,
            .sql_end = "DELETE FROM sessions WHERE token_hash = ? RETURNING person_id",
            .sql_end_all = "DELETE FROM sessions WHERE person_id = ?",
            .sql_purge = "DELETE FROM sessions WHERE expires_at <= ?",
            .actor = "person",
            .ended_event = "session.ended",
            .noun = "session",
        },
    [CREDENTIAL_OFFICER] =
        {
            .sql_insert = "INSERT INTO officer_sessions (token_hash, officer_id, created_at, expires_at, last_seen_at,"
                          " idle_s) VALUES (?, ?, ?, ?, ?, ?)",
            .sql_find = "SELECT o.id, o.role FROM officer_sessions s JOIN officers o ON o.id = s.officer_id"
                        " WHERE " CREDENTIAL_OFFICER_LIVE_SQL,
            .find_nows = 2,
            .sql_end = "DELETE FROM officer_sessions WHERE token_hash = ? RETURNING officer_id",
            .sql_end_all = "DELETE FROM officer_sessions WHERE officer_id = ?",
            .sql_purge = "DELETE FROM officer_sessions WHERE expires_at <= ?",
            .actor = "officer",
            .ended_event = "officer.session_ended",
            .noun = "desk session",
        },
};

bool credential_password_ok(const char *stored, const char *pw)
{
    if (stored[0])
        return secret_password_verify(stored, pw, strlen(pw));
    char burn[SECRET_PWHASH_MAX];
    secret_password_hash(pw, strlen(pw), 0, 0, burn);
    return false;
}

int credential_session_open(
    db_t *db, credential_kind_t kind, const credential_session_t *s, char ret_token[SECRET_TOKEN_CHARS + 1], err_t *err)
{
    uint8_t hash[SECRET_HASH_BYTES];
    db_stmt_t *st;
    int r = db_prepare(db, kinds[kind].sql_insert, &st, err);
    if (r < 0)
        return r;
    secret_token_new(ret_token, hash);
    db_bind_blob(st, 1, hash, sizeof hash);
    db_bind_int(st, 2, s->subject_id);
    db_bind_int(st, 3, s->now);
    db_bind_int(st, 4, s->expires_at);
    db_bind_int(st, 5, s->now);
    if (kind == CREDENTIAL_OFFICER) {
        db_bind_int(st, 6, s->idle_s);
    } else {
        db_bind_int(st, 6, s->max_expires_at);
        db_bind_int(st, 7, s->now); /* the password was just typed */
        db_bind_text(st, 8, s->device ? s->device : "");
    }
    return db_run(st, err);
}

int credential_session_find(db_t *db, credential_kind_t kind, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now,
    int64_t *ret_subject_id, char *tag, size_t cap, err_t *err)
{
    const kind_desc_t *k = &kinds[kind];
    db_stmt_t *st;
    int r = db_prepare(db, k->sql_find, &st, err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, token_hash, SECRET_HASH_BYTES);
    for (int i = 0; i < k->find_nows; i++)
        db_bind_int(st, 2 + i, now);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -EACCES, "unauthorized", "The %s is unknown or has expired; log in again.", k->noun);
    *ret_subject_id = db_col_int(st, 0);
    if (tag && kind == CREDENTIAL_OFFICER)
        db_col_copy(st, 1, tag, cap);
    db_run(st, NULL);
    return 0;
}

int credential_session_end(
    db_t *db, credential_kind_t kind, const uint8_t token_hash[SECRET_HASH_BYTES], int64_t now, err_t *err)
{
    const kind_desc_t *k = &kinds[kind];
    db_stmt_t *st;
    int r = db_prepare(db, k->sql_end, &st, err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, token_hash, SECRET_HASH_BYTES);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -EACCES, "unauthorized", "The %s is unknown or has expired.", k->noun);
    char actor[40];
    snprintf(actor, sizeof actor, "%s:%lld", k->actor, (long long)db_col_int(st, 0));
    db_run(st, NULL);
    return audit_append(db, now, actor, k->ended_event, actor, NULL, err);
}

int credential_sessions_end_all(db_t *db, credential_kind_t kind, int64_t subject_id, int64_t *ret_ended, err_t *err)
{
    int r = db_run_ints(db, kinds[kind].sql_end_all, &subject_id, 1, err);
    if (r == 0 && ret_ended)
        *ret_ended = db_changes(db);
    return r;
}

int credential_sessions_purge(db_t *db, int64_t now, int64_t *ret_deleted, err_t *err)
{
    int64_t n = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        int r = db_run_ints(db, kinds[i].sql_purge, &now, 1, err);
        if (r < 0)
            return r;
        n += db_changes(db);
    }
    *ret_deleted = n;
    return 0;
}
