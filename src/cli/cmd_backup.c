/* uchetctl backup --to FILE: a consistent copy of an SQLite database, taken
 * while uchetd runs, and checked before it is called a backup.
 *
 * The copy is SQLite's VACUUM INTO: one read transaction, so writers are
 * never held up and the copy is one consistent moment, WAL included. It is
 * written beside FILE, checked (schema current, integrity_check, audit chain
 * intact), flushed to disk and only then renamed to FILE, so FILE is either
 * a whole checked backup or absent. PostgreSQL has pg_dump for this. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/migrate.h"

static const char USAGE[] = "Usage: uchetctl backup --to FILE\n"
                            "Writes a consistent copy of the SQLite database to FILE while uchetd keeps\n"
                            "running, then checks it (schema version, integrity_check, audit chain) and\n"
                            "prints what it holds. FILE must not exist yet. To restore: stop uchetd, move\n"
                            "uchet.db, uchet.db-wal and uchet.db-shm aside, copy FILE to uchet.db, start\n"
                            "uchetd (docs/OPERATIONS.md). On PostgreSQL use pg_dump instead.\n";

static const char SQL_COPY[] = "VACUUM INTO ?";
static const char SQL_INTEGRITY[] = "PRAGMA integrity_check";
static const char SQL_COUNT[] =
    "SELECT (SELECT COUNT(*) FROM persons), (SELECT COUNT(*) FROM registrations WHERE status = 'active')";

static int fail(const err_t *e)
{
    fprintf(stderr, "uchetctl backup: %s\n", e->msg[0] ? e->msg : "failed");
    return 1;
}

static int copy_to(const char *database, const char *path, err_t *err)
{
    db_t *db;
    db_stmt_t *st;
    int r = db_open(database, true, &db, err);
    if (r < 0)
        return r;
    if ((r = db_prepare(db, SQL_COPY, &st, err)) == 0) {
        db_bind_text(st, 1, path);
        r = db_run(st, err);
    }
    db_close(db);
    return r;
}

/* Opens the copy and checks it; prints what it holds. */
static int check_copy(const char *path, err_t *err)
{
    db_t *db;
    db_stmt_t *st;
    int64_t events, broken;
    int r = db_open(path, true, &db, err);
    if (r < 0)
        return r;
    if ((r = migrate_check(db, err)) < 0 || (r = db_prepare(db, SQL_INTEGRITY, &st, err)) < 0 ||
        (r = db_step(st, err)) < 0)
        goto out;
    if (r != 1 || strcmp(db_col_text(st, 0) ? db_col_text(st, 0) : "", "ok") != 0) {
        r = err_set(err, -EIO, "backup_corrupt", "The copy fails SQLite's integrity check.");
        goto out;
    }
    db_run(st, NULL);
    if ((r = audit_verify(db, &events, &broken, err)) < 0)
        goto out;
    if (broken) {
        r = err_set(err, -EIO, "backup_corrupt", "The copy's audit chain breaks at event %lld.", (long long)broken);
        goto out;
    }
    if ((r = db_prepare(db, SQL_COUNT, &st, err)) < 0 || (r = db_step(st, err)) != 1)
        goto out;
    printf("%lld person(s), %lld active registration(s); audit intact: %lld event(s)\n", (long long)db_col_int(st, 0),
        (long long)db_col_int(st, 1), (long long)events);
    r = db_run(st, err);
out:
    db_close(db);
    return r < 0 ? r : 0;
}

/* fsyncs path and the directory that holds it (so a rename survives). */
static int sync_file_and_dir(const char *path, err_t *err)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC), dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r = fd >= 0 && dfd >= 0 && fsync(fd) == 0 && fsync(dfd) == 0 ? 0 : -errno;
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    return r < 0 ? err_set(err, r, "backup_failed", "Cannot flush the copy to disk: %s.", strerror(-r)) : 0;
}

static int backup(const char *database, const char *to, err_t *err)
{
    char tmp[1024];
    if (snprintf(tmp, sizeof tmp, "%s.partial", to) >= (int)sizeof tmp)
        return err_set(err, -ENAMETOOLONG, "bad_path", "The backup path is too long.");
    if (access(to, F_OK) == 0)
        return err_set(err, -EEXIST, "backup_exists", "%s exists already; choose a new name.", to);
    unlink(tmp); /* a leftover of an interrupted run */
    /* Made empty and 0600 first: VACUUM INTO accepts an empty file and keeps
     * its mode (SQLite would make a new one 0644). */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return err_set(err, -errno, "backup_failed", "Cannot create %s: %s.", tmp, strerror(errno));
    close(fd);
    int r = copy_to(database, tmp, err);
    if (r == 0)
        r = check_copy(tmp, err);
    if (r == 0)
        r = sync_file_and_dir(tmp, err);
    if (r == 0 && rename(tmp, to) < 0)
        r = err_set(err, -errno, "backup_failed", "Cannot rename the copy to %s: %s.", to, strerror(errno));
    if (r == 0)
        r = sync_file_and_dir(to, err);
    if (r < 0)
        unlink(tmp);
    return r;
}

int cmd_backup(const cli_t *cli, int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (argc != 3 || strcmp(argv[1], "--to") != 0 || !argv[2][0]) {
        fputs(USAGE, stderr);
        return 2;
    }
    if (db_kind_of(cli->database) == DB_POSTGRES) {
        fputs("uchetctl backup: this is for SQLite; on PostgreSQL use pg_dump (see docs/OPERATIONS.md)\n", stderr);
        return 2;
    }
    err_t e = {0};
    if (backup(cli->database, argv[2], &e) < 0)
        return fail(&e);
    printf("backup written to %s\n", argv[2]);
    return 0;
}
