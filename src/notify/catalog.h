#pragma once
/* Message catalogs: the server's side of po/<lang>.po, so that notices
 * (in the inbox and in pushes) read in the person's language.
 *
 * The .po subset is the one scripts/po2json.py reads for the app, with the
 * same meaning: msgid is a stable key, msgstr the text with {name}
 * placeholders; fuzzy and empty entries are left out; msgctxt is accepted
 * and ignored; a duplicate msgid among the kept entries is an error. On top
 * of that this parser wants valid UTF-8 without NUL bytes.
 *
 * A loaded catalog is never changed, so any number of threads may read it. */
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define CATALOG_FALLBACK "ru"              /* the language every gap falls back to */
#define CATALOG_MAX_PO_BYTES (1024 * 1024) /* a larger .po file is refused unread */
#define CATALOG_MAX_ENTRIES 8192           /* messages per language */
#define CATALOG_MAX_LANGS 32               /* languages per catalog */
#define CATALOG_LANG_MAX 8                 /* language code bytes, NUL included */

typedef struct catalog catalog_t;

/* Creates an empty catalog in *ret (caller frees with catalog_free).
 * Returns 0 or -ENOMEM. */
int catalog_new(catalog_t **ret, err_t *err);

/* Frees cat and everything in it; accepts NULL. */
void catalog_free(catalog_t *cat);

/* Parses the .po text po[0..len) (need not be NUL-terminated) as the
 * messages of `lang` (2 or 3 lower-case letters) and adds them to cat.
 * Returns 0; -EINVAL (code "po_invalid", the message names the line) for a
 * syntax error, bad escape, invalid UTF-8, duplicate key or a bad language
 * code; -EEXIST if lang is already loaded; -E2BIG for more than
 * CATALOG_MAX_PO_BYTES, CATALOG_MAX_ENTRIES or CATALOG_MAX_LANGS; -ENOMEM.
 * On failure cat is unchanged. */
int catalog_add_po(catalog_t *cat, const char *lang, const char *po, size_t len, err_t *err);

/* Loads every <lang>.po file of directory `dir` (lang: 2 or 3 lower-case
 * letters; other files are ignored) into a new catalog in *ret, which the
 * caller frees. CATALOG_FALLBACK.po must be among them. Returns 0,
 * -ENOENT (code "po_missing": no such directory or no fallback file),
 * -EIO (code "po_unreadable"), or any error of catalog_add_po with the file
 * named in the message. */
int catalog_load_dir(const char *dir, catalog_t **ret, err_t *err);

/* Number of languages loaded. */
size_t catalog_languages(const catalog_t *cat);

/* True if lang's own messages are loaded (not counting the fallback). */
bool catalog_has_language(const catalog_t *cat, const char *lang);

/* The text of key in lang, else in CATALOG_FALLBACK, else NULL. Borrowed:
 * valid until catalog_free. lang may be NULL or unknown. */
const char *catalog_lookup(const catalog_t *cat, const char *lang, const char *key);

/* Renders key in lang (falling back to Russian, then to the key itself, so
 * a gap is visible, never blank) into buf (cap bytes, NUL-terminated).
 * {name} placeholders take their value from params_json, a JSON object as
 * text (NULL or "" for none): strings as they are, except "YYYY-MM-DD",
 * written like the app does with the catalog's date.pattern, and RFC 3339
 * moments, written with date.moment in their own offset's wall-clock time;
 * numbers in decimal; true/false/null as words. A placeholder without a
 * value stays as "{name}".
 * Returns 0; -ERANGE when the text did not fit: buf then holds the text cut
 * at a character boundary (still valid UTF-8, so it can be shown);
 * -EINVAL (code "bad_params", buf untouched) when params_json is not a
 * JSON object, or cap is 0. */
int catalog_render(const catalog_t *cat, const char *lang, const char *key, const char *params_json, char *buf,
    size_t cap, err_t *err);
