#pragma once
/* A small PDF page builder for uchet's printed documents (the kiosk
 * receipt, the activation letter): A4 pages, paragraphs flowed top to
 * bottom, and QR codes. Text is laid out with pango over cairo in the Noto
 * fonts (fonts-noto-core, fonts-noto-cjk), so every kiosk language is shaped
 * by HarfBuzz, and it is embedded as real text: pdftotext reads it back.
 *
 * Ownership: a pdfdoc_t belongs to its creator, who ends it with
 * pdfdoc_finish (the bytes) or pdfdoc_free. One document is used by one
 * thread; different threads may each build their own at the same time.
 * The finished bytes may hold a secret (an activation code): the builder
 * wipes its own buffer, the caller wipes the copy it gets. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define PDFDOC_MAX_BYTES (4 * 1024 * 1024) /* a bigger document is refused: pdf_too_large */

typedef struct pdfdoc pdfdoc_t;

typedef enum { PDFDOC_BODY = 0, PDFDOC_SMALL, PDFDOC_HEADING, PDFDOC_HUGE } pdfdoc_style_t;

/* A new document with one empty A4 page; title goes into the PDF's metadata. */
int pdfdoc_new(const char *title, pdfdoc_t **ret, err_t *err);
void pdfdoc_free(pdfdoc_t *d); /* accepts NULL */

/* A paragraph of UTF-8 text in language lang (a BCP 47 tag such as "ka" or
 * "zh-cn": it picks the script's font and shaping), wrapped to the page's
 * width, under what is already on the page. Starts a new page when the
 * paragraph does not fit. -EINVAL (bad_text) for invalid UTF-8. */
int pdfdoc_text(pdfdoc_t *d, const char *lang, pdfdoc_style_t style, const char *utf8, err_t *err);
/* Vertical space of mm millimetres. */
void pdfdoc_gap(pdfdoc_t *d, double mm);
/* A QR code (ECC level M, 8-bit mode) of `data`, side_mm wide with its
 * quiet zone, at the left margin under what is on the page. */
int pdfdoc_qr(pdfdoc_t *d, const char *data, double side_mm, err_t *err);
/* Ends the current page and starts another. */
void pdfdoc_page(pdfdoc_t *d);

/* Finishes the document: *ret (malloc'd, caller frees and wipes) holds the
 * PDF, *ret_len its length. Frees d in every case. */
int pdfdoc_finish(pdfdoc_t *d, uint8_t **ret, size_t *ret_len, err_t *err);
