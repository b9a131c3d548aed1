#include "print/pdfdoc.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <pango/pangocairo.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "print/qr.h"

#define PT_PER_MM (72.0 / 25.4)
#define PAGE_W (210.0 * PT_PER_MM)
#define PAGE_H (297.0 * PT_PER_MM)
#define MARGIN (20.0 * PT_PER_MM)
#define QR_QUIET 4 /* modules of white around the code (ISO/IEC 18004) */

struct pdfdoc {
    cairo_surface_t *surface;
    cairo_t *cr;
    double y;     /* where the next block starts, points from the top */
    uint8_t *buf; /* the PDF as cairo writes it */
    size_t len, cap;
    bool overflow; /* more than PDFDOC_MAX_BYTES, or out of memory */
};

/* cairo's write callback: appends to the document's buffer. A grown buffer
 * is copied and the old one wiped, since it may hold a code. */
static cairo_status_t sink(void *ctx, const unsigned char *data, unsigned int n)
{
    pdfdoc_t *d = ctx;
    if (d->overflow || d->len + n > PDFDOC_MAX_BYTES) {
        d->overflow = true;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (d->len + n > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64 * 1024;
        while (cap < d->len + n)
            cap *= 2;
        uint8_t *nb = malloc(cap);
        if (!nb) {
            d->overflow = true;
            return CAIRO_STATUS_NO_MEMORY;
        }
        if (d->buf) {
            memcpy(nb, d->buf, d->len);
            sodium_memzero(d->buf, d->cap);
            free(d->buf);
        }
        d->buf = nb;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, data, n);
    d->len += n;
    return CAIRO_STATUS_SUCCESS;
}

int pdfdoc_new(const char *title, pdfdoc_t **ret, err_t *err)
{
    pdfdoc_t *d = calloc(1, sizeof *d);
    if (!d)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    d->surface = cairo_pdf_surface_create_for_stream(sink, d, PAGE_W, PAGE_H);
    d->cr = cairo_create(d->surface);
    if (cairo_status(d->cr) != CAIRO_STATUS_SUCCESS) {
        pdfdoc_free(d);
        return err_set(err, -ENOMEM, "out_of_memory", "The PDF surface could not be made.");
    }
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "uchet");
    d->y = MARGIN;
    *ret = d;
    return 0;
}

void pdfdoc_free(pdfdoc_t *d)
{
    if (!d)
        return;
    if (d->cr)
        cairo_destroy(d->cr);
    if (d->surface) {
        cairo_surface_finish(d->surface);
        cairo_surface_destroy(d->surface);
    }
    if (d->buf) {
        sodium_memzero(d->buf, d->cap);
        free(d->buf);
    }
    free(d);
}

void pdfdoc_page(pdfdoc_t *d)
{
    cairo_show_page(d->cr);
    d->y = MARGIN;
}

void pdfdoc_gap(pdfdoc_t *d, double mm)
{
    d->y += mm * PT_PER_MM;
}

static void style_font(PangoFontDescription *f, pdfdoc_style_t style)
{
    /* Noto Sans first; fontconfig falls back by language and script to
     * Noto Sans CJK, Noto Sans Georgian and so on, all from fonts-noto-*. */
    pango_font_description_set_family(f, "Noto Sans");
    static const double size[] = {[PDFDOC_BODY] = 12, [PDFDOC_SMALL] = 10, [PDFDOC_HEADING] = 18, [PDFDOC_HUGE] = 28};
    pango_font_description_set_size(f, (int)(size[style] * PANGO_SCALE));
    pango_font_description_set_weight(
        f, style == PDFDOC_HEADING || style == PDFDOC_HUGE ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
}

int pdfdoc_text(pdfdoc_t *d, const char *lang, pdfdoc_style_t style, const char *utf8, err_t *err)
{
    if (!g_utf8_validate(utf8, -1, NULL))
        return err_set(err, -EINVAL, "bad_text", "The text is not valid UTF-8.");
    PangoLayout *layout = pango_cairo_create_layout(d->cr);
    if (!layout)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    PangoContext *ctx = pango_layout_get_context(layout);
    pango_context_set_language(ctx, pango_language_from_string(lang));
    pango_layout_context_changed(layout);
    PangoFontDescription *f = pango_font_description_new();
    style_font(f, style);
    pango_layout_set_font_description(layout, f);
    pango_font_description_free(f);
    pango_layout_set_width(layout, (int)((PAGE_W - 2 * MARGIN) * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR); /* a long Georgian word still breaks */
    pango_layout_set_text(layout, utf8, -1);
    int w, h;
    pango_layout_get_size(layout, &w, &h);
    double height = (double)h / PANGO_SCALE;
    if (d->y + height > PAGE_H - MARGIN && d->y > MARGIN)
        pdfdoc_page(d);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    cairo_move_to(d->cr, MARGIN, d->y);
    pango_cairo_show_layout(d->cr, layout);
    g_object_unref(layout);
    d->y += height + 2.0 * PT_PER_MM;
    return 0;
}

int pdfdoc_qr(pdfdoc_t *d, const char *data, double side_mm, err_t *err)
{
    qr_matrix_t q;
    int r = qr_matrix_make(data, &q, err);
    if (r < 0)
        return r;
    double side = side_mm * PT_PER_MM, mod = side / (q.width + 2 * QR_QUIET);
    if (d->y + side > PAGE_H - MARGIN)
        pdfdoc_page(d);
    cairo_t *cr = d->cr;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, MARGIN, d->y, side, side);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int y = 0; y < q.width; y++)
        for (int x = 0; x < q.width; x++)
            if (q.dark[y * q.width + x])
                cairo_rectangle(cr, MARGIN + (x + QR_QUIET) * mod, d->y + (y + QR_QUIET) * mod, mod, mod);
    cairo_fill(cr);
    qr_matrix_free(&q);
    d->y += side + 2.0 * PT_PER_MM;
    return 0;
}

int pdfdoc_finish(pdfdoc_t *d, uint8_t **ret, size_t *ret_len, err_t *err)
{
    cairo_destroy(d->cr);
    d->cr = NULL;
    cairo_surface_finish(d->surface);
    cairo_status_t st = cairo_surface_status(d->surface);
    cairo_surface_destroy(d->surface);
    d->surface = NULL;
    int r = 0;
    if (d->overflow || st != CAIRO_STATUS_SUCCESS)
        r = err_set(err, d->overflow ? -E2BIG : -EIO, "pdf_too_large", "The document could not be written.");
    if (r == 0) {
        *ret = d->buf;
        *ret_len = d->len;
        d->buf = NULL;
    }
    pdfdoc_free(d);
    return r;
}
