#pragma once
/* The document-set check's rule engine: given a rule catalogue (loaded and
 * validated by docset/catalogue), a procedure, the applicant's category, the
 * submission date, the planned decision date and the documents already
 * classified and read, it decides the outcome:
 *   ready     — nothing found: the set goes to a registrar as it is;
 *   returned  — defects the person can correct (a missing document, an
 *               expired certificate, a name that is not theirs), each naming
 *               the rule (id and version) and its legal act;
 *   referred  — the machine is unsure (a name one letter off, an unreadable
 *               field, a page of unknown type): a registrar looks.
 * It never refuses: the decision belongs to a registrar.
 *
 * Pure: no I/O, no globals, no clock — "now" is the submission date the
 * caller passes. Thread-safe on a shared, read-only catalogue. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "rules/calendar.h"
#include "rules/date.h"

#define DOCSET_OPEN ((date_t)INT32_MAX)    /* effective_to of a rule still in force */
#define DOCSET_NO_DATE ((date_t)INT32_MIN) /* a date not given (stay end) */
#define DOCSET_DOCS_MAX 64                 /* documents in one set */
#define DOCSET_FINDINGS_MAX 256            /* findings reported for one set */
#define DOCSET_CATEGORIES_MAX 16           /* applicant categories in a catalogue */
#define DOCSET_TEXT_MAX 256                /* bytes of one text field */

/* The fields the reading stage extracts. Their kinds are fixed: text, date
 * (date_t) or number (int64_t). */
enum docset_field {
    DOCSET_F_NONE = -1,
    DOCSET_F_SURNAME = 0,     /* text */
    DOCSET_F_GIVEN_NAMES,     /* text */
    DOCSET_F_BIRTH_DATE,      /* date */
    DOCSET_F_DOC_NUMBER,      /* text: this document's own number */
    DOCSET_F_PASSPORT_NUMBER, /* text: the identity document's number as written here */
    DOCSET_F_ISSUE_DATE,      /* date: issue, or payment date of a receipt */
    DOCSET_F_EXPIRY_DATE,     /* date */
    DOCSET_F_ENTRY_DATE,      /* date: entry into Russia (migration card) */
    DOCSET_F_CONTRACT_DATE,   /* date: a labour contract signed or ended */
    DOCSET_F_PURPOSE,         /* text: purpose of the visit (migration card) */
    DOCSET_F_LEVEL,           /* text: language-certificate level */
    DOCSET_F_PROFESSION,      /* text */
    DOCSET_F_REGION,          /* text */
    DOCSET_F_AMOUNT,          /* number: roubles paid */
    DOCSET_F_MONTHS,          /* number: months paid (patent tax advance) */
    DOCSET_F_COUNT
};

enum docset_field_kind { DOCSET_KIND_TEXT, DOCSET_KIND_DATE, DOCSET_KIND_NUMBER };

/* The field's catalogue name ("birth_date"), or NULL out of range. */
const char *docset_field_name(enum docset_field f);
/* The field named s[0..len), or DOCSET_F_NONE. */
enum docset_field docset_field_from_name(const char *s, size_t len);
enum docset_field_kind docset_field_kind(enum docset_field f);

/* ---- The catalogue (built by docset/catalogue, read-only here) ---- */

enum docset_rule_kind {
    DOCSET_RULE_NOT_APPLICABLE, /* the procedure is not for this category: refer */
    DOCSET_RULE_REQUIRE,        /* `count` documents of `document` */
    DOCSET_RULE_ISSUED_WITHIN,  /* `field` (issue date) + period >= the date checked */
    DOCSET_RULE_VALID_THROUGH,  /* `field` (expiry date) >= submission/decision/stay end */
    DOCSET_RULE_DEADLINE,       /* submission <= anchor `field` + period (calendar or working days) */
    DOCSET_RULE_LANGUAGE,       /* a certificate at `level` or higher */
    DOCSET_RULE_FEE,            /* a receipt of at least `amount` roubles */
    DOCSET_RULE_CONSISTENT,     /* one value of a field across `refs` */
    DOCSET_RULE_FIELD_EQUALS,   /* `field` of `document` is one of `values` */
    DOCSET_RULE_PAID_THROUGH,   /* patent issue date + months paid covers the date checked */
    DOCSET_RULE_KIND_COUNT
};

enum docset_until { DOCSET_UNTIL_SUBMISSION, DOCSET_UNTIL_DECISION, DOCSET_UNTIL_STAY_END };
enum docset_match { DOCSET_MATCH_EXACT, DOCSET_MATCH_NAME, DOCSET_MATCH_DOCNUM };
enum docset_severity { DOCSET_SEV_DEFECT, DOCSET_SEV_REFER };

#define DOCSET_AT_SUBMISSION 1u
#define DOCSET_AT_DECISION 2u

struct docset_act {
    char *id;          /* "115-FZ" */
    char *title_en;    /* full citation: number, date, name, in English... */
    char *title_ru;    /* ...and in Russian, the citation the law itself uses */
    char *source_note; /* NULL, or how the catalogue knows (secondary summary …) */
};

struct docset_doctype {
    char *id; /* "medical_certificate" */
    char *title_en;
    char *title_ru;
};

/* One document type and field a consistency rule compares. */
struct docset_ref {
    const struct docset_doctype *doc; /* borrowed from the catalogue */
    enum docset_field field;
};

struct docset_period {
    int years, months, days; /* added in this order, per Civil Code art. 192 */
};

#define DOCSET_INSTEAD_MAX 4 /* a require rule's "or": at most this many other types */

/* A rule. Invariant (enforced by the loader): the versions of one id never
 * overlap in [from, to]; every reference resolves; `act` is set. */
struct docset_rule {
    char *id;    /* "patent.require.dms_policy" */
    int version; /* 1, 2, … */
    enum docset_rule_kind kind;
    char *procedure;                       /* a catalogue procedure id */
    uint32_t categories;                   /* bit i = catalogue category i */
    date_t from, to;                       /* in force, both inclusive; to may be DOCSET_OPEN */
    const struct docset_act *act;          /* borrowed: the legal act cited */
    char *article;                         /* NULL, or "art. 13.3 p. 2" */
    char *source_note;                     /* NULL, or where the rule was read */
    enum docset_severity severity;         /* what a failed check gives */
    const struct docset_doctype *document; /* require, issued_within, valid_through,
                                              deadline (anchor), language, fee,
                                              field_equals, paid_through (patent) */
    /* require ("or"): the types that count as `document` too (borrowed) */
    const struct docset_doctype *instead[DOCSET_INSTEAD_MAX];
    size_t n_instead;
    const struct docset_doctype *payment; /* paid_through: the monthly receipts */
    enum docset_field field;              /* the field the kind reads */
    int count;                            /* require: at least this many */
    int age_min, age_max;                 /* require: applies at these ages (years), -1 = no bound */
    struct docset_period period;          /* issued_within, deadline */
    bool working_days;                    /* deadline: period.days are working days */
    unsigned at;                          /* DOCSET_AT_* for issued_within, paid_through */
    enum docset_until until;              /* valid_through */
    int level;                            /* language: index into catalogue levels */
    int64_t amount;                       /* fee: roubles */
    enum docset_match match;              /* consistent */
    struct docset_ref *refs;              /* consistent: first = reference */
    size_t n_refs;
    char **values; /* field_equals; deadline: when_field's values */
    size_t n_values;
    enum docset_field when_field; /* deadline: applies only when the anchor document's
                                       when_field is one of `values`; DOCSET_F_NONE = always */
};

struct docset_change {
    int revision;
    date_t date;
    char *summary;
};

struct docset_catalogue {
    int format_version; /* the file format (the loader knows 1) */
    int revision;       /* the content's revision = last changelog entry */
    struct docset_change *changes;
    size_t n_changes;
    char **procedures;
    size_t n_procedures;
    char **categories; /* at most DOCSET_CATEGORIES_MAX */
    size_t n_categories;
    char **levels; /* language-certificate levels, lowest first */
    size_t n_levels;
    struct docset_act *acts;
    size_t n_acts;
    struct docset_doctype *doctypes;
    size_t n_doctypes;
    struct docset_rule *rules;
    size_t n_rules;
};

/* The procedure / category index, or -1. */
int docset_procedure_index(const struct docset_catalogue *cat, const char *id);
int docset_category_index(const struct docset_catalogue *cat, const char *id);
const struct docset_doctype *docset_doctype_find(const struct docset_catalogue *cat, const char *id, size_t len);

/* True if `rule` is in force on `d` for procedure/category. */
bool docset_rule_applies(const struct docset_rule *rule, const char *procedure, int category, date_t d);

/* ---- Dates ---- */

/* The last day of a period that starts on `start` (Civil Code art. 191-192:
 * a period in years or months ends on the same-numbered day of its last
 * month, or that month's last day if it has none; days are counted from the
 * day after start). Issued 2025-03-01 + 1 year → 2026-03-01; issued
 * 2024-02-29 + 1 year → 2025-02-28. */
date_t docset_period_end(date_t start, struct docset_period p);

/* Full years of age on d for someone born on `birth` (a 29 February
 * birthday turns over on 28 February in common years, by the same art. 192). */
int docset_age_on(date_t birth, date_t d);

/* ---- A set and its outcome ---- */

enum docset_value_state {
    DOCSET_V_ABSENT = 0, /* the document has no such field, or it was not read */
    DOCSET_V_PRESENT,    /* read */
    DOCSET_V_UNREADABLE, /* the field is there but could not be read */
};

struct docset_value {
    enum docset_value_state state;
    const char *text; /* text fields: UTF-8, NUL-terminated, borrowed */
    date_t date;      /* date fields */
    int64_t number;   /* number fields */
};

struct docset_doc {
    const char *type; /* a catalogue document type id, or "unknown" */
    bool illegible;   /* the page failed the scan-quality check */
    int copies;       /* how many of the document the page holds (a sheet of
                         four prints: 4); 0 or 1 = one */
    struct docset_value fields[DOCSET_F_COUNT];
};

struct docset_request {
    const char *procedure;
    const char *category;
    date_t submitted;              /* "now": the submission date */
    date_t decision;               /* the planned decision date (>= submitted) */
    date_t stay_end;               /* the planned end of stay, or DOCSET_NO_DATE */
    const struct docset_doc *docs; /* borrowed */
    size_t n_docs;                 /* at most DOCSET_DOCS_MAX */
    const calendar_t *calendar;    /* for working-day deadlines; NULL: referred */
};

enum docset_outcome { DOCSET_READY, DOCSET_RETURNED, DOCSET_REFERRED };

struct docset_finding {
    enum docset_severity severity;
    char code[40];                  /* stable: "missing_document", "name_near", … */
    const struct docset_rule *rule; /* borrowed; NULL for findings no rule makes
                                       (an unknown page, an illegible page) */
    int doc_index;                  /* the document concerned, or -1 */
    enum docset_field field;        /* the field concerned, or DOCSET_F_NONE */
    date_t date;                    /* a date that explains it (valid until …) or DOCSET_NO_DATE */
    int64_t expected, actual;       /* counts, roubles, level indexes; 0 when unused */
};

/* A document's validity window, for the person and the registrar. */
struct docset_window {
    int doc_index;
    const struct docset_rule *rule; /* borrowed */
    date_t until;                   /* last valid day */
    bool ok_at_submission, ok_at_decision;
};

struct docset_result {
    enum docset_outcome outcome;
    struct docset_finding *findings; /* caller owns the arrays (docset_result_free) */
    size_t n_findings;
    struct docset_window *windows;
    size_t n_windows;
    bool truncated;     /* more than DOCSET_FINDINGS_MAX findings */
    int level_required; /* level index the procedure needs, or -1 */
    int64_t fee_due;    /* roubles due at submission, or -1 when none */
};

/* Checks the set. Returns 0 and fills *ret (the caller frees it with
 * docset_result_free), or -EINVAL ("docset_unknown_procedure",
 * "docset_unknown_category", "docset_bad_request": dates, too many
 * documents, a NULL text) or -ENOMEM; *ret is written only on success. */
int docset_check(
    const struct docset_catalogue *cat, const struct docset_request *req, struct docset_result *ret, err_t *err);

/* Frees the arrays of r (not r itself); accepts NULL. */
void docset_result_free(struct docset_result *r);

/* The first finding with this code, or NULL; borrowed from r. */
const struct docset_finding *docset_result_find(const struct docset_result *r, const char *code);

const char *docset_outcome_name(enum docset_outcome o);     /* "ready", … */
const char *docset_rule_kind_name(enum docset_rule_kind k); /* "require", … */
