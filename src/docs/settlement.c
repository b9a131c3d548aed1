#include "docs/settlement.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "docs/translit.h"
#include "rules/region_code.h"

/* One listed name. Invariant: key is non-empty and no two places of a
 * catalogue have the same key (settlement_catalogue_parse checks it). */
struct place {
    char *key;      /* the name as the lookup compares it (name_key); owned */
    char region[3]; /* the region code, two digits */
    unsigned line;  /* the file's line that lists it (for error messages) */
};

struct settlement_catalogue {
    struct place *places; /* owned; n used of cap */
    size_t n, cap;
};

/* Words that say what kind of place follows or precedes the name, as the
 * transliteration spells them ("г." -> "G", "пос." -> "POS"). */
static const char *const kinds[] = {"G", "GOR", "GOROD", "P", "POS", "POSELOK", "PGT", "RP", "S", "SELO", "D", "DER",
    "DEREVNIA", "MKR", "MIKRORAION", "GO", "GORODSKOI", "OKRUG", "CITY", "TOWN", NULL};

static bool is_kind(const char *w, size_t n)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strlen(kinds[i]) == n && memcmp(kinds[i], w, n) == 0)
            return true;
    return false;
}

/* The part's transliteration with the kind words dropped: 0 and *ret_key
 * (caller frees; "" when only kind words were there), or translit_to_latin's
 * error. Dots, brackets and quotes separate words ("г.Химки"). */
static int name_key(const char *s, size_t len, char **ret_key, err_t *err)
{
    char buf[TRANSLIT_INPUT_MAX];
    if (len >= sizeof buf)
        return err_set(err, -EINVAL, "name_too_long", "The name is too long.");
    for (size_t i = 0; i < len; i++)
        buf[i] = strchr(".()\"", s[i]) && s[i] ? ' ' : s[i];
    char *latin = NULL;
    int r = translit_to_latin(buf, len, &latin, err);
    if (r < 0)
        return r;
    char *out = latin, *w = latin;
    while (*w) {
        size_t n = strcspn(w, " ");
        if (!is_kind(w, n)) {
            if (out != latin)
                *out++ = ' ';
            memmove(out, w, n);
            out += n;
        }
        w += n;
        w += strspn(w, " ");
    }
    *out = '\0';
    *ret_key = latin;
    return 0;
}

struct parser {
    settlement_catalogue_t *cat;
    unsigned line; /* 1-based number of the current line */
    err_t *err;
};

static int syntax(const struct parser *p, const char *what)
{
    return err_set(p->err, -EINVAL, "settlement_syntax", "settlement catalogue line %u: %s", p->line, what);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Adds one place; takes ownership of key (freed on failure too). */
static int add_place(struct parser *p, const char region[3], char *key)
{
    settlement_catalogue_t *cat = p->cat;
    if (cat->n == LIMIT_SETTLEMENT_NAMES) {
        free(key);
        return syntax(p, "more names than LIMIT_SETTLEMENT_NAMES");
    }
    if (cat->n == cat->cap) {
        size_t cap = cat->cap ? 2 * cat->cap : 128;
        struct place *np = realloc(cat->places, cap * sizeof *np);
        if (!np) {
            free(key);
            return err_set(p->err, -ENOMEM, "out_of_memory", "Out of memory.");
        }
        cat->places = np;
        cat->cap = cap;
    }
    struct place *pl = &cat->places[cat->n++];
    pl->key = key;
    memcpy(pl->region, region, 3);
    pl->line = p->line;
    return 0;
}

/* One line without its '\n': "<region> <name>  # comment", or blank. */
static int parse_line(struct parser *p, const char *s, size_t n)
{
    const char *hash = memchr(s, '#', n);
    if (hash)
        n = (size_t)(hash - s);
    while (n > 0 && (is_blank(s[n - 1]) || s[n - 1] == '\r'))
        n--;
    while (n > 0 && is_blank(*s))
        s++, n--;
    if (n == 0)
        return 0;
    char region[3] = {0};
    if (n < 3 || !is_blank(s[2]))
        return syntax(p, "a line is a region code (two digits, e.g. 77), blanks and a settlement's name");
    memcpy(region, s, 2);
    if (!region_code_known(region))
        return syntax(p, "not a region code in use (two digits, e.g. 77 or 50)");
    s += 2, n -= 2;
    while (n > 0 && is_blank(*s))
        s++, n--;
    if (n > LIMIT_ADDRESS_PART_BYTES)
        return syntax(p, "the name is longer than an address part may be (LIMIT_ADDRESS_PART_BYTES)");
    char *key = NULL;
    int r = name_key(s, n, &key, p->err);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return syntax(p, "the name is not UTF-8 the transliteration knows (Cyrillic or Latin letters)");
    if (!key[0]) {
        free(key);
        return syntax(p, "the name has only words for a kind of place (г., пос., город ...)");
    }
    return add_place(p, region, key);
}

static int by_key(const void *a, const void *b)
{
    const struct place *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Sorted by key, a name listed twice sits next to itself: refused, as the
 * lookup would take whichever came first. */
static int refuse_twice_listed(struct parser *p)
{
    settlement_catalogue_t *cat = p->cat;
    qsort(cat->places, cat->n, sizeof *cat->places, by_key);
    for (size_t i = 1; i < cat->n; i++) {
        if (strcmp(cat->places[i - 1].key, cat->places[i].key) == 0) {
            p->line = cat->places[i].line;
            return err_set(p->err, -EINVAL, "settlement_syntax",
                "settlement catalogue line %u: the name is already listed on line %u", cat->places[i].line,
                cat->places[i - 1].line);
        }
    }
    return 0;
}

int settlement_catalogue_parse(const char *text, size_t len, settlement_catalogue_t **ret_cat, err_t *err)
{
    struct parser p = {.cat = calloc(1, sizeof(settlement_catalogue_t)), .line = 0, .err = err};
    if (!p.cat)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    size_t pos = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    int r = 0;
    while (r == 0 && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        p.line++;
        r = parse_line(&p, text + pos, end - pos);
        pos = end + 1;
    }
    if (r == 0 && p.cat->n == 0)
        r = err_set(err, -EINVAL, "settlement_syntax", "settlement catalogue lists no settlement");
    if (r == 0)
        r = refuse_twice_listed(&p);
    if (r < 0) {
        settlement_catalogue_free(p.cat);
        return r;
    }
    *ret_cat = p.cat;
    return 0;
}

void settlement_catalogue_free(settlement_catalogue_t *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n; i++)
        free(cat->places[i].key);
    free(cat->places);
    free(cat);
}

#define SETTLEMENT_PARTS_MAX 4

static const char *lookup(const settlement_catalogue_t *cat, const char *typed)
{
    for (size_t i = 0; i < cat->n; i++) {
        enum translit_match m = translit_compare(typed, cat->places[i].key, false);
        if (m == TRANSLIT_EXACT || m == TRANSLIT_VARIANT)
            return cat->places[i].region;
    }
    return NULL;
}

const char *settlement_region(const settlement_catalogue_t *cat, const char *s, size_t len)
{
    if (!cat || !s)
        return NULL;
    /* from the last comma-separated part: "Московская обл., г. Химки"; an
     * address has a few, and each costs a pass over the catalogue */
    size_t end = len;
    for (int parts = 0; parts < SETTLEMENT_PARTS_MAX; parts++) {
        size_t start = end;
        while (start > 0 && s[start - 1] != ',')
            start--;
        char *key = NULL;
        const char *region = name_key(s + start, end - start, &key, NULL) == 0 && key[0] ? lookup(cat, key) : NULL;
        free(key);
        if (region)
            return region;
        if (start == 0)
            return NULL;
        end = start - 1;
    }
    return NULL;
}

size_t settlement_catalogue_size(const settlement_catalogue_t *cat)
{
    return cat ? cat->n : 0;
}
