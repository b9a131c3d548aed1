/* uchetctl bench-seed: bulk data for `make bench` — N registered persons in
 * region 77 and M sessions whose tokens are written to a file. One
 * transaction per 10,000 persons; never for production databases. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/parse.h"
#include "base/secret.h"
#include "cli/cmd.h"
#include "store/db.h"

static const char SQL_PERSON[] =
    "INSERT INTO persons (surname, given_names, birth_date, citizenship, purpose, entry_regime, language,"
    " created_at) VALUES ('BENCH', 'PERSON', '1990-01-01', 'TJK', 'work', 'visa_free', 'ru', ?) RETURNING id";
static const char SQL_DOC[] = "INSERT INTO documents (kind, number, person_id) VALUES ('card', ?, ?)";
static const char SQL_REG[] = "INSERT INTO registration_rows (person_id, region, status, started_at, last_confirmed_on)"
                              " VALUES (?, '77', 'active', ?, '2025-10-31') RETURNING id";
static const char SQL_RES[] =
    "INSERT INTO residences (registration_id, settlement, street, house, ref_lat, ref_lon, declared_at)"
    " VALUES (?, 'Moscow', 'Tverskaya', '1', 55.7575, 37.6136, ?)";
static const char SQL_SESSION[] =
    "INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)";

static int insert_returning(db_stmt_t *st, int64_t *ret, err_t *e)
{
    int r = db_step(st, e);
    if (r != 1)
        return r < 0 ? r : -EIO;
    *ret = db_col_int(st, 0);
    return db_run(st, e);
}

/* One person with a registration, residence and (optionally) a session. */
static int seed_one(db_t *db, int64_t i, int64_t now, FILE *tokens, err_t *e)
{
    db_stmt_t *st;
    int64_t pid, rid;
    char num[24];
    int r = db_prepare(db, SQL_PERSON, &st, e);
    if (r < 0)
        return r;
    db_bind_int(st, 1, now);
    if ((r = insert_returning(st, &pid, e)) < 0 || (r = db_prepare(db, SQL_DOC, &st, e)) < 0)
        return r;
    snprintf(num, sizeof num, "B%09lld", (long long)i);
    db_bind_text(st, 1, num);
    db_bind_int(st, 2, pid);
    if ((r = db_run(st, e)) < 0 || (r = db_prepare(db, SQL_REG, &st, e)) < 0)
        return r;
    db_bind_int(st, 1, pid);
    db_bind_int(st, 2, now);
    if ((r = insert_returning(st, &rid, e)) < 0 || (r = db_prepare(db, SQL_RES, &st, e)) < 0)
        return r;
    db_bind_int(st, 1, rid);
    db_bind_int(st, 2, now);
    if ((r = db_run(st, e)) < 0 || !tokens)
        return r;
    char token[SECRET_TOKEN_CHARS + 1];
    uint8_t hash[SECRET_HASH_BYTES];
    secret_token_new(token, hash);
    if ((r = db_prepare(db, SQL_SESSION, &st, e)) < 0)
        return r;
    db_bind_blob(st, 1, hash, sizeof hash);
    db_bind_int(st, 2, pid);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, now + 365 * 86400);
    fprintf(tokens, "%s\n", token);
    return db_run(st, e);
}

static int seed(db_t *db, int64_t persons, int64_t sessions, int64_t now, FILE *tokens, err_t *e)
{
    int r = 0;
    for (int64_t i = 0; i < persons && r == 0; i++) {
        if (i % 10000 == 0 && (r = db_begin_write(db, e)) < 0)
            return r;
        r = seed_one(db, i, now, i < sessions ? tokens : NULL, e);
        if (r == 0 && (i % 10000 == 9999 || i == persons - 1))
            r = db_commit(db, e);
    }
    if (r < 0)
        db_rollback(db);
    return r;
}

int cmd_bench_seed(const cli_t *cli, int argc, char **argv)
{
    uint64_t persons = 0, sessions = 0;
    const char *out = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--persons"))
            parse_u64(argv[i + 1], strlen(argv[i + 1]), 1, 100000000, &persons);
        else if (!strcmp(argv[i], "--sessions"))
            parse_u64(argv[i + 1], strlen(argv[i + 1]), 1, 100000000, &sessions);
        else if (!strcmp(argv[i], "--tokens-out"))
            out = argv[i + 1];
    }
    if (!persons || !sessions || !out || sessions > persons) {
        puts("Usage: uchetctl bench-seed --persons N --sessions M --tokens-out FILE\n"
             "BENCHMARKS ONLY: adds N registered persons in region 77 and M sessions (M <= N);\n"
             "the M bearer tokens are written to FILE, one per line.");
        return 2;
    }
    err_t e = {0};
    db_t *db;
    FILE *tokens = fopen(out, "w");
    if (!tokens || db_open(cli->database, false, &db, &e) < 0) {
        if (tokens)
            fclose(tokens);
        fprintf(stderr, "uchetctl bench-seed: %s\n", tokens ? e.msg : "cannot write the tokens file");
        return 1;
    }
    int r = seed(db, (int64_t)persons, (int64_t)sessions, (int64_t)time(NULL), tokens, &e);
    db_close(db);
    fclose(tokens);
    if (r < 0) {
        fprintf(stderr, "uchetctl bench-seed: %s\n", e.msg);
        return 1;
    }
    printf("seeded %llu persons, %llu sessions\n", (unsigned long long)persons, (unsigned long long)sessions);
    return 0;
}
