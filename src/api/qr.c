#include "api/qr.h"

#include <qrencode.h>
#include <stdlib.h>

json_t *qr_rows(const char *text)
{
    /* Level M: a phone camera reads it off a monitor; version chosen by size. */
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return NULL;
    json_t *rows = json_array();
    char *line = malloc((size_t)q->width + 1);
    for (int y = 0; rows && line && y < q->width; y++) {
        for (int x = 0; x < q->width; x++)
            line[x] = (q->data[y * q->width + x] & 1) ? '1' : '0';
        line[q->width] = '\0';
        json_array_append_new(rows, json_string(line));
    }
    if (!line) {
        json_decref(rows);
        rows = NULL;
    }
    free(line);
    QRcode_free(q);
    return rows;
}
