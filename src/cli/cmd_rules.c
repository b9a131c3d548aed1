/* uchetctl rules show|check|evaluate — the rule files for operators: `check`
 * loads and validates the document-set catalogue and the settlement
 * catalogue as uchetd would at start (exit 0 valid, 1 refused); `show` prints
 * the rules in force on a date, by procedure and category; `evaluate` checks
 * one set given as JSON and prints the outcome. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "docset/catalogue.h"
#include "docset/setjson.h"
#include "docs/settlement_file.h"
#include "store/caldata.h"
#include "store/region.h"
#include "rules/date.h"
#include "rules/docset.h"

static const char RULES_USAGE[] = "Usage: uchetctl rules check [FILE]\n"
                                  "       uchetctl rules check --settlements [FILE]\n"
                                  "       uchetctl rules show [--on DATE] [--procedure P] [--category C] [FILE]\n"
                                  "       uchetctl rules evaluate SET.json [FILE]\n"
                                  "\n"
                                  "The rule files uchetd reads at start. FILE defaults to the document-set rule\n"
                                  "catalogue DATA_DIR/docsets/catalogue.json (docs/DOCSETS.md).\n"
                                  "\n"
                                  "  check   load and validate the catalogue: format version, dates, references,\n"
                                  "          citations, overlapping rule versions. Without FILE, also the\n"
                                  "          settlement catalogue DATA_DIR/settlements/catalogue.txt (region and\n"
                                  "          name a line, data/settlements/README): a malformed line is named with\n"
                                  "          its file and line number. --settlements checks the settlement\n"
                                  "          catalogue alone (FILE, or the one in DATA_DIR). Exit 0 valid, 1 refused\n"
                                  "          or missing (the reason on stderr), 2 usage.\n"
                                  "  show    print the rules in force on DATE (YYYY-MM-DD; default today), each\n"
                                  "          with its id, version, kind, categories, dates and legal act;\n"
                                  "          --procedure and --category narrow the list.\n"
                                  "  evaluate  check the document set in SET.json (format in docs/DOCSETS.md;\n"
                                  "          - reads stdin) against the catalogue and print the outcome as JSON:\n"
                                  "          ready, returned (defects, each citing its rule and act) or referred.\n"
                                  "          Working-day deadlines use DATA_DIR/calendar/ru. Exit 0 when checked,\n"
                                  "          1 on a bad set or catalogue, 2 usage.\n";

static int evaluate(const cli_t *cli, const char *set_path, const char *cat_path)
{
    FILE *f = strcmp(set_path, "-") ? fopen(set_path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "uchetctl rules: cannot open %s: %s\n", set_path, strerror(errno));
        return 1;
    }
    char *buf = malloc(SETJSON_BYTES_MAX + 1);
    size_t n = buf ? fread(buf, 1, SETJSON_BYTES_MAX + 1, f) : 0;
    if (f != stdin)
        fclose(f);
    if (!buf || n > SETJSON_BYTES_MAX) {
        fprintf(stderr, "uchetctl rules: %s\n", buf ? "the set is too big" : "out of memory");
        free(buf);
        return 1;
    }
    err_t e = {0};
    setjson_t *set = NULL;
    struct docset_catalogue *cat = NULL;
    calendar_t *cal = NULL;
    char dir[1024];
    int years = 0, status = 1;
    snprintf(dir, sizeof dir, "%s/calendar/ru", cli->data_dir);
    int r = setjson_parse(buf, n, &set, &e);
    free(buf);
    if (r == 0)
        r = catalogue_load_file(cat_path, &cat, &e);
    if (r == 0)
        r = caldata_load(dir, &cal, &years, &e);
    if (r == 0) {
        struct docset_request req = *setjson_request(set);
        req.calendar = cal;
        struct docset_result res;
        r = docset_check(cat, &req, &res, &e);
        if (r == 0) {
            json_t *out = setjson_result(cat, &req, &res);
            docset_result_free(&res);
            if (out) {
                json_dumpf(out, stdout, JSON_INDENT(2));
                putchar('\n');
                json_decref(out);
                status = 0;
            }
        }
    }
    if (status != 0)
        fprintf(stderr, "uchetctl rules: %s\n", e.msg[0] ? e.msg : "out of memory");
    setjson_free(set);
    catalogue_free(cat);
    calendar_free(cal);
    return status;
}

static void print_rule(const struct docset_catalogue *cat, const struct docset_rule *r)
{
    char from[11], to[11];
    date_format(r->from, from);
    if (r->to == DOCSET_OPEN)
        memcpy(to, "open", 5);
    else
        date_format(r->to, to);
    printf("  %s v%d  %s  [", r->id, r->version, docset_rule_kind_name(r->kind));
    bool first = true;
    for (size_t i = 0; i < cat->n_categories; i++)
        if (r->categories & (1u << i)) {
            printf("%s%s", first ? "" : " ", cat->categories[i]);
            first = false;
        }
    printf("]  %s..%s%s\n", from, to, r->severity == DOCSET_SEV_REFER ? "  (refers)" : "");
    switch (r->kind) {
        case DOCSET_RULE_REQUIRE:
            printf("      %d × %s", r->count, r->document->id);
            for (size_t k = 0; k < r->n_instead; k++)
                printf(" or %s", r->instead[k]->id);
            if (r->age_min >= 0 || r->age_max >= 0)
                printf(" (ages %d..%d)", r->age_min, r->age_max);
            putchar('\n');
            break;
        case DOCSET_RULE_ISSUED_WITHIN:
            printf("      %s.%s + %dy %dm %dd\n", r->document->id, docset_field_name(r->field), r->period.years,
                r->period.months, r->period.days);
            break;
        case DOCSET_RULE_VALID_THROUGH:
            printf("      %s.%s >= %s\n", r->document->id, docset_field_name(r->field),
                r->until == DOCSET_UNTIL_SUBMISSION ? "submission"
                : r->until == DOCSET_UNTIL_DECISION ? "decision"
                                                    : "stay end");
            break;
        case DOCSET_RULE_DEADLINE:
            printf("      submission <= %s.%s + %d %sdays\n", r->document->id, docset_field_name(r->field),
                r->period.days, r->working_days ? "working " : "");
            break;
        case DOCSET_RULE_LANGUAGE: printf("      %s level >= %s\n", r->document->id, cat->levels[r->level]); break;
        case DOCSET_RULE_FEE: printf("      %s >= %lld roubles\n", r->document->id, (long long)r->amount); break;
        case DOCSET_RULE_CONSISTENT:
            printf("      %s (%s) across %zu documents\n", docset_field_name(r->field),
                r->match == DOCSET_MATCH_NAME     ? "name"
                : r->match == DOCSET_MATCH_DOCNUM ? "number"
                                                  : "exact",
                r->n_refs);
            break;
        case DOCSET_RULE_FIELD_EQUALS:
            printf("      %s.%s is one of %zu values\n", r->document->id, docset_field_name(r->field), r->n_values);
            break;
        case DOCSET_RULE_PAID_THROUGH: printf("      %s paid by %s\n", r->document->id, r->payment->id); break;
        default: break;
    }
    printf("      act: %s%s%s\n", r->act->title_en, r->article ? ", " : "", r->article ? r->article : "");
    if (r->source_note && !(r->act->source_note && strcmp(r->source_note, r->act->source_note) == 0))
        printf("      note: %s\n", r->source_note);
}

/* The settlement catalogue (issue 17), read and parsed as uchetd reads it
 * at start (docs/settlement_file.h); a parse error names the file and line.
 * A missing file is refused here although uchetd starts without it: the
 * check was asked to vouch for a file that is not there. 0 valid, 1 not. */
static int check_settlements(const char *path)
{
    settlement_catalogue_t *cat = NULL;
    err_t e = {0};
    int r = settlement_file_load(path, &cat, &e);
    if (r < 0) {
        fprintf(stderr, "uchetctl rules: %s\n", e.msg[0] ? e.msg : strerror(-r));
        if (r == -ENOENT)
            fprintf(stderr, "uchetctl rules: without it uchetd answers every address check as unknown\n");
        else if (e.code[0])
            fprintf(stderr, "uchetctl rules: code %s\n", e.code);
        return 1;
    }
    printf("%s: valid (%zu settlement names)\n", path, settlement_catalogue_size(cat));
    settlement_catalogue_free(cat);
    return 0;
}

/* Loads the document-set catalogue at path into *ret (caller frees with
 * catalogue_free); on failure says why on stderr and returns -1. */
static int load_docsets(const char *path, struct docset_catalogue **ret)
{
    err_t e = {0};
    int r = catalogue_load_file(path, ret, &e);
    if (r < 0) {
        fprintf(stderr, "uchetctl rules: %s: %s\n", path, e.msg[0] ? e.msg : strerror(-r));
        if (e.code[0])
            fprintf(stderr, "uchetctl rules: code %s\n", e.code);
        return -1;
    }
    return 0;
}

/* `check`: the document-set catalogue at docsets_path, then the settlement
 * catalogue at settlements_path, each unless NULL; 0 when all were valid. */
static int check(const char *docsets_path, const char *settlements_path)
{
    int status = 0;
    struct docset_catalogue *cat = NULL;
    if (docsets_path) {
        if (load_docsets(docsets_path, &cat) < 0) {
            status = 1;
        } else {
            printf("%s: valid (format %d, revision %d, %zu procedures, %zu categories, %zu document types, "
                   "%zu acts, %zu rules)\n",
                docsets_path, cat->format_version, cat->revision, cat->n_procedures, cat->n_categories, cat->n_doctypes,
                cat->n_acts, cat->n_rules);
            catalogue_free(cat);
        }
    }
    if (settlements_path && check_settlements(settlements_path) != 0)
        status = 1;
    return status;
}

int cmd_rules(const cli_t *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(RULES_USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    bool show = !strcmp(argv[1], "show");
    if (!strcmp(argv[1], "evaluate")) {
        if (argc < 3 || argc > 4) {
            fputs(RULES_USAGE, stderr);
            return 2;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/docsets/catalogue.json", cli->data_dir);
        return evaluate(cli, argv[2], argc == 4 ? argv[3] : path);
    }
    if (!show && strcmp(argv[1], "check") != 0) {
        fputs(RULES_USAGE, stderr);
        return 2;
    }
    const char *file = NULL, *procedure = NULL, *category = NULL;
    bool only_settlements = false;
    date_t on = date_local(cli->now, REGION_DEFAULT_UTC_OFFSET_MIN);
    for (int i = 2; i < argc; i++) {
        if (!show && !strcmp(argv[i], "--settlements")) {
            only_settlements = true;
        } else if (show && i + 1 < argc && !strcmp(argv[i], "--on")) {
            if (date_parse(argv[i + 1], strlen(argv[i + 1]), &on) < 0) {
                fprintf(stderr, "uchetctl rules: --on wants YYYY-MM-DD\n");
                return 2;
            }
            i++;
        } else if (show && i + 1 < argc && !strcmp(argv[i], "--procedure")) {
            procedure = argv[++i];
        } else if (show && i + 1 < argc && !strcmp(argv[i], "--category")) {
            category = argv[++i];
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else {
            fputs(RULES_USAGE, stderr);
            return 2;
        }
    }
    char path[1024], settlements[1024];
    snprintf(path, sizeof path, "%s/docsets/catalogue.json", cli->data_dir);
    snprintf(settlements, sizeof settlements, "%s/settlements/catalogue.txt", cli->data_dir);
    if (!show) {
        /* FILE alone names a document-set catalogue, as it did before the
         * settlements joined; without FILE both of DATA_DIR's are checked. */
        if (only_settlements)
            return check(NULL, file ? file : settlements);
        return check(file ? file : path, file ? NULL : settlements);
    }
    struct docset_catalogue *cat = NULL;
    if (load_docsets(file ? file : path, &cat) < 0)
        return 1;
    int category_index = category ? docset_category_index(cat, category) : -1;
    if ((procedure && docset_procedure_index(cat, procedure) < 0) || (category && category_index < 0)) {
        fprintf(stderr, "uchetctl rules: unknown %s\n",
            procedure && docset_procedure_index(cat, procedure) < 0 ? "procedure" : "category");
        catalogue_free(cat);
        return 2;
    }
    char day[11];
    date_format(on, day);
    printf("Catalogue revision %d, rules in force on %s\n", cat->revision, day);
    for (size_t p = 0; p < cat->n_procedures; p++) {
        if (procedure && strcmp(procedure, cat->procedures[p]) != 0)
            continue;
        printf("\n%s\n", cat->procedures[p]);
        for (size_t i = 0; i < cat->n_rules; i++) {
            const struct docset_rule *rule = &cat->rules[i];
            if (strcmp(rule->procedure, cat->procedures[p]) != 0 || on < rule->from || on > rule->to)
                continue;
            if (category && !(rule->categories & (1u << category_index)))
                continue;
            print_rule(cat, rule);
        }
    }
    catalogue_free(cat);
    return 0;
}
