#include "cli/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "base/parse.h"
#include "base/secret.h"
#include "rules/calendar.h"
#include "rules/date.h"
#include "rules/deadline.h"
#include "rules/policy.h"
#include "store/anchor.h"
#include "store/audit.h"
#include "store/caldata.h"
#include "store/migrate.h"
#include "store/person.h"
#include "store/region.h"
#include "store/store.h"
#include "store/sweep.h"

static int fail(const err_t *e)
{
    fprintf(stderr, "uchetctl: %s\n", e->msg[0] ? e->msg : "failed");
    return 1;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

/* The default regions (product: Moscow 77 and Moscow Oblast 50, UTC+3). */
static const region_t default_regions[] = {
    {.code = "77",
        .name = "Moscow",
        .name_ru = "Москва",
        .utc_offset_minutes = REGION_DEFAULT_UTC_OFFSET_MIN,
        .regime = true,
        .confirm_working_days = DEADLINE_WORKING_DAYS,
        .centre_address = "Moscow, Sakharovo settlement, migration centre"},
    {.code = "50",
        .name = "Moscow Oblast",
        .name_ru = "Московская область",
        .utc_offset_minutes = REGION_DEFAULT_UTC_OFFSET_MIN,
        .regime = true,
        .confirm_working_days = DEADLINE_WORKING_DAYS,
        .centre_address = "Moscow Oblast, Sakharovo, multifunctional migration centre"},
};

int cmd_migrate(const cli_t *cli, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        puts(
            "Usage: uchetctl migrate\nApplies every schema migration the database lacks, each in its own transaction.");
        return 0;
    }
    err_t e = {0};
    db_t *db;
    int n;
    if (db_open(cli->database, false, &db, &e) < 0)
        return fail(&e);
    int r = migrate_apply(db, &n, &e);
    db_close(db);
    if (r < 0)
        return fail(&e);
    printf("schema at version %d (%d migration(s) applied)\n", migrate_latest(db_kind_of(cli->database)), n);
    return 0;
}

int cmd_init(const cli_t *cli, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        puts("Usage: uchetctl init [--regime-starts-on DATE]\n"
             "Creates the schema and the regions 77 (Moscow) and 50 (Moscow Oblast).\n"
             "--regime-starts-on DATE  before DATE nothing lapses (practice mode); default: none");
        return 0;
    }
    date_t start = REGION_NONE_DATE;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--regime-starts-on") && i + 1 < argc &&
            date_parse(argv[i + 1], strlen(argv[i + 1]), &start) == 0) {
            i++;
            continue;
        }
        fprintf(stderr, "uchetctl init: bad argument %s (see --help)\n", argv[i]);
        return 2;
    }
    if (cmd_migrate(cli, 1, argv) != 0)
        return 1;
    err_t e = {0};
    db_t *db;
    if (db_open(cli->database, false, &db, &e) < 0)
        return fail(&e);
    int r = 0;
    for (size_t i = 0; r == 0 && i < sizeof default_regions / sizeof default_regions[0]; i++) {
        region_t rg = default_regions[i];
        rg.regime_starts_on = start;
        r = region_save(db, &rg, &e);
    }
    db_close(db);
    if (r < 0)
        return fail(&e);
    puts("regions 77 (Moscow) and 50 (Moscow Oblast) ready");
    return 0;
}

static const char AUDIT_USAGE[] =
    "Usage: uchetctl audit verify [--key FILE] [--checkpoints CPFILE]\n"
    "       uchetctl audit checkpoint --key FILE\n"
    "verify      recomputes the SHA-256 hash chain of the audit log. Exit 0 and\n"
    "            \"intact\" when every event links to the one before; exit 1 naming the\n"
    "            first broken event. With --key (the audit key or its .pub half, see\n"
    "            `uchetctl keys audit-init`) it also checks every signed checkpoint in\n"
    "            CPFILE (default FILE.checkpoints): each signature, and that the chain\n"
    "            still has the signed hash at the signed event. A chain rewritten and\n"
    "            recomputed by someone holding the database but not the key fails here\n"
    "            (\"REWRITTEN\"), as does a forged or altered checkpoint line (\"FORGED\").\n"
    "checkpoint  signs the chain's current head with FILE's secret key and appends it\n"
    "            to FILE.checkpoints (uchetd --audit-key-file does this every minute).\n";

/* --key FILE and --checkpoints FILE after the subcommand. */
static int audit_args(int argc, char **argv, const char **ret_key, char *cp, size_t cap)
{
    *ret_key = NULL;
    cp[0] = '\0';
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--key") && i + 1 < argc)
            *ret_key = argv[++i];
        else if (!strcmp(argv[i], "--checkpoints") && i + 1 < argc && strlen(argv[i + 1]) < cap)
            snprintf(cp, cap, "%s", argv[++i]);
        else
            return -EINVAL;
    }
    if (*ret_key && !cp[0] && anchor_checkpoint_path(*ret_key, cp, cap) < 0)
        return -EINVAL;
    return 0;
}

static int audit_checkpoint(const cli_t *cli, const char *key_path, const char *cp_path)
{
    err_t e = {0};
    anchor_key_t *k = NULL;
    db_t *db = NULL;
    anchor_checkpoint_t cp = {.at = cli->now};
    int r = anchor_key_load(key_path, &k, &e);
    if (r == 0 && (r = db_open(cli->database, true, &db, &e)) == 0 && (r = db_begin_read(db, &e)) == 0) {
        r = audit_head(db, &cp.seq, cp.hash, &e);
        db_rollback(db);
    }
    db_close(db);
    if (r == 0 && cp.seq == 0)
        r = err_set(&e, -ENOENT, "audit_empty", "The audit log is empty: nothing to anchor yet.");
    if (r == 0)
        r = anchor_append(k, cp_path, &cp, &e);
    anchor_key_free(k);
    if (r < 0)
        return fail(&e);
    printf("checkpoint: event %lld signed and appended to %s\n", (long long)cp.seq, cp_path);
    return 0;
}

/* Walks the chain, then checks the signed checkpoints against it with
 * store/anchor.h's scan (the desk's verification runs the same one); prints
 * and returns the exit status. */
static int audit_verify_with_key(db_t *db, const char *key_path, const char *cp_path)
{
    err_t e = {0};
    anchor_key_t *k = NULL;
    anchor_scan_t s = {0};
    int64_t count = 0, broken = 0;
    int r = anchor_key_load(key_path, &k, &e);
    if (r == 0)
        r = audit_verify(db, &count, &broken, &e);
    while (r == 0 && !s.done)
        r = anchor_scan_step(k, cp_path, db, broken, 4096, &s, &e);
    anchor_key_free(k);
    if (r < 0)
        return fail(&e);
    if (broken)
        printf("BROKEN at event %lld (%lld event(s) checked up to it)\n", (long long)broken, (long long)count);
    if (s.contradicted)
        printf("REWRITTEN: the chain disagrees with the signed checkpoint at event %lld\n", (long long)s.contradicted);
    if (s.forged)
        printf("FORGED: %lld checkpoint line(s) in %s fail their signature\n", (long long)s.forged, cp_path);
    if (s.first_bad_line)
        printf("first bad checkpoint: line %lld (%s)\n", (long long)s.first_bad_line,
            anchor_why_name((anchor_why_t)s.first_bad_why));
    if (s.good == 0)
        printf("NOT ANCHORED: %s holds no valid checkpoint\n", cp_path);
    if (broken || s.first_bad_line || s.good == 0)
        return 1;
    printf("intact: %lld event(s); %lld signed checkpoint(s) agree, the last at event %lld;"
           " %lld later event(s) not yet anchored\n",
        (long long)count, (long long)s.good, (long long)s.last_seq, (long long)(count - s.last_seq));
    return 0;
}

int cmd_audit(const cli_t *cli, int argc, char **argv)
{
    const char *key;
    char cp[1024];
    bool verify = argc >= 2 && !strcmp(argv[1], "verify"), checkpoint = argc >= 2 && !strcmp(argv[1], "checkpoint");
    if ((!verify && !checkpoint) || wants_help(argc, argv) || audit_args(argc, argv, &key, cp, sizeof cp) < 0 ||
        (checkpoint && !key)) {
        fputs(AUDIT_USAGE, stdout);
        return wants_help(argc, argv) ? 0 : 2;
    }
    if (checkpoint)
        return audit_checkpoint(cli, key, cp);
    err_t e = {0};
    db_t *db;
    int64_t count, broken;
    if (db_open(cli->database, true, &db, &e) < 0)
        return fail(&e);
    if (key) {
        int status = audit_verify_with_key(db, key, cp);
        db_close(db);
        return status;
    }
    int r = audit_verify(db, &count, &broken, &e);
    db_close(db);
    if (r < 0)
        return fail(&e);
    if (broken) {
        printf("BROKEN at event %lld (%lld event(s) checked up to it)\n", (long long)broken, (long long)count);
        return 1;
    }
    printf("intact: %lld event(s)\n", (long long)count);
    return 0;
}

int cmd_calendar(const cli_t *cli, int argc, char **argv)
{
    uint64_t year;
    if (argc != 3 || strcmp(argv[1], "show") != 0 || parse_u64(argv[2], strlen(argv[2]), 1900, 2200, &year) < 0) {
        puts("Usage: uchetctl calendar show YEAR\n"
             "Prints each month's non-working days and the source (decree, or provisional\n"
             "Labour Code art. 112 rules when no official calendar is shipped).");
        return wants_help(argc, argv) ? 0 : 2;
    }
    err_t e = {0};
    calendar_t *cal;
    int years;
    if (caldata_load(cli->data_dir, &cal, &years, &e) < 0)
        return fail(&e);
    const char *decree = calendar_decree(cal, (int)year);
    printf("%d: %s\n", (int)year, decree ? decree : "provisional (Labour Code art. 112; no official calendar shipped)");
    int working = 0;
    for (int m = 1; m <= 12; m++) {
        printf("%02d off:", m);
        for (int d = 1; d <= date_days_in_month((int)year, m); d++) {
            bool w = calendar_is_working_day(cal, date_from_ymd((int)year, m, d), NULL);
            working += w;
            if (!w)
                printf(" %d", d);
        }
        putchar('\n');
    }
    printf("working days: %d\n", working);
    calendar_free(cal);
    return 0;
}

static int sweep_usage(int code)
{
    puts("Usage: uchetctl sweep --as-of YYYY-MM-DD [--region CODE]\n"
         "Runs the daily sweep for that local day (as if at the local midnight that starts\n"
         "it): lapses registrations whose deadline passed (not in practice mode), queues\n"
         "the reminders due that day, turns minors who turn 18 into ordinary\n"
         "registrations, deletes confirmation results older than 90 days. Idempotent:\n"
         "running it twice for a day changes nothing the second time.\n"
         "uchetd runs the same sweep by itself at each region's local midnight.");
    return code;
}

static int sweep_one(db_t *db, const calendar_t *cal, const region_t *rg, date_t day)
{
    err_t e = {0};
    sweep_result_t res;
    int64_t now = date_local_midnight(day, rg->utc_offset_minutes);
    if (sweep_run(db, cal, rg, day, now, SWEEP_RETENTION_DAYS, &res, &e) < 0)
        return fail(&e);
    char d[11];
    date_format(day, d);
    if (res.skipped)
        printf("region %s %s: skipped (another instance is sweeping)\n", rg->code, d);
    else
        printf("region %s %s: %lld lapsed, %lld reminded, %lld matured, %lld old confirmations deleted\n", rg->code, d,
            (long long)res.lapsed, (long long)res.reminded, (long long)res.matured, (long long)res.deleted);
    return 0;
}

int cmd_sweep(const cli_t *cli, int argc, char **argv)
{
    date_t day = 0;
    const char *only = NULL;
    bool have_day = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return sweep_usage(0);
        if (!strcmp(argv[i], "--as-of") && i + 1 < argc && date_parse(argv[i + 1], strlen(argv[i + 1]), &day) == 0)
            have_day = true, i++;
        else if (!strcmp(argv[i], "--region") && i + 1 < argc)
            only = argv[++i];
        else
            return sweep_usage(2);
    }
    if (!have_day)
        return sweep_usage(2);
    err_t e = {0};
    calendar_t *cal = NULL;
    region_set_t regions = {0};
    db_t *db = NULL;
    int years, status = 0;
    int64_t n;
    if (caldata_load(cli->data_dir, &cal, &years, &e) < 0 || db_open(cli->database, false, &db, &e) < 0 ||
        migrate_check(db, &e) < 0 || region_load_all(db, &regions, &e) < 0 ||
        sweep_backfill_due(db, cal, &regions, &n, &e) < 0)
        status = fail(&e);
    for (size_t i = 0; status == 0 && i < regions.n; i++) {
        const region_t *rg = &regions.items[i];
        if (rg->regime && (!only || !strcmp(only, rg->code)))
            status = sweep_one(db, cal, rg, day);
    }
    db_close(db);
    region_set_free(&regions);
    calendar_free(cal);
    return status;
}

int cmd_dispatch(const cli_t *cli, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(const cli_t *, int, char **);
    } cmds[] = {
        {"init", cmd_init},
        {"migrate", cmd_migrate},
        {"person", cmd_person},
        {"demo", cmd_demo},
        {"audit", cmd_audit},
        {"calendar", cmd_calendar},
        {"sweep", cmd_sweep},
        {"bench-seed", cmd_bench_seed},
        {"mrz", cmd_mrz},
        {"officer", cmd_officer},
        {"apikey", cmd_apikey},
        {"keys", cmd_keys},
        {"backup", cmd_backup},
        {"kiosk", cmd_kiosk},
        {"enrolment", cmd_enrolment},
        {"rules", cmd_rules},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[0], cmds[i].name))
            return cmds[i].fn(cli, argc, argv);
    fprintf(stderr, "uchetctl: unknown command \"%s\"; see uchetctl --help\n", argv[0]);
    return 2;
}
