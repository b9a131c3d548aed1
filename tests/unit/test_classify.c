/* docset/classify with one docset_tess_t for several pages, as a reader
 * thread keeps one (docset/tess.h): the title model is loaded once and the
 * handle, cleared after each page, reads the next page's title as a fresh
 * handle would; a page without a title stays "unknown" between two that
 * have one (nothing of the previous page is read again).
 *
 * The pages are a migration card rendered by docsetgen (Cyrillic title,
 * cairo + pango with Debian's fonts; the path in DOCSETGEN) and the same
 * card with its title whited out; then two receipts, typed by their
 * payment QR codes; then four papers typed by their titles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "base/file.h"
#include "docset/classify.h"
#include "docset/tess.h"

struct page {
    raster_t *grey;
    char *bytes; /* the PNG file */
    size_t len;
    json_t *truth; /* the drawn document's fields, as docsetgen wrote them */
};

/* The first set of `procedure` docsetgen draws with `seed` (clean, 300
 * dpi): its page of `type` into *p. -1 when DOCSETGEN is not set. */
static int rendered(const char *procedure, int seed, const char *type, struct page *p)
{
    const char *gen = getenv("DOCSETGEN");
    if (!gen || !*gen)
        return -1;
    char dir[] = "/tmp/test_classify_XXXXXX", cmd[1024], path[1200];
    assert_non_null(mkdtemp(dir));
    /* the set's page of that type, wherever the set places it */
    snprintf(cmd, sizeof cmd,
        "'%s' --out '%s' --seed %d --sets 1 --procedure %s >/dev/null 2>&1 && "
        "cp '%s'/set-0000-*-%s.png '%s/page.png'",
        gen, dir, seed, procedure, dir, type, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/page.png", dir);
    assert_int_equal(file_read_alloc(path, 64u << 20, &p->bytes, &p->len, NULL), 0);
    assert_int_equal(raster_decode((const uint8_t *)p->bytes, p->len, 1, &p->grey, NULL), 0);
    snprintf(path, sizeof path, "%s/set-0000.json", dir);
    json_t *set = json_load_file(path, 0, NULL), *d;
    size_t i;
    assert_non_null(set);
    json_array_foreach (json_object_get(set, "documents"), i, d) {
        if (!strcmp(json_string_value(json_object_get(d, "type")), type))
            p->truth = json_incref(json_object_get(d, "fields"));
    }
    json_decref(set);
    assert_non_null(p->truth);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static int rendered_card(struct page *p)
{
    return rendered("patent", 6, "migration_card", p);
}

static void classify_as(const struct page *p, docset_tess_t *tess, const char *type, const char *by)
{
    struct classify_result r;
    assert_int_equal(classify_page(p->grey, date_from_ymd(2025, 1, 1), tess, &r, NULL), 0);
    assert_string_equal(r.type, type);
    assert_string_equal(r.by, by);
    classify_result_free(&r);
}

static void one_handle_reads_page_after_page(void **state)
{
    (void)state;
    struct page card = {0};
    if (rendered_card(&card) < 0)
        skip();
    /* the same card with its top third (where the title is read) white */
    struct page untitled = {0};
    assert_int_equal(raster_new(card.grey->width, card.grey->height, 1, 255, &untitled.grey), 0);
    size_t third = (size_t)card.grey->width * (card.grey->height / 3);
    memset(untitled.grey->pix, 255, third);
    memcpy(untitled.grey->pix + third, card.grey->pix + third, (size_t)card.grey->width * card.grey->height - third);
    uint8_t *png = NULL;
    assert_int_equal(raster_encode_png(untitled.grey, &png, &untitled.len), 0);
    untitled.bytes = (char *)png;

    docset_tess_t *tess = docset_tess_new();
    assert_non_null(tess);
    classify_as(&card, tess, "migration_card", "title");
    classify_as(&untitled, tess, "unknown", "");
    classify_as(&card, tess, "migration_card", "title");
    docset_tess_free(tess);
    /* no handles: no title reading */
    classify_as(&card, NULL, "unknown", "");

    raster_free(card.grey), raster_free(untitled.grey);
    free(card.bytes), free(untitled.bytes);
    json_decref(card.truth);
}

static int64_t integer_field(const struct classify_result *r, const char *name)
{
    const json_t *v = json_object_get(r->fields, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* Two receipts whose payment QR codes differ in what they pay (their КБК,
 * docset/payment): a state fee and a patent's income tax. Each is typed by
 * its code, not by its title, which both start with "КВИТАНЦИЯ". */
static void receipts_typed_by_what_they_pay(void **state)
{
    (void)state;
    struct page fee = {0}, tax = {0};
    if (rendered("rvp", 3, "fee_receipt", &fee) < 0 || rendered("labour_notice", 5, "tax_receipt", &tax) < 0)
        skip();
    docset_tess_t *tess = docset_tess_new();
    assert_non_null(tess);
    struct classify_result r;
    assert_int_equal(classify_page(fee.grey, date_from_ymd(2025, 1, 1), tess, &r, NULL), 0);
    assert_string_equal(r.type, "fee_receipt");
    assert_string_equal(r.by, "qr");
    assert_int_equal(integer_field(&r, "amount"), json_integer_value(json_object_get(fee.truth, "amount")));
    assert_int_equal(integer_field(&r, "months"), -1);
    classify_result_free(&r);
    assert_int_equal(classify_page(tax.grey, date_from_ymd(2025, 1, 1), tess, &r, NULL), 0);
    assert_string_equal(r.type, "tax_receipt");
    assert_string_equal(r.by, "qr");
    int64_t months = json_integer_value(json_object_get(tax.truth, "months"));
    assert_true(months >= 1 && months <= 12);
    assert_int_equal(integer_field(&r, "months"), months);
    assert_int_equal(integer_field(&r, "amount"), months * 1200); /* docsetgen's figure: 1,200 a month */
    classify_result_free(&r);
    /* the code torn off (the QR stands in the right third): its title
     * says a tax receipt, though it names the patent ("…по патенту"),
     * and the months are not read */
    for (uint32_t y = 0; y < tax.grey->height; y++)
        memset(tax.grey->pix + (size_t)y * tax.grey->width + tax.grey->width * 2 / 3, 255,
            tax.grey->width - tax.grey->width * 2 / 3);
    assert_int_equal(classify_page(tax.grey, date_from_ymd(2025, 1, 1), tess, &r, NULL), 0);
    assert_string_equal(r.type, "tax_receipt");
    assert_string_equal(r.by, "title");
    assert_int_equal(integer_field(&r, "months"), -1);
    classify_result_free(&r);
    docset_tess_free(tess);
    raster_free(fee.grey), raster_free(tax.grey);
    free(fee.bytes), free(tax.bytes);
    json_decref(fee.truth), json_decref(tax.truth);
}

/* The fingerprinting card (a patent set), a minor's consent (РВП seed 3's
 * first set is a minor's) and the native-speaker procedure's archive record
 * and decision on kinship: each typed by its title, none by another's
 * word — the consent asks "за разрешением на временное проживание", the
 * permit's own title. */
static void papers_typed_by_title(void **state)
{
    (void)state;
    static const struct {
        const char *procedure;
        int seed;
        const char *type;
    } cases[] = {
        {"patent", 6, "fingerprint_card"},
        {"rvp", 3, "parental_consent"},
        {"native_speaker", 5, "archive_record"},
        {"native_speaker", 5, "kinship_document"},
    };
    docset_tess_t *tess = docset_tess_new();
    assert_non_null(tess);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct page p = {0};
        if (rendered(cases[i].procedure, cases[i].seed, cases[i].type, &p) < 0) {
            docset_tess_free(tess);
            skip();
        }
        classify_as(&p, tess, cases[i].type, "title");
        raster_free(p.grey);
        free(p.bytes);
        json_decref(p.truth);
    }
    docset_tess_free(tess);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_handle_reads_page_after_page),
        cmocka_unit_test(receipts_typed_by_what_they_pay),
        cmocka_unit_test(papers_typed_by_title),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
