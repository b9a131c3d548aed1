#include "store/docset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store/audit.h"
#include "store/notice.h"
#include "store/officer.h"
#include "store/person.h"
#include "store/session.h"

#define SET_COLS                                                                                                       \
    "s.id, s.person_id, s.procedure, s.category, s.state, s.created_at, s.submitted_at, s.planned_decision,"           \
    " s.live_pages, s.live_bytes, s.outcome, s.checked_at, s.decision, s.decided_at, p.language, s.decision_reason"    \
    " FROM document_sets s JOIN persons p ON p.id = s.person_id"

/* The same columns and the result (column 16), for the desk's queue. */
#define SET_COLS_RESULT                                                                                                \
    "s.id, s.person_id, s.procedure, s.category, s.state, s.created_at, s.submitted_at, s.planned_decision,"           \
    " s.live_pages, s.live_bytes, s.outcome, s.checked_at, s.decision, s.decided_at, p.language, s.decision_reason,"   \
    " s.result FROM document_sets s JOIN persons p ON p.id = s.person_id"

/* A person's own sets, newest first, in one statement (t's columns in
 * SET_COLS's order, so row_to_set reads them). */
static const char SQL_LIST[] = SESSION_LIST_SQL(
    "t.id, t.person_id, t.procedure, t.category, t.state, t.created_at, t.submitted_at, t.planned_decision,"
    " t.live_pages, t.live_bytes, t.outcome, t.checked_at, t.decision, t.decided_at, t.language, t.decision_reason",
    "SELECT " SET_COLS " WHERE s.person_id = " SESSION_ME_PERSON " ORDER BY s.id DESC LIMIT 20", "t.id DESC");
_Static_assert(DOCSET_LIST_MAX == 20, "SQL_LIST says LIMIT 20");

/* A person's set, its result and its pages in one statement: the set's row
 * (k 0: SET_COLS_RESULT's columns, the page's NULL), then one row per page
 * not removed (k 1: the page's columns, the set's NULL but its id), in
 * order. Another person's set reads as no set. Binds: the session's (1, 2),
 * then the set id twice. */
#define GET_RESULT 16 /* the column of the result; the page's from GET_PAGE */
#define GET_PAGE 17
#define SET_NULLS "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
static const char SQL_GET[] = SESSION_LIST_SQL(
    "t.id, t.person_id, t.procedure, t.category, t.state, t.created_at, t.submitted_at, t.planned_decision,"
    " t.live_pages, t.live_bytes, t.outcome, t.checked_at, t.decision, t.decided_at, t.language, t.decision_reason,"
    " t.result, t.n, t.pdf_page, t.media_type, t.page_state, t.doc_type, t.quality",
    "SELECT 0 AS k, NULL AS n, NULL AS pdf_page, NULL AS media_type, NULL AS page_state, NULL AS doc_type,"
    " NULL AS quality, " SET_COLS_RESULT " WHERE s.id = ? AND s.person_id = " SESSION_ME_PERSON
    " UNION ALL SELECT 1, g.n, g.pdf_page, g.media_type, g.state, g.doc_type, g.quality, g.set_id, " SET_NULLS
    " FROM document_pages g JOIN document_sets s ON s.id = g.set_id"
    " WHERE g.set_id = ? AND s.person_id = " SESSION_ME_PERSON " AND g.state <> 'removed'",
    "t.k, t.n");

static const char SQL_GET_SET[] = "SELECT " SET_COLS " WHERE s.id = ?";
static const char SQL_RESULT[] = "SELECT result FROM document_sets WHERE id = ?";
static const char SQL_OPEN_COUNT[] = "SELECT COUNT(*) FROM document_sets WHERE person_id = ? AND state = 'open'";
static const char SQL_INSERT_SET[] =
    "INSERT INTO document_sets (person_id, procedure, category, state, created_at, planned_decision, data_key)"
    " VALUES (?, ?, ?, 'open', ?, ?, ?) RETURNING id";
static const char SQL_RESERVE[] =
    "UPDATE document_sets SET next_page = next_page + ?, live_pages = live_pages + ?, live_bytes = live_bytes + ?"
    " WHERE id = ? AND person_id = ? AND state = 'open' RETURNING next_page, live_pages, live_bytes, data_key";
static const char SQL_INSERT_PAGE[] =
    "INSERT INTO document_pages (set_id, n, upload_n, pdf_page, media_type, bytes_len, data, state, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)";
static const char SQL_PAGE_OF[] =
    "SELECT upload_n, bytes_len FROM document_pages WHERE set_id = ? AND n = ? AND state <> 'removed'";
static const char SQL_REMOVE_PAGE[] =
    "UPDATE document_pages SET state = 'removed', doc_type = NULL, quality = NULL, fields = NULL"
    " WHERE set_id = ? AND n = ?";
static const char SQL_UPLOAD_LIVE[] =
    "SELECT COUNT(*) FROM document_pages WHERE set_id = ? AND upload_n = ? AND state <> 'removed'";
static const char SQL_DROP_UPLOAD[] = "UPDATE document_pages SET data = NULL WHERE set_id = ? AND n = ?";
static const char SQL_UNCOUNT[] =
    "UPDATE document_sets SET live_pages = live_pages - 1, live_bytes = live_bytes - ? WHERE id = ?";
static const char SQL_SUBMIT[] =
    "UPDATE document_sets SET state = 'checking', submitted_at = ? WHERE id = ? AND state = 'open'";

/* EAEU member states (Treaty on the Eurasian Economic Union, 2014) other
 * than Russia: their citizens have the Treaty's own status (art. 97). */
static const char *const EAEU[] = {"ARM", "BLR", "KAZ", "KGZ"};

const char *docset_category_for(const char *birth_date, const char *citizenship, const char *entry_regime, date_t today)
{
    date_t birth;
    int by, bm, bd, ty, tm, td;
    if (!birth_date || date_parse(birth_date, strlen(birth_date), &birth) < 0 || birth > today)
        return NULL;
    date_to_ymd(birth, &by, &bm, &bd);
    date_to_ymd(today, &ty, &tm, &td);
    int age = ty - by - (tm < bm || (tm == bm && td < bd));
    if (age < 18)
        return "minor";
    for (size_t i = 0; i < sizeof EAEU / sizeof EAEU[0]; i++)
        if (citizenship && !strcmp(citizenship, EAEU[i]))
            return "eaeu";
    if (entry_regime && (!strcmp(entry_regime, "visa") || !strcmp(entry_regime, "visa_free")))
        return entry_regime;
    return NULL;
}

static void row_to_set(db_stmt_t *st, docset_set_row_t *s)
{
    memset(s, 0, sizeof *s);
    s->id = db_col_int(st, 0);
    s->person_id = db_col_int(st, 1);
    db_col_copy(st, 2, s->procedure, sizeof s->procedure);
    db_col_copy(st, 3, s->category, sizeof s->category);
    db_col_copy(st, 4, s->state, sizeof s->state);
    s->created_at = db_col_int(st, 5);
    s->submitted_at = db_col_int_or_zero(st, 6);
    db_col_copy(st, 7, s->planned_decision, sizeof s->planned_decision);
    s->live_pages = (int)db_col_int(st, 8);
    s->live_bytes = db_col_int(st, 9);
    db_col_copy(st, 10, s->outcome, sizeof s->outcome);
    s->checked_at = db_col_int_or_zero(st, 11);
    db_col_copy(st, 12, s->decision, sizeof s->decision);
    s->decided_at = db_col_int_or_zero(st, 13);
    db_col_copy(st, 14, s->language, sizeof s->language);
    db_col_copy(st, 15, s->decision_reason, sizeof s->decision_reason);
}

static int not_found(err_t *err)
{
    return err_set(err, -ENOENT, "not_found", "No such document set.");
}

/* Reads set `id`; when person_id is not 0, another person's set is
 * not_found, as an unknown id is (no way to probe ids). */
static int get_set(db_t *db, int64_t id, int64_t person_id, docset_set_row_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_GET_SET, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, id);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return not_found(err);
    row_to_set(st, ret);
    db_run(st, NULL);
    return person_id && ret->person_id != person_id ? not_found(err) : 0;
}

static int count_open(db_t *db, int64_t pid, int64_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_OPEN_COUNT, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    if ((r = db_step(st, err)) != 1)
        return r < 0 ? r : err_set(err, -EIO, "storage_failed", "COUNT returned no row.");
    *ret = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

static int insert_set(db_t *db, docset_create_op_t *o, int64_t pid, const char *category, int64_t *ret_id)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_INSERT_SET, &st, &o->op.err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_text(st, 2, o->procedure);
    db_bind_text(st, 3, category);
    db_bind_int(st, 4, o->now);
    db_bind_text(st, 5, o->planned_decision[0] ? o->planned_decision : NULL);
    db_bind_blob(st, 6, o->wrapped, o->wrapped_len);
    if ((r = db_step(st, &o->op.err)) != 1)
        return r < 0 ? r : err_set(&o->op.err, -EIO, "storage_failed", "Insert returned no id.");
    *ret_id = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

static void subject_of(char *buf, size_t cap, const char *kind, int64_t id)
{
    snprintf(buf, cap, "%s:%lld", kind, (long long)id);
}

/* An audit event about a set: its id and procedure, never a value read. */
static int audit_set(db_t *db, int64_t now, const char *actor, const char *action, int64_t set_id,
    const char *extra_key, const char *extra, err_t *err)
{
    char subject[40], detail[160];
    subject_of(subject, sizeof subject, "docset", set_id);
    if (extra_key)
        snprintf(detail, sizeof detail, "{\"%s\":\"%s\",\"set\":%lld}", extra_key, extra, (long long)set_id);
    else
        snprintf(detail, sizeof detail, "{\"set\":%lld}", (long long)set_id);
    return audit_append_text(db, now, actor, action, subject, detail, err);
}

static int run_create(db_t *db, store_op_t *op)
{
    docset_create_op_t *o = (docset_create_op_t *)op;
    int64_t pid, id = 0, open = 0;
    person_view_t p;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = person_get(db, pid, &p, &op->err)) < 0 || (r = count_open(db, pid, &open, &op->err)) < 0)
        return r;
    const char *category = docset_category_for(p.birth_date, p.citizenship, p.entry_regime, o->today);
    if (!category)
        return err_set(&op->err, -EINVAL, "category_unknown",
            "Your record does not say which rules apply to you: ask at the migration centre.");
    if (open >= LIMIT_DOCSET_OPEN_SETS)
        return err_set(&op->err, -EEXIST, "too_many_open_sets",
            "You have %d document sets not yet sent: send or finish one first.", LIMIT_DOCSET_OPEN_SETS);
    if ((r = insert_set(db, o, pid, category, &id)) < 0)
        return r;
    char actor[40];
    subject_of(actor, sizeof actor, "person", pid);
    if ((r = audit_set(db, o->now, actor, "docset.created", id, "procedure", o->procedure, &op->err)) < 0)
        return r;
    return get_set(db, id, pid, &o->ret, &op->err);
}

void docset_create_op_init(docset_create_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_create;
}

static int read_result(db_t *db, int64_t id, char *dst, size_t cap, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RESULT, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, id);
    if ((r = db_step(st, err)) == 1) {
        db_col_copy(st, 0, dst, cap);
        db_run(st, NULL);
    }
    return r < 0 ? r : 0;
}

static void row_to_page(db_stmt_t *st, docset_page_row_t *p)
{
    p->n = (int)db_col_int(st, GET_PAGE);
    p->pdf_page = (int)db_col_int(st, GET_PAGE + 1);
    db_col_copy(st, GET_PAGE + 2, p->media_type, sizeof p->media_type);
    db_col_copy(st, GET_PAGE + 3, p->state, sizeof p->state);
    db_col_copy(st, GET_PAGE + 4, p->doc_type, sizeof p->doc_type);
    db_col_copy(st, GET_PAGE + 5, p->quality, sizeof p->quality);
}

static int run_get(db_t *db, store_op_t *op)
{
    docset_get_op_t *o = (docset_get_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_GET, &st, &op->err);
    if (r < 0)
        return r;
    session_list_bind(st, o->token_hash, o->now);
    db_bind_int(st, 3, o->set_id);
    db_bind_int(st, 4, o->set_id);
    if ((r = session_list_first(st, &op->err)) < 0)
        return r;
    if (r == 0) { /* no such set of theirs: the session's row alone */
        db_run(st, NULL);
        return not_found(&op->err);
    }
    row_to_set(st, &o->ret);
    db_col_copy(st, GET_RESULT, o->ret_result, sizeof o->ret_result);
    for (o->ret_n = 0; o->ret_n < LIMIT_DOCSET_PAGES && (r = db_step(st, &op->err)) == 1;)
        row_to_page(st, &o->ret_pages[o->ret_n++]);
    return r < 0 ? r : db_run(st, &op->err);
}

void docset_get_op_init(docset_get_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_get;
}

static int run_list(db_t *db, store_op_t *op)
{
    docset_list_op_t *o = (docset_list_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LIST, &st, &op->err);
    if (r < 0)
        return r;
    session_list_bind(st, o->token_hash, o->now);
    o->ret_n = 0;
    for (r = session_list_first(st, &op->err); r == 1 && o->ret_n < DOCSET_LIST_MAX; r = db_step(st, &op->err))
        row_to_set(st, &o->ret[o->ret_n++]);
    return r < 0 ? r : db_run(st, &op->err);
}

void docset_list_op_init(docset_list_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_list;
}

static int not_open(err_t *err)
{
    return err_set(err, -EEXIST, "set_not_open", "This document set has been sent: it can no longer change.");
}

/* The upload's bytes go when its last live page goes. */
static int drop_upload_if_unused(db_t *db, int64_t set_id, int64_t upload_n, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_UPLOAD_LIVE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, set_id);
    db_bind_int(st, 2, upload_n);
    if ((r = db_step(st, err)) != 1)
        return r < 0 ? r : err_set(err, -EIO, "storage_failed", "COUNT returned no row.");
    int64_t live = db_col_int(st, 0);
    db_run(st, NULL);
    int64_t args[2] = {set_id, upload_n};
    return live ? 0 : db_run_ints(db, SQL_DROP_UPLOAD, args, 2, err);
}

static int run_page_delete(db_t *db, store_op_t *op)
{
    docset_page_delete_op_t *o = (docset_page_delete_op_t *)op;
    docset_set_row_t s;
    int64_t pid;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = get_set(db, o->set_id, pid, &s, &op->err)) < 0)
        return r;
    if (strcmp(s.state, "open") != 0)
        return not_open(&op->err);
    if ((r = db_prepare(db, SQL_PAGE_OF, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, o->set_id);
    db_bind_int(st, 2, o->n);
    if ((r = db_step(st, &op->err)) < 0)
        return r;
    if (r == 0)
        return err_set(&op->err, -ENOENT, "not_found", "No such page in this set.");
    int64_t upload_n = db_col_int(st, 0), bytes = db_col_int(st, 1);
    db_run(st, NULL);
    int64_t page[2] = {o->set_id, o->n}, uncount[2] = {bytes, o->set_id};
    if ((r = db_run_ints(db, SQL_REMOVE_PAGE, page, 2, &op->err)) < 0 ||
        (r = drop_upload_if_unused(db, o->set_id, upload_n, &op->err)) < 0)
        return r;
    return db_run_ints(db, SQL_UNCOUNT, uncount, 2, &op->err);
}

void docset_page_delete_op_init(docset_page_delete_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_page_delete;
}

static int run_submit(db_t *db, store_op_t *op)
{
    docset_submit_op_t *o = (docset_submit_op_t *)op;
    int64_t pid;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = get_set(db, o->set_id, pid, &o->ret, &op->err)) < 0)
        return r;
    if (strcmp(o->ret.state, "open") != 0)
        return not_open(&op->err);
    if (o->ret.live_pages == 0)
        return err_set(&op->err, -EEXIST, "set_empty", "Add the pages of your documents before sending the set.");
    int64_t args[2] = {o->now, o->set_id};
    char actor[40];
    subject_of(actor, sizeof actor, "person", pid);
    if ((r = db_run_ints(db, SQL_SUBMIT, args, 2, &op->err)) < 0 ||
        (r = audit_set(db, o->now, actor, "docset.submitted", o->set_id, NULL, NULL, &op->err)) < 0)
        return r;
    return get_set(db, o->set_id, pid, &o->ret, &op->err);
}

void docset_submit_op_init(docset_submit_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_submit;
}

/* Queues the notice `kind` about set `set_id` to its person `person_id`,
 * inside the caller's write transaction: once per set and `stage`
 * ("checked", "decided"), whatever retries or replays happen (the dedupe
 * key); its params name the set only (the app opens it from there). */
static int tell_person(
    db_t *db, int64_t set_id, int64_t person_id, const char *kind, const char *stage, int64_t now, err_t *err)
{
    char key[64], params[48];
    snprintf(key, sizeof key, "docset:%lld:%s", (long long)set_id, stage);
    snprintf(params, sizeof params, "{\"set\":%lld}", (long long)set_id);
    return notice_queue_text(db, person_id, kind, key, params, now, now, NULL, err);
}

/* Tells apart why the reservation matched no row. */
static int reserve_refused(db_t *db, int64_t person_id, int64_t set_id, err_t *err)
{
    docset_set_row_t s;
    int r = get_set(db, set_id, person_id, &s, err);
    return r < 0 ? r : not_open(err);
}

int docset_reserve_pages(db_t *db, int64_t person_id, int64_t set_id, int pages, int64_t bytes, int *ret_first,
    uint8_t *ret_wrapped, size_t *ret_wrapped_len, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RESERVE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, pages);
    db_bind_int(st, 2, pages);
    db_bind_int(st, 3, bytes);
    db_bind_int(st, 4, set_id);
    db_bind_int(st, 5, person_id);
    if ((r = db_step(st, err)) < 0)
        return r;
    if (r == 0)
        return reserve_refused(db, person_id, set_id, err);
    int64_t next = db_col_int(st, 0), live = db_col_int(st, 1), total = db_col_int(st, 2);
    size_t klen = 0;
    const void *key = db_col_blob(st, 3, &klen);
    if (key && klen <= DOCSET_WRAPPED_MAX)
        memcpy(ret_wrapped, key, klen);
    *ret_wrapped_len = key && klen <= DOCSET_WRAPPED_MAX ? klen : 0;
    db_run(st, NULL);
    *ret_first = (int)(next - pages);
    if (live > LIMIT_DOCSET_PAGES)
        return err_set(
            err, -E2BIG, "too_many_pages", "A set has at most %d pages: remove some first.", LIMIT_DOCSET_PAGES);
    if (total > LIMIT_DOCSET_SET_BYTES)
        return err_set(err, -E2BIG, "set_too_large", "A set holds at most %d MiB of pages: send smaller photos.",
            LIMIT_DOCSET_SET_BYTES / (1024 * 1024));
    return 0;
}

int docset_insert_page(db_t *db, int64_t set_id, int n, int upload_n, int pdf_page, const char *media_type,
    int64_t bytes_len, const uint8_t *data, size_t data_len, int64_t now, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_INSERT_PAGE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, set_id);
    db_bind_int(st, 2, n);
    db_bind_int(st, 3, upload_n);
    db_bind_int(st, 4, pdf_page);
    db_bind_text(st, 5, media_type);
    db_bind_int(st, 6, bytes_len);
    if (data)
        db_bind_blob(st, 7, data, data_len);
    else
        db_bind_null(st, 7);
    db_bind_int(st, 8, now);
    return db_run(st, err);
}

/* ------------------------------------------------------------ the reader */

static const char SQL_FIRST_QUEUED[] =
    "SELECT p.n, p.upload_n, p.pdf_page, p.media_type, s.data_key FROM document_pages p"
    " JOIN document_sets s ON s.id = p.set_id WHERE p.set_id = ? AND p.state = 'queued' ORDER BY p.n LIMIT 1";
static const char SQL_TAKE[] =
    "UPDATE document_pages SET state = 'reading', read_at = ? WHERE set_id = ? AND n = ? AND state = 'queued'";
static const char SQL_REQUEUE_STALE[] =
    "UPDATE document_pages SET state = 'queued', read_at = NULL WHERE set_id = ? AND state = 'reading' AND read_at < ?";
static const char SQL_UNFINISHED[] =
    "SELECT set_id FROM document_pages WHERE state = 'queued' OR (state = 'reading' AND read_at < ?)"
    " UNION SELECT id FROM document_sets WHERE state = 'checking' ORDER BY 1 LIMIT ?";
static const char SQL_UPLOAD[] = "SELECT data FROM document_pages WHERE set_id = ? AND n = ?";
static const char SQL_RESULT_PAGE[] =
    "UPDATE document_pages SET state = ?, doc_type = ?, quality = ?, fields = ?, read_at = ?"
    " WHERE set_id = ? AND n = ? AND state = 'reading'";
static const char SQL_UNREAD[] =
    "SELECT COUNT(*) FROM document_pages WHERE set_id = ? AND state IN ('queued','reading')";
static const char SQL_READ_PAGES[] =
    "SELECT n, state, doc_type, fields FROM document_pages WHERE set_id = ? AND state <> 'removed' ORDER BY n";
static const char SQL_KEY[] = "SELECT data_key FROM document_sets WHERE id = ?";
static const char SQL_OUTCOME[] =
    "UPDATE document_sets SET state = ?, outcome = ?, result = ?, catalogue_revision = ?, checked_at = ?"
    " WHERE id = ? AND state = 'checking' RETURNING person_id";

static void copy_key(db_stmt_t *st, int col, uint8_t *dst, size_t *ret_len)
{
    size_t n = 0;
    const void *k = db_col_blob(st, col, &n);
    *ret_len = k && n <= DOCSET_WRAPPED_MAX ? n : 0;
    if (*ret_len)
        memcpy(dst, k, n);
}

static int load_upload(db_t *db, int64_t set_id, docset_claim_t *c, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_UPLOAD, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, set_id);
    db_bind_int(st, 2, c->upload_n);
    if ((r = db_step(st, err)) != 1)
        return r < 0 ? r : err_set(err, -EIO, "storage_failed", "A page's upload is missing.");
    size_t n = 0;
    const void *b = db_col_blob(st, 0, &n);
    c->data = b && n ? malloc(n) : NULL;
    if (c->data) {
        memcpy(c->data, b, n);
        c->data_len = n;
    }
    db_run(st, NULL);
    return c->data || !b ? 0 : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
}

int docset_claim_page(db_t *db, int64_t set_id, int64_t now, docset_claim_t *ret, err_t *err)
{
    db_stmt_t *st;
    memset(ret, 0, sizeof *ret);
    int64_t stale[2] = {set_id, now - LIMIT_DOCSET_READING_LEASE_S};
    int r = db_run_ints(db, SQL_REQUEUE_STALE, stale, 2, err);
    if (r < 0 || (r = db_prepare(db, SQL_FIRST_QUEUED, &st, err)) < 0)
        return r;
    db_bind_int(st, 1, set_id);
    if ((r = db_step(st, err)) <= 0)
        return r;
    ret->n = (int)db_col_int(st, 0);
    ret->upload_n = (int)db_col_int(st, 1);
    ret->pdf_page = (int)db_col_int(st, 2);
    db_col_copy(st, 3, ret->media_type, sizeof ret->media_type);
    copy_key(st, 4, ret->wrapped, &ret->wrapped_len);
    db_run(st, NULL);
    int64_t args[3] = {now, set_id, ret->n};
    if ((r = db_run_ints(db, SQL_TAKE, args, 3, err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return 0; /* another reader took it */
    return (r = load_upload(db, set_id, ret, err)) < 0 ? r : 1;
}

int docset_unfinished(db_t *db, int64_t now, int64_t *ret_ids, int cap, int *ret_n, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_UNFINISHED, &st, err), n = 0;
    if (r < 0)
        return r;
    db_bind_int(st, 1, now - LIMIT_DOCSET_READING_LEASE_S);
    db_bind_int(st, 2, cap);
    while (n < cap && (r = db_step(st, err)) == 1)
        ret_ids[n++] = db_col_int(st, 0);
    if (r < 0)
        return r;
    db_run(st, NULL);
    *ret_n = n;
    return 0;
}

int docset_page_result(db_t *db, int64_t set_id, int n, const char *state, const char *doc_type, const char *quality,
    const uint8_t *fields, size_t fields_len, int64_t now, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_RESULT_PAGE, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, state);
    db_bind_text(st, 2, doc_type && doc_type[0] ? doc_type : NULL);
    db_bind_text(st, 3, quality);
    if (fields)
        db_bind_blob(st, 4, fields, fields_len);
    else
        db_bind_null(st, 4);
    db_bind_int(st, 5, now);
    db_bind_int(st, 6, set_id);
    db_bind_int(st, 7, n);
    return db_run(st, err);
}

void docset_read_pages_free(docset_read_page_t *pages, int n)
{
    for (int i = 0; pages && i < n; i++) {
        free(pages[i].fields);
        pages[i].fields = NULL;
    }
}

static int count_unread(db_t *db, int64_t set_id, int64_t *ret, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_UNREAD, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, set_id);
    if ((r = db_step(st, err)) != 1)
        return r < 0 ? r : err_set(err, -EIO, "storage_failed", "COUNT returned no row.");
    *ret = db_col_int(st, 0);
    db_run(st, NULL);
    return 0;
}

static int read_key(db_t *db, int64_t set_id, uint8_t *dst, size_t *ret_len, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_KEY, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, set_id);
    if ((r = db_step(st, err)) != 1)
        return r < 0 ? r : not_found(err);
    copy_key(st, 0, dst, ret_len);
    db_run(st, NULL);
    return 0;
}

static int read_pages_for_check(db_t *db, int64_t set_id, docset_read_page_t *pages, int *ret_n, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_READ_PAGES, &st, err), n = 0;
    if (r < 0)
        return r;
    db_bind_int(st, 1, set_id);
    while (n < LIMIT_DOCSET_PAGES && (r = db_step(st, err)) == 1) {
        docset_read_page_t *p = &pages[n++];
        memset(p, 0, sizeof *p);
        p->n = (int)db_col_int(st, 0);
        db_col_copy(st, 1, p->state, sizeof p->state);
        db_col_copy(st, 2, p->doc_type, sizeof p->doc_type);
        size_t len = 0;
        const void *b = db_col_blob(st, 3, &len);
        if (b && len && (p->fields = malloc(len))) {
            memcpy(p->fields, b, len);
            p->fields_len = len;
        }
    }
    if (n == LIMIT_DOCSET_PAGES)
        r = db_run(st, err);
    *ret_n = n;
    return r < 0 ? r : 0;
}

int docset_for_check(db_t *db, int64_t set_id, docset_set_row_t *ret_set, uint8_t *ret_wrapped, size_t *ret_wrapped_len,
    docset_read_page_t *ret_pages, int *ret_n, err_t *err)
{
    int64_t unread = 0;
    *ret_n = 0;
    int r = get_set(db, set_id, 0, ret_set, err);
    if (r < 0 || strcmp(ret_set->state, "checking") != 0)
        return r;
    if ((r = count_unread(db, set_id, &unread, err)) < 0 || unread > 0)
        return r;
    if ((r = read_key(db, set_id, ret_wrapped, ret_wrapped_len, err)) < 0 ||
        (r = read_pages_for_check(db, set_id, ret_pages, ret_n, err)) < 0) {
        docset_read_pages_free(ret_pages, *ret_n);
        *ret_n = 0;
        return r;
    }
    return 1;
}

int docset_save_outcome(
    db_t *db, int64_t set_id, const char *outcome, const char *result, int revision, int64_t now, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_OUTCOME, &st, err);
    if (r < 0)
        return r;
    db_bind_text(st, 1, outcome);
    db_bind_text(st, 2, outcome);
    db_bind_text(st, 3, result);
    db_bind_int(st, 4, revision);
    db_bind_int(st, 5, now);
    db_bind_int(st, 6, set_id);
    /* 0 rows: no longer checking (another reader stored it first). */
    if ((r = db_step(st, err)) <= 0)
        return r;
    int64_t person_id = db_col_int(st, 0);
    db_run(st, NULL);
    char kind[32];
    snprintf(kind, sizeof kind, "docset_%s", outcome);
    if ((r = audit_set(db, now, "system", "docset.checked", set_id, "outcome", outcome, err)) < 0)
        return r;
    return tell_person(db, set_id, person_id, kind, "checked", now, err);
}

/* ------------------------------------------------------------ the desk */

/* The registrar's queue, the desk session and the role checked in the same
 * statement (OFFICER_READ_SQL, store/officer.h): one round trip; a refused
 * officer's statement reads no set. t.* keeps SET_COLS_RESULT's order. */
static const char SQL_QUEUE_DEFAULT[] = OFFICER_READ_SQL("t.*",
    "SELECT " SET_COLS_RESULT " WHERE s.state IN ('referred','ready') AND " OFFICER_ME_ALLOWED
    " ORDER BY CASE s.state WHEN 'referred' THEN 0 ELSE 1 END, s.submitted_at, s.id LIMIT 50",
    "CASE t.state WHEN 'referred' THEN 0 ELSE 1 END, t.submitted_at, t.id");
static const char SQL_QUEUE_STATE[] = OFFICER_READ_SQL("t.*",
    "SELECT " SET_COLS_RESULT " WHERE s.state = ? AND " OFFICER_ME_ALLOWED " ORDER BY s.submitted_at, s.id LIMIT 50",
    "t.submitted_at, t.id");
#define QUEUE_NCOLS 17 /* the columns of SET_COLS_RESULT */
static const char SQL_DECIDE[] =
    "UPDATE document_sets SET state = 'decided', decision = ?, decision_reason = ?, decided_at = ?, officer_id = ?"
    " WHERE id = ? AND state IN ('ready','returned','referred')";

_Static_assert(DOCSET_QUEUE_MAX == 50, "SQL_QUEUE_* say LIMIT 50");

static int run_queue(db_t *db, store_op_t *op)
{
    docset_queue_op_t *o = (docset_queue_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, o->state[0] ? SQL_QUEUE_STATE : SQL_QUEUE_DEFAULT, &st, &op->err);
    if (r < 0)
        return r;
    officer_read_bind(st, o->token_hash, o->now, o->roles);
    if (o->state[0])
        db_bind_text(st, 5, o->state);
    o->ret_n = 0;
    for (r = officer_read_first(st, QUEUE_NCOLS, o->roles, &o->ret_me, &op->err); r == 1 && o->ret_n < DOCSET_QUEUE_MAX;
         r = db_step(st, &op->err)) {
        docset_queue_row_t *q = &o->ret[o->ret_n++];
        row_to_set(st, &q->set);
        const char *res = db_col_text(st, 16);
        q->result[0] = 0;
        if (res && strlen(res) < sizeof q->result)
            memcpy(q->result, res, strlen(res) + 1);
    }
    if (r < 0 || (r = db_run(st, &op->err)) < 0)
        return r;
    return 0;
}

void docset_queue_op_init(docset_queue_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_queue;
}

/* The audit detail of a decision: the decision and the check's rule ids,
 * never a value, a name or a number. */
static int decision_detail(db_t *db, const docset_decide_op_t *o, char **ret, err_t *err)
{
    char *result = calloc(1, DOCSET_RESULT_BYTES);
    if (!result)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = read_result(db, o->set_id, result, DOCSET_RESULT_BYTES, err);
    json_t *res = r < 0 ? NULL : json_loads(result, 0, NULL), *rules = json_array(), *f;
    free(result);
    if (r < 0) {
        json_decref(rules);
        return r;
    }
    size_t i;
    json_array_foreach (json_object_get(res, "findings"), i, f) {
        const json_t *id = json_object_get(f, "rule");
        if (json_is_string(id))
            json_array_append(rules, (json_t *)id);
    }
    json_t *d = json_pack("{s:I,s:s,s:o}", "set", (json_int_t)o->set_id, "decision", o->decision, "rules", rules);
    json_decref(res);
    *ret = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(d);
    return *ret ? 0 : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
}

static int run_decide(db_t *db, store_op_t *op)
{
    docset_decide_op_t *o = (docset_decide_op_t *)op;
    officer_ref_t who;
    db_stmt_t *st;
    int r = officer_session(db, o->token_hash, o->now, o->roles, &who, &op->err);
    if (r < 0 || (r = get_set(db, o->set_id, 0, &o->ret, &op->err)) < 0)
        return r;
    if (!strcmp(o->ret.state, "decided"))
        return err_set(&op->err, -EEXIST, "set_decided", "This set has already been decided.");
    if (!strcmp(o->ret.state, "open") || !strcmp(o->ret.state, "checking"))
        return err_set(&op->err, -EEXIST, "set_not_checked", "This set has not been checked yet.");
    if ((r = db_prepare(db, SQL_DECIDE, &st, &op->err)) < 0)
        return r;
    db_bind_text(st, 1, o->decision);
    db_bind_text(st, 2, o->reason);
    db_bind_int(st, 3, o->now);
    db_bind_int(st, 4, who.id);
    db_bind_int(st, 5, o->set_id);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    char *detail = NULL, actor[40], subject[40];
    subject_of(actor, sizeof actor, "officer", who.id);
    subject_of(subject, sizeof subject, "docset", o->set_id);
    if ((r = decision_detail(db, o, &detail, &op->err)) == 0)
        r = audit_append_text(db, o->now, actor, "docset.decided", subject, detail, &op->err);
    free(detail);
    if (r < 0 || (r = get_set(db, o->set_id, 0, &o->ret, &op->err)) < 0)
        return r;
    return tell_person(db, o->ret.id, o->ret.person_id,
        strcmp(o->decision, "accepted") ? "docset_decision_returned" : "docset_decision_accepted", "decided", o->now,
        &op->err);
}

void docset_decide_op_init(docset_decide_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_decide;
}
