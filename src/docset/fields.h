#pragma once
/* fields: the values of a form page, found by their printed labels and read
 * with tesseract, one model and character whitelist per field
 * (docs/DOCSETS.md, "Fields").
 *
 * For the types it knows (migration_card, patent, passport_translation,
 * medical_certificate, hiv_certificate, language_certificate,
 * employer_notice, labour_contract, application, dms_policy) a per-type
 * table names
 * each field's label words (Russian and, where printed, English), its kind
 * and its script. The "rus+eng" model reads the words of the page once,
 * with their boxes (a fields_page_t, shared with docset/classify: the top
 * third first, where classify looks for a title, then, for a form, the rest
 * of the page); a word matching a label (upper-cased, punctuation dropped, an
 * edit distance of one allowed in words of six letters or more) places the
 * field; its value is the box under the label, or the strip under it when
 * there is no box, cut at the next label to the right and at the box's
 * lines. That region is read alone as one line:
 *   names      "eng" A-Z (and ‘ ' -) or "rus" А-Я, the script the table
 *              gives (never the other: a Cyrillic name read in Latin came
 *              out as a confident wrong word);
 *   dates      "eng" digits and dots, DD.MM.YYYY with a calendar check -> ISO;
 *   numbers    "eng" A-Z and digits, letters then 5-10 digits;
 *   text       "rus" Cyrillic letters, digits and . , - ( ) (region, profession);
 *   level      read as text; the catalogue's level (patent, rvp, vnzh) whose
 *              words it holds ("...на работу или патента", "...на временное
 *              проживание", "...вида на жительство"), exactly one;
 *   tick boxes the printed choice whose box holds a mark (exactly one).
 * A value that does not parse or whose confidence is below the field kind's
 * floor is unreadable (JSON null in the fields object: the reader's engine
 * input counts it as unreadable), never guessed. A field whose label is not
 * found, or whose box is blank, is unreadable too: the form prints every
 * field of its table, so a value not read is never a value the document
 * lacks (an absent field is one the engine does not compare).
 *
 * Values read are personal data: the caller seals them and never logs them;
 * this module does not log. */
#include <jansson.h>
#include <stddef.h>

#include "base/err.h"
#include "bio/raster.h"
#include "docset/tess.h"

/* True if fields_read has a field table for this document type. */
int fields_known_type(const char *type);
/* The i-th field name of the type's table (a static string), NULL past the
 * end or for a type without one. */
const char *fields_name(const char *type, size_t i);

/* A page's words as the "rus+eng" model reads them (PSM_AUTO; each word's
 * letters and its box in the page's pixels) on a copy of the page with its
 * paper stretched to white (the commonest grey above 128 scaled to 255).
 * Each pixel row is read once: fields_page_top reads the top third,
 * fields_read the rest (from a row no word of the top third crosses). One
 * page per value; used by one thread at a time. */
typedef struct fields_page fields_page_t;

/* Reads the words of the top third of grey (one channel, upright and
 * level; borrowed, not kept: the page is copied) with tess's "rus+eng"
 * handle (tess borrowed; the handle left cleared). *ret: the caller owns
 * it and frees it with fields_page_free; NULL (and 0) when there is no
 * "rus+eng" handle (no tesseract, model not installed) or grey is not one
 * channel. 0, -ENOMEM. */
int fields_page_top(const raster_t *grey, docset_tess_t *tess, fields_page_t **ret, err_t *err);
/* The words of the top third (as fields_page_top read them, whatever
 * fields_read reads later), each as its letters in upper case (Latin,
 * Russian Cyrillic; digits and punctuation dropped), words with letters
 * joined by one space in reading order: UTF-8, borrowed from p (valid until
 * fields_page_free); "" for NULL. */
const char *fields_page_title(const fields_page_t *p);
/* Frees p and what it owns. Accepts NULL. */
void fields_page_free(fields_page_t *p);

/* Reads the fields of `page` (from fields_page_top; borrowed, changed: the
 * rest of the page's words read into it) as a page of `type` into `fields`
 * (borrowed, changed: each field of the type's table set to its value, or
 * to null when unreadable or not found; fields already present are kept,
 * except that a null one may be filled by the second pass). When not every label of the
 * type is among the page's words, the page is read again at twice the size
 * and the fields still absent or null are read from that pass's words.
 * tess (borrowed) gives the handles. Returns 0 (also when the type has no
 * table, page is NULL or no model is installed: nothing is added), -ENOMEM. */
int fields_read(fields_page_t *page, const char *type, docset_tess_t *tess, json_t *fields, err_t *err);
