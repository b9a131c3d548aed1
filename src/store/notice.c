#include "store/notice.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/session.h"

static const char SQL_QUEUE[] = "INSERT INTO notices (person_id, kind, dedupe_key, params, created_at, next_push_at)"
                                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING";
#define NOTICE_STR_(x) #x
#define NOTICE_STR(x) NOTICE_STR_(x)
/* Column 5: the person's language, on the empty list's row too. */
static const char SQL_LIST[] = SESSION_LIST_SQL(
    "t.id, t.kind, t.params, t.created_at, t.is_read, (SELECT language FROM persons WHERE id = me.person_id)",
    "SELECT id, kind, params, created_at, read_at IS NOT NULL AS is_read FROM notices"
    " WHERE person_id = " SESSION_ME_PERSON " ORDER BY id DESC LIMIT " NOTICE_STR(NOTICE_LIST_MAX),
    "t.id DESC");
static const char SQL_READ[] = "UPDATE notices SET read_at = COALESCE(read_at, ?) WHERE id = ? AND person_id = ?";

int notice_queue(db_t *db, int64_t person_id, const char *kind, const char *dedupe_key, const json_t *params,
    int64_t now, bool *ret_queued, err_t *err)
{
    return notice_queue_at(db, person_id, kind, dedupe_key, params, now, now, ret_queued, err);
}

int notice_queue_at(db_t *db, int64_t person_id, const char *kind, const char *dedupe_key, const json_t *params,
    int64_t now, int64_t push_at, bool *ret_queued, err_t *err)
{
    char *p = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (params && !p)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = notice_queue_text(db, person_id, kind, dedupe_key, p, now, push_at, ret_queued, err);
    free(p);
    return r;
}

int notice_queue_text(db_t *db, int64_t person_id, const char *kind, const char *dedupe_key, const char *params_json,
    int64_t now, int64_t push_at, bool *ret_queued, err_t *err)
{
    db_stmt_t *st;
    int r = db_prepare(db, SQL_QUEUE, &st, err);
    if (r < 0)
        return r;
    db_bind_int(st, 1, person_id);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, dedupe_key);
    db_bind_text(st, 4, params_json ? params_json : "{}");
    db_bind_int(st, 5, now);
    db_bind_int(st, 6, push_at > now ? push_at : now);
    if ((r = db_run(st, err)) == 0 && ret_queued)
        *ret_queued = db_changes(db) == 1;
    return r;
}

int64_t notice_document_set(const char *kind, const char *params_json)
{
    if (!kind || strncmp(kind, "docset_", 7) != 0 || !params_json)
        return 0;
    json_t *p = json_loads(params_json, 0, NULL);
    json_t *set = json_object_get(p, "set");
    int64_t id = json_is_integer(set) && json_integer_value(set) > 0 ? (int64_t)json_integer_value(set) : 0;
    json_decref(p);
    return id;
}

static int run_list(db_t *db, store_op_t *op)
{
    notice_list_op_t *o = (notice_list_op_t *)op;
    db_stmt_t *st;
    int r = db_prepare(db, SQL_LIST, &st, &op->err);
    if (r < 0)
        return r;
    session_list_bind(st, o->token_hash, o->now);
    if ((r = session_list_first(st, &op->err)) >= 0)
        db_col_copy(st, 5, o->ret_language, sizeof o->ret_language);
    for (; r == 1 && o->ret_n < NOTICE_LIST_MAX; r = db_step(st, &op->err)) {
        notice_row_t *n = &o->ret[o->ret_n++];
        n->id = db_col_int(st, 0);
        db_col_copy(st, 1, n->kind, sizeof n->kind);
        db_col_copy(st, 2, n->params, sizeof n->params);
        n->created_at = db_col_int(st, 3);
        n->read = db_col_int(st, 4) != 0;
    }
    return r < 0 ? r : db_run(st, &op->err);
}

void notice_list_op_init(notice_list_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_READ;
    o->op.one_statement = true;
    o->op.run = run_list;
}

static int run_read(db_t *db, store_op_t *op)
{
    notice_read_op_t *o = (notice_read_op_t *)op;
    int64_t pid;
    db_stmt_t *st;
    int r = session_person(db, o->token_hash, o->now, &pid, &op->err);
    if (r < 0 || (r = db_prepare(db, SQL_READ, &st, &op->err)) < 0)
        return r;
    db_bind_int(st, 1, o->now);
    db_bind_int(st, 2, o->notice_id);
    db_bind_int(st, 3, pid);
    if ((r = db_run(st, &op->err)) < 0)
        return r;
    if (db_changes(db) != 1)
        return err_set(&op->err, -ENOENT, "not_found", "No such notice.");
    return 0;
}

void notice_read_op_init(notice_read_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_WRITE;
    o->op.run = run_read;
}
