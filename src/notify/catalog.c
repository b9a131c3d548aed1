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
    char *key;   /* msgid, owned */
    char *text;  /* msgstr, owned; NULL for an entry that is left out */
    size_t line; /* where its msgid stood, to keep file order in a sort */
} entry_t;

typedef struct lang {
    char code[CATALOG_LANG_MAX];
    entry_t *e; /* sorted by key; only kept entries */
    size_t n;
} lang_t;

struct catalog {
    lang_t langs[CATALOG_MAX_LANGS];
    size_t n;
};

/* --- small strings ------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf_t;

static int sbuf_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* Takes the text out of b (an empty string when nothing was added). */
static char *sbuf_take(sbuf_t *b)
{
    char *p = b->p ? b->p : strdup("");
    *b = (sbuf_t){0};
    return p;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* --- the .po parser ----------------------------------------------------- */

enum field { F_NONE, F_ID, F_STR, F_CTXT };

typedef struct parser {
    const char *lang;
    size_t line;    /* 1-based number of the line being read */
    sbuf_t id, str; /* the entry being read */
    bool has_id, fuzzy;
    size_t id_line;
    enum field field; /* where a "continuation" line goes */
    entry_t *e;       /* every entry read, kept or not */
    size_t n, cap;
    err_t *err;
} parser_t;

static int po_fail(parser_t *p, const char *what)
{
    return err_set(p->err, -EINVAL, "po_invalid", "%s.po line %zu: %s", p->lang, p->line, what);
}

static int push_entry(parser_t *p, char *key, char *text)
{
    if (p->n == CATALOG_MAX_ENTRIES) {
        free(key);
        free(text);
        return err_set(p->err, -E2BIG, "po_too_large", "%s.po has more than %d messages", p->lang, CATALOG_MAX_ENTRIES);
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        entry_t *e = realloc(p->e, cap * sizeof *e);
        if (!e) {
            free(key);
            free(text);
            return err_set(p->err, -ENOMEM, "out_of_memory", "out of memory");
        }
        p->e = e;
        p->cap = cap;
    }
    p->e[p->n++] = (entry_t){.key = key, .text = text, .line = p->id_line};
    return 0;
}

static void parser_clear(parser_t *p)
{
    free(p->id.p);
    free(p->str.p);
    p->id = p->str = (sbuf_t){0};
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
        char *key = sbuf_take(&p->id);
        char *text = keep ? sbuf_take(&p->str) : NULL;
        if (!key || (keep && !text)) {
            free(key);
            free(text);
            r = err_set(p->err, -ENOMEM, "out_of_memory", "out of memory");
        } else {
            r = push_entry(p, key, text);
        }
    }
    parser_clear(p);
    return r;
}

/* Appends the text of one "quoted" string s[0..len), escapes resolved. */
static int unquote(parser_t *p, const char *s, size_t len, sbuf_t *to)
{
    if (len < 2 || s[0] != '"' || s[len - 1] != '"')
        return po_fail(p, "expected a quoted string");
    for (size_t i = 1; i + 1 < len; i++) {
        char c = s[i];
        if (c == '\\') {
            static const char names[] = "nt\"\\r", values[] = "\n\t\"\\\r";
            const char *esc = i + 2 < len && s[i + 1] ? strchr(names, s[i + 1]) : NULL;
            if (!esc)
                return po_fail(p, "bad escape");
            c = values[esc - names];
            i++;
        }
        if (sbuf_add(to, &c, 1) < 0)
            return err_set(p->err, -ENOMEM, "out_of_memory", "out of memory");
    }
    return 0;
}

static sbuf_t *field_buf(parser_t *p, enum field f, sbuf_t *scratch)
{
    return f == F_ID ? &p->id : f == F_STR ? &p->str : scratch;
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
    sbuf_t scratch = {0}, *to = field_buf(p, f, &scratch);
    to->len = 0;
    if (to->p)
        to->p[0] = '\0';
    if (f == F_ID) {
        p->has_id = true;
        p->id_line = p->line;
    }
    p->field = f;
    r = unquote(p, rest, rl, to);
    free(scratch.p);
    return r;
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
        sbuf_t scratch = {0};
        int r = unquote(p, s, len, field_buf(p, p->field, &scratch));
        free(scratch.p);
        return r;
    }
    return keyword_line(p, s, len);
}

/* Splits po into lines at \n, \r\n or \r (Python's universal newlines). */
static int parse_all(parser_t *p, const char *po, size_t len)
{
    size_t i = 0;
    int r = 0;
    while (r == 0 && i < len) {
        size_t j = i;
        while (j < len && po[j] != '\n' && po[j] != '\r')
            j++;
        p->line++;
        r = parse_line(p, po + i, j - i);
        i = j < len && po[j] == '\r' && j + 1 < len && po[j + 1] == '\n' ? j + 2 : j + 1;
    }
    return r == 0 ? flush(p) : r;
}

static int by_key_line(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void entries_free(entry_t *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].key);
        free(e[i].text);
    }
    free(e);
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
    for (size_t i = 0; i < p->n; i++) {
        if (p->e[i].text)
            p->e[out++] = p->e[i];
        else
            free(p->e[i].key);
    }
    p->n = out;
    return 0;
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

int catalog_add_po(catalog_t *cat, const char *lang, const char *po, size_t len, err_t *err)
{
    int r = check_add(cat, lang, len, err);
    if (r < 0)
        return r;
    parser_t p = {.lang = lang, .err = err};
    if (!utf8_valid(po, len, false))
        r = err_set(err, -EINVAL, "po_invalid", "%s.po is not valid UTF-8 (or holds a NUL byte)", lang);
    if (r == 0)
        r = parse_all(&p, po, len);
    if (r == 0)
        r = finish_table(&p);
    if (r < 0) {
        parser_clear(&p);
        entries_free(p.e, p.n);
        return r;
    }
    lang_t *l = &cat->langs[cat->n++];
    snprintf(l->code, sizeof l->code, "%s", lang);
    l->e = p.e;
    l->n = p.n;
    return 0;
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
        for (size_t k = 0; k < cat->langs[i].n; k++) {
            free(cat->langs[i].e[k].key);
            free(cat->langs[i].e[k].text);
        }
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
    if (r == 0) {
        r = catalog_add_po(cat, code, text, len, err);
        free(text);
    }
    return r;
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
