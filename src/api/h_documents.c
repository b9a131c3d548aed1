/* POST /api/v1/documents/mrz — the document check (ICAO 9303). Text is
 * checked on the loop thread (microseconds); an image (image/png or
 * image/jpeg body) is read by OCR on the SLOW lane, never on a loop. The
 * document's data is not stored and not logged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "docs/mrz.h"
#ifdef UCHET_HAVE_OCR
#include "docs/ocr.h"
#endif
#include "rules/date.h"

static struct mrz_date today_of(const api_req_t *r)
{
    int y, m, d;
    date_to_ymd(date_local(api_now(r), REGION_DEFAULT_UTC_OFFSET_MIN), &y, &m, &d);
    return (struct mrz_date){y, m, d};
}

/* Text is checked as given; an image's reading (alt: the reader's second
 * candidates) may be repaired by the rules of mrz_check_ocr. */
static void reply_check(api_req_t *r, const char *text, const char *alt, bool image, size_t len, const json_t *typed)
{
    json_t *answer;
    err_t e = {0};
    int rc = image ? mrz_check_ocr(text, alt, len, typed, today_of(r), &answer, &e)
                   : mrz_check_text(text, len, typed, today_of(r), &answer, &e);
    if (rc < 0) {
        api_problem(r, e.errnum == -ENOMEM ? 503 : 422, e.code, e.msg);
        return;
    }
    api_reply_json(r, 200, answer);
}

static void check_text_body(api_req_t *r)
{
    static const char *const fields[] = {"text", "typed", NULL};
    static const char *const typed_fields[] = {"surname", "given_names", "birth_date", "document_number", NULL};
    /* The route takes a photo or JSON, so the router leaves the body to us;
     * parsed, it is the request's like any other (api.h). */
    json_t *body = r->body = api_body_or_reply(r, fields);
    if (!body)
        return;
    err_t e = {0};
    const char *text;
    json_t *typed = NULL;
    int rc = jsonx_string_lf(body, "text", &text, &e);
    if (rc == 0)
        rc = jsonx_object(body, "typed", false, &typed, &e);
    if (rc == 0 && typed)
        rc = jsonx_only_fields(typed, typed_fields, &e);
    if (rc < 0)
        api_problem_err(r, &e);
    else
        reply_check(r, text, NULL, false, strlen(text), typed);
}

#ifdef UCHET_HAVE_OCR
typedef struct ocr_op {
    store_op_t op;
    unsigned char *img; /* owned copy of the body */
    size_t len;
    char *text; /* owned result */
    char *alt;  /* owned: the reader's second candidates */
} ocr_op_t;

static int run_ocr(db_t *db, store_op_t *op)
{
    (void)db;
    ocr_op_t *o = (ocr_op_t *)op;
    int r = ocr_read_mrz(o->img, o->len, &o->text, &o->alt, &op->err);
    free(o->img);
    o->img = NULL;
    return r;
}

static void ocr_done(api_req_t *r, store_op_t *op)
{
    ocr_op_t *o = (ocr_op_t *)op;
    if (op->rc < 0)
        api_problem(r, op->err.errnum == -ENOMEM ? 503 : 422, op->err.code, op->err.msg);
    else
        reply_check(r, o->text, o->alt, true, strlen(o->text), NULL);
    free(o->text);
    free(o->alt);
}

static void check_image_body(api_req_t *r)
{
    h2o_iovec_t body = r->req->entity;
    void *img = malloc(body.len ? body.len : 1); /* the op's, once it exists */
    ocr_op_t *o = img ? api_op_new(r, sizeof *o, ocr_done) : NULL;
    if (!o) {
        free(img);
        api_problem_oom(r);
        return;
    }
    o->img = img;
    memcpy(o->img, body.base, body.len);
    o->len = body.len;
    o->op.lane = STORE_SLOW;
    o->op.run = run_ocr;
    api_op_submit(r, &o->op);
}
#endif

static bool type_is(const h2o_iovec_t *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && ct->len >= n && strncasecmp(ct->base, want, n) == 0;
}

void h_documents_mrz(api_req_t *r)
{
    const h2o_iovec_t *ct = api_header(r, H2O_TOKEN_CONTENT_TYPE);
    if (!type_is(ct, "image/png") && !type_is(ct, "image/jpeg")) {
        check_text_body(r);
        return;
    }
    if (r->req->entity.len > LIMIT_IMAGE_BODY_BYTES) {
        api_problem(r, 413, "body_too_large", "The image is larger than 8 MiB.");
        return;
    }
#ifdef UCHET_HAVE_OCR
    check_image_body(r);
#else
    api_problem(r, 415, "unsupported_media_type", "This build reads text only; send {\"text\": ...}.");
#endif
}
