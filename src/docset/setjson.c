#include "docset/setjson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct setjson {
    json_t *root; /* owns every string the request borrows */
    struct docset_doc *docs;
    struct docset_request req;
};

static int key_in(const char *key, const char *const *allowed)
{
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(allowed[i], key) == 0)
            return 1;
    return 0;
}

static int keys_ok(json_t *obj, const char *const *allowed, const char *where, err_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach (obj, key, v) {
        if (!key_in(key, allowed))
            return err_set(err, -EINVAL, "set_unknown_key", "Set: %s has an unknown key \"%.40s\".", where, key);
    }
    return 0;
}

static int get_date(json_t *obj, const char *key, int required, date_t *ret, err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            return err_set(err, -EINVAL, "set_bad_date", "Set: \"%s\" is required.", key);
        *ret = DOCSET_NO_DATE;
        return 0;
    }
    if (!json_is_string(v) || date_parse(json_string_value(v), json_string_length(v), ret) < 0)
        return err_set(err, -EINVAL, "set_bad_date", "Set: \"%s\" must be a date YYYY-MM-DD.", key);
    return 0;
}

static int short_string(json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= DOCSET_TEXT_MAX &&
           strlen(json_string_value(v)) == json_string_length(v);
}

static int parse_doc(json_t *d, size_t i, struct docset_doc *doc, err_t *err)
{
    static const char *const keys[] = {"type", "illegible", "fields", "unreadable", NULL};
    char where[32];
    snprintf(where, sizeof where, "document %zu", i);
    if (!json_is_object(d))
        return err_set(err, -EINVAL, "set_bad_document", "Set: %s is not an object.", where);
    int r = keys_ok(d, keys, where, err);
    if (r < 0)
        return r;
    json_t *type = json_object_get(d, "type");
    if (!short_string(type))
        return err_set(err, -EINVAL, "set_bad_document", "Set: %s needs a \"type\".", where);
    doc->type = json_string_value(type);
    json_t *ill = json_object_get(d, "illegible");
    if (ill && !json_is_boolean(ill))
        return err_set(err, -EINVAL, "set_bad_document", "Set: %s: \"illegible\" must be true or false.", where);
    doc->illegible = ill && json_is_true(ill);
    json_t *fields = json_object_get(d, "fields");
    if (fields && !json_is_object(fields))
        return err_set(err, -EINVAL, "set_bad_field", "Set: %s: \"fields\" must be an object.", where);
    const char *key;
    json_t *v;
    json_object_foreach (fields, key, v) {
        enum docset_field f = docset_field_from_name(key, strlen(key));
        if (f == DOCSET_F_NONE)
            return err_set(err, -EINVAL, "set_bad_field", "Set: %s: unknown field \"%.40s\".", where, key);
        if (json_is_null(v))
            continue;
        struct docset_value *val = &doc->fields[f];
        switch (docset_field_kind(f)) {
            case DOCSET_KIND_TEXT:
                if (!short_string(v))
                    return err_set(
                        err, -EINVAL, "set_bad_field", "Set: %s: \"%s\" must be a short string.", where, key);
                val->text = json_string_value(v);
                break;
            case DOCSET_KIND_DATE:
                if (!json_is_string(v) || date_parse(json_string_value(v), json_string_length(v), &val->date) < 0)
                    return err_set(
                        err, -EINVAL, "set_bad_date", "Set: %s: \"%s\" must be a date YYYY-MM-DD.", where, key);
                break;
            case DOCSET_KIND_NUMBER:
                if (!json_is_integer(v) || json_integer_value(v) < -1000000000000LL ||
                    json_integer_value(v) > 1000000000000LL)
                    return err_set(err, -EINVAL, "set_bad_field", "Set: %s: \"%s\" must be an integer.", where, key);
                val->number = json_integer_value(v);
                break;
        }
        val->state = DOCSET_V_PRESENT;
    }
    json_t *unr = json_object_get(d, "unreadable");
    if (unr && !json_is_array(unr))
        return err_set(err, -EINVAL, "set_bad_field", "Set: %s: \"unreadable\" must be an array.", where);
    size_t k;
    json_array_foreach (unr, k, v) {
        enum docset_field f =
            json_is_string(v) ? docset_field_from_name(json_string_value(v), json_string_length(v)) : DOCSET_F_NONE;
        if (f == DOCSET_F_NONE || doc->fields[f].state == DOCSET_V_PRESENT)
            return err_set(err, -EINVAL, "set_bad_field",
                "Set: %s: \"unreadable\" names an unknown field or one that has a value.", where);
        doc->fields[f].state = DOCSET_V_UNREADABLE;
    }
    return 0;
}

int setjson_parse(const char *json, size_t len, setjson_t **ret, err_t *err)
{
    if (!json || len > SETJSON_BYTES_MAX)
        return err_set(err, -EINVAL, "set_too_big", "Set: larger than %d bytes.", SETJSON_BYTES_MAX);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return err_set(err, -EINVAL, "set_syntax", "Set: JSON error at line %d: %.120s", je.line, je.text);
    setjson_t *s = calloc(1, sizeof *s);
    if (!s) {
        json_decref(root);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    s->root = root;
    static const char *const keys[] = {
        "procedure", "category", "submitted", "decision", "stay_end", "documents", "truth", NULL};
    int r = 0;
    json_t *docs = json_object_get(root, "documents");
    json_t *proc = json_object_get(root, "procedure"), *category = json_object_get(root, "category");
    if (!json_is_object(root))
        r = err_set(err, -EINVAL, "set_syntax", "Set: must be a JSON object.");
    else if ((r = keys_ok(root, keys, "the set", err)) < 0)
        ;
    else if (!short_string(proc) || !short_string(category))
        r = err_set(err, -EINVAL, "set_bad_request", "Set: \"procedure\" and \"category\" are required strings.");
    else if (!json_is_array(docs))
        r = err_set(err, -EINVAL, "set_bad_request", "Set: \"documents\" must be an array.");
    else if (json_array_size(docs) > DOCSET_DOCS_MAX)
        r = err_set(err, -EINVAL, "set_too_many_documents", "Set: at most %d documents.", DOCSET_DOCS_MAX);
    if (r == 0) {
        s->req.procedure = json_string_value(proc);
        s->req.category = json_string_value(category);
        if ((r = get_date(root, "submitted", 1, &s->req.submitted, err)) == 0 &&
            (r = get_date(root, "decision", 1, &s->req.decision, err)) == 0)
            r = get_date(root, "stay_end", 0, &s->req.stay_end, err);
    }
    if (r == 0 && json_array_size(docs) > 0) {
        s->docs = calloc(json_array_size(docs), sizeof *s->docs);
        if (!s->docs)
            r = err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
        for (size_t i = 0; r == 0 && i < json_array_size(docs); i++)
            r = parse_doc(json_array_get(docs, i), i, &s->docs[i], err);
    }
    if (r < 0) {
        setjson_free(s);
        return r;
    }
    s->req.docs = s->docs;
    s->req.n_docs = json_array_size(docs);
    *ret = s;
    return 0;
}

const struct docset_request *setjson_request(const setjson_t *s)
{
    return &s->req;
}

json_t *setjson_truth(const setjson_t *s)
{
    return json_object_get(s->root, "truth");
}

void setjson_free(setjson_t *s)
{
    if (!s)
        return;
    json_decref(s->root);
    free(s->docs);
    free(s);
}

static json_t *date_json(date_t d)
{
    if (d == DOCSET_NO_DATE || d == DOCSET_OPEN)
        return json_null();
    char buf[11];
    date_format(d, buf);
    return json_string(buf);
}

json_t *setjson_result(
    const struct docset_catalogue *cat, const struct docset_request *req, const struct docset_result *res)
{
    json_t *out = json_object(), *findings = json_array(), *windows = json_array();
    if (!out || !findings || !windows) {
        json_decref(out);
        json_decref(findings);
        json_decref(windows);
        return NULL;
    }
    int bad = 0;
    bad |= json_object_set_new(out, "outcome", json_string(docset_outcome_name(res->outcome)));
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct docset_finding *f = &res->findings[i];
        const struct docset_rule *r = f->rule;
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:I, s:I}", "severity",
            f->severity == DOCSET_SEV_DEFECT ? "defect" : "refer", "code", f->code, "rule",
            r ? json_string(r->id) : json_null(), "version", r ? json_integer(r->version) : json_null(), "act",
            r ? json_string(r->act->title_en) : json_null(), "article",
            r && r->article ? json_string(r->article) : json_null(), "document", f->doc_index, "type",
            f->doc_index >= 0  ? json_string(req->docs[f->doc_index].type)
            : r && r->document ? json_string(r->document->id)
                               : json_null(),
            "field", f->field != DOCSET_F_NONE ? json_string(docset_field_name(f->field)) : json_null(), "date",
            date_json(f->date), "expected", (json_int_t)f->expected, "actual", (json_int_t)f->actual);
        bad |= !o || json_array_append_new(findings, o);
    }
    for (size_t i = 0; i < res->n_windows; i++) {
        const struct docset_window *w = &res->windows[i];
        json_t *o = json_pack("{s:i, s:s, s:o, s:b, s:b}", "document", w->doc_index, "rule", w->rule->id, "valid_until",
            date_json(w->until), "ok_at_submission", w->ok_at_submission, "ok_at_decision", w->ok_at_decision);
        bad |= !o || json_array_append_new(windows, o);
    }
    bad |= json_object_set_new(out, "findings", findings);
    bad |= json_object_set_new(out, "windows", windows);
    bad |= json_object_set_new(out, "truncated", json_boolean(res->truncated));
    bad |= json_object_set_new(
        out, "level_required", res->level_required >= 0 ? json_string(cat->levels[res->level_required]) : json_null());
    bad |= json_object_set_new(out, "fee_due", res->fee_due >= 0 ? json_integer(res->fee_due) : json_null());
    bad |= json_object_set_new(out, "catalogue_revision", json_integer(cat->revision));
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}
