#pragma once
/* uchetd's configuration: defaults, then the INI file (--config), then
 * UCHET_* environment variables, then command-line flags; later wins. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/log.h"

typedef struct config {
    char database[512]; /* SQLite path or postgresql:// URL */
    char listen_host[64];
    int listen_port;
    int threads; /* event loops; 0 = one per core */
    char web_root[512];
    char data_dir[512];              /* calendar data: <data_dir>/calendar/ru/YYYY.txt */
    char po_dir[512];                /* message catalogs: <po_dir>/<lang>.po (notices) */
    char vapid_key_file[512];        /* Web Push key (PEM); "" = vapid.pem by the database */
    char vapid_subject[256];         /* VAPID contact: mailto: or https: URI */
    char metrics_host[64];           /* --metrics-listen: /metrics on its own listener */
    int metrics_port;                /* 0 = /metrics on the main listener */
    char audit_key_file[512];        /* Ed25519 key that signs audit checkpoints; "" = none */
    char audit_checkpoint_file[512]; /* where they are appended; "" = <key file>.checkpoints */
    log_level_t log_level;
    bool log_json;
    bool migrate_on_start;
    bool allow_clock_control;
    bool no_sweep; /* another instance or uchetctl sweeps */
    bool clock_set;
    int64_t clock; /* fixed "now" when clock_set */
    unsigned long long argon2_ops;
    size_t argon2_mem; /* bytes */
    /* enrolment kiosks (docs/ENROLMENT.md); the kiosk API is off while
     * enrolment_dir is "" */
    char enrolment_dir[512];      /* encrypted transactions and session spool */
    char enrolment_key_file[512]; /* bio/vault key file; "" = <enrolment_dir>/../enrolment.key */
    char sbi_trust_dir[512];      /* *.pub device keys (bio/sbi trust store) */
    int64_t kiosk_idle_seconds;   /* an open session idle this long is wiped */
    int64_t desk_idle_seconds;    /* issue 15: a desk session untouched this long ends */
    int kiosk_min_quality;        /* 0-100: least quality score of a capture */
    /* passkeys (docs/PASSKEYS.md): the origin the app is served from, as the
     * browser sees it ("https://uchet.example"); its host is the WebAuthn
     * RP ID. "" = passkeys off. */
    char public_origin[256];
    char docset_key_file[512]; /* document sets (issue 16): bio/vault key file; "" = that API off */
    int docset_pdf_cpu_s;      /* docset_pdf_cpu_seconds: RLIMIT_CPU of the PDF reader's child */
    int docset_pdf_wall_s;     /* docset_pdf_wall_seconds: its wall-clock alarm */
    char totp_key_file[512];   /* issue 15: bio/vault key file sealing the officers' TOTP secrets; required */

    /* a person's session (issue 17) and the proxy in front (issue 12) */
    int64_t session_idle_s;     /* session_idle_days: ends this long after its last renewal */
    int64_t session_max_s;      /* session_max_days: ends this long after the log-in, renewed or not */
    int64_t session_recheck_s;  /* password_recheck_minutes: a typed password counts this long */
    char trusted_proxies[1024]; /* addresses/CIDRs whose X-Forwarded-For is believed (api/proxy.h) */
} config_t;

void config_defaults(config_t *c);
/* Parses "HOST:PORT" (or "[v6]:PORT"). */
int config_parse_listen(config_t *c, const char *s, err_t *err);
/* Applies one setting by its INI/flag name ("listen", "database", ...): the
 * one table in config.c holds every setting, its range and its variable;
 * -EINVAL (bad_config) for an unknown name or a bad value. */
int config_set(config_t *c, const char *key, const char *value, err_t *err);
/* Reads an INI file (section [uchetd]); unknown keys are errors. */
int config_load_file(config_t *c, const char *path, err_t *err);
/* Applies the UCHET_* environment variables, each the same as its setting
 * (the table in config.c says which settings have one): UCHET_DATABASE,
 * UCHET_LISTEN, UCHET_THREADS, UCHET_WEB_ROOT, UCHET_DATA_DIR,
 * UCHET_LOG_LEVEL, UCHET_PO_DIR, UCHET_VAPID_KEY_FILE, UCHET_METRICS_LISTEN,
 * UCHET_AUDIT_KEY_FILE, UCHET_AUDIT_CHECKPOINT_FILE, UCHET_PUBLIC_ORIGIN,
 * UCHET_DOCSET_KEY_FILE, UCHET_DOCSET_PDF_CPU_SECONDS,
 * UCHET_DOCSET_PDF_WALL_SECONDS, UCHET_TOTP_KEY_FILE, UCHET_ENROLMENT_DIR, UCHET_ENROLMENT_KEY_FILE,
 * UCHET_SBI_TRUST_DIR, UCHET_KIOSK_IDLE_SECONDS, UCHET_DESK_IDLE_SECONDS,
 * UCHET_TRUSTED_PROXIES, UCHET_SESSION_IDLE_DAYS, UCHET_SESSION_MAX_DAYS,
 * UCHET_PASSWORD_RECHECK_MINUTES. */
int config_load_env(config_t *c, err_t *err);
/* The RP ID of an origin: its host. -EINVAL unless origin is
 * https://HOST[:PORT] or http://localhost|127.0.0.1[:PORT] (the only places
 * browsers allow WebAuthn), without a path or a trailing slash. */
int config_origin_host(const char *origin, char *host, size_t cap, err_t *err);
