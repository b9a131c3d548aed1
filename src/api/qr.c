#include "api/qr.h"

#include <sodium.h>
#include <stdlib.h>

#include "print/qr.h"

json_t *qr_rows(const char *text)
{
    qr_matrix_t m;
    err_t e = {0};
    if (qr_matrix_make(text, &m, &e) < 0)
        return NULL;
    json_t *rows = json_array();
    char *line = malloc((size_t)m.width + 1);
    for (int y = 0; rows && line && y < m.width; y++) {
        for (int x = 0; x < m.width; x++)
            line[x] = m.dark[y * m.width + x] ? '1' : '0';
        line[m.width] = '\0';
        json_array_append_new(rows, json_string(line));
    }
    if (!line) {
        json_decref(rows);
        rows = NULL;
    } else {
        sodium_memzero(line, (size_t)m.width + 1);
    }
    free(line);
    qr_matrix_free(&m);
    return rows;
}
