#include "rules/docset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/distance.h"
#include "base/utf8.h"
#include "rules/namematch.h"

static const struct {
    const char *name;
    enum docset_field_kind kind;
} fields[DOCSET_F_COUNT] = {
    [DOCSET_F_SURNAME] = {"surname", DOCSET_KIND_TEXT},
    [DOCSET_F_GIVEN_NAMES] = {"given_names", DOCSET_KIND_TEXT},
    [DOCSET_F_BIRTH_DATE] = {"birth_date", DOCSET_KIND_DATE},
    [DOCSET_F_DOC_NUMBER] = {"doc_number", DOCSET_KIND_TEXT},
    [DOCSET_F_PASSPORT_NUMBER] = {"passport_number", DOCSET_KIND_TEXT},
    [DOCSET_F_ISSUE_DATE] = {"issue_date", DOCSET_KIND_DATE},
    [DOCSET_F_EXPIRY_DATE] = {"expiry_date", DOCSET_KIND_DATE},
    [DOCSET_F_ENTRY_DATE] = {"entry_date", DOCSET_KIND_DATE},
    [DOCSET_F_CONTRACT_DATE] = {"contract_date", DOCSET_KIND_DATE},
    [DOCSET_F_PURPOSE] = {"purpose", DOCSET_KIND_TEXT},
    [DOCSET_F_LEVEL] = {"level", DOCSET_KIND_TEXT},
    [DOCSET_F_PROFESSION] = {"profession", DOCSET_KIND_TEXT},
    [DOCSET_F_REGION] = {"region", DOCSET_KIND_TEXT},
    [DOCSET_F_AMOUNT] = {"amount", DOCSET_KIND_NUMBER},
    [DOCSET_F_MONTHS] = {"months", DOCSET_KIND_NUMBER},
};

const char *docset_field_name(enum docset_field f)
{
    return f >= 0 && f < DOCSET_F_COUNT ? fields[f].name : NULL;
}

enum docset_field docset_field_from_name(const char *s, size_t len)
{
    for (int f = 0; f < DOCSET_F_COUNT; f++)
        if (strlen(fields[f].name) == len && memcmp(fields[f].name, s, len) == 0)
            return (enum docset_field)f;
    return DOCSET_F_NONE;
}

enum docset_field_kind docset_field_kind(enum docset_field f)
{
    return f >= 0 && f < DOCSET_F_COUNT ? fields[f].kind : DOCSET_KIND_TEXT;
}

const char *docset_outcome_name(enum docset_outcome o)
{
    return o == DOCSET_READY ? "ready" : o == DOCSET_RETURNED ? "returned" : "referred";
}

const char *docset_rule_kind_name(enum docset_rule_kind k)
{
    static const char *const names[DOCSET_RULE_KIND_COUNT] = {
        "not_applicable",
        "require",
        "issued_within",
        "valid_through",
        "deadline",
        "language",
        "fee",
        "consistent",
        "field_equals",
        "paid_through",
    };
    return k >= 0 && k < DOCSET_RULE_KIND_COUNT ? names[k] : "?";
}

int docset_procedure_index(const struct docset_catalogue *cat, const char *id)
{
    for (size_t i = 0; id && i < cat->n_procedures; i++)
        if (strcmp(cat->procedures[i], id) == 0)
            return (int)i;
    return -1;
}

int docset_category_index(const struct docset_catalogue *cat, const char *id)
{
    for (size_t i = 0; id && i < cat->n_categories; i++)
        if (strcmp(cat->categories[i], id) == 0)
            return (int)i;
    return -1;
}

const struct docset_doctype *docset_doctype_find(const struct docset_catalogue *cat, const char *id, size_t len)
{
    for (size_t i = 0; id && i < cat->n_doctypes; i++)
        if (strlen(cat->doctypes[i].id) == len && memcmp(cat->doctypes[i].id, id, len) == 0)
            return &cat->doctypes[i];
    return NULL;
}

bool docset_rule_applies(const struct docset_rule *rule, const char *procedure, int category, date_t d)
{
    return category >= 0 && category < DOCSET_CATEGORIES_MAX && (rule->categories & (1u << category)) &&
           strcmp(rule->procedure, procedure) == 0 && d >= rule->from && d <= rule->to;
}

/* ---- dates ---- */

date_t docset_period_end(date_t start, struct docset_period p)
{
    int y, m, d;
    date_to_ymd(start, &y, &m, &d);
    long total = (long)y * 12 + (m - 1) + (long)p.years * 12 + p.months;
    int ty = (int)(total / 12), tm = (int)(total % 12) + 1;
    int dim = date_days_in_month(ty, tm);
    return date_from_ymd(ty, tm, d < dim ? d : dim) + p.days;
}

int docset_age_on(date_t birth, date_t d)
{
    int by, bm, bd, y, m, dd;
    date_to_ymd(birth, &by, &bm, &bd);
    date_to_ymd(d, &y, &m, &dd);
    int age = y - by;
    if (age > 0 && docset_period_end(birth, (struct docset_period){age, 0, 0}) > d)
        age--;
    return age < 0 ? 0 : age;
}

/* ---- the check ---- */

struct run {
    const struct docset_catalogue *cat;
    const struct docset_request *req;
    int category;
    struct docset_result *res;
    size_t cap_findings, cap_windows;
    bool has_unknown, defect, refer;
    int oom;
};

static void add(struct run *r, enum docset_severity sev, const char *code, const struct docset_rule *rule, int doc,
    enum docset_field field, date_t date, int64_t expected, int64_t actual)
{
    /* A document reported missing may be the page nobody could classify. */
    if (sev == DOCSET_SEV_DEFECT && r->has_unknown && strcmp(code, "missing_document") == 0)
        sev = DOCSET_SEV_REFER;
    if (sev == DOCSET_SEV_DEFECT)
        r->defect = true;
    else
        r->refer = true;
    struct docset_result *res = r->res;
    if (res->n_findings == DOCSET_FINDINGS_MAX) {
        res->truncated = true;
        return;
    }
    if (res->n_findings == r->cap_findings) {
        size_t cap = r->cap_findings ? 2 * r->cap_findings : 16;
        struct docset_finding *f = realloc(res->findings, cap * sizeof *f);
        if (!f) {
            r->oom = 1;
            return;
        }
        res->findings = f;
        r->cap_findings = cap;
    }
    struct docset_finding *f = &res->findings[res->n_findings++];
    memset(f, 0, sizeof *f);
    f->severity = sev;
    size_t cl = strlen(code);
    if (cl >= sizeof f->code)
        cl = sizeof f->code - 1;
    memcpy(f->code, code, cl);
    f->code[cl] = '\0';
    f->rule = rule;
    f->doc_index = doc;
    f->field = field;
    f->date = date;
    f->expected = expected;
    f->actual = actual;
}

static void add_window(struct run *r, int doc, const struct docset_rule *rule, date_t until)
{
    struct docset_result *res = r->res;
    if (res->n_windows == DOCSET_FINDINGS_MAX)
        return;
    if (res->n_windows == r->cap_windows) {
        size_t cap = r->cap_windows ? 2 * r->cap_windows : 8;
        struct docset_window *w = realloc(res->windows, cap * sizeof *w);
        if (!w) {
            r->oom = 1;
            return;
        }
        res->windows = w;
        r->cap_windows = cap;
    }
    res->windows[res->n_windows++] = (struct docset_window){
        .doc_index = doc,
        .rule = rule,
        .until = until,
        .ok_at_submission = r->req->submitted <= until,
        .ok_at_decision = r->req->decision <= until,
    };
}

static bool is_type(const struct docset_doc *d, const struct docset_doctype *t)
{
    return t && d->type && strcmp(d->type, t->id) == 0;
}

/* How many documents of type t the set holds: a page with several copies
 * (a sheet of prints) counts each. */
static int count_type(const struct run *r, const struct docset_doctype *t)
{
    int n = 0;
    for (size_t i = 0; i < r->req->n_docs; i++) {
        const struct docset_doc *d = &r->req->docs[i];
        n += is_type(d, t) ? (d->copies > 1 ? d->copies : 1) : 0;
    }
    return n;
}

/* Reports an absent or unreadable field the rule needs (referred: the
 * reading stage, not the person, may be at fault). Returns true if the
 * value is present. */
static bool need(struct run *r, const struct docset_rule *rule, int doc, enum docset_field f)
{
    const struct docset_value *v = &r->req->docs[doc].fields[f];
    if (v->state == DOCSET_V_PRESENT)
        return true;
    add(r, DOCSET_SEV_REFER, v->state == DOCSET_V_UNREADABLE ? "field_unreadable" : "field_missing", rule, doc, f,
        DOCSET_NO_DATE, 0, 0);
    return false;
}

/* The applicant's birth date: the first one read on any document. */
static bool birth_date(const struct run *r, date_t *ret)
{
    for (size_t i = 0; i < r->req->n_docs; i++) {
        const struct docset_value *v = &r->req->docs[i].fields[DOCSET_F_BIRTH_DATE];
        if (v->state == DOCSET_V_PRESENT) {
            *ret = v->date;
            return true;
        }
    }
    return false;
}

static void check_require(struct run *r, const struct docset_rule *rule)
{
    if (rule->age_min >= 0 || rule->age_max >= 0) {
        date_t born;
        if (!birth_date(r, &born)) {
            add(r, DOCSET_SEV_REFER, "age_unknown", rule, -1, DOCSET_F_BIRTH_DATE, DOCSET_NO_DATE, 0, 0);
            return;
        }
        int age = docset_age_on(born, r->req->submitted);
        if ((rule->age_min >= 0 && age < rule->age_min) || (rule->age_max >= 0 && age > rule->age_max))
            return;
    }
    int have = count_type(r, rule->document);
    for (size_t k = 0; k < rule->n_instead; k++)
        have += count_type(r, rule->instead[k]);
    if (have < rule->count)
        add(r, rule->severity, "missing_document", rule, -1, DOCSET_F_NONE, DOCSET_NO_DATE, rule->count, have);
}

static void check_issued_within(struct run *r, const struct docset_rule *rule)
{
    const struct docset_request *q = r->req;
    for (size_t i = 0; i < q->n_docs; i++) {
        if (!is_type(&q->docs[i], rule->document) || !need(r, rule, (int)i, rule->field))
            continue;
        date_t issued = q->docs[i].fields[rule->field].date;
        date_t until = docset_period_end(issued, rule->period);
        add_window(r, (int)i, rule, until);
        if (issued > q->submitted) {
            add(r, DOCSET_SEV_REFER, "date_implausible", rule, (int)i, rule->field, issued, 0, 0);
            continue;
        }
        if ((rule->at & DOCSET_AT_SUBMISSION) && q->submitted > until)
            add(r, rule->severity, "expired_at_submission", rule, (int)i, rule->field, until, 0, 0);
        else if ((rule->at & DOCSET_AT_DECISION) && q->decision > until)
            add(r, DOCSET_SEV_REFER, "expires_before_decision", rule, (int)i, rule->field, until, 0, 0);
    }
}

static void check_valid_through(struct run *r, const struct docset_rule *rule)
{
    const struct docset_request *q = r->req;
    date_t target = rule->until == DOCSET_UNTIL_SUBMISSION ? q->submitted
                    : rule->until == DOCSET_UNTIL_DECISION ? q->decision
                    : q->stay_end != DOCSET_NO_DATE        ? q->stay_end
                                                           : q->decision;
    for (size_t i = 0; i < q->n_docs; i++) {
        if (!is_type(&q->docs[i], rule->document) || !need(r, rule, (int)i, rule->field))
            continue;
        date_t expiry = q->docs[i].fields[rule->field].date;
        add_window(r, (int)i, rule, expiry);
        if (expiry < q->submitted)
            add(r, rule->severity, "expired_at_submission", rule, (int)i, rule->field, expiry, 0, 0);
        else if (expiry < target)
            add(r, rule->severity, "expires_too_soon", rule, (int)i, rule->field, expiry, 0, 0);
    }
}

static bool one_of(const char *text, char *const *values, size_t n);

static void check_deadline(struct run *r, const struct docset_rule *rule)
{
    const struct docset_request *q = r->req;
    int anchor_doc = -1;
    for (size_t i = 0; i < q->n_docs && anchor_doc < 0; i++)
        if (is_type(&q->docs[i], rule->document) && q->docs[i].fields[rule->field].state == DOCSET_V_PRESENT)
            anchor_doc = (int)i;
    if (anchor_doc < 0) {
        for (size_t i = 0; i < q->n_docs; i++)
            if (is_type(&q->docs[i], rule->document)) {
                need(r, rule, (int)i, rule->field);
                break;
            }
        return; /* no anchor document at all: a require rule reports it */
    }
    if (rule->when_field != DOCSET_F_NONE) {
        const struct docset_value *w = &q->docs[anchor_doc].fields[rule->when_field];
        if (w->state != DOCSET_V_PRESENT) {
            need(r, rule, anchor_doc, rule->when_field);
            return;
        }
        if (!one_of(w->text, rule->values, rule->n_values))
            return;
    }
    date_t anchor = q->docs[anchor_doc].fields[rule->field].date;
    if (anchor > q->submitted) {
        add(r, DOCSET_SEV_REFER, "date_implausible", rule, anchor_doc, rule->field, anchor, 0, 0);
        return;
    }
    date_t last;
    bool provisional = false;
    if (rule->working_days) {
        if (!q->calendar) {
            add(r, DOCSET_SEV_REFER, "calendar_unavailable", rule, anchor_doc, rule->field, DOCSET_NO_DATE, 0, 0);
            return;
        }
        last = calendar_add_working_days(q->calendar, anchor, rule->period.days, &provisional);
    } else {
        last = docset_period_end(anchor, rule->period);
    }
    if (q->submitted > last)
        add(r, provisional ? DOCSET_SEV_REFER : rule->severity, "deadline_missed", rule, anchor_doc, rule->field, last,
            0, 0);
}

static int level_index(const struct docset_catalogue *cat, const char *s)
{
    for (size_t i = 0; s && i < cat->n_levels; i++)
        if (strcmp(cat->levels[i], s) == 0)
            return (int)i;
    return -1;
}

static void check_language(struct run *r, const struct docset_rule *rule)
{
    const struct docset_request *q = r->req;
    int best = -1, best_doc = -1;
    bool unsure = false, any = false;
    r->res->level_required = rule->level;
    for (size_t i = 0; i < q->n_docs; i++) {
        if (!is_type(&q->docs[i], rule->document))
            continue;
        any = true;
        const struct docset_value *v = &q->docs[i].fields[DOCSET_F_LEVEL];
        int lv = v->state == DOCSET_V_PRESENT ? level_index(r->cat, v->text) : -1;
        if (lv < 0)
            unsure = true;
        if (lv > best) {
            best = lv;
            best_doc = (int)i;
        }
    }
    if (!any || best >= rule->level)
        return;
    if (unsure)
        add(r, DOCSET_SEV_REFER, "level_unreadable", rule, -1, DOCSET_F_LEVEL, DOCSET_NO_DATE, rule->level, best);
    else
        add(r, rule->severity, "language_level_too_low", rule, best_doc, DOCSET_F_LEVEL, DOCSET_NO_DATE, rule->level,
            best);
}

/* The version of fee rule `id` in force on d for this set, or NULL. */
static const struct docset_rule *fee_on(const struct run *r, const char *id, date_t d)
{
    for (size_t i = 0; i < r->cat->n_rules; i++) {
        const struct docset_rule *x = &r->cat->rules[i];
        if (x->kind == DOCSET_RULE_FEE && strcmp(x->id, id) == 0 &&
            docset_rule_applies(x, r->req->procedure, r->category, d))
            return x;
    }
    return NULL;
}

/* A fee is due at the rate in force on the day it was paid (a receipt paid
 * before a rate change stays good); an undated receipt is taken as paid on
 * the submission date. */
static void check_fee(struct run *r, const struct docset_rule *rule)
{
    const struct docset_request *q = r->req;
    r->res->fee_due = rule->amount;
    bool any = false, unsure = false;
    int64_t best_short = -1;
    const struct docset_rule *short_rule = rule;
    int short_doc = -1;
    for (size_t i = 0; i < q->n_docs; i++) {
        if (!is_type(&q->docs[i], rule->document))
            continue;
        any = true;
        const struct docset_value *amount = &q->docs[i].fields[DOCSET_F_AMOUNT];
        const struct docset_value *paid = &q->docs[i].fields[DOCSET_F_ISSUE_DATE];
        if (amount->state != DOCSET_V_PRESENT) {
            unsure = true;
            continue;
        }
        date_t on = paid->state == DOCSET_V_PRESENT && paid->date <= q->submitted ? paid->date : q->submitted;
        const struct docset_rule *v = fee_on(r, rule->id, on);
        if (!v)
            v = rule;
        if (amount->number >= v->amount)
            return;
        if (amount->number > best_short) {
            best_short = amount->number;
            short_rule = v;
            short_doc = (int)i;
        }
    }
    if (!any)
        return;
    if (unsure || short_doc < 0)
        add(r, DOCSET_SEV_REFER, "field_unreadable", rule, -1, DOCSET_F_AMOUNT, DOCSET_NO_DATE, rule->amount, 0);
    else
        add(r, rule->severity, "fee_insufficient", short_rule, short_doc, DOCSET_F_AMOUNT, DOCSET_NO_DATE,
            short_rule->amount, best_short);
}

/* The Latin letter a Cyrillic capital looks like in a document number
 * (А В Е К М Н О Р С Т У Х), or 0. */
static char homoglyph(int32_t cp)
{
    static const struct {
        int32_t cp;
        char latin;
    } map[] = {
        {0x410, 'A'},
        {0x412, 'B'},
        {0x415, 'E'},
        {0x41A, 'K'},
        {0x41C, 'M'},
        {0x41D, 'H'},
        {0x41E, 'O'},
        {0x420, 'P'},
        {0x421, 'C'},
        {0x422, 'T'},
        {0x423, 'Y'},
        {0x425, 'X'},
    };
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (map[k].cp == cp)
            return map[k].latin;
    return 0;
}

/* Upper-cases (base/utf8's mapping), collapses white space and trims;
 * `docnum` also drops spaces, '-', '.', '№' (and any sign outside the
 * two-byte letters), reads Cyrillic capitals that look Latin as Latin, and
 * the letter O (Latin or Cyrillic) as the digit 0: one shape in most
 * typefaces, so a reader's N0… read as NO… is not another number.
 * A byte that is not UTF-8 is kept as it is (dropped in a number). */
static void normalise(const char *s, bool docnum, char *out, size_t cap)
{
    size_t n = 0, i = 0, len = strlen(s);
    bool space = false;
    while (i < len && n + 4 < cap) {
        size_t at = i;
        int32_t cp = utf8_next((const unsigned char *)s, len, &i);
        if (cp < 0)
            i++; /* one byte that is not UTF-8 */
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
            space = n > 0;
            continue;
        }
        if (docnum && (cp < 0 || cp == '-' || cp == '.' || cp >= 0x800))
            continue;
        if (space && !docnum)
            out[n++] = ' ';
        space = false;
        int32_t up = utf8_upper(cp);
        char latin = docnum ? homoglyph(up) : 0;
        if (docnum && (up == 'O' || latin == 'O'))
            latin = '0';
        if (cp < 0)
            out[n++] = s[at];
        else if (latin)
            out[n++] = latin;
        else
            n += utf8_put(out + n, up);
    }
    out[n] = '\0';
}

static bool text_equal(const char *a, const char *b, bool docnum)
{
    char na[DOCSET_TEXT_MAX + 8], nb[DOCSET_TEXT_MAX + 8];
    normalise(a, docnum, na, sizeof na);
    normalise(b, docnum, nb, sizeof nb);
    return strcmp(na, nb) == 0;
}

#define SLIP_TEXT_MIN 6 /* code points a text needs for one letter off to be a slip */

/* Whether a and b, as normalise reads them (`docnum` or not), are one
 * edit apart at most; their lengths in code points into *la and *lb.
 * *oom set on ENOMEM (then false). */
static bool one_edit_apart(const char *a, const char *b, bool docnum, size_t *la, size_t *lb, int *oom)
{
    char na[DOCSET_TEXT_MAX + 8], nb[DOCSET_TEXT_MAX + 8];
    normalise(a, docnum, na, sizeof na);
    normalise(b, docnum, nb, sizeof nb);
    size_t d = 0;
    *la = *lb = 0;
    for (const char *c = na; *c; c++)
        *la += ((unsigned char)*c & 0xC0) != 0x80; /* a byte that starts a code point */
    for (const char *c = nb; *c; c++)
        *lb += ((unsigned char)*c & 0xC0) != 0x80;
    err_t e;
    if (distance_edit_utf8(na, strlen(na), nb, strlen(nb), 1, &d, &e) < 0) {
        *oom |= e.errnum == -ENOMEM;
        return false;
    }
    return d <= 1;
}

/* Two texts (neither a document number) one letter apart, case and spaces
 * aside, each of at least SLIP_TEXT_MIN letters: a region or a profession
 * read with one slip ("г. Моснва"), far likelier than two documents that
 * differ by one letter; referred, as a name one letter off is. A two-digit
 * region code one digit off is another region: not a slip. */
static bool one_slip_apart(const char *a, const char *b, int *oom)
{
    size_t la, lb;
    return one_edit_apart(a, b, false, &la, &lb, oom) && (la < lb ? la : lb) >= SLIP_TEXT_MIN;
}

/* Two document numbers one glyph apart in length and equal once it is
 * dropped (NO06436698 against N06436698), each of at least SLIP_TEXT_MIN
 * glyphs: a glyph read twice or missed, which a reader does and a number
 * copied with a wrong digit does not; referred, where a number of the same
 * length one digit off is another number. */
static bool one_glyph_apart(const char *a, const char *b, int *oom)
{
    size_t la, lb;
    return one_edit_apart(a, b, true, &la, &lb, oom) && (la == lb + 1 || lb == la + 1) &&
           (la < lb ? la : lb) >= SLIP_TEXT_MIN;
}

static void check_consistent(struct run *r, const struct docset_rule *rule)
{
    const struct docset_request *q = r->req;
    int ref_doc = -1;
    enum docset_field ref_field = DOCSET_F_NONE;
    for (size_t k = 0; k < rule->n_refs; k++) {
        const struct docset_ref *ref = &rule->refs[k];
        for (size_t i = 0; i < q->n_docs; i++) {
            if (!is_type(&q->docs[i], ref->doc))
                continue;
            const struct docset_value *v = &q->docs[i].fields[ref->field];
            if (v->state == DOCSET_V_UNREADABLE) {
                add(r, DOCSET_SEV_REFER, "field_unreadable", rule, (int)i, ref->field, DOCSET_NO_DATE, 0, 0);
                continue;
            }
            if (v->state != DOCSET_V_PRESENT)
                continue;
            if (ref_doc < 0) {
                ref_doc = (int)i;
                ref_field = ref->field;
                continue;
            }
            const struct docset_value *rv = &q->docs[ref_doc].fields[ref_field];
            enum docset_field_kind kind = docset_field_kind(ref->field);
            if (kind == DOCSET_KIND_DATE || kind == DOCSET_KIND_NUMBER) {
                bool same = kind == DOCSET_KIND_DATE ? v->date == rv->date : v->number == rv->number;
                if (!same) {
                    char code[40];
                    size_t fl = strlen(docset_field_name(ref->field));
                    memcpy(code, docset_field_name(ref->field), fl);
                    memcpy(code + fl, "_mismatch", sizeof "_mismatch");
                    add(r, rule->severity, code, rule, (int)i, ref->field, DOCSET_NO_DATE, 0, 0);
                }
                continue;
            }
            if (rule->match == DOCSET_MATCH_NAME) {
                enum namematch_result m;
                err_t e;
                if (namematch_compare(rv->text, strlen(rv->text), v->text, strlen(v->text), &m, &e) < 0) {
                    if (e.errnum == -ENOMEM)
                        r->oom = 1;
                    else
                        add(r, DOCSET_SEV_REFER, "name_unreadable", rule, (int)i, ref->field, DOCSET_NO_DATE, 0, 0);
                } else if (m == NAMEMATCH_NEAR) {
                    add(r, DOCSET_SEV_REFER, "name_near", rule, (int)i, ref->field, DOCSET_NO_DATE, 0, 0);
                } else if (m == NAMEMATCH_MISMATCH) {
                    add(r, rule->severity, "name_mismatch", rule, (int)i, ref->field, DOCSET_NO_DATE, 0, 0);
                }
                continue;
            }
            bool docnum = rule->match == DOCSET_MATCH_DOCNUM;
            if (!text_equal(rv->text, v->text, docnum)) {
                char code[40];
                const char *fn = docnum ? "number" : docset_field_name(ref->field);
                bool near =
                    docnum ? one_glyph_apart(rv->text, v->text, &r->oom) : one_slip_apart(rv->text, v->text, &r->oom);
                const char *tail = near ? "_near" : "_mismatch";
                size_t fl = strlen(fn);
                memcpy(code, fn, fl);
                memcpy(code + fl, tail, strlen(tail) + 1);
                add(r, near ? DOCSET_SEV_REFER : rule->severity, code, rule, (int)i, ref->field, DOCSET_NO_DATE, 0, 0);
            }
        }
    }
}

static bool one_of(const char *text, char *const *values, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (text_equal(text, values[k], false))
            return true;
    return false;
}

static void check_field_equals(struct run *r, const struct docset_rule *rule)
{
    const struct docset_request *q = r->req;
    for (size_t i = 0; i < q->n_docs; i++) {
        if (!is_type(&q->docs[i], rule->document) || !need(r, rule, (int)i, rule->field))
            continue;
        if (!one_of(q->docs[i].fields[rule->field].text, rule->values, rule->n_values))
            add(r, rule->severity, "wrong_value", rule, (int)i, rule->field, DOCSET_NO_DATE, 0, 0);
    }
}

/* A patent is valid for the months its tax advances pay for, counted from
 * its issue date: N months paid cover issue .. issue + N months - 1 day. */
static void check_paid_through(struct run *r, const struct docset_rule *rule)
{
    const struct docset_request *q = r->req;
    int64_t months = 0;
    for (size_t i = 0; i < q->n_docs; i++) {
        if (!is_type(&q->docs[i], rule->payment))
            continue;
        const struct docset_value *v = &q->docs[i].fields[DOCSET_F_MONTHS];
        if (v->state != DOCSET_V_PRESENT) {
            need(r, rule, (int)i, DOCSET_F_MONTHS);
            return;
        }
        if (v->number > 0 && v->number <= 12)
            months += v->number;
    }
    if (months > 12)
        months = 12;
    for (size_t i = 0; i < q->n_docs; i++) {
        if (!is_type(&q->docs[i], rule->document) || !need(r, rule, (int)i, rule->field))
            continue;
        date_t issued = q->docs[i].fields[rule->field].date;
        date_t until =
            months == 0 ? issued - 1 : docset_period_end(issued, (struct docset_period){0, (int)months, 0}) - 1;
        add_window(r, (int)i, rule, until);
        if ((rule->at & DOCSET_AT_SUBMISSION) && q->submitted > until)
            add(r, rule->severity, "patent_unpaid", rule, (int)i, rule->field, until, 0, months);
        else if ((rule->at & DOCSET_AT_DECISION) && q->decision > until)
            add(r, DOCSET_SEV_REFER, "patent_unpaid_at_decision", rule, (int)i, rule->field, until, 0, months);
    }
}

static int validate(const struct docset_request *q, err_t *err)
{
    if (q->submitted == DOCSET_NO_DATE || q->decision == DOCSET_NO_DATE || q->decision < q->submitted)
        return err_set(err, -EINVAL, "docset_bad_request", "The decision date must not precede the submission date.");
    if (q->n_docs > DOCSET_DOCS_MAX || (q->n_docs > 0 && !q->docs))
        return err_set(err, -EINVAL, "docset_bad_request", "A set has at most %d documents.", DOCSET_DOCS_MAX);
    for (size_t i = 0; i < q->n_docs; i++) {
        if (!q->docs[i].type)
            return err_set(err, -EINVAL, "docset_bad_request", "Document %zu has no type.", i);
        for (int f = 0; f < DOCSET_F_COUNT; f++) {
            const struct docset_value *v = &q->docs[i].fields[f];
            if (v->state == DOCSET_V_PRESENT && fields[f].kind == DOCSET_KIND_TEXT &&
                (!v->text || strlen(v->text) > DOCSET_TEXT_MAX))
                return err_set(err, -EINVAL, "docset_bad_request", "Document %zu: field %s is missing or too long.", i,
                    fields[f].name);
        }
    }
    return 0;
}

int docset_check(
    const struct docset_catalogue *cat, const struct docset_request *req, struct docset_result *ret, err_t *err)
{
    if (!cat || !req || docset_procedure_index(cat, req->procedure) < 0)
        return err_set(err, -EINVAL, "docset_unknown_procedure", "The procedure is not in the catalogue.");
    int category = docset_category_index(cat, req->category);
    if (category < 0)
        return err_set(err, -EINVAL, "docset_unknown_category", "The applicant category is not in the catalogue.");
    int rc = validate(req, err);
    if (rc < 0)
        return rc;

    struct docset_result res = {.level_required = -1, .fee_due = -1};
    struct run r = {.cat = cat, .req = req, .category = category, .res = &res};
    for (size_t i = 0; i < req->n_docs; i++) {
        const char *t = req->docs[i].type;
        if (!docset_doctype_find(cat, t, strlen(t)))
            r.has_unknown = true;
    }
    for (size_t i = 0; i < req->n_docs; i++) {
        const char *t = req->docs[i].type;
        if (!docset_doctype_find(cat, t, strlen(t)))
            add(&r, DOCSET_SEV_REFER, "unknown_document", NULL, (int)i, DOCSET_F_NONE, DOCSET_NO_DATE, 0, 0);
        if (req->docs[i].illegible)
            add(&r, DOCSET_SEV_DEFECT, "illegible", NULL, (int)i, DOCSET_F_NONE, DOCSET_NO_DATE, 0, 0);
    }

    bool not_applicable = false;
    for (size_t i = 0; i < cat->n_rules; i++) {
        const struct docset_rule *rule = &cat->rules[i];
        if (rule->kind == DOCSET_RULE_NOT_APPLICABLE &&
            docset_rule_applies(rule, req->procedure, category, req->submitted)) {
            add(&r, DOCSET_SEV_REFER, "procedure_not_applicable", rule, -1, DOCSET_F_NONE, DOCSET_NO_DATE, 0, 0);
            not_applicable = true;
        }
    }
    for (size_t i = 0; i < cat->n_rules && !not_applicable; i++) {
        const struct docset_rule *rule = &cat->rules[i];
        if (!docset_rule_applies(rule, req->procedure, category, req->submitted))
            continue;
        switch (rule->kind) {
            case DOCSET_RULE_REQUIRE: check_require(&r, rule); break;
            case DOCSET_RULE_ISSUED_WITHIN: check_issued_within(&r, rule); break;
            case DOCSET_RULE_VALID_THROUGH: check_valid_through(&r, rule); break;
            case DOCSET_RULE_DEADLINE: check_deadline(&r, rule); break;
            case DOCSET_RULE_LANGUAGE: check_language(&r, rule); break;
            case DOCSET_RULE_FEE: check_fee(&r, rule); break;
            case DOCSET_RULE_CONSISTENT: check_consistent(&r, rule); break;
            case DOCSET_RULE_FIELD_EQUALS: check_field_equals(&r, rule); break;
            case DOCSET_RULE_PAID_THROUGH: check_paid_through(&r, rule); break;
            default: break;
        }
    }
    if (r.oom) {
        docset_result_free(&res);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    /* A certain defect returns the set even when other points are unsure:
     * the person corrects it first. Otherwise any doubt goes to a registrar.
     * A procedure not open to the applicant's category is always referred. */
    res.outcome = not_applicable ? DOCSET_REFERRED
                  : r.defect     ? DOCSET_RETURNED
                  : r.refer      ? DOCSET_REFERRED
                                 : DOCSET_READY;
    *ret = res;
    return 0;
}

const struct docset_finding *docset_result_find(const struct docset_result *r, const char *code)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].code, code) == 0)
            return &r->findings[i];
    return NULL;
}

void docset_result_free(struct docset_result *r)
{
    if (!r)
        return;
    free(r->findings);
    free(r->windows);
    r->findings = NULL;
    r->windows = NULL;
    r->n_findings = r->n_windows = 0;
}
