#include "docs/settlement_file.h"

#include <stdlib.h>

#include "base/file.h"
#include "base/limits.h"

int settlement_file_load(const char *path, settlement_catalogue_t **ret_cat, err_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int r = file_read_alloc(path, LIMIT_SETTLEMENT_FILE_BYTES, &text, &len, err);
    if (r < 0)
        return r;
    err_t e = {0};
    r = settlement_catalogue_parse(text, len, ret_cat, &e);
    free(text);
    if (r < 0)
        return err_set(err, r, e.code, "%s: %s", path, e.msg);
    return 0;
}
