#include "rules/password.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

struct password_list {
    char **items; /* lower-cased, sorted, each NUL-terminated */
    size_t n;
    char *text; /* the owned copy the items point into */
};

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int password_list_parse(const char *text, size_t len, password_list_t **ret)
{
    password_list_t *l = calloc(1, sizeof *l);
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (!l || !(l->text = malloc(len + 1)) || !(l->items = calloc(lines, sizeof *l->items))) {
        password_list_free(l);
        return -ENOMEM;
    }
    for (size_t i = 0; i < len; i++)
        l->text[i] = lower(text[i]);
    l->text[len] = '\0';
    char *p = l->text, *end = l->text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        *e = '\0';
        if (e > p && e[-1] == '\r')
            e[-1] = '\0';
        if (*p && *p != '#')
            l->items[l->n++] = p;
        p = e + 1;
    }
    qsort(l->items, l->n, sizeof *l->items, cmp);
    *ret = l;
    return 0;
}

void password_list_free(password_list_t *l)
{
    if (!l)
        return;
    free(l->items);
    free(l->text);
    free(l);
}

size_t password_list_count(const password_list_t *l)
{
    return l ? l->n : 0;
}

bool password_list_has(const password_list_t *l, const char *s, size_t len)
{
    if (!l || len == 0 || len > LIMIT_PASSWORD_MAX)
        return false;
    char key[LIMIT_PASSWORD_MAX + 1];
    for (size_t i = 0; i < len; i++)
        key[i] = lower(s[i]);
    key[len] = '\0';
    const char *k = key;
    return bsearch(&k, l->items, l->n, sizeof *l->items, cmp) != NULL;
}

static bool is_filler(char c) /* digits and ASCII symbols people pad with */
{
    return (c >= '0' && c <= '9') || (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~') || c == ' ';
}

/* True if s is one piece of length 1..len/2 repeated (the last repeat may be
 * cut short), like "abcabcabcabc" or "qwertyqwerty". */
static bool repeats(const char *s, size_t len, size_t *ret_piece)
{
    for (size_t k = 1; k <= len / 2; k++) {
        size_t i = k;
        while (i < len && lower(s[i]) == lower(s[i - k]))
            i++;
        if (i == len) {
            *ret_piece = k;
            return true;
        }
    }
    return false;
}

static int common(err_t *err)
{
    return err_set(err, -EINVAL, "password_common",
        "This password is too common or too simple: it is on lists attackers try first. "
        "Choose another, for example a few unrelated words.");
}

int password_check(const char *pw, size_t len, const password_list_t *list, err_t *err)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)pw[i] & 0xC0) != 0x80;
    if (chars < LIMIT_PASSWORD_MIN)
        return err_set(
            err, -EINVAL, "password_too_short", "The password must have at least %d characters.", LIMIT_PASSWORD_MIN);
    if (len > LIMIT_PASSWORD_MAX)
        return err_set(
            err, -EINVAL, "password_too_long", "The password must have at most %d characters.", LIMIT_PASSWORD_MAX);
    /* the core: without the digits and symbols padded at both ends */
    size_t a = 0, b = len;
    while (a < b && is_filler(pw[a]))
        a++;
    while (b > a && is_filler(pw[b - 1]))
        b--;
    if (a == b)
        return common(err); /* digits and symbols only */
    size_t piece;
    if (password_list_has(list, pw, len) || password_list_has(list, pw + a, b - a))
        return common(err);
    if (repeats(pw, len, &piece) && (piece <= 3 || password_list_has(list, pw, piece)))
        return common(err);
    if (repeats(pw + a, b - a, &piece) && (piece <= 3 || password_list_has(list, pw + a, piece)))
        return common(err);
    return 0;
}
