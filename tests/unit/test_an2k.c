/* Unit tests of bio/an2k: the facts NIST's own tests (usnistgov/libbiomeval,
 * src/test/gtest/test_be_finger_an2kview_{varres,fixedres}.cpp) assert about
 * NIST's public-domain transactions in ../shared/data/an2k, systematic
 * mutations of those files (every truncation, LEN off by one, separators
 * flipped, FS removed, unknown record type, two Type-2, CNT mismatches), the
 * writer's LEN/CNT arithmetic checked without the reader, each input rule of
 * the writer, and writer -> reader round trips.
 *
 * The NIST files are found at UCHET_SOURCE_DIR/../shared/data/an2k (CI keeps
 * shared/ beside the clone); the tests that need them are skipped with a
 * message when that folder is absent. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/limits.h"
#include "bio/an2k.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define NIST_DIR UCHET_SOURCE_DIR "/../shared/data/an2k"
#define NIST_DIR_UP UCHET_SOURCE_DIR "/../../shared/data/an2k"

/* ------------------------------------------------------------ helpers */

/* shared/ beside the clone (CI, /work/main) or beside the worktrees'
 * parent (/work/wt/NAME), or where AN2K_DATA_DIR says. */
static uint8_t *load(const char *name, size_t *ret_len)
{
    char path[512];
    const char *env = getenv("AN2K_DATA_DIR");
    const char *dirs[] = {env ? env : NIST_DIR, NIST_DIR, NIST_DIR_UP};
    FILE *f = NULL;
    for (size_t i = 0; i < 3 && !f; i++) {
        snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
        f = fopen(path, "rb");
    }
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *ret_len = (size_t)n;
    return p;
}

#define LOAD_OR_SKIP(name, lenp)                                                                                       \
    ({                                                                                                                 \
        uint8_t *b_ = load(name, lenp);                                                                                \
        if (!b_) {                                                                                                     \
            print_message("SKIP: %s/%s absent (shared/ is not beside the clone)\n", NIST_DIR, name);                   \
            skip();                                                                                                    \
        }                                                                                                              \
        b_;                                                                                                            \
    })

static struct an2k *parse_ok(const uint8_t *b, size_t n, unsigned flags)
{
    struct an2k *t = NULL;
    err_t e = {0};
    int rc = an2k_parse(b, n, flags, &t, &e);
    if (rc != 0)
        fail_msg("an2k_parse: %d %s %s", rc, e.code, e.msg);
    return t;
}

/* Parses and expects failure; returns the err code (static storage). */
static const char *parse_fail(const uint8_t *b, size_t n, unsigned flags)
{
    static err_t e;
    struct an2k *t = NULL;
    memset(&e, 0, sizeof(e));
    int rc = an2k_parse(b, n, flags, &t, &e);
    if (rc == 0) {
        an2k_free(t);
        fail_msg("an2k_parse accepted a damaged transaction (%zu bytes)", n);
    }
    assert_true(rc < 0);
    assert_true(e.code[0] != '\0');
    assert_true(e.msg[0] != '\0');
    return e.code;
}

static bool item_is(const struct an2k_record *r, unsigned num, size_t sub, size_t item, const char *want)
{
    const struct an2k_field *f = an2k_field_get(r, num);
    const uint8_t *p;
    size_t n;
    if (!f || an2k_field_item(f, sub, item, &p, &n) < 0)
        return false;
    return n == strlen(want) && memcmp(p, want, n) == 0;
}

#define assert_item(r, num, sub, item, want)                                                                           \
    do {                                                                                                               \
        if (!item_is(r, num, sub, item, want))                                                                         \
            fail_msg("field %u subfield %d item %d is not \"%s\"", (unsigned)(num), (int)(sub), (int)(item), want);    \
    } while (0)

/* Start offsets of the records, computed by this test from the LENs alone
 * (text digits after "T.001:" or the binary 4-byte LEN) and CNT's types. */
struct layout {
    size_t n;
    size_t off[64];
    size_t len[64];
    unsigned type[64];
};

static void layout_of(const struct an2k *t, struct layout *l)
{
    l->n = t->nrecords;
    for (size_t i = 0; i < t->nrecords; i++) {
        l->off[i] = (size_t)(t->records[i].bytes - t->buf);
        l->len[i] = t->records[i].len;
        l->type[i] = t->records[i].type;
    }
}

/* ------------------------------------------------ NIST's asserted facts */

static void nist_type9_13(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = LOAD_OR_SKIP("type9-13.an2k", &n);
    struct an2k *t = parse_ok(b, n, 0);
    size_t i;
    err_t e = {0};
    assert_int_equal(an2k_find(t, 13, 0, &i, &e), 0);
    struct an2k_image_info ii;
    assert_int_equal(an2k_image_info(t, i, &ii, &e), 0);
    assert_string_equal(ii.compression, "NONE");
    assert_int_equal(ii.width, 191);
    assert_int_equal(ii.height, 357);
    assert_int_equal(ii.unit, AN2K_RES_PPCM);
    assert_int_equal(ii.xres100, 19700); /* 197 px/cm */
    assert_int_equal(ii.yres100, 19700);
    assert_int_equal(ii.xscan100, 0);
    assert_int_equal(ii.yscan100, 0);
    assert_int_equal(ii.bpp, 8);
    assert_int_equal(ii.impression, 6); /* latent photo */
    assert_int_equal(ii.npositions, 1);
    assert_int_equal(ii.positions[0], 19); /* EJI or tip: the finger is unknown */
    assert_false(an2k_position_is_known(ii.positions[0]));
    assert_int_equal(ii.len, 191u * 357u); /* uncompressed 8-bit */
    /* The Type-9 shares the image's IDC 00. */
    assert_int_equal(an2k_minutiae_count(t, i), 1);
    an2k_free(t);
    free(b);
}

static void nist_type3(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = LOAD_OR_SKIP("type3.an2k", &n);
    struct an2k *t = parse_ok(b, n, 0);
    size_t i;
    err_t e = {0};
    assert_int_equal(an2k_find(t, 3, 0, &i, &e), 0);
    struct an2k_image_info ii;
    assert_int_equal(an2k_image_info(t, i, &ii, &e), 0);
    assert_int_equal(ii.type, 3);
    assert_int_equal(ii.unit, AN2K_RES_PPMM);
    assert_int_equal(ii.xres100, 984); /* 9.84 px/mm */
    assert_int_equal(ii.yres100, 984);
    assert_int_equal(ii.xscan100, 984);
    assert_int_equal(ii.yscan100, 984);
    assert_int_equal(ii.width, 402);
    assert_int_equal(ii.height, 376);
    assert_int_equal(ii.bpp, 8);
    assert_string_equal(ii.compression, "NONE");
    assert_int_equal(ii.npositions, 1);
    assert_int_equal(ii.positions[0], 2); /* right index */
    assert_int_equal(an2k_minutiae_count(t, i), 0);
    an2k_free(t);
    free(b);
}

static void nist_type4(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = LOAD_OR_SKIP("type4-slaps.an2k", &n);
    struct an2k *t = parse_ok(b, n, 0);
    size_t i;
    err_t e = {0};
    assert_int_equal(an2k_find(t, 4, 0, &i, &e), 0);
    struct an2k_image_info ii;
    assert_int_equal(an2k_image_info(t, i, &ii, &e), 0);
    assert_int_equal(ii.type, 4);
    assert_int_equal(ii.unit, AN2K_RES_PPMM);
    assert_int_equal(ii.xres100, 1969);
    assert_int_equal(ii.yres100, 1969);
    assert_int_equal(ii.xscan100, 1969);
    assert_int_equal(ii.yscan100, 1969);
    assert_int_equal(ii.width, 1608);
    assert_int_equal(ii.height, 1000);
    assert_int_equal(ii.bpp, 8);
    assert_string_equal(ii.compression, "WSQ20");
    assert_int_equal(ii.npositions, 1);
    assert_int_equal(ii.positions[0], 14); /* plain left four fingers */
    assert_int_equal(an2k_minutiae_count(t, i), 0);
    /* Four Type-4 records, then no fifth. */
    assert_int_equal(an2k_find(t, 4, 3, &i, &e), 0);
    assert_int_equal(an2k_find(t, 4, 4, &i, &e), -ENOENT);
    assert_string_equal(e.code, "an2k_no_record");
    assert_item(&t->records[0], 9, 0, 0, "jck t4 slaps");
    an2k_free(t);
    free(b);
}

static void nist_type9_no_image(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = LOAD_OR_SKIP("type9.an2k", &n);
    struct an2k *t = parse_ok(b, n, 0);
    size_t i;
    err_t e = {0};
    assert_int_equal(t->nrecords, 2);
    assert_int_equal(an2k_first_image(t, &i, &e), -ENOENT);
    assert_string_equal(e.code, "an2k_no_image");
    assert_int_equal(an2k_find(t, 3, 0, &i, &e), -ENOENT);
    assert_int_equal(an2k_find(t, 13, 0, &i, &e), -ENOENT);
    struct an2k_image_info ii;
    assert_int_equal(an2k_image_info(t, 1, &ii, &e), -ENOENT); /* the Type-9 */
    assert_string_equal(e.code, "an2k_no_image");
    an2k_free(t);
    free(b);
}

static void nist_type9_15_palms(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = LOAD_OR_SKIP("type9-15.an2k", &n);
    struct an2k *t = parse_ok(b, n, 0);
    size_t i;
    err_t e = {0};
    struct an2k_image_info ii;
    assert_int_equal(an2k_find(t, 15, 0, &i, &e), 0);
    assert_int_equal(an2k_image_info(t, i, &ii, &e), 0);
    assert_string_equal(ii.compression, "WSQ20");
    assert_int_equal(ii.unit, AN2K_RES_PPI);
    assert_int_equal(ii.xres100, 50000);
    assert_int_equal(ii.impression, 11);
    assert_int_equal(ii.positions[0], 24);
    assert_item(&t->records[i], 24, 0, 1, "254");
    assert_int_equal(an2k_find(t, 15, 1, &i, &e), 0);
    assert_int_equal(an2k_image_info(t, i, &ii, &e), 0);
    assert_string_equal(ii.compression, "JP2L");
    assert_int_equal(ii.xres100, 100000);
    assert_int_equal(ii.width, 2750);
    assert_int_equal(ii.height, 2750);
    /* A JPEG 2000 file signature opens the image bytes. */
    assert_true(ii.len > 12 && memcmp(ii.data + 4, "jP  ", 4) == 0);
    /* NIST's Type-9 here carries IDC 01 although CNT gives it 03: read
     * leniently, refused strictly. */
    assert_int_equal(an2k_find(t, 9, 0, &i, &e), 0);
    assert_int_equal(t->records[i].idc, 1);
    assert_int_equal(t->records[i].cnt_idc, 3);
    an2k_free(t);
    free(b);
}

static void nist_type9_efs(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = LOAD_OR_SKIP("type9-efs.an2k", &n);
    struct an2k *t = parse_ok(b, n, 0);
    assert_int_equal(t->nrecords, 9);
    assert_item(&t->records[0], 2, 0, 0, "0500");
    size_t i;
    err_t e = {0};
    assert_int_equal(an2k_find(t, 2, 0, &i, &e), -ENOENT);
    for (size_t k = 1; k < 9; k++) {
        assert_int_equal(t->records[k].type, 9);
        assert_int_equal(t->records[k].idc, k);
    }
    /* 9.300 of the first record: five items, the ROI polygon last. */
    assert_int_equal(an2k_field_items(an2k_field_get(&t->records[1], 300), 0), 5);
    an2k_free(t);
    free(b);
}

/* -------------------------------------------------------- mutations */

static const char *const nist_files[] = {
    "type9.an2k", "type9-efs.an2k", "type9-13.an2k", "type3.an2k", "type4-slaps.an2k", "type9-15.an2k"};

static void mut_truncations(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof(nist_files) / sizeof(nist_files[0]); f++) {
        size_t n;
        uint8_t *b = LOAD_OR_SKIP(nist_files[f], &n);
        size_t tried = 0;
        for (size_t cut = 0; cut < n; cut++) {
            /* Every length of the two small files; of the others every
             * length of the first 12 kB (all their text parts) and of the
             * last 2 kB, and every 97th in between (image bytes, which the
             * reader skips by LEN and never scans). */
            if (n > 10000 && cut > 12000 && cut < n - 2000 && cut % 97 != 0)
                continue;
            /* The bytes past the cut are poisoned, so that ASan reports any
             * read beyond it. */
            POISON(b + cut, n - cut);
            const char *code = parse_fail(b, cut, 0);
            UNPOISON(b + cut, n - cut);
            if (strcmp(code, "an2k_truncated") != 0)
                fail_msg("%s cut at %zu: %s, want an2k_truncated", nist_files[f], cut, code);
            tried++;
        }
        print_message("%s: %zu truncations refused\n", nist_files[f], tried);
        free(b);
    }
}

static void mut_len_off_by_one(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof(nist_files) / sizeof(nist_files[0]); f++) {
        size_t n;
        uint8_t *b = LOAD_OR_SKIP(nist_files[f], &n);
        struct an2k *t = parse_ok(b, n, 0);
        struct layout l;
        layout_of(t, &l);
        an2k_free(t);
        size_t tried = 0;
        for (size_t r = 0; r < l.n; r++) {
            for (int delta = -1; delta <= 1; delta += 2) {
                uint8_t *c = malloc(n);
                memcpy(c, b, n);
                uint8_t *p = c + l.off[r];
                if (l.type[r] >= 3 && l.type[r] <= 8) {
                    uint32_t v = (uint32_t)l.len[r] + (uint32_t)delta;
                    p[0] = (uint8_t)(v >> 24);
                    p[1] = (uint8_t)(v >> 16);
                    p[2] = (uint8_t)(v >> 8);
                    p[3] = (uint8_t)v;
                } else {
                    char old[24], neu[24];
                    int a = snprintf(old, sizeof(old), "%zu", l.len[r]);
                    int z = snprintf(neu, sizeof(neu), "%zu", (size_t)((long)l.len[r] + delta));
                    if (a != z) {
                        free(c);
                        continue; /* a digit more or less changes the record too */
                    }
                    uint8_t *d = memchr(p, ':', 8);
                    assert_non_null(d);
                    assert_memory_equal(d + 1, old, (size_t)a);
                    memcpy(d + 1, neu, (size_t)z);
                }
                const char *code = parse_fail(c, n, 0);
                if (l.type[r] < 3 || l.type[r] > 8) {
                    bool last = r == l.n - 1;
                    const char *want = delta > 0 && last ? "an2k_truncated" : "an2k_len";
                    if (strcmp(code, want) != 0)
                        fail_msg("%s record %zu LEN%+d: %s, want %s", nist_files[f], r, delta, code, want);
                }
                free(c);
                tried++;
            }
        }
        print_message("%s: %zu LEN changes refused\n", nist_files[f], tried);
        free(b);
    }
}

/* Flips every separator outside image data to each other separator. FS and
 * GS damage is always detectable; in the fully specified Type-1 record RS
 * and US damage is too. Elsewhere an RS<->US swap yields another well-formed
 * transaction (docs/ANSI-NIST.md), so only flips to FS or GS are asserted. */
static void mut_separators(void **state)
{
    (void)state;
    static const uint8_t seps[] = {AN2K_FS, AN2K_GS, AN2K_RS, AN2K_US};
    for (size_t f = 0; f < sizeof(nist_files) / sizeof(nist_files[0]); f++) {
        size_t n;
        uint8_t *b = LOAD_OR_SKIP(nist_files[f], &n);
        struct an2k *t = parse_ok(b, n, 0);
        size_t tried = 0;
        uint8_t *c = malloc(n);
        memcpy(c, b, n);
        for (size_t r = 0; r < t->nrecords; r++) {
            const struct an2k_record *rec = &t->records[r];
            if (rec->binary)
                continue;
            size_t start = (size_t)(rec->bytes - t->buf);
            size_t stop = rec->data ? (size_t)(rec->data - t->buf) : start + rec->len;
            if (rec->data)
                stop -= 0; /* the x.999 tag itself stays in range */
            for (size_t i = start; i < stop || (!rec->data && i < start + rec->len); i++) {
                uint8_t o = b[i];
                if (o < AN2K_FS || o > AN2K_US)
                    continue;
                for (size_t s = 0; s < 4; s++) {
                    uint8_t x = seps[s];
                    if (x == o)
                        continue;
                    bool must = o == AN2K_FS || o == AN2K_GS || x == AN2K_FS || x == AN2K_GS || r == 0;
                    if (!must)
                        continue;
                    c[i] = x;
                    const char *code = parse_fail(c, n, 0);
                    (void)code;
                    c[i] = o;
                    tried++;
                }
            }
        }
        assert_memory_equal(b, c, n);
        print_message("%s: %zu separator flips refused\n", nist_files[f], tried);
        free(c);
        an2k_free(t);
        free(b);
    }
}

/* Removing the FS that ends a tagged record (the rest shifts by one). */
static void mut_missing_fs(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof(nist_files) / sizeof(nist_files[0]); f++) {
        size_t n;
        uint8_t *b = LOAD_OR_SKIP(nist_files[f], &n);
        struct an2k *t = parse_ok(b, n, 0);
        struct layout l;
        layout_of(t, &l);
        an2k_free(t);
        for (size_t r = 0; r < l.n; r++) {
            if (l.type[r] >= 3 && l.type[r] <= 8)
                continue;
            size_t at = l.off[r] + l.len[r] - 1;
            assert_int_equal(b[at], AN2K_FS);
            uint8_t *c = malloc(n - 1);
            memcpy(c, b, at);
            memcpy(c + at, b + at + 1, n - at - 1);
            const char *code = parse_fail(c, n - 1, 0);
            if (strcmp(code, "an2k_len") != 0 && strcmp(code, "an2k_truncated") != 0)
                fail_msg("%s record %zu without FS: %s", nist_files[f], r, code);
            free(c);
        }
        free(b);
    }
}

/* Replaces the first occurrence of `from` (same length as `to`) after
 * offset `after` in a copy of b. */
static uint8_t *patched(const uint8_t *b, size_t n, size_t after, const char *from, const char *to)
{
    size_t k = strlen(from);
    assert_int_equal(k, strlen(to));
    uint8_t *c = malloc(n);
    memcpy(c, b, n);
    for (size_t i = after; i + k <= n; i++) {
        if (memcmp(c + i, from, k) == 0) {
            memcpy(c + i, to, k);
            return c;
        }
    }
    fail_msg("pattern not found");
    return NULL;
}

static void mut_unknown_type_and_cnt(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = LOAD_OR_SKIP("type9-13.an2k", &n);
    /* CNT "13␟00" -> "23␟00": type 23 is reserved, not defined. */
    uint8_t *c = patched(b, n, 0,
        "\x1e"
        "13\x1f"
        "00",
        "\x1e"
        "23\x1f"
        "00");
    assert_string_equal(parse_fail(c, n, 0), "an2k_record_type");
    free(c);
    /* "13" -> "12": defined, but the record that follows says 13. */
    c = patched(b, n, 0,
        "\x1e"
        "13\x1f"
        "00",
        "\x1e"
        "12\x1f"
        "00");
    assert_string_equal(parse_fail(c, n, 0), "an2k_cnt");
    free(c);
    /* The count says 2 where three records are listed. */
    c = patched(b, n, 0,
        "1.003:1\x1f"
        "3",
        "1.003:1\x1f"
        "2");
    assert_string_equal(parse_fail(c, n, 0), "an2k_cnt");
    free(c);
    /* A second Type-1 listed. */
    c = patched(b, n, 0,
        "\x1e"
        "9\x1f"
        "00",
        "\x1e"
        "1\x1f"
        "00");
    assert_string_equal(parse_fail(c, n, 0), "an2k_cnt");
    free(c);
    /* A LEN that is not a number. */
    c = patched(b, n, 0, "13.001:68495", "13.001:68A95");
    assert_string_equal(parse_fail(c, n, 0), "an2k_len");
    free(c);
    c = patched(b, n, 0, "1.001:145", "1.001:1 5");
    assert_string_equal(parse_fail(c, n, 0), "an2k_len");
    free(c);
    /* The Type-1 record's own tag damaged. */
    c = patched(b, n, 0, "1.001:", "1;001:");
    assert_string_equal(parse_fail(c, n, 0), "an2k_tag");
    free(c);
    /* Bytes after the last record CNT lists. */
    uint8_t *d = malloc(n + 3);
    memcpy(d, b, n);
    memcpy(d + n, "1.0", 3);
    assert_string_equal(parse_fail(d, n + 3, 0), "an2k_cnt");
    free(d);
    free(b);

    /* type9.an2k: "9␟00" -> "0␟00" (type 0 is not defined). */
    b = LOAD_OR_SKIP("type9.an2k", &n);
    c = patched(b, n, 0,
        "\x1e"
        "9\x1f"
        "00",
        "\x1e"
        "0\x1f"
        "00");
    assert_string_equal(parse_fail(c, n, 0), "an2k_record_type");
    free(c);
    /* 9.002 IDC not a number. */
    c = patched(b, n, 0, "9.002:00", "9.002:0X");
    assert_string_equal(parse_fail(c, n, 0), "an2k_idc");
    free(c);
    free(b);

    /* type3.an2k: an uncompressed Type-3 whose HLL disagrees with its bytes. */
    b = LOAD_OR_SKIP("type3.an2k", &n);
    c = malloc(n);
    memcpy(c, b, n);
    size_t t3 = 170 + 57; /* Type-1 LEN + Type-2 LEN */
    assert_int_equal(c[t3 + 4], 1);
    c[t3 + 14] ^= 1; /* HLL low byte */
    assert_string_equal(parse_fail(c, n, 0), "an2k_image");
    free(c);
    free(b);
}

/* Builds a tagged record with its LEN computed here (not by the writer):
 * try every length until the digits agree. */
static size_t test_record(uint8_t *out, unsigned type, const char *body)
{
    size_t bl = strlen(body);
    for (size_t len = 1;; len++) {
        char head[32];
        int h = snprintf(head, sizeof(head), "%u.001:%zu\x1d", type, len);
        if ((size_t)h + bl + 1 == len) {
            memcpy(out, head, (size_t)h);
            memcpy(out + h, body, bl);
            out[h + bl] = AN2K_FS;
            return len;
        }
    }
}

static void mut_two_type2(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = test_record(buf, 1,
        "1.002:0502\x1d"
        "1.003:1\x1f"
        "2\x1e"
        "2\x1f"
        "00\x1e"
        "2\x1f"
        "01\x1d"
        "1.004:ENR\x1d"
        "1.005:20250101\x1d"
        "1.007:A\x1d"
        "1.008:B\x1d"
        "1.009:T1\x1d"
        "1.011:00.00\x1d"
        "1.012:00.00");
    size_t one = n;
    n += test_record(buf + n, 2, "2.002:00");
    n += test_record(buf + n, 2, "2.002:01");
    assert_string_equal(parse_fail(buf, n, 0), "an2k_type2_twice");
    /* The same transaction with one Type-2 listed and present is fine, which
     * shows the refusal is about the count, not the helper. */
    uint8_t ok[1024];
    size_t m = test_record(ok, 1,
        "1.002:0502\x1d"
        "1.003:1\x1f"
        "1\x1e"
        "2\x1f"
        "00\x1d"
        "1.004:ENR\x1d"
        "1.005:20250101\x1d"
        "1.007:A\x1d"
        "1.008:B\x1d"
        "1.009:T1\x1d"
        "1.011:00.00\x1d"
        "1.012:00.00");
    m += test_record(ok + m, 2, "2.002:00");
    struct an2k *t = parse_ok(ok, m, AN2K_STRICT);
    assert_int_equal(t->nrecords, 2);
    an2k_free(t);
    (void)one;
    /* Strict reading: fields out of order, a foreign tag. */
    m = test_record(ok, 1,
        "1.002:0502\x1d"
        "1.003:1\x1f"
        "1\x1e"
        "2\x1f"
        "00\x1d"
        "1.004:ENR\x1d"
        "1.005:20250101\x1d"
        "1.007:A\x1d"
        "1.008:B\x1d"
        "1.009:T1\x1d"
        "1.011:00.00\x1d"
        "1.012:00.00");
    m += test_record(ok + m, 2,
        "2.002:00\x1d"
        "2.020:x\x1d"
        "2.010:y");
    t = parse_ok(ok, m, 0);
    an2k_free(t);
    assert_string_equal(parse_fail(ok, m, AN2K_STRICT), "an2k_order");
    /* Non-ASCII text without DCS: refused strictly. */
    m = test_record(ok, 1,
        "1.002:0502\x1d"
        "1.003:1\x1f"
        "1\x1e"
        "2\x1f"
        "00\x1d"
        "1.004:ENR\x1d"
        "1.005:20250101\x1d"
        "1.007:A\x1d"
        "1.008:B\x1d"
        "1.009:T1\x1d"
        "1.011:00.00\x1d"
        "1.012:00.00");
    m += test_record(ok + m, 2,
        "2.002:00\x1d"
        "2.010:\xd0\x90");
    assert_string_equal(parse_fail(ok, m, AN2K_STRICT), "an2k_type1");
    /* A GS damaged into an RS inside Type-2 is caught by the tag check. */
    m = test_record(ok, 1,
        "1.002:0502\x1d"
        "1.003:1\x1f"
        "1\x1e"
        "2\x1f"
        "00\x1d"
        "1.004:ENR\x1d"
        "1.005:20250101\x1d"
        "1.007:A\x1d"
        "1.008:B\x1d"
        "1.009:T1\x1d"
        "1.011:00.00\x1d"
        "1.012:00.00");
    m += test_record(ok + m, 2,
        "2.002:00\x1d"
        "2.010:y\x1e"
        "2.011:z");
    assert_string_equal(parse_fail(ok, m, 0), "an2k_separator");
}

/* Each Type-1 rule broken on its own, in an otherwise valid transaction. */
static void type1_rules(void **state)
{
    (void)state;
    static const struct {
        const char *fields; /* Type-1 fields after CNT */
        bool ok;
    } cases[] = {
        {"1.004:ENR\x1d"
         "1.005:20250101\x1d"
         "1.007:A\x1d"
         "1.008:B\x1d"
         "1.009:T1\x1d"
         "1.011:00.00\x1d"
         "1.012:00.00\x1d"
         "1.014:20250101120000Z",
            true},
        /* TCN missing */
        {"1.004:ENR\x1d"
         "1.005:20250101\x1d"
         "1.007:A\x1d"
         "1.008:B\x1d"
         "1.011:00.00\x1d"
         "1.012:00.00",
            false},
        /* DAT not 8 digits */
        {"1.004:ENR\x1d"
         "1.005:2025011\x1d"
         "1.007:A\x1d"
         "1.008:B\x1d"
         "1.009:T1\x1d"
         "1.011:00.00\x1d"
         "1.012:00.00",
            false},
        /* NSR not NN.NN */
        {"1.004:ENR\x1d"
         "1.005:20250101\x1d"
         "1.007:A\x1d"
         "1.008:B\x1d"
         "1.009:T1\x1d"
         "1.011:0.00\x1d"
         "1.012:00.00",
            false},
        /* GMT without Z */
        {"1.004:ENR\x1d"
         "1.005:20250101\x1d"
         "1.007:A\x1d"
         "1.008:B\x1d"
         "1.009:T1\x1d"
         "1.011:00.00\x1d"
         "1.012:00.00\x1d"
         "1.014:20250101120000",
            false},
        /* TOT empty */
        {"1.004:\x1d"
         "1.005:20250101\x1d"
         "1.007:A\x1d"
         "1.008:B\x1d"
         "1.009:T1\x1d"
         "1.011:00.00\x1d"
         "1.012:00.00",
            false},
        /* ORI with two items */
        {"1.004:ENR\x1d"
         "1.005:20250101\x1d"
         "1.007:A\x1d"
         "1.008:B\x1f"
         "C\x1d"
         "1.009:T1\x1d"
         "1.011:00.00\x1d"
         "1.012:00.00",
            false},
        /* DCS index not a number */
        {"1.004:ENR\x1d"
         "1.005:20250101\x1d"
         "1.007:A\x1d"
         "1.008:B\x1d"
         "1.009:T1\x1d"
         "1.011:00.00\x1d"
         "1.012:00.00\x1d"
         "1.015:U\x1f"
         "UTF-8",
            false},
        /* 8-bit byte in Type-1 */
        {"1.004:ENR\x1d"
         "1.005:20250101\x1d"
         "1.007:\xc3\xa9\x1d"
         "1.008:B\x1d"
         "1.009:T1\x1d"
         "1.011:00.00\x1d"
         "1.012:00.00",
            false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[512];
        snprintf(body, sizeof(body),
            "1.002:0502\x1d"
            "1.003:1\x1f"
            "1\x1e"
            "2\x1f"
            "00\x1d%s",
            cases[i].fields);
        uint8_t buf[1024];
        size_t n = test_record(buf, 1, body);
        n += test_record(buf + n, 2, "2.002:00");
        if (cases[i].ok) {
            an2k_free(parse_ok(buf, n, AN2K_STRICT));
        } else {
            const char *code = parse_fail(buf, n, 0);
            if (strcmp(code, "an2k_type1") != 0)
                fail_msg("case %zu: %s, want an2k_type1", i, code);
        }
    }
}

/* Types the kiosk never writes, read through the same code: a Type-17 iris
 * image, a Type-20 source representation and a Type-99 CBEFF record (tagged,
 * interpreted only as fields), binary Type-7 and Type-6 (1-bit), each
 * located by LEN alone. */
static void other_record_types(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t n = test_record(buf, 1,
        "1.002:0502\x1d"
        "1.003:1\x1f"
        "6\x1e"
        "2\x1f"
        "00\x1e"
        "17\x1f"
        "01\x1e"
        "20\x1f"
        "02\x1e"
        "7\x1f"
        "03\x1e"
        "6\x1f"
        "04\x1e"
        "99\x1f"
        "05\x1d"
        "1.004:ENR\x1d"
        "1.005:20250101\x1d"
        "1.007:A\x1d"
        "1.008:B\x1d"
        "1.009:T1\x1d"
        "1.011:19.69\x1d"
        "1.012:19.69");
    n += test_record(buf + n, 2, "2.002:00");
    /* Type-17: 4 x 2 grey iris at 400 ppi; the image bytes include separators. */
    n += test_record(buf + n, 17,
        "17.002:01\x1d"
        "17.003:1\x1d"
        "17.004:SRC\x1d"
        "17.005:20250101\x1d"
        "17.006:4\x1d"
        "17.007:2\x1d"
        "17.008:1\x1d"
        "17.009:400\x1d"
        "17.010:400\x1d"
        "17.011:NONE\x1d"
        "17.012:8\x1d"
        "17.999:\x1c\x1d\x1e\x1f"
        "abcd");
    n += test_record(buf + n, 20,
        "20.002:02\x1d"
        "20.021:1\x1d"
        "20.999:\x1c\x1c");
    /* Type-7: LEN, IDC, 3 bytes of user data. */
    static const uint8_t t7[8] = {0, 0, 0, 8, 3, 'x', 0x1c, 'y'};
    memcpy(buf + n, t7, sizeof(t7));
    n += sizeof(t7);
    /* Type-6: 16 x 2 binary image, uncompressed: 2 bytes a row. */
    static const uint8_t t6[22] = {
        0, 0, 0, 22, 4, 1, 7, 255, 255, 255, 255, 255, 1, 0, 16, 0, 2, 0, 0xAA, 0x55, 0x1C, 0x1D};
    memcpy(buf + n, t6, sizeof(t6));
    n += sizeof(t6);
    n += test_record(buf + n, 99,
        "99.002:05\x1d"
        "99.100:1\x1d"
        "99.999:\x01\x02");
    struct an2k *t = parse_ok(buf, n, AN2K_STRICT);
    assert_int_equal(t->nrecords, 7);
    struct an2k_image_info ii;
    err_t e = {0};
    assert_int_equal(an2k_image_info(t, 2, &ii, &e), 0);
    assert_int_equal(ii.type, 17);
    assert_int_equal(ii.width, 4);
    assert_int_equal(ii.xres100, 40000);
    assert_int_equal(ii.impression, -1);
    assert_int_equal(ii.len, 8);
    assert_memory_equal(ii.data,
        "\x1c\x1d\x1e\x1f"
        "abcd",
        8);
    assert_int_equal(t->records[3].type, 20);
    assert_item(&t->records[3], 21, 0, 0, "1");
    assert_int_equal(t->records[3].data_len, 2);
    assert_int_equal(an2k_image_info(t, 3, &ii, &e), -ENOENT);
    assert_true(t->records[4].binary);
    assert_int_equal(t->records[4].data_len, 3);
    assert_int_equal(an2k_image_info(t, 5, &ii, &e), 0);
    assert_int_equal(ii.bpp, 1);
    assert_int_equal(ii.xres100, 1969); /* ISR 1: NSR */
    assert_int_equal(ii.positions[0], 7);
    assert_int_equal(t->records[6].type, 99);
    size_t t6at = (size_t)(t->records[5].bytes - buf);
    an2k_free(t);
    /* The Type-6 claiming 3 rows where its bytes hold 2. */
    buf[t6at + 16] = 3;
    assert_string_equal(parse_fail(buf, n, 0), "an2k_image");
}

/* ------------------------------------------------------------- writer */

/* A minimal PNG header (signature + IHDR) plus filler: the writer checks
 * the header, never decodes. */
static uint8_t *png(uint32_t w, uint32_t h, uint8_t colour, size_t size)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    uint8_t *p = calloc(1, size);
    memcpy(p, sig, 8);
    const uint8_t ihdr[8] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    memcpy(p + 8, ihdr, 8);
    for (int i = 0; i < 4; i++) {
        p[16 + i] = (uint8_t)(w >> (24 - 8 * i));
        p[20 + i] = (uint8_t)(h >> (24 - 8 * i));
    }
    p[24] = 8;
    p[25] = colour;
    for (size_t i = 33; i < size; i++)
        p[i] = (uint8_t)(i * 131 + 7); /* includes bytes equal to FS/GS/RS/US */
    return p;
}

struct fixture {
    struct an2k_slap slaps[3];
    struct an2k_palm palms[2];
    struct an2k_face face;
    struct an2k_pen pens[5];
    struct an2k_signature sig;
    struct an2k_transaction t;
};

static void fixture_init(struct fixture *x)
{
    memset(x, 0, sizeof(*x));
    static const uint8_t fgp[3] = {13, 14, 15};
    for (int i = 0; i < 3; i++) {
        struct an2k_slap *s = &x->slaps[i];
        uint32_t w = i < 2 ? 800 : 400, h = 600;
        s->fgp = fgp[i];
        s->image = (struct an2k_image){png(w, h, 0, 3000 + 100 * (size_t)i), 3000 + 100 * (size_t)i, w, h, 500, false};
        int nf = i < 2 ? 4 : 2;
        for (int k = 0; k < nf; k++) {
            uint8_t f = i == 0 ? (uint8_t)(2 + k) : i == 1 ? (uint8_t)(7 + k) : (k ? 6 : 1);
            s->seg[k] =
                (struct an2k_seg){f, (uint32_t)(k * (int)w / nf + 5), (uint32_t)((k + 1) * (int)w / nf - 5), 50, 550};
            s->quality[k] = (struct an2k_quality){f, (uint8_t)(40 + k), 0x00FF, 7};
        }
        s->nseg = s->nquality = (size_t)nf;
    }
    /* Right little finger amputated, left ring unable to print. */
    x->slaps[0].nseg = 3;
    x->slaps[0].nquality = 3;
    x->slaps[0].missing[0] = (struct an2k_missing){5, false};
    x->slaps[0].nmissing = 1;
    x->slaps[1].seg[2] = x->slaps[1].seg[3];
    x->slaps[1].quality[2] = x->slaps[1].quality[3];
    x->slaps[1].nseg = 3;
    x->slaps[1].nquality = 3;
    x->slaps[1].missing[0] = (struct an2k_missing){9, true};
    x->slaps[1].nmissing = 1;
    x->palms[0] = (struct an2k_palm){.fgp = 21,
        .image = {png(1000, 1200, 0, 5000), 5000, 1000, 1200, 500, false},
        .quality = {{21, 77, 0xABCD, 2}},
        .nquality = 1};
    x->palms[1] = (struct an2k_palm){.fgp = 23, .image = {png(1000, 1200, 0, 5100), 5100, 1000, 1200, 500, false}};
    x->face = (struct an2k_face){.image = {png(480, 600, 2, 4000), 4000, 480, 600, 300, false},
        .sap = 30,
        .has_eyes = true,
        .left_eye_x = 280,
        .left_eye_y = 250,
        .right_eye_x = 200,
        .right_eye_y = 252};
    x->pens[0] = (struct an2k_pen){100, 200, 0};
    x->pens[1] = (struct an2k_pen){150, 220, 90};
    x->pens[2] = (struct an2k_pen){300, 180, 254};
    x->pens[3] = (struct an2k_pen){310, 170, 0};
    x->pens[4] = (struct an2k_pen){65535, 65535, 1};
    x->sig = (struct an2k_signature){x->pens, 5};
    x->t = (struct an2k_transaction){.tcn = "E2025-000123",
        .tot = "ENR",
        .dai = "AFIS",
        .ori = "KIOSK01",
        .when = 1764843000, /* 2025-12-04 10:10:00 UTC */
        .person = {"Эргашев", "Бахтиёр", "ERGASHEV", "BAKHTIYOR", "19950400", 'M', "UZB", "P", "UZB", "FA1234567",
            "20300101"},
        .slaps = x->slaps,
        .nslaps = 3,
        .palms = x->palms,
        .npalms = 2,
        .face = &x->face,
        .signature = &x->sig};
}

static void fixture_free(struct fixture *x)
{
    for (int i = 0; i < 3; i++)
        free((void *)x->slaps[i].image.data);
    for (int i = 0; i < 2; i++)
        free((void *)x->palms[i].image.data);
    free((void *)x->face.image.data);
}

static uint8_t *write_ok(const struct an2k_transaction *t, size_t *ret_len)
{
    uint8_t *out = NULL;
    err_t e = {0};
    int rc = an2k_write(t, &out, ret_len, &e);
    if (rc != 0)
        fail_msg("an2k_write: %d %s %s", rc, e.code, e.msg);
    return out;
}

static void write_fail(const struct an2k_transaction *t, int want_rc, const char *want_code)
{
    uint8_t *out = NULL;
    size_t len = 0;
    err_t e = {0};
    int rc = an2k_write(t, &out, &len, &e);
    if (rc != want_rc)
        fail_msg("an2k_write: %d (%s %s), want %d %s", rc, e.code, e.msg, want_rc, want_code);
    assert_string_equal(e.code, want_code);
    assert_null(out);
}

/* The digits after "T.001:" at p, as a number. */
static size_t len_digits(const uint8_t *p)
{
    size_t i = 0, v = 0;
    while (i < 8 && p[i] != ':')
        i++;
    for (i++; p[i] >= '0' && p[i] <= '9'; i++)
        v = v * 10 + (size_t)(p[i] - '0');
    return v;
}

/* LEN arithmetic across digit boundaries, checked without the reader: the
 * Type-1 LEN must be where "2.001:" begins, the Type-2 LEN where the next
 * record begins, the last record's LEN the rest of the buffer. Names move the
 * Type-2 across 99 -> 100; the face image moves the Type-10 across
 * 999 -> 1000 and 9999 -> 10000. */
static void writer_len_arithmetic(void **state)
{
    (void)state;
    struct fixture x;
    fixture_init(&x);
    struct an2k_transaction t = x.t;
    t.nslaps = t.npalms = 0;
    t.face = NULL;
    t.signature = NULL;
    t.person.doc_number = "F1";
    t.person.citizenship = "D";
    t.person.given_names = "";
    t.person.given_latin = "";
    char name[LIMIT_NAME_BYTES + 1];
    uint8_t *img = png(480, 600, 2, 12000);
    struct an2k_face face = x.face;
    face.image.data = img;
    size_t crossings = 0, prev2 = 0, prev10 = 0;
    for (size_t k = 1; k < LIMIT_NAME_BYTES + 2200; k++) {
        size_t nk = k < LIMIT_NAME_BYTES ? k : 1;
        memset(name, 'A', nk);
        name[nk] = '\0';
        t.person.surname = name;
        t.person.surname_latin = name;
        t.face = NULL;
        if (k >= LIMIT_NAME_BYTES) {
            /* image sizes 700..1299 and 9700..10299 */
            size_t j = k - LIMIT_NAME_BYTES;
            face.image.len = j < 600 ? 700 + j : j < 1200 ? 9100 + j : 0;
            if (!face.image.len)
                break;
            t.face = &face;
        }
        size_t n;
        uint8_t *b = write_ok(&t, &n);
        size_t l1 = len_digits(b);
        assert_true(l1 < n);
        assert_memory_equal(b + l1, "2.001:", 6);
        assert_int_equal(b[l1 - 1], AN2K_FS);
        size_t l2 = len_digits(b + l1);
        assert_int_equal(b[l1 + l2 - 1], AN2K_FS);
        char d[24];
        size_t digits = (size_t)snprintf(d, sizeof(d), "%zu", l2);
        if (prev2 && digits != prev2 && !t.face)
            crossings++;
        prev2 = digits;
        if (t.face) {
            assert_memory_equal(b + l1 + l2, "10.001:", 7);
            size_t l10 = len_digits(b + l1 + l2);
            assert_int_equal(l1 + l2 + l10, n);
            digits = (size_t)snprintf(d, sizeof(d), "%zu", l10);
            if (prev10 && digits != prev10)
                crossings++;
            prev10 = digits;
        } else {
            assert_int_equal(l1 + l2, n);
        }
        assert_int_equal(b[n - 1], AN2K_FS);
        struct an2k *p = parse_ok(b, n, AN2K_STRICT);
        an2k_free(p);
        free(b);
    }
    assert_int_equal(crossings, 3); /* 99->100, 999->1000, 9999->10000 */
    free(img);
    fixture_free(&x);
}

/* CNT: the count, each record's type and IDC in file order. */
static void writer_cnt(void **state)
{
    (void)state;
    struct fixture x;
    fixture_init(&x);
    size_t n;
    uint8_t *b = write_ok(&x.t, &n);
    struct an2k *t = parse_ok(b, n, AN2K_STRICT);
    static const unsigned types[] = {1, 2, 14, 14, 14, 15, 15, 10, 8};
    assert_int_equal(t->nrecords, 9);
    const struct an2k_field *cnt = an2k_field_get(&t->records[0], 3);
    assert_int_equal(an2k_field_subfields(cnt), 9);
    assert_item(&t->records[0], 3, 0, 0, "1");
    assert_item(&t->records[0], 3, 0, 1, "8");
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(t->records[i].type, types[i]);
        if (i > 0) {
            char idc[4];
            snprintf(idc, sizeof(idc), "%02zu", i - 1);
            assert_item(&t->records[0], 3, i, 1, idc);
            assert_int_equal(t->records[i].idc, i - 1);
        }
    }
    /* Records tile the buffer exactly. */
    size_t pos = 0;
    for (size_t i = 0; i < t->nrecords; i++) {
        assert_ptr_equal(t->records[i].bytes, b + pos);
        pos += t->records[i].len;
    }
    assert_int_equal(pos, n);
    an2k_free(t);
    free(b);
    fixture_free(&x);
}

static void writer_round_trip(void **state)
{
    (void)state;
    struct fixture x;
    fixture_init(&x);
    size_t n;
    uint8_t *b = write_ok(&x.t, &n);
    struct an2k *t = parse_ok(b, n, AN2K_STRICT);
    const struct an2k_record *r1 = &t->records[0];
    assert_item(r1, 2, 0, 0, "0502");
    assert_item(r1, 4, 0, 0, "ENR");
    assert_item(r1, 5, 0, 0, "20251204");
    assert_item(r1, 7, 0, 0, "AFIS");
    assert_item(r1, 8, 0, 0, "KIOSK01");
    assert_item(r1, 9, 0, 0, "E2025-000123");
    assert_item(r1, 11, 0, 0, "00.00");
    assert_item(r1, 13, 0, 0, "UCHET");
    assert_item(r1, 14, 0, 0, "20251204101000Z");
    assert_item(r1, 15, 0, 0, "3");
    assert_item(r1, 15, 0, 1, "UTF-8");

    const struct an2k_record *r2 = &t->records[1];
    assert_item(r2, 10, 0, 0, "Эргашев");
    assert_item(r2, 10, 0, 1, "Бахтиёр");
    assert_item(r2, 11, 0, 0, "ERGASHEV");
    assert_item(r2, 11, 0, 1, "BAKHTIYOR");
    assert_item(r2, 12, 0, 0, "19950400");
    assert_item(r2, 13, 0, 0, "M");
    assert_item(r2, 14, 0, 0, "UZB");
    assert_item(r2, 15, 0, 0, "P");
    assert_item(r2, 15, 0, 1, "UZB");
    assert_item(r2, 15, 0, 2, "FA1234567");
    assert_item(r2, 15, 0, 3, "20300101");

    for (int s = 0; s < 3; s++) {
        const struct an2k_record *r = &t->records[2 + s];
        const struct an2k_slap *in = &x.slaps[s];
        struct an2k_image_info ii;
        err_t e = {0};
        assert_int_equal(an2k_image_info(t, 2 + (size_t)s, &ii, &e), 0);
        assert_string_equal(ii.compression, "PNG");
        assert_int_equal(ii.width, in->image.width);
        assert_int_equal(ii.height, in->image.height);
        assert_int_equal(ii.unit, AN2K_RES_PPI);
        assert_int_equal(ii.xres100, 50000);
        assert_int_equal(ii.bpp, 8);
        assert_int_equal(ii.impression, 0);
        assert_int_equal(ii.npositions, 1);
        assert_int_equal(ii.positions[0], in->fgp);
        assert_int_equal(ii.len, in->image.len);
        assert_memory_equal(ii.data, in->image.data, in->image.len);
        const struct an2k_field *seg = an2k_field_get(r, 21);
        assert_int_equal(an2k_field_subfields(seg), in->nseg);
        for (size_t k = 0; k < in->nseg; k++) {
            char v[16];
            snprintf(v, sizeof(v), "%u", in->seg[k].fgp);
            assert_item(r, 21, k, 0, v);
            snprintf(v, sizeof(v), "%u", in->seg[k].left);
            assert_item(r, 21, k, 1, v);
            snprintf(v, sizeof(v), "%u", in->seg[k].right);
            assert_item(r, 21, k, 2, v);
            snprintf(v, sizeof(v), "%u", in->seg[k].top);
            assert_item(r, 21, k, 3, v);
            snprintf(v, sizeof(v), "%u", in->seg[k].bottom);
            assert_item(r, 21, k, 4, v);
            snprintf(v, sizeof(v), "%u", in->quality[k].score);
            assert_item(r, 24, k, 1, v);
            assert_item(r, 24, k, 2, "00FF");
            assert_item(r, 24, k, 3, "7");
        }
        if (in->nmissing) {
            char v[8];
            snprintf(v, sizeof(v), "%u", in->missing[0].fgp);
            assert_item(r, 18, 0, 0, v);
            assert_item(r, 18, 0, 1, in->missing[0].unable_to_print ? "UP" : "XX");
        } else {
            assert_null(an2k_field_get(r, 18));
        }
    }
    const struct an2k_record *p0 = &t->records[5];
    assert_item(p0, 3, 0, 0, "10");
    assert_item(p0, 13, 0, 0, "21");
    assert_item(p0, 24, 0, 0, "21");
    assert_item(p0, 24, 0, 1, "77");
    assert_item(p0, 24, 0, 2, "ABCD");
    assert_null(an2k_field_get(&t->records[6], 24));

    const struct an2k_record *f = &t->records[7];
    assert_item(f, 3, 0, 0, "FACE");
    assert_item(f, 12, 0, 0, "SRGB");
    assert_item(f, 13, 0, 0, "30");
    assert_item(f, 20, 0, 0, "F");
    assert_item(f, 29, 0, 1, "12.1");
    assert_item(f, 29, 0, 2, "280");
    assert_item(f, 29, 0, 3, "250");
    assert_item(f, 29, 1, 1, "12.2");
    assert_item(f, 29, 1, 2, "200");
    struct an2k_image_info ii;
    err_t e = {0};
    assert_int_equal(an2k_image_info(t, 7, &ii, &e), 0);
    assert_int_equal(ii.bpp, 24);
    assert_memory_equal(ii.data, x.face.image.data, x.face.image.len);

    const struct an2k_record *sg = &t->records[8];
    assert_true(sg->binary);
    assert_int_equal(sg->bin.srt, 2);
    assert_int_equal(sg->bin.sig, 0);
    assert_int_equal(sg->bin.hll, 0);
    assert_int_equal(sg->data_len, 5 * 6);
    for (size_t i = 0; i < 5; i++) {
        const uint8_t *v = sg->data + 5 * i;
        assert_int_equal((v[0] << 8) | v[1], x.pens[i].x);
        assert_int_equal((v[2] << 8) | v[3], x.pens[i].y);
        assert_int_equal(v[4], x.pens[i].pressure);
    }
    assert_int_equal(sg->data[29], 255);

    an2k_free(t);
    free(b);

    /* Without the optional parts: Type-1 and Type-2 only. */
    struct an2k_transaction small = x.t;
    small.nslaps = small.npalms = 0;
    small.face = NULL;
    small.signature = NULL;
    small.person.given_names = "";
    small.person.given_latin = NULL;
    b = write_ok(&small, &n);
    t = parse_ok(b, n, AN2K_STRICT);
    assert_int_equal(t->nrecords, 2);
    assert_item(&t->records[1], 10, 0, 1, "");
    size_t i;
    assert_int_equal(an2k_first_image(t, &i, &e), -ENOENT);
    an2k_free(t);
    free(b);
    fixture_free(&x);
}

/* Every input rule, each broken on its own. */
static void writer_rejects(void **state)
{
    (void)state;
    struct fixture x;
    fixture_init(&x);
    struct fixture y;
#define BREAK(...)                                                                                                     \
    do {                                                                                                               \
        y = x;                                                                                                         \
        y.t.slaps = y.slaps;                                                                                           \
        y.t.palms = y.palms;                                                                                           \
        y.t.face = &y.face;                                                                                            \
        y.t.signature = &y.sig;                                                                                        \
        y.sig.points = y.pens;                                                                                         \
        __VA_ARGS__;                                                                                                   \
        write_fail(&y.t, -EINVAL, "an2k_input");                                                                       \
    } while (0)

    /* The fixture itself is accepted. */
    size_t n;
    free(write_ok(&x.t, &n));

    BREAK(y.t.tcn = "");
    BREAK(y.t.tcn = "E1\x1d"
                    "2");
    BREAK(y.t.tcn = "E 1");
    BREAK(y.t.tot = "enr");
    BREAK(y.t.dai = NULL);
    BREAK(y.t.ori = "KIOSK/1");
    BREAK(y.t.when = -1);
    BREAK(y.t.when = (time_t)253402300800LL); /* year 10000: DAT would not be 8 digits */
    BREAK(y.t.person.surname = "");
    BREAK(y.t.person.surname = "Bad\x1f"
                               "Name");
    BREAK(y.t.person.surname = "\xd0");           /* cut UTF-8 */
    BREAK(y.t.person.surname = "\xc0\xaf");       /* overlong */
    BREAK(y.t.person.surname_latin = "Ergashev"); /* lower case */
    BREAK(y.t.person.surname_latin = "ЕRGASHEV");
    BREAK(y.t.person.birth_date = "1995041");
    BREAK(y.t.person.birth_date = "19950230");
    BREAK(y.t.person.birth_date = "19951301");
    BREAK(y.t.person.birth_date = "19950010"); /* unknown month, known day */
    BREAK(y.t.person.sex = 'Q');
    BREAK(y.t.person.citizenship = "UZBK");
    BREAK(y.t.person.doc_code = "");
    BREAK(y.t.person.doc_number = "FA 123");
    BREAK(y.t.person.doc_expiry = "20300100"); /* expiry must be a whole date */
    BREAK(y.slaps[0].fgp = 12);
    BREAK(y.slaps[1].fgp = 13); /* two slaps 13 */
    BREAK(y.slaps[0].image.ppi = 300);
    BREAK(y.slaps[0].image.width = 801); /* PNG header says 800 */
    BREAK(y.slaps[0].image.len = 20);    /* shorter than a PNG header */
    BREAK(y.slaps[0].image.data = x.face.image.data; y.slaps[0].image.width = 480; y.slaps[0].image.height = 600;
          y.slaps[0].image.len = x.face.image.len); /* RGB slap */
    BREAK(y.slaps[0].seg[0].right = 800);           /* outside the image */
    BREAK(y.slaps[0].seg[0].left = y.slaps[0].seg[0].right);
    BREAK(y.slaps[0].seg[1].fgp = 2);     /* the same finger twice */
    BREAK(y.slaps[0].seg[0].fgp = 7);     /* a left finger in the right slap */
    BREAK(y.slaps[0].missing[0].fgp = 2); /* boxed and missing */
    BREAK(y.slaps[0].nmissing = 0);       /* finger 5 unaccounted */
    BREAK(y.slaps[2].nseg = 0; y.slaps[2].nquality = 0; y.slaps[2].missing[0] = (struct an2k_missing){1, false};
          y.slaps[2].missing[1] = (struct an2k_missing){6, false};
          y.slaps[2].nmissing = 2);       /* a slap with no finger at all */
    BREAK(y.slaps[0].quality[0].fgp = 5); /* scores the missing finger */
    BREAK(y.slaps[0].quality[0].score = 101);
    BREAK(y.slaps[0].quality[0].product = 0);
    BREAK(y.palms[0].fgp = 15);
    BREAK(y.palms[1].fgp = 21);
    BREAK(y.palms[0].quality[0].fgp = 23);
    BREAK(y.face.sap = 31);
    BREAK(y.face.image.height = 601); /* PNG says 600 */
    BREAK(y.face.right_eye_x = 480);
    BREAK(y.face.image.data = x.palms[0].image.data; y.face.image.len = x.palms[0].image.len; y.face.image.width = 1000;
          y.face.image.height = 1200); /* SAP 30 needs 4:5 */
    BREAK(y.face.sap = 40);            /* 480 x 600 is too small for 40 */
    BREAK(y.pens[2].pressure = 255);
    BREAK(y.sig.npoints = 0);
    BREAK(y.t.nslaps = 4);
#undef BREAK

    /* Limits: an image claimed larger than the limit is refused before it
     * is read. */
    struct fixture z = x;
    z.t.slaps = z.slaps;
    z.slaps[0].image.len = (size_t)LIMIT_AN2K_IMAGE_BYTES + 1;
    write_fail(&z.t, -ERANGE, "an2k_limit");
    fixture_free(&x);
}

/* Grey 8-bit face, and lossless JPEG 2000 accepted by signature. */
static void writer_variants(void **state)
{
    (void)state;
    struct fixture x;
    fixture_init(&x);
    uint8_t *grey = png(480, 600, 0, 900);
    /* A JP2 file's boxes: signature, ftyp, jp2h { ihdr 1200 x 1000, one
     * component, 8 bits }, then a stub codestream box. */
    static const uint8_t jp2[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A, 0, 0, 0, 0x14, 'f', 't',
        'y', 'p', 'j', 'p', '2', ' ', 0, 0, 0, 0, 'j', 'p', '2', ' ', 0, 0, 0, 0x1E, 'j', 'p', '2', 'h', 0, 0, 0, 0x16,
        'i', 'h', 'd', 'r', 0, 0, 0x04, 0xB0, 0, 0, 0x03, 0xE8, 0, 1, 7, 7, 0, 0, 0, 0, 0, 0x0A, 'j', 'p', '2', 'c',
        0xFF, 0x4F};
    /* A bare codestream: SOC, SIZ with Xsiz 1010 - XOsiz 10 = 1000, Ysiz 1200,
     * one 8-bit component. */
    static const uint8_t j2c[] = {0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0, 0, 0, 0x03, 0xF2, 0, 0, 0x04, 0xB0, 0, 0, 0, 10,
        0, 0, 0, 0, 0, 0, 0x03, 0xF2, 0, 0, 0x04, 0xB0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 7, 1, 1};
    struct an2k_transaction t = x.t;
    struct an2k_face f = x.face;
    f.image.data = grey;
    f.image.len = 900;
    f.has_eyes = false;
    t.face = &f;
    struct an2k_palm p = x.palms[0];
    p.image = (struct an2k_image){jp2, sizeof(jp2), 1000, 1200, 1000, true};
    t.palms = &p;
    t.npalms = 1;
    size_t n;
    uint8_t *b = write_ok(&t, &n);
    struct an2k *a = parse_ok(b, n, AN2K_STRICT);
    size_t i;
    err_t e = {0};
    assert_int_equal(an2k_find(a, 10, 0, &i, &e), 0);
    assert_item(&a->records[i], 12, 0, 0, "GRAY");
    assert_null(an2k_field_get(&a->records[i], 29));
    assert_int_equal(an2k_find(a, 15, 0, &i, &e), 0);
    assert_item(&a->records[i], 11, 0, 0, "JP2L");
    assert_item(&a->records[i], 9, 0, 0, "1000");
    an2k_free(a);
    free(b);
    p.image = (struct an2k_image){j2c, sizeof(j2c), 1000, 1200, 1000, true};
    b = write_ok(&t, &n);
    free(b);
    /* Sizes that differ from the headers, a colour palm, a cut header. */
    p.image = (struct an2k_image){jp2, sizeof(jp2), 1001, 1200, 1000, true};
    write_fail(&t, -EINVAL, "an2k_input");
    p.image = (struct an2k_image){j2c, sizeof(j2c), 1000, 1199, 1000, true};
    write_fail(&t, -EINVAL, "an2k_input");
    uint8_t rgb[sizeof(j2c)];
    memcpy(rgb, j2c, sizeof(j2c));
    rgb[41] = 3;
    p.image = (struct an2k_image){rgb, sizeof(rgb), 1000, 1200, 1000, true};
    write_fail(&t, -EINVAL, "an2k_input");
    p.image = (struct an2k_image){jp2, 50, 1000, 1200, 1000, true};
    write_fail(&t, -EINVAL, "an2k_input");
    free(grey);
    fixture_free(&x);
}

/* Round trip, then damage the writer's own output: every truncation and
 * every separator of its text parts. */
static void writer_output_mutations(void **state)
{
    (void)state;
    struct fixture x;
    fixture_init(&x);
    size_t n;
    uint8_t *b = write_ok(&x.t, &n);
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        memcpy(c, b, cut);
        assert_string_equal(parse_fail(c, cut, AN2K_STRICT), "an2k_truncated");
        free(c);
    }
    struct an2k *t = parse_ok(b, n, AN2K_STRICT);
    uint8_t *c = malloc(n);
    memcpy(c, b, n);
    size_t tried = 0;
    for (size_t r = 0; r < t->nrecords; r++) {
        const struct an2k_record *rec = &t->records[r];
        if (rec->binary)
            continue;
        size_t start = (size_t)(rec->bytes - b);
        size_t stop = rec->data ? (size_t)(rec->data - b) : start + rec->len;
        for (size_t i = start; i < stop; i++) {
            if (b[i] != AN2K_GS && b[i] != AN2K_FS)
                continue;
            for (uint8_t s = AN2K_FS; s <= AN2K_US; s++) {
                if (s == b[i])
                    continue;
                c[i] = s;
                parse_fail(c, n, 0);
                c[i] = b[i];
                tried++;
            }
        }
    }
    assert_true(tried > 100);
    free(c);
    an2k_free(t);
    free(b);
    fixture_free(&x);
}

struct collect {
    uint8_t *p;
    size_t len, calls, big;
    int fail_at; /* call number that fails, 0 = never */
};

static int collect_sink(void *ctx, const uint8_t *p, size_t n)
{
    struct collect *c = ctx;
    c->calls++;
    if (c->fail_at && (int)c->calls == c->fail_at)
        return -EIO;
    uint8_t *np = realloc(c->p, c->len + n);
    assert_non_null(np);
    memcpy(np + c->len, p, n);
    c->p = np;
    c->len += n;
    if (n > c->big)
        c->big = n;
    return 0;
}

/* The stream writer gives the very bytes of the buffer writer; a failing
 * sink stops it with the sink's code; bad input never reaches the sink. */
/* The document page as Type-20 (source representation): last, after the
 * signature; the reader finds its image, its comment and its aspect-ratio
 * scale; a JPEG 2000 page or a comment with a control character is refused. */
static void writer_source(void **state)
{
    (void)state;
    struct fixture x;
    fixture_init(&x);
    uint8_t *page = png(1240, 880, 2, 6000);
    struct an2k_source src = {.image = {page, 6000, 1240, 880, 0, false}, .comment = "camera, not a certified scanner"};
    struct an2k_transaction t = x.t;
    t.source = &src;
    size_t n;
    uint8_t *b = write_ok(&t, &n);
    struct an2k *p = NULL;
    err_t e = {0};
    assert_int_equal(an2k_parse(b, n, AN2K_STRICT, &p, &e), 0);
    assert_int_equal(p->records[p->nrecords - 1].type, 20);
    size_t idx;
    assert_int_equal(an2k_find(p, 20, 0, &idx, &e), 0);
    struct an2k_image_info ii;
    assert_int_equal(an2k_image_info(p, idx, &ii, &e), 0);
    assert_int_equal(ii.width, 1240);
    assert_int_equal(ii.height, 880);
    assert_int_equal(ii.bpp, 24);
    assert_int_equal(ii.unit, AN2K_RES_NONE);
    assert_string_equal(ii.compression, "PNG");
    assert_int_equal(ii.len, 6000);
    assert_memory_equal(ii.data, page, 6000);
    const struct an2k_field *com = an2k_field_get(&p->records[idx], 20);
    assert_non_null(com);
    assert_int_equal(com->len, strlen(src.comment));
    assert_memory_equal(com->value, src.comment, com->len);
    an2k_free(p);
    free(b);
    src.comment = "two\nlines";
    write_fail(&t, -EINVAL, "an2k_input");
    src.comment = NULL;
    src.image.jp2l = true;
    write_fail(&t, -EINVAL, "an2k_input");
    free(page);
    fixture_free(&x);
}

static void writer_stream(void **state)
{
    (void)state;
    struct fixture x;
    fixture_init(&x);
    size_t n;
    uint8_t *b = write_ok(&x.t, &n);
    struct collect c = {0};
    size_t total = 0;
    err_t e = {0};
    assert_int_equal(an2k_write_stream(&x.t, collect_sink, &c, &total, &e), 0);
    assert_int_equal(total, n);
    assert_int_equal(c.len, n);
    assert_memory_equal(c.p, b, n);
    assert_true(c.calls > 1);
    assert_true(c.big >= x.palms[1].image.len); /* images pass through whole */
    free(c.p);
    struct collect f = {.fail_at = 2};
    assert_int_equal(an2k_write_stream(&x.t, collect_sink, &f, &total, &e), -EIO);
    assert_string_equal(e.code, "an2k_sink");
    free(f.p);
    struct collect g = {0};
    struct an2k_transaction bad = x.t;
    bad.person.sex = 'Q';
    assert_int_equal(an2k_write_stream(&bad, collect_sink, &g, &total, &e), -EINVAL);
    assert_string_equal(e.code, "an2k_input");
    assert_int_equal(g.calls, 0);
    free(b);
    fixture_free(&x);
}

static uint32_t lcg(uint32_t *st)
{
    *st = *st * 1664525u + 1013904223u;
    return *st >> 8;
}

/* Random enrolments (seeded): which slaps, which fingers missing, name and
 * image lengths, palms, face, signature. Each is written, read strictly and
 * compared back; the stream writer gives the same bytes. */
static void writer_random_round_trips(void **state)
{
    (void)state;
    uint32_t st = 20251204;
    static const char cyr[] = "Ж"; /* two bytes */
    uint8_t *pool = png(900, 700, 0, 70000);
    uint8_t *face_png = png(480, 600, 2, 9000);
    for (int iter = 0; iter < 300; iter++) {
        struct fixture x;
        fixture_init(&x);
        struct an2k_slap slaps[3];
        size_t ns = 0;
        for (int i = 0; i < 3; i++) {
            if (lcg(&st) % 4 == 0)
                continue;
            struct an2k_slap s = x.slaps[i];
            const uint8_t *fingers = i == 0   ? (const uint8_t *)"\x02\x03\x04\x05"
                                     : i == 1 ? (const uint8_t *)"\x07\x08\x09\x0a"
                                              : (const uint8_t *)"\x01\x06";
            int nf = i < 2 ? 4 : 2;
            uint32_t w = 900, h = 700;
            s.image = (struct an2k_image){pool, 33 + lcg(&st) % 60000, w, h, 500 + lcg(&st) % 2 * 500, false};
            s.nseg = s.nmissing = s.nquality = 0;
            for (int k = 0; k < nf; k++) {
                bool miss = lcg(&st) % 3 == 0 && !(k == nf - 1 && s.nseg == 0);
                if (miss) {
                    s.missing[s.nmissing++] = (struct an2k_missing){fingers[k], lcg(&st) % 2 == 0};
                } else {
                    uint32_t l = lcg(&st) % 800, tp = lcg(&st) % 600;
                    s.seg[s.nseg] = (struct an2k_seg){
                        fingers[k], l, l + 1 + lcg(&st) % (w - l - 1), tp, tp + 1 + lcg(&st) % (h - tp - 1)};
                    if (lcg(&st) % 2)
                        s.quality[s.nquality++] =
                            (struct an2k_quality){fingers[k], (uint8_t)(lcg(&st) % 101), (uint16_t)lcg(&st), 1};
                    s.nseg++;
                }
            }
            slaps[ns++] = s;
        }
        char sur[LIMIT_NAME_BYTES + 1], lat[LIMIT_NAME_BYTES + 1];
        size_t sl = 1 + lcg(&st) % (LIMIT_NAME_BYTES / 2 - 1), ll = 1 + lcg(&st) % (LIMIT_NAME_BYTES - 1);
        for (size_t k = 0; k < sl; k++)
            memcpy(sur + 2 * k, cyr, 2);
        sur[2 * sl] = '\0';
        for (size_t k = 0; k < ll; k++)
            lat[k] = (char)('A' + lcg(&st) % 26);
        lat[ll] = '\0';
        struct an2k_transaction t = x.t;
        t.person.surname = sur;
        t.person.surname_latin = lat;
        t.slaps = slaps;
        t.nslaps = ns;
        t.npalms = lcg(&st) % 3;
        struct an2k_face f = x.face;
        f.image.data = face_png;
        f.image.len = 33 + lcg(&st) % 8900;
        t.face = lcg(&st) % 2 ? &f : NULL;
        struct an2k_signature sg = x.sig;
        sg.npoints = 1 + lcg(&st) % 5;
        t.signature = lcg(&st) % 2 ? &sg : NULL;

        size_t n;
        uint8_t *b = write_ok(&t, &n);
        struct collect c = {0};
        size_t total;
        err_t e = {0};
        assert_int_equal(an2k_write_stream(&t, collect_sink, &c, &total, &e), 0);
        assert_int_equal(c.len, n);
        assert_memory_equal(c.p, b, n);
        free(c.p);
        struct an2k *a = parse_ok(b, n, AN2K_STRICT);
        size_t want = 2 + ns + t.npalms + (t.face ? 1 : 0) + (t.signature ? 1 : 0);
        assert_int_equal(a->nrecords, want);
        assert_item(&a->records[1], 10, 0, 0, sur);
        assert_item(&a->records[1], 11, 0, 0, lat);
        for (size_t i = 0; i < ns; i++) {
            const struct an2k_record *r = &a->records[2 + i];
            assert_int_equal(r->type, 14);
            assert_int_equal(an2k_field_subfields(an2k_field_get(r, 21)), slaps[i].nseg);
            const struct an2k_field *amp = an2k_field_get(r, 18);
            assert_int_equal(amp ? an2k_field_subfields(amp) : 0, slaps[i].nmissing);
            const struct an2k_field *fqm = an2k_field_get(r, 24);
            assert_int_equal(fqm ? an2k_field_subfields(fqm) : 0, slaps[i].nquality);
            assert_int_equal(r->data_len, slaps[i].image.len);
            assert_memory_equal(r->data, slaps[i].image.data, slaps[i].image.len);
            char v[16];
            snprintf(v, sizeof(v), "%u", slaps[i].image.ppi);
            assert_item(r, 9, 0, 0, v);
        }
        an2k_free(a);
        free(b);
        fixture_free(&x);
    }
    free(pool);
    free(face_png);
}

static void field_items_api(void **state)
{
    (void)state;
    const uint8_t v[] = "a\x1f"
                        "b\x1e"
                        "\x1e"
                        "c";
    struct an2k_field f = {2, 10, v, sizeof(v) - 1};
    assert_int_equal(an2k_field_subfields(&f), 3);
    assert_int_equal(an2k_field_items(&f, 0), 2);
    assert_int_equal(an2k_field_items(&f, 1), 1);
    assert_int_equal(an2k_field_items(&f, 3), 0);
    const uint8_t *p;
    size_t n;
    assert_int_equal(an2k_field_item(&f, 0, 1, &p, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(p[0], 'b');
    assert_int_equal(an2k_field_item(&f, 1, 0, &p, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(an2k_field_item(&f, 2, 0, &p, &n), 0);
    assert_int_equal(p[0], 'c');
    assert_int_equal(an2k_field_item(&f, 0, 2, &p, &n), -ENOENT);
    assert_int_equal(an2k_field_item(&f, 3, 0, &p, &n), -ENOENT);
    assert_true(an2k_position_is_known(2));
    assert_false(an2k_position_is_known(0));
    assert_false(an2k_position_is_known(18));
    assert_false(an2k_position_is_known(20));
    assert_true(an2k_position_is_known(21));
    /* Empty and garbage input. */
    assert_string_equal(parse_fail((const uint8_t *)"", 0, 0), "an2k_truncated");
    assert_string_equal(parse_fail((const uint8_t *)"hello", 5, 0), "an2k_type1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nist_type9_13),
        cmocka_unit_test(nist_type3),
        cmocka_unit_test(nist_type4),
        cmocka_unit_test(nist_type9_no_image),
        cmocka_unit_test(nist_type9_15_palms),
        cmocka_unit_test(nist_type9_efs),
        cmocka_unit_test(mut_truncations),
        cmocka_unit_test(mut_len_off_by_one),
        cmocka_unit_test(mut_separators),
        cmocka_unit_test(mut_missing_fs),
        cmocka_unit_test(mut_unknown_type_and_cnt),
        cmocka_unit_test(mut_two_type2),
        cmocka_unit_test(type1_rules),
        cmocka_unit_test(other_record_types),
        cmocka_unit_test(writer_len_arithmetic),
        cmocka_unit_test(writer_cnt),
        cmocka_unit_test(writer_round_trip),
        cmocka_unit_test(writer_rejects),
        cmocka_unit_test(writer_variants),
        cmocka_unit_test(writer_output_mutations),
        cmocka_unit_test(writer_stream),
        cmocka_unit_test(writer_source),
        cmocka_unit_test(writer_random_round_trips),
        cmocka_unit_test(field_items_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
