#include "store/enrolment.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "store/audit.h"
#include "store/person.h"

#define COLS                                                                                                           \
    "id, receipt, state, reason, kiosk_id, created_at, decided_at, claimed_by, claimed_at, decided_by,"                \
    " person_id, letter_at, file_name, language, surname, given_names, surname_latin, given_latin,"                    \
    " birth_date, sex, citizenship, document_number, document_expiry, findings"
#define NCOLS 24 /* the columns of COLS */
#define COLS_NULL                                                                                                      \
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"      \
    " NULL, NULL, NULL, NULL, NULL, NULL"
#define DUPS_MAX "20" /* other enrolments shown as possible duplicates */
static const char SQL_LIST[] = OFFICER_READ_SQL("t.*",
    "SELECT " COLS " FROM enrolments WHERE state = ? AND " OFFICER_ME_ALLOWED " ORDER BY created_at, id LIMIT ?",
    "t.created_at, t.id");
static const char SQL_GET[] = "SELECT " COLS " FROM enrolments WHERE receipt = ?";
/* The enrolment (k = 0: COLS, then whether a person holds its passport
 * number, or its Latin names and birth date: a person is flagged, never
 * shown), then the other enrolments like it (k = 1: receipt, state, whether
 * by the number), oldest first; one statement. persons keep the Latin names
 * as surname / given_names (uchetctl person add, approval). */
static const char SQL_REVIEW[] = OFFICER_READ_SQL("t.*",
    "SELECT " COLS ", 0 AS k, e.created_at AS c,"
    " CASE WHEN EXISTS (SELECT 1 FROM documents WHERE kind = 'passport' AND number = e.document_number)"
    " THEN 1 ELSE 0 END AS person_doc,"
    " CASE WHEN EXISTS (SELECT 1 FROM persons p WHERE p.surname = e.surname_latin AND p.given_names = e.given_latin"
    " AND p.birth_date = e.birth_date) THEN 1 ELSE 0 END AS person_names,"
    " NULL AS dup_receipt, NULL AS dup_state, NULL AS dup_by_doc"
    " FROM enrolments e WHERE e.receipt = ? AND " OFFICER_ME_ALLOWED " UNION ALL SELECT " COLS_NULL
    ", 1, d.created_at, NULL, NULL, d.receipt, d.state,"
    " CASE WHEN d.document_number = e.document_number THEN 1 ELSE 0 END"
    " FROM enrolments e JOIN enrolments d ON d.id <> e.id AND d.state <> 'returned'"
    " AND (d.document_number = e.document_number"
    " OR (d.surname_latin = e.surname_latin AND d.given_latin = e.given_latin AND d.birth_date = e.birth_date))"
    " WHERE e.receipt = ? AND " OFFICER_ME_ALLOWED,
    "t.k, t.c LIMIT 1 + " DUPS_MAX);
enum {
    REVIEW_PERSON_DOC = NCOLS + 2,
    REVIEW_PERSON_NAMES,
    REVIEW_DUP_RECEIPT,
    REVIEW_DUP_STATE,
    REVIEW_DUP_BY_DOC,
    REVIEW_ME
};
static const char SQL_CLAIM[] =
    "UPDATE enrolments SET claimed_by = ?, claimed_at = ? WHERE id = ? AND state = 'pending'";
static const char SQL_CARD_USED[] = "SELECT 1 FROM documents WHERE kind = 'card' AND number = ?";
static const char SQL_DECIDE[] =
    "UPDATE enrolments SET state = ?, reason = ?, decided_at = ?, decided_by = ?, person_id = ?"
    " WHERE id = ? AND state = 'pending' AND claimed_by = ?";
static const char SQL_CARD[] = "SELECT number FROM documents WHERE kind = 'card' AND person_id = ?";
static const char SQL_LETTER[] =
    "UPDATE enrolments SET letter_at = ? WHERE id = ? AND state = 'approved' AND letter_at IS NULL";
static const char SQL_CODE[] =
    "UPDATE persons SET activation_hash = ?, activation_expires_at = ? WHERE id = ? AND password_hash IS NULL";

/* Copies src into dst (cap bytes); the kiosk API bounded every field
 * (names to LIMIT_NAME_BYTES), so nothing is cut in practice. */
static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

static void row_of(db_stmt_t *st, enrolment_t *e, bool findings)
{
    memset(e, 0, sizeof *e);
    e->id = db_col_int(st, 0);
    db_col_copy(st, 1, e->receipt, sizeof e->receipt);
    db_col_copy(st, 2, e->state, sizeof e->state);
    db_col_copy(st, 3, e->reason, sizeof e->reason);
    e->kiosk_id = db_col_int(st, 4);
    e->created_at = db_col_int(st, 5);
    e->decided_at = db_col_int_or_zero(st, 6);
    e->claimed_by = db_col_int_or_zero(st, 7);
    e->claimed_at = db_col_int_or_zero(st, 8);
    e->decided_by = db_col_int_or_zero(st, 9);
    e->person_id = db_col_int_or_zero(st, 10);
    e->letter_at = db_col_int_or_zero(st, 11);
    db_col_copy(st, 12, e->file_name, sizeof e->file_name);
    db_col_copy(st, 13, e->language, sizeof e->language);
    db_col_copy(st, 14, e->d.surname, sizeof e->d.surname);
    db_col_copy(st, 15, e->d.given_names, sizeof e->d.given_names);
    db_col_copy(st, 16, e->d.surname_latin, sizeof e->d.surname_latin);
    db_col_copy(st, 17, e->d.given_latin, sizeof e->d.given_latin);
    db_col_copy(st, 18, e->d.birth_date, sizeof e->d.birth_date);
    db_col_copy(st, 19, e->d.sex, sizeof e->d.sex);
    db_col_copy(st, 20, e->d.citizenship, sizeof e->d.citizenship);
    db_col_copy(st, 21, e->d.doc_number, sizeof e->d.doc_number);
    db_col_copy(st, 22, e->d.doc_expiry, sizeof e->d.doc_expiry);
    copy(e->d.language, sizeof e->d.language, e->language);
    if (findings) {
        const char *f = db_col_text(st, 23);
        e->findings = strdup(f ? f : "{}");
    }
}

void enrolment_clear(enrolment_t *e)
{
    free(e->findings);
    sodium_memzero(e, sizeof *e);
}

int enrolment_list(db_t *db, const officer_token_t *who, const char *state, enrolment_t *ret, int cap, int *ret_n,
    officer_ref_t *ret_me, err_t *err)
{
    db_stmt_t *st;
    int n = 0, r = db_prepare(db, SQL_LIST, &st, err);
    if (r < 0)
        return r;
    officer_read_bind(st, who->token_hash, who->now, who->allowed);
    db_bind_text(st, 5, state);
    db_bind_int(st, 6, cap);
    for (r = officer_read_first(st, NCOLS, who->allowed, ret_me, err); r == 1 && n < cap; r = db_step(st, err))
        row_of(st, &ret[n++], false);
    if (r < 0 || (r = db_run(st, err)) < 0)
        return r;
    *ret_n = n;
    return 0;
}

static void dup_person(json_t *out, const char *match)
{
    json_array_append_new(out, json_pack("{s:s,s:s}", "kind", "person", "match", match));
}

int enrolment_review(db_t *db, const officer_token_t *who, const char *receipt, enrolment_t *ret, json_t *dups,
    officer_ref_t *ret_me, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_REVIEW, &st, err);
    if (r < 0)
        return r;
    officer_read_bind(st, who->token_hash, who->now, who->allowed);
    db_bind_text(st, 5, receipt);
    db_bind_text(st, 6, receipt);
    if ((r = officer_read_first(st, REVIEW_ME, who->allowed, ret_me, err)) < 0)
        return r;
    if (r == 0) {
        db_run(st, NULL);
        return err_set(err, -ENOENT, "enrolment_not_found", "No enrolment has this receipt.");
    }
    row_of(st, ret, true); /* k = 0 sorts first */
    if (db_col_int(st, REVIEW_PERSON_DOC))
        dup_person(dups, "document_number");
    if (db_col_int(st, REVIEW_PERSON_NAMES))
        dup_person(dups, "names_birth_date");
    while ((r = db_step(st, err)) == 1)
        json_array_append_new(
            dups, json_pack("{s:s,s:s,s:s,s:s}", "kind", "enrolment", "match",
                      db_col_int(st, REVIEW_DUP_BY_DOC) ? "document_number" : "names_birth_date", "receipt",
                      db_col_text(st, REVIEW_DUP_RECEIPT), "state", db_col_text(st, REVIEW_DUP_STATE)));
    if (r == 0 && !ret->findings)
        r = err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    if (r < 0)
        enrolment_clear(ret);
    return r;
}

int enrolment_get(db_t *db, const char *receipt, enrolment_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_GET, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, receipt);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -ENOENT, "enrolment_not_found", "No enrolment has this receipt.");
    row_of(st, ret, true);
    db_run(st, NULL);
    if (!ret->findings)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    return 0;
}

/* 1 when the query with up to three text parameters finds a row. */
static int exists(db_t *db, const char *sql, const char *a, const char *b, const char *c, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, sql, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, a);
    if (b)
        db_bind_text(st, 2, b);
    if (c)
        db_bind_text(st, 3, c);
    if ((r = db_step(st, err)) == 1)
        db_run(st, NULL);
    return r;
}

static bool claim_live(const enrolment_t *e, int64_t now)
{
    return e->claimed_by && now - e->claimed_at <= ENROLMENT_CLAIM_TTL_S;
}

int enrolment_claim_check(const enrolment_t *e, const officer_ref_t *me, int64_t now, err_t *err)
{
    if (strcmp(e->state, "pending") != 0)
        return err_set(err, -EEXIST, "enrolment_decided", "This enrolment is already decided.");
    if (claim_live(e, now) && e->claimed_by == me->id)
        return 0;
    if (claim_live(e, now))
        return err_set(err, -EBUSY, "enrolment_claimed", "Another registrar is deciding this enrolment.");
    return err_set(err, -EPERM, "enrolment_not_claimed", "Open the enrolment for decision first.");
}

static void actor_of(char *buf, size_t cap, const officer_ref_t *me)
{
    snprintf(buf, cap, "officer:%lld", (long long)me->id);
}

static int audit(db_t *db, int64_t now, const officer_ref_t *me, const char *action, const enrolment_t *e,
    json_t *detail, err_t *err)
{
    char actor[40], subject[40];
    actor_of(actor, sizeof actor, me);
    snprintf(subject, sizeof subject, "enrolment:%lld", (long long)e->id);
    if (!detail)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    json_object_set_new(detail, "role", json_string(officer_role_name(me->role)));
    int r = audit_append(db, now, actor, action, subject, detail, err);
    json_decref(detail);
    return r;
}

int enrolment_claim(db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now, err_t *err)
{
    int r = enrolment_claim_check(e, me, now, err);
    if (r < 0 && r != -EPERM)
        return r;
    db_stmt_t *st;
    if ((r = db_prepare(db, SQL_CLAIM, &st, err)) < 0)
        return r;
    db_bind_int(st, 1, me->id);
    db_bind_int(st, 2, now);
    db_bind_int(st, 3, e->id);
    if ((r = db_run(st, err)) < 0)
        return r;
    return audit(db, now, me, "enrolment.claimed", e, json_object(), err);
}

int enrolment_image_viewed(
    db_t *db, const enrolment_t *e, const officer_ref_t *me, const char *kind, int64_t now, err_t *err)
{
    return audit(db, now, me, "enrolment.image_viewed", e, json_pack("{s:s}", "image", kind), err);
}

/* A card number nobody holds (drawn again on a clash; 9 random digits make
 * a clash rare). */
static int new_card(db_t *db, char ret[CARD_NUMBER_DIGITS + 1], err_t *err)
{
    for (int i = 0; i < 16; i++) {
        person_card_number_new(ret);
        int r = exists(db, SQL_CARD_USED, ret, NULL, NULL, err);
        if (r <= 0)
            return r;
    }
    return err_set(err, -EIO, "storage_failed", "No free card number was found.");
}

static int decide(db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now, const char *state,
    const char *reason, int64_t person_id, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_DECIDE, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, state);
    db_bind_text(st, 2, reason);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, me->id);
    if (person_id)
        db_bind_int(st, 5, person_id);
    else
        db_bind_null(st, 5);
    db_bind_int(st, 6, e->id);
    db_bind_int(st, 7, me->id);
    if ((r = db_run(st, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(err, -EEXIST, "enrolment_decided", "This enrolment is already decided.");
    return 0;
}

/* The person's citizenship is ISO 3166 alpha-3; ICAO 9303 differs only for
 * Germany's one-letter "D". */
static const char *iso_citizenship(const char *icao)
{
    return strcmp(icao, "D") == 0 ? "DEU" : icao;
}

int enrolment_approve(
    db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now, enrolment_approval_t *a, err_t *err)
{
    int r = enrolment_claim_check(e, me, now, err);
    if (r < 0)
        return r;
    person_add_op_t p;
    person_add_op_init(&p);
    p.now = now;
    snprintf(p.in.surname, sizeof p.in.surname, "%s", e->d.surname_latin);
    snprintf(p.in.given_names, sizeof p.in.given_names, "%s", e->d.given_latin);
    copy(p.in.surname_cyr, sizeof p.in.surname_cyr, e->d.surname);
    copy(p.in.given_names_cyr, sizeof p.in.given_names_cyr, e->d.given_names);
    snprintf(p.in.birth_date, sizeof p.in.birth_date, "%s", e->d.birth_date);
    snprintf(p.in.citizenship, sizeof p.in.citizenship, "%s", iso_citizenship(e->d.citizenship));
    snprintf(p.in.purpose, sizeof p.in.purpose, "%s", a->purpose);
    snprintf(p.in.entry_regime, sizeof p.in.entry_regime, "%s", a->entry_regime);
    snprintf(p.in.language, sizeof p.in.language, "%s", person_language_known(e->language) ? e->language : "ru");
    snprintf(p.doc_kind, sizeof p.doc_kind, "passport");
    snprintf(p.doc_number, sizeof p.doc_number, "%s", e->d.doc_number);
    snprintf(p.second_doc_kind, sizeof p.second_doc_kind, "card");
    /* no one knows this code: the letter sets the one the person gets */
    randombytes_buf(p.code_hash, sizeof p.code_hash);
    if ((r = new_card(db, p.second_doc_number, err)) < 0)
        return r;
    if ((r = p.op.run(db, &p.op)) < 0) {
        *err = p.op.err;
        return r;
    }
    if ((r = decide(db, e, me, now, "approved", a->reason, p.ret_id, err)) < 0)
        return r;
    json_t *d = json_pack("{s:I}", "person", (json_int_t)p.ret_id);
    if (d && a->reason[0])
        json_object_set_new(d, "reason", json_string(a->reason));
    if ((r = audit(db, now, me, "enrolment.approved", e, d, err)) < 0)
        return r;
    a->ret_person_id = p.ret_id;
    copy(a->ret_card, sizeof a->ret_card, p.second_doc_number);
    sodium_memzero(&p, sizeof p);
    return 0;
}

int enrolment_return(
    db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now, const char *reason, err_t *err)
{
    int r = enrolment_claim_check(e, me, now, err);
    if (r == 0)
        r = decide(db, e, me, now, "returned", reason, 0, err);
    if (r == 0)
        r = audit(db, now, me, "enrolment.returned", e, json_pack("{s:s}", "reason", reason), err);
    return r;
}

int enrolment_card(db_t *db, const enrolment_t *e, char ret[CARD_NUMBER_DIGITS + 1], err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_CARD, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, e->person_id);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return err_set(err, -ENOENT, "enrolment_not_found", "The enrolment has no person with a card.");
    db_col_copy(st, 0, ret, CARD_NUMBER_DIGITS + 1);
    db_run(st, NULL);
    return 0;
}

int enrolment_letter_printed(db_t *db, const enrolment_t *e, const officer_ref_t *me, int64_t now,
    const uint8_t code_hash[SECRET_HASH_BYTES], int64_t expires_at, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LETTER, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, e->id);
    if ((r = db_run(st, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(err, -EEXIST, "letter_printed", "The activation letter was already printed.");
    if ((r = db_prepare(db, SQL_CODE, &st, err)) < 0)
        return r;
    db_bind_blob(st, 1, code_hash, SECRET_HASH_BYTES);
    db_bind_int(st, 2, expires_at);
    db_bind_int(st, 3, e->person_id);
    if ((r = db_run(st, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(err, -EEXIST, "letter_printed", "The person has activated the account already.");
    return audit(db, now, me, "enrolment.letter_printed", e, json_object(), err);
}
