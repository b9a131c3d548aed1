#pragma once
/* The document-set rule catalogue: reads and validates the JSON file under
 * data/docsets/ (format in docs/DOCSETS.md) into the structure the pure
 * engine in rules/docset reads.
 *
 * Validation is strict and refuses the whole catalogue on the first fault,
 * with a stable err code and a message naming the rule: an unknown format
 * version, an unknown key, a bad date, an effective_to before its
 * effective_from, two versions of one rule in force on the same day, a
 * reference to a document type, procedure, category, level or act the
 * catalogue does not declare, a rule that cites no act or cites one without
 * an article or a source note, days between two versions of a rule that
 * neither covers, a changelog that does not end at the catalogue's
 * revision. */
#include <stddef.h>

#include "base/err.h"
#include "rules/docset.h"

#define CATALOGUE_FORMAT "uchet-docset-catalogue"
#define CATALOGUE_FORMAT_VERSION 1       /* the only format this loader reads */
#define CATALOGUE_FILE_MAX (1024 * 1024) /* bytes of one catalogue file */
#define CATALOGUE_RULES_MAX 2000
#define CATALOGUE_ITEMS_MAX 200   /* acts, document types, procedures, levels */
#define CATALOGUE_STRING_MAX 2000 /* bytes of one string */
#define CATALOGUE_ID_MAX 64       /* bytes of one identifier */

/* Parses and validates json[0..len). Returns 0 and *ret (caller owns; free
 * with catalogue_free), or -EINVAL with an err code "catalogue_…" and a
 * message, or -ENOMEM. Pure: no I/O. */
int catalogue_parse(const char *json, size_t len, struct docset_catalogue **ret, err_t *err);

/* Reads the file at path (at most CATALOGUE_FILE_MAX bytes) and parses it.
 * Returns 0 and *ret, -errno from opening or reading ("catalogue_io"),
 * -EFBIG ("catalogue_too_big"), or catalogue_parse's errors. */
int catalogue_load_file(const char *path, struct docset_catalogue **ret, err_t *err);

/* Frees the catalogue and everything in it. Accepts NULL. */
void catalogue_free(struct docset_catalogue *cat);
