#pragma once
/* intake: one uploaded page (a photo or a PDF) checked in full and stored
 * sealed, on the SLOW lane (decoding and the PDF child never run on an event
 * loop).
 *
 * The loop has already sniffed the bytes (docset/sniff). Here a photo is
 * decoded completely (a truncated or damaged JPEG is refused, not stored
 * grey), and a PDF's pages are counted by poppler in its child
 * (docset/pdfpage). Only then, in one write transaction: the session, the
 * set's page and byte reservation (store/docset), the upload sealed under
 * the set's data key (docset/seal), one queued row per page. Any refusal
 * stores nothing. */
#include <stddef.h>
#include <stdint.h>

#include "base/secret.h"
#include "bio/vault.h"
#include "docset/sniff.h"
#include "store/store.h"

typedef struct docset_intake_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int64_t set_id;
    const vault_keys_t *keys; /* borrowed, read-only */
    uint8_t *bytes;           /* owned; freed when run ends (or by docset_intake_op_done) */
    size_t len;
    enum sniff_media media;
    int ret_first; /* the first page's number */
    int ret_count; /* pages added (a PDF's page count) */
} docset_intake_op_t;

/* Sets lane (SLOW) and run; the caller fills the inputs. */
void docset_intake_op_init(docset_intake_op_t *o);
/* Frees the owned bytes; for an op that was never submitted. */
void docset_intake_op_done(docset_intake_op_t *o);
