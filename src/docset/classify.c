#include "docset/classify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs/mrz.h"
#include "docset/fields.h"
#include "docset/page.h"
#include "docset/payment.h"
#include "docset/portrait.h"
#ifdef UCHET_HAVE_OCR
#include "docs/ocr.h"
#endif
#ifdef UCHET_HAVE_ZBAR
#include <zbar.h>
#endif

static void set_type(struct classify_result *r, const char *type, const char *by)
{
    snprintf(r->type, sizeof r->type, "%s", type);
    snprintf(r->by, sizeof r->by, "%s", by);
}

#ifdef UCHET_HAVE_OCR
/* Copies a string member of the MRZ answer's fields under the catalogue's
 * name, when present. */
static void take(json_t *dst, const json_t *src, const char *from, const char *to)
{
    const json_t *v = json_object_get(src, from);
    if (json_is_string(v) && json_string_length(v) > 0)
        json_object_set_new(dst, to, json_string(json_string_value(v)));
}
#endif

#ifdef UCHET_HAVE_ZBAR
/* The page a payment is on, by what it pays (docset/payment): a state
 * fee's receipt, a patent tax receipt (with the months its purpose states),
 * or, for a payment of anything else, "unknown" (a registrar looks). */
static void by_payment(const struct payment *pay, struct classify_result *ret)
{
    if (pay->roubles >= 0 && pay->kind != PAYMENT_OTHER)
        json_object_set_new(ret->fields, "amount", json_integer(pay->roubles));
    if (pay->months > 0)
        json_object_set_new(ret->fields, "months", json_integer(pay->months));
    set_type(ret,
        pay->kind == PAYMENT_STATE_FEE    ? "fee_receipt"
        : pay->kind == PAYMENT_PATENT_TAX ? "tax_receipt"
                                          : "unknown",
        "qr");
}

/* 1 when a payment QR code was found (the page typed by it), else 0. */
static int by_qr(const raster_t *g, struct classify_result *ret)
{
    zbar_image_scanner_t *sc = zbar_image_scanner_create();
    zbar_image_t *img = zbar_image_create();
    int found = 0;
    if (sc && img) {
        zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
        zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
        zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
        zbar_image_set_size(img, g->width, g->height);
        zbar_image_set_data(img, g->pix, (unsigned long)g->width * g->height, NULL);
        zbar_scan_image(sc, img);
        for (const zbar_symbol_t *sym = zbar_image_first_symbol(img); sym && !found; sym = zbar_symbol_next(sym)) {
            struct payment pay;
            if (zbar_symbol_get_type(sym) == ZBAR_QRCODE &&
                payment_parse(zbar_symbol_get_data(sym), zbar_symbol_get_data_length(sym), &pay, NULL) == 0) {
                by_payment(&pay, ret);
                found = 1;
            }
        }
    }
    if (img)
        zbar_image_destroy(img);
    if (sc)
        zbar_image_scanner_destroy(sc);
    return found;
}
#endif

#ifdef UCHET_HAVE_TESSERACT
/* Title words (upper case, as printed) and the type they name, in order of
 * precedence: the first entry found anywhere in the top of the page wins,
 * so an entry comes before any whose word a page of its type also shows.
 * (Matching whole words or word starts would not do away with the order:
 * a tax receipt says "КВИТАНЦИЯ" and "…ПО ПАТЕНТУ", an HIV certificate
 * "СЕРТИФИКАТ", a contract may say "ТРУДОВОГО ДОГОВОРА"; and stems such as
 * "ПРИБЫТИ" must match inside a word.) */
static const struct {
    const char *word, *type;
} TITLES[] = {
    /* an income statement: the older form's heading adds "2-НДФЛ" */
    {"СПРАВКА О ДОХОДАХ", "income_proof"},
    /* a tax receipt names the tax, and the patent it pays for: before
     * "ПАТЕНТ" and "КВИТАНЦИЯ" (a fee receipt says "КВИТАНЦИЯ" only) */
    {"НДФЛ", "tax_receipt"},
    {"АВАНСОВЫЙ ПЛАТ", "tax_receipt"},
    {"МИГРАЦИОННАЯ КАРТА", "migration_card"},
    {"MIGRATION CARD", "migration_card"},
    {"ПАТЕНТ", "patent"},
    /* a translated birth certificate's heading says "ПЕРЕВОД" too */
    {"РОЖДЕНИИ", "birth_certificate"},
    {"ПЕРЕВОД", "passport_translation"},
    /* the tear-off part the office hands back says "…УВЕДОМЛЕНИЯ О
     * ПРИБЫТИИ"; at 150 dpi its "О" was read a Latin O */
    {"ПРИБЫТИ", "registration_notice"},
    {"СЕРТИФИКАТ ОБ ОТСУТСТВИИ ВИЧ", "hiv_certificate"},
    {"ВИЧ", "hiv_certificate"},
    {"МЕДИЦИНСКОЕ ЗАКЛЮЧЕНИЕ", "medical_certificate"},
    {"СЕРТИФИКАТ", "language_certificate"},
    {"ТРУДОВОЙ ДОГОВОР", "labour_contract"},
    /* after the contract's title: a contract may speak of "трудового
     * договора" too, the employer's notice never prints the nominative */
    {"О ЗАКЛЮЧЕНИИ ТРУДОВОГО", "employer_notice"},
    {"ТРУДОВОГО ДОГОВОРА", "employer_notice"},
    {"ДОБРОВОЛЬНОГО МЕДИЦИНСКОГО", "dms_policy"},
    {"ПОЛИС", "dms_policy"},
    {"ДАКТИЛОСКОПИЧЕСК", "fingerprint_card"},
    /* a minor's consent asks "за разрешением на временное проживание":
     * before the permits (and before "ЗАЯВЛЕНИЕ") */
    {"СОГЛАСИЕ", "parental_consent"},
    {"АРХИВНАЯ", "archive_record"},
    /* a court's decision establishing kinship ("…родственных отношений");
     * the stem alone: at 150 dpi the bold heading's long words came apart
     * ("РОДСТ X ОТНОШЕНИЙ") */
    {"РОДСТ", "kinship_document"},
    {"КВИТАНЦИЯ", "fee_receipt"},
    {"ЗАЯВЛЕНИЕ", "application"},
    /* the permits in the nominative, after the application, which asks
     * "о выдаче разрешения на временное проживание" or "вида на жительство" */
    {"РАЗРЕШЕНИЕ НА ВРЕМЕННОЕ", "rvp"},
    {"ВИД НА ЖИТЕЛЬСТВО", "vnzh"},
};

/* Looks for a title in the words of the top third of the page (page, from
 * fields_page_top: upper case, joined in reading order). 1 found, 0 not
 * (or no model: page NULL). */
static int by_title(const fields_page_t *page, struct classify_result *ret)
{
    const char *text = fields_page_title(page);
    for (size_t i = 0; i < sizeof TITLES / sizeof TITLES[0]; i++)
        if (strstr(text, TITLES[i].word)) {
            set_type(ret, TITLES[i].type, "title");
            return 1;
        }
    return 0;
}

/* The title step: the words of the top third of the page read once
 * (docset/fields), a title looked for in them and, for a form fields_read
 * has a table for, those words handed on to it (it reads the rest of the
 * page, never the top third again). 0 (title found or not), -ENOMEM. */
static int title_and_fields(const raster_t *grey, docset_tess_t *tess, struct classify_result *ret, err_t *err)
{
    fields_page_t *page = NULL;
    int r = fields_page_top(grey, tess, &page, err);
    if (r == 0 && (r = by_title(page, ret)) == 1 && fields_known_type(ret->type))
        r = fields_read(page, ret->type, tess, ret->fields, err);
    fields_page_free(page);
    return r < 0 ? r : 0;
}
#endif

#ifdef UCHET_HAVE_OCR
/* 1 when a valid zone was read (fields filled), 0 when none, <0 on ENOMEM. */
static int by_mrz(const raster_t *grey, date_t today, struct classify_result *ret, err_t *err)
{
    char *text = NULL, *alt = NULL;
    err_t e = {0};
    if (grey->channels != 1)
        return 0;
    int r = ocr_read_mrz_upright(grey->pix, (int)grey->width, (int)grey->height, grey->width, &text, &alt, &e);
    if (r == -ENOMEM)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    if (r < 0)
        return 0;
    int y, m, d;
    date_to_ymd(today, &y, &m, &d);
    json_t *answer = NULL;
    r = mrz_check_ocr(text, alt, strlen(text), NULL, (struct mrz_date){y, m, d}, &answer, &e);
    free(text);
    free(alt);
    if (r < 0)
        return r == -ENOMEM ? err_set(err, -ENOMEM, "out_of_memory", "Out of memory.") : 0;
    int found = json_is_true(json_object_get(answer, "valid"));
    if (found) {
        const json_t *f = json_object_get(answer, "fields");
        take(ret->fields, f, "surname", "surname");
        take(ret->fields, f, "given_names", "given_names");
        take(ret->fields, f, "birth_date", "birth_date");
        take(ret->fields, f, "document_number", "doc_number");
        take(ret->fields, f, "expiry_date", "expiry_date");
        set_type(ret, "passport", "mrz");
    }
    json_decref(answer);
    return found;
}
#endif

int classify_page(const raster_t *grey, date_t today, docset_tess_t *tess, struct classify_result *ret, err_t *err)
{
    memset(ret, 0, sizeof *ret);
    if (!(ret->fields = json_object()))
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    set_type(ret, "unknown", "");
    int r = 0;
    (void)grey, (void)today, (void)tess;
    /* Cheapest first: a QR code (milliseconds), then the zone, then the title. */
#ifdef UCHET_HAVE_ZBAR
    r = by_qr(grey, ret);
#endif
#ifdef UCHET_HAVE_OCR
    if (r == 0)
        r = by_mrz(grey, today, ret, err);
#endif
#ifdef UCHET_HAVE_TESSERACT
    if (r == 0)
        r = title_and_fields(grey, tess, ret, err);
#endif
    if (r < 0) {
        classify_result_free(ret);
        return r;
    }
    return 0;
}

void classify_result_free(struct classify_result *r)
{
    json_decref(r->fields);
    r->fields = NULL;
}

/* Typed, and no field it holds is null (unreadable). */
static bool read_whole(const struct classify_result *r)
{
    if (!strcmp(r->type, "unknown"))
        return false;
    const char *key;
    json_t *v;
    json_object_foreach (r->fields, key, v)
        if (json_is_null(v))
            return false;
    return true;
}

int classify_measured_page(const raster_t *grey, struct page_quality *q, date_t today, docset_tess_t *tess,
    struct classify_result *ret, err_t *err)
{
    memset(ret, 0, sizeof *ret);
    bool small = page_worth_reading(q);
    if (!q->legible && !small)
        return 0;
    int r = classify_page(grey, today, tess, ret, err);
    if (r < 0)
        return r;
    if (!small)
        return 1;
    if (read_whole(ret)) {
        page_read_whole(q);
        return 1;
    }
    classify_result_free(ret);
    return 0;
}

/* A page no title, zone or code typed: the photograph, if it is one; a
 * sheet of several prints says how many ("prints"), which the set's
 * check counts as that many photographs. */
static int as_photo(
    const raster_t *grey, struct page_quality *q, face_detector_t *faces, struct classify_result *ret, err_t *err)
{
    struct portrait_found found;
    int r = portrait_page(faces, grey, &found, err);
    if (r < 0 || found.kind == PORTRAIT_NONE)
        return r;
    memset(ret, 0, sizeof *ret);
    if (!(ret->fields = json_object()) ||
        (found.prints > 1 && json_object_set_new(ret->fields, "prints", json_integer(found.prints)) < 0)) {
        json_decref(ret->fields);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    set_type(ret, "photo", "face");
    q->advice = found.kind == PORTRAIT_BLURRED ? PAGE_ADVICE_BLURRED : 0;
    q->legible = found.kind == PORTRAIT_SHARP;
    return 1;
}

int classify_page_or_photo(const raster_t *grey, struct page_quality *q, date_t today, docset_tess_t *tess,
    face_detector_t *faces, struct classify_result *ret, err_t *err)
{
    int r = classify_measured_page(grey, q, today, tess, ret, err);
    if (r < 0 || !faces || (r == 1 && strcmp(ret->type, "unknown")))
        return r;
    struct classify_result photo;
    int p = as_photo(grey, q, faces, &photo, err);
    if (p == 0)
        return r;
    if (r == 1)
        classify_result_free(ret);
    if (p < 0)
        return p;
    *ret = photo;
    return 1;
}
