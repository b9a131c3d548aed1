#pragma once
/* A QR code (print/qr.h) as rows of "0"/"1", dark = 1, for the desk page
 * to draw as SVG without a script library: the TOTP enrolment's otpauth URI
 * goes to the officer's phone this way. */
#include <jansson.h>

/* New reference: an array of equal-length strings, or NULL when the text
 * does not fit a QR code or memory is short. */
json_t *qr_rows(const char *text);
