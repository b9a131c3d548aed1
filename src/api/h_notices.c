/* GET /api/v1/me/notifications, POST /api/v1/me/notifications/{id}/read —
 * the in-app inbox, rendered in the person's language. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/view.h"
#include "base/parse.h"
#include "notify/catalog.h"
#include "store/notice.h"

/* Renders notice.<kind>.<part> (a missing text shows its key, never blank). */
static json_t *render(const api_world_t *w, const char *lang, const notice_row_t *n, const char *part)
{
    char key[80], text[2048];
    snprintf(key, sizeof key, "notice.%s.%s", n->kind, part);
    if (!w->catalog || catalog_render(w->catalog, lang, key, n->params, text, sizeof text, NULL) == -EINVAL)
        snprintf(text, sizeof text, "%s", key);
    return json_string(text);
}

static void list_done(api_req_t *r, store_op_t *op)
{
    notice_list_op_t *o = (notice_list_op_t *)op;
    if (op->rc < 0) {
        api_problem_err(r, &op->err);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < o->ret_n; i++) {
        const notice_row_t *n = &o->ret[i];
        json_t *item = json_pack("{s:I,s:s,s:o,s:o,s:o,s:b}", "id", (json_int_t)n->id, "kind", n->kind, "title",
            render(r->w, o->ret_language, n, "title"), "body", render(r->w, o->ret_language, n, "body"), "created_at",
            view_time(n->created_at, REGION_DEFAULT_UTC_OFFSET_MIN), "read", n->read);
        int64_t set = notice_document_set(n->kind, n->params);
        if (set) /* the app opens the set's screen from the notice */
            json_object_set_new(item, "document_set", json_integer(set));
        json_array_append_new(items, item);
    }
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_notices_list(api_req_t *r)
{
    notice_list_op_t *o = api_op_new_or_reply(r, sizeof *o, list_done);
    if (!o)
        return;
    notice_list_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

/* Before authentication: an {id} that is no number is the same 404 whoever asks. */
bool h_gate_notice_id(api_req_t *r)
{
    uint64_t id;
    if (parse_u64(r->params[0].base, r->params[0].len, 1, INT64_MAX, &id) == 0)
        return true;
    api_problem(r, 404, "not_found", "No such notice.");
    return false;
}

void h_notice_read(api_req_t *r)
{
    uint64_t id = 0;
    parse_u64(r->params[0].base, r->params[0].len, 1, INT64_MAX, &id); /* checked: h_gate_notice_id */
    notice_read_op_t *o = api_op_new_or_reply(r, sizeof *o, api_finish_no_content);
    if (!o)
        return;
    notice_read_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->notice_id = (int64_t)id;
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}
