#pragma once
/* JSON-lines logging for the programs (uchetd, uchetctl). Library modules do
 * not log (habit 13); the caller that decides logs once.
 *
 * Callers must never pass coordinates, document numbers, tokens or passwords. */
#include <stdbool.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Sets the minimum level written and whether output is JSON (default) or text. */
void log_setup(log_level_t min, bool json);
/* Parses "debug|info|warn|error"; -EINVAL otherwise. */
int log_level_parse(const char *s, log_level_t *ret);
/* Writes one line {"ts":..,"level":..,"event":..,"msg":..} to stderr. Thread-safe
 * (one write(2) per line). */
void log_msg(log_level_t level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like log_msg with a fixed message and extra string fields: `fields` is
 * key, value, key, value, ..., NULL (borrowed). A NULL value ends the list.
 * In JSON each pair is a member of the line's object (jansson-escaped); in
 * text, " key=value". Used for security events (401/403/429, storage). */
void log_fields(log_level_t level, const char *event, const char *msg, const char *const *fields);
