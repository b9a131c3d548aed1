/* Message catalogs from po/<lang>.po: a parser that reads the file the way
 * scripts/po2json.py does (so the server and the app never disagree about
 * a text), sorted tables for lookup, and {placeholder} rendering with the
 * app's date formats. */
#include "notify/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/utf8.h"
#include "rules/date.h"

typedef struct entry {
    const char *key;  /* msgid, in its language's arena */
    const char *text; /* msgstr, in the arena; NULL for an entry that is left out */
    size_t line;      /* where its msgid stood, to keep file order in a sort */
} entry_t;

typedef struct lang {
    char code[CATALOG_LANG_MAX];
    char *arena; /* owned: every key and text of the language, NUL-terminated */
    entry_t *e;  /* owned; sorted by key; only kept entries */
    size_t n;
} lang_t;

struct catalog {
    lang_t langs[CATALOG_MAX_LANGS];
    size_t n;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* --- the .po parser ----------------------------------------------------- */

/* A field's decoded text: arena[at, at + len), NUL at arena[at + len]. */
typedef struct span {
    size_t at, len;
} span_t;

enum field { F_NONE, F_ID, F_STR, F_CTXT };

/* The parser decodes every string in place, into the .po text itself,
 * which then becomes the language's arena: no string is allocated on its
 * own. A field starts at the arena's top, and only the field named by the
 * last keyword line is appended to (by continuation lines), so that field
 * always ends at the top. Bytes of a field that is started again (a second
 * msgstr) or thrown away (msgctxt) just stay unused.
 *
 * Invariant: when a line starts, top is at most the line's first byte. A
 * quoted string's text is never longer than its quotes and escapes, and its
 * NUL takes the place of a quote, so writing never overtakes reading: a
 * keyword line of L bytes adds at most L - 7 bytes, a continuation line at
 * most L - 2. */
typedef struct parser {
    const char *lang;
    size_t line;          /* 1-based number of the line being read */
    char *arena;          /* the .po text, decoded in place; owned by the caller */
    size_t top;           /* arena bytes holding decoded fields */
    span_t id, str, ctxt; /* the entry being read */
    bool has_id, fuzzy;
    size_t id_line;
    enum field field; /* where a "continuation" line goes */
    entry_t *e;       /* every entry read, kept or not; owned */
    size_t n, cap;
    err_t *err;
} parser_t;

static int po_fail(parser_t *p, const char *what)
{
    return err_set(p->err, -EINVAL, "po_invalid", "%s.po line %zu: %s", p->lang, p->line, what);
}

static int push_entry(parser_t *p, const char *key, const char *text)
{
    if (p->n == CATALOG_MAX_ENTRIES)
        return err_set(p->err, -E2BIG, "po_too_large", "%s.po has more than %d messages", p->lang, CATALOG_MAX_ENTRIES);
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        entry_t *e = realloc(p->e, cap * sizeof *e);
        if (!e)
            return err_set(p->err, -ENOMEM, "out_of_memory", "out of memory");
        p->e = e;
        p->cap = cap;
    }
    p->e[p->n++] = (entry_t){.key = key, .text = text, .line = p->id_line};
    return 0;
}

static void parser_clear(parser_t *p)
{
    p->id = p->str = p->ctxt = (span_t){0};
    p->has_id = p->fuzzy = false;
    p->field = F_NONE;
}

/* Ends the entry being read. Like po2json.py: an entry without msgid is
 * dropped; one with an empty key or text, or marked fuzzy, is recorded as
 * left out (text NULL) so that duplicates are still found. */
static int flush(parser_t *p)
{
    int r = 0;
    if (p->has_id) {
        bool keep = p->id.len > 0 && p->str.len > 0 && !p->fuzzy;
        r = push_entry(p, p->arena + p->id.at, keep ? p->arena + p->str.at : NULL);
    }
    parser_clear(p);
    return r;
}

static span_t *field_span(parser_t *p, enum field f)
{
    return f == F_ID ? &p->id : f == F_STR ? &p->str : &p->ctxt;
}

/* Starts field f again, empty, at the arena's top. */
static void span_start(parser_t *p, enum field f)
{
    span_t *to = field_span(p, f);
    *to = (span_t){.at = p->top};
    p->arena[p->top++] = '\0';
    p->field = f;
}

/* Appends the text of one "quoted" string s[0..len), escapes resolved, to
 * the field being read (which ends at the arena's top); s points into the
 * arena, after the top. Runs without a backslash are moved whole. */
static int unquote(parser_t *p, const char *s, size_t len)
{
    static const char names[] = "nt\"\\r", values[] = "\n\t\"\\\r";
    if (len < 2 || s[0] != '"' || s[len - 1] != '"')
        return po_fail(p, "expected a quoted string");
    span_t *to = field_span(p, p->field);
    char *w = p->arena + to->at + to->len;
    if (p->top > (size_t)(s - p->arena) + 1) /* cannot happen: see parser_t */
        return po_fail(p, "decoded text overtook the source");
    size_t i = 1, end = len - 1; /* s[end] is the closing quote */
    while (i < end) {
        const char *bs = memchr(s + i, '\\', end - i);
        size_t run = bs ? (size_t)(bs - s) - i : end - i;
        memmove(w, s + i, run); /* w may be s + i (nothing decoded yet) */
        w += run;
        i += run;
        if (i < end) { /* s[i] is a backslash; what it escapes must not be the closing quote */
            const char *esc = i + 1 < end && s[i + 1] ? strchr(names, s[i + 1]) : NULL;
            if (!esc)
                return po_fail(p, "bad escape");
            *w++ = values[esc - names];
            i += 2;
        }
    }
    *w = '\0';
    to->len = (size_t)(w - (p->arena + to->at));
    p->top = to->at + to->len + 1;
    return 0;
}

/* A keyword line: msgid, msgstr or msgctxt, a space, a quoted string. */
static int keyword_line(parser_t *p, const char *s, size_t len)
{
    const char *sp = memchr(s, ' ', len);
    size_t kl = sp ? (size_t)(sp - s) : len;
    enum field f = kl == 5 && !memcmp(s, "msgid", 5)     ? F_ID
                   : kl == 6 && !memcmp(s, "msgstr", 6)  ? F_STR
                   : kl == 7 && !memcmp(s, "msgctxt", 7) ? F_CTXT
                                                         : F_NONE;
    if (f == F_NONE)
        return po_fail(p, "unsupported keyword");
    int r;
    if (f == F_ID && p->has_id && (r = flush(p)) < 0)
        return r;
    const char *rest = sp ? sp + 1 : s + len;
    size_t rl = (size_t)(s + len - rest);
    while (rl && is_space(*rest))
        rest++, rl--;
    if (f == F_ID) {
        p->has_id = true;
        p->id_line = p->line;
    }
    span_start(p, f);
    return unquote(p, rest, rl);
}

static int parse_line(parser_t *p, const char *s, size_t len)
{
    while (len && is_space(s[0]))
        s++, len--;
    while (len && is_space(s[len - 1]))
        len--;
    if (len == 0)
        return flush(p);
    if (s[0] == '#') {
        if (len >= 2 && s[1] == ',' && memmem(s, len, "fuzzy", 5))
            p->fuzzy = true;
        return 0;
    }
    if (s[0] == '"') {
        if (p->field == F_NONE)
            return po_fail(p, "continuation without a keyword");
        return unquote(p, s, len);
    }
    return keyword_line(p, s, len);
}

/* The position of the first c in po[from..len), or len. */
static size_t next_of(const char *po, size_t from, size_t len, char c)
{
    const char *q = memchr(po + from, c, len - from);
    return q ? (size_t)(q - po) : len;
}

/* Splits po into lines at \n, \r\n or \r (Python's universal newlines).
 * nl and cr are the next \n and \r at or after i, each searched for again
 * only once i has passed it, so every byte is searched at most twice (and
 * none of them is overwritten before it is used: see parser_t). */
static int parse_all(parser_t *p, size_t len)
{
    const char *po = p->arena;
    size_t i = 0, nl = next_of(po, 0, len, '\n'), cr = next_of(po, 0, len, '\r');
    int r = 0;
    while (r == 0 && i < len) {
        if (nl < i)
            nl = next_of(po, i, len, '\n');
        if (cr < i)
            cr = next_of(po, i, len, '\r');
        size_t j = nl < cr ? nl : cr;
        p->line++;
        r = parse_line(p, po + i, j - i);
        i = j == cr && j + 1 == nl ? j + 2 : j + 1;
    }
    return r == 0 ? flush(p) : r;
}

static int by_key_line(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Sorts the entries, refuses a key that was already kept when it appears
 * again (po2json.py's rule), and compacts to the kept ones. */
static int finish_table(parser_t *p)
{
    if (p->n > 1) /* qsort's base must not be NULL, even for no entries */
        qsort(p->e, p->n, sizeof *p->e, by_key_line);
    for (size_t i = 0; i + 1 < p->n; i++)
        if (p->e[i].text && !strcmp(p->e[i].key, p->e[i + 1].key)) {
            p->line = p->e[i + 1].line;
            return po_fail(p, "duplicate msgid");
        }
    size_t out = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->e[i].text)
            p->e[out++] = p->e[i];
    p->n = out;
    return 0;
}

/* Parses p->arena[0..len) (writable) in place into the sorted table of
 * kept entries p->e, which the caller frees on failure too. */
static int parse_po(parser_t *p, size_t len)
{
    if (!utf8_valid(p->arena, len, false))
        return err_set(p->err, -EINVAL, "po_invalid", "%s.po is not valid UTF-8 (or holds a NUL byte)", p->lang);
    int r = parse_all(p, len);
    return r < 0 ? r : finish_table(p);
}

static bool lang_code_ok(const char *lang)
{
    size_t n = lang ? strlen(lang) : 0;
    for (size_t i = 0; i < n; i++)
        if (lang[i] < 'a' || lang[i] > 'z')
            return false;
    return n == 2 || n == 3;
}

static lang_t *find_lang(const catalog_t *cat, const char *lang)
{
    for (size_t i = 0; lang && i < cat->n; i++)
        if (!strcmp(cat->langs[i].code, lang))
            return (lang_t *)&cat->langs[i];
    return NULL;
}

static int check_add(catalog_t *cat, const char *lang, size_t len, err_t *err)
{
    if (!lang_code_ok(lang))
        return err_set(err, -EINVAL, "po_invalid", "a language code is 2 or 3 lower-case letters");
    if (find_lang(cat, lang))
        return err_set(err, -EEXIST, "po_duplicate", "language %s is already loaded", lang);
    if (cat->n == CATALOG_MAX_LANGS || len > CATALOG_MAX_PO_BYTES)
        return err_set(err, -E2BIG, "po_too_large", "%s.po: too many languages or too large a file", lang);
    return 0;
}

/* Adds the messages of lang (already checked with check_add) from
 * text[0..len), a writable buffer of at least len + 1 bytes. Takes text:
 * it becomes the language's arena, or is freed on failure. */
static int add_taken(catalog_t *cat, const char *lang, char *text, size_t len, err_t *err)
{
    parser_t p = {.lang = lang, .arena = text, .err = err};
    int r = parse_po(&p, len);
    if (r < 0) {
        free(text);
        free(p.e);
        return r;
    }
    lang_t *l = &cat->langs[cat->n++];
    snprintf(l->code, sizeof l->code, "%s", lang);
    l->arena = text;
    l->e = p.e;
    l->n = p.n;
    return 0;
}

int catalog_add_po(catalog_t *cat, const char *lang, const char *po, size_t len, err_t *err)
{
    int r = check_add(cat, lang, len, err);
    if (r < 0)
        return r;
    char *text = malloc(len + 1);
    if (!text)
        return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    if (len) /* po may be NULL when len is 0 */
        memcpy(text, po, len);
    return add_taken(cat, lang, text, len, err);
}

int catalog_new(catalog_t **ret, err_t *err)
{
    catalog_t *cat = calloc(1, sizeof *cat);
    if (!cat)
        return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    *ret = cat;
    return 0;
}

void catalog_free(catalog_t *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n; i++) {
        free(cat->langs[i].arena);
        free(cat->langs[i].e);
    }
    free(cat);
}

/* --- loading a directory ------------------------------------------------ */

static int read_file(const char *path, char **ret, size_t *ret_len, err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return err_set(err, -EIO, "po_unreadable", "cannot read %s", path);
    }
    if (st.st_size > CATALOG_MAX_PO_BYTES) {
        close(fd);
        return err_set(err, -E2BIG, "po_too_large", "%s is larger than %d bytes", path, CATALOG_MAX_PO_BYTES);
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = malloc(len + 1);
    ssize_t n = 1;
    while (buf && got < len && (n = read(fd, buf + got, len - got)) > 0)
        got += (size_t)n;
    close(fd);
    if (!buf || n < 0 || got != len) {
        free(buf);
        return buf ? err_set(err, -EIO, "po_unreadable", "cannot read %s", path)
                   : err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    }
    *ret = buf;
    *ret_len = len;
    return 0;
}

/* A file name of a two- or three-letter lower-case language code and ".po"
 * ("tg.po", "fil.po"): the code in code[]. */
static bool po_name(const char *name, char code[CATALOG_LANG_MAX])
{
    size_t n = strlen(name);
    if (n < 5 || n > 6 || strcmp(name + n - 3, ".po") != 0)
        return false;
    memcpy(code, name, n - 3);
    code[n - 3] = '\0';
    return lang_code_ok(code);
}

static int load_one(catalog_t *cat, const char *dir, const char *code, err_t *err)
{
    char path[4096], *text = NULL;
    size_t len = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/%s.po", dir, code) >= sizeof path)
        return err_set(err, -EINVAL, "po_unreadable", "the po directory path is too long");
    int r = read_file(path, &text, &len, err);
    if (r < 0)
        return r;
    r = check_add(cat, code, len, err);
    if (r < 0) {
        free(text);
        return r;
    }
    return add_taken(cat, code, text, len, err); /* takes text */
}

int catalog_load_dir(const char *dir, catalog_t **ret, err_t *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(err, -ENOENT, "po_missing", "no message catalog directory %s", dir);
    catalog_t *cat = NULL;
    int r = catalog_new(&cat, err);
    struct dirent *de;
    char code[CATALOG_LANG_MAX];
    while (r == 0 && (de = readdir(d)))
        if (po_name(de->d_name, code))
            r = load_one(cat, dir, code, err);
    closedir(d);
    if (r == 0 && !find_lang(cat, CATALOG_FALLBACK))
        r = err_set(err, -ENOENT, "po_missing", "%s/%s.po is missing (the fallback language)", dir, CATALOG_FALLBACK);
    if (r < 0) {
        catalog_free(cat);
        return r;
    }
    *ret = cat;
    return 0;
}

size_t catalog_languages(const catalog_t *cat)
{
    return cat->n;
}

bool catalog_has_language(const catalog_t *cat, const char *lang)
{
    return find_lang(cat, lang) != NULL;
}

static int key_cmp(const void *key, const void *e)
{
    return strcmp(key, ((const entry_t *)e)->key);
}

static const char *lookup_in(const lang_t *l, const char *key)
{
    const entry_t *e = l && l->n ? bsearch(key, l->e, l->n, sizeof *l->e, key_cmp) : NULL;
    return e ? e->text : NULL;
}

const char *catalog_lookup(const catalog_t *cat, const char *lang, const char *key)
{
    const char *t = lookup_in(find_lang(cat, lang), key);
    return t ? t : lookup_in(find_lang(cat, CATALOG_FALLBACK), key);
}

/* --- rendering ------------------------------------------------------------ */

typedef struct out {
    char *buf;
    size_t cap, len;
    bool cut; /* something did not fit: nothing more is written */
} out_t;

/* Appends s[0..n) (whole UTF-8 characters) or as many whole characters of
 * it as fit. */
static void out_put(out_t *o, const char *s, size_t n)
{
    if (o->cut)
        return;
    size_t room = o->cap - 1 - o->len;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        o->cut = true;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* A value for a placeholder: writes it to o and returns true, or false when
 * there is none (the placeholder is then kept as it stands). */
typedef bool (*value_fn)(
    const catalog_t *cat, const char *lang, const char *name, size_t len, const void *ctx, out_t *o);

/* Expands {name} placeholders of text through value(). */
static void expand(const catalog_t *cat, const char *lang, const char *text, value_fn value, const void *ctx, out_t *o)
{
    const char *s = text;
    while (*s) {
        const char *open = strchr(s, '{');
        if (!open) {
            out_put(o, s, strlen(s));
            return;
        }
        out_put(o, s, (size_t)(open - s));
        const char *name = open + 1, *end = name;
        while (
            (*end >= 'a' && *end <= 'z') || (*end >= 'A' && *end <= 'Z') || (*end >= '0' && *end <= '9') || *end == '_')
            end++;
        bool filled = end > name && *end == '}' && value(cat, lang, name, (size_t)(end - name), ctx, o);
        if (!filled)
            out_put(o, open, end > name && *end == '}' ? (size_t)(end + 1 - open) : 1);
        s = end > name && *end == '}' ? end + 1 : open + 1;
    }
}

/* The index-th item (0-based) of a comma-separated list, trimmed. */
static bool list_item(const char *list, int index, const char **ret, size_t *ret_len)
{
    for (int i = 0; list && i < index; i++) {
        list = strchr(list, ',');
        list = list ? list + 1 : NULL;
    }
    if (!list)
        return false;
    const char *end = strchr(list, ',');
    size_t n = end ? (size_t)(end - list) : strlen(list);
    while (n && *list == ' ')
        list++, n--;
    while (n && list[n - 1] == ' ')
        n--;
    *ret = list;
    *ret_len = n;
    return n > 0;
}

typedef struct named {
    const char *name;
    const char *val;
    size_t len;
} named_t;

/* ctx: a named_t array ending with a NULL name. */
static bool named_value(const catalog_t *cat, const char *lang, const char *name, size_t len, const void *ctx, out_t *o)
{
    (void)cat, (void)lang;
    for (const named_t *v = ctx; v->name; v++)
        if (strlen(v->name) == len && !memcmp(v->name, name, len)) {
            out_put(o, v->val, v->len);
            return true;
        }
    return false;
}

/* "YYYY-MM-DD" as the app writes it without Intl: date.pattern filled with
 * the catalog's weekday and month names. */
static void put_date(const catalog_t *cat, const char *lang, date_t d, out_t *o)
{
    int y, m, dd;
    char ys[8], ds[4], ms[4];
    date_to_ymd(d, &y, &m, &dd);
    snprintf(ys, sizeof ys, "%d", y);
    snprintf(ds, sizeof ds, "%d", dd);
    snprintf(ms, sizeof ms, "%d", m);
    named_t v[] = {{"weekday", "", 0}, {"day", ds, strlen(ds)}, {"month", ms, strlen(ms)}, {"year", ys, strlen(ys)},
        {NULL, NULL, 0}};
    list_item(catalog_lookup(cat, lang, "date.weekdays"), date_weekday(d) - 1, &v[0].val, &v[0].len);
    list_item(catalog_lookup(cat, lang, "date.months"), m - 1, &v[2].val, &v[2].len);
    const char *pattern = catalog_lookup(cat, lang, "date.pattern");
    expand(cat, lang, pattern ? pattern : "{year}-{month}-{day}", named_value, v, o);
}

/* An RFC 3339 moment as the app's formatMoment writes it: date.moment with
 * the date, "HH:MM" and "UTC+hh:mm" of the moment's own offset. */
static void put_moment(const catalog_t *cat, const char *lang, const char *s, size_t len, out_t *o)
{
    char date[512], offset[16];
    date_t d;
    out_t dout = {.buf = date, .cap = sizeof date};
    date[0] = '\0';
    if (date_parse(s, 10, &d) == 0)
        put_date(cat, lang, d, &dout);
    bool z = s[len - 1] == 'Z' || s[len - 1] == 'z';
    snprintf(offset, sizeof offset, "UTC%.*s", z ? 0 : 6, z ? "" : s + len - 6);
    named_t v[] = {{"date", date, dout.len}, {"time", s + 11, 5}, {"offset", offset, strlen(offset)}, {NULL, NULL, 0}};
    const char *pattern = catalog_lookup(cat, lang, "date.moment");
    expand(cat, lang, pattern ? pattern : "{date}, {time} ({offset})", named_value, v, o);
}

static void put_string(const catalog_t *cat, const char *lang, const char *s, size_t len, out_t *o)
{
    date_t d;
    int64_t t;
    if (len == 10 && date_parse(s, len, &d) == 0)
        put_date(cat, lang, d, o);
    else if (len > 16 && time_parse_rfc3339(s, len, &t, NULL) == 0)
        put_moment(cat, lang, s, len, o);
    else
        out_put(o, s, len);
}

/* ctx: the params object. */
static bool json_value(const catalog_t *cat, const char *lang, const char *name, size_t len, const void *ctx, out_t *o)
{
    char key[64], num[40];
    if (!ctx || len >= sizeof key)
        return false;
    memcpy(key, name, len);
    key[len] = '\0';
    json_t *v = json_object_get(ctx, key);
    if (json_is_string(v)) {
        put_string(cat, lang, json_string_value(v), json_string_length(v), o);
        return true;
    }
    if (json_is_integer(v))
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
    else if (json_is_boolean(v) || json_is_null(v))
        snprintf(num, sizeof num, "%s", json_is_true(v) ? "true" : json_is_false(v) ? "false" : "null");
    else
        return false;
    out_put(o, num, strlen(num));
    return true;
}

int catalog_render(
    const catalog_t *cat, const char *lang, const char *key, const char *params_json, char *buf, size_t cap, err_t *err)
{
    json_t *params = NULL;
    if (cap == 0 || !key)
        return err_set(err, -EINVAL, "bad_params", "no room for the text");
    if (params_json && *params_json) {
        params = json_loads(params_json, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(params)) {
            json_decref(params);
            return err_set(err, -EINVAL, "bad_params", "the notice's parameters are not a JSON object");
        }
    }
    const char *text = catalog_lookup(cat, lang, key);
    out_t o = {.buf = buf, .cap = cap};
    buf[0] = '\0';
    expand(cat, lang, text ? text : key, json_value, params, &o);
    json_decref(params);
    if (o.cut)
        return err_set(err, -ERANGE, "text_too_long", "the text was cut to %zu bytes", cap - 1);
    return 0;
}
