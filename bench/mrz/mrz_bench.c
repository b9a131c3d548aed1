/* mrz_bench DIR [template|tesseract] [LIMIT]: reads DIR/truth.tsv (written by
 * tests/mrz/mrzgen), runs the OCR and the MRZ check on every image, and
 * prints the share of documents read with every character (so every field)
 * correct, the character error rate (edit distance / characters), both raw
 * from OCR and after the check's corrections, and milliseconds per image
 * (OCR + check, one thread), and how many zones the reader answered unsure
 * ('?' in its second readings: no valid answer), and of them how many it
 * had read right (the cost of caution). Failures are listed on stderr. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/distance.h"
#include "base/parse.h"
#include "docs/mrz.h"
#include "docs/ocr.h"
#include "checked.h"

#define LINE_MAX_BYTES 512

/* The edit distance between two texts (base/distance, uncapped); when it
 * cannot be had (not UTF-8, no memory), the longer length: every character
 * counted wrong. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), d;
    if (distance_edit_utf8(a, la, b, lb, SIZE_MAX, &d, NULL) < 0)
        return la > lb ? la : lb;
    return d;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static double now_ms(void)
{
    struct timespec ts;
    /* CPU time of this single-threaded process: the cost on one core,
     * whatever else the (shared) machine is doing. */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mrz_bench DIR [template|tesseract] [LIMIT]\n");
        return 2;
    }
    enum ocr_engine eng = argc > 2 && strcmp(argv[2], "tesseract") == 0 ? OCR_ENGINE_TESSERACT : OCR_ENGINE_TEMPLATE;
    uint64_t limit = UINT64_MAX;
    if (argc > 3 && parse_u64(argv[3], strlen(argv[3]), 1, UINT64_MAX, &limit) < 0)
        return 2;
    char path[4096], row[LINE_MAX_BYTES];
    snprintf(path, sizeof path, "%s/truth.tsv", argv[1]);
    FILE *truth = fopen(path, "r");
    if (!truth) {
        perror(path);
        return 1;
    }
    size_t docs = 0, raw_ok = 0, fixed_ok = 0, chars = 0, raw_err = 0, fixed_err = 0, not_found = 0;
    size_t false_valid = 0, valid_misread_unchecked = 0, unsure = 0, unsure_right = 0;
    double ms = 0;
    while (docs < limit && fgets(row, sizeof row, truth)) {
        row[strcspn(row, "\n")] = '\0';
        char *name = row, *want = strchr(row, '\t');
        if (!want)
            continue;
        *want++ = '\0';
        char *params = strchr(want, '\t');
        if (params)
            *params++ = '\0';
        snprintf(path, sizeof path, "%s/%s", argv[1], name);
        size_t len;
        unsigned char *img = slurp(path, &len);
        if (!img)
            continue;
        char *text = NULL, *alt = NULL, raw[256] = "", fixed[256] = "";
        bool valid = false;
        double t0 = now_ms();
        if (ocr_read_mrz_with(eng, img, len, &text, &alt, NULL) == 0)
            mrz_judge(text, alt, (struct mrz_date){2025, 1, 1}, '|', fixed, sizeof fixed, &valid);
        else
            not_found++;
        ms += now_ms() - t0;
        bool marked = alt && strchr(alt, '?'); /* the reader called its reading unsure */
        free(alt);
        free(img);
        size_t n = 0;
        for (size_t i = 0; text && text[i] && n + 1 < sizeof raw; i++)
            if (text[i] != '\n' || text[i + 1])
                raw[n++] = text[i] == '\n' ? '|' : text[i];
        raw[n] = '\0';
        free(text);
        docs++;
        chars += strlen(want);
        size_t er = edit_distance(raw, want), ef = edit_distance(fixed, want);
        raw_err += er, fixed_err += ef;
        raw_ok += er == 0, fixed_ok += ef == 0;
        unsure += marked, unsure_right += marked && ef == 0;
        if (marked && ef == 0)
            fprintf(stderr, "unsure, though read right: %s\n", name);
        if (valid && ef && mrz_misread_where_checked(fixed, want, '|')) {
            false_valid++;
            fprintf(stderr, "FALSE VALID %s\n", name);
        } else if (valid && ef) {
            valid_misread_unchecked++;
            fprintf(stderr, "valid, but misread where no check digit reaches: %s\n", name);
        }
        if (ef)
            fprintf(stderr, "%s (%s): %zu wrong\n  want %s\n  got  %s\n", name, params ? params : "", ef, want, fixed);
        if (getenv("MRZ_BENCH_RAW"))
            fprintf(stderr, "RAW\t%s\t%s\n", want, raw);
    }
    fclose(truth);
    if (!docs)
        return 1;
    printf("engine=%s images=%zu fully_correct=%.1f%% (raw OCR %.1f%%) cer=%.3f%% (raw %.3f%%) "
           "not_found=%zu false_valid=%zu valid_with_misread_name_or_code=%zu unsure=%zu (read right %zu) "
           "cpu_ms_per_image=%.1f\n",
        eng == OCR_ENGINE_TEMPLATE ? "template" : "tesseract", docs, 100.0 * fixed_ok / docs, 100.0 * raw_ok / docs,
        100.0 * fixed_err / chars, 100.0 * raw_err / chars, not_found, false_valid, valid_misread_unchecked, unsure,
        unsure_right, ms / docs);
    return 0;
}
