/* docset/portrait: a photograph of a person is told from a document that
 * carries one.
 *
 * Photographs: Debian's two public-domain portraits (Grace Hopper, in
 * python-matplotlib-data; NASA's astronaut Eileen Collins, in
 * python3-skimage, both installed by scripts/deps.sh for the checks) as
 * the digital files a person may send, and as docsetgen draws them on a
 * scanner's glass at 300, 150 and 100 dpi (the path in DOCSETGEN); a
 * photograph blurred past judging is told as such.
 * Documents: the real specimens of tests/mrz/real (passports, ID cards,
 * visas: a face beside text), none of which may be called a photograph. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
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
#include "bio/facecheck.h"
#include "docset/portrait.h"

#define HOPPER "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
#define ASTRONAUT "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"

static raster_t *load(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    if (file_read_alloc(path, 64u << 20, &buf, &len, NULL) < 0)
        fail_msg("%s: cannot read it (scripts/deps.sh installs the portraits)", path);
    raster_t *g = NULL;
    assert_int_equal(raster_decode((const uint8_t *)buf, len, 1, &g, NULL), 0);
    free(buf);
    return g;
}

static struct portrait_found found_on(face_detector_t *d, const raster_t *g)
{
    struct portrait_found f = {PORTRAIT_NONE, -1};
    err_t e = {0};
    assert_int_equal(portrait_page(d, g, &f, &e), 0);
    if (f.kind == PORTRAIT_NONE)
        assert_int_equal(f.prints, 0);
    else
        assert_in_range(f.prints, 1, PORTRAIT_PRINTS_MAX);
    return f;
}

static enum portrait_kind kind_of(face_detector_t *d, const raster_t *g)
{
    return found_on(d, g).kind;
}

static int setup(void **state)
{
    face_detector_t *d = NULL;
    assert_int_equal(face_detector_open(NULL, &d, NULL), 0);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    face_detector_free(*state);
    return 0;
}

static void digital_files_are_photographs(void **state)
{
    const char *files[] = {HOPPER, ASTRONAUT};
    for (size_t i = 0; i < 2; i++) {
        raster_t *g = load(files[i]);
        if (kind_of(*state, g) != PORTRAIT_SHARP)
            fail_msg("%s: not taken for a photograph", files[i]);
        raster_free(g);
    }
}

/* An image of a directory and what portrait_page made of it. */
struct judged {
    char name[256];
    enum portrait_kind kind;
};

/* Judges each JPEG or PNG of dir whose name holds `part` (NULL: every
 * one), at most max of them into out; returns how many. */
static int judge_dir(face_detector_t *d, const char *dir, const char *part, struct judged *out, int max)
{
    DIR *dd = opendir(dir);
    assert_non_null(dd);
    int n = 0;
    for (struct dirent *de; n < max && (de = readdir(dd));) {
        size_t len = strlen(de->d_name);
        if (len < 5 || (strcmp(de->d_name + len - 4, ".jpg") && strcmp(de->d_name + len - 4, ".png")) ||
            (part && !strstr(de->d_name, part)))
            continue;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        raster_t *g = load(path);
        snprintf(out[n].name, sizeof out[n].name, "%s", de->d_name);
        out[n++].kind = kind_of(d, g);
        raster_free(g);
    }
    closedir(dd);
    return n;
}

/* The photograph pages of docsetgen's set in dir: each judged against
 * its truth (one print, or the sheet's "documents"); returns how many. */
static int judge_drawn_set(face_detector_t *d, const char *dir, int set, int level)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/set-%04d.json", dir, set);
    json_t *j = json_load_file(path, 0, NULL), *pg;
    assert_non_null(j);
    size_t i;
    int seen = 0;
    json_array_foreach (json_object_get(json_object_get(j, "truth"), "pages"), i, pg) {
        const char *file = json_string_value(json_object_get(pg, "file"));
        if (!strstr(file, "-photo."))
            continue;
        const json_t *several = json_object_get(pg, "documents");
        int want = several ? (int)json_array_size(several) : 1;
        snprintf(path, sizeof path, "%s/%s", dir, file);
        raster_t *g = load(path);
        struct portrait_found f = found_on(d, g);
        raster_free(g);
        /* at 100 dpi, blurred (docsetgen's level 2), a photograph, sharp
         * or too blurred to judge; sharp at 300 and 150 dpi; never a
         * count other than the prints drawn */
        if ((level < 2 ? f.kind != PORTRAIT_SHARP : f.kind == PORTRAIT_NONE) || f.prints != want)
            fail_msg("level %d, %s: %d, %d of %d prints, not a photograph as drawn", level, file, (int)f.kind, f.prints,
                want);
        seen += want;
    }
    json_decref(j);
    return seen;
}

/* Set i of ВНЖ sets is drawn from the (i mod 2)-th portrait (docsetgen);
 * with seed 7, sets 0 and 1 have each of their four photographs on its
 * page, sets 2 and 3 all four on one sheet. */
static void drawn_prints_are_photographs(void **state)
{
    const char *gen = getenv("DOCSETGEN");
    assert_non_null(gen);
    for (int level = 0; level <= 2; level++) {
        char dir[] = "/tmp/test_portrait_XXXXXX", cmd[2048];
        assert_non_null(mkdtemp(dir));
        snprintf(cmd, sizeof cmd,
            "'%s' --out '%s' --seed 7 --sets 4 --procedure vnzh --defect clean --level %d --portrait '%s' "
            "--portrait '%s' >/dev/null",
            gen, dir, level, HOPPER, ASTRONAUT);
        assert_int_equal(system(cmd), 0);
        for (int set = 0; set < 4; set++)
            assert_int_equal(judge_drawn_set(*state, dir, set, level), 4); /* a ВНЖ set asks for four */
        struct judged got[16];
        assert_int_equal(judge_dir(*state, dir, "-photo.", got, 16), 10); /* two sheets, eight single prints */
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

/* src scaled (nearest pixel) into w x h at (x, y) of dst. */
static void paste(raster_t *dst, const raster_t *src, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
    for (uint32_t j = 0; j < h; j++)
        for (uint32_t i = 0; i < w; i++)
            dst->pix[(size_t)(y + j) * dst->width + x + i] =
                src->pix[(size_t)(j * src->height / h) * src->width + i * src->width / w];
}

/* A 35 x 45 mm print in the corner of a flatbed's whole A4 glass at 300
 * dpi: the face is some 4 % of the page's width, under what the detector
 * finds on the page; it is found on what the page holds. The same page
 * with lines of print under the photograph is a document. */
static void a_print_alone_on_an_a4_glass(void **state)
{
    const char *files[] = {HOPPER, ASTRONAUT};
    for (size_t i = 0; i < 2; i++) {
        raster_t *face = load(files[i]), *page = NULL;
        assert_int_equal(raster_new(2480, 3508, 1, 250, &page), 0);
        paste(page, face, 40, 40, 413, 531);
        if (kind_of(*state, page) != PORTRAIT_SHARP)
            fail_msg("%s: a print on the glass not taken for a photograph", files[i]);
        /* words: dark blocks as tall as 10-point print, in lines */
        for (uint32_t y = 700; y < 2500; y += 70)
            for (uint32_t x = 40; x + 160 < 2400; x += 200)
                for (uint32_t row = y; row < y + 30; row++)
                    memset(page->pix + (size_t)row * page->width + x, 20, 160);
        assert_int_equal(kind_of(*state, page), PORTRAIT_NONE);
        raster_free(face);
        raster_free(page);
    }
}

/* A page of n prints of face, each w x h pixels, two abreast with gap
 * pixels of paper between them and a margin round them all. */
static raster_t *sheet_of(const raster_t *face, int n, uint32_t w, uint32_t h, uint32_t gap, uint32_t margin)
{
    uint32_t rows = (uint32_t)(n + 1) / 2;
    raster_t *page = NULL;
    assert_int_equal(raster_new(2 * margin + 2 * w + gap, 2 * margin + rows * h + (rows - 1) * gap, 1, 250, &page), 0);
    for (int i = 0; i < n; i++)
        paste(page, face, margin + (uint32_t)(i % 2) * (w + gap), margin + (uint32_t)(i / 2) * (h + gap), w, h);
    return page;
}

/* A studio's sheet of prints, or prints laid side by side on the glass:
 * as many photographs as prints, at 300 and at 150 dpi (35 x 45 mm is
 * 413 x 531 and 207 x 266 pixels), with 3 mm of paper between them. */
static void a_sheet_of_prints_is_counted(void **state)
{
    const char *files[] = {HOPPER, ASTRONAUT};
    const uint32_t w[] = {413, 207}, h[] = {531, 266}, gap[] = {35, 18};
    for (size_t i = 0; i < 2; i++) {
        raster_t *face = load(files[i]);
        for (size_t dpi = 0; dpi < 2; dpi++)
            for (int n = 2; n <= 6; n++) {
                raster_t *page = sheet_of(face, n, w[dpi], h[dpi], gap[dpi], 2 * gap[dpi]);
                struct portrait_found f = found_on(*state, page);
                if (f.kind != PORTRAIT_SHARP || f.prints != n)
                    fail_msg(
                        "%s, %u px wide, %d prints: kind %d, %d counted", files[i], w[dpi], n, (int)f.kind, f.prints);
                raster_free(page);
            }
        raster_free(face);
    }
}

/* Studio sheets part their prints by a cut line of paper a millimetre
 * wide or less: as many photographs as prints (two and four), the sheet
 * scanned on an A4 glass at 300 and at 150 dpi (a cell of
 * docset/portrait's grid is then 1.1 mm, wider than the line). */
static void prints_a_millimetre_apart_are_counted(void **state)
{
    const char *files[] = {HOPPER, ASTRONAUT};
    const uint32_t w[] = {413, 207}, h[] = {531, 266}, gap[][3] = {{12, 8, 4}, {6, 4, 3}};
    const uint32_t a4w[] = {2480, 1240}, a4h[] = {3508, 1754};
    int wrong = 0;
    for (size_t i = 0; i < 2; i++) {
        raster_t *face = load(files[i]);
        for (size_t dpi = 0; dpi < 2; dpi++)
            for (size_t g = 0; g < 3; g++)
                for (int n = 2; n <= 4; n += 2) {
                    raster_t *sheet = sheet_of(face, n, w[dpi], h[dpi], gap[dpi][g], 0), *glass = NULL;
                    assert_int_equal(raster_new(a4w[dpi], a4h[dpi], 1, 250, &glass), 0);
                    for (uint32_t y = 0; y < sheet->height; y++)
                        memcpy(glass->pix + (size_t)(y + 40) * glass->width + 40, sheet->pix + (size_t)y * sheet->width,
                            sheet->width);
                    struct portrait_found f = found_on(*state, glass);
                    if (f.kind != PORTRAIT_SHARP || f.prints != n) {
                        fprintf(stderr, "%s, %u px wide, %u px apart, %d prints: kind %d, %d counted\n", files[i],
                            w[dpi], gap[dpi][g], n, (int)f.kind, f.prints);
                        wrong++;
                    }
                    raster_free(sheet);
                    raster_free(glass);
                }
        raster_free(face);
    }
    assert_int_equal(wrong, 0);
}

/* src scaled into a w x h print turned by deg degrees about its centre,
 * its centre at (cx, cy) of dst (nearest pixel). */
static void paste_turned(raster_t *dst, const raster_t *src, double cx, double cy, uint32_t w, uint32_t h, double deg)
{
    double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180), r = sqrt((double)w * w + (double)h * h) / 2;
    for (long y = (long)(cy - r); y <= (long)(cy + r); y++)
        for (long x = (long)(cx - r); x <= (long)(cx + r); x++) {
            double u = c * (x - cx) + s * (y - cy) + w / 2.0, v = -s * (x - cx) + c * (y - cy) + h / 2.0;
            if (u < 0 || v < 0 || u >= w || v >= h || x < 0 || y < 0 || x >= (long)dst->width || y >= (long)dst->height)
                continue;
            dst->pix[(size_t)y * dst->width + (size_t)x] =
                src->pix[(size_t)((uint32_t)v * src->height / h) * src->width + (uint32_t)u * src->width / w];
        }
}

/* Four loose prints laid on an A4 glass, each tilted its own way by up to
 * 10 degrees, 8 mm apart: four photographs, at 300 and at 150 dpi; and
 * the first of them alone on the glass, one. */
static void loose_prints_laid_askew_are_counted(void **state)
{
    const char *files[] = {HOPPER, ASTRONAUT};
    const double turns[][4] = {{6, -4, 9, -8}, {-10, 7, -3, 5}};
    const uint32_t w[] = {413, 207}, h[] = {531, 266}, a4w[] = {2480, 1240}, a4h[] = {3508, 1754}, apart[] = {94, 47};
    int wrong = 0;
    for (size_t i = 0; i < 2; i++) {
        raster_t *face = load(files[i]);
        for (size_t dpi = 0; dpi < 2; dpi++)
            for (size_t t = 0; t < 2; t++)
                for (int n = 1; n <= 4; n += 3) {
                    raster_t *glass = NULL;
                    assert_int_equal(raster_new(a4w[dpi], a4h[dpi], 1, 250, &glass), 0);
                    for (int k = 0; k < n; k++)
                        paste_turned(glass, face, apart[dpi] + (k % 2) * (w[dpi] + apart[dpi]) + w[dpi] / 2.0,
                            apart[dpi] + (k / 2) * (h[dpi] + apart[dpi]) + h[dpi] / 2.0, w[dpi], h[dpi], turns[t][k]);
                    struct portrait_found f = found_on(*state, glass);
                    if (f.kind != PORTRAIT_SHARP || f.prints != n) {
                        fprintf(stderr, "%s, %u px wide, turns %zu, %d prints: kind %d, %d counted\n", files[i], w[dpi],
                            t, n, (int)f.kind, f.prints);
                        wrong++;
                    }
                    raster_free(glass);
                }
        raster_free(face);
    }
    assert_int_equal(wrong, 0);
}

/* Prints with no paper between them are one picture holding several
 * faces: the page is not taken for one photograph (the set would be
 * returned for the others), nor for a count the reader cannot tell. Nor
 * is a sheet with lines of print under it. */
static void prints_it_cannot_tell_apart_are_no_photograph(void **state)
{
    const char *files[] = {HOPPER, ASTRONAUT};
    for (size_t i = 0; i < 2; i++) {
        raster_t *face = load(files[i]), *page = sheet_of(face, 4, 413, 531, 0, 70);
        struct portrait_found f = found_on(*state, page);
        if (f.kind != PORTRAIT_NONE && f.prints != 4)
            fail_msg("%s: four touching prints taken for %d", files[i], f.prints);
        raster_free(page);
        page = sheet_of(face, 2, 413, 531, 35, 70);
        raster_t *texted = NULL;
        assert_int_equal(raster_new(page->width, page->height + 400, 1, 250, &texted), 0);
        memcpy(texted->pix, page->pix, (size_t)page->width * page->height);
        for (uint32_t y = page->height + 40; y < texted->height - 60; y += 70)
            for (uint32_t x = 70; x + 120 < texted->width; x += 150)
                for (uint32_t row = y; row < y + 30; row++)
                    memset(texted->pix + (size_t)row * texted->width + x, 20, 120);
        assert_int_equal(kind_of(*state, texted), PORTRAIT_NONE);
        raster_free(texted);
        raster_free(page);
        raster_free(face);
    }
}

static void a_blurred_photograph_is_blurred(void **state)
{
    raster_t *g = load(HOPPER), *b = NULL;
    assert_int_equal(raster_new(g->width, g->height, 1, 0, &b), 0);
    const int r = 6; /* a box blur: a print photographed out of focus */
    for (uint32_t y = 0; y < g->height; y++)
        for (uint32_t x = 0; x < g->width; x++) {
            unsigned sum = 0, n = 0;
            for (int dy = -r; dy <= r; dy++)
                for (int dx = -r; dx <= r; dx++) {
                    long yy = (long)y + dy, xx = (long)x + dx;
                    if (yy < 0 || xx < 0 || yy >= (long)g->height || xx >= (long)g->width)
                        continue;
                    sum += g->pix[(size_t)yy * g->width + (size_t)xx];
                    n++;
                }
            b->pix[(size_t)y * g->width + x] = (uint8_t)(sum / n);
        }
    enum portrait_kind k = kind_of(*state, b);
    assert_true(k != PORTRAIT_SHARP);
    raster_free(g);
    raster_free(b);
}

static void documents_with_a_face_are_not_photographs(void **state)
{
    struct judged got[64];
    int seen = judge_dir(*state, UCHET_SOURCE_DIR "/tests/mrz/real", NULL, got, 64);
    for (int i = 0; i < seen; i++)
        if (got[i].kind != PORTRAIT_NONE)
            fail_msg("%s: a document taken for a photograph (%d)", got[i].name, (int)got[i].kind);
    assert_true(seen >= 38);
}

static void no_detector_no_photograph(void **state)
{
    (void)state;
    raster_t *g = load(HOPPER);
    assert_int_equal(kind_of(NULL, g), PORTRAIT_NONE);
    raster_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(digital_files_are_photographs),
        cmocka_unit_test(drawn_prints_are_photographs),
        cmocka_unit_test(a_print_alone_on_an_a4_glass),
        cmocka_unit_test(a_sheet_of_prints_is_counted),
        cmocka_unit_test(prints_a_millimetre_apart_are_counted),
        cmocka_unit_test(loose_prints_laid_askew_are_counted),
        cmocka_unit_test(prints_it_cannot_tell_apart_are_no_photograph),
        cmocka_unit_test(a_blurred_photograph_is_blurred),
        cmocka_unit_test(documents_with_a_face_are_not_photographs),
        cmocka_unit_test(no_detector_no_photograph),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
