#include "docset/catalogue.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything the parse needs; `what` names the object being read in
 * messages ("rule patent.require.passport v1"). */
struct ctx {
    err_t *err;
    struct docset_catalogue *cat;
    char what[120];
};

static int bad(struct ctx *c, const char *code, const char *fmt, const char *detail)
{
    char msg[ERR_MSG_MAX];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    return err_set(c->err, -EINVAL, code, "Catalogue: %s: %s", c->what, msg);
}

static int oom(struct ctx *c)
{
    return err_set(c->err, -ENOMEM, "out_of_memory", "Out of memory.");
}

/* Refuses keys outside `allowed` (NULL-terminated), which catches typos
 * that would otherwise silently drop a condition. */
static int check_keys(struct ctx *c, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach (obj, key, v) {
        size_t k = 0;
        while (allowed[k] && strcmp(allowed[k], key) != 0)
            k++;
        if (!allowed[k])
            return bad(c, "catalogue_unknown_key", "unknown key \"%.40s\"", key);
    }
    return 0;
}

static int get_str(struct ctx *c, json_t *obj, const char *key, int required, size_t max, char **ret)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return bad(c, "catalogue_missing_key", "\"%s\" is required", key);
        *ret = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return bad(c, "catalogue_bad_type", "\"%s\" must be a string", key);
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len == 0 || len > max || memchr(s, '\0', len))
        return bad(c, "catalogue_bad_string", "\"%s\" is empty, too long or has a NUL", key);
    char *d = strdup(s);
    if (!d)
        return oom(c);
    *ret = d;
    return 0;
}

static int is_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CATALOGUE_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
            return 0;
    }
    return 1;
}

static int get_id(struct ctx *c, json_t *obj, const char *key, int required, char **ret)
{
    int r = get_str(c, obj, key, required, CATALOGUE_ID_MAX, ret);
    if (r == 0 && *ret && !is_id(*ret)) {
        free(*ret);
        *ret = NULL;
        return bad(c, "catalogue_bad_id", "\"%s\" must be lower-case letters, digits, _ . -", key);
    }
    return r;
}

static int get_int(struct ctx *c, json_t *obj, const char *key, int required, long long min, long long max,
    long long dflt, long long *ret)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            return bad(c, "catalogue_missing_key", "\"%s\" is required", key);
        *ret = dflt;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return bad(c, "catalogue_bad_number", "\"%s\" must be an integer in range", key);
    *ret = json_integer_value(v);
    return 0;
}

static int get_date(struct ctx *c, json_t *obj, const char *key, int required, date_t dflt, date_t *ret)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return bad(c, "catalogue_missing_key", "\"%s\" is required", key);
        *ret = dflt;
        return 0;
    }
    if (!json_is_string(v) || date_parse(json_string_value(v), json_string_length(v), ret) < 0)
        return bad(c, "catalogue_bad_date", "\"%s\" must be a real date YYYY-MM-DD", key);
    return 0;
}

/* Reads an array of distinct identifiers into *ret (n written to *ret_n). */
static int get_id_list(struct ctx *c, json_t *obj, const char *key, size_t max, char ***ret, size_t *ret_n)
{
    json_t *a = json_object_get(obj, key);
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > max)
        return bad(c, "catalogue_bad_list", "\"%s\" must be a non-empty array of bounded size", key);
    size_t n = json_array_size(a);
    char **list = calloc(n, sizeof *list);
    if (!list)
        return oom(c);
    *ret = list;
    *ret_n = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_string(v) || !is_id(json_string_value(v)) || strlen(json_string_value(v)) != json_string_length(v))
            return bad(c, "catalogue_bad_id", "\"%s\" has an entry that is not an identifier", key);
        for (size_t k = 0; k < i; k++)
            if (strcmp(list[k], json_string_value(v)) == 0)
                return bad(c, "catalogue_duplicate", "\"%s\" lists an entry twice", key);
        if (!(list[i] = strdup(json_string_value(v))))
            return oom(c);
        *ret_n = i + 1;
    }
    return 0;
}

static const struct docset_act *find_act(const struct docset_catalogue *cat, const char *id)
{
    for (size_t i = 0; i < cat->n_acts; i++)
        if (strcmp(cat->acts[i].id, id) == 0)
            return &cat->acts[i];
    return NULL;
}

static int get_doctype(struct ctx *c, json_t *obj, const char *key, const struct docset_doctype **ret)
{
    char *id = NULL;
    int r = get_id(c, obj, key, 1, &id);
    if (r < 0)
        return r;
    *ret = docset_doctype_find(c->cat, id, strlen(id));
    free(id);
    if (!*ret)
        return bad(c, "catalogue_unknown_document", "\"%s\" names a document type the catalogue does not declare", key);
    return 0;
}

static int get_field(
    struct ctx *c, json_t *obj, const char *key, enum docset_field dflt, int kind, enum docset_field *ret)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (dflt == DOCSET_F_NONE)
            return bad(c, "catalogue_missing_key", "\"%s\" is required", key);
        *ret = dflt;
        return 0;
    }
    enum docset_field f =
        json_is_string(v) ? docset_field_from_name(json_string_value(v), json_string_length(v)) : DOCSET_F_NONE;
    if (f == DOCSET_F_NONE)
        return bad(c, "catalogue_unknown_field", "\"%s\" names no known field", key);
    if (kind >= 0 && (int)docset_field_kind(f) != kind)
        return bad(c, "catalogue_bad_field", "\"%s\" has the wrong kind of field for this rule", key);
    *ret = f;
    return 0;
}

static int get_period(struct ctx *c, json_t *obj, struct docset_period *ret)
{
    json_t *p = json_object_get(obj, "period");
    static const char *const keys[] = {"years", "months", "days", NULL};
    if (!json_is_object(p))
        return bad(c, "catalogue_missing_key", "\"%s\" must be an object", "period");
    int r = check_keys(c, p, keys);
    long long y = 0, m = 0, d = 0;
    if (r == 0)
        r = get_int(c, p, "years", 0, 0, 50, 0, &y);
    if (r == 0)
        r = get_int(c, p, "months", 0, 0, 600, 0, &m);
    if (r == 0)
        r = get_int(c, p, "days", 0, 0, 3660, 0, &d);
    if (r < 0)
        return r;
    if (y + m + d == 0)
        return bad(c, "catalogue_bad_number", "\"%s\" must not be empty", "period");
    *ret = (struct docset_period){(int)y, (int)m, (int)d};
    return 0;
}

static int get_at(struct ctx *c, json_t *obj, unsigned *ret)
{
    json_t *a = json_object_get(obj, "at");
    if (!a) {
        *ret = DOCSET_AT_SUBMISSION;
        return 0;
    }
    unsigned at = 0;
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return bad(c, "catalogue_bad_list", "\"%s\" must list submission and/or decision", "at");
    json_array_foreach (a, i, v) {
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        unsigned bit = !strcmp(s, "submission") ? DOCSET_AT_SUBMISSION
                       : !strcmp(s, "decision") ? DOCSET_AT_DECISION
                                                : 0;
        if (!bit || (at & bit))
            return bad(c, "catalogue_bad_list", "\"%s\" must list submission and/or decision once each", "at");
        at |= bit;
    }
    *ret = at;
    return 0;
}

static const char *const common_keys[] = {"id", "version", "kind", "procedure", "categories", "effective_from",
    "effective_to", "act", "article", "source_note", "severity", "comment"};

static const char *const kind_keys[DOCSET_RULE_KIND_COUNT][7] = {
    [DOCSET_RULE_NOT_APPLICABLE] = {NULL},
    [DOCSET_RULE_REQUIRE] = {"document", "count", "age_min", "age_max", "or", NULL},
    [DOCSET_RULE_ISSUED_WITHIN] = {"document", "field", "period", "at", NULL},
    [DOCSET_RULE_VALID_THROUGH] = {"document", "field", "until", NULL},
    [DOCSET_RULE_DEADLINE] = {"document", "field", "period", "working_days", "when_field", "when_values"},
    [DOCSET_RULE_LANGUAGE] = {"document", "level", NULL},
    [DOCSET_RULE_FEE] = {"document", "amount", NULL},
    [DOCSET_RULE_CONSISTENT] = {"field", "match", "documents", NULL},
    [DOCSET_RULE_FIELD_EQUALS] = {"document", "field", "values", NULL},
    [DOCSET_RULE_PAID_THROUGH] = {"document", "field", "payment", "at", NULL},
};

static int rule_keys(struct ctx *c, json_t *obj, enum docset_rule_kind kind)
{
    const char *allowed[sizeof common_keys / sizeof common_keys[0] + 7 + 1];
    size_t n = 0;
    for (size_t i = 0; i < sizeof common_keys / sizeof common_keys[0]; i++)
        allowed[n++] = common_keys[i];
    for (size_t i = 0; kind_keys[kind][i]; i++)
        allowed[n++] = kind_keys[kind][i];
    allowed[n] = NULL;
    return check_keys(c, obj, allowed);
}

/* A require rule's "or": the document types that count as the one it
 * requires (a birth certificate proves kinship as a court's decision
 * does). Optional. */
static int parse_instead(struct ctx *c, json_t *obj, struct docset_rule *rule)
{
    json_t *a = json_object_get(obj, "or");
    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > DOCSET_INSTEAD_MAX)
        return bad(c, "catalogue_bad_list", "\"%s\" must list one to four other document types", "or");
    size_t i;
    json_t *v;
    json_array_foreach (a, i, v) {
        if (!json_is_string(v))
            return bad(c, "catalogue_bad_list", "\"%s\" entries must be strings", "or");
        const struct docset_doctype *t = docset_doctype_find(c->cat, json_string_value(v), json_string_length(v));
        if (!t)
            return bad(
                c, "catalogue_unknown_document", "\"%s\" names a document type the catalogue does not declare", "or");
        bool again = t == rule->document;
        for (size_t k = 0; k < rule->n_instead; k++)
            again = again || t == rule->instead[k];
        if (again)
            return bad(c, "catalogue_bad_list", "\"%s\" names a document type twice", "or");
        rule->instead[rule->n_instead++] = t;
    }
    return 0;
}

static int parse_refs(struct ctx *c, json_t *obj, struct docset_rule *rule)
{
    json_t *a = json_object_get(obj, "documents");
    if (!json_is_array(a) || json_array_size(a) < 2 || json_array_size(a) > CATALOGUE_ITEMS_MAX)
        return bad(c, "catalogue_bad_list", "\"%s\" must list at least two documents", "documents");
    rule->refs = calloc(json_array_size(a), sizeof *rule->refs);
    if (!rule->refs)
        return oom(c);
    size_t i;
    json_t *v;
    json_array_foreach (a, i, v) {
        if (!json_is_string(v))
            return bad(c, "catalogue_bad_list", "\"%s\" entries must be strings", "documents");
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        const char *dot = memchr(s, '.', len);
        size_t tl = dot ? (size_t)(dot - s) : len;
        struct docset_ref ref = {docset_doctype_find(c->cat, s, tl), rule->field};
        if (!ref.doc)
            return bad(c, "catalogue_unknown_document", "\"%s\" names a document type the catalogue does not declare",
                "documents");
        if (dot) {
            ref.field = docset_field_from_name(dot + 1, len - tl - 1);
            if (ref.field == DOCSET_F_NONE)
                return bad(c, "catalogue_unknown_field", "\"%s\" names no known field", "documents");
            if (docset_field_kind(ref.field) != docset_field_kind(rule->field))
                return bad(c, "catalogue_bad_field", "\"%s\" compares fields of different kinds", "documents");
        }
        rule->refs[rule->n_refs++] = ref;
    }
    return 0;
}

/* A non-empty array of short strings into rule->values. */
static int get_values(struct ctx *c, json_t *obj, const char *key, struct docset_rule *rule)
{
    json_t *a = json_object_get(obj, key);
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > CATALOGUE_ITEMS_MAX)
        return bad(c, "catalogue_bad_list", "\"%s\" must be a non-empty array", key);
    rule->values = calloc(json_array_size(a), sizeof *rule->values);
    if (!rule->values)
        return oom(c);
    json_array_foreach (a, i, v) {
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > DOCSET_TEXT_MAX ||
            strlen(json_string_value(v)) != json_string_length(v))
            return bad(c, "catalogue_bad_list", "\"%s\" entries must be short strings", key);
        if (!(rule->values[rule->n_values] = strdup(json_string_value(v))))
            return oom(c);
        rule->n_values++;
    }
    return 0;
}

static int parse_rule(struct ctx *c, json_t *obj, struct docset_rule *rule)
{
    struct docset_catalogue *cat = c->cat;
    rule->field = DOCSET_F_NONE;
    rule->when_field = DOCSET_F_NONE;
    rule->age_min = rule->age_max = -1;
    rule->count = 1;
    if (!json_is_object(obj))
        return bad(c, "catalogue_bad_type", "a rule must be an %s", "object");
    int r = get_id(c, obj, "id", 1, &rule->id);
    if (r < 0)
        return r;
    long long version;
    if ((r = get_int(c, obj, "version", 1, 1, 1000000, 1, &version)) < 0)
        return r;
    rule->version = (int)version;
    snprintf(c->what, sizeof c->what, "rule %s v%d", rule->id, rule->version);

    json_t *k = json_object_get(obj, "kind");
    int kind = -1;
    for (int i = 0; json_is_string(k) && i < DOCSET_RULE_KIND_COUNT; i++)
        if (strcmp(docset_rule_kind_name((enum docset_rule_kind)i), json_string_value(k)) == 0)
            kind = i;
    if (kind < 0)
        return bad(c, "catalogue_unknown_kind", "\"kind\" is not one of the rule kinds%s", "");
    rule->kind = (enum docset_rule_kind)kind;
    if ((r = rule_keys(c, obj, rule->kind)) < 0)
        return r;

    if ((r = get_id(c, obj, "procedure", 1, &rule->procedure)) < 0)
        return r;
    if (docset_procedure_index(cat, rule->procedure) < 0)
        return bad(c, "catalogue_unknown_procedure", "\"procedure\" is not declared%s", "");
    json_t *cats = json_object_get(obj, "categories");
    size_t i;
    json_t *v;
    if (!json_is_array(cats) || json_array_size(cats) == 0)
        return bad(c, "catalogue_bad_list", "\"%s\" must list applicant categories", "categories");
    json_array_foreach (cats, i, v) {
        int ci = json_is_string(v) ? docset_category_index(cat, json_string_value(v)) : -1;
        if (ci < 0)
            return bad(c, "catalogue_unknown_category", "\"categories\" names an undeclared category%s", "");
        if (rule->categories & (1u << ci))
            return bad(c, "catalogue_duplicate", "\"categories\" lists a category twice%s", "");
        rule->categories |= 1u << ci;
    }

    if ((r = get_date(c, obj, "effective_from", 1, 0, &rule->from)) < 0 ||
        (r = get_date(c, obj, "effective_to", 0, DOCSET_OPEN, &rule->to)) < 0)
        return r;
    if (rule->to < rule->from)
        return bad(c, "catalogue_bad_date", "effective_to precedes effective_from%s", "");

    char *act = NULL;
    json_t *av = json_object_get(obj, "act");
    if (!av)
        return bad(c, "catalogue_missing_citation", "the rule cites no legal act%s", "");
    if ((r = get_id(c, obj, "act", 1, &act)) < 0)
        return r;
    rule->act = find_act(cat, act);
    free(act);
    if (!rule->act)
        return bad(c, "catalogue_unknown_act", "\"act\" is not declared in \"acts\"%s", "");
    if ((r = get_str(c, obj, "article", 0, CATALOGUE_STRING_MAX, &rule->article)) < 0 ||
        (r = get_str(c, obj, "source_note", 0, CATALOGUE_STRING_MAX, &rule->source_note)) < 0)
        return r;
    if (!rule->article && !rule->source_note)
        return bad(c, "catalogue_missing_citation",
            "the rule needs an \"article\" or a \"source_note\" saying where it was read%s", "");
    json_t *sev = json_object_get(obj, "severity");
    if (sev) {
        const char *s = json_is_string(sev) ? json_string_value(sev) : "";
        if (strcmp(s, "defect") && strcmp(s, "refer"))
            return bad(c, "catalogue_bad_value", "\"severity\" must be defect or refer%s", "");
        rule->severity = strcmp(s, "refer") == 0 ? DOCSET_SEV_REFER : DOCSET_SEV_DEFECT;
    }
    json_t *comment = json_object_get(obj, "comment");
    if (comment && !json_is_string(comment))
        return bad(c, "catalogue_bad_type", "\"%s\" must be a string", "comment");

    long long n;
    switch (rule->kind) {
        case DOCSET_RULE_NOT_APPLICABLE: break;
        case DOCSET_RULE_REQUIRE:
            if ((r = get_doctype(c, obj, "document", &rule->document)) < 0 ||
                (r = get_int(c, obj, "count", 0, 1, 20, 1, &n)) < 0)
                return r;
            rule->count = (int)n;
            if ((r = get_int(c, obj, "age_min", 0, 0, 150, -1, &n)) < 0)
                return r;
            rule->age_min = (int)n;
            if ((r = get_int(c, obj, "age_max", 0, 0, 150, -1, &n)) < 0)
                return r;
            rule->age_max = (int)n;
            if (rule->age_min >= 0 && rule->age_max >= 0 && rule->age_max < rule->age_min)
                return bad(c, "catalogue_bad_number", "age_max is below age_min%s", "");
            if ((r = parse_instead(c, obj, rule)) < 0)
                return r;
            break;
        case DOCSET_RULE_ISSUED_WITHIN:
        case DOCSET_RULE_PAID_THROUGH:
            if ((r = get_doctype(c, obj, "document", &rule->document)) < 0 ||
                (r = get_field(c, obj, "field", DOCSET_F_ISSUE_DATE, DOCSET_KIND_DATE, &rule->field)) < 0 ||
                (r = get_at(c, obj, &rule->at)) < 0)
                return r;
            if (rule->kind == DOCSET_RULE_ISSUED_WITHIN)
                r = get_period(c, obj, &rule->period);
            else
                r = get_doctype(c, obj, "payment", &rule->payment);
            if (r < 0)
                return r;
            break;
        case DOCSET_RULE_VALID_THROUGH: {
            if ((r = get_doctype(c, obj, "document", &rule->document)) < 0 ||
                (r = get_field(c, obj, "field", DOCSET_F_EXPIRY_DATE, DOCSET_KIND_DATE, &rule->field)) < 0)
                return r;
            json_t *u = json_object_get(obj, "until");
            const char *s = json_is_string(u) ? json_string_value(u) : "";
            if (!strcmp(s, "submission"))
                rule->until = DOCSET_UNTIL_SUBMISSION;
            else if (!strcmp(s, "decision"))
                rule->until = DOCSET_UNTIL_DECISION;
            else if (!strcmp(s, "stay_end"))
                rule->until = DOCSET_UNTIL_STAY_END;
            else
                return bad(c, "catalogue_bad_value", "\"until\" must be submission, decision or stay_end%s", "");
            break;
        }
        case DOCSET_RULE_DEADLINE: {
            if ((r = get_doctype(c, obj, "document", &rule->document)) < 0 ||
                (r = get_field(c, obj, "field", DOCSET_F_NONE, DOCSET_KIND_DATE, &rule->field)) < 0 ||
                (r = get_period(c, obj, &rule->period)) < 0)
                return r;
            json_t *w = json_object_get(obj, "working_days");
            if (w && !json_is_boolean(w))
                return bad(c, "catalogue_bad_type", "\"%s\" must be true or false", "working_days");
            rule->working_days = w && json_is_true(w);
            if (rule->working_days && (rule->period.years || rule->period.months))
                return bad(c, "catalogue_bad_number", "a working-day period counts days only%s", "");
            if (json_object_get(obj, "when_field") || json_object_get(obj, "when_values")) {
                if ((r = get_field(c, obj, "when_field", DOCSET_F_NONE, DOCSET_KIND_TEXT, &rule->when_field)) < 0 ||
                    (r = get_values(c, obj, "when_values", rule)) < 0)
                    return r;
            }
            break;
        }
        case DOCSET_RULE_LANGUAGE: {
            if ((r = get_doctype(c, obj, "document", &rule->document)) < 0)
                return r;
            json_t *l = json_object_get(obj, "level");
            rule->level = -1;
            for (size_t li = 0; json_is_string(l) && li < cat->n_levels; li++)
                if (strcmp(cat->levels[li], json_string_value(l)) == 0)
                    rule->level = (int)li;
            if (rule->level < 0)
                return bad(c, "catalogue_unknown_level", "\"level\" is not declared in \"levels\"%s", "");
            break;
        }
        case DOCSET_RULE_FEE:
            if ((r = get_doctype(c, obj, "document", &rule->document)) < 0 ||
                (r = get_int(c, obj, "amount", 1, 0, 100000000, 0, &n)) < 0)
                return r;
            rule->amount = n;
            break;
        case DOCSET_RULE_CONSISTENT: {
            if ((r = get_field(c, obj, "field", DOCSET_F_NONE, -1, &rule->field)) < 0)
                return r;
            json_t *m = json_object_get(obj, "match");
            const char *s = json_is_string(m) ? json_string_value(m) : "";
            if (!strcmp(s, "exact"))
                rule->match = DOCSET_MATCH_EXACT;
            else if (!strcmp(s, "name"))
                rule->match = DOCSET_MATCH_NAME;
            else if (!strcmp(s, "docnum"))
                rule->match = DOCSET_MATCH_DOCNUM;
            else
                return bad(c, "catalogue_bad_value", "\"match\" must be exact, name or docnum%s", "");
            if (rule->match != DOCSET_MATCH_EXACT && docset_field_kind(rule->field) != DOCSET_KIND_TEXT)
                return bad(c, "catalogue_bad_field", "name and docnum matching compare text fields%s", "");
            if ((r = parse_refs(c, obj, rule)) < 0)
                return r;
            break;
        }
        case DOCSET_RULE_FIELD_EQUALS:
            if ((r = get_doctype(c, obj, "document", &rule->document)) < 0 ||
                (r = get_field(c, obj, "field", DOCSET_F_NONE, DOCSET_KIND_TEXT, &rule->field)) < 0 ||
                (r = get_values(c, obj, "values", rule)) < 0)
                return r;
            break;
        default: break;
    }
    return 0;
}

/* The versions of one rule id: distinct numbers, one kind and procedure,
 * never two in force on the same day for the same category, and no day
 * between the first and the last that none covers. */
static int check_versions(struct ctx *c)
{
    const struct docset_catalogue *cat = c->cat;
    for (size_t i = 0; i < cat->n_rules; i++)
        for (size_t j = i + 1; j < cat->n_rules; j++) {
            const struct docset_rule *a = &cat->rules[i], *b = &cat->rules[j];
            if (strcmp(a->id, b->id) != 0)
                continue;
            snprintf(c->what, sizeof c->what, "rule %s v%d and v%d", a->id, a->version, b->version);
            if (a->version == b->version)
                return bad(c, "catalogue_duplicate", "the same version appears twice%s", "");
            if (a->kind != b->kind || strcmp(a->procedure, b->procedure) != 0)
                return bad(
                    c, "catalogue_versions_differ", "versions of one rule must keep its kind and procedure%s", "");
            if ((a->categories & b->categories) && a->from <= b->to && b->from <= a->to)
                return bad(c, "catalogue_overlap", "two versions are in force on the same day%s", "");
        }
    /* No hole between versions: the version after one that ends must start
     * the next day, so closing a rule without its successor is caught. */
    for (size_t i = 0; i < cat->n_rules; i++) {
        const struct docset_rule *a = &cat->rules[i];
        if (a->to == DOCSET_OPEN)
            continue;
        const struct docset_rule *next = NULL;
        for (size_t j = 0; j < cat->n_rules; j++) {
            const struct docset_rule *b = &cat->rules[j];
            if (strcmp(a->id, b->id) == 0 && b->from > a->to && (!next || b->from < next->from))
                next = b;
        }
        if (next && next->from != a->to + 1) {
            snprintf(c->what, sizeof c->what, "rule %s v%d and v%d", a->id, a->version, next->version);
            return bad(c, "catalogue_gap", "days between two versions are covered by neither%s", "");
        }
    }
    return 0;
}

static int parse_changelog(struct ctx *c, json_t *root)
{
    struct docset_catalogue *cat = c->cat;
    json_t *a = json_object_get(root, "changelog");
    snprintf(c->what, sizeof c->what, "changelog");
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > CATALOGUE_RULES_MAX)
        return bad(c, "catalogue_bad_changelog", "\"%s\" must be a non-empty array", "changelog");
    cat->changes = calloc(json_array_size(a), sizeof *cat->changes);
    if (!cat->changes)
        return oom(c);
    static const char *const keys[] = {"revision", "date", "summary", NULL};
    size_t i;
    json_t *v;
    json_array_foreach (a, i, v) {
        struct docset_change *ch = &cat->changes[i];
        long long rev;
        int r;
        if (!json_is_object(v))
            return bad(c, "catalogue_bad_changelog", "entries must be %s", "objects");
        if ((r = check_keys(c, v, keys)) < 0 || (r = get_int(c, v, "revision", 1, 1, 1000000, 0, &rev)) < 0 ||
            (r = get_date(c, v, "date", 1, 0, &ch->date)) < 0 ||
            (r = get_str(c, v, "summary", 1, CATALOGUE_STRING_MAX, &ch->summary)) < 0)
            return r;
        ch->revision = (int)rev;
        cat->n_changes = i + 1;
        if (i > 0 && (ch->revision != cat->changes[i - 1].revision + 1 || ch->date < cat->changes[i - 1].date))
            return bad(c, "catalogue_bad_changelog", "revisions must count up by one with dates in order%s", "");
    }
    if (cat->changes[cat->n_changes - 1].revision != cat->revision)
        return bad(c, "catalogue_bad_changelog", "the last entry must be the catalogue's \"revision\"%s", "");
    return 0;
}

static int parse_root(struct ctx *c, json_t *root)
{
    struct docset_catalogue *cat = c->cat;
    static const char *const keys[] = {"format", "format_version", "revision", "comment", "changelog", "procedures",
        "categories", "levels", "acts", "document_types", "rules", NULL};
    snprintf(c->what, sizeof c->what, "top level");
    if (!json_is_object(root))
        return bad(c, "catalogue_bad_type", "the catalogue must be a JSON %s", "object");
    json_t *fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), CATALOGUE_FORMAT) != 0)
        return bad(c, "catalogue_bad_format", "\"format\" must be \"%s\"", CATALOGUE_FORMAT);
    long long fv, rev;
    int r = get_int(c, root, "format_version", 1, 0, 1000000, 0, &fv);
    if (r < 0)
        return r;
    if (fv != CATALOGUE_FORMAT_VERSION)
        return err_set(c->err, -EINVAL, "catalogue_unknown_version",
            "Catalogue: format_version %lld is not one this uchet reads (it reads %d).", fv, CATALOGUE_FORMAT_VERSION);
    cat->format_version = (int)fv;
    if ((r = check_keys(c, root, keys)) < 0 || (r = get_int(c, root, "revision", 1, 1, 1000000, 0, &rev)) < 0)
        return r;
    cat->revision = (int)rev;
    if ((r = parse_changelog(c, root)) < 0)
        return r;

    snprintf(c->what, sizeof c->what, "declarations");
    if ((r = get_id_list(c, root, "procedures", CATALOGUE_ITEMS_MAX, &cat->procedures, &cat->n_procedures)) < 0 ||
        (r = get_id_list(c, root, "categories", DOCSET_CATEGORIES_MAX, &cat->categories, &cat->n_categories)) < 0 ||
        (r = get_id_list(c, root, "levels", CATALOGUE_ITEMS_MAX, &cat->levels, &cat->n_levels)) < 0)
        return r;

    json_t *acts = json_object_get(root, "acts");
    if (!json_is_array(acts) || json_array_size(acts) == 0 || json_array_size(acts) > CATALOGUE_ITEMS_MAX)
        return bad(c, "catalogue_bad_list", "\"%s\" must be a non-empty array", "acts");
    if (!(cat->acts = calloc(json_array_size(acts), sizeof *cat->acts)))
        return oom(c);
    static const char *const act_keys[] = {"id", "title_en", "title_ru", "source_note", NULL};
    size_t i;
    json_t *v;
    json_array_foreach (acts, i, v) {
        struct docset_act *a = &cat->acts[i];
        snprintf(c->what, sizeof c->what, "act %zu", i);
        if (!json_is_object(v))
            return bad(c, "catalogue_bad_type", "an act must be an %s", "object");
        cat->n_acts = i + 1;
        if ((r = check_keys(c, v, act_keys)) < 0 || (r = get_id(c, v, "id", 1, &a->id)) < 0 ||
            (r = get_str(c, v, "title_en", 1, CATALOGUE_STRING_MAX, &a->title_en)) < 0 ||
            (r = get_str(c, v, "title_ru", 1, CATALOGUE_STRING_MAX, &a->title_ru)) < 0 ||
            (r = get_str(c, v, "source_note", 0, CATALOGUE_STRING_MAX, &a->source_note)) < 0)
            return r;
        for (size_t k = 0; k < i; k++)
            if (strcmp(cat->acts[k].id, a->id) == 0)
                return bad(c, "catalogue_duplicate", "act \"%s\" is declared twice", a->id);
    }

    json_t *docs = json_object_get(root, "document_types");
    if (!json_is_array(docs) || json_array_size(docs) == 0 || json_array_size(docs) > CATALOGUE_ITEMS_MAX)
        return bad(c, "catalogue_bad_list", "\"%s\" must be a non-empty array", "document_types");
    if (!(cat->doctypes = calloc(json_array_size(docs), sizeof *cat->doctypes)))
        return oom(c);
    static const char *const doc_keys[] = {"id", "title_en", "title_ru", NULL};
    json_array_foreach (docs, i, v) {
        struct docset_doctype *d = &cat->doctypes[i];
        snprintf(c->what, sizeof c->what, "document type %zu", i);
        if (!json_is_object(v))
            return bad(c, "catalogue_bad_type", "a document type must be an %s", "object");
        cat->n_doctypes = i + 1;
        if ((r = check_keys(c, v, doc_keys)) < 0 || (r = get_id(c, v, "id", 1, &d->id)) < 0 ||
            (r = get_str(c, v, "title_en", 1, CATALOGUE_STRING_MAX, &d->title_en)) < 0 ||
            (r = get_str(c, v, "title_ru", 1, CATALOGUE_STRING_MAX, &d->title_ru)) < 0)
            return r;
        if (strcmp(d->id, "unknown") == 0)
            return bad(c, "catalogue_bad_id", "\"%s\" is reserved for pages nobody could classify", "unknown");
        if (docset_doctype_find(cat, d->id, strlen(d->id)) != d)
            return bad(c, "catalogue_duplicate", "document type \"%s\" is declared twice", d->id);
    }

    json_t *rules = json_object_get(root, "rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0 || json_array_size(rules) > CATALOGUE_RULES_MAX)
        return bad(c, "catalogue_bad_list", "\"%s\" must be a non-empty array", "rules");
    if (!(cat->rules = calloc(json_array_size(rules), sizeof *cat->rules)))
        return oom(c);
    json_array_foreach (rules, i, v) {
        snprintf(c->what, sizeof c->what, "rule %zu", i);
        cat->n_rules = i + 1;
        if ((r = parse_rule(c, v, &cat->rules[i])) < 0)
            return r;
    }
    return check_versions(c);
}

int catalogue_parse(const char *json, size_t len, struct docset_catalogue **ret, err_t *err)
{
    if (!json || len > CATALOGUE_FILE_MAX)
        return err_set(err, -EINVAL, "catalogue_too_big", "The catalogue is larger than %d bytes.", CATALOGUE_FILE_MAX);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return err_set(err, -EINVAL, "catalogue_syntax", "Catalogue: JSON error at line %d: %.120s", je.line, je.text);
    struct docset_catalogue *cat = calloc(1, sizeof *cat);
    if (!cat) {
        json_decref(root);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    struct ctx c = {.err = err, .cat = cat};
    int r = parse_root(&c, root);
    json_decref(root);
    if (r < 0) {
        catalogue_free(cat);
        return r;
    }
    *ret = cat;
    return 0;
}

int catalogue_load_file(const char *path, struct docset_catalogue **ret, err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(err, -errno, "catalogue_io", "Cannot open the catalogue file.");
    char *buf = malloc(CATALOGUE_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, CATALOGUE_FILE_MAX + 1, f) : 0;
    int rerr = ferror(f);
    fclose(f);
    if (!buf)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r;
    if (rerr)
        r = err_set(err, -EIO, "catalogue_io", "Cannot read the catalogue file.");
    else if (n > CATALOGUE_FILE_MAX)
        r = err_set(err, -EFBIG, "catalogue_too_big", "The catalogue is larger than %d bytes.", CATALOGUE_FILE_MAX);
    else
        r = catalogue_parse(buf, n, ret, err);
    free(buf);
    return r;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

void catalogue_free(struct docset_catalogue *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; cat->changes && i < cat->n_changes; i++)
        free(cat->changes[i].summary);
    free(cat->changes);
    free_list(cat->procedures, cat->n_procedures);
    free_list(cat->categories, cat->n_categories);
    free_list(cat->levels, cat->n_levels);
    for (size_t i = 0; cat->acts && i < cat->n_acts; i++) {
        free(cat->acts[i].id);
        free(cat->acts[i].title_en);
        free(cat->acts[i].title_ru);
        free(cat->acts[i].source_note);
    }
    free(cat->acts);
    for (size_t i = 0; cat->doctypes && i < cat->n_doctypes; i++) {
        free(cat->doctypes[i].id);
        free(cat->doctypes[i].title_en);
        free(cat->doctypes[i].title_ru);
    }
    free(cat->doctypes);
    for (size_t i = 0; cat->rules && i < cat->n_rules; i++) {
        struct docset_rule *r = &cat->rules[i];
        free(r->id);
        free(r->procedure);
        free(r->article);
        free(r->source_note);
        free(r->refs);
        free_list(r->values, r->n_values);
    }
    free(cat->rules);
    free(cat);
}
