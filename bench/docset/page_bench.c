/* page_bench: the document-set reader's per-page steps (docset/page
 * legibility, docset/classify) on pages drawn by tests/docset's docsetgen,
 * against the generator's truth. Synthetic pages, not real scans.
 *
 *   page_bench DIR     (DIR from `docsetgen --out DIR ...`)
 *
 * For every drawn page: the expected type (the set's document), whether the
 * generator made it illegible (defect unreadable_scan on that document),
 * what straighten_page, page_measure and classify_page say (the reader's
 * steps, in its order, with one docset_tess_t for the run as a reader
 * thread keeps one), and the time per page. Prints one line per page,
 * then a summary line and a JSON line (`summary {...}`: the counts, the
 * confusion of expected and read types, seconds per page) that
 * bench/docset/run.sh turns into the table of docs/BENCHMARKS.md.
 *
 *   page_bench DIR CATALOGUE DATA_DIR
 *
 * also checks each set as uchetd does (one page, one document; the fields
 * read; docset_check with the catalogue and DATA_DIR's official calendar)
 * and scores the outcome against the generator's label: false accepts
 * (a defective set called ready), false returns (a clean set returned),
 * referrals, per defect whether its code was named, and false alarms on
 * legitimate transliteration variants (`sets` in the summary). */
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/distance.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "bio/raster.h"
#include "docset/catalogue.h"
#include "docset/classify.h"
#include "docset/fields.h"
#include "docset/page.h"
#include "docset/reader.h"
#include "docset/straighten.h"
#include "docset/tess.h"
#ifdef UCHET_HAVE_FACECHECK
#include "bio/facecheck.h"
#endif
#include "rules/docset.h"
#include "store/caldata.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

struct tally {
    int pages, typed_right, unknown, wrong, legible_ok, illegible_caught, illegible_total, clean_flagged, turned;
    int sheets, sheets_counted, sheets_over; /* pages of several prints: counted right, counted more */
    double seconds;
    json_t *confusion;    /* {expected: {read: count}} over the pages judged legible */
    json_t *fields;       /* {"type.field": {n, exact, read, wrong, cer}} over the clean pages of a type with a table */
    double field_seconds; /* time in classify on those pages */
    int field_pages;
};

/* Per set, when a catalogue is given: outcomes against the generator's labels. */
struct set_tally {
    int sets, defective, false_accept, clean, false_return, referred, variants, variant_alarms, errors;
    json_t *defects; /* {defect: {n, named, not_ready}} */
};

/* One set as the engine's documents, in the set's order: a drawn page as
 * the reader leaves it, a document with no drawn page as generated. */
struct read_set {
    struct docset_doc docs[LIMIT_DOCSET_PAGES];
    json_t *held[LIMIT_DOCSET_PAGES]; /* the fields the documents' texts borrow from */
    char types[LIMIT_DOCSET_PAGES][40];
    bool read[LIMIT_DOCSET_PAGES];    /* from a drawn page */
    bool covered[LIMIT_DOCSET_PAGES]; /* drawn on another document's page (a sheet of prints) */
    int n;
};

/* UTF-8 into upper-case code points; count. Bytes that are not UTF-8
 * count as U+FFFD, one a byte. */
static size_t upper_cps(const char *s, uint32_t *out, size_t cap)
{
    size_t n = 0, i = 0, len = strlen(s);
    while (i < len && n < cap) {
        int32_t c = utf8_next((const unsigned char *)s, len, &i);
        if (c < 0)
            c = 0xFFFD, i++;
        out[n++] = (uint32_t)utf8_upper(c);
    }
    return n;
}

/* table's object under key, made empty when it is not there yet. */
static json_t *row_of(json_t *table, const char *key)
{
    json_t *row = json_object_get(table, key);
    if (!row) {
        row = json_object();
        json_object_set_new(table, key, row);
    }
    return row;
}

/* Adds `by` to row's count under key (a count not there yet is 0). */
static void bump(json_t *row, const char *key, json_int_t by)
{
    json_object_set_new(row, key, json_integer(json_integer_value(json_object_get(row, key)) + by));
}

/* Per field of the type's table: exact match (case ignored) and the
 * character error rate (edit distance / truth length; an unread field
 * counts its whole length) against the truth document's field. */
static void score_fields(struct tally *t, const char *type, const json_t *truth, const json_t *got)
{
    const char *name;
    for (size_t i = 0; (name = fields_name(type, i)); i++) {
        const char *want = json_string_value(json_object_get(truth, name));
        if (!want)
            continue;
        const json_t *gv = got ? json_object_get(got, name) : NULL;
        const char *read = json_string_value(gv);
        uint32_t a[256], b[256];
        size_t na = upper_cps(want, a, 256), nb = read ? upper_cps(read, b, 256) : 0;
        size_t d = na;
        if (read && distance_edit(a, na, b, nb, SIZE_MAX, &d, NULL) < 0)
            d = na; /* out of memory: counted as unread */
        bool exact = read && d == 0;
        char key[96];
        snprintf(key, sizeof key, "%s.%s", type, name);
        json_t *row = row_of(t->fields, key);
        bump(row, "n", 1);
        bump(row, "exact", exact);
        bump(row, "read", read != NULL);
        bump(row, "wrong", read && !exact);
        json_object_set_new(row, "cer",
            json_real(
                json_real_value(json_object_get(row, "cer")) + (na ? (double)(d < na ? d : na) / (double)na : 0)));
        if (getenv("PAGE_BENCH_FIELDS")) /* synthetic values: a debugging aid */
            fprintf(stderr, "  %-28s want %-24s got %s\n", key, want, read ? read : gv ? "(unreadable)" : "(absent)");
    }
}

static void confuse(struct tally *t, const char *want, const char *got)
{
    bump(row_of(t->confusion, want), got, 1);
}

/* The page as the engine's document, as docset/reader builds it: its type
 * when read, "unknown" otherwise, illegible when the page check said so. */
static void page_doc(struct read_set *rs, int i, bool legible, bool classified, const struct classify_result *c)
{
    if (i < 0 || i >= rs->n || rs->read[i])
        return;
    rs->read[i] = true;
    snprintf(rs->types[i], sizeof rs->types[i], "%s", classified ? c->type : "unknown");
    rs->docs[i].type = rs->types[i];
    rs->docs[i].illegible = !legible;
    rs->held[i] = classified ? json_incref(c->fields) : NULL;
    if (rs->held[i])
        reader_doc_values(&rs->docs[i], rs->held[i]);
}

/* What the reader reads with: tesseract's handles and the face detector
 * (NULL without OpenCV or its cascades: a photograph stays unknown). */
struct tools {
    docset_tess_t *tess;
    face_detector_t *faces;
};

/* The documents page pg holds (truth: "documents" lists them when there
 * are several, a sheet of prints): those after the first are not the
 * reader's documents (it has one page, not one per print), and the page
 * is drawn unreadable when one of them is (*illegible set, else left).
 * Returns how many. */
static int page_documents(const json_t *set, const json_t *pg, struct read_set *rs, bool *illegible)
{
    const json_t *several = json_object_get(pg, "documents"), *k;
    size_t ki;
    json_array_foreach (several, ki, k) {
        json_int_t i = json_integer_value(k);
        *illegible |=
            json_is_true(json_object_get(json_array_get(json_object_get(set, "documents"), (size_t)i), "illegible"));
        if (ki > 0 && i >= 0 && i < rs->n)
            rs->covered[i] = true;
    }
    return several ? (int)json_array_size(several) : 1;
}

/* The prints read on a photograph page (1 without "prints"; 0 not a
 * photograph) against the copies the page holds. */
static void count_prints(struct tally *t, int copies, bool classified, const struct classify_result *c, int *read)
{
    const json_t *prints = classified ? json_object_get(c->fields, "prints") : NULL;
    *read = prints ? (int)json_integer_value(prints) : classified && !strcmp(c->type, "photo");
    t->sheets += copies > 1;
    t->sheets_counted += copies > 1 && *read == copies;
    t->sheets_over += *read > copies;
}

static void one_page(
    const char *dir, const json_t *set, const json_t *pg, const struct tools *tl, struct tally *t, struct read_set *rs)
{
    const char *file = json_string_value(json_object_get(pg, "file"));
    int doc = (int)json_integer_value(json_object_get(pg, "document"));
    const json_t *d = json_array_get(json_object_get(set, "documents"), (size_t)doc);
    const char *want = json_string_value(json_object_get(d, "type"));
    bool illegible = json_is_true(json_object_get(d, "illegible"));
    int copies = page_documents(set, pg, rs, &illegible);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len = 0;
    char *text = NULL;
    raster_t *g = NULL;
    err_t e = {0};
    /* At most what uchetd takes as one page (api/h_docset). */
    int r = file_read_alloc(path, LIMIT_DOCSET_PAGE_BYTES, &text, &len, &e);
    const uint8_t *bytes = (const uint8_t *)text;
    if (r < 0 || raster_decode(bytes, len, 1, &g, &e) < 0) {
        fprintf(stderr, "%s: unreadable\n", file);
        page_doc(rs, doc, true, false, NULL); /* the reader's "failed": an unknown page */
        free(text);
        return;
    }
    double t0 = now_s();
    struct page_quality q;
    struct classify_result c = {0};
    raster_t *straight = NULL;
    struct straighten_result how = {0};
    if (straighten_page(g, tl->tess, &straight, &how, &e) == 0 && straight) {
        raster_free(g);
        g = straight;
        t->turned += how.quarter_turns != 0;
    }
    page_measure(g, &q, &e);
    double t1 = now_s();
    bool classified = classify_page_or_photo(g, &q, date_from_ymd(2025, 1, 1), tl->tess, tl->faces, &c, &e) == 1;
    t->seconds += now_s() - t0;
    if (fields_known_type(want) && !illegible) {
        /* every clean page of the type counts, read or not */
        t->field_seconds += now_s() - t1;
        t->field_pages++;
        if (getenv("PAGE_BENCH_FIELDS")) /* which page the values below are from */
            fprintf(stderr, "%s\n", file);
        score_fields(t, want, json_object_get(d, "fields"), classified && !strcmp(c.type, want) ? c.fields : NULL);
    }
    const char *got = classified ? c.type : "-";
    t->pages++;
    t->illegible_total += illegible;
    t->illegible_caught += illegible && !q.legible;
    t->clean_flagged += !illegible && !q.legible;
    t->legible_ok += !illegible && q.legible;
    if (classified && !strcmp(got, want))
        t->typed_right++;
    else if (classified && !strcmp(got, "unknown"))
        t->unknown++;
    else if (classified)
        t->wrong++;
    if (classified && !illegible)
        confuse(t, want, got);
    int prints = 0;
    count_prints(t, copies, classified, &c, &prints);
    printf("%-34s want %-14s got %-14s by %-5s glyph %5.1f sharp %8.0f glare %.3f border %.3f %s%s", file, want, got,
        classified ? c.by : "", q.glyph_px, q.sharpness, q.glare, q.border_ink, q.legible ? "legible" : "ILLEGIBLE",
        illegible ? " (truth: illegible)" : "");
    if (copies > 1 || prints > 1)
        printf(" prints %d of %d", prints, copies);
    putchar('\n');
    page_doc(rs, doc, q.legible, classified, &c);
    classify_result_free(&c);
    raster_free(g);
    free(text);
}

/* A document docsetgen draws no page for (the registration notice, the
 * fingerprint card, the contract, the notices, the policy...): its
 * generated type and fields, as if read without a slip. */
static void generated_doc(struct read_set *rs, int i, const json_t *d)
{
    snprintf(rs->types[i], sizeof rs->types[i], "%s", json_string_value(json_object_get(d, "type")));
    rs->docs[i].type = rs->types[i];
    rs->docs[i].illegible = json_is_true(json_object_get(d, "illegible"));
    rs->held[i] = json_incref(json_object_get(d, "fields"));
    if (rs->held[i])
        reader_doc_values(&rs->docs[i], rs->held[i]);
}

static date_t set_date(const json_t *set, const char *key)
{
    const char *s = json_string_value(json_object_get(set, key));
    date_t d = DOCSET_NO_DATE;
    if (s)
        date_parse(s, strlen(s), &d);
    return d;
}

static void count_defect(struct set_tally *st, const char *defect, bool named, bool not_ready)
{
    json_t *row = row_of(st->defects, defect);
    bump(row, "n", 1);
    bump(row, "named", named);
    bump(row, "not_ready", not_ready);
}

/* The set checked as uchetd checks it, scored against its label. */
static void check_set(const json_t *set, const struct read_set *rs, const struct docset_catalogue *cat,
    const calendar_t *cal, struct set_tally *st)
{
    const json_t *truth = json_object_get(set, "truth");
    const char *defect = json_string_value(json_object_get(truth, "defect"));
    const char *code = json_string_value(json_object_get(truth, "expected_code"));
    const char *want = json_string_value(json_object_get(truth, "expected_outcome"));
    date_t submitted = set_date(set, "submitted"), decision = set_date(set, "decision");
    struct docset_request req = reader_request(json_string_value(json_object_get(set, "procedure")),
        json_string_value(json_object_get(set, "category")), submitted, decision, rs->docs, rs->n, cal);
    struct docset_result res;
    err_t e = {0};
    if (!req.procedure || !req.category || docset_check(cat, &req, &res, &e) < 0) {
        fprintf(stderr, "set %s: not checked: %s\n", req.procedure ? req.procedure : "?", e.msg);
        st->errors++;
        return;
    }
    const char *got = docset_outcome_name(res.outcome);
    bool named = (!code || docset_result_find(&res, code)) && want && !strcmp(got, want);
    st->sets++;
    st->referred += res.outcome == DOCSET_REFERRED;
    if (defect) {
        st->defective++;
        st->false_accept += res.outcome == DOCSET_READY;
        count_defect(st, defect, named, res.outcome != DOCSET_READY);
    } else {
        st->clean++;
        st->false_return += res.outcome == DOCSET_RETURNED;
        bool variant = json_is_true(json_object_get(truth, "variant"));
        st->variants += variant;
        st->variant_alarms += variant && res.outcome != DOCSET_READY;
    }
    printf("set %-14s %-16s want %-9s got %-9s%s\n", req.procedure, defect ? defect : "clean", want ? want : "?", got,
        res.n_findings ? res.findings[0].code : "");
    docset_result_free(&res);
}

/* The catalogue and the official calendar for the per-set check; 0 when
 * not asked for (argc 2), -1 on a load failure (said on stderr). */
static int load_checker(int argc, char **argv, struct docset_catalogue **cat, calendar_t **cal)
{
    *cat = NULL, *cal = NULL;
    if (argc != 4)
        return 0;
    err_t e = {0};
    int years = 0;
    if (catalogue_load_file(argv[2], cat, &e) < 0 || caldata_load(argv[3], cal, &years, &e) < 0) {
        fprintf(stderr, "page_bench: %s\n", e.msg);
        return -1;
    }
    return 0;
}

/* The documents a sheet's page holds beside its first leave the set: the
 * reader has one document a page, its "prints" the count. */
static void without_covered(struct read_set *rs)
{
    int m = 0;
    for (int k = 0; k < rs->n; k++) {
        if (rs->covered[k])
            continue;
        rs->docs[m] = rs->docs[k]; /* the type still points into types[k], which stays */
        rs->held[m++] = rs->held[k];
    }
    rs->n = m;
}

/* Reads every page of one set (DIR/NAME.json) and, with a catalogue, checks it. */
static void one_set(const char *dir, const char *name, const struct tools *tl, struct tally *t,
    const struct docset_catalogue *cat, const calendar_t *cal, struct set_tally *st)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_t *set = json_load_file(path, 0, NULL);
    const json_t *pages = json_object_get(json_object_get(set, "truth"), "pages"), *pg;
    struct read_set *rs = calloc(1, sizeof *rs);
    size_t i;
    if (rs) {
        const json_t *docs = json_object_get(set, "documents");
        size_t n = json_array_size(docs);
        rs->n = n < LIMIT_DOCSET_PAGES ? (int)n : LIMIT_DOCSET_PAGES;
        json_array_foreach (pages, i, pg)
            one_page(dir, set, pg, tl, t, rs);
        for (int k = 0; k < rs->n; k++)
            if (!rs->read[k] && !rs->covered[k])
                generated_doc(rs, k, json_array_get(docs, (size_t)k));
        without_covered(rs);
        if (cat)
            check_set(set, rs, cat, cal, st);
        for (int k = 0; k < rs->n; k++)
            json_decref(rs->held[k]);
    }
    free(rs);
    json_decref(set);
}

static json_t *sets_json(const struct set_tally *st)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:O}", "sets", st->sets, "defective", st->defective,
        "false_accept", st->false_accept, "clean", st->clean, "false_return", st->false_return, "referred",
        st->referred, "variants", st->variants, "variant_alarms", st->variant_alarms, "errors", st->errors, "defects",
        st->defects);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: page_bench DIR [CATALOGUE DATA_DIR]\n");
        return 2;
    }
    struct docset_catalogue *cat = NULL;
    calendar_t *cal = NULL;
    DIR *dir = load_checker(argc, argv, &cat, &cal) < 0 ? NULL : opendir(argv[1]);
    struct tools tl = {dir ? docset_tess_new() : NULL, NULL};
    if (!tl.tess) {
        if (dir)
            closedir(dir);
        catalogue_free(cat);
        calendar_free(cal);
        return 1;
    }
#ifdef UCHET_HAVE_FACECHECK
    err_t fe = {0};
    if (face_detector_open(NULL, &tl.faces, &fe) < 0)
        fprintf(stderr, "page_bench: no face detector (%s): photographs stay unknown\n", fe.msg);
#endif
    struct tally t = {.confusion = json_object(), .fields = json_object()};
    struct set_tally st = {.defects = json_object()};
    struct dirent *de;
    while ((de = readdir(dir))) {
        size_t n = strlen(de->d_name);
        if (n >= 5 && strcmp(de->d_name + n - 5, ".json") == 0)
            one_set(argv[1], de->d_name, &tl, &t, cat, cal, &st);
    }
    closedir(dir);
    docset_tess_free(tl.tess);
#ifdef UCHET_HAVE_FACECHECK
    face_detector_free(tl.faces);
#endif
    printf("pages %d: type right %d, unknown %d, wrong %d (of legible-judged); legible clean pages %d, clean pages "
           "called illegible %d, illegible caught %d/%d; %.2f s per page\n",
        t.pages, t.typed_right, t.unknown, t.wrong, t.legible_ok, t.clean_flagged, t.illegible_caught,
        t.illegible_total, t.pages ? t.seconds / t.pages : 0);
    printf("sheets of prints %d: counted right %d; pages counted more prints than they hold %d\n", t.sheets,
        t.sheets_counted, t.sheets_over);
    if (cat)
        printf("sets %d: defective %d, falsely accepted %d; clean %d, falsely returned %d; referred %d; variants %d, "
               "false alarms %d\n",
            st.sets, st.defective, st.false_accept, st.clean, st.false_return, st.referred, st.variants,
            st.variant_alarms);
    json_t *sum = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:O, s:O, s:i, s:f}", "pages", t.pages,
        "typed_right", t.typed_right, "unknown", t.unknown, "wrong", t.wrong, "legible_ok", t.legible_ok,
        "clean_flagged", t.clean_flagged, "illegible_caught", t.illegible_caught, "illegible_total", t.illegible_total,
        "turned", t.turned, "seconds_per_page", t.pages ? t.seconds / t.pages : 0.0, "confusion", t.confusion, "fields",
        t.fields, "field_pages", t.field_pages, "classify_seconds_per_form",
        t.field_pages ? t.field_seconds / t.field_pages : 0.0);
    if (sum)
        json_object_set_new(sum, "sheets",
            json_pack("{s:i, s:i, s:i}", "n", t.sheets, "counted", t.sheets_counted, "over", t.sheets_over));
    if (sum && cat)
        json_object_set_new(sum, "sets", sets_json(&st));
    char *line = sum ? json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (line)
        printf("summary %s\n", line);
    free(line);
    json_decref(sum);
    json_decref(t.confusion);
    json_decref(t.fields);
    json_decref(st.defects);
    catalogue_free(cat);
    calendar_free(cal);
    return 0;
}
