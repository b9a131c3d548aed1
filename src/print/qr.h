#pragma once
/* QR codes (ISO/IEC 18004, ECC level M, 8-bit mode, version chosen by
 * size), made by libqrencode in this one place: the printed receipt and
 * letter draw them into a PDF (pdfdoc.h), the desk draws the TOTP
 * enrolment's code as SVG (api/qr.h).
 *
 * The text may be a secret (an otpauth URI): the matrix is wiped when
 * freed, and so is libqrencode's own copy. */
#include <stdint.h>

#include "base/err.h"

typedef struct qr_matrix {
    int width;     /* modules per side, without the quiet zone */
    uint8_t *dark; /* width * width, row by row; 1 = dark; owned */
} qr_matrix_t;

/* Makes the code of `text`. -E2BIG (qr_failed) when it does not fit a QR
 * code, -ENOMEM otherwise. Free with qr_matrix_free. */
int qr_matrix_make(const char *text, qr_matrix_t *ret, err_t *err);
void qr_matrix_free(qr_matrix_t *m); /* wipes; accepts a zeroed matrix */
