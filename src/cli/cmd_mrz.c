/* uchetctl mrz FILE — the document check for operators: reads MRZ text, or a
 * PNG/JPEG photo or scan of the document, and prints the checks as JSON. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "cli/cmd.h"
#include "docs/mrz.h"
#ifdef UCHET_HAVE_OCR
#include "docs/ocr.h"
#endif

static int read_all(const char *path, unsigned char **ret, size_t *ret_len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return -errno;
    size_t cap = LIMIT_IMAGE_BODY_BYTES + 1;
    unsigned char *buf = malloc(cap);
    size_t n = buf ? fread(buf, 1, cap, f) : 0;
    if (f != stdin)
        fclose(f);
    if (!buf)
        return -ENOMEM;
    if (n == cap) {
        free(buf);
        return -EFBIG;
    }
    *ret = buf;
    *ret_len = n;
    return 0;
}

static bool is_image(const unsigned char *b, size_t n)
{
    return (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) || (n >= 3 && memcmp(b, "\xff\xd8\xff", 3) == 0);
}

/* Turns an image into MRZ text (and the reader's second candidates in
 * *ret_alt); the text itself passes through. */
static int to_text(unsigned char *buf, size_t n, char **ret, char **ret_alt, err_t *e)
{
    if (!is_image(buf, n)) {
        char *t = malloc(n + 1);
        if (!t)
            return -ENOMEM;
        memcpy(t, buf, n);
        t[n] = '\0';
        *ret = t;
        return 0;
    }
#ifdef UCHET_HAVE_OCR
    return ocr_read_mrz(buf, n, ret, ret_alt, e);
#else
    (void)ret_alt;
    return err_set(e, -ENOTSUP, "no_ocr", "This build has no OCR; pass the MRZ as text.");
#endif
}

int cmd_mrz(const cli_t *cli, int argc, char **argv)
{
    (void)cli;
    if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        puts("Usage: uchetctl mrz FILE\n"
             "Checks a document's machine-readable zone (ICAO 9303 TD1, TD2, TD3, MRV-A/B).\n"
             "FILE is MRZ text (2 or 3 lines) or a PNG/JPEG photo or scan; - reads stdin.\n"
             "Prints every field and check as JSON. \"status\" is \"valid\" (every check holds as\n"
             "read), \"valid_after_repairs\" (an image reading, with each repair listed in\n"
             "\"repairs\": position, from, to and why) or \"invalid\" (\"faults\" names the\n"
             "wrong field or check digit). Text is checked as given, never repaired; a\n"
             "look-alike swap (0/O 1/I 5/S 8/B 2/Z) that would make the check digits hold\n"
             "is listed in \"suggestions\" only. An image reading is repaired only where\n"
             "the field type forces one reading, or where the reader saw two near-equal\n"
             "readings of one character and only the second makes the check digits hold.\n"
             "Exit 0 when every check passed, 1 when a check failed or no zone was found,\n"
             "2 on usage errors.");
        return argc == 2 ? 0 : 2;
    }
    unsigned char *buf = NULL;
    size_t n = 0;
    int r = read_all(argv[1], &buf, &n);
    if (r < 0) {
        fprintf(
            stderr, "uchetctl mrz: cannot read %s: %s\n", argv[1], r == -EFBIG ? "larger than 8 MiB" : strerror(-r));
        return 1;
    }
    err_t e = {0};
    char *text = NULL, *alt = NULL;
    json_t *answer = NULL;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    struct mrz_date today = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    bool image = is_image(buf, n);
    r = to_text(buf, n, &text, &alt, &e);
    free(buf);
    if (r == 0)
        r = image ? mrz_check_ocr(text, alt, strlen(text), NULL, today, &answer, &e)
                  : mrz_check_text(text, strlen(text), NULL, today, &answer, &e);
    free(text);
    free(alt);
    if (r < 0) {
        fprintf(stderr, "uchetctl mrz: %s\n", e.msg[0] ? e.msg : strerror(-r));
        return 1;
    }
    bool valid = json_is_true(json_object_get(answer, "valid"));
    json_dumpf(answer, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(answer);
    return valid ? 0 : 1;
}
