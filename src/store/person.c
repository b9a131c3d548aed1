#include "store/person.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "rules/policy.h"
#include "store/audit.h"
#include "store/session.h"

static const char SQL_INSERT[] =
    "INSERT INTO persons (surname, given_names, surname_cyr, given_names_cyr, birth_date,"
    " citizenship, purpose, entry_regime, language, activation_hash, activation_expires_at,"
    " created_at, adult_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_DOC[] = "INSERT INTO documents (kind, number, person_id) VALUES (?, ?, ?)";
static const char SQL_BY_DOC[] = "SELECT person_id FROM documents WHERE kind = ? AND number = ?";
static const char SQL_GET[] = "SELECT id, surname, given_names, surname_cyr, given_names_cyr, birth_date, citizenship,"
                              " purpose, entry_regime, language FROM persons WHERE id = ?";
static const char SQL_LANG[] = "UPDATE persons SET language = ? WHERE id = ?";

static const char *const languages[] = {
    "ru", "uk", "tg", "uz", "ro", "en", "fr", "de", "ky", "kk", "zh", "tr", "ka", "hy", "az", NULL};

bool person_language_known(const char *lang)
{
    for (const char *const *l = languages; *l; l++)
        if (strcmp(*l, lang) == 0)
            return true;
    return false;
}

bool person_citizenship_valid(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static int insert_doc(db_t *db, const char *kind, const char *number, int64_t id, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_DOC, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, number);
    db_bind_int(st, 3, id);
    r = db_run(st, err);
    if (r == -EEXIST)
        return err_set(err, -EEXIST, "document_exists", "A person with this %s is already registered.", kind);
    return r;
}

static int run_add(db_t *db, store_op_t *op)
{
    person_add_op_t *o = (person_add_op_t *)op;
    const person_view_t *p = &o->in;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_INSERT, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, p->surname);
    db_bind_text(st, 2, p->given_names);
    db_bind_text(st, 3, or_null(p->surname_cyr));
    db_bind_text(st, 4, or_null(p->given_names_cyr));
    db_bind_text(st, 5, p->birth_date);
    db_bind_text(st, 6, p->citizenship);
    db_bind_text(st, 7, p->purpose);
    db_bind_text(st, 8, p->entry_regime);
    db_bind_text(st, 9, p->language);
    db_bind_blob(st, 10, o->code_hash, sizeof o->code_hash);
    db_bind_int(st, 11, o->now + LIMIT_ACTIVATION_TTL_S);
    db_bind_int(st, 12, o->now);
    date_t birth;
    char adult[11];
    if (date_parse(p->birth_date, strlen(p->birth_date), &birth) < 0)
        return err_set(&op->err, -EINVAL, "invalid_date", "The birth date is not a date.");
    date_format(policy_adult_date(birth), adult);
    db_bind_text(st, 13, adult);
    if ((r = db_step(st, &op->err)) != 1)
        return r < 0 ? r : err_set(&op->err, -EIO, "storage_failed", "Insert returned no id.");
    o->ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    if ((r = insert_doc(db, o->doc_kind, o->doc_number, o->ret_id, &op->err)) < 0)
        return r;
    if (o->second_doc_kind[0] &&
        (r = insert_doc(db, o->second_doc_kind, o->second_doc_number, o->ret_id, &op->err)) < 0)
        return r;
    char subject[32];
    snprintf(subject, sizeof subject, "person:%lld", (long long)o->ret_id);
    json_t *d = json_pack(
        "{s:s,s:s,s:s}", "purpose", p->purpose, "entry_regime", p->entry_regime, "document_kind", o->doc_kind);
    r = audit_append(db, o->now, "operator", "person.created", subject, d, &op->err);
    json_decref(d);
    return r;
}

void person_add_op_init(person_add_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_add;
}

int person_by_document(db_t *db, const char *kind, const char *number, int64_t *ret_id, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_BY_DOC, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, number);
    if ((r = db_step(st, err)) <= 0)
        return r < 0 ? r : err_set(err, -ENOENT, "unknown_document", "No person has this document.");
    *ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

int person_get(db_t *db, int64_t id, person_view_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_GET, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, id);
    if ((r = db_step(st, err)) <= 0)
        return r < 0 ? r : err_set(err, -ENOENT, "not_found", "No such person.");
    person_view_t p = {.id = db_col_int(st, 0)};
    db_col_copy(st, 1, p.surname, sizeof p.surname);
    db_col_copy(st, 2, p.given_names, sizeof p.given_names);
    db_col_copy(st, 3, p.surname_cyr, sizeof p.surname_cyr);
    db_col_copy(st, 4, p.given_names_cyr, sizeof p.given_names_cyr);
    db_col_copy(st, 5, p.birth_date, sizeof p.birth_date);
    db_col_copy(st, 6, p.citizenship, sizeof p.citizenship);
    db_col_copy(st, 7, p.purpose, sizeof p.purpose);
    db_col_copy(st, 8, p.entry_regime, sizeof p.entry_regime);
    db_col_copy(st, 9, p.language, sizeof p.language);
    db_run(st, NULL);
    *ret = p;
    return 0;
}

static int run_language(db_t *db, store_op_t *op)
{
    person_language_op_t *o = (person_language_op_t *)op;
    int64_t pid;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = db_prepare(db, SQL_LANG, &st, &op->err)) < 0)
        return r;
    db_bind_text(st, 1, o->language);
    db_bind_int(st, 2, pid);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    char subject[32];
    snprintf(subject, sizeof subject, "person:%lld", (long long)pid);
    json_t *d = json_pack("{s:s}", "language", o->language);
    r = audit_append(db, o->now, subject, "person.language_changed", subject, d, &op->err);
    json_decref(d);
    return r;
}

void person_language_op_init(person_language_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_language;
}

void person_card_number_new(char ret[CARD_NUMBER_DIGITS + 1])
{
    char body[CARD_NUMBER_DIGITS - 1];
    for (int i = 0; i < CARD_NUMBER_DIGITS - 1; i++)
        body[i] = (char)('0' + randombytes_uniform(10));
    card_number_complete(body, ret);
}

static const char SQL_VERIFY[] = "UPDATE documents SET verified = 1 WHERE kind = ? AND number = ? RETURNING person_id";

static int run_verify_doc(db_t *db, store_op_t *op)
{
    person_verify_doc_op_t *o = (person_verify_doc_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_VERIFY, &st, &op->err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, o->doc_kind);
    db_bind_text(st, 2, o->doc_number);
    if ((r = db_step(st, &op->err)) < 0)
        return r;
    if (r == 0)
        return err_set(&op->err, -ENOENT, "unknown_document", "No person has this document.");
    char subject[32];
    snprintf(subject, sizeof subject, "person:%lld", (long long)db_col_int(st, 0));
    db_run(st, NULL);
    json_t *d = json_pack("{s:s}", "document_kind", o->doc_kind);
    r = audit_append(db, o->now, "operator", "document.verified", subject, d, &op->err);
    json_decref(d);
    return r;
}

void person_verify_doc_op_init(person_verify_doc_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_verify_doc;
}
