/* uchetctl kiosk add|list|disable, uchetctl keys enrolment-init|
 * enrolment-rotate, uchetctl enrolment decrypt — the enrolment kiosks and
 * the key their transactions are encrypted under (docs/ENROLMENT.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/parse.h"
#include "base/secret.h"
#include "bio/vault.h"
#include "cli/cmd.h"
#include "rules/date.h"
#include "store/db.h"
#include "store/kiosk.h"

static const char KIOSK_USAGE[] = "Usage: uchetctl kiosk add NAME\n"
                                  "       uchetctl kiosk list\n"
                                  "       uchetctl kiosk disable ID\n"
                                  "\n"
                                  "add: registers an enrolment kiosk and prints its key once on the last line\n"
                                  "(only its SHA-256 is kept). The kiosk sends it as `Authorization: Kiosk KEY`\n"
                                  "to /api/v1/kiosk/...; everything it does is audited as kiosk:<ID>.\n"
                                  "list: id, name, created, disabled. disable: the key stops working at once.\n";

static const char KEYS_USAGE[] = "Usage: uchetctl keys enrolment-init --key-file FILE\n"
                                 "       uchetctl keys enrolment-rotate --key-file FILE --dir ENROLMENT_DIR\n"
                                 "\n"
                                 "enrolment-init: writes a new enrolment key file (mode 0600; refuses to overwrite).\n"
                                 "enrolment-rotate: adds a new current key, re-encrypts every file in ENROLMENT_DIR\n"
                                 "and ENROLMENT_DIR/sessions under it (each replaced atomically), then drops the\n"
                                 "old keys. Interrupted, it can be run again: until it finishes the key file keeps\n"
                                 "the old keys too. Restart uchetd afterwards (it reads the key file at start).\n";

static const char ENROLMENT_USAGE[] = "Usage: uchetctl enrolment decrypt --key-file FILE --out OUT ENCRYPTED\n"
                                      "Decrypts a stored enrolment transaction (ANSI/NIST-ITL) into OUT (mode 0600).\n";

static int fail(const char *what, const err_t *e)
{
    fprintf(stderr, "uchetctl %s: %s\n", what, e->msg[0] ? e->msg : "failed");
    return 1;
}

static int with_db(const cli_t *cli, db_t **ret, err_t *e)
{
    int r = db_open(cli->database, false, ret, e);
    if (r == 0 && (r = db_begin_write(*ret, e)) < 0)
        db_close(*ret);
    return r;
}

static int finish_db(db_t *db, int r, err_t *e)
{
    if (r == 0)
        r = db_commit(db, e);
    if (r < 0)
        db_rollback(db);
    db_close(db);
    return r;
}

static void print_row(void *ctx, int64_t id, const char *name, int64_t created, int64_t disabled)
{
    (void)ctx;
    char c[32], d[32];
    time_format_rfc3339(created, 0, c);
    if (disabled)
        time_format_rfc3339(disabled, 0, d);
    printf("%lld\t%s\t%s\t%s\n", (long long)id, name, c, disabled ? d : "-");
}

int cmd_kiosk(const cli_t *cli, int argc, char **argv)
{
    err_t e = {0};
    db_t *db;
    int r;
    if (argc == 3 && !strcmp(argv[1], "add")) {
        char key[SECRET_TOKEN_CHARS + 1];
        int64_t id;
        size_t n = strlen(argv[2]);
        if (n == 0 || n > KIOSK_NAME_MAX) {
            fprintf(stderr, "uchetctl kiosk: NAME must be 1 to %d bytes\n", KIOSK_NAME_MAX);
            return 2;
        }
        if ((r = with_db(cli, &db, &e)) == 0)
            r = finish_db(db, kiosk_add(db, cli->now, argv[2], &id, key, &e), &e);
        if (r < 0)
            return fail("kiosk", &e);
        printf("kiosk %lld \"%s\" registered; its key (shown once):\n%s\n", (long long)id, argv[2], key);
        sodium_memzero(key, sizeof key);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "list")) {
        if ((r = db_open(cli->database, true, &db, &e)) < 0)
            return fail("kiosk", &e);
        r = kiosk_list(db, print_row, NULL, &e);
        db_close(db);
        return r < 0 ? fail("kiosk", &e) : 0;
    }
    if (argc == 3 && !strcmp(argv[1], "disable")) {
        uint64_t id;
        if (parse_u64(argv[2], strlen(argv[2]), 1, INT64_MAX, &id) < 0) {
            fputs(KIOSK_USAGE, stderr);
            return 2;
        }
        if ((r = with_db(cli, &db, &e)) == 0)
            r = finish_db(db, kiosk_disable(db, cli->now, (int64_t)id, &e), &e);
        if (r < 0)
            return fail("kiosk", &e);
        printf("kiosk %llu disabled\n", (unsigned long long)id);
        return 0;
    }
    bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
    fputs(KIOSK_USAGE, help ? stdout : stderr);
    return help ? 0 : 2;
}

/* Re-encrypts every vault file of dir not under k's current key. */
static int reencrypt_dir(const vault_keys_t *k, const char *dir, int *ret_n, err_t *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[1024];
    int r = 0;
    if (!d)
        return err_set(e, -ENOENT, "usage", "%s cannot be read.", dir);
    while (r == 0 && (de = readdir(d))) {
        struct stat sb;
        uint8_t id[VAULT_ID_BYTES], *buf = NULL;
        size_t len = 0;
        if (de->d_name[0] == '.' || (size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= sizeof path)
            continue;
        if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || vault_file_key_id(path, id, e) < 0)
            continue;
        if (!memcmp(id, k->id[0], VAULT_ID_BYTES))
            continue;
        if ((r = vault_read(k, path, &buf, &len, e)) == 0)
            r = vault_write(k, dir, de->d_name, buf, len, e);
        if (buf) {
            sodium_memzero(buf, len);
            free(buf);
        }
        *ret_n += r == 0;
    }
    closedir(d);
    return r;
}

static int keys_rotate(const char *key_file, const char *dir)
{
    err_t e = {0};
    vault_keys_t k;
    char spool[1024];
    int n = 0;
    if (vault_keys_load(key_file, &k, &e) < 0)
        return fail("keys", &e);
    int r = vault_keys_add_new(&k, &e);
    if (r == 0)
        r = vault_keys_save(key_file, &k, &e); /* new current + old: a rerun can still read everything */
    snprintf(spool, sizeof spool, "%s/sessions", dir);
    if (r == 0)
        r = reencrypt_dir(&k, dir, &n, &e);
    if (r == 0 && access(spool, F_OK) == 0)
        r = reencrypt_dir(&k, spool, &n, &e);
    if (r == 0) {
        k.n = 1; /* drop the old keys */
        r = vault_keys_save(key_file, &k, &e);
    }
    vault_keys_wipe(&k);
    if (r < 0)
        return fail("keys", &e);
    printf("new enrolment key in %s; %d file(s) re-encrypted; restart uchetd now\n", key_file, n);
    return 0;
}

int cmd_keys_enrolment(const cli_t *cli, int argc, char **argv)
{
    (void)cli;
    const char *file = NULL, *dir = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--key-file"))
            file = argv[i + 1];
        else if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
        else
            file = dir = NULL, i = argc;
    }
    err_t e = {0};
    if (!strcmp(argv[1], "enrolment-init") && file && argc == 4) {
        if (vault_keys_init(file, &e) < 0)
            return fail("keys", &e);
        printf("enrolment key written to %s (mode 0600)\n", file);
        return 0;
    }
    if (!strcmp(argv[1], "enrolment-rotate") && file && dir && argc == 6)
        return keys_rotate(file, dir);
    fputs(KEYS_USAGE, stderr);
    return 2;
}

int cmd_enrolment(const cli_t *cli, int argc, char **argv)
{
    (void)cli;
    err_t e = {0};
    vault_keys_t k;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (argc != 7 || strcmp(argv[1], "decrypt") || strcmp(argv[2], "--key-file") || strcmp(argv[4], "--out")) {
        bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        fputs(ENROLMENT_USAGE, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (vault_keys_load(argv[3], &k, &e) < 0)
        return fail("enrolment", &e);
    int r = vault_read(&k, argv[6], &buf, &len, &e);
    vault_keys_wipe(&k);
    if (r < 0)
        return fail("enrolment", &e);
    int fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t off = 0;
    while (fd >= 0 && off < len) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (fd >= 0)
        close(fd);
    sodium_memzero(buf, len);
    free(buf);
    if (off != len) {
        fprintf(stderr, "uchetctl enrolment: %s cannot be written\n", argv[5]);
        return 1;
    }
    printf("%zu bytes written to %s\n", len, argv[5]);
    return 0;
}
