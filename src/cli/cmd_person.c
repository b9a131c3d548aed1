/* uchetctl person add, uchetctl demo */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "base/secret.h"
#include "cli/cmd.h"
#include "rules/date.h"
#include "rules/policy.h"
#include "store/db.h"
#include "store/person.h"
#include "store/store.h"

static const char PERSON_USAGE[] =
    "Usage: uchetctl person add --document-kind card|passport [--document-number N]\n"
    "         --surname S --given-names G --birth-date YYYY-MM-DD --citizenship ISO3\n"
    "         --purpose work|study|private|tourism|business|other\n"
    "         --entry-regime visa_free|visa --language CODE\n"
    "         [--surname-cyr S] [--given-names-cyr G] [--passport-number N]\n"
    "\n"
    "Creates a person and prints a one-time activation code on the last line. The\n"
    "person activates the account in the app with that code (valid 30 days).\n"
    "--passport-number adds the passport as a second document for log-in when the\n"
    "card is lost. Languages: ru uk tg uz ro en fr de ky kk zh tr ka hy az.\n"
    "Without --document-number a card gets a new number from uchet: 9 random digits\n"
    "and a Luhn check digit, printed before the code.\n"
    "\n"
    "Usage: uchetctl person verify-document --document-kind K --document-number N\n"
    "Marks a document as seen by a registrar (a minor's passport added by a\n"
    "guardian stays unverified until then; look-ups say so).\n"
    "\n"
    "Usage: uchetctl person reissue-code --document-kind K --document-number N --reason TEXT\n"
    "Password recovery: a new activation code; the old password and every session\n"
    "end (uchetctl person reissue-code --help).\n";

static int set_field(char *dst, size_t cap, const char *v, const char *name, err_t *e)
{
    if (!v[0] || strlen(v) >= cap)
        return err_set(e, -EINVAL, "usage", "--%s must be 1 to %zu characters.", name, cap - 1);
    snprintf(dst, cap, "%s", v);
    return 0;
}

static int validate(const person_add_op_t *o, err_t *e)
{
    date_t d;
    purpose_t p;
    entry_regime_t er;
    if (strcmp(o->doc_kind, "card") && strcmp(o->doc_kind, "passport"))
        return err_set(e, -EINVAL, "usage", "--document-kind is card or passport.");
    if ((!o->doc_number[0] && strcmp(o->doc_kind, "card")) || !o->in.surname[0] || !o->in.given_names[0])
        return err_set(
            e, -EINVAL, "usage", "--document-number (for a passport), --surname and --given-names are required.");
    if (date_parse(o->in.birth_date, strlen(o->in.birth_date), &d) < 0)
        return err_set(e, -EINVAL, "usage", "--birth-date must be a real date YYYY-MM-DD.");
    if (!person_citizenship_valid(o->in.citizenship))
        return err_set(e, -EINVAL, "usage", "--citizenship is an ISO 3166 alpha-3 code such as TJK.");
    if (policy_purpose_parse(o->in.purpose, &p) < 0)
        return err_set(e, -EINVAL, "usage", "--purpose is work, study, private, tourism, business or other.");
    if (policy_entry_regime_parse(o->in.entry_regime, &er) < 0)
        return err_set(e, -EINVAL, "usage", "--entry-regime is visa_free or visa.");
    if (!person_language_known(o->in.language))
        return err_set(e, -EINVAL, "usage", "--language is one of ru uk tg uz ro en fr de ky kk zh tr ka hy az.");
    return 0;
}

static int parse_person(int argc, char **argv, person_add_op_t *o, err_t *e)
{
    static const struct option opts[] = {{"document-kind", 1, NULL, 'k'}, {"document-number", 1, NULL, 'n'},
        {"surname", 1, NULL, 's'}, {"given-names", 1, NULL, 'g'}, {"surname-cyr", 1, NULL, 'S'},
        {"given-names-cyr", 1, NULL, 'G'}, {"birth-date", 1, NULL, 'b'}, {"citizenship", 1, NULL, 'c'},
        {"purpose", 1, NULL, 'p'}, {"entry-regime", 1, NULL, 'e'}, {"language", 1, NULL, 'l'},
        {"passport-number", 1, NULL, 'P'}, {NULL, 0, NULL, 0}};
    person_view_t *p = &o->in;
    int c, r = 0;
    optind = 1;
    while (r == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
            case 'k': r = set_field(o->doc_kind, sizeof o->doc_kind, optarg, "document-kind", e); break;
            case 'n': r = set_field(o->doc_number, sizeof o->doc_number, optarg, "document-number", e); break;
            case 's': r = set_field(p->surname, sizeof p->surname, optarg, "surname", e); break;
            case 'g': r = set_field(p->given_names, sizeof p->given_names, optarg, "given-names", e); break;
            case 'S': r = set_field(p->surname_cyr, sizeof p->surname_cyr, optarg, "surname-cyr", e); break;
            case 'G': r = set_field(p->given_names_cyr, sizeof p->given_names_cyr, optarg, "given-names-cyr", e); break;
            case 'b': r = set_field(p->birth_date, sizeof p->birth_date, optarg, "birth-date", e); break;
            case 'c': r = set_field(p->citizenship, sizeof p->citizenship, optarg, "citizenship", e); break;
            case 'p': r = set_field(p->purpose, sizeof p->purpose, optarg, "purpose", e); break;
            case 'e': r = set_field(p->entry_regime, sizeof p->entry_regime, optarg, "entry-regime", e); break;
            case 'l': r = set_field(p->language, sizeof p->language, optarg, "language", e); break;
            case 'P':
                snprintf(o->second_doc_kind, sizeof o->second_doc_kind, "passport");
                r = set_field(o->second_doc_number, sizeof o->second_doc_number, optarg, "passport-number", e);
                break;
            default: r = err_set(e, -EINVAL, "usage", "Unknown option; see uchetctl person add --help.");
        }
    }
    if (r == 0 && optind < argc)
        r = err_set(e, -EINVAL, "usage", "Unexpected argument \"%s\".", argv[optind]);
    return r < 0 ? r : validate(o, e);
}

/* Creates the person; writes the activation code (caller shows it). */
static int add_person(const cli_t *cli, person_add_op_t *o, char code[SECRET_CODE_CHARS + 1], err_t *e)
{
    store_t *s;
    int r = store_open(cli->database, 1, 0, &s, e);
    if (r < 0)
        return r;
    secret_code_new(code);
    secret_code_hash(code, strlen(code), o->code_hash);
    o->now = cli->now;
    r = store_run_sync(s, &o->op);
    if (r < 0)
        *e = o->op.err;
    store_close(s);
    return r;
}

/* uchetctl person verify-document --document-kind K --document-number N:
 * a registrar has seen the document (a minor's passport typed in by a
 * guardian is unverified until then; issue 12). */
static int verify_document(const cli_t *cli, int argc, char **argv)
{
    person_verify_doc_op_t o;
    person_verify_doc_op_init(&o);
    err_t e = {0};
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--document-kind"))
            set_field(o.doc_kind, sizeof o.doc_kind, argv[i + 1], "document-kind", &e);
        else if (!strcmp(argv[i], "--document-number"))
            set_field(o.doc_number, sizeof o.doc_number, argv[i + 1], "document-number", &e);
    }
    if ((strcmp(o.doc_kind, "card") && strcmp(o.doc_kind, "passport")) || !o.doc_number[0] || argc != 6) {
        fputs("Usage: uchetctl person verify-document --document-kind card|passport --document-number N\n", stderr);
        return 2;
    }
    store_t *s;
    int r = store_open(cli->database, 1, 0, &s, &e);
    if (r == 0) {
        o.now = cli->now;
        if ((r = store_run_sync(s, &o.op)) < 0)
            e = o.op.err;
        store_close(s);
    }
    if (r < 0) {
        fprintf(stderr, "uchetctl person verify-document: %s\n", e.msg);
        return 1;
    }
    puts("document verified");
    return 0;
}

int cmd_person(const cli_t *cli, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify-document") == 0)
        return verify_document(cli, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "reissue-code") == 0)
        return cmd_person_reissue(cli, argc, argv);
    if (argc < 2 || strcmp(argv[1], "add") != 0) {
        fputs(PERSON_USAGE, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
        return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(PERSON_USAGE, stdout);
            return 0;
        }
    person_add_op_t o;
    person_add_op_init(&o);
    err_t e = {0};
    char code[SECRET_CODE_CHARS + 1];
    if (parse_person(argc - 1, argv + 1, &o, &e) < 0) {
        fprintf(stderr, "uchetctl person add: %s\n", e.msg);
        return 2;
    }
    bool assign = !o.doc_number[0]; /* a card number from uchet: random, retried on a clash */
    int r, tries = 0;
    do {
        if (assign)
            person_card_number_new(o.doc_number);
        err_clear(&e);
        r = add_person(cli, &o, code, &e);
    } while (assign && r == -EEXIST && strcmp(e.code, "document_exists") == 0 && ++tries < 5);
    if (r < 0) {
        fprintf(stderr, "uchetctl person add: %s\n", e.msg);
        return 1;
    }
    if (assign)
        printf("card number %s\n", o.doc_number);
    printf("person %lld created; give them this activation code:\n%s\n", (long long)o.ret_id, code);
    return 0;
}

typedef struct demo_person {
    const char *kind, *number, *surname, *given, *birth, *cit, *purpose, *regime, *lang;
} demo_person_t;

static const demo_person_t demo[] = {
    {"card", "7700000001", "RAHIMOV", "FARRUKH", "1994-03-15", "TJK", "work", "visa_free", "tg"},
    {"card", "7700000002", "KARIMOVA", "DILNOZA", "1998-07-02", "UZB", "work", "visa_free", "uz"},
    {"card", "5000000003", "CEBAN", "ION", "1990-11-23", "MDA", "work", "visa_free", "ro"},
};

/* The demo's ready-made account: a known password, so that every `make run`
 * can print a working log-in (activation codes are stored hashed and cannot
 * be shown again). Only `uchetctl demo` sets it; never use it in production. */
#define DEMO_PASSWORD "uchet-demo-2025"
static const char SQL_DEMO_PASSWORD[] =
    "UPDATE persons SET password_hash = ?, activation_hash = NULL, activation_expires_at = NULL"
    " WHERE id = (SELECT person_id FROM documents WHERE kind = 'card' AND number = ?) AND password_hash IS NULL";

static int set_demo_password(const cli_t *cli, const char *card, err_t *e)
{
    char hash[SECRET_PWHASH_MAX];
    db_t *db;
    db_stmt_t *st;
    int r = secret_password_hash(DEMO_PASSWORD, strlen(DEMO_PASSWORD), 0, 0, hash);
    if (r < 0 || (r = db_open(cli->database, false, &db, e)) < 0)
        return r;
    if ((r = db_prepare(db, SQL_DEMO_PASSWORD, &st, e)) == 0) {
        db_bind_text(st, 1, hash);
        db_bind_text(st, 2, card);
        r = db_run(st, e);
    }
    db_close(db);
    return r;
}

static const char DEMO_USAGE[] = "Usage: uchetctl demo [--force]\n"
                                 "Adds three demo persons and a demo registrar with a PUBLISHED password, for\n"
                                 "`make run` and trying uchet out. Refuses a PostgreSQL database and an SQLite\n"
                                 "database that holds anything but demo data (another person, officer or API\n"
                                 "key), since the demo password would then open a real database; --force\n"
                                 "does it anyway. Running it again on a demo database is harmless.\n";

/* Rows that are not demo data: persons without a demo card, officers other
 * than the demo registrar, API keys. */
static const char SQL_NOT_DEMO[] =
    "SELECT (SELECT COUNT(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.person_id = p.id"
    "          AND d.kind = 'card' AND d.number IN ('7700000001', '7700000002', '5000000003')))"
    "     + (SELECT COUNT(*) FROM officers WHERE NOT (login = 'registrar' AND name = 'Demo Registrar'))"
    "     + (SELECT COUNT(*) FROM api_keys)";

/* 0 when the database holds demo data only (or nothing); -EEXIST otherwise. */
static int demo_only(const cli_t *cli, err_t *e)
{
    db_t *db;
    db_stmt_t *st;
    int64_t n = 0;
    int r = db_open(cli->database, true, &db, e);
    if (r < 0)
        return r;
    if ((r = db_begin_read(db, e)) == 0) {
        if ((r = db_prepare(db, SQL_NOT_DEMO, &st, e)) == 0 && (r = db_step(st, e)) == 1) {
            n = db_col_int(st, 0);
            db_run(st, NULL);
            r = 0;
        }
        db_rollback(db);
    }
    db_close(db);
    if (r < 0)
        return r;
    return n > 0 ? err_set(
                       e, -EEXIST, "not_demo", "This database holds %lld row(s) that are not demo data.", (long long)n)
                 : 0;
}

int cmd_demo(const cli_t *cli, int argc, char **argv)
{
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force")) {
            force = true;
        } else {
            bool help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
            fputs(DEMO_USAGE, help ? stdout : stderr);
            return help ? 0 : 2;
        }
    }
    err_t pe = {0};
    if (!force && db_kind_of(cli->database) == DB_POSTGRES) {
        fputs("uchetctl demo: refusing a PostgreSQL database (a published password would open it);"
              " use an SQLite file, or --force\n",
            stderr);
        return 1;
    }
    if (!force && demo_only(cli, &pe) < 0) {
        fprintf(stderr,
            "uchetctl demo: refusing: %s The demo's published password must not open a real"
            " database; use a new file, or --force\n",
            pe.msg);
        return 1;
    }
    puts("Demo persons (activate each in the app at /app/ with its code, then log in):");
    for (size_t i = 0; i < sizeof demo / sizeof demo[0]; i++) {
        const demo_person_t *d = &demo[i];
        person_add_op_t o;
        person_add_op_init(&o);
        snprintf(o.doc_kind, sizeof o.doc_kind, "%s", d->kind);
        snprintf(o.doc_number, sizeof o.doc_number, "%s", d->number);
        snprintf(o.in.surname, sizeof o.in.surname, "%s", d->surname);
        snprintf(o.in.given_names, sizeof o.in.given_names, "%s", d->given);
        snprintf(o.in.birth_date, sizeof o.in.birth_date, "%s", d->birth);
        snprintf(o.in.citizenship, sizeof o.in.citizenship, "%s", d->cit);
        snprintf(o.in.purpose, sizeof o.in.purpose, "%s", d->purpose);
        snprintf(o.in.entry_regime, sizeof o.in.entry_regime, "%s", d->regime);
        snprintf(o.in.language, sizeof o.in.language, "%s", d->lang);
        err_t e = {0};
        char code[SECRET_CODE_CHARS + 1];
        int r = add_person(cli, &o, code, &e);
        if (r == -EEXIST) {
            printf("  %s %s: card %s (already there)\n", d->given, d->surname, d->number);
            continue;
        }
        if (r < 0) {
            fprintf(stderr, "uchetctl demo: %s\n", e.msg);
            return 1;
        }
        if (i == 0)
            printf("  %s %s: card %s (ready to use, below)\n", d->given, d->surname, d->number);
        else
            printf("  %s %s: card %s, activation code %s\n", d->given, d->surname, d->number, code);
    }
    if (set_demo_password(cli, demo[0].number, &pe) < 0) {
        fprintf(stderr, "uchetctl demo: %s\n", pe.msg);
        return 1;
    }
    printf("Ready to use: log in as %s %s with card %s and password %s\n", demo[0].given, demo[0].surname,
        demo[0].number, DEMO_PASSWORD);
    if (cmd_demo_officer(cli, "registrar", DEMO_PASSWORD) != 0)
        return 1;
    printf("Desk (/desk/): log in as registrar with password %s\n", DEMO_PASSWORD);
    return 0;
}
