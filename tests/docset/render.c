#include "render.h"

#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/date.h"
#ifdef UCHET_HAVE_RASTER
#include "base/file.h"
#include "bio/raster.h"
#endif

struct page {
    cairo_t *cr;
    PangoLayout *layout;
    json_t *zones;
    const json_t *fields;
    int copies;    /* prints on the page (photo) */
    double gap_mm; /* paper between them */
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

/* The value of a field as a form prints it: a date as DD.MM.YYYY, text in
 * capitals when `upper` (through GLib, so Cyrillic letters follow), a
 * number in figures; `fixed` when the field is absent. Into buf; NULL when
 * there is nothing to print. */
static const char *printed(const struct page *p, const char *name, const char *fixed, bool upper, char *buf, size_t cap)
{
    json_t *jv = name ? json_object_get(p->fields, name) : NULL;
    const char *v = json_is_string(jv) ? json_string_value(jv) : fixed;
    date_t on;
    int y, m, d;
    if (json_is_integer(jv))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(jv));
    else if (!v)
        return NULL;
    else if (date_parse(v, strlen(v), &on) == 0) {
        date_to_ymd(on, &y, &m, &d);
        snprintf(buf, cap, "%02d.%02d.%04d", d, m, y);
    } else if (upper) {
        gchar *u = g_utf8_strup(v, -1);
        snprintf(buf, cap, "%s", u);
        g_free(u);
    } else
        snprintf(buf, cap, "%s", v);
    return buf;
}

/* A labelled box; the value comes from the field (or `fixed`), and its box
 * is recorded as a zone. */
static void field(
    struct page *p, double x, double y, double w, const char *label, const char *name, const char *fixed, bool upper)
{
    cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.35);
    text_at(p, x, y, "PT Sans 6.5", label);
    cairo_set_line_width(p->cr, 0.2);
    cairo_rectangle(p->cr, x, y + 3.2, w, 5.5);
    cairo_stroke(p->cr);
    char buf[256];
    const char *v = printed(p, name, fixed, upper, buf, sizeof buf);
    if (!v)
        return;
    cairo_set_source_rgb(p->cr, 0.05, 0.05, 0.1);
    text_at(p, x + 1.0, y + 3.6, "Liberation Mono 9", v);
    if (name && p->zones)
        json_array_append_new(p->zones, json_pack("{s:s, s:[f,f,f,f]}", "field", name, "box_mm", x, y + 3.2, w, 5.5));
}

static const char *fstr(const struct page *p, const char *name)
{
    const char *v = json_string_value(json_object_get(p->fields, name));
    return v ? v : "";
}

static int mrz_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 0;
}

static char check_digit(const char *s, size_t n)
{
    static const int w[3] = {7, 3, 1};
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += mrz_value(s[i]) * w[i % 3];
    return (char)('0' + sum % 10);
}

/* Appends s reduced to A-Z (other letters dropped, separators as '<'). */
static size_t mrz_name(char *out, size_t at, size_t cap, const char *s)
{
    for (; *s && at < cap; s++) {
        char c = *s;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c >= 'A' && c <= 'Z')
            out[at++] = c;
        else if (c == ' ' || c == '-')
            out[at++] = '<';
    }
    return at;
}

static void yymmdd(const char *iso, char *out)
{
    if (strlen(iso) == 10)
        memcpy(out, (char[6]){iso[2], iso[3], iso[5], iso[6], iso[8], iso[9]}, 6);
    else
        memcpy(out, "<<<<<<", 6);
}

void render_td3(const char *nat, const char *surname, const char *given, const char *number, const char *birth,
    bool male, const char *expiry, char line1[45], char line2[45])
{
    memset(line1, '<', 44);
    memcpy(line1, "P<", 2);
    memcpy(line1 + 2, nat, 3);
    size_t at = mrz_name(line1, 5, 44, surname);
    at = at + 2 <= 44 ? at + 2 : 44;
    mrz_name(line1, at, 44, given);
    line1[44] = '\0';
    memset(line2, '<', 44);
    size_t nl = strlen(number);
    memcpy(line2, number, nl < 9 ? nl : 9);
    line2[9] = check_digit(line2, 9);
    memcpy(line2 + 10, nat, 3);
    yymmdd(birth, line2 + 13);
    line2[19] = check_digit(line2 + 13, 6);
    line2[20] = male ? 'M' : 'F';
    yymmdd(expiry, line2 + 21);
    line2[27] = check_digit(line2 + 21, 6);
    line2[42] = '0'; /* optional data all fillers: its check digit is 0 (a filler may stand too) */
    char comp[39];
    memcpy(comp, line2, 10);
    memcpy(comp + 10, line2 + 13, 7);
    memcpy(comp + 17, line2 + 21, 22);
    line2[43] = check_digit(comp, 39);
    line2[44] = '\0';
}

static void passport(struct page *p, const struct render_who *who)
{
    cairo_t *cr = p->cr;
    char head[128];
    snprintf(head, sizeof head, "%s  ·  PASSPORT  ·  ПАСПОРТ", who->nationality);
    cairo_set_source_rgb(cr, 0.15, 0.2, 0.35);
    text_at(p, 8, 4, "PT Sans Bold 9", head);
    cairo_set_line_width(cr, 0.3);
    cairo_rectangle(cr, 6, 12, 32, 42);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.82);
    cairo_fill(cr);
    field(p, 42, 11, 40, "Type / Code", NULL, "P", false);
    field(p, 86, 11, 34, "Passport No.", "doc_number", NULL, true);
    field(p, 42, 21, 78, "Surname", "surname", NULL, true);
    field(p, 42, 31, 78, "Given names", "given_names", NULL, true);
    field(p, 42, 41, 38, "Date of birth", "birth_date", NULL, false);
    field(p, 84, 41, 14, "Sex", NULL, who->male ? "M" : "F", false);
    field(p, 42, 51, 38, "Date of issue", "issue_date", NULL, false);
    field(p, 84, 51, 36, "Date of expiry", "expiry_date", NULL, false);
    char l1[45], l2[45];
    render_td3(who->nationality, fstr(p, "surname"), fstr(p, "given_names"), fstr(p, "doc_number"),
        fstr(p, "birth_date"), who->male, fstr(p, "expiry_date"), l1, l2);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    text_at(p, 5, 66, "OCR B 10.5", l1);
    text_at(p, 5, 72.5, "OCR B 10.5", l2);
    if (p->zones) {
        json_array_append_new(p->zones, json_pack("{s:s, s:[f,f,f,f], s:[s,s]}", "field", "mrz", "box_mm", 4.0, 65.0,
                                            117.0, 14.0, "lines", l1, l2));
    }
}

/* A receipt: its heading, what the payment is for, the budget
 * classification code (КБК) that says whom and what it pays, the sum. */
struct receipt {
    const char *heading, *purpose, *cbc;
    long long roubles;
};

/* A receipt with its payment QR code per ГОСТ Р 56042-2014 (ST00012:
 * UTF-8). The payee's details are synthetic placeholders, not any real
 * account; the КБК are the real ones (docset/payment.h). */
static void draw_receipt(struct page *p, const struct receipt *rc)
{
    cairo_t *cr = p->cr;
    const char *surname = fstr(p, "surname"), *given = fstr(p, "given_names");
    char payload[768], sum[64];
    snprintf(payload, sizeof payload,
        "ST00012|Name=Получатель (синтетический образец)|PersonalAcc=03100000000000000000|"
        "BankName=Банк (синтетический образец)|BIC=000000000|CorrespAcc=40100000000000000000|"
        "Sum=%lld|Purpose=%s|PayeeINN=0000000000|KPP=000000000|CBC=%s|"
        "LastName=%s|FirstName=%s",
        rc->roubles * 100, rc->purpose, rc->cbc, surname, given);
    snprintf(sum, sizeof sum, "%lld руб. 00 коп.", rc->roubles);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.2);
    text_at(p, 8, 5, "PT Sans Bold 10", rc->heading);
    field(p, 8, 14, 90, "Получатель", NULL, "Получатель (синтетический образец)", false);
    field(p, 8, 25, 90, "Плательщик", NULL, NULL, false);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.1);
    char payer[256];
    snprintf(payer, sizeof payer, "%s %s", surname, given);
    text_at(p, 9, 28.6, "Liberation Mono 9", payer);
    field(p, 8, 36, 42, "Сумма", NULL, sum, false);
    if (p->zones)
        json_array_append_new(
            p->zones, json_pack("{s:s, s:[f,f,f,f]}", "field", "amount", "box_mm", 8.0, 39.2, 42.0, 5.5));
    field(p, 54, 36, 44, "Дата платежа", "issue_date", NULL, false);
    field(p, 8, 47, 90, "Назначение платежа", NULL, rc->purpose, false);
    QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr) {
        double x0 = 104, y0 = 12, size = 38, m = size / qr->width;
        cairo_set_source_rgb(cr, 0, 0, 0);
        for (int y = 0; y < qr->width; y++)
            for (int x = 0; x < qr->width; x++)
                if (qr->data[y * qr->width + x] & 1)
                    cairo_rectangle(cr, x0 + x * m, y0 + y * m, m, m);
        cairo_fill(cr);
        if (p->zones)
            json_array_append_new(p->zones,
                json_pack("{s:s, s:[f,f,f,f], s:s}", "field", "qr", "box_mm", x0, y0, size, size, "payload", payload));
        QRcode_free(qr);
    }
}

static long long field_int(const struct page *p, const char *name)
{
    const json_t *v = json_object_get(p->fields, name);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* The state fee, paid to the Interior Ministry (КБК 188 1 08 06000 01 8003
 * 110, the fees for residence documents). */
static void fee_receipt(struct page *p, const struct render_who *who)
{
    (void)who;
    draw_receipt(p, &(struct receipt){"КВИТАНЦИЯ об уплате государственной пошлины", "Государственная пошлина",
                        "18810806000018003110", field_int(p, "amount")});
}

/* The income tax a patent holder advances each month (НК РФ art. 227.1),
 * paid to the Federal Tax Service; the months paid stated in the purpose,
 * as banks' forms have the payer write them. The sum is the law's base of
 * 1,200 roubles a month without the deflator and the region's coefficient
 * (a synthetic figure: nothing checks it). */
static void tax_receipt(struct page *p, const struct render_who *who)
{
    (void)who;
    long long months = field_int(p, "months");
    char purpose[160];
    snprintf(purpose, sizeof purpose, "НДФЛ (авансовый платёж по патенту) за %lld мес.", months);
    draw_receipt(p, &(struct receipt){"КВИТАНЦИЯ об уплате НДФЛ (авансовый платёж по патенту)", purpose,
                        "18210102040011000110", months * 1200});
    if (p->zones)
        json_array_append_new(
            p->zones, json_pack("{s:s, s:[f,f,f,f]}", "field", "months", "box_mm", 8.0, 50.2, 90.0, 5.5));
}

static void migration_card(struct page *p, const struct render_who *who)
{
    const char *country = who->country_ru;
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
                json_array_append_new(p->zones, json_pack("{s:s, s:[f,f,f,f], s:s}", "field", "purpose", "box_mm", x,
                                                    43.5, 3.0, 3.0, "value", purposes[i]));
        }
        text_at(p, x + 4, 42.8, "PT Sans 6.5", purposes[i]);
    }
    field(p, 8, 50, 40, "Дата въезда / Date of entry", "entry_date", NULL, false);
    field(p, 52, 50, 40, "Срок пребывания до / Stay until", NULL, "", false);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.5);
    text_at(p, 8, 63, "PT Sans 6", "Подпись / Signature ______________");
}

static void patent(struct page *p, const struct render_who *who)
{
    const char *country = who->country_ru;
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
    field(p, 10, 82, 130, "Профессия (специальность, должность, вид трудовой деятельности)", "profession", NULL, false);
    field(p, 10, 93, 130, "Территория действия патента", "region", NULL, false);
    field(p, 10, 104, 46, "Дата выдачи", "issue_date", NULL, false);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.5);
    text_at(p, 10, 118, "PT Sans 6.5", "Должностное лицо ____________   М.П.");
}

/* A labelled row of `cells` one-letter cells (CELL_MM wide), as official
 * forms have them filled in by hand: each character of the value centred
 * in its own cell, a blank cell between words. Its box recorded as the
 * field's zone. */
#define COMB_CELL_MM 4.2
static void comb(struct page *p, double x, double y, int cells, const char *label, const char *name, const char *fixed)
{
    cairo_t *cr = p->cr;
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.35);
    text_at(p, x, y, "PT Sans 6.5", label);
    cairo_set_line_width(cr, 0.2);
    for (int i = 0; i < cells; i++)
        cairo_rectangle(cr, x + i * COMB_CELL_MM, y + 3.2, COMB_CELL_MM, 5.5);
    cairo_stroke(cr);
    char buf[256];
    const char *v = printed(p, name, fixed, true, buf, sizeof buf);
    v = v ? v : "";
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.1);
    PangoRectangle ink, logical;
    int i = 0;
    for (const char *c = v; *c && i < cells; c = g_utf8_next_char(c), i++) {
        char one[8] = {0};
        memcpy(one, c, (size_t)(g_utf8_next_char(c) - c));
        PangoFontDescription *fd = pango_font_description_from_string("Liberation Mono 9");
        pango_layout_set_font_description(p->layout, fd);
        pango_font_description_free(fd);
        pango_layout_set_text(p->layout, one, -1);
        pango_layout_get_extents(p->layout, &ink, &logical);
        double w = (double)logical.width / PANGO_SCALE;
        cairo_move_to(cr, x + i * COMB_CELL_MM + (COMB_CELL_MM - w) / 2, y + 3.6);
        pango_cairo_show_layout(cr, p->layout);
    }
    if (name && p->zones)
        json_array_append_new(
            p->zones, json_pack("{s:s, s:[f,f,f,f]}", "field", name, "box_mm", x, y + 3.2, cells * COMB_CELL_MM, 5.5));
}

/* The tear-off part of the arrival notice (notice of a foreign citizen's
 * arrival at the place of stay, МВД order No. 856 of 10.12.2020), which
 * the migration office stamps and hands back: filled in Russian, in
 * capitals, one letter a cell. Layout modelled on the form's content, not
 * copied (no specimen was available); the address a synthetic
 * placeholder. */
static void registration_notice(struct page *p, const struct render_who *who)
{
    cairo_t *cr = p->cr;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.2);
    text_at(p, 10, 4, "PT Serif Bold 9", "ОТРЫВНАЯ ЧАСТЬ БЛАНКА УВЕДОМЛЕНИЯ О ПРИБЫТИИ");
    text_at(p, 10, 9, "PT Serif 7.5", "иностранного гражданина или лица без гражданства в место пребывания");
    comb(p, 10, 15, 30, "Фамилия", "surname", NULL);
    comb(p, 10, 25, 30, "Имя", "given_names", NULL);
    comb(p, 10, 35, 30, "Гражданство", NULL, who->country_ru);
    comb(p, 10, 45, 10, "Дата рождения", "birth_date", NULL);
    comb(p, 62, 45, 14, "Документ, удостоверяющий личность: серия, №", "passport_number", NULL);
    comb(p, 10, 55, 30, "Адрес места пребывания", NULL, "Г МОСКВА УЛ ОБРАЗЦОВАЯ Д 1");
    char until[11] = ""; /* the stay declared: 90 days from the notice */
    const char *issued = fstr(p, "issue_date");
    date_t on;
    if (date_parse(issued, strlen(issued), &on) == 0)
        date_format(on + 90, until);
    comb(p, 10, 65, 10, "Срок пребывания до", NULL, until);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.5);
    text_at(p, 10, 80, "PT Sans 6.5", "Принимающая сторона ____________      Уведомление принято ____________   М.П.");
}

/* The language a notarised translation is made from, by the passport's
 * country (genitive, as the translator's heading prints it). */
static const char *source_language(const char *nationality)
{
    if (!strcmp(nationality, "UZB"))
        return "узбекского";
    if (!strcmp(nationality, "TJK"))
        return "таджикского";
    if (!strcmp(nationality, "KGZ"))
        return "киргизского";
    return "казахского";
}

/* A notarised translation's footer: the translator's statement, the
 * notary's certification, y its first line. */
static void translator_footer(struct page *p, const struct render_who *who, double y)
{
    char line[160];
    cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.4);
    snprintf(line, sizeof line, "Перевод с %s языка на русский язык выполнен переводчиком",
        source_language(who->nationality));
    text_at(p, 10, y, "PT Serif 7", line);
    text_at(p, 10, y + 4, "PT Serif 7", "Переводчик ______________");
    text_at(p, 10, y + 12, "PT Serif 7", "Нотариус ______________ свидетельствует подлинность подписи переводчика.");
    text_at(p, 10, y + 16, "PT Serif 7", "Зарегистрировано в реестре № 77/123-н/77-2025-1-1234.");
}

/* A notarised translation of the passport's data page: the translator's
 * heading, the data in Russian (names as the translator writes them), the
 * translator's and the notary's certification below. */
static void passport_translation(struct page *p, const struct render_who *who)
{
    cairo_t *cr = p->cr;
    char head[160];
    snprintf(head, sizeof head, "Перевод с %s языка на русский язык", source_language(who->nationality));
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.2);
    text_at(p, 10, 6, "PT Serif 9", head);
    text_at(p, 58, 14, "PT Serif Bold 12", "ПАСПОРТ");
    field(p, 10, 26, 96, "Фамилия", "surname", NULL, true);
    field(p, 10, 37, 96, "Имя", "given_names", NULL, true);
    field(p, 10, 48, 46, "Дата рождения", "birth_date", NULL, false);
    field(p, 60, 48, 46, "Гражданство", NULL, who->country_ru, false);
    field(p, 10, 59, 46, "Номер паспорта", "doc_number", NULL, true);
    field(p, 60, 59, 46, "Дата выдачи", "issue_date", NULL, false);
    translator_footer(p, who, 74);
}

/* A notarised translation of a foreign birth certificate (a minor's set,
 * a citizenship set): the child's name as the translator writes it and
 * the birth date; no identity document. The registry's place is the
 * country, so no second label says "рождения". */
static void birth_certificate(struct page *p, const struct render_who *who)
{
    char head[160];
    snprintf(head, sizeof head, "Перевод с %s языка на русский язык", source_language(who->nationality));
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.2);
    text_at(p, 10, 6, "PT Serif 9", head);
    text_at(p, 30, 14, "PT Serif Bold 12", "СВИДЕТЕЛЬСТВО О РОЖДЕНИИ");
    field(p, 10, 26, 96, "Фамилия", "surname", NULL, true);
    field(p, 10, 37, 96, "Имя", "given_names", NULL, true);
    field(p, 10, 48, 46, "Дата рождения", "birth_date", NULL, false);
    field(p, 60, 48, 46, "Гражданство", NULL, who->country_ru, false);
    field(p, 10, 59, 96, "Место государственной регистрации", NULL, who->country_ru, false);
    translator_footer(p, who, 74);
}

/* The person's block shared by the certificates: name, birth date,
 * citizenship and, unless the document is itself one (a residence
 * permit), the identity document; y is the first row's top. */
static void person_block(struct page *p, const struct render_who *who, double y, bool identity)
{
    field(p, 10, y, 96, "Фамилия", "surname", NULL, true);
    field(p, 10, y + 11, 96, "Имя", "given_names", NULL, true);
    field(p, 10, y + 22, 46, "Дата рождения", "birth_date", NULL, false);
    field(p, 60, y + 22, 46, "Гражданство", NULL, who->country_ru, false);
    if (identity)
        field(p, 10, y + 33, 96, "Документ, удостоверяющий личность: серия, №", "passport_number", NULL, true);
}

/* A line of print on a form: where (mm), the font, the text. */
struct print {
    double x, y;
    const char *font, *text;
};

/* A labelled box of a form: where, how wide, its label, and the field it
 * shows (name) or a fixed text; words, when set, turns the field's value
 * into the text printed (a certificate's level as the purpose it serves). */
struct box {
    double x, y, w;
    const char *label, *name, *fixed;
    const char *(*words)(const char *value);
};

/* A one-page form about the person: its heading (dark), the person's
 * block at 30 mm, its own boxes, and a signature line (grey). */
struct form {
    struct print head[5];
    struct box boxes[3];
    struct print foot;
    bool is_identity; /* the document is itself one: no identity-document row */
};

/* How the language certificate states its level: the purpose it serves
 * (the catalogue's levels patent, rvp, vnzh). */
static const char *level_words(const char *level)
{
    if (!strcmp(level, "patent"))
        return "для получения разрешения на работу или патента";
    if (!strcmp(level, "rvp"))
        return "для получения разрешения на временное проживание";
    return "для получения вида на жительство";
}

/* A box whose printed text comes from words(): drawn as a fixed text, its
 * zone recorded under the field's name. */
static void worded_box(struct page *p, const struct box *b)
{
    const json_t *v = json_object_get(p->fields, b->name);
    field(p, b->x, b->y, b->w, b->label, NULL, json_is_string(v) ? b->words(json_string_value(v)) : "", false);
    if (p->zones)
        json_array_append_new(
            p->zones, json_pack("{s:s, s:[f,f,f,f]}", "field", b->name, "box_mm", b->x, b->y + 3.2, b->w, 5.5));
}

static void draw_form(struct page *p, const struct render_who *who, const struct form *f)
{
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.2);
    for (size_t i = 0; i < sizeof f->head / sizeof f->head[0] && f->head[i].text; i++)
        text_at(p, f->head[i].x, f->head[i].y, f->head[i].font, f->head[i].text);
    person_block(p, who, 30, !f->is_identity);
    for (size_t i = 0; i < sizeof f->boxes / sizeof f->boxes[0] && f->boxes[i].label; i++) {
        const struct box *b = &f->boxes[i];
        if (b->words)
            worded_box(p, b);
        else
            field(p, b->x, b->y, b->w, b->label, b->name, b->fixed, false);
    }
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.5);
    text_at(p, f->foot.x, f->foot.y, f->foot.font, f->foot.text);
}

/* The forms about the person. The medical conclusion (Health Ministry order
 * No. 1079н) names the diseases in its heading; the employer's notice of
 * a labour contract with a foreign citizen (МВД order No. 536) sets its
 * heading in bold capitals, as the official form does; the language
 * certificate (Education ministry order No. 21) states its level as the
 * purpose it serves; the application's first page holds the applicant's
 * data only (the procedure's own questions follow on later pages, not
 * drawn). Clinics, employers and insurers are synthetic placeholders. */
static const struct form MEDICAL = {
    .head = {{10, 5, "PT Sans 7", "Медицинская организация (синтетический образец)"},
        {30, 11, "PT Serif Bold 12", "МЕДИЦИНСКОЕ ЗАКЛЮЧЕНИЕ"},
        {10, 18, "PT Serif 7.5", "об отсутствии заболевания наркоманией и инфекционных заболеваний,"},
        {10, 21.5, "PT Serif 7.5", "которые представляют опасность для окружающих"}},
    .boxes = {{10, 74, 46, "Дата выдачи заключения", "issue_date", NULL, NULL},
        {60, 74, 46, "Номер заключения", NULL, "0412-25", NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Главный врач ____________   М.П."},
};

static const struct form HIV = {
    .head = {{10, 5, "PT Sans 7", "Медицинская организация (синтетический образец)"},
        {12, 11, "PT Serif Bold 11", "СЕРТИФИКАТ ОБ ОТСУТСТВИИ ВИЧ-ИНФЕКЦИИ"},
        {10, 18, "PT Serif 7.5", "выдан по результатам медицинского освидетельствования"}},
    .boxes = {{10, 74, 46, "Дата выдачи сертификата", "issue_date", NULL, NULL},
        {60, 74, 46, "Результат исследования", NULL, "отрицательный", NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Врач ____________   М.П."},
};

static const struct form LANGUAGE = {
    .head = {{56, 6, "PT Serif Bold 13", "СЕРТИФИКАТ"},
        {10, 14, "PT Serif 7.5", "о владении русским языком, знании истории России"},
        {10, 17.5, "PT Serif 7.5", "и основ законодательства Российской Федерации"}},
    .boxes = {{10, 74, 130, "Уровень владения", "level", NULL, level_words},
        {10, 85, 46, "Дата выдачи", "issue_date", NULL, NULL}},
    .foot = {10, 98, "PT Sans 6.5", "Руководитель организации ____________   М.П."},
};

static const struct form EMPLOYER_NOTICE = {
    .head = {{10, 5, "PT Sans 7", "В управление по вопросам миграции (синтетический образец)"},
        {14, 11, "PT Serif Bold 9.5", "УВЕДОМЛЕНИЕ О ЗАКЛЮЧЕНИИ ТРУДОВОГО ДОГОВОРА"},
        {36, 16, "PT Serif Bold 9.5", "С ИНОСТРАННЫМ ГРАЖДАНИНОМ"},
        {10, 24, "PT Sans 7", "Работодатель: ООО «Организация» (синтетический образец)"}},
    .boxes = {{10, 74, 130, "Профессия (специальность, должность)", "profession", NULL, NULL},
        {10, 85, 130, "Регион места работы", "region", NULL, NULL}},
    .foot = {10, 99, "PT Sans 6.5", "Руководитель ____________   М.П."},
};

static const struct form LABOUR_CONTRACT = {
    .head = {{44, 6, "PT Serif Bold 12", "ТРУДОВОЙ ДОГОВОР"},
        {10, 14, "PT Serif 7.5", "ООО «Организация» (синтетический образец), именуемое «Работодатель», и"},
        {10, 18, "PT Serif 7.5", "гражданин, именуемый «Работник», заключили настоящий договор."}},
    .boxes = {{10, 74, 130, "Должность (профессия)", "profession", NULL, NULL},
        {10, 85, 130, "Регион места работы", "region", NULL, NULL},
        {10, 96, 46, "Дата заключения договора", "contract_date", NULL, NULL}},
    .foot = {10, 110, "PT Sans 6.5", "Работодатель ____________   Работник ____________"},
};

static const struct form APPLICATION = {
    .head = {{10, 5, "PT Sans 7", "В управление по вопросам миграции (синтетический образец)"},
        {52, 11, "PT Serif Bold 12", "ЗАЯВЛЕНИЕ"},
        {10, 18, "PT Serif 7.5", "иностранного гражданина (лист 1: сведения о заявителе)"}},
    .boxes = {{0}}, /* the person block only */
    .foot = {10, 78, "PT Sans 6.5", "Подпись заявителя ____________"},
};

static const struct form DMS_POLICY = {
    .head = {{10, 5, "PT Sans 7", "Страховая компания (синтетический образец)"}, {62, 11, "PT Serif Bold 12", "ПОЛИС"},
        {10, 18, "PT Serif 7.5", "добровольного медицинского страхования иностранного гражданина"}},
    .boxes = {{10, 74, 46, "Дата выдачи полиса", "issue_date", NULL, NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Страховщик ____________   М.П."},
};

/* The permits a later procedure asks for: the temporary residence permit
 * (РВП) as the separate document МВД order No. 407 provides, and the
 * residence permit (ВНЖ, a document of identity itself, so no passport
 * row); and the income statement a ВНЖ set proves its means with (the tax
 * service's form КНД 1175018, whose title does not say "НДФЛ"). Issuers,
 * decisions and sums are synthetic placeholders. */
static const struct form RVP = {
    .head = {{10, 5, "PT Sans 7", "МВД России (синтетический образец)"},
        {14, 11, "PT Serif Bold 11", "РАЗРЕШЕНИЕ НА ВРЕМЕННОЕ ПРОЖИВАНИЕ"},
        {10, 18, "PT Serif 7.5", "иностранному гражданину в Российской Федерации"}},
    .boxes = {{10, 74, 46, "Дата выдачи разрешения", "issue_date", NULL, NULL},
        {60, 74, 46, "Решение", NULL, "№ 77/0000-25", NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Начальник отдела ____________   М.П."},
};

static const struct form VNZH = {
    .head = {{10, 5, "PT Sans 7", "МВД России (синтетический образец)"},
        {26, 11, "PT Serif Bold 12", "ВИД НА ЖИТЕЛЬСТВО"}, {10, 18, "PT Serif 7.5", "иностранного гражданина"}},
    .boxes = {{10, 63, 46, "Дата выдачи", "issue_date", NULL, NULL},
        {60, 63, 46, "Срок действия", NULL, "бессрочно", NULL}},
    .foot = {10, 78, "PT Sans 6.5", "Подпись владельца ____________"},
    .is_identity = true,
};

static const struct form INCOME_PROOF = {
    .head = {{10, 5, "PT Sans 7", "Налоговый агент: ООО «Организация» (синтетический образец)"},
        {18, 11, "PT Serif Bold 10", "СПРАВКА О ДОХОДАХ И СУММАХ НАЛОГА"},
        {44, 16, "PT Serif Bold 10", "ФИЗИЧЕСКОГО ЛИЦА"}},
    .boxes = {{10, 74, 46, "Дата выдачи справки", "issue_date", NULL, NULL},
        {60, 74, 46, "Общая сумма дохода, руб.", NULL, "540000.00", NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Налоговый агент ____________   М.П."},
};

/* The papers of the fingerprinting (Law 274-ФЗ), a minor's РВП and the
 * native-speaker procedure, as forms about the person:
 * - the fingerprinting card, which no procedure of the catalogue asks
 *   for but a patent applicant has and sends with the rest;
 * - the parents' consent to a minor's application, certified by a notary;
 * - an archive record of the applicant's own residence in the USSR (МВД
 *   order No. 738 accepts the applicant's or a lineal ancestor's);
 * - as the kinship document, a court decision establishing the kinship
 *   (a birth certificate would serve as well, but one would be typed a
 *   birth certificate, which this procedure does not ask for).
 * Issuers, places and decisions are synthetic placeholders. */
static const struct form FINGERPRINT_CARD = {
    .head = {{10, 5, "PT Sans 7", "МВД России (синтетический образец)"},
        {10, 11, "PT Serif Bold 11", "ДАКТИЛОСКОПИЧЕСКАЯ РЕГИСТРАЦИЯ"},
        {10, 18, "PT Serif 7.5", "документ о прохождении обязательной государственной"},
        {10, 21.5, "PT Serif 7.5", "дактилоскопической регистрации и фотографирования"}},
    .boxes = {{10, 74, 46, "Дата выдачи документа", "issue_date", NULL, NULL},
        {60, 74, 46, "Номер документа", NULL, "77-0000451", NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Должностное лицо ____________   М.П."},
};

static const struct form PARENTAL_CONSENT = {
    .head = {{10, 5, "PT Sans 7", "Нотариус (синтетический образец)"}, {54, 11, "PT Serif Bold 12", "СОГЛАСИЕ"},
        {10, 18, "PT Serif 7.5", "законных представителей на обращение несовершеннолетнего"},
        {10, 21.5, "PT Serif 7.5", "за разрешением на временное проживание в Российской Федерации"}},
    .boxes = {{10, 74, 46, "Дата выдачи согласия", "issue_date", NULL, NULL},
        {60, 74, 80, "Законные представители", NULL, "мать, отец", NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Нотариус ____________   М.П."},
};

static const struct form ARCHIVE_RECORD = {
    .head = {{10, 5, "PT Sans 7", "Государственный архив (синтетический образец)"},
        {40, 11, "PT Serif Bold 12", "АРХИВНАЯ СПРАВКА"},
        {10, 18, "PT Serif 7.5", "о проживании на территории Российской Федерации, СССР"},
        {10, 21.5, "PT Serif 7.5", "или Российской империи"}},
    .boxes = {{10, 74, 46, "Дата выдачи справки", "issue_date", NULL, NULL},
        {60, 74, 80, "Сведения о проживании", NULL, "РСФСР, 1986-1991", NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Директор архива ____________   М.П."},
};

static const struct form KINSHIP_DOCUMENT = {
    .head = {{10, 5, "PT Sans 7", "Районный суд (синтетический образец)"}, {56, 11, "PT Serif Bold 12", "РЕШЕНИЕ"},
        {10, 18, "PT Serif Bold 9", "ОБ УСТАНОВЛЕНИИ ФАКТА РОДСТВЕННЫХ ОТНОШЕНИЙ"}},
    .boxes = {{10, 74, 46, "Дата выдачи решения", "issue_date", NULL, NULL},
        {60, 74, 80, "Родственник по прямой линии", NULL, "отец", NULL}},
    .foot = {10, 88, "PT Sans 6.5", "Судья ____________   М.П."},
};

struct render_portrait {
    cairo_surface_t *img;
};

#define PORTRAIT_BYTES_MAX (32u << 20)

int render_portrait_load(const char *path, render_portrait_t **ret)
{
#ifdef UCHET_HAVE_RASTER
    char *buf = NULL;
    size_t len = 0;
    raster_t *r = NULL;
    err_t e = {0};
    if (file_read_alloc(path, PORTRAIT_BYTES_MAX, &buf, &len, &e) < 0 ||
        raster_decode((const uint8_t *)buf, len, 3, &r, &e) < 0) {
        free(buf);
        return e.errnum ? e.errnum : -EINVAL;
    }
    free(buf);
    render_portrait_t *p = calloc(1, sizeof *p);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)r->width, (int)r->height);
    if (!p || cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        free(p);
        cairo_surface_destroy(img);
        raster_free(r);
        return -ENOMEM;
    }
    unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (uint32_t y = 0; y < r->height; y++)
        for (uint32_t x = 0; x < r->width; x++) {
            const uint8_t *s = r->pix + ((size_t)y * r->width + x) * 3;
            uint32_t *d = (uint32_t *)(void *)(px + (size_t)y * (size_t)stride + (size_t)x * 4);
            *d = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
        }
    cairo_surface_mark_dirty(img);
    raster_free(r);
    p->img = img;
    *ret = p;
    return 0;
#else
    (void)path, (void)ret;
    return -ENOTSUP;
#endif
}

void render_portrait_free(render_portrait_t *p)
{
    if (!p)
        return;
    cairo_surface_destroy(p->img);
    free(p);
}

/* The 35 × 45 mm photograph, as a print lies on the scanner's glass: the
 * portrait cropped to fill it, the paper round it. Several prints lie two
 * abreast with gap_mm of paper between them, as a studio's sheet is cut
 * or loose prints are laid on the glass. */
static void photo(struct page *p, const struct render_who *who)
{
    cairo_surface_t *img = who->portrait->img;
    double w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    double k = fmax(35.0 / w, 45.0 / h);
    for (int i = 0; i < (p->copies > 1 ? p->copies : 1); i++) {
        double x = 7.5 + (i % 2) * (35 + p->gap_mm), y = 8.5 + (i / 2) * (45 + p->gap_mm);
        cairo_save(p->cr);
        cairo_rectangle(p->cr, x, y, 35, 45);
        cairo_clip(p->cr);
        cairo_translate(p->cr, x + (35 - w * k) / 2, y + (45 - h * k) / 2);
        cairo_scale(p->cr, k, k);
        cairo_set_source_surface(p->cr, img, 0, 0);
        cairo_paint(p->cr);
        cairo_restore(p->cr);
    }
}

/* Each type drawn: its page size (mm) and how it is drawn (a function of
 * its own, or a form). */
static const struct kind {
    const char *type;
    double w_mm, h_mm;
    void (*draw)(struct page *, const struct render_who *);
    const struct form *form;
} KINDS[] = {
    {"migration_card", 148, 70, migration_card, NULL},
    {"patent", 150, 125, patent, NULL},
    {"passport", 125, 82, passport, NULL},
    {"fee_receipt", 148, 60, fee_receipt, NULL},
    {"tax_receipt", 148, 60, tax_receipt, NULL},
    {"registration_notice", 148, 88, registration_notice, NULL},
    {"passport_translation", 148, 100, passport_translation, NULL},
    {"medical_certificate", 148, 100, NULL, &MEDICAL},
    {"hiv_certificate", 148, 100, NULL, &HIV},
    {"language_certificate", 148, 110, NULL, &LANGUAGE},
    {"employer_notice", 148, 106, NULL, &EMPLOYER_NOTICE},
    {"labour_contract", 148, 116, NULL, &LABOUR_CONTRACT},
    {"application", 148, 88, NULL, &APPLICATION},
    {"dms_policy", 148, 96, NULL, &DMS_POLICY},
    {"birth_certificate", 148, 100, birth_certificate, NULL},
    {"rvp", 148, 96, NULL, &RVP},
    {"vnzh", 148, 86, NULL, &VNZH},
    {"income_proof", 148, 96, NULL, &INCOME_PROOF},
    {"fingerprint_card", 148, 96, NULL, &FINGERPRINT_CARD},
    {"parental_consent", 148, 96, NULL, &PARENTAL_CONSENT},
    {"archive_record", 148, 96, NULL, &ARCHIVE_RECORD},
    {"kinship_document", 148, 96, NULL, &KINSHIP_DOCUMENT},
    {"photo", 50, 62, photo, NULL},
};

static const struct kind *kind_of(const char *type)
{
    for (size_t i = 0; type && i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (!strcmp(type, KINDS[i].type))
            return &KINDS[i];
    return NULL;
}

bool render_supports(const char *type)
{
    return kind_of(type) != NULL;
}

/* An image surface's pixels for a filter in place: flushed, with a copy to
 * read from (pixels_end frees it and marks the surface dirty). */
struct pixels {
    int w, h, stride;
    unsigned char *data, *copy;
};

static bool pixels_begin(cairo_surface_t *s, struct pixels *p)
{
    cairo_surface_flush(s);
    p->w = cairo_image_surface_get_width(s), p->h = cairo_image_surface_get_height(s);
    p->stride = cairo_image_surface_get_stride(s);
    p->data = cairo_image_surface_get_data(s);
    p->copy = malloc((size_t)p->stride * (size_t)p->h);
    if (p->copy)
        memcpy(p->copy, p->data, (size_t)p->stride * (size_t)p->h);
    return p->copy != NULL;
}

static void pixels_end(cairo_surface_t *s, struct pixels *p)
{
    free(p->copy);
    cairo_surface_mark_dirty(s);
}

/* Separable box blur of radius r on an ARGB32 surface, in place: across
 * from the copy into the surface, then down likewise. */
static void box_blur(cairo_surface_t *s, int r)
{
    struct pixels p;
    if (!pixels_begin(s, &p))
        return;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            memcpy(p.copy, p.data, (size_t)p.stride * (size_t)p.h);
        for (int y = 0; y < p.h; y++)
            for (int x = 0; x < p.w; x++)
                for (int c = 0; c < 4; c++) {
                    int sum = 0, n = 0;
                    for (int k = -r; k <= r; k++) {
                        int xx = pass == 0 ? x + k : x, yy = pass == 0 ? y : y + k;
                        if (xx < 0 || yy < 0 || xx >= p.w || yy >= p.h)
                            continue;
                        sum += p.copy[(size_t)yy * (size_t)p.stride + (size_t)xx * 4 + (size_t)c];
                        n++;
                    }
                    p.data[(size_t)y * (size_t)p.stride + (size_t)x * 4 + (size_t)c] = (unsigned char)(sum / n);
                }
    }
    pixels_end(s, &p);
}

/* A phone held below the page's middle: each row narrowed about the
 * page's vertical centre line, the top by `k` of the width, the bottom not
 * at all (a keystone, the horizontal part of a perspective), the table
 * showing round it. In place, bilinear. */
static void keystone(cairo_surface_t *s, double k)
{
    struct pixels p;
    if (!pixels_begin(s, &p))
        return;
    double cx = (p.w - 1) / 2.0;
    for (int y = 0; y < p.h; y++) {
        double scale = 1.0 - k * (double)(p.h - 1 - y) / (double)(p.h > 1 ? p.h - 1 : 1);
        uint32_t *row = (uint32_t *)(void *)(p.data + (size_t)y * (size_t)p.stride);
        const uint32_t *in = (const uint32_t *)(const void *)(p.copy + (size_t)y * (size_t)p.stride);
        for (int x = 0; x < p.w; x++) {
            double sx = cx + (x - cx) / scale;
            int x0 = (int)floor(sx);
            if (x0 < 0 || x0 + 1 >= p.w) {
                row[x] = 0x6e6a64; /* the table */
                continue;
            }
            double f = sx - x0;
            uint32_t a = in[x0], b = in[x0 + 1], out = 0;
            for (int c = 0; c < 24; c += 8) {
                double v = (1 - f) * (double)(a >> c & 0xff) + f * (double)(b >> c & 0xff);
                out |= (uint32_t)lround(v) << c;
            }
            row[x] = out;
        }
    }
    pixels_end(s, &p);
}

/* Writes the surface as a JPEG of this quality (bio/raster). 0, -EIO,
 * -ENOTSUP in a build without it. */
static int write_jpeg(cairo_surface_t *s, int quality, const char *path)
{
#ifdef UCHET_HAVE_RASTER
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    raster_t *r = NULL;
    if (raster_new((uint32_t)w, (uint32_t)h, 3, 0, &r) < 0)
        return -EIO;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = *(const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride + (size_t)x * 4);
            uint8_t *o = r->pix + ((size_t)y * (size_t)w + (size_t)x) * 3;
            o[0] = (uint8_t)(v >> 16), o[1] = (uint8_t)(v >> 8), o[2] = (uint8_t)v;
        }
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = raster_encode_jpeg(r, quality, &buf, &len);
    raster_free(r);
    FILE *f = rc == 0 ? fopen(path, "wb") : NULL;
    rc = f && fwrite(buf, 1, len, f) == len ? 0 : -EIO;
    if (f && fclose(f) != 0)
        rc = -EIO;
    free(buf);
    return rc;
#else
    (void)s, (void)quality, (void)path;
    return -ENOTSUP;
#endif
}

int render_document(const json_t *doc, int copies, const struct render_who *who, const struct render_degrade *d,
    const char *path, json_t **ret_zones)
{
    const struct kind *k = kind_of(json_string_value(json_object_get(doc, "type")));
    if (!k || (k->draw == photo && !who->portrait))
        return -ENOTSUP;
    if (copies < 1 || copies > RENDER_COPIES_MAX || (copies > 1 && k->draw != photo))
        return -EINVAL;
    /* several prints: two abreast, as many rows as it takes, 3 to 7 mm apart */
    double w_mm = k->w_mm, h_mm = k->h_mm, gap_mm = 3 + d->seed % 5;
    if (copies > 1)
        w_mm += 35 + gap_mm, h_mm += ((copies + 1) / 2 - 1) * (45 + gap_mm);
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
    struct page p = {cr, layout, ret_zones ? json_array() : NULL, json_object_get(doc, "fields"), copies, gap_mm};
    if (k->draw)
        k->draw(&p, who);
    else
        draw_form(&p, who, k->form);
    unsigned seed = d->seed;
    if (d->stamp && k->draw != photo) { /* a loose print carries no stamp */
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
    if (d->keystone > 0)
        keystone(s, d->keystone);
    int st = d->jpeg_quality ? write_jpeg(s, d->jpeg_quality, path) : -(cairo_surface_write_to_png(s, path) != 0);
    cairo_surface_destroy(s);
    if (st < 0) {
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
