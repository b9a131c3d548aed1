/* docset/fields: the values of a migration card, a patent, the
 * certificates, the passport's translation, the employer's notice, the
 * labour contract, the application, the ДМС policy and the arrival
 * notice's tear-off part (filled in one letter a cell), found by their
 * printed labels and read per field, against the generator's truth.
 *
 * The pages are drawn by tests/docset's docsetgen (the path in DOCSETGEN;
 * synthetic, seeded; cairo + pango with Debian's fonts) at level 0 (300
 * dpi, clean) and level 1 (150 dpi, turned up to 2 degrees, straightened
 * by docset/straighten as the reader does). What a person would check: a
 * value read is the value printed (names case aside, dates as ISO), and a
 * value that cannot be read is absent or null, never another value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <glib.h>

#include "base/file.h"
#include "base/parse.h"
#include "docset/classify.h"
#include "docset/fields.h"
#include "docset/page.h"
#include "docset/straighten.h"
#include "docset/tess.h"

struct page {
    raster_t *grey;
    char *bytes; /* the PNG file */
    size_t len;
    json_t *truth; /* the document's fields (owned) */
    json_t *zones; /* the drawn boxes, millimetres (owned) */
    int dpi;
};

static void page_free(struct page *p)
{
    raster_free(p->grey);
    free(p->bytes);
    json_decref(p->truth);
    json_decref(p->zones);
}

/* Runs docsetgen's command line cmd: its exit status. Its messages go to
 * the test's log. Once in make check (2026-12-07, 17:2x, the machine
 * loaded), the sanitizer build's docsetgen died of SIGABRT on a command
 * that drew clean before and after, its message thrown away; a run that
 * dies of a signal is told in the log and drawn once more (the drawing is
 * seeded: the same pages), so the pages under test are still the ones
 * asked for, and a second death fails the test. */
static int draw(const char *cmd)
{
    int rc = system(cmd);
    if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) > 128) {
        fprintf(stderr, "test_fields: docsetgen died of signal %d; drawing again: %s\n", WEXITSTATUS(rc) - 128, cmd);
        rc = system(cmd);
    }
    return rc;
}

/* The first legible page of `type` in set `index` of the `sets` that
 * docsetgen draws for `procedure` at `level` from `seed`: 1 when found,
 * 0 when that set has none. */
static int rendered_from(
    const char *gen, const char *procedure, const char *type, int level, int seed, int sets, int index, struct page *p)
{
    char dir[] = "/tmp/test_fields_XXXXXX", cmd[1200], path[1300];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "'%s' --out '%s' --seed %d --sets %d --level %d --procedure %s >/dev/null", gen, dir,
        seed, sets, level, procedure);
    assert_int_equal(draw(cmd), 0);
    snprintf(path, sizeof path, "%s/set-%04d.json", dir, index);
    json_t *set = json_load_file(path, 0, NULL);
    assert_non_null(set);
    const json_t *pages = json_object_get(json_object_get(set, "truth"), "pages"), *pg;
    size_t i;
    json_array_foreach (pages, i, pg) {
        const json_t *doc = json_array_get(
            json_object_get(set, "documents"), (size_t)json_integer_value(json_object_get(pg, "document")));
        if (strcmp(json_string_value(json_object_get(doc, "type")), type) != 0 ||
            json_is_true(json_object_get(doc, "illegible")))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, json_string_value(json_object_get(pg, "file")));
        assert_int_equal(file_read_alloc(path, 64u << 20, &p->bytes, &p->len, NULL), 0);
        assert_int_equal(raster_decode((const uint8_t *)p->bytes, p->len, 1, &p->grey, NULL), 0);
        p->truth = json_incref(json_object_get(doc, "fields"));
        p->zones = json_incref(json_object_get(pg, "zones"));
        p->dpi = (int)json_integer_value(json_object_get(pg, "dpi"));
        break;
    }
    json_decref(set);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return p->grey != NULL;
}

/* The first page of `type` docsetgen draws for `procedure` at `level`,
 * trying seeds from 1; -1 when there is no generator. */
static int rendered(const char *procedure, const char *type, int level, struct page *p)
{
    const char *gen = getenv("DOCSETGEN");
    if (!gen || !*gen)
        return -1;
    memset(p, 0, sizeof *p);
    for (int seed = 1; seed < 40; seed++)
        if (rendered_from(gen, procedure, type, level, seed, 1, 0, p))
            return 0;
    fail_msg("docsetgen drew no %s page for %s", type, procedure);
    return -1;
}

/* Classifies the page as the reader does (straightened first). */
static void read_page(struct page *p, docset_tess_t *tess, struct classify_result *r)
{
    raster_t *straight = NULL;
    struct straighten_result how;
    if (straighten_page(p->grey, tess, &straight, &how, NULL) == 0 && straight) {
        raster_free(p->grey);
        p->grey = straight;
    }
    assert_int_equal(classify_page(p->grey, date_from_ymd(2025, 1, 1), tess, r, NULL), 0);
}

/* 1 read and equal to the truth (case aside), 0 absent or null, and a
 * test failure if another value was read. */
static int same(const json_t *fields, const json_t *truth, const char *name)
{
    const json_t *v = json_object_get(fields, name);
    if (!v || json_is_null(v))
        return 0;
    const char *want = json_string_value(json_object_get(truth, name));
    assert_non_null(want);
    assert_true(json_is_string(v));
    gchar *a = g_utf8_strup(want, -1), *b = g_utf8_strup(json_string_value(v), -1);
    int eq = strcmp(a, b) == 0;
    if (!eq)
        fail_msg("%s read wrong", name); /* the values stay out of the log */
    g_free(a), g_free(b);
    return 1;
}

static int count_same(const json_t *fields, const json_t *truth, const char *type)
{
    int n = 0;
    const char *name;
    for (size_t i = 0; (name = fields_name(type, i)); i++)
        n += same(fields, truth, name);
    return n;
}

static void migration_card_clean_every_field(void **state)
{
    docset_tess_t *tess = *state;
    struct page p;
    if (rendered("patent", "migration_card", 0, &p) < 0)
        skip();
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "migration_card");
    /* surname, given names, birth date, passport number, entry date, purpose */
    assert_int_equal(count_same(r.fields, p.truth, "migration_card"), 6);
    assert_string_equal(json_string_value(json_object_get(r.fields, "purpose")), "работа");
    classify_result_free(&r);
    page_free(&p);
}

/* The threads this process runs, from /proc/self/status; -1 if unknown. */
static int threads_now(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t n = 0;
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f)) {
        static const char key[] = "Threads:";
        if (strncmp(line, key, sizeof key - 1) != 0)
            continue;
        const char *v = line + sizeof key - 1;
        v += strspn(v, " \t");
        found = parse_u64(v, strcspn(v, "\n"), 1, 100000, &n) == 0;
    }
    if (f)
        fclose(f);
    return found ? (int)n : -1;
}

/* Debian's Tesseract would run its recogniser on a pool of OpenMP threads,
 * one per core, which only contended with the reader's own thread (4.4 s a
 * form instead of 1.6 s, bench/docset). A page is read on the caller's
 * thread alone: this single-threaded test process still has one thread. */
static void a_page_is_read_on_the_callers_thread(void **state)
{
    docset_tess_t *tess = *state;
    struct page p;
    if (threads_now() != 1 || rendered("patent", "migration_card", 0, &p) < 0)
        skip();
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "migration_card");
    assert_int_equal(threads_now(), 1);
    classify_result_free(&r);
    page_free(&p);
}

/* The box docsetgen drew for a field (millimetres on the page: x, y, w,
 * h) into box; a test failure when the page has none. */
static void box_of(const struct page *p, const char *field, double box[4])
{
    const json_t *z;
    size_t i;
    json_array_foreach (p->zones, i, z) {
        if (strcmp(json_string_value(json_object_get(z, "field")), field) != 0)
            continue;
        for (size_t k = 0; k < 4; k++)
            box[k] = json_real_value(json_array_get(json_object_get(z, "box_mm"), k));
        return;
    }
    fail_msg("no zone %s", field);
}

/* White over [x0, x1) x [y0, y1), millimetres on the page. */
static void whiten_mm(struct page *p, double x0, double y0, double x1, double y1)
{
    double k = p->dpi / 25.4;
    for (int y = (int)(y0 * k); y < (int)(y1 * k); y++)
        for (int x = (int)(x0 * k); x < (int)(x1 * k); x++)
            p->grey->pix[(size_t)y * p->grey->width + (size_t)x] = 250;
}

/* White over a drawn box and a quarter millimetre round it. */
static void blank_box(struct page *p, const char *field)
{
    double b[4];
    box_of(p, field, b);
    whiten_mm(p, b[0] - 0.25, b[1] - 0.25, b[0] + b[2] + 0.25, b[1] + b[3] + 0.25);
}

/* White over millimetres [from, to) (from the box's left edge) of the
 * label row above a field's box (the label is printed 3.2 mm above the
 * box's top). */
static void blank_label_part(struct page *p, const char *field, double from, double to)
{
    double b[4];
    box_of(p, field, b);
    whiten_mm(p, b[0] + from, b[1] - 3.4, b[0] + to, b[1] - 0.2);
}

/* A value that is not on the page is not read: the birth date's box
 * blanked (its label stays) and the purpose boxes gone leave both null
 * (unreadable: the engine refers the set), never absent (a field the
 * engine would not compare), while the rest is read. */
static void migration_card_missing_values_are_not_guessed(void **state)
{
    docset_tess_t *tess = *state;
    struct page p;
    if (rendered("patent", "migration_card", 0, &p) < 0)
        skip();
    blank_box(&p, "birth_date");
    blank_box(&p, "purpose");
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "migration_card");
    assert_true(json_is_null(json_object_get(r.fields, "birth_date")));
    assert_true(json_is_null(json_object_get(r.fields, "purpose")));
    assert_int_equal(same(r.fields, p.truth, "surname"), 1);
    assert_int_equal(same(r.fields, p.truth, "entry_date"), 1);
    classify_result_free(&r);
    page_free(&p);
}

/* The page with `rows` copies of its first row (its edge: paper) added
 * above it (top) or below it. */
static void pad_page(struct page *p, uint32_t rows, bool top)
{
    raster_t *o = NULL;
    uint32_t w = p->grey->width, h = p->grey->height;
    assert_int_equal(raster_new(w, h + rows, 1, 255, &o), 0);
    const uint8_t *paper = p->grey->pix; /* the first row: the page's edge */
    for (uint32_t y = 0; y < h + rows; y++) {
        bool added = top ? y < rows : y >= h;
        const uint8_t *src = added ? paper : p->grey->pix + (size_t)(top ? y - rows : y) * w;
        memcpy(o->pix + (size_t)y * w, src, w);
    }
    o->ppi = p->grey->ppi;
    raster_free(p->grey);
    p->grey = o;
}

/* A form's labels are found wherever the edge of the top third (where
 * classify reads the title, and the rest of the page is read from) falls:
 * the form moved on its page so that the edge runs through the middle of a
 * row of labels (the migration card's surnames' and birth dates', the
 * patent's surname's and given names'), and the surname and as many fields
 * as on the page as drawn are still read. A label cut there and read whole
 * in neither part, or a row of the form lost to the second part's layout,
 * would leave its field absent. */
static void labels_cut_by_the_top_third_are_read(void **state)
{
    docset_tess_t *tess = *state;
    static const struct {
        const char *procedure, *type, *row;
        int fields; /* read on the page as drawn: patent_clean, migration_card_clean_every_field */
    } cases[] = {
        {"patent", "migration_card", "surname", 6},
        {"patent", "migration_card", "birth_date", 6},
        {"labour_notice", "patent", "surname", 5},
        {"labour_notice", "patent", "given_names", 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct page p;
        if (rendered(cases[i].procedure, cases[i].type, 0, &p) < 0)
            skip();
        double mid_mm = -1; /* the label's middle: 1.6 mm above its box (tests/docset/render.c) */
        const json_t *z;
        size_t k;
        json_array_foreach (p.zones, k, z)
            if (!strcmp(json_string_value(json_object_get(z, "field")), cases[i].row))
                mid_mm = json_real_value(json_array_get(json_object_get(z, "box_mm"), 1)) - 1.6;
        assert_true(mid_mm > 0);
        long mid = (long)(mid_mm * p.dpi / 25.4), h = (long)p.grey->height;
        /* above: mid + k = (h + k) / 3; below: mid = (h + k) / 3 */
        if (h - 3 * mid >= 0)
            pad_page(&p, (uint32_t)((h - 3 * mid) / 2), true);
        else
            pad_page(&p, (uint32_t)(3 * mid - h), false);
        struct classify_result r;
        read_page(&p, tess, &r);
        assert_string_equal(r.type, cases[i].type);
        assert_int_equal(same(r.fields, p.truth, "surname"), 1);
        assert_true(count_same(r.fields, p.truth, cases[i].type) >= cases[i].fields);
        classify_result_free(&r);
        page_free(&p);
    }
}

static void patent_clean(void **state)
{
    docset_tess_t *tess = *state;
    struct page p;
    if (rendered("labour_notice", "patent", 0, &p) < 0)
        skip();
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "patent");
    /* the names in Cyrillic, the dates, the region and the profession; no
     * value is another than the printed one (same() fails on that) */
    assert_int_equal(same(r.fields, p.truth, "surname"), 1);
    assert_int_equal(same(r.fields, p.truth, "birth_date"), 1);
    assert_int_equal(same(r.fields, p.truth, "issue_date"), 1);
    assert_int_equal(same(r.fields, p.truth, "region"), 1);
    assert_int_equal(same(r.fields, p.truth, "profession"), 1);
    assert_true(count_same(r.fields, p.truth, "patent") >= 5);
    classify_result_free(&r);
    page_free(&p);
}

/* 150 dpi, turned: fewer fields are read, none wrongly. */
static void degraded_pages_read_nothing_wrong(void **state)
{
    docset_tess_t *tess = *state;
    static const char *const cases[][2] = {{"patent", "migration_card"}, {"labour_notice", "patent"}};
    int read = 0;
    for (size_t c = 0; c < 2; c++) {
        struct page p;
        if (rendered(cases[c][0], cases[c][1], 1, &p) < 0)
            skip();
        struct classify_result r;
        read_page(&p, tess, &r);
        if (!strcmp(r.type, cases[c][1]))
            read += count_same(r.fields, p.truth, cases[c][1]);
        else
            assert_string_equal(r.type, "unknown");
        classify_result_free(&r);
        page_free(&p);
    }
    assert_true(read >= 2);
}

/* 150 dpi: a label printed just above its box touches the box's top line
 * with its descenders; the dates under such labels are still found and
 * read (they were not: the label row read as fragments). */
static void labels_touching_their_box_line_at_150_dpi(void **state)
{
    docset_tess_t *tess = *state;
    struct page p;
    if (rendered("patent", "migration_card", 1, &p) < 0)
        skip();
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "migration_card");
    assert_int_equal(same(r.fields, p.truth, "birth_date"), 1);
    classify_result_free(&r);
    page_free(&p);
    if (rendered("labour_notice", "patent", 1, &p) < 0)
        skip();
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "patent");
    assert_int_equal(same(r.fields, p.truth, "birth_date") + same(r.fields, p.truth, "issue_date"), 2);
    classify_result_free(&r);
    page_free(&p);
}

/* A migration card at 150 dpi (card 5 of seed 1's patent sets): every
 * field is read. It read 3 of its 6 before the fixes of 74f0e65 (a label
 * read with its box line as one tall word, light askew box lines left on
 * the enlarged page, tick boxes read as letters). */
static void migration_card_at_150_dpi_every_field(void **state)
{
    docset_tess_t *tess = *state;
    struct page p;
    const char *gen = getenv("DOCSETGEN");
    if (!gen || !*gen)
        skip();
    memset(&p, 0, sizeof p);
    assert_int_equal(rendered_from(gen, "patent", "migration_card", 1, 1, 6, 5, &p), 1);
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "migration_card");
    assert_int_equal(count_same(r.fields, p.truth, "migration_card"), 6);
    classify_result_free(&r);
    page_free(&p);
}

/* The page of `type` in set set[2] of the set[1] sets docsetgen draws for
 * `procedure` at `level` from seed set[0], classified as `type`, with
 * `field` read as printed (`want`, case aside). */
static void read_as_printed(docset_tess_t *tess, const char *gen, const char *procedure, const char *type, int level,
    const int set[3], const char *field, const char *want)
{
    struct page p;
    memset(&p, 0, sizeof p);
    assert_int_equal(rendered_from(gen, procedure, type, level, set[0], set[1], set[2], &p), 1);
    assert_string_equal(json_string_value(json_object_get(p.truth, field)), want);
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, type);
    assert_int_equal(same(r.fields, p.truth, field), 1);
    classify_result_free(&r);
    page_free(&p);
}

/* Values once left unread, each read now as printed; the sets are the
 * bench's own or a seed's, so each case fails without its change:
 * - an unsure value read alike at two sizes (read_agreeing): the birth
 *   date 27.03.1974 of set 3 of seed 101's ВНЖ sets at 300 dpi came out
 *   right at confidence 58, under the 60 one reading needs, on each of the
 *   set's seven forms;
 * - a value read right at a confidence under the agreeing floor, taken
 *   when its second reading at three quarters clears the single-reading
 *   bar: at 300 dpi the passport numbers FA7271863 (set 7 of seed 1616's
 *   application, a wrong digit the set's other forms do not share) and
 *   AC1830267 (set 6 of seed 1620's native-speaker sets) came out right
 *   at confidence 0 and 14;
 * - a label placed by its nearest reading, not its first (label_word):
 *   on the fingerprinting card of set 11 of seed 1620's patent sets at 300
 *   dpi, "…о прохождении…" in the heading ends two slips from РОЖДЕНИЯ and
 *   took the birth date's place, so the heading's next line was read as
 *   the date;
 * - an O where only a digit may stand in a passport number is 0
 *   (parse_number): set 37 of seed 1616's sets at 150 dpi, AC0118868 read
 *   ACO118868 on the application and the translation, not a number's shape;
 * - a certificate's level taken from the purpose's own words when its
 *   label is not found (level_named): set 22 of seed 1616's sets at 150
 *   dpi, whose "Уровень владения" touches its box's top line;
 * - a label whose last word the recogniser joined to the one before
 *   (word_ends_in): set 50 of seed 1618's sets at 150 dpi, "Дата выдачи"
 *   on the translation read as one word ШААВЫЛАЧИ;
 * - two unsure readings of a number that differ only in an O against a 0
 *   agree (numbers_agree): set 10 of seed 1616's sets at 150 dpi, the
 *   Kazakh N01208372 read NO1208372 at confidence 58 and N01208372 at 54
 *   on the application, the archive record and the kinship document. */
static void values_once_unread(void **state)
{
    docset_tess_t *tess = *state;
    const char *gen = getenv("DOCSETGEN");
    static const struct {
        const char *procedure, *type;
        int level, seed, sets, index;
        const char *field, *want;
    } cases[] = {
        {"vnzh", "application", 0, 101, 6, 3, "birth_date", "1974-03-27"},
        {"vnzh", "rvp", 0, 101, 6, 3, "birth_date", "1974-03-27"},
        {"all", "application", 0, 1616, 8, 7, "passport_number", "FA7271863"},
        {"native_speaker", "archive_record", 0, 1620, 7, 6, "passport_number", "AC1830267"},
        {"patent", "fingerprint_card", 0, 1620, 12, 11, "birth_date", "1986-10-27"},
        {"all", "application", 1, 1616, 38, 37, "passport_number", "AC0118868"},
        {"all", "passport_translation", 1, 1616, 38, 37, "doc_number", "AC0118868"},
        {"all", "language_certificate", 1, 1616, 23, 22, "level", "patent"},
        {"all", "passport_translation", 1, 1618, 51, 50, "issue_date", "2025-05-18"},
        {"all", "application", 1, 1616, 11, 10, "passport_number", "N01208372"},
    };
    if (!gen || !*gen)
        skip();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        read_as_printed(tess, gen, cases[i].procedure, cases[i].type, cases[i].level,
            (int[3]){cases[i].seed, cases[i].sets, cases[i].index}, cases[i].field, cases[i].want);
}

/* The Tajik and Uzbek letters of a Cyrillic name (Ғ Қ Ҳ Ҷ) and the
 * Kazakh ones (Ә), which the Russian model lacks, read as printed
 * (with_native_letters): "rus" read Ғулом as ЕУЛОМ or not at all, Ҷамшед
 * as ЧАМШЕД, Қодиров as КОДИРОВ, Әлия not at all, and the sets were
 * referred for a name one letter off or unread. Beside them, names whose
 * Ч, Э or Ы the Tajik model would not keep (it lacks Ы: Бакыт came out
 * БАКЬТ) read as printed too. Seed 1618's sets at 150 dpi. */
static void native_letters_read_as_printed(void **state)
{
    docset_tess_t *tess = *state;
    const char *gen = getenv("DOCSETGEN");
    static const struct {
        const char *type;
        int sets, index;
        const char *field, *want;
    } cases[] = {
        {"application", 8, 7, "given_names", "Ҷамшед"},
        {"application", 10, 9, "given_names", "Әлия"},
        {"registration_notice", 9, 8, "surname", "Қодиров"},
        {"registration_notice", 9, 8, "given_names", "Ғулом"},
        {"employer_notice", 11, 10, "surname", "Ҳакимов"},
        {"application", 12, 11, "surname", "Чориев"},
        {"application", 12, 11, "given_names", "Ғулом"},
        {"application", 26, 25, "surname", "Эргашев"},
        {"passport_translation", 111, 110, "given_names", "Бакыт"},
    };
    if (!gen || !*gen)
        skip();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        read_as_printed(tess, gen, "all", cases[i].type, 1, (int[3]){1618, cases[i].sets, cases[i].index},
            cases[i].field, cases[i].want);
}

/* Legibility decided by the reading near the glyph floor: a clean page
 * whose small print pulls its measured glyphs under the floor is read, and
 * read whole, so it is legible — the ДМС policy of seed 3's first patent
 * set at 150 dpi (10 px; it was returned as too far, its set with it). A
 * 100-dpi page near the floor that is typed but read only in part stays
 * illegible, "too_far", with nothing read from it: the migration card of
 * set 8 of seed 1618's sets at level 2. */
static void small_glyphs_legible_only_when_read_whole(void **state)
{
    docset_tess_t *tess = *state;
    const char *gen = getenv("DOCSETGEN");
    static const struct {
        const char *procedure, *type;
        int level, seed, sets, index;
        bool legible;
    } cases[] = {
        {"patent", "dms_policy", 1, 3, 1, 0, true},
        {"all", "migration_card", 2, 1618, 9, 8, false},
    };
    if (!gen || !*gen)
        skip();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct page p;
        memset(&p, 0, sizeof p);
        assert_int_equal(rendered_from(gen, cases[i].procedure, cases[i].type, cases[i].level, cases[i].seed,
                             cases[i].sets, cases[i].index, &p),
            1);
        raster_t *straight = NULL;
        struct straighten_result how;
        if (straighten_page(p.grey, tess, &straight, &how, NULL) == 0 && straight) {
            raster_free(p.grey);
            p.grey = straight;
        }
        struct page_quality q;
        assert_int_equal(page_measure(p.grey, &q, NULL), 0);
        assert_false(q.legible);             /* the case is near the floor, */
        assert_true(page_worth_reading(&q)); /* under it but worth a reading */
        struct classify_result r;
        int got = classify_measured_page(p.grey, &q, date_from_ymd(2025, 1, 1), tess, &r, NULL);
        assert_int_equal(got, cases[i].legible ? 1 : 0);
        assert_int_equal(q.legible, cases[i].legible);
        assert_int_equal(!!(q.advice & PAGE_ADVICE_TOO_FAR), !cases[i].legible);
        if (got == 1) {
            assert_string_equal(r.type, cases[i].type);
            const char *key;
            json_t *v;
            json_object_foreach (p.truth, key, v)
                if (json_object_get(r.fields, key))
                    assert_int_equal(same(r.fields, p.truth, key), 1);
            classify_result_free(&r);
        }
        page_free(&p);
    }
}

/* The translation, the certificates, the employer's notice, the labour
 * contract, the application, the ДМС policy, the two permits, the income
 * statement and a birth certificate at 300 dpi: each classified
 * by its title and the fields the rules judge read as printed — the dates validity and deadlines count
 * from, the names and passport number compared across documents, the
 * profession and region compared with the patent's — and the language
 * certificate's level, printed as the purpose it serves, read as the
 * catalogue's level for each procedure's certificate. */
static void other_forms_clean(void **state)
{
    docset_tess_t *tess = *state;
    static const struct {
        const char *procedure, *type, *level, *fields[4];
    } cases[] = {
        {"rvp", "passport_translation", NULL, {"issue_date", "doc_number"}},
        {"rvp", "medical_certificate", NULL, {"issue_date"}},
        {"rvp", "hiv_certificate", NULL, {"issue_date"}},
        {"rvp", "language_certificate", "rvp", {"issue_date"}},
        {"patent", "language_certificate", "patent", {"issue_date"}},
        {"vnzh", "language_certificate", "vnzh", {"issue_date"}},
        {"labour_notice", "employer_notice", NULL, {"profession", "region"}},
        {"labour_notice", "labour_contract", NULL, {"profession", "region", "contract_date"}},
        {"patent", "application", NULL, {"passport_number"}},
        {"patent", "dms_policy", NULL, {"issue_date"}},
        {"vnzh", "rvp", NULL, {"given_names", "issue_date"}},
        {"vnzh", "income_proof", NULL, {"given_names", "issue_date"}},
        {"citizenship", "vnzh", NULL, {"given_names", "issue_date"}},
        {"citizenship", "birth_certificate", NULL, {"given_names"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct page p;
        if (rendered(cases[i].procedure, cases[i].type, 0, &p) < 0)
            skip();
        struct classify_result r;
        read_page(&p, tess, &r);
        assert_string_equal(r.type, cases[i].type);
        assert_int_equal(same(r.fields, p.truth, "surname"), 1);
        assert_int_equal(same(r.fields, p.truth, "birth_date"), 1);
        for (int k = 0; k < 4 && cases[i].fields[k]; k++)
            assert_int_equal(same(r.fields, p.truth, cases[i].fields[k]), 1);
        if (cases[i].level) {
            assert_string_equal(json_string_value(json_object_get(p.truth, "level")), cases[i].level);
            assert_int_equal(same(r.fields, p.truth, "level"), 1);
        }
        classify_result_free(&r);
        page_free(&p);
    }
}

/* A label partly lost still places its value. "Документ, удостоверяющий
 * личность: серия, №" with its first two words gone: at 150 dpi they were
 * often read as fragments, and the number under them was not looked for
 * (passport numbers 91 of 120 on 40 sets; 102 since "личность" places it
 * too). "Дата рождения" with its р and д gone: a label word of eight
 * letters or more may differ by two (at 150 dpi "СОЖЛЕНИЯ" was read). */
static void a_damaged_label_still_places_its_value(void **state)
{
    docset_tess_t *tess = *state;
    static const struct {
        const char *field;
        double cut[2][2]; /* millimetres of the label row whitened, from the box's left edge */
    } cases[] = {
        {"passport_number", {{-0.5, 18.5}, {0, 0}}},
        {"birth_date", {{5.3, 6.4}, {9.3, 10.4}}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct page p;
        if (rendered("rvp", "medical_certificate", 0, &p) < 0)
            skip();
        for (int k = 0; k < 2; k++)
            blank_label_part(&p, cases[i].field, cases[i].cut[k][0], cases[i].cut[k][1]);
        struct classify_result r;
        read_page(&p, tess, &r);
        assert_string_equal(r.type, "medical_certificate");
        assert_int_equal(same(r.fields, p.truth, cases[i].field), 1);
        classify_result_free(&r);
        page_free(&p);
    }
}

/* A label word that also stands elsewhere on the page places its field
 * only on the row that reads as the rest of the label: on a fingerprinting
 * card whose label "Документ, удостоверяющий личность" lost its second
 * word (whitened here; misread at 150 dpi on 9 of 20 cards), ДОКУМЕНТ is
 * also the first word of the subtitle "документ о прохождении…", and the
 * passport number was looked for under the subtitle and went unread. The
 * label's row, which still reads ЛИЧНОСТЬ, places it. */
static void a_label_word_places_its_field_on_the_labels_row(void **state)
{
    docset_tess_t *tess = *state;
    struct page p;
    if (rendered("patent", "fingerprint_card", 0, &p) < 0)
        skip();
    blank_label_part(&p, "passport_number", 10.5, 28.5);
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "fingerprint_card");
    assert_int_equal(same(r.fields, p.truth, "passport_number"), 1);
    assert_int_equal(count_same(r.fields, p.truth, "fingerprint_card"), 5);
    classify_result_free(&r);
    page_free(&p);
}

/* The arrival notice's tear-off part, filled in one letter a cell: each
 * field found under its label and read as a line (the cells' sides dropped,
 * the letters closed up); a comb left blank is unreadable, not guessed. */
static void arrival_notice_read_cell_by_cell(void **state)
{
    docset_tess_t *tess = *state;
    struct page p;
    if (rendered("patent", "registration_notice", 0, &p) < 0)
        skip();
    struct classify_result r;
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "registration_notice");
    /* surname, given names (Cyrillic), birth date, passport number */
    assert_int_equal(count_same(r.fields, p.truth, "registration_notice"), 4);
    classify_result_free(&r);
    page_free(&p);
    if (rendered("patent", "registration_notice", 0, &p) < 0)
        skip();
    blank_box(&p, "passport_number");
    read_page(&p, tess, &r);
    assert_string_equal(r.type, "registration_notice");
    assert_true(json_is_null(json_object_get(r.fields, "passport_number")));
    assert_int_equal(same(r.fields, p.truth, "surname"), 1);
    classify_result_free(&r);
    page_free(&p);
}

/* Pages that once read a field wrong or not at all, each from the seed
 * whose set 0 drew it, and the fields they must read now:
 * - Й and Ё (rvp 4: Айбек; patent 24: Махлиё): the breve and the dots
 *   stand clear of their letters, and the value's line was cut to the
 *   letters' rows, so АЙБЕК was read АИБЕК and МАХЛИЁ МАХЛИЕ (30 values of
 *   705 read wrong at 300 dpi on 40 sets);
 * - a box found at 150 dpi by following its top line out from under a
 *   label placed by a later word ("ЛИЧНОСТЬ"; rvp 2's application, patent
 *   10's medical certificate): the line is light grey, lighter than ink in
 *   stretches, and steps a row on a straightened page; followed as ink it
 *   stopped short, the box seemed to start inside the number, and the
 *   number was not read (28 of 35 on the applications of 40 sets);
 * - the translation's "Номер паспорта" at 150 dpi (rvp 10, patent 1): its
 *   НОМЕР, five letters and so allowed no slip, was read НОМЕО, and the
 *   number under it was not looked for (12 of 20 on 40 sets); the two
 *   words are now also matched together, with the slips of the whole. */
static void pages_once_misread(void **state)
{
    docset_tess_t *tess = *state;
    const char *gen = getenv("DOCSETGEN");
    static const struct {
        const char *procedure, *type;
        int level, seed;
        bool breve_or_dots; /* the given names hold Й or Ё (the seed still draws one) */
        const char *fields[2];
    } cases[] = {
        {"rvp", "application", 0, 4, true, {"given_names", "surname"}},
        {"patent", "application", 0, 24, true, {"given_names", "surname"}},
        {"rvp", "application", 1, 2, false, {"passport_number"}},
        {"patent", "medical_certificate", 1, 10, false, {"passport_number"}},
        {"rvp", "passport_translation", 1, 10, false, {"doc_number"}},
        {"patent", "passport_translation", 1, 1, false, {"doc_number"}},
    };
    if (!gen || !*gen)
        skip();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct page p = {0};
        assert_int_equal(
            rendered_from(gen, cases[i].procedure, cases[i].type, cases[i].level, cases[i].seed, 1, 0, &p), 1);
        const char *name = json_string_value(json_object_get(p.truth, "given_names"));
        if (cases[i].breve_or_dots)
            assert_true(name && (strstr(name, "й") || strstr(name, "ё")));
        struct classify_result r;
        read_page(&p, tess, &r);
        assert_string_equal(r.type, cases[i].type);
        for (int k = 0; k < 2 && cases[i].fields[k]; k++)
            assert_int_equal(same(r.fields, p.truth, cases[i].fields[k]), 1);
        classify_result_free(&r);
        page_free(&p);
    }
}

static int setup(void **state)
{
    *state = docset_tess_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    docset_tess_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_page_is_read_on_the_callers_thread),
        cmocka_unit_test(migration_card_clean_every_field),
        cmocka_unit_test(migration_card_missing_values_are_not_guessed),
        cmocka_unit_test(labels_cut_by_the_top_third_are_read),
        cmocka_unit_test(patent_clean),
        cmocka_unit_test(degraded_pages_read_nothing_wrong),
        cmocka_unit_test(labels_touching_their_box_line_at_150_dpi),
        cmocka_unit_test(migration_card_at_150_dpi_every_field),
        cmocka_unit_test(other_forms_clean),
        cmocka_unit_test(values_once_unread),
        cmocka_unit_test(small_glyphs_legible_only_when_read_whole),
        cmocka_unit_test(native_letters_read_as_printed),
        cmocka_unit_test(arrival_notice_read_cell_by_cell),
        cmocka_unit_test(a_damaged_label_still_places_its_value),
        cmocka_unit_test(a_label_word_places_its_field_on_the_labels_row),
        cmocka_unit_test(pages_once_misread),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
