#pragma once
/* The one error type of uchet.
 *
 * A function that can fail returns int: 0 on success, a negative errno-style
 * code on failure (-EINVAL bad input, -ENOENT not found, -EEXIST conflict,
 * -ENOMEM, -EIO storage, -EACCES forbidden, -EPERM wrong state, -ERANGE out
 * of range). When it takes an `err_t *err` (which may be NULL), it also writes
 * a short English sentence for operators and a stable machine `code` (the
 * problem+json `code`, e.g. "invalid_latitude").
 *
 * Messages never contain coordinates, document numbers or tokens. */
#include <stddef.h>

#define ERR_MSG_MAX 240
#define ERR_CODE_MAX 48

typedef struct err {
    int errnum;              /* negative errno-style code, 0 = no error */
    char code[ERR_CODE_MAX]; /* stable machine code, "" when unset */
    char msg[ERR_MSG_MAX];   /* human sentence, "" when unset */
} err_t;

/* Records an error in *err (if err is not NULL) and returns errnum, so that
 * callers can write `return err_set(err, -EINVAL, "bad_date", "...")`.
 * `code` may be NULL. The message is truncated to ERR_MSG_MAX. */
int err_set(err_t *err, int errnum, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Clears *err (accepts NULL). */
void err_clear(err_t *err);
