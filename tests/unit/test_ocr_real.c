/* The reader on real specimen images (tests/mrz/real, with hand-transcribed
 * ground truth in truth.tsv): every image marked "handled" must be read
 * exactly, and no image may ever be answered valid (the expiry aside) with
 * a misread where a check digit reaches. Accuracy figures are the
 * benchmark's (make bench). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docs/mrz.h"
#include "docs/ocr.h"
#include "checked.h"

#define REAL_DIR UCHET_SOURCE_DIR "/tests/mrz/real"
#define IMAGE_MAX (8u << 20)

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = malloc(IMAGE_MAX);
    size_t n = b ? fread(b, 1, IMAGE_MAX, f) : 0;
    fclose(f);
    *len = n;
    return b;
}

static void test_real_images(void **state)
{
    (void)state;
    FILE *t = fopen(REAL_DIR "/truth.tsv", "r");
    assert_non_null(t);
    char row[512];
    unsigned images = 0, handled = 0, unchecked = 0;
    while (fgets(row, sizeof row, t)) {
        row[strcspn(row, "\n")] = '\0';
        char *name = row, *want = strchr(row, '\t'), *mark;
        if (row[0] == '#' || !want)
            continue;
        *want++ = '\0';
        mark = strchr(want, '\t');
        assert_non_null(mark);
        *mark++ = '\0';
        for (char *p = want; *p; p++)
            if (*p == '|')
                *p = '\n';
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", REAL_DIR, name);
        size_t len = 0;
        unsigned char *img = slurp(path, &len);
        assert_non_null(img);
        char *text = NULL, *alt = NULL;
        err_t e = {0};
        int r = ocr_read_mrz(img, len, &text, &alt, &e);
        free(img);
        bool must = strcmp(mark, "handled") == 0;
        images++;
        handled += must;
        if (r != 0) {
            if (must)
                fail_msg("%s: %s", name, e.code);
            continue;
        }
        char got[3 * 46];
        bool valid;
        assert_int_equal(mrz_judge(text, alt, (struct mrz_date){2026, 1, 1}, '\n', got, sizeof got, &valid), 0);
        if (valid && mrz_misread_where_checked(got, want, '\n'))
            fail_msg("%s: FALSE VALID\nwant %s\ngot  %s", name, want, got);
        unchecked += valid && strcmp(got, want) != 0;
        if (must && strcmp(got, want) != 0)
            fail_msg("%s: read wrong\nwant %s\ngot  %s", name, want, got);
        free(text);
        free(alt);
    }
    fclose(t);
    print_message("%u real images, %u marked handled and read exactly; %u valid with a misread no check "
                  "digit covers (a name)\n",
        images, handled, unchecked);
    assert_true(images >= 19);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
