/* GET /api/v1/kiosk/enrolments/{receipt}/receipt.pdf?lang=xx — the kiosk
 * prints the applicant's receipt (docs/ENROLMENT.md, "Receipt").
 *
 * Only the kiosk that submitted the enrolment gets it, and only for
 * KIOSK_RECEIPT_TTL_S after the submit: afterwards the number is the
 * applicant's alone. The PDF is made on the SLOW lane (shaping and PDF
 * writing are CPU work) and never cached. Nothing here logs. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/kiosk.h"
#include "api/printed.h"
#include "store/kiosk.h"

typedef struct receipt_op {
    store_op_t op;
    const catalog_t *cat; /* borrowed, read-only */
    uint8_t key_hash[SECRET_HASH_BYTES];
    int64_t now;
    char receipt[KIOSK_RECEIPT_CHARS + 1];
    char lang[4];
    uint8_t *ret_pdf; /* owned; freed by done */
    size_t ret_len;
} receipt_op_t;

static int run_receipt(db_t *db, store_op_t *op)
{
    receipt_op_t *o = (receipt_op_t *)op;
    int64_t at = 0;
    int r = kiosk_enrolment_submitted_at(db, o->key_hash, o->receipt, &at, &op->err);
    if (r < 0)
        return r;
    if (o->now - at > KIOSK_RECEIPT_TTL_S)
        return err_set(&op->err, -ETIMEDOUT, "receipt_expired",
            "The receipt can be printed only in the first minutes after the submit.");
    return printed_receipt(o->cat, o->lang, o->receipt, at, &o->ret_pdf, &o->ret_len, &op->err);
}

static void receipt_done(api_req_t *r, store_op_t *op)
{
    receipt_op_t *o = (receipt_op_t *)op;
    if (op->rc < 0) {
        if (!strcmp(op->err.code, "receipt_expired"))
            api_problem(r, 410, op->err.code, op->err.msg);
        else if (!strcmp(op->err.code, "unauthorized"))
            api_problem(r, 401, op->err.code, op->err.msg);
        else
            api_problem_err(r, &op->err);
    } else
        api_reply_bytes(r, 200, "application/pdf", o->ret_pdf, o->ret_len);
    if (o->ret_pdf) {
        sodium_memzero(o->ret_pdf, o->ret_len);
        free(o->ret_pdf);
        o->ret_pdf = NULL;
    }
}

/* ?lang=xx, one of the 13 kiosk languages; Russian when absent. */
static bool lang_of(h2o_iovec_t q, char ret[4])
{
    static const char prefix[] = "lang=";
    if (q.len == 0) {
        snprintf(ret, 4, "ru");
        return true;
    }
    if (q.len != sizeof prefix - 1 + 2 || memcmp(q.base, prefix, sizeof prefix - 1) != 0)
        return false;
    snprintf(ret, 4, "%.2s", q.base + sizeof prefix - 1);
    return printed_kiosk_language(ret);
}

void h_kiosk_receipt_pdf(api_req_t *r)
{
    uint8_t hash[SECRET_HASH_BYTES];
    char lang[4];
    h2o_iovec_t rc = r->params[0];
    memcpy(hash, r->token_hash, sizeof hash); /* kiosk on and its key's form: the route's gate and auth */
    if (!kiosk_receipt_valid(rc.base, rc.len)) {
        api_problem(r, 404, "enrolment_not_found", "This kiosk submitted no enrolment with this receipt.");
        return;
    }
    if (!lang_of(r->query, lang)) {
        api_problem(r, 400, "invalid_language",
            "Give ?lang= one of the 13 kiosk languages (ru uk tg uz ro en fr de ky kk zh tr ka).");
        return;
    }
    receipt_op_t *o = api_op_new_or_reply(r, sizeof *o, receipt_done);
    if (!o)
        return;
    o->op.lane = STORE_SLOW;
    o->op.run = run_receipt;
    o->cat = r->w->catalog;
    o->now = api_now(r);
    memcpy(o->key_hash, hash, sizeof hash);
    memcpy(o->receipt, rc.base, KIOSK_RECEIPT_CHARS);
    snprintf(o->lang, sizeof o->lang, "%s", lang);
    api_op_submit(r, &o->op);
}
