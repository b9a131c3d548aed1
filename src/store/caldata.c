#include "store/caldata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define CALDATA_MAX_BYTES (64 * 1024)

/* Reads a small text file; -ENOENT if absent. Caller frees *ret. */
static int slurp(const char *path, char **ret, size_t *ret_len, err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -ENOENT;
    char *buf = malloc(CALDATA_MAX_BYTES);
    size_t n = buf ? fread(buf, 1, CALDATA_MAX_BYTES, f) : 0;
    bool too_big = buf && n == CALDATA_MAX_BYTES;
    fclose(f);
    if (!buf)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    if (too_big) {
        free(buf);
        return err_set(err, -EFBIG, "calendar_syntax", "%s is larger than 64 KiB.", path);
    }
    *ret = buf;
    *ret_len = n;
    return 0;
}

int caldata_load(const char *dir, calendar_t **ret, int *ret_years, err_t *err)
{
    calendar_t *cal = calendar_new();
    if (!cal)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int years = 0;
    for (int y = 2000; y <= 2100; y++) {
        char path[600];
        snprintf(path, sizeof path, "%s/calendar/ru/%d.txt", dir, y);
        char *text = NULL;
        size_t len = 0;
        int r = slurp(path, &text, &len, err);
        if (r == -ENOENT)
            continue;
        if (r == 0) {
            r = calendar_load_year(cal, text, len, err);
            free(text);
        }
        if (r == 0 && !calendar_has_year(cal, y))
            r = err_set(err, -EINVAL, "calendar_syntax", "%s does not declare year %d.", path, y);
        if (r < 0) {
            calendar_free(cal);
            return r;
        }
        years++;
    }
    *ret = cal;
    *ret_years = years;
    return 0;
}
