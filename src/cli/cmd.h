#pragma once
#include <stddef.h>
#include <stdint.h>
/* uchetctl's commands. Each takes argv starting at the command's name and
 * returns the process exit status (0 ok, 1 failed, 2 usage). */

typedef struct cli {
    char database[512];
    char data_dir[512];
    int64_t now; /* "now": real time, or --clock (tests) */
    /* argon2id cost of the officer passwords uchetctl hashes; 0: libsodium's
     * interactive defaults (production). Tests lower it as they do uchetd's. */
    unsigned long long argon2_ops;
    size_t argon2_mem; /* bytes */
} cli_t;

int cmd_dispatch(const cli_t *cli, int argc, char **argv);

int cmd_init(const cli_t *cli, int argc, char **argv);
int cmd_migrate(const cli_t *cli, int argc, char **argv);
int cmd_person(const cli_t *cli, int argc, char **argv);
/* uchetctl person reissue-code (cmd_reissue.c) */
int cmd_person_reissue(const cli_t *cli, int argc, char **argv);
int cmd_demo(const cli_t *cli, int argc, char **argv);
int cmd_audit(const cli_t *cli, int argc, char **argv);
int cmd_calendar(const cli_t *cli, int argc, char **argv);
int cmd_sweep(const cli_t *cli, int argc, char **argv);
int cmd_mrz(const cli_t *cli, int argc, char **argv);
int cmd_bench_seed(const cli_t *cli, int argc, char **argv);
int cmd_officer(const cli_t *cli, int argc, char **argv);
/* A registrar for `uchetctl demo` (0, also when it exists already; 1 failed). */
int cmd_demo_officer(const cli_t *cli, const char *login, const char *password);
int cmd_apikey(const cli_t *cli, int argc, char **argv);
int cmd_keys(const cli_t *cli, int argc, char **argv);
int cmd_backup(const cli_t *cli, int argc, char **argv);
/* enrolment kiosks (cmd_kiosk.c) */
int cmd_kiosk(const cli_t *cli, int argc, char **argv);
int cmd_keys_enrolment(const cli_t *cli, int argc, char **argv); /* keys enrolment-init|enrolment-rotate */
int cmd_enrolment(const cli_t *cli, int argc, char **argv);
/* uchetctl rules show|check: the document-set rule catalogue (cmd_rules.c). */
int cmd_rules(const cli_t *cli, int argc, char **argv);
