#pragma once
/* Checked conversions of counted strings (habit 9: no atoi/sscanf).
 * Each returns 0 and writes *ret only on success; -EINVAL on syntax,
 * -ERANGE outside [min, max]. The input need not be NUL-terminated. */
#include <stddef.h>
#include <stdint.h>

int parse_u64(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *ret);
int parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret);
