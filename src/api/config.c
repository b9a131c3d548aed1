#include "api/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int config_set(config_t *c, const char *key, const char *v, err_t *err)
{
    uint64_t n;
    int r;
    if (!strcmp(key, "database")) return set_path(c->database, sizeof c->database, key, v, err);
    if (!strcmp(key, "listen")) return config_parse_listen(c, v, err);
    if (!strcmp(key, "metrics_listen"))
        return parse_hostport(v, "metrics-listen", c->metrics_host, sizeof c->metrics_host, &c->metrics_port, err);
    if (!strcmp(key, "audit_key_file")) return set_path(c->audit_key_file, sizeof c->audit_key_file, key, v, err);
    if (!strcmp(key, "audit_checkpoint_file"))
        return set_path(c->audit_checkpoint_file, sizeof c->audit_checkpoint_file, key, v, err);
    if (!strcmp(key, "web_root")) return set_path(c->web_root, sizeof c->web_root, key, v, err);
    if (!strcmp(key, "data_dir")) return set_path(c->data_dir, sizeof c->data_dir, key, v, err);
    if (!strcmp(key, "po_dir")) return set_path(c->po_dir, sizeof c->po_dir, key, v, err);
    if (!strcmp(key, "vapid_key_file")) return set_path(c->vapid_key_file, sizeof c->vapid_key_file, key, v, err);
    if (!strcmp(key, "vapid_subject")) return set_path(c->vapid_subject, sizeof c->vapid_subject, key, v, err);
    if (!strcmp(key, "public_origin")) {
        char host[256];
        int rc = config_origin_host(v, host, sizeof host, err);
        return rc < 0 ? rc : set_path(c->public_origin, sizeof c->public_origin, key, v, err);
    }
    if (!strcmp(key, "migrate_on_start")) return set_bool(&c->migrate_on_start, key, v, err);
    if (!strcmp(key, "no_sweep")) return set_bool(&c->no_sweep, key, v, err);
    if (!strcmp(key, "log_level")) {
        if (log_level_parse(v, &c->log_level) < 0)
            return err_set(err, -EINVAL, "bad_config", "log_level is debug, info, warn or error.");
        return 0;
    }
    if (!strcmp(key, "log_format")) {
        if (strcmp(v, "json") && strcmp(v, "text"))
            return err_set(err, -EINVAL, "bad_config", "log_format is json or text.");
        c->log_json = !strcmp(v, "json");
        return 0;
    }
    if (!strcmp(key, "threads")) {
        if ((r = set_number(key, v, 0, 256, &n, err)) == 0)
            c->threads = (int)n;
        return r;
    }
    if (!strcmp(key, "argon2_memlimit_kib")) {
        if ((r = set_number(key, v, 8, 4 * 1024 * 1024, &n, err)) == 0)
            c->argon2_mem = (size_t)n * 1024;
        return r;
    }
    if (!strcmp(key, "argon2_opslimit")) {
        if ((r = set_number(key, v, 1, 32, &n, err)) == 0)
            c->argon2_ops = n;
        return r;
    }
    if (!strcmp(key, "clock")) {
        if (time_parse_rfc3339(v, strlen(v), &c->clock, NULL) < 0)
            return err_set(err, -EINVAL, "bad_config", "--clock wants an RFC 3339 time such as 2025-10-31T10:00+03:00.");
        c->clock_set = true;
        return 0;
    }
    if (!strcmp(key, "docset_key_file"))   /* issue 16: document sets */
        return set_path(c->docset_key_file, sizeof c->docset_key_file, key, v, err);
    if ((r = config_set_kiosk(c, key, v, err)) <= 0 || (r = config_set_desk(c, key, v, err)) <= 0)
        return r;
    if ((r = config_set_session(c, key, v, err)) <= 0)
        return r;
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
    static const struct { const char *env, *key; } map[] = {
        {"UCHET_DATABASE", "database"}, {"UCHET_LISTEN", "listen"}, {"UCHET_THREADS", "threads"},
        {"UCHET_WEB_ROOT", "web_root"}, {"UCHET_DATA_DIR", "data_dir"}, {"UCHET_LOG_LEVEL", "log_level"},
        {"UCHET_PO_DIR", "po_dir"}, {"UCHET_VAPID_KEY_FILE", "vapid_key_file"},
        {"UCHET_METRICS_LISTEN", "metrics_listen"}, {"UCHET_AUDIT_KEY_FILE", "audit_key_file"},
        {"UCHET_AUDIT_CHECKPOINT_FILE", "audit_checkpoint_file"}, {"UCHET_PUBLIC_ORIGIN", "public_origin"},
        {"UCHET_DOCSET_KEY_FILE", "docset_key_file"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const char *v = getenv(map[i].env);
        int r;
        if (v && *v && (r = config_set(c, map[i].key, v, err)) < 0)
            return r;
    }
    static const struct { const char *env, *key; } kiosk_map[] = {
        {"UCHET_ENROLMENT_DIR", "enrolment_dir"}, {"UCHET_ENROLMENT_KEY_FILE", "enrolment_key_file"},
        {"UCHET_SBI_TRUST_DIR", "sbi_trust_dir"}, {"UCHET_KIOSK_IDLE_SECONDS", "kiosk_idle_seconds"},
    };
    for (size_t i = 0; i < sizeof kiosk_map / sizeof kiosk_map[0]; i++) {
        const char *v = getenv(kiosk_map[i].env);
        int r;
        if (v && *v && (r = config_set_kiosk(c, kiosk_map[i].key, v, err)) < 0)
            return r;
    }
    static const struct { const char *env, *key; } session_map[] = {
        {"UCHET_SESSION_IDLE_DAYS", "session_idle_days"}, {"UCHET_SESSION_MAX_DAYS", "session_max_days"},
        {"UCHET_PASSWORD_RECHECK_MINUTES", "password_recheck_minutes"},
        {"UCHET_TRUSTED_PROXIES", "trusted_proxies"},
    };
    for (size_t i = 0; i < sizeof session_map / sizeof session_map[0]; i++) {
        const char *v = getenv(session_map[i].env);
        int r;
        if (v && *v && (r = config_set_session(c, session_map[i].key, v, err)) < 0)
            return r;
    }

    const char *idle = getenv("UCHET_DESK_IDLE_SECONDS");
    int r;
    if (idle && *idle && (r = config_set_desk(c, "desk_idle_seconds", idle, err)) < 0)
        return r;
    return 0;
}

int config_set_desk(config_t *c, const char *key, const char *v, err_t *err)
{
    uint64_t n;
    if (strcmp(key, "desk_idle_seconds") != 0)
        return 1;
    int r = set_number(key, v, 60, 86400, &n, err);
    if (r == 0)
        c->desk_idle_seconds = (int64_t)n;
    return r;
}

/* --- enrolment kiosks --- */
int config_set_kiosk(config_t *c, const char *key, const char *v, err_t *err)
{
    uint64_t n;
    int r;
    if (!strcmp(key, "enrolment_dir")) return set_path(c->enrolment_dir, sizeof c->enrolment_dir, key, v, err);
    if (!strcmp(key, "enrolment_key_file"))
        return set_path(c->enrolment_key_file, sizeof c->enrolment_key_file, key, v, err);
    if (!strcmp(key, "sbi_trust_dir")) return set_path(c->sbi_trust_dir, sizeof c->sbi_trust_dir, key, v, err);
    if (!strcmp(key, "kiosk_idle_seconds")) {
        if ((r = set_number(key, v, 30, 86400, &n, err)) == 0)
            c->kiosk_idle_seconds = (int64_t)n;
        return r;
    }
    if (!strcmp(key, "kiosk_min_quality")) {
        if ((r = set_number(key, v, 0, 100, &n, err)) == 0)
            c->kiosk_min_quality = (int)n;
        return r;
    }
    return 1;
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
    bool port_ok = h && (h[n] == '\0' || (h[n] == ':' && h[n + 1] && strspn(h + n + 1, "0123456789") == strlen(h + n + 1)));
    bool host_ok = n > 0 && n < cap && strspn(h, "abcdefghijklmnopqrstuvwxyz0123456789.-") >= n;
    if (!h || (!https && !local) || !port_ok || !host_ok)
        return err_set(err, -EINVAL, "bad_config",
                       "public_origin is https://HOST[:PORT] (or http://localhost:PORT for tests), lower case, no path.");
    memcpy(host, h, n);
    host[n] = '\0';
    return 0;
}

/* --- a person's session, the proxy in front --- */
int config_set_session(config_t *c, const char *key, const char *v, err_t *err)
{
    uint64_t n;
    int r;
    if (!strcmp(key, "trusted_proxies"))
        return set_path(c->trusted_proxies, sizeof c->trusted_proxies, key, v, err);
    if (!strcmp(key, "session_idle_days")) {
        if ((r = set_number(key, v, 1, 365, &n, err)) == 0)
            c->session_idle_s = (int64_t)n * 86400;
        return r;
    }
    if (!strcmp(key, "session_max_days")) {
        if ((r = set_number(key, v, 1, 365, &n, err)) == 0)
            c->session_max_s = (int64_t)n * 86400;
        return r;
    }
    if (!strcmp(key, "password_recheck_minutes")) {
        if ((r = set_number(key, v, 1, 24 * 60, &n, err)) == 0)
            c->session_recheck_s = (int64_t)n * 60;
        return r;
    }
    return 1;
}
