#pragma once
/* Reads the settlement catalogue's file (data/settlements/catalogue.txt) and
 * parses it with docs/settlement.h: the I/O half of the catalogue, run once
 * at start, so that the matcher itself stays free of I/O. */
#include "docs/settlement.h"

/* Reads (base/file.h: a regular file of at most LIMIT_SETTLEMENT_FILE_BYTES)
 * and parses the file at path. Returns 0 and *ret_cat (caller owns:
 * settlement_catalogue_free); file_read_alloc's errors (-ENOENT
 * "file_unreadable" when there is no such file, which the caller may treat
 * apart; -EFBIG "file_too_large" ...); or the parser's, with the path put
 * before its message ("<path>: settlement catalogue line 12: ..."). */
int settlement_file_load(const char *path, settlement_catalogue_t **ret_cat, err_t *err);
