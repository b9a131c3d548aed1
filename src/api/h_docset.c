/* The document-set intake (docs/DOCSETS.md, "Intake API"; issue 16):
 *   POST   /api/v1/document-sets                     {procedure, planned_decision?}
 *   POST   /api/v1/document-sets/{id}/pages          a JPEG, PNG or PDF body
 *   DELETE /api/v1/document-sets/{id}/pages/{n}
 *   POST   /api/v1/document-sets/{id}/submit
 *   GET    /api/v1/document-sets/{id}
 * A person's own sets only: another person's set is 404, as an unknown id.
 * Page bytes are sniffed here (microseconds), then decoded / counted and
 * stored sealed on the SLOW lane (docset/intake). No value read from a page
 * is ever logged. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/desk_slide.h"
#include "api/desk_acl.h"
#include "api/docset_env.h"
#include "api/handlers.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "base/parse.h"
#include "docset/intake.h"
#include "docset/reader.h"
#include "docset/seal.h"
#include "docset/sniff.h"
#include "notify/catalog.h"
#include "rules/docset.h"
#include "rules/reason.h"
#include "store/docset.h"
#include "store/region.h"

/* The intake's refusals whose status is not implied by the errno. */
static int status_of(const err_t *e)
{
    static const struct {
        const char *code;
        int status;
    } map[] = {
        {"unsupported_media_type", 415},
        {"image_corrupt", 422},
        {"image_too_large", 422},
        {"pdf_unreadable", 422},
        {"pdf_too_many_pages", 422},
        {"pdf_unsupported", 415},
        {"too_many_pages", 422},
        {"set_too_large", 413},
        {"set_not_open", 409},
        {"set_empty", 409},
        {"too_many_open_sets", 409},
        {"category_unknown", 422},
        {"unknown_procedure", 422},
        {"overloaded", 503},
        {"vault_bad_file", 500},
        {"vault_unknown_key", 500},
        {"set_not_checked", 409},
        {"set_decided", 409},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(e->code, map[i].code))
            return map[i].status;
    return api_status_for(e);
}

static void problem(api_req_t *r, const err_t *e)
{
    api_problem(r, status_of(e), e->code[0] ? e->code : "internal", e->msg[0] ? e->msg : "Something went wrong.");
}

static docset_env_t *env_or_reply(api_req_t *r)
{
    if (!r->w->docsets)
        api_problem(r, 503, "docsets_off", "Document sets are not enabled on this server.");
    return r->w->docsets;
}

bool h_gate_docsets(api_req_t *r)
{
    return env_or_reply(r) != NULL;
}

/* {id} as a set id; anything else is the same 404 as an unknown set. */
static bool set_id_or_reply(api_req_t *r, int64_t *ret)
{
    uint64_t id;
    if (parse_u64(r->params[0].base, r->params[0].len, 1, INT64_MAX, &id) < 0) {
        api_problem(r, 404, "not_found", "No such document set.");
        return false;
    }
    *ret = (int64_t)id;
    return true;
}

bool h_gate_docset_id(api_req_t *r)
{
    int64_t id;
    return env_or_reply(r) && set_id_or_reply(r, &id);
}

/* {id}, which h_gate_docset_id has checked. */
static int64_t set_id(const api_req_t *r)
{
    uint64_t id = 0;
    parse_u64(r->params[0].base, r->params[0].len, 1, INT64_MAX, &id);
    return (int64_t)id;
}

static date_t today_of(const api_req_t *r)
{
    return date_local(api_now(r), REGION_DEFAULT_UTC_OFFSET_MIN);
}

/* The document types the catalogue requires of this applicant today. */
static json_t *required_docs(
    const struct docset_catalogue *cat, const char *procedure, const char *category, date_t today)
{
    json_t *a = json_array();
    int ci = docset_category_index(cat, category);
    for (size_t i = 0; a && ci >= 0 && i < cat->n_rules; i++) {
        const struct docset_rule *rule = &cat->rules[i];
        if (rule->kind != DOCSET_RULE_REQUIRE || !rule->document || !docset_rule_applies(rule, procedure, ci, today))
            continue;
        json_t *instead = json_array();
        for (size_t k = 0; k < rule->n_instead; k++)
            json_array_append_new(instead, json_string(rule->instead[k]->id));
        json_array_append_new(
            a, json_pack("{s:s,s:i,s:s,s:s,s:o}", "type", rule->document->id, "count", rule->count, "title_en",
                   rule->document->title_en, "title_ru", rule->document->title_ru, "or", instead));
    }
    return a;
}

static json_t *view_set_head(const docset_set_row_t *s)
{
    json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:o,s:i}", "id", (json_int_t)s->id, "procedure", s->procedure, "category",
        s->category, "state", s->state, "created_at", view_time(s->created_at, REGION_DEFAULT_UTC_OFFSET_MIN),
        "page_count", s->live_pages);
    json_object_set_new(
        j, "submitted_at", s->submitted_at ? view_time(s->submitted_at, REGION_DEFAULT_UTC_OFFSET_MIN) : json_null());
    json_object_set_new(j, "planned_decision", s->planned_decision[0] ? json_string(s->planned_decision) : json_null());
    json_object_set_new(j, "outcome", s->outcome[0] ? json_string(s->outcome) : json_null());
    json_object_set_new(j, "decision", s->decision[0] ? json_string(s->decision) : json_null());
    json_object_set_new(
        j, "decided_at", s->decided_at ? view_time(s->decided_at, REGION_DEFAULT_UTC_OFFSET_MIN) : json_null());
    json_object_set_new(j, "decision_reason", s->decision[0] ? json_string(s->decision_reason) : json_null());
    return j;
}

/* Reads the set's queued pages (and checks it when due) on the SLOW lane. */
static void kick(api_req_t *r, int64_t set_id)
{
    docset_env_t *env = r->w->docsets;
    reader_ctx_t ctx = {
        .store = r->w->store, .keys = &env->keys, .cat = env->cat, .cal = r->w->cal, .flight = env->flight};
    reader_kick(&ctx, set_id, api_now(r));
}

/* ---------------------------------------------------------------- create */

static void create_done(api_req_t *r, store_op_t *op)
{
    docset_create_op_t *o = (docset_create_op_t *)op;
    if (op->rc < 0) {
        problem(r, &op->err);
        return;
    }
    json_t *j = view_set_head(&o->ret);
    json_object_set_new(j, "required", required_docs(r->w->docsets->cat, o->ret.procedure, o->ret.category, o->today));
    api_reply_json(r, 201, j);
}

static int parse_create(
    const json_t *body, const struct docset_catalogue *cat, docset_create_op_t *o, date_t today, err_t *e)
{
    const char *proc, *planned = NULL;
    int rc = jsonx_string(body, "procedure", true, 1, sizeof o->procedure - 1, &proc, e);
    if (rc == 0)
        rc = jsonx_string(body, "planned_decision", false, 10, 10, &planned, e);
    if (rc < 0)
        return rc;
    if (docset_procedure_index(cat, proc) < 0)
        return err_set(e, -EINVAL, "unknown_procedure", "No such procedure in the rules.");
    date_t d;
    if (planned && (date_parse(planned, strlen(planned), &d) < 0 || d < today))
        return err_set(e, -EINVAL, "invalid_date", "planned_decision must be a date (YYYY-MM-DD), today or later.");
    snprintf(o->procedure, sizeof o->procedure, "%s", proc);
    snprintf(o->planned_decision, sizeof o->planned_decision, "%s", planned ? planned : "");
    return 0;
}

void h_docset_create(api_req_t *r)
{
    docset_env_t *env = r->w->docsets; /* on: h_gate_docsets */
    docset_create_op_t in, *o = &in;   /* built and checked here; allocated once valid */
    docset_create_op_init(o);
    err_t e = {0};
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    json_t *body = r->body;
    o->now = api_now(r);
    o->today = today_of(r);
    uint8_t dk[SEAL_KEY_BYTES];
    int rc = parse_create(body, env->cat, o, o->today, &e);
    if (rc == 0)
        rc = seal_new_key(&env->keys, dk, o->wrapped, &e);
    sodium_memzero(dk, sizeof dk); /* only its wrapped form is kept */
    o->wrapped_len = SEAL_WRAPPED_BYTES;
    if (rc < 0) {
        problem(r, &e);
        return;
    }
    if ((o = api_op_new_from(r, &in, sizeof in, create_done)))
        api_op_submit(r, &o->op);
}

/* ---------------------------------------------------------------- pages */

static void pages_done(api_req_t *r, store_op_t *op)
{
    docset_intake_op_t *o = (docset_intake_op_t *)op;
    if (op->rc < 0) {
        problem(r, &op->err);
        return;
    }
    json_t *pages = json_array();
    for (int i = 0; i < o->ret_count; i++)
        json_array_append_new(pages, json_integer(o->ret_first + i));
    api_reply_json(r, 202, json_pack("{s:i,s:o,s:s}", "page", o->ret_first, "pages", pages, "state", "queued"));
    kick(r, o->set_id);
}

/* Size, media type and header, before a byte is copied. */
static bool sniff_or_reply(api_req_t *r, enum sniff_media *ret)
{
    h2o_iovec_t body = r->req->entity;
    const h2o_iovec_t *ct = api_header(r, H2O_TOKEN_CONTENT_TYPE);
    struct sniff_info info;
    err_t e = {0};
    if (body.len > LIMIT_DOCSET_PAGE_BYTES) {
        api_problem(r, 413, "page_too_large", "A page may be at most 8 MiB: send a smaller photo or fewer pages.");
        return false;
    }
    enum sniff_media declared = ct ? sniff_declared(ct->base, ct->len) : SNIFF_NONE;
    if (sniff_page((const uint8_t *)body.base, body.len, declared, &info, &e) < 0) {
        problem(r, &e);
        return false;
    }
    *ret = info.media;
    return true;
}

void h_docset_page_add(api_req_t *r)
{
    docset_env_t *env = r->w->docsets; /* on: h_gate_docset_id */
    enum sniff_media media;
    if (!sniff_or_reply(r, &media))
        return;
    h2o_iovec_t body = r->req->entity;
    uint8_t *bytes = malloc(body.len ? body.len : 1); /* the op's, once it exists */
    docset_intake_op_t *o = bytes ? api_op_new(r, sizeof *o, pages_done) : NULL;
    if (!o) {
        free(bytes);
        api_problem_oom(r);
        return;
    }
    docset_intake_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    memcpy(bytes, body.base, body.len);
    o->bytes = bytes;
    o->len = body.len;
    o->media = media;
    o->set_id = set_id(r);
    o->keys = &env->keys;
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

void h_docset_page_delete(api_req_t *r)
{
    uint64_t n;
    int64_t id = set_id(r);
    if (parse_u64(r->params[1].base, r->params[1].len, 1, LIMIT_DOCSET_PAGES * 1000, &n) < 0) {
        api_problem(r, 404, "not_found", "No such page in this set.");
        return;
    }
    docset_page_delete_op_t *o = api_op_new_or_reply(r, sizeof *o, api_finish_no_content);
    if (!o)
        return;
    docset_page_delete_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->set_id = id;
    o->n = (int)n;
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

/* ---------------------------------------------------------------- submit */

static void submit_done(api_req_t *r, store_op_t *op)
{
    docset_submit_op_t *o = (docset_submit_op_t *)op;
    if (op->rc < 0) {
        problem(r, &op->err);
        return;
    }
    api_reply_json(r, 202, view_set_head(&o->ret));
    kick(r, o->set_id);
}

void h_docset_submit(api_req_t *r)
{
    int64_t id = set_id(r);
    docset_submit_op_t *o = api_op_new_or_reply(r, sizeof *o, submit_done);
    if (!o)
        return;
    docset_submit_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->set_id = id;
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

/* ---------------------------------------------------------------- get */

/* A page: its state, type and measures, how many photographs a sheet of
 * prints holds, and each advice code told in the person's language (po:
 * docset.advice.<code>). */
static json_t *view_page(const api_req_t *r, const docset_page_row_t *p, const char *lang)
{
    json_t *j = json_pack("{s:i,s:s,s:s}", "n", p->n, "media_type", p->media_type, "state", p->state);
    json_object_set_new(j, "pdf_page", p->pdf_page ? json_integer(p->pdf_page) : json_null());
    json_object_set_new(j, "type", p->doc_type[0] ? json_string(p->doc_type) : json_null());
    json_t *q = p->quality[0] ? json_loads(p->quality, 0, NULL) : NULL, *code, *advice = json_array();
    size_t i;
    char key[64], text[512];
    json_array_foreach (json_object_get(q, "advice"), i, code) {
        snprintf(key, sizeof key, "docset.advice.%s", json_string_value(code));
        if (r->w->catalog && catalog_render(r->w->catalog, lang, key, NULL, text, sizeof text, NULL) != -EINVAL)
            json_array_append_new(advice, json_string(text));
    }
    json_t *prints = json_object_get(q, "prints");
    if (json_is_integer(prints))
        json_object_set(j, "prints", prints);
    json_object_del(q, "prints");
    json_object_set_new(j, "quality", q ? q : json_null());
    json_object_set_new(j, "advice", advice);
    return j;
}

/* The act cited by a finding's rule (its id and version), or NULL when
 * the catalogue no longer has that rule. */
static const struct docset_act *act_of(const struct docset_catalogue *cat, const json_t *f)
{
    const char *id = json_string_value(json_object_get(f, "rule"));
    json_int_t version = json_integer_value(json_object_get(f, "version"));
    for (size_t k = 0; id && k < cat->n_rules; k++)
        if (cat->rules[k].version == version && strcmp(cat->rules[k].id, id) == 0)
            return cat->rules[k].act;
    return NULL;
}

/* Each finding's document type gets its title ("type_title") and its act
 * its citation ("act") in `lang`: English for "en", else Russian, the
 * language the acts are written and cited in. The stored result keeps
 * the English, for a rule the catalogue has since dropped. */
static void localise_findings(const struct docset_catalogue *cat, json_t *result, const char *lang)
{
    bool en = strcmp(lang, "en") == 0;
    json_t *f;
    size_t i;
    json_array_foreach (json_object_get(result, "findings"), i, f) {
        const char *type = json_string_value(json_object_get(f, "type"));
        for (size_t k = 0; type && k < cat->n_doctypes; k++)
            if (strcmp(cat->doctypes[k].id, type) == 0) {
                const struct docset_doctype *d = &cat->doctypes[k];
                json_object_set_new(f, "type_title", json_string(en ? d->title_en : d->title_ru));
                break;
            }
        const struct docset_act *act = act_of(cat, f);
        if (act)
            json_object_set_new(f, "act", json_string(en ? act->title_en : act->title_ru));
    }
}

static void get_done(api_req_t *r, store_op_t *op)
{
    docset_get_op_t *o = (docset_get_op_t *)op;
    if (op->rc < 0) {
        problem(r, &op->err);
        return;
    }
    json_t *j = view_set_head(&o->ret);
    json_t *pages = json_array();
    for (int i = 0; i < o->ret_n; i++)
        json_array_append_new(pages, view_page(r, &o->ret_pages[i], o->ret.language));
    json_object_set_new(j, "pages", pages);
    json_object_set_new(
        j, "required", required_docs(r->w->docsets->cat, o->ret.procedure, o->ret.category, today_of(r)));
    json_t *res = o->ret_result[0] ? reader_view_result(r->w->catalog, o->ret_result, o->ret.language) : NULL;
    if (res)
        localise_findings(r->w->docsets->cat, res, o->ret.language);
    json_object_set_new(j, "result", res ? res : json_null());
    api_reply_json(r, 200, j);
    bool waiting = !strcmp(o->ret.state, "checking");
    for (int i = 0; i < o->ret_n && !waiting; i++)
        waiting = !strcmp(o->ret_pages[i].state, "queued");
    if (waiting) /* a reader refused earlier (overload) is started again */
        kick(r, o->set_id);
}

void h_docset_get(api_req_t *r)
{
    int64_t id = set_id(r);
    docset_get_op_t *o = api_op_new_or_reply(r, sizeof *o, get_done);
    if (!o)
        return;
    docset_get_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->set_id = id;
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

/* ---------------------------------------------------------------- list */

static void list_done(api_req_t *r, store_op_t *op)
{
    docset_list_op_t *o = (docset_list_op_t *)op;
    if (op->rc < 0) {
        problem(r, &op->err);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < o->ret_n; i++)
        json_array_append_new(items, view_set_head(&o->ret[i]));
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_docset_list(api_req_t *r)
{
    docset_list_op_t *o = api_op_new_or_reply(r, sizeof *o, list_done);
    if (!o)
        return;
    docset_list_op_init(o);
    memcpy(o->token_hash, r->token_hash, sizeof r->token_hash);
    o->now = api_now(r);
    api_op_submit(r, &o->op);
}

/* ---------------------------------------------------------------- procedures */

/* The catalogue's procedures, in its order: what a person may start a set
 * for. The catalogue is the one list (the app names each from po/). */
void h_docset_procedures(api_req_t *r)
{
    const struct docset_catalogue *cat = r->w->docsets->cat; /* on: h_gate_docsets */
    json_t *items = json_array();
    for (size_t i = 0; items && i < cat->n_procedures; i++)
        json_array_append_new(items, json_string(cat->procedures[i]));
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ---------------------------------------------------------------- the desk */

/* The queue op and the language its findings are told in. */
typedef struct queue_pending {
    docset_queue_op_t op; /* first */
    char lang[3];         /* "ru" or "en": the desk's languages */
} queue_pending_t;

static void queue_done(api_req_t *r, store_op_t *op)
{
    queue_pending_t *p = (queue_pending_t *)op;
    docset_queue_op_t *o = &p->op;
    desk_slide(r, o->token_hash, &o->ret_me, o->now);
    if (op->rc < 0) {
        problem(r, &op->err);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < o->ret_n; i++) {
        json_t *j = view_set_head(&o->ret[i].set);
        json_t *res = o->ret[i].result[0] ? reader_view_result(r->w->catalog, o->ret[i].result, p->lang) : NULL;
        if (res)
            localise_findings(r->w->docsets->cat, res, p->lang);
        json_object_set_new(j, "result", res ? res : json_null());
        json_array_append_new(items, j);
    }
    api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ?state=ready|returned|referred (none: referred, then ready) and
 * ?lang=ru|en (default ru) for the findings' messages. */
typedef struct queue_query {
    char lang[3];
    char state[12];
} queue_query_t;

static int parse_queue(const api_req_t *r, queue_query_t *p, err_t *e)
{
    static const char *const names[] = {"state", "lang", NULL};
    static const char *const states[] = {"ready", "returned", "referred"};
    h2o_iovec_t v;
    snprintf(p->lang, sizeof p->lang, "ru");
    int rc = api_query_check(r, names, e);
    if (rc == 0 && api_query_param(r, "lang", &v)) {
        if (!h2o_memis(v.base, v.len, H2O_STRLIT("ru")) && !h2o_memis(v.base, v.len, H2O_STRLIT("en")))
            return err_set(e, -EINVAL, "invalid_query", "lang must be ru or en.");
        memcpy(p->lang, v.base, 2);
    }
    if (rc < 0 || !api_query_param(r, "state", &v))
        return rc;
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (h2o_memis(v.base, v.len, states[i], strlen(states[i]))) {
            snprintf(p->state, sizeof p->state, "%s", states[i]);
            return 0;
        }
    return err_set(e, -EINVAL, "invalid_query", "state must be ready, returned or referred.");
}

void h_desk_docset_list(api_req_t *r)
{
    /* The op carries 50 result rows, too big for the stack: it is allocated
     * only for a valid query. */
    queue_query_t q = {0};
    err_t e = {0};
    if (parse_queue(r, &q, &e) < 0) {
        api_problem_err(r, &e);
        return;
    }
    queue_pending_t *p = api_op_new_or_reply(r, sizeof *p, queue_done);
    if (!p)
        return;
    docset_queue_op_init(&p->op);
    memcpy(p->lang, q.lang, sizeof p->lang);
    snprintf(p->op.state, sizeof p->op.state, "%s", q.state);
    memcpy(p->op.token_hash, r->token_hash, sizeof r->token_hash);
    p->op.now = api_now(r);
    p->op.roles = desk_acl_roles(r);
    api_op_submit(r, &p->op.op);
}

static void decide_done(api_req_t *r, store_op_t *op)
{
    docset_decide_op_t *o = (docset_decide_op_t *)op;
    if (op->rc < 0)
        problem(r, &op->err);
    else
        api_reply_json(r, 200, view_set_head(&o->ret));
}

static int parse_decide(const json_t *body, void *arg, err_t *e)
{
    docset_decide_op_t *o = arg;
    const char *d, *reason;
    int rc = jsonx_string(body, "decision", true, 1, 16, &d, e);
    if (rc == 0)
        rc = jsonx_string_lf(body, "reason", &reason, e);
    if (rc < 0)
        return rc;
    if (strcmp(d, "accepted") != 0 && strcmp(d, "returned") != 0)
        return err_set(e, -EINVAL, "invalid_decision", "decision must be accepted or returned.");
    if (strlen(reason) >= sizeof o->reason || (rc = reason_check(reason, strlen(reason), LIMIT_REASON_MIN_CHARS,
                                                   LIMIT_REASON_BYTES, REASON_ALLOW_NEWLINE, e)) < 0)
        return rc < 0 ? rc : err_set(e, -EINVAL, "invalid_reason", "The reason is too long.");
    snprintf(o->decision, sizeof o->decision, "%s", d);
    snprintf(o->reason, sizeof o->reason, "%s", reason);
    return 0;
}

void h_desk_docset_decide(api_req_t *r)
{
    int64_t id = set_id(r);
    docset_decide_op_t in;
    docset_decide_op_init(&in);
    if (!api_body_parse_or_reply(r, parse_decide, &in))
        return;
    memcpy(in.token_hash, r->token_hash, sizeof in.token_hash);
    in.set_id = id;
    in.now = api_now(r);
    in.roles = desk_acl_roles(r);
    docset_decide_op_t *o = api_op_new_from(r, &in, sizeof in, decide_done);
    if (o)
        api_op_submit(r, &o->op);
}
