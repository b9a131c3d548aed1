#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(err_t *err, int errnum, const char *code, const char *fmt, ...)
{
    if (!err)
        return errnum;
    err->errnum = errnum;
    snprintf(err->code, sizeof err->code, "%s", code ? code : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return errnum;
}

void err_clear(err_t *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}
