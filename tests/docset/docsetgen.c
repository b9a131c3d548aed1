/* docsetgen — synthetic document sets with ground truth (issue 16).
 *
 *   docsetgen --out DIR [--seed S] [--sets N] [--procedure P|all] [--defect NAME|any] [--level 0-3]
 *       writes DIR/set-NNNN.json (docset/setjson's form with a "truth"
 *       member) and, for the document types render.c draws (passport and
 *       its translation, migration card, patent, medical and HIV and
 *       language certificates, employer's notice, labour contract,
 *       application's first page, ДМС policy, fee and tax receipts,
 *       the РВП, the ВНЖ, the income statement, a translated birth
 *       certificate, the arrival notice's tear-off part, the fingerprinting
 *       card, a minor's parental consent, an archive record, a decision on
 *       kinship; the photograph when --portrait is given),
 *       DIR/set-NNNN-KK-TYPE.png, listed in truth.pages with the field zones.
 *       --portrait FILE (JPEG or PNG, up to 8 times): the photographs are
 *       drawn from these real portraits, set i's from the (i mod n)-th;
 *       without one no photograph is drawn (it enters as generated).
 *       A set asking for several photographs has them drawn each on its
 *       page or, one set in two, all on one sheet (a page whose
 *       truth.pages entry lists every photograph in "documents").
 *       --defect: every set carries that labelled defect where it can
 *       (tests/docset/README.md), instead of half the sets one at random.
 *   docsetgen --verify [--seed S] [--sets N] [--procedure P|all] [--defect NAME|any] [--catalogue FILE]
 *       runs the rule engine on each generated set's fields (no pages, no
 *       OCR) and compares the outcome with the label: exit 1 on any
 *       disagreement. This checks the labels and the engine against each other.
 *
 * Degradation levels: 0 = 300 dpi clean; 1 = 150 dpi, ±2°; 2 = 100 dpi, ±4°,
 * blur, stamp, JPEG quality 70; 3 = 75 dpi, ±5°, blur, glare, stamp, JPEG
 * quality 50, a keystone (the top 6 % narrower). Levels 0 and 1 are PNG
 * (scans), 2 and 3 JPEG (set-NNNN-KK-TYPE.jpg: phone photos). An
 * "unreadable scan" defect draws its page at 60 dpi with heavy blur. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docset/catalogue.h"
#include "docset/setjson.h"
#include "rules/calendar.h"
#include "render.h"
#include "synth.h"

static calendar_t *load_calendars(void)
{
    calendar_t *cal = calendar_new();
    for (int y = 2020; cal && y <= 2035; y++) {
        char path[512];
        snprintf(path, sizeof path, "%s/data/calendar/ru/%d.txt", UCHET_SOURCE_DIR, y);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        calendar_load_year(cal, buf, n, NULL);
    }
    return cal;
}

static const char *pick_procedure(uint64_t *st, const struct docset_catalogue *cat, const char *which)
{
    if (!strcmp(which, "all"))
        return cat->procedures[synth_below(st, (unsigned)cat->n_procedures)];
    return which;
}

/* half clean, half one defect; or every set the defect `forced` names
 * (a defect that cannot apply to a set still leaves it clean) */
static enum synth_defect pick_defect(uint64_t *st, int forced)
{
    if (forced >= 0)
        return (enum synth_defect)forced;
    if (synth_below(st, 2))
        return SYNTH_CLEAN;
    /* The draw over the seven defects the generator first had, so a seed
     * gives the sets it gave before (tests name sets by seed and index);
     * half of the region mismatches, which apply to the same sets (a
     * labour notice with a patent), become unpaid patents by a bit of the
     * stream's state, read without advancing it. */
    enum synth_defect d = (enum synth_defect)(1 + synth_below(st, SYNTH_WRONG_LEVEL));
    return d == SYNTH_REGION_MISMATCH && (*st >> 17 & 1) ? SYNTH_PATENT_UNPAID : d;
}

/* The defect a name means, -1 for "any", -2 for none of them. */
static int defect_named(const char *name)
{
    if (!strcmp(name, "any"))
        return -1;
    for (int k = 0; k < SYNTH_DEFECT_COUNT; k++)
        if (!strcmp(name, synth_defect_name((enum synth_defect)k)))
            return k;
    return -2;
}

static int verify(uint64_t st, int sets, const char *which, int forced, struct docset_catalogue *cat)
{
    err_t e = {0};
    calendar_t *cal = load_calendars();
    int n[SYNTH_DEFECT_COUNT] = {0}, agree[SYNTH_DEFECT_COUNT] = {0};
    int false_accept = 0, defective = 0, false_return = 0, clean = 0, variants = 0, variant_alarms = 0;
    for (int i = 0; i < sets; i++) {
        date_t on = date_from_ymd(2025, 3, 3) + (date_t)synth_below(&st, 300);
        enum synth_defect d = pick_defect(&st, forced);
        json_t *set = synth_set(&st, cat, pick_procedure(&st, cat, which), on, d, NULL);
        char *text = json_dumps(set, JSON_COMPACT);
        json_t *truth = json_object_get(set, "truth");
        const char *defect = json_string_value(json_object_get(truth, "defect"));
        enum synth_defect got = SYNTH_CLEAN;
        for (int k = 0; defect && k < SYNTH_DEFECT_COUNT; k++)
            if (!strcmp(defect, synth_defect_name((enum synth_defect)k)))
                got = (enum synth_defect)k;
        setjson_t *sj = NULL;
        struct docset_result res;
        if (!text || setjson_parse(text, strlen(text), &sj, &e) < 0) {
            fprintf(stderr, "docsetgen: set %d does not parse: %s\n", i, e.msg);
            return 1;
        }
        struct docset_request req = *setjson_request(sj);
        req.calendar = cal;
        if (docset_check(cat, &req, &res, &e) < 0) {
            fprintf(stderr, "docsetgen: set %d: %s\n", i, e.msg);
            return 1;
        }
        const char *want = json_string_value(json_object_get(truth, "expected_outcome"));
        const char *code = json_string_value(json_object_get(truth, "expected_code"));
        bool code_found = !code || docset_result_find(&res, code);
        bool ok = !strcmp(docset_outcome_name(res.outcome), want) && code_found;
        n[got]++;
        agree[got] += ok;
        if (got != SYNTH_CLEAN) {
            defective++;
            false_accept += res.outcome == DOCSET_READY;
        } else {
            clean++;
            false_return += res.outcome == DOCSET_RETURNED;
            if (json_is_true(json_object_get(truth, "variant"))) {
                variants++;
                variant_alarms += res.outcome != DOCSET_READY;
            }
        }
        if (!ok) {
            fprintf(stderr, "set %d (%s, %s): engine says %s, label %s/%s\n", i, req.procedure, synth_defect_name(got),
                docset_outcome_name(res.outcome), want, code ? code : "-");
            for (size_t k = 0; k < res.n_findings; k++) {
                const struct docset_finding *f = &res.findings[k];
                const char *v = f->doc_index >= 0 && f->field != DOCSET_F_NONE &&
                                        req.docs[f->doc_index].fields[f->field].state == DOCSET_V_PRESENT &&
                                        docset_field_kind(f->field) == DOCSET_KIND_TEXT
                                    ? req.docs[f->doc_index].fields[f->field].text
                                    : "";
                fprintf(stderr, "    %s %s %s\n", f->code, f->rule ? f->rule->id : "-", v);
            }
        }
        docset_result_free(&res);
        setjson_free(sj);
        free(text);
        json_decref(set);
    }
    int bad = 0;
    printf("%-18s %6s %6s\n", "defect", "sets", "agree");
    for (int k = 0; k < SYNTH_DEFECT_COUNT; k++) {
        printf("%-18s %6d %6d\n", synth_defect_name((enum synth_defect)k), n[k], agree[k]);
        bad += n[k] - agree[k];
    }
    printf("false accept %d/%d, false return %d/%d, variant false alarms %d/%d\n", false_accept, defective,
        false_return, clean, variant_alarms, variants);
    calendar_free(cal);
    return bad ? 1 : 0;
}

/* Whether a photograph on the sheet (indexes into docs) is the set's
 * unreadable scan: the sheet is drawn so. */
static bool sheet_illegible(const json_t *docs, const json_t *sheet)
{
    bool any = false;
    for (size_t k = 0; k < json_array_size(sheet); k++)
        any |= json_is_true(
            json_object_get(json_array_get(docs, (size_t)json_integer_value(json_array_get(sheet, k))), "illegible"));
    return any;
}

#define PORTRAITS_MAX 8

struct portraits {
    render_portrait_t *p[PORTRAITS_MAX];
    int n;
};

static int generate(uint64_t st, int sets, const char *which, int forced, int level, const char *out,
    const struct docset_catalogue *cat, const struct portraits *faces)
{
    /* levels 2 and 3 are phone photos: JPEG, and at 3 a keystone */
    static const struct render_degrade levels[4] = {
        {.dpi = 300},
        {.dpi = 150, .angle_deg = 2},
        {.dpi = 100, .angle_deg = 4, .blur_px = 1, .stamp = true, .jpeg_quality = 70},
        {.dpi = 75, .angle_deg = 5, .blur_px = 2, .glare = true, .stamp = true, .jpeg_quality = 50, .keystone = 0.06},
    };
    for (int i = 0; i < sets; i++) {
        date_t on = date_from_ymd(2025, 3, 3) + (date_t)synth_below(&st, 300);
        enum synth_defect d = pick_defect(&st, forced);
        struct synth_person person;
        json_t *set = synth_set(&st, cat, pick_procedure(&st, cat, which), on, d, &person);
        json_t *pages = json_array();
        json_t *docs = json_object_get(set, "documents");
        /* each page's distortion from the set's own stream and the page's
         * place, so drawing one more type moves no other page */
        uint64_t page_base = synth_next(&st);
        /* one set in two with several photographs has them on one sheet
         * (a bit of the pages' own number: no other page moves) */
        json_t *sheet = (page_base >> 17) & 1 ? json_array() : NULL;
        for (size_t k = 0; sheet && k < json_array_size(docs); k++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(docs, k), "type")), "photo"))
                json_array_append_new(sheet, json_integer((json_int_t)k));
        if (sheet && json_array_size(sheet) < 2)
            json_decref(sheet), sheet = NULL;
        for (size_t k = 0; k < json_array_size(docs); k++) {
            json_t *doc = json_array_get(docs, k);
            const char *type = json_string_value(json_object_get(doc, "type"));
            if (!render_supports(type))
                continue;
            bool on_sheet = sheet && !strcmp(type, "photo");
            if (on_sheet && json_integer_value(json_array_get(sheet, 0)) != (json_int_t)k)
                continue; /* drawn on the sheet with the first */
            int copies = on_sheet ? (int)json_array_size(sheet) : 1;
            struct render_degrade g = levels[level];
            uint64_t ps = page_base ^ ((uint64_t)(k + 1) * 0x9E3779B97F4A7C15u);
            g.seed = (unsigned)synth_next(&ps);
            g.angle_deg = g.angle_deg * ((double)(g.seed % 2001) / 1000.0 - 1.0);
            if (json_is_true(json_object_get(doc, "illegible")) || (on_sheet && sheet_illegible(docs, sheet))) {
                g.dpi = 60;
                g.blur_px = 4;
            }
            char name[64], path[1024];
            snprintf(name, sizeof name, "set-%04d-%02zu-%s.%s", i, k, type, g.jpeg_quality ? "jpg" : "png");
            snprintf(path, sizeof path, "%s/%s", out, name);
            json_t *zones = NULL;
            struct render_who who = {
                person.country_ru, person.nationality, person.male, faces->n ? faces->p[i % faces->n] : NULL};
            int r = render_document(doc, copies, &who, &g, path, &zones);
            if (r == -ENOTSUP)
                continue; /* a photograph with no portrait given */
            if (r < 0) {
                fprintf(stderr, "docsetgen: cannot write %s\n", path);
                json_decref(sheet);
                return 1;
            }
            json_t *page = json_pack("{s:i, s:s, s:i, s:f, s:b, s:b, s:f, s:i, s:f, s:o}", "document", (int)k, "file",
                name, "dpi", g.dpi, "angle_deg", g.angle_deg, "glare", g.glare, "stamp", g.stamp, "blur_px", g.blur_px,
                "jpeg_quality", g.jpeg_quality, "keystone", g.keystone, "zones", zones);
            if (on_sheet)
                json_object_set(page, "documents", sheet);
            json_array_append_new(pages, page);
        }
        json_decref(sheet);
        json_object_set_new(json_object_get(set, "truth"), "pages", pages);
        char path[1024];
        snprintf(path, sizeof path, "%s/set-%04d.json", out, i);
        if (json_dump_file(set, path, JSON_INDENT(1)) < 0) {
            fprintf(stderr, "docsetgen: cannot write %s\n", path);
            return 1;
        }
        json_decref(set);
    }
    printf("docsetgen: %d sets in %s\n", sets, out);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    int sets = 20, level = 0;
    const char *out = NULL, *which = "all";
    const char *cat = UCHET_SOURCE_DIR "/data/docsets/catalogue.json";
    int do_verify = 0, forced = -1, r = 2;
    struct portraits faces = {0};
    struct docset_catalogue *catalogue = NULL;
    err_t e = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--verify"))
            do_verify = 1;
        else if (!strcmp(a, "--seed") && v)
            seed = strtoull(v, NULL, 10), i++;
        else if (!strcmp(a, "--sets") && v)
            sets = (int)strtol(v, NULL, 10), i++;
        else if (!strcmp(a, "--level") && v)
            level = (int)strtol(v, NULL, 10), i++;
        else if (!strcmp(a, "--procedure") && v)
            which = v, i++;
        else if (!strcmp(a, "--out") && v)
            out = v, i++;
        else if (!strcmp(a, "--catalogue") && v)
            cat = v, i++;
        else if (!strcmp(a, "--defect") && v && defect_named(v) > -2)
            forced = defect_named(v), i++;
        else if (!strcmp(a, "--portrait") && v && faces.n < PORTRAITS_MAX) {
            int lr = render_portrait_load(v, &faces.p[faces.n]);
            if (lr < 0) {
                fprintf(stderr, "docsetgen: %s: not a portrait (%s)\n", v, strerror(-lr));
                goto out;
            }
            faces.n++, i++;
        } else {
            fprintf(stderr, "usage: docsetgen (--out DIR | --verify) [--seed S] [--sets N] "
                            "[--procedure P|all] [--defect NAME|any] [--level 0-3] [--catalogue FILE] "
                            "[--portrait FILE]...\n");
            goto out;
        }
    }
    if (catalogue_load_file(cat, &catalogue, &e) < 0) {
        fprintf(stderr, "docsetgen: %s\n", e.msg);
        r = 1;
        goto out;
    }
    if (sets < 1 || sets > 100000 || level < 0 || level > 3 ||
        (strcmp(which, "all") && docset_procedure_index(catalogue, which) < 0) || (!do_verify && !out)) {
        fprintf(stderr, "docsetgen: bad arguments\n");
        goto out;
    }
    r = do_verify ? verify(seed, sets, which, forced, catalogue)
                  : generate(seed, sets, which, forced, level, out, catalogue, &faces);
out:
    catalogue_free(catalogue);
    for (int k = 0; k < faces.n; k++)
        render_portrait_free(faces.p[k]);
    if (!do_verify)
        render_cleanup(); /* after the last cairo surface */
    return r;
}
