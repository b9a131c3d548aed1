/* Web Push delivery: encrypt, sign, POST; the VAPID key file. */
#include "notify/webpush.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "notify/ece.h"
#include "store/db.h"

typedef struct vapid_cached {
    char *aud;       /* push-service origin, owned; NULL = free slot */
    char *header;    /* "vapid t=..., k=...", owned */
    int64_t made_at; /* real time the token was made */
} vapid_cached_t;

struct webpush {
    const vapid_key_t *key; /* borrowed */
    char subject[VAPID_MAX_SUB + 1];
    bool allow_private;
    const _Atomic bool *cancel; /* borrowed; may be NULL */
    bool blocked;               /* the last connect was refused by us */
    CURL *curl;                 /* reused: keeps connections alive */
    vapid_cached_t cache[WEBPUSH_VAPID_CACHE];
};

/* --- addresses ------------------------------------------------------------ */

static bool v4_private(const unsigned char *a)
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
}

/* Loopback, unspecified, private, link-local, CGNAT, multicast and
 * reserved addresses: nothing a push service lives on. */
static bool address_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_private((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family != AF_INET6)
        return true;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a))
        return v4_private(a->s6_addr + 12);
    return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
           IN6_IS_ADDR_SITELOCAL(a) || IN6_IS_ADDR_MULTICAST(a) || (a->s6_addr[0] & 0xfe) == 0xfc;
}

/* libcurl asks us for every socket it connects: the check runs on the
 * address actually used, after DNS, so a name cannot be re-pointed at an
 * inside address between a check and the connect. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    webpush_t *wp = clientp;
    (void)purpose;
    if (!wp->allow_private && address_private(&addr->addr)) {
        wp->blocked = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* Called by libcurl while a request runs: non-zero abandons it. */
static int progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    const webpush_t *wp = clientp;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return wp->cancel && *wp->cancel;
}

/* The service's answer body is not needed; it is read and dropped. */
static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p, (void)u;
    return size * n;
}

/* --- the sender ------------------------------------------------------------ */

static int setup_curl(webpush_t *wp, err_t *err)
{
    CURL *c = wp->curl;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, wp->allow_private ? "http,https" : "https");
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    bad |= curl_easy_setopt(c, CURLOPT_PROXY, ""); /* see open_socket: no detour */
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)WEBPUSH_CONNECT_TIMEOUT_S);
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)WEBPUSH_TIMEOUT_S);
    bad |= curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    bad |= curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, wp);
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "uchet");
    bad |= curl_easy_setopt(c, CURLOPT_POST, 1L);
    bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, wp);
    if (bad)
        return err_set(err, -EIO, "push_setup", "libcurl refused an option");
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS); /* best effort */
    return 0;
}

int webpush_new(const vapid_key_t *key, const char *subject, bool allow_private, const _Atomic bool *cancel,
    webpush_t **ret, err_t *err)
{
    char *probe = NULL;
    /* A throwaway token checks the subject now rather than at the first push. */
    int r = vapid_authorization(key, "https://push.example.invalid/", subject, 0, 60, &probe, err);
    free(probe);
    if (r < 0)
        return r;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_set(err, -EIO, "push_setup", "libcurl could not initialise");
    webpush_t *wp = calloc(1, sizeof *wp);
    if (wp)
        wp->curl = curl_easy_init();
    if (!wp || !wp->curl) {
        free(wp);
        curl_global_cleanup();
        return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    }
    wp->key = key;
    wp->allow_private = allow_private;
    wp->cancel = cancel;
    snprintf(wp->subject, sizeof wp->subject, "%s", subject);
    if ((r = setup_curl(wp, err)) < 0) {
        webpush_free(wp);
        return r;
    }
    *ret = wp;
    return 0;
}

void webpush_free(webpush_t *wp)
{
    if (!wp)
        return;
    for (int i = 0; i < WEBPUSH_VAPID_CACHE; i++) {
        free(wp->cache[i].aud);
        free(wp->cache[i].header);
    }
    curl_easy_cleanup(wp->curl);
    free(wp);
    curl_global_cleanup();
}

/* The Authorization value for endpoint's origin: the cached one while it is
 * younger than WEBPUSH_VAPID_REUSE_S (so still valid for 12 h more), else a
 * new one in the slot of that origin or of the oldest entry. Borrowed. */
static int vapid_header(webpush_t *wp, const char *endpoint, int64_t now, const char **ret, err_t *err)
{
    char *aud = NULL, *header = NULL;
    int r = vapid_audience(endpoint, &aud, err);
    if (r < 0)
        return r;
    vapid_cached_t *slot = &wp->cache[0];
    for (int i = 0; i < WEBPUSH_VAPID_CACHE; i++) {
        vapid_cached_t *c = &wp->cache[i];
        if (c->aud && !strcmp(c->aud, aud)) {
            slot = c;
            break;
        }
        if (!c->aud || (slot->aud && c->made_at < slot->made_at))
            slot = c;
    }
    bool fresh =
        slot->aud && !strcmp(slot->aud, aud) && now >= slot->made_at && now - slot->made_at < WEBPUSH_VAPID_REUSE_S;
    if (!fresh &&
        (r = vapid_authorization(wp->key, endpoint, wp->subject, now, WEBPUSH_VAPID_TTL_S, &header, err)) < 0) {
        free(aud);
        return r;
    }
    if (fresh) {
        free(aud);
    } else {
        free(slot->aud);
        free(slot->header);
        *slot = (vapid_cached_t){.aud = aud, .header = header, .made_at = now};
    }
    *ret = slot->header;
    return 0;
}

static bool urgency_ok(const char *u)
{
    return !u || !strcmp(u, "very-low") || !strcmp(u, "low") || !strcmp(u, "normal") || !strcmp(u, "high");
}

static bool topic_ok(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n > WEBPUSH_TOPIC_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') ||
                t[i] == '-' || t[i] == '_'))
            return false;
    return true;
}

/* Builds the request headers; NULL on OOM. The caller frees the list. */
static struct curl_slist *request_headers(const webpush_msg_t *m, const char *auth)
{
    char line[VAPID_MAX_JWT + 256];
    struct curl_slist *h = NULL, *next;
    /* "Expect:" turns off curl's 100-continue round trip. */
    const char *fixed[] = {"Content-Encoding: aes128gcm", "Content-Type: application/octet-stream", "Expect:"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (!(next = curl_slist_append(h, fixed[i])))
            goto oom;
        h = next;
    }
    const char *fmt[] = {"TTL: %d", "Urgency: %s", "Topic: %s", "Authorization: %s"};
    for (int i = 0; i < 4; i++) {
        if ((i == 1 && !m->urgency) || (i == 2 && (!m->topic || !*m->topic)))
            continue;
        if (i == 0)
            snprintf(line, sizeof line, fmt[0], m->ttl_s);
        else
            snprintf(line, sizeof line, fmt[i], i == 1 ? m->urgency : i == 2 ? m->topic : auth);
        if (!(next = curl_slist_append(h, line)))
            goto oom;
        h = next;
    }
    return h;
oom:
    curl_slist_free_all(h);
    return NULL;
}

static int check_msg(const webpush_t *wp, const webpush_msg_t *m, err_t *err)
{
    if (!m->endpoint || !m->p256dh || !m->auth || (!m->payload && m->payload_len) || m->ttl_s < 0 ||
        !urgency_ok(m->urgency) || !topic_ok(m->topic))
        return err_set(err, -EINVAL, "push_bad_message", "bad push message (keys, TTL, urgency or topic)");
    if (strncmp(m->endpoint, "https://", 8) != 0 && !wp->allow_private)
        return err_set(err, -EACCES, "push_endpoint_forbidden", "push endpoints must be https");
    return 0;
}

/* POSTs body; 0 with the status and Retry-After, or -EACCES/-EIO. */
static int post(webpush_t *wp, const webpush_msg_t *m, struct curl_slist *h, const unsigned char *body, size_t len,
    int *ret_status, int64_t *ret_retry, err_t *err)
{
    CURL *c = wp->curl;
    long status = 0;
    curl_off_t retry = 0;
    wp->blocked = false;
    curl_easy_setopt(c, CURLOPT_URL, m->endpoint);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    CURLcode cr = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    if (wp->blocked)
        return err_set(
            err, -EACCES, "push_endpoint_forbidden", "the push endpoint resolves to a private or loopback address");
    if (cr != CURLE_OK)
        return err_set(err, -EIO, "push_unreachable", "push service unreachable: %s", curl_easy_strerror(cr));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry) != CURLE_OK || retry < 0)
        retry = 0;
    *ret_status = (int)status;
    *ret_retry = retry > 86400 ? 86400 : (int64_t)retry; /* a day at most, whatever it says */
    return 0;
}

int webpush_send(
    webpush_t *wp, const webpush_msg_t *m, int64_t now, int *ret_status, int64_t *ret_retry_after_s, err_t *err)
{
    unsigned char *body = NULL;
    size_t len = 0;
    const char *auth = NULL;
    int r = check_msg(wp, m, err);
    if (r == 0)
        r = vapid_header(wp, m->endpoint, now, &auth, err);
    if (r == 0)
        r = ece_encrypt(m->p256dh, ECE_PUBLIC_LEN, m->auth, ECE_AUTH_LEN, (const unsigned char *)m->payload,
            m->payload_len, NULL, &body, &len, err);
    if (r < 0)
        return r;
    struct curl_slist *h = request_headers(m, auth);
    if (!h)
        r = err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    else
        r = post(wp, m, h, body, len, ret_status, ret_retry_after_s, err);
    curl_slist_free_all(h);
    free(body);
    return r;
}

/* --- the key file ------------------------------------------------------------ */

int webpush_default_key_path(const char *database, char *buf, size_t cap)
{
    const char *slash = db_kind_of(database) == DB_SQLITE ? strrchr(database, '/') : NULL;
    int n = slash ? snprintf(buf, cap, "%.*s/vapid.pem", (int)(slash - database), database)
                  : snprintf(buf, cap, "vapid.pem");
    return n < 0 || (size_t)n >= cap ? -ERANGE : 0;
}

static int fsync_dir_of(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int n = slash ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) : snprintf(dir, sizeof dir, ".");
    if (n < 0 || (size_t)n >= sizeof dir)
        return -ERANGE;
    int fd = open(n ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return r;
}

/* Writes the key's PEM to a new file (flags include O_CREAT) with mode 0600
 * and syncs it. The PEM copy in memory is wiped. */
static int write_pem(const vapid_key_t *k, const char *path, int flags, err_t *err)
{
    char *pem = NULL;
    int r = vapid_key_save_pem(k, &pem, err);
    if (r < 0)
        return r;
    size_t len = strlen(pem), done = 0;
    int fd = open(path, flags | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    r = fd < 0 ? -errno : 0;
    while (r == 0 && done < len) {
        ssize_t n = write(fd, pem + done, len - done);
        r = n < 0 ? -errno : 0;
        done += n > 0 ? (size_t)n : 0;
    }
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    if (fd >= 0)
        close(fd);
    OPENSSL_cleanse(pem, len);
    free(pem);
    if (r == -EEXIST)
        return r;
    if (r < 0)
        return err_set(err, -EIO, "vapid_key_write", "cannot write the VAPID key %s: %s", path, strerror(-r));
    return 0;
}

static int read_pem(const char *path, char *buf, size_t cap, size_t *ret_len, err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0)
        return errno == ENOENT ? -ENOENT
                               : err_set(err, -EIO, "vapid_key_read", "cannot read %s: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || st.st_size >= (off_t)cap) {
        close(fd);
        return err_set(err, -EIO, "vapid_key_read", "%s is not a VAPID key file", path);
    }
    if (st.st_mode & S_IRWXO) {
        close(fd);
        return err_set(err, -EACCES, "vapid_key_exposed", "%s may be read by anyone: chmod 600 it", path);
    }
    size_t got = 0;
    ssize_t n = 1;
    while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    close(fd);
    if (n < 0 || got != (size_t)st.st_size)
        return err_set(err, -EIO, "vapid_key_read", "cannot read %s", path);
    *ret_len = got;
    return 0;
}

int webpush_key_load(const char *path, bool create, vapid_key_t **ret, bool *ret_created, err_t *err)
{
    char pem[VAPID_MAX_PEM];
    size_t len = 0;
    vapid_key_t *k = NULL;
    bool created = false;
    int r = read_pem(path, pem, sizeof pem, &len, err);
    if (r == -ENOENT && create && (r = vapid_key_generate(&k, err)) == 0) {
        r = write_pem(k, path, O_CREAT | O_EXCL, err);
        created = r == 0;
        if (r == 0)
            fsync_dir_of(path);
        if (r == -EEXIST) { /* another process made it first: use theirs */
            vapid_key_free(k);
            k = NULL;
            r = read_pem(path, pem, sizeof pem, &len, err);
        }
    }
    if (r == -ENOENT)
        return err_set(err, -ENOENT, "vapid_key_missing", "no VAPID key at %s", path);
    if (r == 0 && !k)
        r = vapid_key_load_pem(pem, len, &k, err);
    OPENSSL_cleanse(pem, sizeof pem);
    if (r < 0) {
        vapid_key_free(k);
        return r;
    }
    *ret = k;
    if (ret_created)
        *ret_created = created;
    return 0;
}

int webpush_key_rotate(const char *path, vapid_key_t **ret, err_t *err)
{
    char tmp[4096];
    vapid_key_t *k = NULL;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.new", path) >= sizeof tmp)
        return err_set(err, -EIO, "vapid_key_write", "the key path is too long");
    int r = vapid_key_generate(&k, err);
    if (r == 0) {
        unlink(tmp);
        r = write_pem(k, tmp, O_CREAT | O_EXCL, err);
    }
    if (r == 0 && rename(tmp, path) < 0)
        r = err_set(err, -EIO, "vapid_key_write", "cannot replace %s: %s", path, strerror(errno));
    if (r == 0)
        fsync_dir_of(path);
    if (r < 0) {
        unlink(tmp);
        vapid_key_free(k);
        return r == -EEXIST ? err_set(err, -EIO, "vapid_key_write", "cannot create %s", tmp) : r;
    }
    *ret = k;
    return 0;
}
