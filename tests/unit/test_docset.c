/* Unit tests of rules/docset: the document-set rule engine, on the
 * committed catalogue (data/docsets/catalogue.json).
 *
 * Complete sets are built from the catalogue's own require rules for every
 * procedure × category and must come out ready (or referred where the
 * procedure is not open to the category); then each required document is
 * taken out in turn, and each check is broken on purpose: validity at its
 * boundaries (a certificate issued exactly one year before, leap days),
 * deadlines, language level, fees across the 1 July 2024 change, names,
 * birth dates, document numbers, profession and region. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docset/catalogue.h"
#include "rules/docset.h"

static struct docset_catalogue *cat;
static calendar_t *cal2025; /* the official 2025 calendar; other years fall back */

static date_t ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

/* ---- a set under construction ---- */

struct set {
    struct docset_doc docs[DOCSET_DOCS_MAX];
    size_t n;
    struct docset_request req;
    struct docset_result res;
};

static struct docset_doc *add_doc(struct set *s, const char *type)
{
    assert_true(s->n < DOCSET_DOCS_MAX);
    struct docset_doc *d = &s->docs[s->n++];
    memset(d, 0, sizeof *d);
    d->type = type;
    return d;
}

static void text(struct docset_doc *d, enum docset_field f, const char *t)
{
    d->fields[f] = (struct docset_value){.state = DOCSET_V_PRESENT, .text = t};
}

static void day(struct docset_doc *d, enum docset_field f, date_t v)
{
    d->fields[f] = (struct docset_value){.state = DOCSET_V_PRESENT, .date = v};
}

static void num(struct docset_doc *d, enum docset_field f, int64_t v)
{
    d->fields[f] = (struct docset_value){.state = DOCSET_V_PRESENT, .number = v};
}

static struct docset_doc *find(struct set *s, const char *type)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->docs[i].type, type) == 0)
            return &s->docs[i];
    fail_msg("no %s in the set", type);
    return NULL;
}

static void drop(struct set *s, const char *type)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->docs[i].type, type) == 0) {
            memmove(&s->docs[i], &s->docs[i + 1], (s->n - i - 1) * sizeof s->docs[0]);
            s->n--;
            return;
        }
    fail_msg("no %s to drop", type);
}

/* A document of `type` as a clean set has it: the person's fields agree,
 * dates are inside every window. */
static void fill(struct docset_doc *d, bool minor, date_t on)
{
    bool is_passport = strcmp(d->type, "passport") == 0;
    bool latin = is_passport || strcmp(d->type, "migration_card") == 0;
    text(d, DOCSET_F_SURNAME, latin ? "XOLMATOV" : "Холматов");
    text(d, DOCSET_F_GIVEN_NAMES, latin ? "O\xE2\x80\x98TKIR" : "Уткир");
    day(d, DOCSET_F_BIRTH_DATE, minor ? ymd(2009, 1, 1) : ymd(1990, 5, 1)); /* a minor of 15 or 16 */
    if (is_passport || strcmp(d->type, "passport_translation") == 0)
        text(d, DOCSET_F_DOC_NUMBER, "FA1234567");
    else
        text(d, DOCSET_F_PASSPORT_NUMBER, "FA 1234567");
    day(d, DOCSET_F_ISSUE_DATE, on - 30);
    day(d, DOCSET_F_EXPIRY_DATE, on + 5 * 366);
    day(d, DOCSET_F_ENTRY_DATE, on - 10);
    day(d, DOCSET_F_CONTRACT_DATE, on - 1);
    text(d, DOCSET_F_PURPOSE, "работа");
    text(d, DOCSET_F_LEVEL, "vnzh");
    text(d, DOCSET_F_PROFESSION, "подсобный рабочий");
    text(d, DOCSET_F_REGION, "77");
    num(d, DOCSET_F_AMOUNT, 10000);
    num(d, DOCSET_F_MONTHS, 3);
}

/* Every document the catalogue requires for procedure × category on `on`. */
static void complete(struct set *s, const char *proc, const char *category, date_t on)
{
    docset_result_free(&s->res);
    memset(s, 0, sizeof *s);
    int c = docset_category_index(cat, category);
    bool minor = strcmp(category, "minor") == 0;
    for (size_t i = 0; i < cat->n_rules; i++) {
        const struct docset_rule *r = &cat->rules[i];
        if (r->kind != DOCSET_RULE_REQUIRE || !docset_rule_applies(r, proc, c, on))
            continue;
        for (int k = 0; k < r->count; k++)
            fill(add_doc(s, r->document->id), minor, on);
    }
    s->req = (struct docset_request){
        .procedure = proc,
        .category = category,
        .submitted = on,
        .decision = on + 30,
        .stay_end = DOCSET_NO_DATE,
        .docs = s->docs,
        .calendar = cal2025,
    };
}

static void run(struct set *s)
{
    s->req.docs = s->docs;
    s->req.n_docs = s->n;
    err_t e = {0};
    docset_result_free(&s->res);
    int r = docset_check(cat, &s->req, &s->res, &e);
    if (r < 0)
        fail_msg("docset_check: %s %s", e.code, e.msg);
}

static const struct docset_finding *finding(const struct set *s, const char *code)
{
    return docset_result_find(&s->res, code);
}

static void dump(const struct set *s)
{
    for (size_t i = 0; i < s->res.n_findings; i++) {
        const struct docset_finding *f = &s->res.findings[i];
        print_message("  %s %s rule=%s doc=%d field=%s\n", f->severity == DOCSET_SEV_DEFECT ? "defect" : "refer",
            f->code, f->rule ? f->rule->id : "-", f->doc_index,
            f->field == DOCSET_F_NONE ? "-" : docset_field_name(f->field));
    }
}

static void expect(struct set *s, enum docset_outcome o, const char *code)
{
    run(s);
    if (s->res.outcome != o || (code && !finding(s, code))) {
        dump(s);
        fail_msg("%s × %s: outcome %s, wanted %s with %s", s->req.procedure, s->req.category,
            docset_outcome_name(s->res.outcome), docset_outcome_name(o), code ? code : "-");
    }
}

static void done(struct set *s)
{
    docset_result_free(&s->res);
}

static int setup(void **state)
{
    (void)state;
    err_t e = {0};
    if (catalogue_load_file(UCHET_SOURCE_DIR "/data/docsets/catalogue.json", &cat, &e) < 0) {
        print_error("catalogue: %s\n", e.msg);
        return -1;
    }
    cal2025 = calendar_new();
    FILE *f = fopen(UCHET_SOURCE_DIR "/data/calendar/ru/2025.txt", "rb");
    static char buf[65536];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    if (!cal2025 || calendar_load_year(cal2025, buf, n, NULL) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    catalogue_free(cat);
    calendar_free(cal2025);
    return 0;
}

static bool not_applicable(const char *proc, int c, date_t on)
{
    for (size_t i = 0; i < cat->n_rules; i++)
        if (cat->rules[i].kind == DOCSET_RULE_NOT_APPLICABLE && docset_rule_applies(&cat->rules[i], proc, c, on))
            return true;
    return false;
}

/* ---- every procedure × category ---- */

static void test_matrix(void **state)
{
    (void)state;
    static struct set s;
    date_t dates[2] = {ymd(2024, 3, 12), ymd(2025, 3, 12)};
    int ready = 0, referred = 0, removed = 0;
    for (int di = 0; di < 2; di++)
        for (size_t p = 0; p < cat->n_procedures; p++)
            for (size_t c = 0; c < cat->n_categories; c++) {
                const char *proc = cat->procedures[p], *category = cat->categories[c];
                complete(&s, proc, category, dates[di]);
                if (not_applicable(proc, (int)c, dates[di])) {
                    expect(&s, DOCSET_REFERRED, "procedure_not_applicable");
                    referred++;
                    continue;
                }
                assert_true(s.n > 0);
                expect(&s, DOCSET_READY, NULL);
                ready++;
                /* Take each required document out in turn. */
                size_t n = s.n;
                for (size_t k = 0; k < n; k++) {
                    const char *type = s.docs[k].type;
                    if (k > 0 && strcmp(type, s.docs[k - 1].type) == 0)
                        continue; /* one of several photos or applications */
                    struct docset_doc saved = s.docs[k];
                    drop(&s, type);
                    run(&s);
                    const struct docset_finding *f = finding(&s, "missing_document");
                    if (!f || !f->rule || strcmp(f->rule->document->id, type) != 0) {
                        dump(&s);
                        fail_msg("%s × %s without %s: no missing_document", proc, category, type);
                    }
                    assert_int_equal(
                        s.res.outcome, f->rule->severity == DOCSET_SEV_DEFECT ? DOCSET_RETURNED : DOCSET_REFERRED);
                    assert_non_null(f->rule->act);
                    memmove(&s.docs[k + 1], &s.docs[k], (s.n - k) * sizeof s.docs[0]);
                    s.docs[k] = saved;
                    s.n++;
                    removed++;
                }
                done(&s);
            }
    /* 7 procedures × 4 categories, twice; patent is closed to three. */
    assert_int_equal(ready + referred, 2 * 7 * 4);
    assert_int_equal(referred, 2 * 3);
    assert_true(removed > 100);
}

/* ---- dates ---- */

static void test_period_arithmetic(void **state)
{
    (void)state;
    struct docset_period year = {1, 0, 0}, month = {0, 1, 0};
    assert_int_equal(docset_period_end(ymd(2025, 3, 1), year), ymd(2026, 3, 1));
    assert_int_equal(docset_period_end(ymd(2024, 2, 29), year), ymd(2025, 2, 28));
    assert_int_equal(docset_period_end(ymd(2024, 2, 29), (struct docset_period){4, 0, 0}), ymd(2028, 2, 29));
    assert_int_equal(docset_period_end(ymd(2024, 1, 31), month), ymd(2024, 2, 29));
    assert_int_equal(docset_period_end(ymd(2023, 1, 31), month), ymd(2023, 2, 28));
    assert_int_equal(docset_period_end(ymd(2024, 12, 15), month), ymd(2025, 1, 15));
    assert_int_equal(docset_period_end(ymd(2025, 1, 1), (struct docset_period){0, 0, 30}), ymd(2025, 1, 31));
    assert_int_equal(docset_period_end(ymd(2024, 3, 10), (struct docset_period){0, 12, 0}), ymd(2025, 3, 10));
    assert_int_equal(docset_age_on(ymd(2008, 2, 29), ymd(2026, 2, 28)), 18);
    assert_int_equal(docset_age_on(ymd(2008, 2, 29), ymd(2026, 2, 27)), 17);
    assert_int_equal(docset_age_on(ymd(2008, 2, 29), ymd(2028, 2, 28)), 19);
    assert_int_equal(docset_age_on(ymd(1990, 5, 1), ymd(2025, 4, 30)), 34);
    assert_int_equal(docset_age_on(ymd(1990, 5, 1), ymd(2025, 5, 1)), 35);
    assert_int_equal(docset_age_on(ymd(2025, 5, 1), ymd(2025, 4, 1)), 0);
}

static void test_medical_one_year(void **state)
{
    (void)state;
    static struct set s;
    date_t on = ymd(2025, 3, 1);
    complete(&s, "rvp", "visa_free", on);
    struct docset_doc *med = find(&s, "medical_certificate");
    day(med, DOCSET_F_ISSUE_DATE, ymd(2024, 3, 1)); /* exactly one year before */
    s.req.decision = on;
    expect(&s, DOCSET_READY, NULL);
    assert_int_equal(s.res.n_windows > 0, 1);
    day(med, DOCSET_F_ISSUE_DATE, ymd(2024, 2, 29)); /* one year and a day */
    expect(&s, DOCSET_RETURNED, "expired_at_submission");
    assert_string_equal(finding(&s, "expired_at_submission")->rule->id, "rvp.valid.medical_certificate");
    assert_int_equal(finding(&s, "expired_at_submission")->date, ymd(2025, 2, 28));
    /* leap day issue: valid through 28 Feb of the next year */
    s.req.submitted = s.req.decision = ymd(2025, 2, 28);
    expect(&s, DOCSET_READY, NULL);
    s.req.submitted = s.req.decision = ymd(2025, 3, 1);
    expect(&s, DOCSET_RETURNED, "expired_at_submission");
    /* valid on submission, expired by the planned decision: referred */
    day(med, DOCSET_F_ISSUE_DATE, ymd(2024, 3, 10));
    s.req.submitted = ymd(2025, 3, 1);
    s.req.decision = ymd(2025, 3, 11);
    expect(&s, DOCSET_REFERRED, "expires_before_decision");
    s.req.decision = ymd(2025, 3, 10);
    expect(&s, DOCSET_READY, NULL);
    /* issued after submission: implausible, referred */
    day(med, DOCSET_F_ISSUE_DATE, ymd(2025, 3, 2));
    expect(&s, DOCSET_REFERRED, "date_implausible");
    /* the date could not be read: referred */
    med->fields[DOCSET_F_ISSUE_DATE].state = DOCSET_V_UNREADABLE;
    expect(&s, DOCSET_REFERRED, "field_unreadable");
    done(&s);
}

static void test_passport_validity(void **state)
{
    (void)state;
    static struct set s;
    date_t on = ymd(2025, 6, 2);
    complete(&s, "vnzh", "visa", on);
    struct docset_doc *pp = find(&s, "passport");
    day(pp, DOCSET_F_EXPIRY_DATE, on); /* valid through today */
    s.req.decision = on;
    expect(&s, DOCSET_READY, NULL);
    day(pp, DOCSET_F_EXPIRY_DATE, on - 1);
    expect(&s, DOCSET_RETURNED, "expired_at_submission");
    day(pp, DOCSET_F_EXPIRY_DATE, on + 100);
    s.req.stay_end = on + 101;
    expect(&s, DOCSET_REFERRED, "expires_too_soon");
    s.req.stay_end = on + 100;
    expect(&s, DOCSET_READY, NULL);
    done(&s);
}

static void test_patent_deadline_and_purpose(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "patent", "visa_free", ymd(2025, 1, 31));
    struct docset_doc *card = find(&s, "migration_card");
    day(card, DOCSET_F_ENTRY_DATE, ymd(2025, 1, 1));
    expect(&s, DOCSET_READY, NULL); /* day 30 */
    s.req.submitted = ymd(2025, 2, 1);
    expect(&s, DOCSET_REFERRED, "deadline_missed");
    assert_int_equal(finding(&s, "deadline_missed")->date, ymd(2025, 1, 31));
    s.req.submitted = ymd(2025, 1, 31);
    text(card, DOCSET_F_PURPOSE, "учёба");
    expect(&s, DOCSET_RETURNED, "wrong_value");
    text(card, DOCSET_F_PURPOSE, "WORK");
    expect(&s, DOCSET_READY, NULL);
    done(&s);
}

static void test_biometrics_deadlines(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "biometrics", "visa", ymd(2025, 4, 1));
    struct docset_doc *card = find(&s, "migration_card");
    day(card, DOCSET_F_ENTRY_DATE, ymd(2025, 1, 15)); /* 76 days */
    text(card, DOCSET_F_PURPOSE, "частная");
    expect(&s, DOCSET_READY, NULL); /* 90 days for other purposes */
    text(card, DOCSET_F_PURPOSE, "работа");
    expect(&s, DOCSET_REFERRED, "deadline_missed"); /* 30 days for work */
    assert_string_equal(finding(&s, "deadline_missed")->rule->id, "biometrics.deadline.work_30_days");
    text(card, DOCSET_F_PURPOSE, "частная");
    day(card, DOCSET_F_ENTRY_DATE, ymd(2024, 12, 31)); /* 91 days */
    expect(&s, DOCSET_REFERRED, "deadline_missed");
    done(&s);
}

static void test_language_level(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "vnzh", "visa_free", ymd(2025, 5, 5));
    struct docset_doc *lc = find(&s, "language_certificate");
    text(lc, DOCSET_F_LEVEL, "rvp");
    expect(&s, DOCSET_RETURNED, "language_level_too_low");
    assert_int_equal(s.res.level_required, 2);
    text(lc, DOCSET_F_LEVEL, "vnzh");
    expect(&s, DOCSET_READY, NULL);
    text(lc, DOCSET_F_LEVEL, "B2");
    expect(&s, DOCSET_REFERRED, "level_unreadable");
    done(&s);
    /* a higher level serves a lower procedure */
    complete(&s, "rvp", "visa", ymd(2025, 5, 5));
    text(find(&s, "language_certificate"), DOCSET_F_LEVEL, "vnzh");
    expect(&s, DOCSET_READY, NULL);
    text(find(&s, "language_certificate"), DOCSET_F_LEVEL, "patent");
    expect(&s, DOCSET_RETURNED, "language_level_too_low");
    done(&s);
}

static void test_fees_around_july_2024(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "vnzh", "visa", ymd(2024, 7, 10));
    struct docset_doc *rc = find(&s, "fee_receipt");
    num(rc, DOCSET_F_AMOUNT, 5000);
    day(rc, DOCSET_F_ISSUE_DATE, ymd(2024, 6, 30)); /* paid at the old rate */
    expect(&s, DOCSET_READY, NULL);
    assert_int_equal(s.res.fee_due, 6000);
    day(rc, DOCSET_F_ISSUE_DATE, ymd(2024, 7, 1));
    expect(&s, DOCSET_RETURNED, "fee_insufficient");
    const struct docset_finding *f = finding(&s, "fee_insufficient");
    assert_string_equal(f->rule->id, "vnzh.fee");
    assert_int_equal(f->rule->version, 2);
    assert_string_equal(f->rule->act->id, "539-fz-2023");
    assert_int_equal(f->expected, 6000);
    assert_int_equal(f->actual, 5000);
    num(rc, DOCSET_F_AMOUNT, 6000);
    expect(&s, DOCSET_READY, NULL);
    /* before the change: 5000 due */
    s.req.submitted = ymd(2024, 6, 30);
    s.req.decision = ymd(2024, 7, 30);
    day(rc, DOCSET_F_ISSUE_DATE, ymd(2024, 6, 29));
    num(rc, DOCSET_F_AMOUNT, 4999);
    expect(&s, DOCSET_RETURNED, "fee_insufficient");
    assert_int_equal(finding(&s, "fee_insufficient")->rule->version, 1);
    rc->fields[DOCSET_F_AMOUNT].state = DOCSET_V_UNREADABLE;
    expect(&s, DOCSET_REFERRED, "field_unreadable");
    done(&s);
    /* the unverified РВП amount after July 2024 only refers */
    complete(&s, "rvp", "visa", ymd(2024, 8, 1));
    num(find(&s, "fee_receipt"), DOCSET_F_AMOUNT, 1600);
    day(find(&s, "fee_receipt"), DOCSET_F_ISSUE_DATE, ymd(2024, 7, 20));
    expect(&s, DOCSET_REFERRED, "fee_insufficient");
    done(&s);
}

static void test_names(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "rvp", "visa_free", ymd(2025, 5, 5));
    struct docset_doc *tr = find(&s, "passport_translation");
    /* legitimate variants are not flagged */
    const char *variants[] = {"Холматов", "Холматов", "Xolmatov", "Kholmatov", "Холмотов"};
    for (size_t i = 0; i < 4; i++) {
        text(tr, DOCSET_F_SURNAME, variants[i]);
        expect(&s, DOCSET_READY, NULL);
    }
    text(tr, DOCSET_F_GIVEN_NAMES, "Откир");
    expect(&s, DOCSET_READY, NULL);
    /* one letter off: referred, not returned */
    text(tr, DOCSET_F_SURNAME, variants[4]);
    expect(&s, DOCSET_REFERRED, "name_near");
    text(tr, DOCSET_F_SURNAME, "Холматова");
    expect(&s, DOCSET_REFERRED, "name_near");
    /* somebody else's name: returned, citing the consistency rule */
    text(tr, DOCSET_F_SURNAME, "Рахимов");
    expect(&s, DOCSET_RETURNED, "name_mismatch");
    assert_string_equal(finding(&s, "name_mismatch")->rule->id, "rvp.consistent.surname");
    /* a letter no table knows: referred */
    text(tr, DOCSET_F_SURNAME, "\xD7\x90");
    expect(&s, DOCSET_REFERRED, "name_unreadable");
    done(&s);
}

static void test_birth_date_and_numbers(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "patent", "visa_free", ymd(2025, 5, 5));
    day(find(&s, "medical_certificate"), DOCSET_F_BIRTH_DATE, ymd(1990, 5, 2));
    expect(&s, DOCSET_RETURNED, "birth_date_mismatch");
    day(find(&s, "medical_certificate"), DOCSET_F_BIRTH_DATE, ymd(1990, 5, 1));
    expect(&s, DOCSET_READY, NULL);
    /* one wrong digit in the passport number */
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "FA1234557");
    expect(&s, DOCSET_RETURNED, "number_mismatch");
    /* spaces, dashes, № and Cyrillic look-alikes are not differences */
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "№ FA-123 4567");
    expect(&s, DOCSET_READY, NULL);
    text(find(&s, "passport"), DOCSET_F_DOC_NUMBER, "AA1234567");
    text(find(&s, "passport_translation"), DOCSET_F_DOC_NUMBER, "\xD0\x90\xD0\x90 1234567"); /* Cyrillic АА */
    for (size_t i = 0; i < s.n; i++)
        if (s.docs[i].fields[DOCSET_F_PASSPORT_NUMBER].state == DOCSET_V_PRESENT)
            text(&s.docs[i], DOCSET_F_PASSPORT_NUMBER, "aa1234567");
    expect(&s, DOCSET_READY, NULL);
    /* a number's 0 and the letter O are one shape in most typefaces (a
     * Kazakh N0… read NO… at 300 dpi): not a difference; any other
     * letter for a digit still is */
    text(find(&s, "passport"), DOCSET_F_DOC_NUMBER, "N01208372");
    text(find(&s, "passport_translation"), DOCSET_F_DOC_NUMBER, "N01208372");
    for (size_t i = 0; i < s.n; i++)
        if (s.docs[i].fields[DOCSET_F_PASSPORT_NUMBER].state == DOCSET_V_PRESENT)
            text(&s.docs[i], DOCSET_F_PASSPORT_NUMBER, "N01208372");
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "NO1208372");
    text(find(&s, "medical_certificate"), DOCSET_F_PASSPORT_NUMBER,
        "N\xD0\x9E"
        "1208372"); /* Cyrillic О */
    expect(&s, DOCSET_READY, NULL);
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "NQ1208372");
    expect(&s, DOCSET_RETURNED, "number_mismatch");
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "N01208373");
    expect(&s, DOCSET_RETURNED, "number_mismatch");
    /* one glyph read twice or missed (a language certificate's N06436698
     * read NO06436698 at 150 dpi): referred, not returned; two are
     * another number */
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "NO01208372");
    expect(&s, DOCSET_REFERRED, "number_near");
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "N0120837");
    expect(&s, DOCSET_REFERRED, "number_near");
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "N0120837");
    text(find(&s, "medical_certificate"), DOCSET_F_PASSPORT_NUMBER, "N012083722");
    expect(&s, DOCSET_REFERRED, "number_near"); /* each against the passport's */
    text(find(&s, "migration_card"), DOCSET_F_PASSPORT_NUMBER, "N012083");
    expect(&s, DOCSET_RETURNED, "number_mismatch");
    done(&s);
}

static void test_labour_notice(void **state)
{
    (void)state;
    static struct set s;
    calendar_t *cal = cal2025;
    /* contract signed Friday 7 March 2025; Saturday 8 March's day off moved
     * to 13 June by decree 1335, so the third working day after is
     * Wednesday 12 March. */
    complete(&s, "labour_notice", "visa_free", ymd(2025, 3, 12));
    s.req.calendar = cal;
    struct docset_doc *contract = find(&s, "labour_contract");
    day(contract, DOCSET_F_CONTRACT_DATE, ymd(2025, 3, 7));
    day(find(&s, "patent"), DOCSET_F_ISSUE_DATE, ymd(2025, 1, 10));
    num(find(&s, "tax_receipt"), DOCSET_F_MONTHS, 3);
    expect(&s, DOCSET_READY, NULL);
    s.req.submitted = ymd(2025, 3, 13);
    expect(&s, DOCSET_REFERRED, "deadline_missed");
    s.req.calendar = NULL;
    expect(&s, DOCSET_REFERRED, "calendar_unavailable");
    s.req.submitted = ymd(2025, 3, 12);
    expect(&s, DOCSET_REFERRED, "calendar_unavailable");
    s.req.calendar = cal;
    s.req.submitted = ymd(2025, 3, 12);
    /* the patent paid for 2 months: valid through 9 March */
    num(find(&s, "tax_receipt"), DOCSET_F_MONTHS, 2);
    expect(&s, DOCSET_RETURNED, "patent_unpaid");
    assert_int_equal(finding(&s, "patent_unpaid")->date, ymd(2025, 3, 9));
    num(find(&s, "tax_receipt"), DOCSET_F_MONTHS, 3);
    /* profession and region identical on patent, contract and notice */
    text(find(&s, "employer_notice"), DOCSET_F_REGION, "50");
    expect(&s, DOCSET_RETURNED, "region_mismatch");
    text(find(&s, "employer_notice"), DOCSET_F_REGION, "77");
    text(contract, DOCSET_F_PROFESSION, "Подсобный  рабочий ");
    expect(&s, DOCSET_READY, NULL); /* case and spaces only */
    text(contract, DOCSET_F_PROFESSION, "повар");
    expect(&s, DOCSET_RETURNED, "profession_mismatch");
    /* one letter off a long text is a slip of the reading: referred, as a
     * name one letter off is; a region code one digit off is another
     * region, and two letters off is another text */
    text(contract, DOCSET_F_PROFESSION, "подсобный рабочии");
    expect(&s, DOCSET_REFERRED, "profession_near");
    text(contract, DOCSET_F_PROFESSION, "подсобный рабочий");
    text(find(&s, "employer_notice"), DOCSET_F_REGION, "78");
    expect(&s, DOCSET_RETURNED, "region_mismatch");
    text(find(&s, "employer_notice"), DOCSET_F_REGION, "77");
    text(find(&s, "patent"), DOCSET_F_REGION, "г. Москва");
    text(contract, DOCSET_F_REGION, "г. Москва");
    text(find(&s, "employer_notice"), DOCSET_F_REGION, "г. Моснва");
    expect(&s, DOCSET_REFERRED, "region_near");
    text(find(&s, "employer_notice"), DOCSET_F_REGION, "г. Моснвы");
    expect(&s, DOCSET_RETURNED, "region_mismatch");
    done(&s);
}

static void test_minors(void **state)
{
    (void)state;
    static struct set s;
    /* 15 years old: parental consent required */
    complete(&s, "rvp", "minor", ymd(2025, 5, 5));
    expect(&s, DOCSET_READY, NULL);
    drop(&s, "parental_consent");
    expect(&s, DOCSET_RETURNED, "missing_document");
    /* 10 years old: not required */
    for (size_t i = 0; i < s.n; i++)
        day(&s.docs[i], DOCSET_F_BIRTH_DATE, ymd(2015, 1, 1));
    expect(&s, DOCSET_READY, NULL);
    /* no birth date anywhere: referred */
    for (size_t i = 0; i < s.n; i++)
        s.docs[i].fields[DOCSET_F_BIRTH_DATE].state = DOCSET_V_ABSENT;
    expect(&s, DOCSET_REFERRED, "age_unknown");
    done(&s);
}

/* The native-speaker procedure's kinship proven by a birth certificate:
 * it counts since the catalogue's revision 2 (the rule's "or", version 2
 * from 07.12.2026); version 1 asked for a kinship document alone. */
static void test_kinship_by_birth_certificate(void **state)
{
    (void)state;
    static struct set s;
    date_t days[2] = {ymd(2026, 12, 10), ymd(2026, 12, 1)};
    for (int k = 0; k < 2; k++) {
        complete(&s, "native_speaker", "visa_free", days[k]);
        expect(&s, DOCSET_READY, NULL);
        drop(&s, "kinship_document");
        expect(&s, DOCSET_REFERRED, "missing_document");
        fill(add_doc(&s, "birth_certificate"), false, days[k]);
        if (k == 0)
            expect(&s, DOCSET_READY, NULL);
        else
            expect(&s, DOCSET_REFERRED, "missing_document");
    }
    done(&s);
}

/* A ВНЖ set asks for four photographs: one page with a sheet of four
 * prints counts four, a sheet of three falls one short. */
static void test_a_sheet_of_prints(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "vnzh", "visa_free", ymd(2025, 5, 5));
    expect(&s, DOCSET_READY, NULL);
    for (int k = 0; k < 3; k++)
        drop(&s, "photo");
    expect(&s, DOCSET_RETURNED, "missing_document");
    find(&s, "photo")->copies = 4;
    expect(&s, DOCSET_READY, NULL);
    find(&s, "photo")->copies = 3;
    expect(&s, DOCSET_RETURNED, "missing_document");
    assert_int_equal(finding(&s, "missing_document")->actual, 3);
    find(&s, "photo")->copies = 0; /* as a page with no count: one */
    expect(&s, DOCSET_RETURNED, "missing_document");
    assert_int_equal(finding(&s, "missing_document")->actual, 1);
    done(&s);
}

static void test_pages(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "patent", "visa_free", ymd(2025, 5, 5));
    find(&s, "photo")->illegible = true;
    expect(&s, DOCSET_RETURNED, "illegible");
    find(&s, "photo")->illegible = false;
    /* a page nobody could classify: referred; a missing document is then
     * referred too, since the page may be it */
    add_doc(&s, "unknown");
    expect(&s, DOCSET_REFERRED, "unknown_document");
    drop(&s, "dms_policy");
    expect(&s, DOCSET_REFERRED, "missing_document");
    drop(&s, "unknown");
    expect(&s, DOCSET_RETURNED, "missing_document");
    done(&s);
}

static void test_not_applicable(void **state)
{
    (void)state;
    static struct set s;
    complete(&s, "patent", "eaeu", ymd(2025, 5, 5));
    expect(&s, DOCSET_REFERRED, "procedure_not_applicable");
    assert_string_equal(finding(&s, "procedure_not_applicable")->rule->act->id, "eaeu-treaty-2014");
    done(&s);
}

static void test_bad_requests(void **state)
{
    (void)state;
    static struct set s;
    struct docset_result res = {0};
    err_t e = {0};
    complete(&s, "rvp", "visa", ymd(2025, 5, 5));
    s.req.n_docs = s.n;
    s.req.decision = s.req.submitted - 1;
    assert_int_equal(docset_check(cat, &s.req, &res, &e), -EINVAL);
    assert_string_equal(e.code, "docset_bad_request");
    s.req.decision = s.req.submitted;
    s.req.procedure = "asylum";
    assert_int_equal(docset_check(cat, &s.req, &res, &e), -EINVAL);
    assert_string_equal(e.code, "docset_unknown_procedure");
    s.req.procedure = "rvp";
    s.req.category = "tourist";
    assert_int_equal(docset_check(cat, &s.req, &res, &e), -EINVAL);
    assert_string_equal(e.code, "docset_unknown_category");
    s.req.category = "visa";
    s.req.n_docs = DOCSET_DOCS_MAX + 1;
    assert_int_equal(docset_check(cat, &s.req, &res, &e), -EINVAL);
    s.req.n_docs = s.n;
    s.docs[0].fields[DOCSET_F_SURNAME].text = NULL;
    assert_int_equal(docset_check(cat, &s.req, &res, &e), -EINVAL);
    assert_null(res.findings);
    docset_result_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_period_arithmetic),
        cmocka_unit_test(test_medical_one_year),
        cmocka_unit_test(test_passport_validity),
        cmocka_unit_test(test_patent_deadline_and_purpose),
        cmocka_unit_test(test_biometrics_deadlines),
        cmocka_unit_test(test_language_level),
        cmocka_unit_test(test_fees_around_july_2024),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_birth_date_and_numbers),
        cmocka_unit_test(test_labour_notice),
        cmocka_unit_test(test_minors),
        cmocka_unit_test(test_kinship_by_birth_certificate),
        cmocka_unit_test(test_a_sheet_of_prints),
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_not_applicable),
        cmocka_unit_test(test_bad_requests),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
