#pragma once
/* reader: the pages of a document set read on the SLOW lane, one page per
 * step, never on an event loop (docs/DOCSETS.md, "Processing").
 *
 * For each queued page: unseal the upload; decode it (a PDF page rendered
 * by docset/pdfpage at 300 dpi); measure legibility (docset/page); when
 * legible, or near enough the glyph floor to be read whole, classify it and
 * read what is certain (docset/classify_measured_page); store
 * the state (read / unknown / illegible / failed), the quality JSON and the
 * sealed fields. When the set is submitted and every page is read, the rule
 * engine (rules/docset) checks it against the catalogue and the outcome is
 * stored. Each page is taken by an UPDATE ... WHERE state = 'queued', so two
 * readers of one set never read the same page.
 *
 * Each SLOW-lane thread keeps its own tesseract handles (docset/tess.h), made
 * at its first page and freed when the thread ends: a model is read from
 * disk once per thread, not once per page.
 *
 * Nothing read from a page is logged: only set ids, page numbers, states. */
#include <jansson.h>
#include <stdint.h>

#include "bio/vault.h"
#include "rules/calendar.h"
#include "store/store.h"

struct docset_catalogue;
struct catalog;
typedef struct reader_flight reader_flight_t;

typedef struct reader_ctx {
    store_t *store;                     /* borrowed */
    const vault_keys_t *keys;           /* borrowed */
    const struct docset_catalogue *cat; /* borrowed */
    const calendar_t *cal;              /* borrowed: the official calendar, for working-day deadlines */
    reader_flight_t *flight;            /* borrowed: the sets being read now */
} reader_ctx_t;

/* The sets with a reader in flight: at most one reader per set, so twenty
 * uploads to one set queue one reader, not twenty (each would otherwise
 * take a place on the SLOW lane ahead of everyone's next upload). */
reader_flight_t *reader_flight_new(void);    /* NULL on ENOMEM */
void reader_flight_free(reader_flight_t *f); /* accepts NULL */

/* Queues the reading of set_id's pages, and its check when due, on the
 * SLOW lane; returns at once. `now` (the injected clock) dates what it
 * stores. When the lane refuses (overload), the pages
 * stay queued and the next upload, submit or GET of the set kicks again. */
void reader_kick(const reader_ctx_t *ctx, int64_t set_id, int64_t now);

/* The fields one page's classify_page gave ({name: value or null}) as the
 * engine's values in doc->fields: a value of the field's kind is present,
 * anything else unreadable, an unknown name skipped; "prints" (a sheet of
 * photographs, 2 to PORTRAIT_PRINTS_MAX) as doc->copies. Texts borrow from
 * `fields`, which must outlive doc's use. Also for bench/docset. */
struct docset_doc;
void reader_doc_values(struct docset_doc *doc, const json_t *fields);

/* The request uchetd checks a set's documents with: a planned decision
 * date already past (or none: DOCSET_NO_DATE) is the submission date, no
 * planned end of stay. Borrows every pointer. Also for bench/docset. */
struct docset_request reader_request(const char *procedure, const char *category, date_t submitted,
    date_t planned_decision, const struct docset_doc *docs, int n, const calendar_t *cal);

/* The stored result JSON for the person: each finding gets a "message" and
 * what to do about it, "todo", in `lang` (po: docset.finding.<kind>,
 * docset.todo.<kind>, docset.outcome.<outcome>). New
 * reference, NULL when the text is not JSON. */
json_t *reader_view_result(const struct catalog *cat, const char *result, const char *lang);
