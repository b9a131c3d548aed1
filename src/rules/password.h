#pragma once
/* Password rules (ASVS 2.1.1, 2.1.2, 2.1.7): at least LIMIT_PASSWORD_MIN
 * characters (code points, any script, spaces allowed), at most
 * LIMIT_PASSWORD_MAX bytes, and not a common or breached password.
 *
 * The list is data (data/passwords/common.txt, from John the Ripper's
 * password.lst, Debian package john-data; see data/passwords/README). As a
 * 12-character minimum leaves few of its entries possible as typed, a
 * password is also refused when, lower-cased, it is
 *   - a listed password with digits and symbols added at either end
 *     ("password1234", "!!qwerty2024!!"),
 *   - one listed password or one short piece repeated ("qwertyqwerty",
 *     "abcabcabcabc"),
 *   - digits and symbols only, or one character repeated.
 * Pure: the caller reads the file; no I/O here. */
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

typedef struct password_list password_list_t;

/* Builds a list from text: one password per line, lines starting with "#"
 * are comments, case is folded (ASCII). Caller owns *ret (password_list_free).
 * -ENOMEM. */
int password_list_parse(const char *text, size_t len, password_list_t **ret);
void password_list_free(password_list_t *l); /* accepts NULL */
size_t password_list_count(const password_list_t *l);
/* True if the lower-cased s (len bytes) is on the list. */
bool password_list_has(const password_list_t *l, const char *s, size_t len);

/* 0 when pw (len bytes, UTF-8) may be used; else -EINVAL with err's code
 * password_too_short | password_too_long | password_common. list may be
 * NULL (then only the length and shape rules apply). */
int password_check(const char *pw, size_t len, const password_list_t *list, err_t *err);
