/* docset/classify with one docset_tess_t for several pages, as a reader
 * thread keeps one (docset/tess.h): the title model is loaded once and the
 * handle, cleared after each page, reads the next page's title as a fresh
 * handle would; a page without a title stays "unknown" between two that
 * have one (nothing of the previous page is read again).
 *
 * The pages are a migration card rendered by docsetgen (Cyrillic title,
 * cairo + pango with Debian's fonts; the path in DOCSETGEN) and the same
 * card with its title whited out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/file.h"
#include "docset/classify.h"
#include "docset/tess.h"

struct page {
    raster_t *grey;
    char *bytes; /* the PNG file */
    size_t len;
};

static int rendered_card(struct page *p)
{
    const char *gen = getenv("DOCSETGEN");
    if (!gen || !*gen)
        return -1;
    char dir[] = "/tmp/test_classify_XXXXXX", cmd[1024], path[1200];
    assert_non_null(mkdtemp(dir));
    /* a clean patent set's migration card, wherever the set places it */
    snprintf(cmd, sizeof cmd,
        "'%s' --out '%s' --seed 6 --sets 1 --procedure patent >/dev/null 2>&1 && "
        "cp '%s'/set-0000-*-migration_card.png '%s/card.png'",
        gen, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/card.png", dir);
    assert_int_equal(file_read_alloc(path, 64u << 20, &p->bytes, &p->len, NULL), 0);
    assert_int_equal(raster_decode((const uint8_t *)p->bytes, p->len, 1, &p->grey, NULL), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_handle_reads_page_after_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
