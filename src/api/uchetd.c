/* uchetd — the uchet service: HTTP API, front ends, and (later) the sweep. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/anchorer.h"
#include "api/api.h"
#include "api/config.h"
#include "api/dbloop.h"
#include "api/metrics.h"
#include "api/ratelimit.h"
#include "api/router.h"
#include "api/scheduler.h"
#include "api/docset_env.h"
#include "api/kiosk.h"
#include "api/server.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/b64url.h"
#include "base/file.h"
#include "docs/settlement_file.h"
#include "docset/pdfpage.h"
#include "notify/catalog.h"
#include "notify/outbox.h"
#include "notify/webpush.h"
#include "rules/password.h"
#include "store/anchor.h"
#include "store/caldata.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/officer.h"

static const char USAGE[] =
    "Usage: uchetd [OPTIONS]\n"
    "\n"
    "The uchet migration-registration service: the HTTP API (/api/v1/...), the\n"
    "web front ends (/app/ for registered persons, /host/ for landlords; the kiosk\n"
    "and desk pages are not built yet: officers use the /api/v1/desk API), /healthz,\n"
    "/readyz, /metrics.\n"
    "\n"
    "Options (later sources win: defaults < --config file < UCHET_* environment < flags):\n"
    "  --database DB         SQLite file path (default ./uchet.db) or postgresql:// URL\n"
    "                        (env UCHET_DATABASE)\n"
    "  --listen HOST:PORT    address to serve on (default 127.0.0.1:8080; env UCHET_LISTEN)\n"
    "  --config FILE         INI file; settings under [uchetd] use the long option names\n"
    "                        with '_' for '-', e.g. listen = 0.0.0.0:8080\n"
    "  --threads N           event-loop threads (default: cores - 1, at least 1, leaving\n"
    "                        a core to the database writer; env UCHET_THREADS)\n"
    "  --web-root DIR        directory holding app/, common/, ... (env UCHET_WEB_ROOT)\n"
    "  --data-dir DIR        directory holding calendar/ru/YYYY.txt, passwords/common.txt,\n"
    "                        settlements/catalogue.txt (env UCHET_DATA_DIR)\n"
    "  --po-dir DIR          message catalogs <lang>.po for notices (default: the\n"
    "                        source tree's po/; env UCHET_PO_DIR)\n"
    "  --vapid-key-file FILE Web Push (VAPID) private key, PEM; made (mode 0600) on\n"
    "                        first start if missing; default vapid.pem next to an\n"
    "                        SQLite database, ./vapid.pem for PostgreSQL (give every\n"
    "                        instance the same file); env UCHET_VAPID_KEY_FILE;\n"
    "                        `uchetctl keys rotate` replaces it\n"
    "  --vapid-subject URI   contact the push services may use: mailto: or https:\n"
    "                        (default mailto:operator@uchet.invalid)\n"
    "  --metrics-listen HOST:PORT  serve /metrics on this second listener only (and 404\n"
    "                        on --listen), e.g. 127.0.0.1:9100; env UCHET_METRICS_LISTEN\n"
    "  --audit-key-file FILE Ed25519 key (`uchetctl keys audit-init`) that signs a\n"
    "                        checkpoint of the audit chain head every minute, appended\n"
    "                        to FILE.checkpoints (`uchetctl audit verify --key FILE`\n"
    "                        checks them); env UCHET_AUDIT_KEY_FILE\n"
    "  --audit-checkpoint-file FILE  append the checkpoints here instead (e.g. when\n"
    "                        the key is a read-only systemd credential); env\n"
    "                        UCHET_AUDIT_CHECKPOINT_FILE\n"
    "  --totp-key-file FILE  REQUIRED: key file from `uchetctl keys totp-init --key-file\n"
    "                        FILE` (mode 0600, not readable by others) under which the\n"
    "                        officers' TOTP secrets are sealed in the database; keep it\n"
    "                        off the database's backups. Plain secrets of an older\n"
    "                        database are sealed at start (env UCHET_TOTP_KEY_FILE)\n"
    "  --public-origin URL   the origin the app is served from as browsers see it,\n"
    "                        e.g. https://uchet.example (env UCHET_PUBLIC_ORIGIN);\n"
    "                        turns passkeys on, its host being the WebAuthn RP ID\n"
    "                        (docs/PASSKEYS.md); unset: passkeys off\n"
    "  --migrate             apply pending schema migrations before serving\n"
    "  --no-sweep            do not run the daily sweep in this instance (other\n"
    "                        instances, or `uchetctl sweep`, do it)\n"
    "  --clock TIME          TESTS ONLY: fix \"now\" at an RFC 3339 time,\n"
    "                        e.g. 2025-10-31T10:00+03:00\n"
    "  --allow-clock-control TESTS ONLY: enable PUT /api/v1/test/clock {\"now\": TIME};\n"
    "                        also lets push subscriptions use http://127.0.0.1 endpoints\n"
    "                        and looks for due pushes every 0.1 s instead of every 1 s\n"
    "  --argon2-memlimit-kib N  password-hash memory (default 65536 = libsodium interactive)\n"
    "  --argon2-opslimit N   password-hash passes (default 2)\n"
    "  --log-level LEVEL     debug, info, warn or error (default info; env UCHET_LOG_LEVEL)\n"
    "  --log-format FORMAT   json (default; one JSON object per line) or text\n"
    "Enrolment kiosk (docs/ENROLMENT.md; --config file keys or environment; the\n"
    "kiosk API /api/v1/kiosk/... answers 503 until enrolment_dir is set):\n"
    "  enrolment_dir         directory of the encrypted transactions and the session\n"
    "                        spool (env UCHET_ENROLMENT_DIR; made 0700)\n"
    "  enrolment_key_file    key file from `uchetctl keys enrolment-init` (env\n"
    "                        UCHET_ENROLMENT_KEY_FILE); keep it off the database host's backups\n"
    "  sbi_trust_dir         capture devices' trust store: CA certificates *.crt/*.pem\n"
    "                        (RS256 devices) and Ed25519 keys *.pub (env UCHET_SBI_TRUST_DIR)\n"
    "  kiosk_idle_seconds    an open session idle this long is wiped (default 600;\n"
    "                        env UCHET_KIOSK_IDLE_SECONDS)\n"
    "  kiosk_min_quality     least quality score 0-100 of a capture (default 40)\n"
    "Document sets (docs/DOCSETS.md; /api/v1/document-sets answers 503 until set):\n"
    "  docset_key_file       key file from `uchetctl keys enrolment-init --key-file F`\n"
    "                        (env UCHET_DOCSET_KEY_FILE); it wraps each set's page key.\n"
    "                        The rules: DATA_DIR/docsets/catalogue.json\n"
    "  docset_pdf_cpu_seconds  CPU seconds a PDF's reader (a child process) may use\n"
    "                        before it is killed and the PDF refused as pdf_unreadable\n"
    "                        (default 10, 1-300; env UCHET_DOCSET_PDF_CPU_SECONDS)\n"
    "  docset_pdf_wall_seconds  and seconds it may take on the clock (default 20,\n"
    "                        1-300, under the 600 s after which a page still being read\n"
    "                        is read again; env UCHET_DOCSET_PDF_WALL_SECONDS)\n"
    "A person's session and the proxy in front (--config file keys or environment):\n"
    "  session_idle_days     a session ends this many days after the app last renewed\n"
    "                        it (default 30; env UCHET_SESSION_IDLE_DAYS)\n"
    "  session_max_days      and this many days after the log-in in any case (default\n"
    "                        90; env UCHET_SESSION_MAX_DAYS)\n"
    "  password_recheck_minutes  changing the record (registration, leaving, minors,\n"
    "                        appeals) wants the password typed this recently (default\n"
    "                        15; env UCHET_PASSWORD_RECHECK_MINUTES)\n"
    "  trusted_proxies       addresses or CIDRs, comma- or space-separated, of the\n"
    "                        reverse proxies whose X-Forwarded-For names the client\n"
    "                        (default none: the header is ignored; env\n"
    "                        UCHET_TRUSTED_PROXIES)\n"

    "  desk_idle_seconds     a desk (officer) session untouched this long ends (default\n"
    "                        900, 60-86400; env UCHET_DESK_IDLE_SECONDS); 12 h is the cap\n"
    "  -h, --help            show this help and exit\n"
    "  --version             show the version and exit\n"
    "\n"
    "Signals: SIGTERM or SIGINT stop gracefully (stop accepting, finish in-flight\n"
    "requests, flush the database writer, exit 0).\n"
    "Exit status: 0 after a clean stop, 1 on a start-up error (printed to stderr).\n";

enum { OPT_CONFIG = 1000, OPT_VERSION, OPT_MIGRATE, OPT_ALLOW_CLOCK, OPT_NO_SWEEP };

static const struct option options[] = {
    {"database", required_argument, NULL, 'd'},
    {"listen", required_argument, NULL, 'l'},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"threads", required_argument, NULL, 't'},
    {"web-root", required_argument, NULL, 'w'},
    {"data-dir", required_argument, NULL, 'D'},
    {"migrate", no_argument, NULL, OPT_MIGRATE},
    {"clock", required_argument, NULL, 'c'},
    {"allow-clock-control", no_argument, NULL, OPT_ALLOW_CLOCK},
    {"no-sweep", no_argument, NULL, OPT_NO_SWEEP},
    {"argon2-memlimit-kib", required_argument, NULL, 'M'},
    {"argon2-opslimit", required_argument, NULL, 'O'},
    {"log-level", required_argument, NULL, 'L'},
    {"log-format", required_argument, NULL, 'F'},
    {"po-dir", required_argument, NULL, 'P'},
    {"vapid-key-file", required_argument, NULL, 'V'},
    {"vapid-subject", required_argument, NULL, 'S'},
    {"metrics-listen", required_argument, NULL, 'm'},
    {"audit-key-file", required_argument, NULL, 'A'},
    {"audit-checkpoint-file", required_argument, NULL, 'C'},
    {"public-origin", required_argument, NULL, 'o'},
    {"totp-key-file", required_argument, NULL, 'K'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char *key_of(int opt)
{
    switch (opt) {
        case 'd': return "database";
        case 'l': return "listen";
        case 't': return "threads";
        case 'w': return "web_root";
        case 'D': return "data_dir";
        case 'c': return "clock";
        case 'M': return "argon2_memlimit_kib";
        case 'O': return "argon2_opslimit";
        case 'L': return "log_level";
        case 'F': return "log_format";
        case 'P': return "po_dir";
        case 'V': return "vapid_key_file";
        case 'S': return "vapid_subject";
        case 'm': return "metrics_listen";
        case 'A': return "audit_key_file";
        case 'C': return "audit_checkpoint_file";
        case 'o': return "public_origin";
        case 'K': return "totp_key_file";
        default: return NULL;
    }
}

/* The config file is read first, wherever --config stands on the line. */
static int find_config_file(int argc, char **argv, const char **ret)
{
    *ret = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            *ret = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            *ret = argv[i] + 9;
    }
    return 0;
}

/* Returns 0 to run, 1 to exit successfully (help/version), <0 on error. */
static int parse_args(int argc, char **argv, config_t *c, err_t *err)
{
    const char *file;
    int r;
    config_defaults(c);
    find_config_file(argc, argv, &file);
    if (file && (r = config_load_file(c, file, err)) < 0)
        return r;
    if ((r = config_load_env(c, err)) < 0)
        return r;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(USAGE, stdout);
            return 1;
        }
        if (opt == OPT_VERSION) {
            puts("uchetd " UCHET_VERSION);
            return 1;
        }
        if (opt == OPT_MIGRATE)
            c->migrate_on_start = true;
        else if (opt == OPT_ALLOW_CLOCK)
            c->allow_clock_control = true;
        else if (opt == OPT_NO_SWEEP)
            c->no_sweep = true;
        else if (opt == OPT_CONFIG)
            continue;
        else if (!key_of(opt))
            return err_set(err, -EINVAL, "usage", "Unknown option; see uchetd --help.");
        else if ((r = config_set(c, key_of(opt), optarg, err)) < 0)
            return r;
    }
    if (optind < argc)
        return err_set(err, -EINVAL, "usage", "Unexpected argument \"%s\"; see uchetd --help.", argv[optind]);
    return 0;
}

static int migrate_now(db_t *db, err_t *err)
{
    int n, r = migrate_apply(db, &n, err);
    if (r == 0 && n)
        log_msg(LOG_INFO, "store.migrated", "applied %d migration(s)", n);
    return r;
}

static int load_regions(api_world_t *w, db_t *db, err_t *err)
{
    int r = region_load_all(db, &w->regions, err);
    if (r == 0 && w->regions.n == 0)
        log_msg(LOG_WARN, "regions.none", "no regions configured: run `uchetctl init`");
    return r;
}

/* The push outbox reports here; library modules do not log. */
static void push_report(void *ctx, const char *event, int64_t notice_id, int status, const err_t *err)
{
    (void)ctx;
    bool bad = !strcmp(event, "push.error") || !strcmp(event, "push.failed");
    bool routine = !strcmp(event, "push.sent") || !strcmp(event, "push.none"); /* one per notice */
    log_msg(bad       ? LOG_WARN
            : routine ? LOG_DEBUG
                      : LOG_INFO,
        event, "notice %lld, push service status %d%s%s", (long long)notice_id, status, err && err->msg[0] ? ": " : "",
        err && err->msg[0] ? err->msg : "");
}

/* Notices in the person's language and their delivery by Web Push: the
 * catalogs, the VAPID key (made on first start), the outbox worker. */
static int push_open(api_world_t *w, const config_t *c, err_t *err)
{
    char path[512];
    bool created = false;
    unsigned char pub[VAPID_PUBLIC_LEN];
    int r = catalog_load_dir(c->po_dir, &w->catalog, err);
    if (r == 0 && c->vapid_key_file[0])
        snprintf(path, sizeof path, "%s", c->vapid_key_file);
    else if (r == 0 && webpush_default_key_path(c->database, path, sizeof path) < 0)
        r = err_set(err, -EINVAL, "bad_config", "The database path is too long for a key file beside it.");
    if (r == 0 && (r = webpush_key_load(path, true, &w->vapid_key, &created, err)) == 0) {
        vapid_public_raw(w->vapid_key, pub);
        r = b64url_encode_buf(pub, sizeof pub, w->vapid_public, sizeof w->vapid_public, NULL, err);
    }
    if (r < 0)
        return r;
    log_msg(LOG_INFO, created ? "push.key_created" : "push.key_loaded", "VAPID key %s; %zu message catalogs", path,
        catalog_languages(w->catalog));
    outbox_config_t oc = {.store = w->store,
        .catalog = w->catalog,
        .key = w->vapid_key,
        .subject = c->vapid_subject,
        .clock = &w->clock,
        .allow_private = c->allow_clock_control,
        /* tests wait for each push they cause; a second's poll made them
         * wait half a second on average (test_push: 22 s in all) */
        .poll_ms = c->allow_clock_control ? OUTBOX_TEST_POLL_MS : 0,
        .report = push_report};
    return outbox_start(&oc, &w->outbox, err);
}

/* totp_key_file (issue 15): the officers' TOTP secrets are sealed under it.
 * Refused, like the VAPID key, when anyone may read it. */
static int totp_keys_load(const char *path, vault_keys_t *ret, err_t *err)
{
    struct stat st;
    if (!path[0])
        return err_set(err, -EINVAL, "bad_config",
            "totp_key_file is not set: the officers' TOTP secrets are sealed under it"
            " (make one with `uchetctl keys totp-init --key-file FILE`; keep it off the database's backups).");
    if (stat(path, &st) < 0)
        return err_set(err, -ENOENT, "bad_config", "totp_key_file %s cannot be read: %s.", path, strerror(errno));
    if (st.st_mode & S_IRWXO)
        return err_set(err, -EACCES, "bad_config", "totp_key_file %s may be read by anyone: chmod 600 it.", path);
    int r = vault_keys_load(path, ret, err);
    if (r == -ENOENT)
        return err_set(err, r, "bad_config", "totp_key_file %s cannot be read.", path);
    if (r < 0)
        return err_set(err, r, "bad_config",
            "totp_key_file %s is malformed (each line: a 16-hex-digit key id, a space, 64 hex digits).", path);
    return 0;
}

/* Loads the TOTP key and seals the secrets an older uchetd stored plain or
 * an older key sealed; a secret sealed under a key the file does not hold
 * stops the start (the wrong key file). */
static int totp_open(api_world_t *w, const config_t *c, db_t *db, err_t *err)
{
    officer_totp_sealing_t n;
    int r = totp_keys_load(c->totp_key_file, &w->totp_keys, err);
    if (r < 0)
        return r;
    r = officer_totp_seal_all(db, &w->totp_keys, clock_now(&w->clock), &n, err);
    if (r < 0 && !strcmp(err->code, "totp_unknown_key")) { /* name the file the operator must check */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return err_set(err, r, "bad_config", "%s (%s)", msg, c->totp_key_file);
    }
    if (r == 0 && (n.plain || n.rekeyed))
        log_msg(LOG_INFO, "desk.totp_sealed",
            "sealed %d officer TOTP secret(s) an older uchetd stored plain, %d again under the current key", n.plain,
            n.rekeyed);
    return r;
}

/* The common and breached passwords (data/passwords/common.txt, rules/password.h). */
/* The common-password list: 26 KB today; a list of the 1 M most common
 * passwords is about 8 MB. */
#define PASSWORD_LIST_MAX_BYTES (16u << 20)

static int passwords_load(api_world_t *w, const char *dir, err_t *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/passwords/common.txt", dir);
    char *buf = NULL;
    size_t n = 0;
    int r = file_read_alloc(path, PASSWORD_LIST_MAX_BYTES, &buf, &n, err);
    if (r < 0)
        return r; /* base/file names the path and why */
    if (password_list_parse(buf, n, &w->passwords) < 0)
        r = err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    free(buf);
    if (r == 0)
        log_msg(LOG_INFO, "passwords.loaded", "%zu common passwords from %s", password_list_count(w->passwords), path);
    return r;
}

/* The settlement catalogue (issue 17). A missing file is not fatal: the
 * check is advice, so uchetd serves without it and every address check says
 * so (catalogue_loaded false, the region unknown); a malformed one is,
 * naming the line, as a wrong catalogue would warn wrongly. */
static int settlements_load(api_world_t *w, const char *dir, err_t *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/settlements/catalogue.txt", dir);
    int r = settlement_file_load(path, &w->settlements, err);
    if (r == -ENOENT) {
        log_msg(LOG_WARN, "settlements.missing", "%s is missing: address checks answer unknown", path);
        err_clear(err);
        return 0;
    }
    if (r == 0)
        log_msg(LOG_INFO, "settlements.loaded", "%zu settlement names from %s",
            settlement_catalogue_size(w->settlements), path);
    return r;
}

/* The start's own database work (migrations when asked, the regions, the
 * TOTP sealing) on one connection, which then becomes the store's writer:
 * on PostgreSQL a connection is a server process, slow to start. */
static int store_setup(api_world_t *w, const config_t *c, int threads, err_t *err)
{
    db_t *db;
    int r = db_open(c->database, false, &db, err);
    if (r < 0)
        return r;
    if ((c->migrate_on_start && (r = migrate_now(db, err)) < 0) || (r = migrate_check(db, err)) < 0 ||
        (r = load_regions(w, db, err)) < 0 || (r = totp_open(w, c, db, err)) < 0) {
        db_close(db);
        return r;
    }
    /* Readers: one per loop; on PostgreSQL several per loop (api/dbloop.h). */
    int readers = threads * (db_kind_of(c->database) == DB_POSTGRES ? DBLOOP_CONNECTIONS : 1);
    return store_open_on(c->database, db, readers, 2, &w->store, err);
}

static int world_open(api_world_t *w, const config_t *c, int threads, err_t *err)
{
    int years, r;
    clock_init_real(&w->clock);
    if (c->clock_set)
        clock_set_fixed(&w->clock, c->clock);
    w->web_root = c->web_root;
    w->allow_clock_control = c->allow_clock_control;
    snprintf(w->public_origin, sizeof w->public_origin, "%s", c->public_origin);
    if (c->public_origin[0]) /* checked when set (config_set) */
        config_origin_host(c->public_origin, w->rp_id, sizeof w->rp_id, NULL);
    w->argon2_ops = c->argon2_ops;
    w->desk_idle_s = c->desk_idle_seconds;
    randombytes_buf(w->audit_cursor_key, sizeof w->audit_cursor_key);
    w->argon2_mem = c->argon2_mem;
    w->metrics_separate = c->metrics_port > 0;
    w->sessions.idle_s = c->session_idle_s;
    w->sessions.max_s = c->session_max_s < c->session_idle_s ? c->session_idle_s : c->session_max_s;
    w->sessions.recheck_s = c->session_recheck_s;
    if ((r = client_nets_parse(c->trusted_proxies, &w->proxies, err)) < 0)
        return r;
    if (db_kind_of(c->database) == DB_SQLITE) {
        const char *slash = strrchr(c->database, '/');
        if (!slash)
            snprintf(w->db_dir, sizeof w->db_dir, ".");
        else
            snprintf(w->db_dir, sizeof w->db_dir, "%.*s", (int)(slash == c->database ? 1 : slash - c->database),
                c->database);
    }
    if ((r = caldata_load(c->data_dir, &w->cal, &years, err)) < 0)
        return r;
    log_msg(LOG_INFO, "calendar.loaded", "%d official calendar year(s) from %s", years, c->data_dir);
    if ((r = passwords_load(w, c->data_dir, err)) < 0 || (r = settlements_load(w, c->data_dir, err)) < 0)
        return r;
    if ((r = store_setup(w, c, threads, err)) < 0)
        return r;
    w->metrics = metrics_new(router_count(), router_names());
    w->rl_address = ratelimit_new(8192, LIMIT_LOGIN_FAILS_ADDRESS, LIMIT_LOGIN_WINDOW_S);
    if (!w->metrics || !w->rl_address)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    if ((r = kiosk_env_open(c, &w->kiosk, err)) < 0)
        return r;
    pdfpage_set_limits(c->docset_pdf_cpu_s, c->docset_pdf_wall_s); /* api/config checked them */
    if ((r = docset_env_open(c, w->store, &w->docsets, err)) < 0)
        return r;
    return push_open(w, c, err);
}

static void world_close(api_world_t *w)
{
    outbox_stop(w->outbox); /* before the store: it records what it finished */
    kiosk_env_free(w->kiosk);
    store_close(w->store);       /* the writer commits everything queued first */
    docset_env_free(w->docsets); /* after the store: SLOW readers borrow its keys */
    catalog_free(w->catalog);
    vapid_key_free(w->vapid_key);
    calendar_free(w->cal);
    region_set_free(&w->regions);
    metrics_free(w->metrics);
    ratelimit_free(w->rl_address);
    password_list_free(w->passwords);
    settlement_catalogue_free(w->settlements);
    vault_keys_wipe(&w->totp_keys);
    anchor_key_free(w->audit_key);
    w->audit_key = NULL;
}

int main(int argc, char **argv)
{
    static config_t c;
    static api_world_t w;
    scheduler_t *sched = NULL;
    anchorer_t *anchorer = NULL;
    err_t err = {0};
    int r = parse_args(argc, argv, &c, &err);
    if (r == 1)
        return 0;
    if (r == 0 && secret_init() < 0)
        r = err_set(&err, -EIO, "sodium", "libsodium could not initialise.");
    log_setup(c.log_level, c.log_json);
    /* By default one core is left to the database writer thread, which
     * every acknowledged write waits for (measured: 1 loop + writer beats 2
     * loops + writer on 2 cores, in throughput and in p99). */
    int threads = c.threads > 0 ? c.threads : (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
    if (threads < 1)
        threads = 1;
    if (r == 0)
        r = world_open(&w, &c, threads, &err);
    if (r == 0 && c.audit_key_file[0])
        r = anchorer_start(c.database, c.audit_key_file, c.audit_checkpoint_file, &w.clock, &anchorer, &err);
    if (r == 0 && anchorer) /* the desk's chain verification checks what it signs */
        r = anchorer_verifier(anchorer, &w.audit_key, w.audit_checkpoints, sizeof w.audit_checkpoints, &err);
    if (r == 0 && !c.no_sweep)
        r = scheduler_start(&w, c.database, &sched, &err);
    if (r == 0)
        r = server_run(&w, c.listen_host, c.listen_port, c.metrics_host, c.metrics_port, threads, 10, &err);
    scheduler_stop(sched);
    world_close(&w); /* the writer has committed everything: anchor that */
    anchorer_stop(anchorer);
    if (r < 0) {
        fprintf(stderr, "uchetd: %s\n", err.msg[0] ? err.msg : strerror(-r));
        return 1;
    }
    return 0;
}
