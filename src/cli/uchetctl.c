/* uchetctl — the operator's command line: database set-up, persons, audit,
 * calendars. Each command is a function with the same shape: parse its
 * options, act, print; errors go to stderr with exit status 1 (2 for usage). */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/secret.h"
#include "cli/cmd.h"
#include "rules/calendar.h"
#include "rules/date.h"
#include "store/audit.h"
#include "store/caldata.h"
#include "store/migrate.h"
#include "store/region.h"

static const char USAGE[] = "Usage: uchetctl [--database DB] [--data-dir DIR] [--clock TIME] COMMAND [OPTIONS]\n"
                            "\n"
                            "Operator tool for uchet. DB is an SQLite file path (default ./uchet.db, env\n"
                            "UCHET_DATABASE) or a postgresql:// URL. --clock (tests only) fixes \"now\".\n"
                            "--argon2-memlimit-kib KIB, --argon2-opslimit N (tests only): the cost of the\n"
                            "officer passwords `officer add` hashes, as uchetd's options of the same names.\n"
                            "\n"
                            "Commands:\n"
                            "  init                 create the schema and the default regions (77 Moscow,\n"
                            "                       50 Moscow Oblast); safe to run again\n"
                            "  migrate              apply pending schema migrations\n"
                            "  backup --to FILE     SQLite: a checked, consistent copy while uchetd runs\n"
                            "  person add ...       create a person; prints the activation code on the last line\n"
                            "  demo [--force]       add demo persons and a demo registrar (for `make run`);\n"
                            "                       prints how to log in; refuses PostgreSQL and a database\n"
                            "                       with other data unless --force (its password is public)\n"
                            "  audit verify [--key FILE]  check the whole audit hash chain (and, with the\n"
                            "                       audit key, its signed checkpoints: see --help)\n"
                            "  audit checkpoint --key FILE  sign the chain head now (uchetd does it each minute)\n"
                            "  calendar show YEAR   print the working days of YEAR and where they come from\n"
                            "  mrz FILE             check a document's machine-readable zone (text or photo)\n"
                            "  sweep --as-of DATE   run the daily sweep for DATE (see `uchetctl sweep --help`)\n"
                            "  officer add|disable|reset|list  desk accounts (registrar, inspector, auditor,\n"
                            "                       supervisor)\n"
                            "  apikey add|revoke    manage the keys other systems use to report a move\n"
                            "  keys show|rotate     the Web Push (VAPID) key; rotate also drops old subscriptions\n"
                            "  kiosk add|list|disable  enrolment kiosks; add prints the kiosk's key once\n"
                            "  keys enrolment-init|enrolment-rotate  the key enrolments are encrypted under\n"
                            "  enrolment decrypt    decrypt a stored enrolment transaction (ANSI/NIST-ITL)\n"
                            "  rules show|check|evaluate  the document-set rules (data/docsets/)\n"
                            "  keys audit-init --key-file FILE  a new Ed25519 key for audit checkpoints\n"
                            "  keys totp-init|totp-rotate --key-file FILE  the key uchetd seals officers' TOTP\n"
                            "                       secrets under\n"
                            "\n"
                            "Run `uchetctl COMMAND --help` for a command's options.\n";

/* --argon2-memlimit-kib / --argon2-opslimit VALUE, in uchetd's bounds:
 * 1 taken, 0 not one of them, -1 a bad value. */
static int argon2_option(const char *opt, const char *val, cli_t *cli)
{
    bool mem = !strcmp(opt, "--argon2-memlimit-kib");
    if (!mem && strcmp(opt, "--argon2-opslimit"))
        return 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(val, &end, 10);
    if (errno || end == val || *end || n < (mem ? 8 : 1) || n > (mem ? 4ULL * 1024 * 1024 : 32)) {
        fprintf(stderr, "uchetctl: %s wants a number in uchetd's range (see uchetd --help)\n", opt);
        return -1;
    }
    if (mem)
        cli->argon2_mem = (size_t)n * 1024;
    else
        cli->argon2_ops = n;
    return 1;
}

int main(int argc, char **argv)
{
    cli_t cli = {0};
    const char *db = getenv("UCHET_DATABASE");
    snprintf(cli.database, sizeof cli.database, "%s", db && *db ? db : "./uchet.db");
    snprintf(cli.data_dir, sizeof cli.data_dir, "%s/data", UCHET_SOURCE_DIR);
    cli.now = (int64_t)time(NULL);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--clock") && i + 1 < argc) {
            if (time_parse_rfc3339(argv[i + 1], strlen(argv[i + 1]), &cli.now, NULL) < 0) {
                fprintf(stderr, "uchetctl: --clock wants an RFC 3339 time\n");
                return 2;
            }
            i++;
            continue;
        }
        int a = i + 1 < argc ? argon2_option(argv[i], argv[i + 1], &cli) : 0;
        if (a < 0)
            return 2;
        if (a > 0) {
            i++;
            continue;
        }
        if ((!strcmp(argv[i], "--database") || !strcmp(argv[i], "--data-dir")) && i + 1 < argc) {
            bool is_db = !strcmp(argv[i], "--database");
            snprintf(is_db ? cli.database : cli.data_dir, sizeof cli.database, "%s", argv[++i]);
            continue;
        }
        fprintf(stderr, "uchetctl: unknown option %s; see uchetctl --help\n", argv[i]);
        return 2;
    }
    if (i >= argc) {
        fputs(USAGE, stderr);
        return 2;
    }
    if (secret_init() < 0) {
        fprintf(stderr, "uchetctl: libsodium could not initialise\n");
        return 1;
    }
    return cmd_dispatch(&cli, argc - i, argv + i);
}
