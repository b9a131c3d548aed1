#include "print/qr.h"

#include <errno.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdlib.h>

int qr_matrix_make(const char *text, qr_matrix_t *ret, err_t *err)
{
    *ret = (qr_matrix_t){0};
    /* Level M: a phone camera reads it off paper or a monitor. */
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return err_set(err, errno == ERANGE ? -E2BIG : -ENOMEM, "qr_failed", "The QR code could not be made.");
    size_t n = (size_t)q->width * (size_t)q->width;
    ret->dark = malloc(n);
    if (ret->dark) {
        ret->width = q->width;
        for (size_t i = 0; i < n; i++)
            ret->dark[i] = q->data[i] & 1;
    }
    sodium_memzero(q->data, n);
    QRcode_free(q);
    return ret->dark ? 0 : err_set(err, -ENOMEM, "qr_failed", "Out of memory.");
}

void qr_matrix_free(qr_matrix_t *m)
{
    if (m->dark) {
        sodium_memzero(m->dark, (size_t)m->width * (size_t)m->width);
        free(m->dark);
    }
    *m = (qr_matrix_t){0};
}
