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
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

static enum portrait_kind kind_of(face_detector_t *d, const raster_t *g)
{
    enum portrait_kind k = PORTRAIT_NONE;
    err_t e = {0};
    assert_int_equal(portrait_page(d, g, &k, &e), 0);
    return k;
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

/* Set 0 of two ВНЖ sets is drawn from the first portrait, set 1 from the
 * second (docsetgen: set i from the (i mod n)-th). */
static void drawn_prints_are_photographs(void **state)
{
    const char *gen = getenv("DOCSETGEN");
    assert_non_null(gen);
    for (int level = 0; level <= 2; level++) {
        char dir[] = "/tmp/test_portrait_XXXXXX", cmd[2048];
        assert_non_null(mkdtemp(dir));
        snprintf(cmd, sizeof cmd,
            "'%s' --out '%s' --seed 5 --sets 2 --procedure vnzh --defect clean --level %d --portrait '%s' "
            "--portrait '%s' >/dev/null",
            gen, dir, level, HOPPER, ASTRONAUT);
        assert_int_equal(system(cmd), 0);
        struct judged got[16];
        int seen = judge_dir(*state, dir, "-photo.", got, 16);
        for (int i = 0; i < seen; i++)
            /* at 100 dpi, blurred (docsetgen's level 2), a photograph,
             * sharp or too blurred to judge; sharp at 300 and 150 dpi */
            if (level < 2 ? got[i].kind != PORTRAIT_SHARP : got[i].kind == PORTRAIT_NONE)
                fail_msg("level %d, %s: %d, not a photograph as sharp as drawn", level, got[i].name, (int)got[i].kind);
        assert_true(seen >= 2); /* a ВНЖ set asks for four */
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
        cmocka_unit_test(a_blurred_photograph_is_blurred),
        cmocka_unit_test(documents_with_a_face_are_not_photographs),
        cmocka_unit_test(no_detector_no_photograph),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
