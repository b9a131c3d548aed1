#include "docset/intake.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bio/raster.h"
#include "docset/pdfpage.h"
#include "docset/seal.h"
#include "store/docset.h"
#include "store/session.h"

/* The whole check of the bytes, before the database is touched: pages is
 * 1 for a photo, the page count of a PDF. */
static int check_bytes(docset_intake_op_t *o, int *ret_pages)
{
    if (o->media == SNIFF_PDF)
        return pdfpage_count(o->bytes, o->len, ret_pages, &o->op.err);
    raster_t *img = NULL;
    int r = raster_decode(o->bytes, o->len, 1, &img, &o->op.err);
    raster_free(img);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return err_set(&o->op.err, -EINVAL, "image_corrupt",
            "The image cannot be read (it is damaged or cut short): take the photo again.");
    *ret_pages = 1;
    return 0;
}

static int store_pages(db_t *db, docset_intake_op_t *o, int pages)
{
    int64_t pid;
    uint8_t wrapped[DOCSET_WRAPPED_MAX], dk[SEAL_KEY_BYTES];
    size_t wlen = 0;
    int r = session_person(db, o->token_hash, o->now, &pid, &o->op.err);
    if (r < 0 ||
        (r = docset_reserve_pages(
             db, pid, o->set_id, pages, (int64_t)o->len, &o->ret_first, wrapped, &wlen, &o->op.err)) < 0 ||
        (r = seal_open_key(o->keys, wrapped, wlen, dk, &o->op.err)) < 0)
        return r;
    uint8_t *blob = NULL;
    size_t blen = 0;
    r = seal_box(dk, o->set_id, o->ret_first, "upload", o->bytes, o->len, &blob, &blen, &o->op.err);
    sodium_memzero(dk, sizeof dk);
    const char *media = sniff_media_name(o->media);
    for (int i = 0; r == 0 && i < pages; i++) {
        int pdf_page = o->media == SNIFF_PDF ? i + 1 : 0;
        r = docset_insert_page(db, o->set_id, o->ret_first + i, o->ret_first, pdf_page, media,
            i == 0 ? (int64_t)o->len : 0, i == 0 ? blob : NULL, i == 0 ? blen : 0, o->now, &o->op.err);
    }
    free(blob);
    o->ret_count = pages;
    return r;
}

static int run_intake(db_t *db, store_op_t *op)
{
    docset_intake_op_t *o = (docset_intake_op_t *)op;
    int pages = 0;
    int r = check_bytes(o, &pages);
    if (r == 0 && (r = db_begin_write(db, &op->err)) == 0) {
        if ((r = store_pages(db, o, pages)) < 0)
            db_rollback(db);
        else
            r = db_commit(db, &op->err);
    }
    /* A SLOW op runs once; its request may be gone when it ends (then no
     * finish runs), so the bytes are freed here. */
    docset_intake_op_done(o);
    return r;
}

void docset_intake_op_init(docset_intake_op_t *o)
{
    memset(o, 0, sizeof *o);
    o->op.lane = STORE_SLOW;
    o->op.run = run_intake;
}

void docset_intake_op_done(docset_intake_op_t *o)
{
    free(o->bytes);
    o->bytes = NULL;
}
