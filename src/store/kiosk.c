#include "store/kiosk.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"

static const char SQL_AUTH[] = "SELECT id FROM kiosks WHERE key_hash = ? AND disabled_at IS NULL";
static const char SQL_ADD[] = "INSERT INTO kiosks (name, key_hash, created_at) VALUES (?, ?, ?) RETURNING id";
static const char SQL_DISABLE[] = "UPDATE kiosks SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL";
static const char SQL_LIST[] = "SELECT id, name, created_at, disabled_at FROM kiosks ORDER BY id";
static const char SQL_S_ADD[] =
    "INSERT INTO enrolment_sessions (id, kiosk_id, state, created_at, last_activity_at) VALUES (?, ?, 'open', ?, ?)";
/* The kiosk's key checked and its session read in one statement: no row,
 * no such kiosk; a row without a state, no such session of the kiosk. The
 * last column: whether any kiosk's session is idle past the cutoff. */
static const char SQL_S_GET[] =
    "SELECT k.id, s.state, s.created_at, s.last_activity_at, s.prev_hash, s.steps,"
    " CASE WHEN EXISTS (SELECT 1 FROM enrolment_sessions WHERE state = 'open' AND last_activity_at < ?)"
    " THEN 1 ELSE 0 END"
    " FROM kiosks k LEFT JOIN enrolment_sessions s ON s.id = ? AND s.kiosk_id = k.id"
    " WHERE k.key_hash = ? AND k.disabled_at IS NULL";
static const char SQL_S_STEP[] = "UPDATE enrolment_sessions SET prev_hash = ?, steps = ?, last_activity_at = ? "
                                 "WHERE id = ? AND state = 'open' AND prev_hash = ?";
static const char SQL_S_END[] =
    "UPDATE enrolment_sessions SET state = ?, steps = '{}', last_activity_at = ? WHERE id = ? AND state = 'open'";
static const char SQL_S_IDLE[] =
    "SELECT id FROM enrolment_sessions WHERE state = 'open' AND last_activity_at < ? ORDER BY last_activity_at LIMIT ?";
static const char SQL_S_WIPE[] =
    "UPDATE enrolment_sessions SET state = 'wiped', steps = '{}' WHERE id = ? AND state = 'open'"
    " AND last_activity_at < ? RETURNING kiosk_id";
static const char SQL_E_ADD[] =
    "INSERT INTO enrolments (receipt, state, kiosk_id, created_at, file_name, surname, given_names, surname_latin,"
    " given_latin, birth_date, sex, citizenship, document_number, document_expiry)"
    " VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id";
static const char SQL_E_STATUS[] =
    "SELECT state, reason, created_at FROM enrolments WHERE receipt = ? AND birth_date = ?";

/* The kiosk's key and its enrolment in one statement, as SQL_S_GET. */
static const char SQL_E_OWN[] = "SELECT k.id, e.created_at FROM kiosks k"
                                " LEFT JOIN enrolments e ON e.receipt = ? AND e.kiosk_id = k.id"
                                " WHERE k.key_hash = ? AND k.disabled_at IS NULL";

static const char SQL_E_FINDINGS[] = "UPDATE enrolments SET language = ?, findings = ? WHERE receipt = ?";

static void actor_of(char *buf, size_t cap, int64_t id)
{
    snprintf(buf, cap, "kiosk:%lld", (long long)id);
}

static int unknown_key(err_t *err)
{
    return err_set(err, -EACCES, "unauthorized", "The kiosk key is unknown or disabled.");
}

int kiosk_auth(db_t *db, const uint8_t key_hash[SECRET_HASH_BYTES], int64_t *ret_id, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_AUTH, &st, err);
    if (r < 0)
        return r;
    db_bind_blob(st, 1, key_hash, SECRET_HASH_BYTES);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return unknown_key(err);
    *ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

int kiosk_add(db_t *db, int64_t now, const char *name, int64_t *ret_id, char *ret_key, err_t *err)
{
    uint8_t hash[SECRET_HASH_BYTES];
    char key[SECRET_TOKEN_CHARS + 1], subject[40];
    db_stmt_t *st;
    int r = db_prepare(db, SQL_ADD, &st, err);
    if (r < 0)
        return r;
    secret_token_new(key, hash);
    db_bind_text(st, 1, name);
    db_bind_blob(st, 2, hash, sizeof hash);
    db_bind_int(st, 3, now);
    if ((r = db_step(st, err)) != 1) {
        sodium_memzero(key, sizeof key);
        return r < 0 ? r : err_set(err, -EIO, "storage_failed", "Insert returned no id.");
    }
    int64_t id = db_col_int(st, 0);
    db_run(st, NULL);
    actor_of(subject, sizeof subject, id);
    json_t *d = json_pack("{s:s}", "name", name);
    r = audit_append(db, now, "operator", "kiosk.created", subject, d, err);
    json_decref(d);
    if (r < 0) {
        sodium_memzero(key, sizeof key);
        return r;
    }
    *ret_id = id;
    memcpy(ret_key, key, sizeof key);
    sodium_memzero(key, sizeof key);
    return 0;
}

int kiosk_disable(db_t *db, int64_t now, int64_t id, err_t *err)
{
    db_stmt_t *st;
    char subject[40];
    int r = db_prepare(db, SQL_DISABLE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, id);
    if ((r = db_run(st, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(err, -ENOENT, "not_found", "No such kiosk, or it is already disabled.");
    actor_of(subject, sizeof subject, id);
    return audit_append(db, now, "operator", "kiosk.disabled", subject, NULL, err);
}

int kiosk_list(db_t *db, void (*fn)(void *ctx, int64_t id, const char *name, int64_t created_at, int64_t disabled_at),
    void *ctx, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LIST, &st, err);
    if (r < 0)
        return r;
    while ((r = db_step(st, err)) == 1)
        fn(ctx, db_col_int(st, 0), db_col_text(st, 1), db_col_int(st, 2), db_col_null(st, 3) ? 0 : db_col_int(st, 3));
    return r;
}

int kiosk_session_create(db_t *db, int64_t kiosk_id, int64_t now, char ret_id[KIOSK_SESSION_ID_CHARS + 1], err_t *err)
{
    uint8_t raw[KIOSK_SESSION_ID_CHARS / 2];
    char id[KIOSK_SESSION_ID_CHARS + 1], actor[40];
    db_stmt_t *st;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, sizeof id, raw, sizeof raw);
    int r = db_prepare(db, SQL_S_ADD, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, id);
    db_bind_int(st, 2, kiosk_id);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, now);
    if ((r = db_run(st, err)) < 0)
        return r;
    actor_of(actor, sizeof actor, kiosk_id);
    json_t *d = json_pack("{s:s}", "session", id);
    r = audit_append(db, now, actor, "kiosk.session_started", actor, d, err);
    json_decref(d);
    if (r == 0)
        memcpy(ret_id, id, sizeof id);
    return r;
}

int kiosk_session_load(db_t *db, const uint8_t key_hash[SECRET_HASH_BYTES], const char *id, int64_t idle_cutoff,
    kiosk_session_t *ret, bool *ret_idle, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_S_GET, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, idle_cutoff);
    db_bind_text(st, 2, id);
    db_bind_blob(st, 3, key_hash, SECRET_HASH_BYTES);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return unknown_key(err);
    *ret_idle = db_col_int(st, 6) != 0;
    if (db_col_null(st, 1)) {
        db_run(st, NULL);
        return err_set(err, -ENOENT, "session_not_found", "This kiosk has no such enrolment session.");
    }
    kiosk_session_t s = {0};
    snprintf(s.id, sizeof s.id, "%s", id);
    s.kiosk_id = db_col_int(st, 0);
    db_col_copy(st, 1, s.state, sizeof s.state);
    s.created_at = db_col_int(st, 2);
    s.last_activity_at = db_col_int(st, 3);
    db_col_copy(st, 4, s.prev_hash, sizeof s.prev_hash);
    const char *steps = db_col_text(st, 5);
    s.steps = strdup(steps ? steps : "{}");
    db_run(st, NULL);
    if (!s.steps)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    *ret = s;
    return 0;
}

int kiosk_session_step(
    db_t *db, const kiosk_session_t *s, const char *expect_prev, const char *step, int64_t now, err_t *err)
{
    db_stmt_t *st;
    char actor[40];
    if (strlen(s->steps) > KIOSK_STEPS_MAX)
        return err_set(err, -E2BIG, "session_too_large", "The session holds too much step data.");
    int r = db_prepare(db, SQL_S_STEP, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, s->prev_hash);
    db_bind_text(st, 2, s->steps);
    db_bind_int(st, 3, now);
    db_bind_text(st, 4, s->id);
    db_bind_text(st, 5, expect_prev);
    if ((r = db_run(st, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(err, -ESTALE, "session_changed",
            "The session changed meanwhile (another capture, a submit or a wipe); reload it.");
    actor_of(actor, sizeof actor, s->kiosk_id);
    json_t *d = json_pack("{s:s,s:s}", "session", s->id, "step", step);
    r = audit_append(db, now, actor, "kiosk.step", actor, d, err);
    json_decref(d);
    return r;
}

int kiosk_session_end(db_t *db, const kiosk_session_t *s, const char *state, int64_t now, err_t *err)
{
    db_stmt_t *st;
    char actor[40], action[40];
    int r = db_prepare(db, SQL_S_END, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, state);
    db_bind_int(st, 2, now);
    db_bind_text(st, 3, s->id);
    if ((r = db_run(st, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(err, -ESTALE, "session_changed", "The session is no longer open.");
    actor_of(actor, sizeof actor, s->kiosk_id);
    snprintf(action, sizeof action, "kiosk.session_%s", state);
    json_t *d = json_pack("{s:s}", "session", s->id);
    r = audit_append(db, now, actor, action, actor, d, err);
    json_decref(d);
    return r;
}

int kiosk_session_idle(
    db_t *db, int64_t cutoff, char (*ret_ids)[KIOSK_SESSION_ID_CHARS + 1], int cap, int *ret_n, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_S_IDLE, &st, err), n = 0;
    if (r < 0)
        return r;
    db_bind_int(st, 1, cutoff);
    db_bind_int(st, 2, cap);
    while (n < cap && (r = db_step(st, err)) == 1)
        db_col_copy(st, 0, ret_ids[n++], KIOSK_SESSION_ID_CHARS + 1);
    if (r < 0)
        return r;
    db_run(st, NULL);
    *ret_n = n;
    return 0;
}

int kiosk_session_wipe(db_t *db, const char *id, int64_t cutoff, int64_t now, err_t *err)
{
    db_stmt_t *st;
    char actor[40];
    int r = db_prepare(db, SQL_S_WIPE, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, id);
    db_bind_int(st, 2, cutoff);
    if ((r = db_step(st, err)) <= 0)
        return r;
    actor_of(actor, sizeof actor, db_col_int(st, 0));
    db_run(st, NULL);
    json_t *d = json_pack("{s:s}", "session", id);
    r = audit_append(db, now, actor, "kiosk.session_wiped", actor, d, err);
    json_decref(d);
    return r < 0 ? r : 1;
}

bool kiosk_receipt_valid(const char *s, size_t len)
{
    if (len != KIOSK_RECEIPT_CHARS)
        return false;
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        int d = s[i] - '0';
        if ((len - 1 - i) % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

/* 11 random digits and the Luhn digit that makes kiosk_receipt_valid true. */
static void receipt_new(char ret[KIOSK_RECEIPT_CHARS + 1])
{
    int sum = 0;
    for (int i = 0; i < KIOSK_RECEIPT_CHARS - 1; i++)
        ret[i] = (char)('0' + (i == 0 ? 1 + randombytes_uniform(9) : randombytes_uniform(10)));
    for (int i = KIOSK_RECEIPT_CHARS - 2, dbl = 1; i >= 0; i--, dbl = !dbl) {
        int d = ret[i] - '0';
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    ret[KIOSK_RECEIPT_CHARS - 1] = (char)('0' + (10 - sum % 10) % 10);
    ret[KIOSK_RECEIPT_CHARS] = '\0';
}

int kiosk_enrolment_add(db_t *db, int64_t kiosk_id, int64_t now, const kiosk_details_t *d, const char *file_name,
    char ret_receipt[KIOSK_RECEIPT_CHARS + 1], err_t *err)
{
    char receipt[KIOSK_RECEIPT_CHARS + 1], actor[40], subject[40];
    db_stmt_t *st;
    for (int attempt = 0; attempt < 8; attempt++) {
        receipt_new(receipt);
        int r = db_prepare(db, SQL_E_ADD, &st, err);
        if (r < 0)
            return r;
        db_bind_text(st, 1, receipt);
        db_bind_int(st, 2, kiosk_id);
        db_bind_int(st, 3, now);
        db_bind_text(st, 4, file_name);
        db_bind_text(st, 5, d->surname);
        db_bind_text(st, 6, d->given_names);
        db_bind_text(st, 7, d->surname_latin);
        db_bind_text(st, 8, d->given_latin);
        db_bind_text(st, 9, d->birth_date);
        db_bind_text(st, 10, d->sex);
        db_bind_text(st, 11, d->citizenship);
        db_bind_text(st, 12, d->doc_number);
        db_bind_text(st, 13, d->doc_expiry);
        if ((r = db_step(st, err)) < 0)
            return r;
        if (r == 0)
            continue; /* the receipt exists: draw another */
        int64_t id = db_col_int(st, 0);
        db_run(st, NULL);
        actor_of(actor, sizeof actor, kiosk_id);
        snprintf(subject, sizeof subject, "enrolment:%lld", (long long)id);
        if ((r = audit_append(db, now, actor, "kiosk.enrolment_submitted", subject, NULL, err)) < 0)
            return r;
        memcpy(ret_receipt, receipt, sizeof receipt);
        return 0;
    }
    return err_set(err, -EIO, "storage_failed", "No free receipt number was found.");
}

int kiosk_enrolment_status(db_t *db, const char *receipt, const char *birth_date, char ret_state[12], char *ret_reason,
    size_t reason_cap, int64_t *ret_created_at, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_E_STATUS, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, receipt);
    db_bind_text(st, 2, birth_date);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -ENOENT, "enrolment_not_found", "No enrolment has this receipt and birth date.");
    db_col_copy(st, 0, ret_state, 12);
    db_col_copy(st, 1, ret_reason, reason_cap);
    *ret_created_at = db_col_int(st, 2);
    db_run(st, NULL);
    return 0;
}

int kiosk_enrolment_submitted_at(
    db_t *db, const uint8_t key_hash[SECRET_HASH_BYTES], const char *receipt, int64_t *ret_at, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_E_OWN, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, receipt);
    db_bind_blob(st, 2, key_hash, SECRET_HASH_BYTES);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return unknown_key(err);
    bool found = !db_col_null(st, 1);
    *ret_at = found ? db_col_int(st, 1) : 0;
    db_run(st, NULL);
    return found ? 0
                 : err_set(err, -ENOENT, "enrolment_not_found", "This kiosk submitted no enrolment with this receipt.");
}

int kiosk_enrolment_findings(db_t *db, const char *receipt, const char *language, const char *findings, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_E_FINDINGS, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, language[0] ? language : "ru");
    db_bind_text(st, 2, findings);
    db_bind_text(st, 3, receipt);
    return db_run(st, err);
}
