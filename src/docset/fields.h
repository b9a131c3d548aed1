#pragma once
/* fields: the values of a form page, found by their printed labels and read
 * with tesseract, one model and character whitelist per field
 * (docs/DOCSETS.md, "Fields").
 *
 * For the types it knows (migration_card, patent) a per-type table names
 * each field's label words (Russian and, where printed, English), its kind
 * and its script. One pass of the "rus+eng" model over the whole page gives
 * word boxes; a word matching a label (upper-cased, punctuation dropped, an
 * edit distance of one allowed in words of six letters or more) places the
 * field; its value is the box under the label, or the strip under it when
 * there is no box, cut at the next label to the right and at the box's
 * lines. That region is read alone as one line:
 *   names      "eng" A-Z (and ‘ ' -) or "rus" А-Я, the script the table
 *              gives first, the other when the first is unsure;
 *   dates      "eng" digits and dots, DD.MM.YYYY with a calendar check -> ISO;
 *   numbers    "eng" A-Z and digits, letters then 5-10 digits;
 *   text       "rus" Cyrillic letters, digits and . , - ( ) (region, profession);
 *   tick boxes the printed choice whose box holds a mark (exactly one).
 * A value that does not parse or whose confidence is below the field kind's
 * floor is unreadable (JSON null in the fields object: the reader's engine
 * input counts it as unreadable), never guessed; a field whose label is not
 * found, or whose box is blank, is left absent.
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

/* Reads the fields of a page of `type` (grey: one channel, upright and
 * level) into `fields` (borrowed, changed: each field of the type's table
 * set to its value, or to null when unreadable; fields already present are
 * kept). tess (borrowed) gives the handles. Returns 0 (also when the type
 * has no table or no model is installed: nothing is added), -ENOMEM. */
int fields_read(const raster_t *grey, const char *type, docset_tess_t *tess, json_t *fields, err_t *err);
