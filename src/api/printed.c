#include "api/printed.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "print/pdfdoc.h"
#include "rules/date.h"
#include "store/region.h"

#define TEXT_CAP 2048

static const char *const KIOSK_LANGS[] = {
    "ru", "uk", "tg", "uz", "ro", "en", "fr", "de", "ky", "kk", "zh", "tr", "ka", NULL};

bool printed_kiosk_language(const char *lang)
{
    for (const char *const *l = KIOSK_LANGS; *l; l++)
        if (!strcmp(*l, lang))
            return true;
    return false;
}

/* pango's language tag: Chinese is Simplified here (the kiosk's zh). */
static const char *pango_lang(const char *lang)
{
    return strcmp(lang, "zh") == 0 ? "zh-cn" : lang;
}

/* One catalog text as a paragraph. params: a JSON object's text or NULL. */
static int para(pdfdoc_t *d, const catalog_t *cat, const char *lang, const char *key, const char *params,
    pdfdoc_style_t style, err_t *err)
{
    char buf[TEXT_CAP];
    int r = catalog_render(cat, lang, key, params, buf, sizeof buf, err);
    if (r < 0 && r != -ERANGE)
        return r;
    r = pdfdoc_text(d, pango_lang(lang), style, buf, err);
    sodium_memzero(buf, sizeof buf);
    return r;
}

int printed_receipt(const catalog_t *cat, const char *lang, const char *receipt, int64_t submitted_at, uint8_t **ret,
    size_t *ret_len, err_t *err)
{
    pdfdoc_t *d;
    char when[32], params[128];
    time_format_rfc3339(submitted_at, REGION_DEFAULT_UTC_OFFSET_MIN, when);
    snprintf(params, sizeof params, "{\"when\":\"%s\"}", when);
    int r = pdfdoc_new("uchet receipt", &d, err);
    if (r < 0)
        return r;
    if ((r = para(d, cat, lang, "receipt.title", NULL, PDFDOC_HEADING, err)) == 0 &&
        (r = para(d, cat, lang, "receipt.number", NULL, PDFDOC_BODY, err)) == 0 &&
        (r = pdfdoc_text(d, "en", PDFDOC_HUGE, receipt, err)) == 0 &&
        (r = para(d, cat, lang, "receipt.submitted", params, PDFDOC_BODY, err)) == 0 &&
        (r = pdfdoc_qr(d, receipt, 40, err)) == 0 &&
        (r = para(d, cat, lang, "receipt.next", NULL, PDFDOC_BODY, err)) == 0 &&
        (r = para(d, cat, lang, "receipt.status", NULL, PDFDOC_BODY, err)) == 0 &&
        (r = para(d, cat, lang, "receipt.where", NULL, PDFDOC_BODY, err)) == 0)
        r = para(d, cat, lang, "receipt.keep", NULL, PDFDOC_SMALL, err);
    if (r < 0) {
        pdfdoc_free(d);
        return r;
    }
    return pdfdoc_finish(d, ret, ret_len, err);
}

static int letter_page(
    pdfdoc_t *d, const catalog_t *cat, const char *lang, const printed_letter_t *l, const char *params, err_t *err)
{
    int r;
    if ((r = para(d, cat, lang, "letter.title", NULL, PDFDOC_HEADING, err)) == 0 &&
        (r = pdfdoc_text(d, pango_lang(lang), PDFDOC_BODY, l->name, err)) == 0 &&
        (r = pdfdoc_text(d, "en", PDFDOC_BODY, l->name_latin, err)) == 0 &&
        (r = para(d, cat, lang, "letter.approved", params, PDFDOC_BODY, err)) == 0 &&
        (r = para(d, cat, lang, "letter.code_label", NULL, PDFDOC_BODY, err)) == 0 &&
        (r = pdfdoc_text(d, "en", PDFDOC_HUGE, l->code, err)) == 0 &&
        (r = para(d, cat, lang, "letter.steps", params, PDFDOC_BODY, err)) == 0)
        r = para(d, cat, lang, "letter.secret", NULL, PDFDOC_BODY, err);
    return r;
}

int printed_letter(
    const catalog_t *cat, const char *lang, const printed_letter_t *l, uint8_t **ret, size_t *ret_len, err_t *err)
{
    pdfdoc_t *d;
    char expires[32];
    time_format_rfc3339(l->expires_at, REGION_DEFAULT_UTC_OFFSET_MIN, expires);
    json_t *p = json_pack("{s:s,s:s,s:s}", "receipt", l->receipt, "card", l->card_number, "expires", expires);
    char *params = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    if (!params)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = pdfdoc_new("uchet activation letter", &d, err);
    if (r == 0) {
        r = letter_page(d, cat, "ru", l, params, err);
        if (r == 0 && strcmp(lang, "ru") != 0 && catalog_has_language(cat, lang)) {
            pdfdoc_page(d);
            r = letter_page(d, cat, lang, l, params, err);
        }
        if (r < 0)
            pdfdoc_free(d);
        else
            r = pdfdoc_finish(d, ret, ret_len, err);
    }
    free(params);
    return r;
}
