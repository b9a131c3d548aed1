#include "render.h"

#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool render_supports(const char *type)
{
    return !strcmp(type, "migration_card") || !strcmp(type, "patent");
}

struct page {
    cairo_t *cr;
    PangoLayout *layout;
    json_t *zones;
    const json_t *fields;
};

static void text_at(struct page *p, double x, double y, const char *font, const char *s)
{
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(p->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(p->layout, s, -1);
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, p->layout);
}

/* A labelled box; the value comes from the field (or `fixed`), and its box
 * is recorded as a zone. Dates print as DD.MM.YYYY like the forms do. */
static void field(struct page *p, double x, double y, double w, const char *label, const char *name,
                  const char *fixed, bool upper)
{
    cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.35);
    text_at(p, x, y, "PT Sans 6.5", label);
    cairo_set_line_width(p->cr, 0.2);
    cairo_rectangle(p->cr, x, y + 3.2, w, 5.5);
    cairo_stroke(p->cr);
    const char *v = fixed;
    char buf[256];
    json_t *jv = name ? json_object_get(p->fields, name) : NULL;
    if (json_is_string(jv)) {
        v = json_string_value(jv);
        int yy, mm, dd;
        if (strlen(v) == 10 && v[4] == '-' && v[7] == '-') {
            yy = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
            mm = (v[5] - '0') * 10 + (v[6] - '0');
            dd = (v[8] - '0') * 10 + (v[9] - '0');
            snprintf(buf, sizeof buf, "%02d.%02d.%04d", dd, mm, yy);
            v = buf;
        }
    } else if (json_is_integer(jv)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(jv));
        v = buf;
    }
    if (!v)
        return;
    char up[256];
    if (upper) {
        /* Upper-case through GLib so Cyrillic letters follow. */
        gchar *u = g_utf8_strup(v, -1);
        snprintf(up, sizeof up, "%s", u);
        g_free(u);
        v = up;
    }
    cairo_set_source_rgb(p->cr, 0.05, 0.05, 0.1);
    text_at(p, x + 1.0, y + 3.6, "Liberation Mono 9", v);
    if (name && p->zones)
        json_array_append_new(p->zones, json_pack("{s:s, s:[f,f,f,f]}", "field", name, "box_mm", x, y + 3.2, w, 5.5));
}

static void migration_card(struct page *p, const char *country)
{
    cairo_t *cr = p->cr;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.2);
    text_at(p, 8, 5, "PT Sans Bold 10", "МИГРАЦИОННАЯ КАРТА / MIGRATION CARD");
    text_at(p, 8, 10.5, "PT Sans 7", "Российская Федерация / Russian Federation        Серия 4621 № 0734512");
    field(p, 8, 16, 64, "Фамилия / Surname", "surname", NULL, true);
    field(p, 76, 16, 64, "Имя / Given names", "given_names", NULL, true);
    field(p, 8, 27, 40, "Дата рождения / Date of birth", "birth_date", NULL, false);
    field(p, 52, 27, 40, "Гражданство / Nationality", NULL, country, false);
    field(p, 96, 27, 44, "Документ / ID document №", "passport_number", NULL, true);
    const json_t *purpose = json_object_get(p->fields, "purpose");
    const char *pv = json_is_string(purpose) ? json_string_value(purpose) : "";
    text_at(p, 8, 39, "PT Sans 6.5", "Цель визита / Purpose of visit:");
    static const char *const purposes[] = {"служебный", "туризм", "деловой", "учёба", "работа", "частный", NULL};
    for (int i = 0; purposes[i]; i++) {
        double x = 8 + i * 22;
        cairo_set_line_width(cr, 0.25);
        cairo_rectangle(cr, x, 43.5, 3, 3);
        cairo_stroke(cr);
        if (!strcmp(pv, purposes[i])) {
            cairo_move_to(cr, x, 43.5);
            cairo_line_to(cr, x + 3, 46.5);
            cairo_move_to(cr, x + 3, 43.5);
            cairo_line_to(cr, x, 46.5);
            cairo_stroke(cr);
            if (p->zones)
                json_array_append_new(p->zones, json_pack("{s:s, s:[f,f,f,f], s:s}", "field", "purpose", "box_mm",
                                                          x, 43.5, 3.0, 3.0, "value", purposes[i]));
        }
        text_at(p, x + 4, 42.8, "PT Sans 6.5", purposes[i]);
    }
    field(p, 8, 50, 40, "Дата въезда / Date of entry", "entry_date", NULL, false);
    field(p, 52, 50, 40, "Срок пребывания до / Stay until", NULL, "", false);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.5);
    text_at(p, 8, 63, "PT Sans 6", "Подпись / Signature ______________");
}

static void patent(struct page *p, const char *country)
{
    cairo_t *cr = p->cr;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.2);
    text_at(p, 30, 8, "PT Serif Bold 9", "РОССИЙСКАЯ ФЕДЕРАЦИЯ");
    text_at(p, 22, 13, "PT Serif 8", "Министерство внутренних дел Российской Федерации");
    text_at(p, 58, 22, "PT Serif Bold 16", "ПАТЕНТ");
    text_at(p, 40, 31, "PT Sans 8", "серия 77 № 2500418830");
    cairo_set_line_width(cr, 0.3);
    cairo_rectangle(cr, 112, 38, 28, 36); /* photo zone */
    cairo_set_source_rgb(cr, 0.78, 0.78, 0.8);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_stroke(cr);
    field(p, 10, 38, 96, "Фамилия", "surname", NULL, true);
    field(p, 10, 49, 96, "Имя", "given_names", NULL, true);
    field(p, 10, 60, 46, "Дата рождения", "birth_date", NULL, false);
    field(p, 60, 60, 46, "Гражданство", NULL, country, false);
    field(p, 10, 71, 96, "Документ, удостоверяющий личность: серия, №", "passport_number", NULL, true);
    field(p, 10, 82, 130, "Профессия (специальность, должность, вид трудовой деятельности)", "profession", NULL,
          false);
    field(p, 10, 93, 130, "Территория действия патента", "region", NULL, false);
    field(p, 10, 104, 46, "Дата выдачи", "issue_date", NULL, false);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.5);
    text_at(p, 10, 118, "PT Sans 6.5", "Должностное лицо ____________   М.П.");
}

/* Separable box blur of radius r on an ARGB32 surface, in place. */
static void box_blur(cairo_surface_t *s, int r)
{
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    unsigned char *tmp = malloc((size_t)stride * (size_t)h);
    if (!tmp)
        return;
    for (int pass = 0; pass < 2; pass++) {
        unsigned char *src = pass == 0 ? data : tmp, *dst = pass == 0 ? tmp : data;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 4; c++) {
                    int sum = 0, n = 0;
                    for (int k = -r; k <= r; k++) {
                        int xx = pass == 0 ? x + k : x, yy = pass == 0 ? y : y + k;
                        if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                            continue;
                        sum += src[(size_t)yy * (size_t)stride + (size_t)xx * 4 + (size_t)c];
                        n++;
                    }
                    dst[(size_t)y * (size_t)stride + (size_t)x * 4 + (size_t)c] = (unsigned char)(sum / n);
                }
    }
    free(tmp);
    cairo_surface_mark_dirty(s);
}

int render_document(const json_t *doc, const char *country, const struct render_degrade *d, const char *path,
                    json_t **ret_zones)
{
    const char *type = json_string_value(json_object_get(doc, "type"));
    if (!type || !render_supports(type))
        return -ENOTSUP;
    bool card = !strcmp(type, "migration_card");
    double w_mm = card ? 148 : 150, h_mm = card ? 70 : 125;
    double px = d->dpi / 25.4;
    int W = (int)ceil(w_mm * px), H = (int)ceil(h_mm * px);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0.97, 0.96, 0.93);
    cairo_paint(cr);
    cairo_scale(cr, px, px);
    if (d->angle_deg != 0) {
        cairo_translate(cr, w_mm / 2, h_mm / 2);
        cairo_rotate(cr, d->angle_deg * M_PI / 180);
        cairo_translate(cr, -w_mm / 2, -h_mm / 2);
    }
    cairo_set_source_rgb(cr, 1, 1, 0.98);
    cairo_rectangle(cr, 2, 2, w_mm - 4, h_mm - 4);
    cairo_fill(cr);
    PangoLayout *layout = pango_cairo_create_layout(cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(layout), 25.4); /* points in mm units */
    pango_layout_context_changed(layout);
    struct page p = {cr, layout, ret_zones ? json_array() : NULL, json_object_get(doc, "fields")};
    if (card)
        migration_card(&p, country);
    else
        patent(&p, country);
    unsigned seed = d->seed;
    if (d->stamp) {
        double cx = 30 + (seed % 70), cy = 20 + ((seed / 7) % 30);
        cairo_set_source_rgba(cr, 0.1, 0.2, 0.75, 0.55);
        cairo_set_line_width(cr, 0.8);
        cairo_arc(cr, cx, cy, 13, 0, 2 * M_PI);
        cairo_stroke(cr);
        cairo_arc(cr, cx, cy, 9, 0, 2 * M_PI);
        cairo_stroke(cr);
        text_at(&p, cx - 7, cy - 2.5, "PT Sans Bold 8", "ОВМ МВД");
    }
    if (d->glare) {
        double gx = 20 + ((seed / 3) % 100), gy = 15 + ((seed / 11) % 40);
        cairo_pattern_t *g = cairo_pattern_create_radial(gx, gy, 0, gx, gy, 18);
        cairo_pattern_add_color_stop_rgba(g, 0, 1, 1, 1, 0.97);
        cairo_pattern_add_color_stop_rgba(g, 0.6, 1, 1, 1, 0.8);
        cairo_pattern_add_color_stop_rgba(g, 1, 1, 1, 1, 0);
        cairo_set_source(cr, g);
        cairo_paint(cr);
        cairo_pattern_destroy(g);
    }
    g_object_unref(layout);
    cairo_destroy(cr);
    if (d->blur_px > 0)
        box_blur(s, (int)ceil(d->blur_px));
    cairo_status_t st = cairo_surface_write_to_png(s, path);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        json_decref(p.zones);
        return -EIO;
    }
    if (ret_zones)
        *ret_zones = p.zones;
    return 0;
}

void render_cleanup(void)
{
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
}
