#include "docset/reader.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "bio/raster.h"
#include "docset/classify.h"
#include "docset/page.h"
#include "docset/pdfpage.h"
#include "docset/portrait.h"
#include "docset/seal.h"
#include "docset/setjson.h"
#include "docset/straighten.h"
#include "docset/tess.h"
#ifdef UCHET_HAVE_FACECHECK
#include "bio/facecheck.h"
#endif
#include "notify/catalog.h"
#include "rules/docset.h"
#include "store/docset.h"
#include "store/region.h"

#define FLIGHT_MAX 256 /* sets read at once; more kicks wait for a later one */

struct reader_flight {
    pthread_mutex_t mu;
    int n;
    int64_t ids[FLIGHT_MAX];
    bool again[FLIGHT_MAX]; /* kicked while in flight: look once more */
};

reader_flight_t *reader_flight_new(void)
{
    reader_flight_t *f = calloc(1, sizeof *f);
    if (f)
        pthread_mutex_init(&f->mu, NULL);
    return f;
}

void reader_flight_free(reader_flight_t *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* true: the caller starts a reader for the set; false: one is in flight
 * (told to look again) or the table is full (the pages stay queued until
 * the next kick). */
static bool flight_enter(reader_flight_t *f, int64_t id)
{
    bool start = false;
    pthread_mutex_lock(&f->mu);
    int i = 0;
    while (i < f->n && f->ids[i] != id)
        i++;
    if (i < f->n) {
        f->again[i] = true;
    } else if (f->n < FLIGHT_MAX) {
        f->ids[f->n] = id;
        f->again[f->n++] = false;
        start = true;
    }
    pthread_mutex_unlock(&f->mu);
    return start;
}

/* true: kicked meanwhile, keep going; false: the set left the table. */
static bool flight_leave(reader_flight_t *f, int64_t id)
{
    bool again = false;
    pthread_mutex_lock(&f->mu);
    for (int i = 0; i < f->n; i++) {
        if (f->ids[i] != id)
            continue;
        again = f->again[i];
        f->again[i] = false;
        if (!again) {
            f->ids[i] = f->ids[f->n - 1];
            f->again[i] = f->again[f->n - 1];
            f->n--;
        }
        break;
    }
    pthread_mutex_unlock(&f->mu);
    return again;
}

/* The reading thread's own tesseract handles (docset/tess.h) and face
 * detector (bio/facecheck, for the photograph): made at the thread's first
 * page and kept, so each model is read from disk once per SLOW-lane thread
 * rather than once per page; freed by the key's destructor when the thread
 * ends (store_close joins the lane's threads). Owned by the thread through
 * the key; no other thread sees them. */
struct reading_tools {
    docset_tess_t *tess;
    face_detector_t *faces; /* NULL: no OpenCV, or its cascades missing */
};

static pthread_key_t tools_key;
static pthread_once_t tools_key_once = PTHREAD_ONCE_INIT;
static int tools_key_ok;

static void tools_free(void *p)
{
    struct reading_tools *t = p;
    if (!t)
        return;
    docset_tess_free(t->tess);
#ifdef UCHET_HAVE_FACECHECK
    face_detector_free(t->faces);
#endif
    free(t);
}

static void tools_key_make(void)
{
    tools_key_ok = pthread_key_create(&tools_key, tools_free) == 0;
}

static struct reading_tools *tools_new(void)
{
    struct reading_tools *t = calloc(1, sizeof *t);
    if (!t || !(t->tess = docset_tess_new())) {
        free(t);
        return NULL;
    }
#ifdef UCHET_HAVE_FACECHECK
    err_t e = {0};
    if (face_detector_open(NULL, &t->faces, &e) < 0)
        t->faces = NULL; /* pages are read; a photograph stays unknown */
#endif
    return t;
}

/* This thread's tools, borrowed; NULL on ENOMEM. */
static struct reading_tools *thread_tools(void)
{
    pthread_once(&tools_key_once, tools_key_make);
    if (!tools_key_ok)
        return NULL;
    struct reading_tools *t = pthread_getspecific(tools_key);
    if (!t && (t = tools_new()) && pthread_setspecific(tools_key, t) != 0) {
        tools_free(t);
        t = NULL;
    }
    return t;
}

typedef struct reader_op {
    store_op_t op;
    reader_ctx_t ctx;
    int64_t set_id;
    int64_t now;
    bool more; /* a page was read: queue the op again */
} reader_op_t;

/* What reading one page gave. */
struct page_out {
    const char *state;
    char type[40];
    char *quality; /* JSON text, malloc'd */
    char *fields;  /* JSON text, malloc'd; values: sealed before storing */
};

/* The page's pixels, grey. */
static int decode(const docset_claim_t *c, const uint8_t *upload, size_t len, raster_t **ret_grey, err_t *err)
{
    if (strcmp(c->media_type, "application/pdf") != 0)
        return raster_decode(upload, len, 1, ret_grey, err);
    return pdfpage_render(upload, len, c->pdf_page - 1, ret_grey, err);
}

/* Replaces *grey by the page turned upright and level, when it was not. */
static int level_page(raster_t **grey, docset_tess_t *tess, err_t *err)
{
    raster_t *straight = NULL;
    struct straighten_result how;
    int r = straighten_page(*grey, tess, &straight, &how, err);
    if (r == 0 && straight) {
        raster_free(*grey);
        *grey = straight;
    }
    return r;
}

static void read_page(const reader_ctx_t *ctx, int64_t set_id, int64_t now, const docset_claim_t *c,
    const uint8_t *upload, size_t len, struct page_out *out)
{
    raster_t *grey = NULL;
    err_t e = {0};
    struct page_quality q;
    out->state = "failed";
    snprintf(out->type, sizeof out->type, "%s", "");
    (void)ctx, (void)set_id;
    struct reading_tools *tools = thread_tools();
    if (!tools || decode(c, upload, len, &grey, &e) < 0 || level_page(&grey, tools->tess, &e) < 0 ||
        page_measure(grey, &q, &e) < 0) {
        out->quality = strdup("{\"legible\":false,\"advice\":[\"no_text\"]}");
        raster_free(grey);
        return;
    }
    out->state = "illegible";
    struct classify_result cr;
    date_t today = date_local(now, REGION_DEFAULT_UTC_OFFSET_MIN);
    json_int_t prints = 0;
    if (classify_page_or_photo(grey, &q, today, tools->tess, tools->faces, &cr, &e) == 1) {
        out->state = strcmp(cr.type, "unknown") ? "read" : "unknown";
        snprintf(out->type, sizeof out->type, "%s", cr.type);
        out->fields = json_dumps(cr.fields, JSON_COMPACT);
        prints = json_integer_value(json_object_get(cr.fields, "prints"));
        classify_result_free(&cr);
    }
    json_t *qj = page_quality_json(&q); /* after reading: a small page read whole is legible */
    /* a sheet of prints: how many, not sealed (a count, nobody's data), for
     * the page's view */
    if (qj && prints > 1)
        json_object_set_new(qj, "prints", json_integer(prints));
    out->quality = qj ? json_dumps(qj, JSON_COMPACT) : NULL;
    json_decref(qj);
    raster_free(grey);
}

/* Seals the fields and stores the page's result in one transaction. */
static int save_page(db_t *db, int64_t set_id, int64_t now, const uint8_t dk[SEAL_KEY_BYTES], int n,
    const struct page_out *out, err_t *err)
{
    uint8_t *blob = NULL;
    size_t blen = 0;
    int r = 0;
    if (out->fields && (r = seal_box(dk, set_id, n, "fields", out->fields, strlen(out->fields), &blob, &blen, err)) < 0)
        return r;
    if ((r = db_begin_write(db, err)) == 0) {
        r = docset_page_result(db, set_id, n, out->state, out->type, out->quality, blob, blen, now, err);
        r = r < 0 ? (db_rollback(db), r) : db_commit(db, err);
    }
    free(blob);
    return r;
}

/* Claims one page (1), or finds none queued (0). */
static int claim(db_t *db, int64_t set_id, int64_t now, docset_claim_t *c, err_t *err)
{
    int r = db_begin_write(db, err);
    if (r < 0)
        return r;
    r = docset_claim_page(db, set_id, now, c, err);
    if (r < 0) {
        db_rollback(db);
        return r;
    }
    int rc = db_commit(db, err);
    return rc < 0 ? rc : r;
}

static int read_one(db_t *db, reader_op_t *o, docset_claim_t *c)
{
    uint8_t dk[SEAL_KEY_BYTES], *upload = NULL;
    size_t len = 0;
    struct page_out out = {0};
    int r = seal_open_key(o->ctx.keys, c->wrapped, c->wrapped_len, dk, &o->op.err);
    if (r == 0 &&
        (r = seal_unbox(dk, o->set_id, c->upload_n, "upload", c->data, c->data_len, &upload, &len, &o->op.err)) == 0) {
        read_page(&o->ctx, o->set_id, o->now, c, upload, len, &out);
        sodium_memzero(upload, len);
        free(upload);
    } else {
        out.state = "failed";
    }
    r = save_page(db, o->set_id, o->now, dk, c->n, &out, &o->op.err);
    sodium_memzero(dk, sizeof dk);
    if (out.fields)
        sodium_memzero(out.fields, strlen(out.fields));
    free(out.fields);
    free(out.quality);
    log_msg(LOG_INFO, "docset.page_read", "set %lld page %d: %s", (long long)o->set_id, c->n, out.state);
    return r;
}

/* ------------------------------------------------------------ the check */

void reader_doc_values(struct docset_doc *doc, const json_t *fields)
{
    const char *key;
    const json_t *v;
    json_object_foreach ((json_t *)fields, key, v) {
        enum docset_field f = docset_field_from_name(key, strlen(key));
        if (!strcmp(key, "prints") && json_is_integer(v) && json_integer_value(v) > 1 &&
            json_integer_value(v) <= PORTRAIT_PRINTS_MAX)
            doc->copies = (int)json_integer_value(v); /* docset/classify: a sheet of prints */
        if (f == DOCSET_F_NONE)
            continue;
        struct docset_value *dv = &doc->fields[f];
        enum docset_field_kind k = docset_field_kind(f);
        if (k == DOCSET_KIND_NUMBER && json_is_integer(v)) {
            dv->number = json_integer_value(v);
            dv->state = DOCSET_V_PRESENT;
        } else if (k == DOCSET_KIND_DATE && json_is_string(v) &&
                   date_parse(json_string_value(v), json_string_length(v), &dv->date) == 0) {
            dv->state = DOCSET_V_PRESENT;
        } else if (k == DOCSET_KIND_TEXT && json_is_string(v)) {
            dv->text = json_string_value(v);
            dv->state = DOCSET_V_PRESENT;
        } else {
            dv->state = DOCSET_V_UNREADABLE;
        }
    }
}

/* The engine's documents from the read pages: one page, one document. */
static int build_docs(const reader_op_t *o, const uint8_t dk[SEAL_KEY_BYTES], const docset_read_page_t *pages, int n,
    struct docset_doc *docs, json_t **held)
{
    for (int i = 0; i < n; i++) {
        memset(&docs[i], 0, sizeof docs[i]);
        bool known = !strcmp(pages[i].state, "read") && pages[i].doc_type[0];
        docs[i].type = known ? pages[i].doc_type : "unknown";
        docs[i].illegible = !strcmp(pages[i].state, "illegible");
        held[i] = NULL;
        uint8_t *plain = NULL;
        size_t plen = 0;
        err_t e = {0};
        if (!pages[i].fields || seal_unbox(dk, o->set_id, pages[i].n, "fields", pages[i].fields, pages[i].fields_len,
                                    &plain, &plen, &e) < 0)
            continue;
        held[i] = json_loadb((const char *)plain, plen, 0, NULL);
        sodium_memzero(plain, plen);
        free(plain);
        if (held[i])
            reader_doc_values(&docs[i], held[i]);
    }
    return 0;
}

/* The result JSON: the engine's outcome (setjson: rule ids, codes, dates,
 * no field values) plus which page each document is. */
static char *result_text(const reader_op_t *o, const struct docset_request *req, const struct docset_result *res,
    const docset_read_page_t *pages, int n)
{
    json_t *j = setjson_result(o->ctx.cat, req, res);
    if (!j)
        return NULL;
    json_t *map = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(map, json_integer(pages[i].n));
    json_object_set_new(j, "pages", map);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

struct docset_request reader_request(const char *procedure, const char *category, date_t submitted,
    date_t planned_decision, const struct docset_doc *docs, int n, const calendar_t *cal)
{
    bool past = planned_decision == DOCSET_NO_DATE || planned_decision < submitted;
    return (struct docset_request){.procedure = procedure,
        .category = category,
        .submitted = submitted,
        .decision = past ? submitted : planned_decision,
        .stay_end = DOCSET_NO_DATE,
        .docs = docs,
        .n_docs = (size_t)n,
        .calendar = cal};
}

static int evaluate(reader_op_t *o, const docset_set_row_t *set, const uint8_t dk[SEAL_KEY_BYTES],
    const docset_read_page_t *pages, int n, char **ret_text, const char **ret_outcome)
{
    struct docset_doc docs[LIMIT_DOCSET_PAGES];
    json_t *held[LIMIT_DOCSET_PAGES];
    date_t submitted = date_local(set->submitted_at, REGION_DEFAULT_UTC_OFFSET_MIN), decision = DOCSET_NO_DATE;
    if (set->planned_decision[0])
        date_parse(set->planned_decision, strlen(set->planned_decision), &decision);
    build_docs(o, dk, pages, n, docs, held);
    struct docset_request req = reader_request(set->procedure, set->category, submitted, decision, docs, n, o->ctx.cal);
    struct docset_result res;
    int r = docset_check(o->ctx.cat, &req, &res, &o->op.err);
    if (r == 0) {
        *ret_outcome = docset_outcome_name(res.outcome);
        *ret_text = result_text(o, &req, &res, pages, n);
        docset_result_free(&res);
        if (!*ret_text)
            r = err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    for (int i = 0; i < n; i++)
        json_decref(held[i]);
    return r;
}

/* When the set is submitted and fully read: check it and store the outcome. */
static int check_if_due(db_t *db, reader_op_t *o)
{
    docset_read_page_t pages[LIMIT_DOCSET_PAGES];
    docset_set_row_t set;
    uint8_t wrapped[DOCSET_WRAPPED_MAX], dk[SEAL_KEY_BYTES];
    size_t wlen = 0;
    int n = 0;
    int r = db_begin_write(db, &o->op.err);
    if (r < 0)
        return r;
    r = docset_for_check(db, o->set_id, &set, wrapped, &wlen, pages, &n, &o->op.err);
    if (r == 1 && (r = seal_open_key(o->ctx.keys, wrapped, wlen, dk, &o->op.err)) == 0) {
        char *text = NULL;
        const char *outcome = NULL;
        r = evaluate(o, &set, dk, pages, n, &text, &outcome);
        sodium_memzero(dk, sizeof dk);
        if (r == 0)
            r = docset_save_outcome(db, o->set_id, outcome, text, o->ctx.cat->revision, o->now, &o->op.err);
        if (r == 0)
            log_msg(LOG_INFO, "docset.checked", "set %lld: %s", (long long)o->set_id, outcome);
        free(text);
    }
    docset_read_pages_free(pages, n);
    if (r < 0) {
        db_rollback(db);
        return r;
    }
    return db_commit(db, &o->op.err);
}

/* One page per operation, so log-ins and uploads queued on the SLOW lane
 * wait for one page at most, never for a whole set; then the next. */
static int run_reader(db_t *db, store_op_t *op)
{
    reader_op_t *o = (reader_op_t *)op;
    docset_claim_t c;
    int r = claim(db, o->set_id, o->now, &c, &op->err);
    o->more = r == 1;
    if (r == 1) {
        r = read_one(db, o, &c);
        free(c.data);
    } else if (r == 0) {
        r = check_if_due(db, o);
    }
    if (r < 0) {
        o->more = false;
        log_msg(LOG_WARN, "docset.reader_failed", "set %lld: %s", (long long)o->set_id, op->err.code);
    }
    return r;
}

/* After a page: the same op goes to the back of the lane for the next one
 * (or the check); after the check, it is freed. */
static void reader_post(store_op_t *op)
{
    reader_op_t *o = (reader_op_t *)op;
    if (o->more || flight_leave(o->ctx.flight, o->set_id)) {
        o->more = false;
        o->op.rc = 0;
        memset(&o->op.err, 0, sizeof o->op.err);
        if (store_submit(o->ctx.store, &o->op, 0) == 0)
            return;
        flight_leave(o->ctx.flight, o->set_id); /* closing: the pages stay queued */
    }
    free(o);
}

void reader_kick(const reader_ctx_t *ctx, int64_t set_id, int64_t now)
{
    if (!flight_enter(ctx->flight, set_id))
        return;
    reader_op_t *o = calloc(1, sizeof *o);
    if (!o) {
        flight_leave(ctx->flight, set_id);
        return;
    }
    o->op.lane = STORE_SLOW;
    o->op.run = run_reader;
    o->op.post = reader_post;
    o->ctx = *ctx;
    o->set_id = set_id;
    o->now = now;
    if (store_submit(ctx->store, &o->op, 0) < 0) {
        flight_leave(ctx->flight, set_id);
        free(o);
    }
}

/* ------------------------------------------------------------ the view */

/* The message a finding is told with (po: docset.finding.<it>): by its
 * code, and a document the set needs several of (four photographs) and
 * holds some of, by how many. */
static const char *message_of(const json_t *finding)
{
    static const char *const own[] = {"missing_document", "illegible", "unknown_document"};
    const char *code = json_string_value(json_object_get(finding, "code"));
    if (code && !strcmp(code, "missing_document") && json_integer_value(json_object_get(finding, "expected")) > 1 &&
        json_integer_value(json_object_get(finding, "actual")) > 0)
        return "missing_copies"; /* some sent, not all */
    size_t n = code ? strlen(code) : 0;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (code && !strcmp(code, own[i]))
            return own[i];
    if (n && (!strncmp(code, "expire", 6)))
        return "expired";
    if (n && ((n > 5 && !strcmp(code + n - 5, "_near")) || (n > 9 && !strcmp(code + n - 9, "_mismatch"))))
        return "mismatch";
    return "other";
}

json_t *reader_view_result(const struct catalog *cat, const char *result, const char *lang)
{
    json_t *j = json_loads(result, 0, NULL);
    if (!j)
        return NULL;
    json_t *findings = json_object_get(j, "findings"), *f;
    size_t i;
    char key[80], text[512];
    json_array_foreach (findings, i, f) {
        const char *kind = message_of(f);
        char *params = json_dumps(f, JSON_COMPACT);
        snprintf(key, sizeof key, "docset.finding.%s", kind);
        if (cat && catalog_render(cat, lang, key, params, text, sizeof text, NULL) != -EINVAL)
            json_object_set_new(f, "message", json_string(text));
        snprintf(key, sizeof key, "docset.todo.%s", kind);
        if (cat && catalog_render(cat, lang, key, params, text, sizeof text, NULL) != -EINVAL)
            json_object_set_new(f, "todo", json_string(text));
        free(params);
    }
    const char *outcome = json_string_value(json_object_get(j, "outcome"));
    snprintf(key, sizeof key, "docset.outcome.%s", outcome ? outcome : "");
    if (cat && catalog_render(cat, lang, key, NULL, text, sizeof text, NULL) != -EINVAL)
        json_object_set_new(j, "message", json_string(text));
    return j;
}
