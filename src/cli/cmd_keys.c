/* uchetctl keys: the Web Push (VAPID) key; the audit checkpoint key; the
 * key that seals the officers' TOTP secrets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/vault.h"
#include "cli/cmd.h"
#include "base/b64url.h"
#include "notify/webpush.h"
#include "store/anchor.h"
#include "store/db.h"
#include "store/outbox.h"

static int keys_usage(int code)
{
    puts("Usage: uchetctl keys show|rotate [--vapid-key-file FILE]\n"
         "       uchetctl keys audit-init --key-file FILE\n"
         "       uchetctl keys totp-init|totp-rotate --key-file FILE\n"
         "  totp-init  write a new key file (mode 0600; refuses to overwrite) under which\n"
         "           uchetd seals the officers' TOTP secrets (uchetd --totp-key-file,\n"
         "           required). Keep it apart from the database and its backups: with\n"
         "           both, anyone can mint the officers' codes; without it, no sealed\n"
         "           secret opens (officers then enrol again after a reset).\n"
         "  totp-rotate  put a new key first in FILE, the old ones kept after it. Restart\n"
         "           uchetd (every instance): at start it seals every secret again under\n"
         "           the new key. Then the old lines may be deleted from FILE.\n"
         "  audit-init  write a new Ed25519 key for audit checkpoints: FILE (secret, mode\n"
         "           0600; give it to uchetd --audit-key-file, never to the database host\n"
         "           alone) and FILE.pub (for `uchetctl audit verify --key FILE.pub`).\n"
         "           Refuses to overwrite FILE: checkpoints signed with an old key stay\n"
         "           checkable only with that key's .pub, so keep it.\n"
         "The Web Push (VAPID) key uchetd signs pushes with. FILE defaults to vapid.pem\n"
         "next to an SQLite database (./vapid.pem for PostgreSQL), as in uchetd.\n"
         "  show     print the public key (the app's applicationServerKey)\n"
         "  rotate   write a new key (mode 0600; the old file is replaced in one step) and\n"
         "           delete every push subscription: browsers bound them to the old key,\n"
         "           so they cannot work any more; people turn notifications on again in\n"
         "           the app. Restart uchetd (every instance) right after to use the new\n"
         "           key; until then it still signs with the old one.");
    return code;
}

static void print_public(const vapid_key_t *k)
{
    unsigned char pub[VAPID_PUBLIC_LEN];
    char b64[96];
    vapid_public_raw(k, pub);
    if (b64url_encode_buf(pub, sizeof pub, b64, sizeof b64, NULL, NULL) == 0)
        printf("public key: %s\n", b64);
}

static int fail(const err_t *e)
{
    fprintf(stderr, "uchetctl keys: %s\n", e->msg[0] ? e->msg : "failed");
    return 1;
}

/* Deletes every push subscription in one transaction. */
static int forget_subscriptions(const cli_t *cli, int64_t *ret_n, err_t *e)
{
    db_t *db;
    int r = db_open(cli->database, false, &db, e);
    if (r < 0)
        return r;
    if ((r = db_begin_write(db, e)) == 0 && (r = outbox_forget_all(db, ret_n, e)) == 0)
        r = db_commit(db, e);
    if (r < 0)
        db_rollback(db);
    db_close(db);
    return r;
}

static int rotate(const cli_t *cli, const char *path)
{
    err_t e = {0};
    vapid_key_t *k = NULL;
    int64_t n = 0;
    if (webpush_key_rotate(path, &k, &e) < 0)
        return fail(&e);
    printf("new VAPID key written to %s\n", path);
    print_public(k);
    vapid_key_free(k);
    if (forget_subscriptions(cli, &n, &e) < 0) {
        fprintf(stderr,
            "uchetctl keys: the key is new, but the old push subscriptions could not be"
            " deleted (%s); run `uchetctl keys rotate` again\n",
            e.msg);
        return 1;
    }
    printf("%lld push subscription(s) made with the old key deleted; restart uchetd now\n", (long long)n);
    return 0;
}

static int show(const char *path)
{
    err_t e = {0};
    vapid_key_t *k = NULL;
    if (webpush_key_load(path, false, &k, NULL, &e) < 0)
        return fail(&e);
    print_public(k);
    vapid_key_free(k);
    return 0;
}

static int audit_init(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "--key-file") != 0)
        return keys_usage(2);
    err_t e = {0};
    if (anchor_key_generate(argv[3], &e) < 0)
        return fail(&e);
    printf("audit key written to %s (secret, 0600) and %s.pub\n", argv[3], argv[3]);
    return 0;
}

static int totp_init(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "--key-file") != 0)
        return keys_usage(2);
    err_t e = {0};
    if (vault_keys_init(argv[3], &e) < 0)
        return fail(&e);
    printf("TOTP key written to %s (mode 0600)\n", argv[3]);
    return 0;
}

static int totp_rotate(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "--key-file") != 0)
        return keys_usage(2);
    err_t e = {0};
    vault_keys_t k;
    int r = vault_keys_load(argv[3], &k, &e);
    if (r == 0 && (r = vault_keys_add_new(&k, &e)) == 0)
        r = vault_keys_save(argv[3], &k, &e);
    vault_keys_wipe(&k);
    if (r < 0)
        return fail(&e);
    printf("new TOTP key first in %s; restart uchetd to seal every secret under it\n", argv[3]);
    return 0;
}

int cmd_keys(const cli_t *cli, int argc, char **argv)
{
    char path[512];
    if (argc >= 2 && !strcmp(argv[1], "audit-init"))
        return audit_init(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "totp-init"))
        return totp_init(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "totp-rotate"))
        return totp_rotate(argc, argv);
    if (argc >= 2 && !strncmp(argv[1], "enrolment-", 10))
        return cmd_keys_enrolment(cli, argc, argv);
    if (argc < 2 || (strcmp(argv[1], "rotate") && strcmp(argv[1], "show")))
        return keys_usage(argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2);
    if (webpush_default_key_path(cli->database, path, sizeof path) < 0)
        return keys_usage(2);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--vapid-key-file") && i + 1 < argc && strlen(argv[i + 1]) < sizeof path) {
            snprintf(path, sizeof path, "%s", argv[++i]);
            continue;
        }
        return keys_usage(!strcmp(argv[i], "--help") ? 0 : 2);
    }
    return strcmp(argv[1], "rotate") ? show(path) : rotate(cli, path);
}
