#include "base/log.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static log_level_t min_level = LOG_INFO;
static bool as_json = true;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_setup(log_level_t min, bool json)
{
    min_level = min;
    as_json = json;
}

int log_level_parse(const char *s, log_level_t *ret)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *ret = (log_level_t)i;
            return 0;
        }
    return -EINVAL;
}

/* One line: ts, level, event, msg, then the extra fields (key, value pairs). */
static void emit(log_level_t level, const char *event, const char *msg, const char *const *fields)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[64];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
        tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000) % 1000);

    char line[2048];
    int n;
    if (as_json) {
        /* jansson escapes the message, so a hostile string cannot forge a line. */
        json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "ts", when, "level", level_names[level], "event", event, "msg", msg);
        for (size_t i = 0; o && fields && fields[i] && fields[i + 1]; i += 2)
            json_object_set_new(o, fields[i], json_string(fields[i + 1]));
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        n = snprintf(line, sizeof line, "%s\n", s ? s : "{\"msg\":\"log encoding failed\"}");
        free(s);
        json_decref(o);
    } else {
        n = snprintf(line, sizeof line, "%s %-5s %s: %s", when, level_names[level], event, msg);
        for (size_t i = 0; fields && fields[i] && fields[i + 1] && n > 0 && (size_t)n < sizeof line; i += 2)
            n += snprintf(line + n, sizeof line - (size_t)n, " %s=%s", fields[i], fields[i + 1]);
        if (n > 0 && (size_t)n < sizeof line - 1)
            n += snprintf(line + n, sizeof line - (size_t)n, "\n");
    }
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        ssize_t w = write(STDERR_FILENO, line, len);
        (void)w;
    }
}

void log_msg(log_level_t level, const char *event, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(level, event, msg, NULL);
}

void log_fields(log_level_t level, const char *event, const char *msg, const char *const *fields)
{
    if (level < min_level)
        return;
    emit(level, event, msg, fields);
}
