#include "api/config.h"

#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/parse.h"
#include "rules/date.h"

#ifndef UCHET_SOURCE_DIR
#define UCHET_SOURCE_DIR "."
#endif

void config_defaults(config_t *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->database, sizeof c->database, "./uchet.db");
    snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->listen_port = 8080;
    snprintf(c->web_root, sizeof c->web_root, "%s/web", UCHET_SOURCE_DIR);
    snprintf(c->data_dir, sizeof c->data_dir, "%s/data", UCHET_SOURCE_DIR);
    snprintf(c->po_dir, sizeof c->po_dir, "%s/po", UCHET_SOURCE_DIR);
    snprintf(c->vapid_subject, sizeof c->vapid_subject, "mailto:operator@uchet.invalid");
    c->log_level = LOG_INFO;
    c->log_json = true;
    c->kiosk_idle_seconds = 600;
    c->desk_idle_seconds = 900;
    c->kiosk_min_quality = 40;
    c->docset_pdf_cpu_s = LIMIT_DOCSET_PDF_CPU_S;
    c->docset_pdf_wall_s = LIMIT_DOCSET_PDF_WALL_S;
    c->session_idle_s = 30 * 86400;
    c->session_max_s = 90 * 86400;
    c->session_recheck_s = 15 * 60;
}

/* "HOST:PORT" or "[v6]:PORT" into host (cap bytes) and *ret_port. */
static int parse_hostport(const char *s, const char *what, char *host, size_t cap, int *ret_port, err_t *err)
{
    const char *colon = strrchr(s, ':');
    uint64_t port;
    if (!colon || colon == s || parse_u64(colon + 1, strlen(colon + 1), 1, 65535, &port) < 0)
        return err_set(err, -EINVAL, "bad_listen", "--%s wants HOST:PORT, e.g. 127.0.0.1:8080.", what);
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
        s++;
        hl -= 2;
    }
    if (hl >= cap)
        return err_set(err, -EINVAL, "bad_listen", "The %s host is too long.", what);
    memcpy(host, s, hl);
    host[hl] = '\0';
    *ret_port = (int)port;
    return 0;
}

int config_parse_listen(config_t *c, const char *s, err_t *err)
{
    return parse_hostport(s, "listen", c->listen_host, sizeof c->listen_host, &c->listen_port, err);
}

static int set_bool(bool *dst, const char *key, const char *v, err_t *err)
{
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
        *dst = true;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
        *dst = false;
    else
        return err_set(err, -EINVAL, "bad_config", "%s wants true or false.", key);
    return 0;
}

static int set_path(char *dst, size_t cap, const char *key, const char *v, err_t *err)
{
    if (strlen(v) >= cap)
        return err_set(err, -EINVAL, "bad_config", "%s is too long.", key);
    snprintf(dst, cap, "%s", v);
    return 0;
}

static int set_number(const char *key, const char *v, uint64_t min, uint64_t max, uint64_t *ret, err_t *err)
{
    if (parse_u64(v, strlen(v), min, max, ret) < 0)
        return err_set(err, -EINVAL, "bad_config", "%s wants a whole number from %llu to %llu.", key,
            (unsigned long long)min, (unsigned long long)max);
    return 0;
}

/* The settings that need more than a path, a flag or a number. */
static int set_listen(config_t *c, const char *key, const char *v, err_t *err)
{
    (void)key;
    return config_parse_listen(c, v, err);
}

static int set_metrics_listen(config_t *c, const char *key, const char *v, err_t *err)
{
    (void)key;
    return parse_hostport(v, "metrics-listen", c->metrics_host, sizeof c->metrics_host, &c->metrics_port, err);
}

static int set_public_origin(config_t *c, const char *key, const char *v, err_t *err)
{
    char host[256];
    int r = config_origin_host(v, host, sizeof host, err);
    return r < 0 ? r : set_path(c->public_origin, sizeof c->public_origin, key, v, err);
}

static int set_log_level(config_t *c, const char *key, const char *v, err_t *err)
{
    (void)key;
    if (log_level_parse(v, &c->log_level) < 0)
        return err_set(err, -EINVAL, "bad_config", "log_level is debug, info, warn or error.");
    return 0;
}

static int set_log_format(config_t *c, const char *key, const char *v, err_t *err)
{
    (void)key;
    if (strcmp(v, "json") && strcmp(v, "text"))
        return err_set(err, -EINVAL, "bad_config", "log_format is json or text.");
    c->log_json = !strcmp(v, "json");
    return 0;
}

static int set_clock(config_t *c, const char *key, const char *v, err_t *err)
{
    (void)key;
    if (time_parse_rfc3339(v, strlen(v), &c->clock, NULL) < 0)
        return err_set(err, -EINVAL, "bad_config", "--clock wants an RFC 3339 time such as 2025-10-31T10:00+03:00.");
    c->clock_set = true;
    return 0;
}

/* How a setting's text becomes its field. */
typedef enum {
    SET_PATH,   /* text copied into a char[cap] */
    SET_BOOL,   /* true/yes/1 or false/no/0 into a bool */
    SET_INT,    /* a whole number in [min, max], times scale, into an int */
    SET_I64,    /* ... into an int64_t */
    SET_SIZE,   /* ... into a size_t */
    SET_ULL,    /* ... into an unsigned long long */
    SET_CUSTOM, /* its own function */
} set_kind_t;

typedef struct setting {
    const char *key; /* the INI name; the flag is the same with '-' for '_' */
    const char *env; /* its UCHET_* environment variable, or NULL */
    set_kind_t kind;
    size_t offset;     /* of the field in config_t */
    size_t cap;        /* SET_PATH: the field's size */
    uint64_t min, max; /* numbers: the accepted range */
    uint64_t scale;    /* numbers: the field holds number × scale (days → seconds) */
    int (*custom)(config_t *c, const char *key, const char *v, err_t *err);
} setting_t;

#define PATH(k, env, field)                                                                                            \
    {                                                                                                                  \
        k, env, SET_PATH, offsetof(config_t, field), sizeof((config_t *)0)->field, 0, 0, 0, NULL                       \
    }
#define FLAG(k, field)                                                                                                 \
    {                                                                                                                  \
        k, NULL, SET_BOOL, offsetof(config_t, field), 0, 0, 0, 0, NULL                                                 \
    }
#define NUM(k, env, kind, field, min, max, scale)                                                                      \
    {                                                                                                                  \
        k, env, kind, offsetof(config_t, field), 0, min, max, scale, NULL                                              \
    }
#define CUSTOM(k, env, fn)                                                                                             \
    {                                                                                                                  \
        k, env, SET_CUSTOM, 0, 0, 0, 0, 0, fn                                                                          \
    }

/* Every setting uchetd has, once: the INI file, the environment and the
 * command line (uchetd.c maps its flags to these keys) all go through it. */
static const setting_t settings[] = {
    PATH("database", "UCHET_DATABASE", database),
    CUSTOM("listen", "UCHET_LISTEN", set_listen),
    CUSTOM("metrics_listen", "UCHET_METRICS_LISTEN", set_metrics_listen),
    NUM("threads", "UCHET_THREADS", SET_INT, threads, 0, 256, 1),
    PATH("web_root", "UCHET_WEB_ROOT", web_root),
    PATH("data_dir", "UCHET_DATA_DIR", data_dir),
    PATH("po_dir", "UCHET_PO_DIR", po_dir),
    CUSTOM("log_level", "UCHET_LOG_LEVEL", set_log_level),
    CUSTOM("log_format", NULL, set_log_format),
    PATH("vapid_key_file", "UCHET_VAPID_KEY_FILE", vapid_key_file),
    PATH("vapid_subject", NULL, vapid_subject),
    PATH("audit_key_file", "UCHET_AUDIT_KEY_FILE", audit_key_file),
    PATH("audit_checkpoint_file", "UCHET_AUDIT_CHECKPOINT_FILE", audit_checkpoint_file),
    CUSTOM("public_origin", "UCHET_PUBLIC_ORIGIN", set_public_origin),
    FLAG("migrate_on_start", migrate_on_start),
    FLAG("no_sweep", no_sweep),
    NUM("argon2_memlimit_kib", NULL, SET_SIZE, argon2_mem, 8, 4 * 1024 * 1024, 1024),
    NUM("argon2_opslimit", NULL, SET_ULL, argon2_ops, 1, 32, 1),
    CUSTOM("clock", NULL, set_clock),
    PATH("docset_key_file", "UCHET_DOCSET_KEY_FILE", docset_key_file), /* issue 16: document sets */
    NUM("docset_pdf_cpu_seconds", "UCHET_DOCSET_PDF_CPU_SECONDS", SET_INT, docset_pdf_cpu_s, 1, 300, 1),
    NUM("docset_pdf_wall_seconds", "UCHET_DOCSET_PDF_WALL_SECONDS", SET_INT, docset_pdf_wall_s, 1, 300, 1),
    /* enrolment kiosks */
    PATH("enrolment_dir", "UCHET_ENROLMENT_DIR", enrolment_dir),
    PATH("enrolment_key_file", "UCHET_ENROLMENT_KEY_FILE", enrolment_key_file),
    PATH("sbi_trust_dir", "UCHET_SBI_TRUST_DIR", sbi_trust_dir),
    NUM("kiosk_idle_seconds", "UCHET_KIOSK_IDLE_SECONDS", SET_I64, kiosk_idle_seconds, 30, 86400, 1),
    NUM("kiosk_min_quality", NULL, SET_INT, kiosk_min_quality, 0, 100, 1),
    /* the desk */
    PATH("totp_key_file", "UCHET_TOTP_KEY_FILE", totp_key_file), /* seals the officers' TOTP secrets */
    NUM("desk_idle_seconds", "UCHET_DESK_IDLE_SECONDS", SET_I64, desk_idle_seconds, 60, 86400, 1),
    /* a person's session, the proxy in front */
    PATH("trusted_proxies", "UCHET_TRUSTED_PROXIES", trusted_proxies),
    NUM("session_idle_days", "UCHET_SESSION_IDLE_DAYS", SET_I64, session_idle_s, 1, 365, 86400),
    NUM("session_max_days", "UCHET_SESSION_MAX_DAYS", SET_I64, session_max_s, 1, 365, 86400),
    NUM("password_recheck_minutes", "UCHET_PASSWORD_RECHECK_MINUTES", SET_I64, session_recheck_s, 1, 24 * 60, 60),
};

/* Stores number n × scale in the field s names. */
static void store_number(config_t *c, const setting_t *s, uint64_t n)
{
    void *field = (char *)c + s->offset;
    uint64_t v = n * s->scale; /* max × scale fits every field: the table's ranges are small */
    switch (s->kind) {
        case SET_INT: *(int *)field = (int)v; break;
        case SET_I64: *(int64_t *)field = (int64_t)v; break;
        case SET_SIZE: *(size_t *)field = (size_t)v; break;
        default: *(unsigned long long *)field = v; break;
    }
}

static int apply(config_t *c, const setting_t *s, const char *v, err_t *err)
{
    uint64_t n;
    int r;
    switch (s->kind) {
        case SET_PATH: return set_path((char *)c + s->offset, s->cap, s->key, v, err);
        case SET_BOOL: return set_bool((bool *)((char *)c + s->offset), s->key, v, err);
        case SET_CUSTOM: return s->custom(c, s->key, v, err);
        default:
            if ((r = set_number(s->key, v, s->min, s->max, &n, err)) == 0)
                store_number(c, s, n);
            return r;
    }
}

int config_set(config_t *c, const char *key, const char *v, err_t *err)
{
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (!strcmp(key, settings[i].key))
            return apply(c, &settings[i], v, err);
    return err_set(err, -EINVAL, "bad_config", "Unknown setting \"%s\".", key);
}

typedef struct ini_ctx {
    config_t *c;
    err_t *err;
    int rc;
} ini_ctx_t;

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx_t *x = user;
    if (x->rc < 0)
        return 0;
    if (strcmp(section, "uchetd") != 0) {
        x->rc = err_set(x->err, -EINVAL, "bad_config", "Unknown section [%s] (settings go under [uchetd]).", section);
        return 0;
    }
    x->rc = config_set(x->c, name, value, x->err);
    return x->rc == 0;
}

int config_load_file(config_t *c, const char *path, err_t *err)
{
    ini_ctx_t x = {.c = c, .err = err};
    int line = ini_parse(path, on_ini, &x);
    if (x.rc < 0)
        return x.rc;
    if (line == -1)
        return err_set(err, -ENOENT, "bad_config", "Cannot open the config file %s.", path);
    if (line != 0)
        return err_set(err, -EINVAL, "bad_config", "%s: syntax error on line %d.", path, line);
    return 0;
}

int config_load_env(config_t *c, err_t *err)
{
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const char *v = settings[i].env ? getenv(settings[i].env) : NULL;
        int r;
        if (v && *v && (r = apply(c, &settings[i], v, err)) < 0)
            return r;
    }
    return 0;
}

/* --- passkeys --- */
int config_origin_host(const char *origin, char *host, size_t cap, err_t *err)
{
    const char *h = NULL;
    bool https = !strncmp(origin, "https://", 8);
    if (https)
        h = origin + 8;
    else if (!strncmp(origin, "http://", 7))
        h = origin + 7;
    size_t n = h ? strcspn(h, ":/") : 0;
    bool local = h && ((n == 9 && !strncmp(h, "localhost", 9)) || (n == 9 && !strncmp(h, "127.0.0.1", 9)));
    bool port_ok =
        h && (h[n] == '\0' || (h[n] == ':' && h[n + 1] && strspn(h + n + 1, "0123456789") == strlen(h + n + 1)));
    bool host_ok = n > 0 && n < cap && strspn(h, "abcdefghijklmnopqrstuvwxyz0123456789.-") >= n;
    if (!h || (!https && !local) || !port_ok || !host_ok)
        return err_set(err, -EINVAL, "bad_config",
            "public_origin is https://HOST[:PORT] (or http://localhost:PORT for tests), lower case, no path.");
    memcpy(host, h, n);
    host[n] = '\0';
    return 0;
}
