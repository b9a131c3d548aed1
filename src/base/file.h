#pragma once
/* file: reading a whole small file (a key, a certificate, a PEM chain) in
 * one place, with the checks every such reader wants: only a regular file
 * (a directory, a FIFO or a device is refused without blocking on it), only
 * up to a stated size (a larger file is refused, never cut short), and the
 * bytes NUL-terminated so a text parser may use them as a string. Symbolic
 * links are followed: deployments link key files into place.
 *
 * Library module: no logging, no global state. Error codes (err->code):
 *   file_unreadable   cannot open or read it (errno-style code: -ENOENT,
 *                     -EACCES, ..., -EIO)
 *   file_not_regular  not a regular file (-EINVAL)
 *   file_too_large    more than the stated size (-EFBIG)
 *   file_invalid      a NULL argument or a zero capacity (-EINVAL) */
#include <stddef.h>

#include "base/err.h"

/* Reads the regular file at path into the caller's buf, which has room for
 * cap bytes: the file may hold at most cap - 1 bytes, and buf is
 * NUL-terminated after them. Writes the byte count to *ret_len. Returns 0
 * or a negative code above; on failure buf may have been partly written,
 * *ret_len is not. */
int file_read_into(const char *path, char *buf, size_t cap, size_t *ret_len, err_t *err);

/* Reads the regular file at path, of at most max bytes, into a new
 * NUL-terminated buffer in *ret (the caller frees it) with its length in
 * *ret_len (ret_len may be NULL). The buffer has room for max + 1 bytes.
 * Returns 0, a code above, or -ENOMEM; *ret is untouched on failure. */
int file_read_alloc(const char *path, size_t max, char **ret, size_t *ret_len, err_t *err);
