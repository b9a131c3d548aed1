#include "docs/settlement_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

/* Reads the whole file: 0 and *ret_text (caller frees) and *ret_len. One
 * byte more than the limit is asked for, to tell "exactly at the limit" from
 * "larger". */
static int read_all(const char *path, char **ret_text, size_t *ret_len, err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f && errno == ENOENT)
        return err_set(err, -ENOENT, "data_missing", "%s does not exist.", path);
    if (!f)
        return err_set(err, -EIO, "data_unreadable", "Cannot read %s: %s", path, strerror(errno));
    char *buf = malloc(LIMIT_SETTLEMENT_FILE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, LIMIT_SETTLEMENT_FILE_BYTES + 1, f) : 0;
    int failed = ferror(f);
    fclose(f);
    if (!buf)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = 0;
    if (failed)
        r = err_set(err, -EIO, "data_unreadable", "Cannot read %s.", path);
    else if (n > LIMIT_SETTLEMENT_FILE_BYTES)
        r = err_set(err, -EFBIG, "settlement_syntax", "%s is larger than LIMIT_SETTLEMENT_FILE_BYTES.", path);
    if (r < 0) {
        free(buf);
        return r;
    }
    *ret_text = buf;
    *ret_len = n;
    return 0;
}

int settlement_file_load(const char *path, settlement_catalogue_t **ret_cat, err_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int r = read_all(path, &text, &len, err);
    if (r < 0)
        return r;
    err_t e = {0};
    r = settlement_catalogue_parse(text, len, ret_cat, &e);
    free(text);
    if (r < 0)
        return err_set(err, r, e.code, "%s: %s", path, e.msg);
    return 0;
}
