#pragma once
/* Reads the settlement catalogue's file (data/settlements/catalogue.txt) and
 * parses it with docs/settlement.h: the I/O half of the catalogue, run once
 * at start, so that the matcher itself stays free of I/O. */
#include "docs/settlement.h"

/* Reads and parses the file at path. Returns 0 and *ret_cat (caller owns:
 * settlement_catalogue_free); -ENOENT with err code "data_missing" when
 * there is no such file (the caller decides what that means); -EIO
 * "data_unreadable"; -EFBIG "settlement_syntax" for a file larger than
 * LIMIT_SETTLEMENT_FILE_BYTES; the parser's errors, with the path put before
 * its message ("<path>: settlement catalogue line 12: ..."). */
int settlement_file_load(const char *path, settlement_catalogue_t **ret_cat, err_t *err);
