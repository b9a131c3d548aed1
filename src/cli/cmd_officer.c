/* uchetctl officer add, uchetctl apikey add|revoke — the credentials of the
 * desk and of other systems. Secrets are printed once and never stored in
 * plain text. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/parse.h"
#include "base/secret.h"
#include "cli/cmd.h"
#include "store/apikey.h"
#include "store/officer.h"
#include "store/store.h"

static const char OFFICER_USAGE[] =
    "Usage: uchetctl officer add --login LOGIN --name NAME --role registrar|inspector|auditor|supervisor\n"
    "                            [--password-stdin]\n"
    "       uchetctl officer disable LOGIN [--reason TEXT]\n"
    "       uchetctl officer reset LOGIN [--reason TEXT]\n"
    "       uchetctl officer list\n"
    "\n"
    "add: creates a desk account. Without --password-stdin a strong password is\n"
    "generated and printed once on the last line; with it, the first line of standard\n"
    "input is the password (at least 12 characters). The first desk log-in enrols a\n"
    "TOTP authenticator app (QR code) and shows 10 single-use recovery codes.\n"
    "disable: the officer can no longer log in; every open desk session ends.\n"
    "reset: a new generated password (printed once on the last line), the\n"
    "authenticator to enrol again, every open desk session ends.\n"
    "list: every officer: id, login, role, state (active, not enrolled, disabled), name.\n"
    "Each change is an audit event of the operator.\n"
    "Roles: a registrar decides appeals and may look persons up; an inspector looks\n"
    "persons up (always with a reason); an auditor reads the audit log and never a\n"
    "person's record; a supervisor manages officers at the desk (not their own\n"
    "account) and never sees a person's record.\n";

static const char APIKEY_USAGE[] = "Usage: uchetctl apikey add --name NAME\n"
                                   "       uchetctl apikey revoke ID\n"
                                   "\n"
                                   "add: creates a key for another system and prints it once on the last line\n"
                                   "(only its SHA-256 is kept). The system sends it as `Authorization: ApiKey KEY`\n"
                                   "to POST /api/v1/integration/registrations, which can only end a registration\n"
                                   "when the person registered in a region outside the regime.\n"
                                   "revoke: the key with that ID stops working at once.\n";

static bool has_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

/* Runs one op in a store of its own and copies its error out. */
static int run_op(const cli_t *cli, store_op_t *op, err_t *e)
{
    store_t *s;
    int r = store_open(cli->database, 1, 0, &s, e);
    if (r < 0)
        return r;
    r = store_run_sync(s, op);
    if (r < 0)
        *e = op->err;
    store_close(s);
    return r;
}

static int set_text(char *dst, size_t cap, const char *v, const char *name, err_t *e)
{
    if (!v[0] || strlen(v) >= cap)
        return err_set(e, -EINVAL, "usage", "--%s must be 1 to %zu bytes.", name, cap - 1);
    snprintf(dst, cap, "%s", v);
    return 0;
}

static int parse_officer(int argc, char **argv, officer_add_op_t *o, bool *ret_stdin, err_t *e)
{
    static const struct option opts[] = {{"login", 1, NULL, 'l'}, {"name", 1, NULL, 'n'}, {"role", 1, NULL, 'r'},
        {"password-stdin", 0, NULL, 'p'}, {NULL, 0, NULL, 0}};
    int c, r = 0;
    bool role_set = false;
    optind = 1;
    while (r == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
            case 'l': r = set_text(o->login, sizeof o->login, optarg, "login", e); break;
            case 'n': r = set_text(o->name, sizeof o->name, optarg, "name", e); break;
            case 'r':
                role_set = officer_role_parse(optarg, &o->role) == 0;
                if (!role_set)
                    r = err_set(e, -EINVAL, "usage", "--role is registrar, inspector, auditor or supervisor.");
                break;
            case 'p': *ret_stdin = true; break;
            default: r = err_set(e, -EINVAL, "usage", "Unknown option; see uchetctl officer add --help.");
        }
    }
    if (r == 0 && optind < argc)
        r = err_set(e, -EINVAL, "usage", "Unexpected argument \"%s\".", argv[optind]);
    if (r == 0 && (!o->login[0] || !o->name[0] || !role_set))
        r = err_set(e, -EINVAL, "usage", "--login, --name and --role are required.");
    return r;
}

/* The first line of stdin, without its line end; at least
 * LIMIT_PASSWORD_MIN characters. */
static int read_password(char *pw, size_t cap, err_t *e)
{
    if (!fgets(pw, (int)cap, stdin))
        return err_set(e, -EINVAL, "usage", "No password on standard input.");
    size_t n = strcspn(pw, "\r\n");
    if (n > LIMIT_PASSWORD_MAX)
        return err_set(e, -EINVAL, "usage", "The password is longer than %d bytes.", LIMIT_PASSWORD_MAX);
    pw[n] = '\0';
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    if (chars < LIMIT_PASSWORD_MIN)
        return err_set(e, -EINVAL, "usage", "The password must have at least %d characters.", LIMIT_PASSWORD_MIN);
    return 0;
}

/* Two activation-style codes: about 118 random bits, no look-alike letters. */
static void generate_password(char *pw, size_t cap)
{
    char a[SECRET_CODE_CHARS + 1], b[SECRET_CODE_CHARS + 1];
    secret_code_new(a);
    secret_code_new(b);
    snprintf(pw, cap, "%s-%s", a, b);
    sodium_memzero(a, sizeof a);
    sodium_memzero(b, sizeof b);
}

/* Hashes the password into o and stores the officer. */
static int create_officer(const cli_t *cli, officer_add_op_t *o, const char *password, err_t *e)
{
    o->now = cli->now;
    int r = secret_password_hash(password, strlen(password), cli->argon2_ops, cli->argon2_mem, o->password_hash);
    if (r < 0)
        return err_set(e, r, "out_of_memory", "Cannot hash the password (out of memory).");
    return run_op(cli, &o->op, e);
}

static int officer_add(const cli_t *cli, int argc, char **argv)
{
    officer_add_op_t o;
    officer_add_op_init(&o);
    err_t e = {0};
    bool from_stdin = false;
    char pw[LIMIT_PASSWORD_MAX + 2];
    if (parse_officer(argc, argv, &o, &from_stdin, &e) < 0 || (from_stdin && read_password(pw, sizeof pw, &e) < 0)) {
        fprintf(stderr, "uchetctl officer add: %s\n", e.msg);
        return 2;
    }
    if (!from_stdin)
        generate_password(pw, sizeof pw);
    int r = create_officer(cli, &o, pw, &e);
    if (r < 0) {
        sodium_memzero(pw, sizeof pw);
        fprintf(stderr, "uchetctl officer add: %s\n", e.msg);
        return 1;
    }
    printf("officer %lld (%s, %s) created\n", (long long)o.ret_id, o.login, officer_role_name(o.role));
    if (!from_stdin)
        printf("password (shown once):\n%s\n", pw);
    sodium_memzero(pw, sizeof pw);
    return 0;
}

int cmd_demo_officer(const cli_t *cli, const char *login, const char *password)
{
    officer_add_op_t o;
    officer_add_op_init(&o);
    err_t e = {0};
    snprintf(o.login, sizeof o.login, "%s", login);
    snprintf(o.name, sizeof o.name, "Demo Registrar");
    o.role = OFFICER_REGISTRAR;
    int r = create_officer(cli, &o, password, &e);
    if (r == -EEXIST)
        return 0; /* made by an earlier `demo` */
    if (r < 0)
        fprintf(stderr, "uchetctl demo: %s\n", e.msg);
    return r < 0 ? 1 : 0;
}

/* disable | reset LOGIN [--reason TEXT], as the operator. */
static int officer_change(const cli_t *cli, officer_manage_action_t action, int argc, char **argv)
{
    const char *verb = action == OFFICER_MANAGE_DISABLE ? "disable" : "reset";
    officer_manage_op_t *o = calloc(1, sizeof *o);
    err_t e = {0};
    if (!o)
        return 1;
    officer_manage_op_init(o);
    o->action = action;
    o->by_operator = true;
    o->now = cli->now;
    int r = argc == 2 || (argc == 4 && !strcmp(argv[2], "--reason")) ? 0 : -EINVAL;
    if (r == 0)
        r = set_text(o->login, sizeof o->login, argv[1], "login", &e);
    if (r == 0 && argc == 4)
        r = set_text(o->reason, sizeof o->reason, argv[3], "reason", &e);
    if (r < 0) {
        fprintf(stderr, "uchetctl officer %s: %s\n", verb, e.msg[0] ? e.msg : "usage: LOGIN [--reason TEXT]");
        free(o);
        return 2;
    }
    r = run_op(cli, &o->op, &e);
    if (r < 0)
        fprintf(stderr, "uchetctl officer %s: %s\n", verb, e.msg);
    else if (action == OFFICER_MANAGE_DISABLE)
        printf("officer %lld (%s) disabled; its desk sessions have ended\n", (long long)o->ret_id, o->ret_login);
    else
        printf("officer %lld (%s) reset: the next log-in enrols the authenticator again\n"
               "new password (shown once):\n%s\n",
            (long long)o->ret_id, o->ret_login, o->ret_password);
    sodium_memzero(o->ret_password, sizeof o->ret_password);
    free(o);
    return r < 0 ? 1 : 0;
}

static int officer_list(const cli_t *cli, int argc)
{
    officer_list_op_t *o = calloc(1, sizeof *o);
    err_t e = {0};
    if (!o)
        return 1;
    if (argc != 1) {
        fputs(OFFICER_USAGE, stderr);
        free(o);
        return 2;
    }
    officer_list_op_init(o);
    o->by_operator = true;
    o->now = cli->now;
    int r = run_op(cli, &o->op, &e);
    if (r < 0)
        fprintf(stderr, "uchetctl officer list: %s\n", e.msg);
    for (int i = 0; r == 0 && i < o->ret_n; i++) {
        const officer_row_t *w = &o->ret[i];
        printf("%lld\t%s\t%s\t%s\t%s\n", (long long)w->id, w->login, officer_role_name(w->role),
            w->disabled_at ? "disabled"
            : w->enrolled  ? "active"
                           : "not enrolled",
            w->name);
    }
    free(o);
    return r < 0 ? 1 : 0;
}

int cmd_officer(const cli_t *cli, int argc, char **argv)
{
    bool help = has_help(argc, argv);
    if (argc < 2 || help) {
        fputs(OFFICER_USAGE, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (!strcmp(argv[1], "add"))
        return officer_add(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "disable"))
        return officer_change(cli, OFFICER_MANAGE_DISABLE, argc - 1, argv + 1);
    if (!strcmp(argv[1], "reset"))
        return officer_change(cli, OFFICER_MANAGE_RESET, argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return officer_list(cli, argc - 1);
    fputs(OFFICER_USAGE, stderr);
    return 2;
}

static int apikey_add(const cli_t *cli, int argc, char **argv)
{
    apikey_add_op_t o;
    apikey_add_op_init(&o);
    err_t e = {0};
    if (argc != 3 || strcmp(argv[1], "--name") != 0) {
        fputs(APIKEY_USAGE, stderr);
        return 2;
    }
    if (set_text(o.name, sizeof o.name, argv[2], "name", &e) < 0) {
        fprintf(stderr, "uchetctl apikey add: %s\n", e.msg);
        return 2;
    }
    o.now = cli->now;
    if (run_op(cli, &o.op, &e) < 0) {
        fprintf(stderr, "uchetctl apikey add: %s\n", e.msg);
        return 1;
    }
    printf("API key %lld for \"%s\" created; give the system this key (shown once):\n%s\n", (long long)o.ret_id, o.name,
        o.ret_key);
    sodium_memzero(o.ret_key, sizeof o.ret_key);
    return 0;
}

static int apikey_revoke(const cli_t *cli, int argc, char **argv)
{
    apikey_revoke_op_t o;
    apikey_revoke_op_init(&o);
    err_t e = {0};
    uint64_t id;
    if (argc != 2 || parse_u64(argv[1], strlen(argv[1]), 1, INT64_MAX, &id) < 0) {
        fputs(APIKEY_USAGE, stderr);
        return 2;
    }
    o.id = (int64_t)id;
    o.now = cli->now;
    if (run_op(cli, &o.op, &e) < 0) {
        fprintf(stderr, "uchetctl apikey revoke: %s\n", e.msg);
        return 1;
    }
    printf("API key %lld revoked\n", (long long)o.id);
    return 0;
}

int cmd_apikey(const cli_t *cli, int argc, char **argv)
{
    bool help = has_help(argc, argv);
    if (help || argc < 2) {
        fputs(APIKEY_USAGE, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (!strcmp(argv[1], "add"))
        return apikey_add(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "revoke"))
        return apikey_revoke(cli, argc - 1, argv + 1);
    fputs(APIKEY_USAGE, stderr);
    return 2;
}
