#pragma once
/* Web Push delivery (RFC 8030) with message encryption (RFC 8291, through
 * notify/ece) and VAPID (RFC 8292, through notify/vapid): one POST per
 * message and subscription, with libcurl. Also the VAPID key file.
 *
 * Times here are real wall-clock seconds, never the injected test clock:
 * push services check a VAPID token's exp against their own clocks. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "notify/vapid.h"

#define WEBPUSH_VAPID_TTL_S 86400         /* exp of each VAPID token (RFC 8292 maximum) */
#define WEBPUSH_VAPID_REUSE_S (12 * 3600) /* a token is reused this long, then remade */
#define WEBPUSH_VAPID_CACHE 8             /* push-service origins with a cached token */
#define WEBPUSH_CONNECT_TIMEOUT_S 5
#define WEBPUSH_TIMEOUT_S 15 /* whole request, connect included */
#define WEBPUSH_TOPIC_MAX 32 /* RFC 8030 §5.4: at most 32 base64url characters */

typedef struct webpush webpush_t; /* one sender; use from one thread at a time */

/* Creates a sender in *ret (caller frees with webpush_free). key is
 * borrowed and must outlive the sender; subject is the VAPID contact
 * ("mailto:..." or "https:..."), copied. allow_private lets requests go
 * to loopback and private addresses, and over plain http: for tests with a
 * local fake push service only; otherwise such endpoints are refused at
 * connect time, whatever their name resolves to (no SSRF through a
 * subscription's endpoint). cancel (borrowed, may be NULL): once it reads
 * true, a request in flight is abandoned (-EIO), so that a stop never
 * waits for a slow push service. Returns 0, -EINVAL (bad subject),
 * -ENOMEM, -EIO. */
int webpush_new(const vapid_key_t *key, const char *subject, bool allow_private, const _Atomic bool *cancel,
    webpush_t **ret, err_t *err);

/* Frees wp; accepts NULL. */
void webpush_free(webpush_t *wp);

typedef struct webpush_msg {
    const char *endpoint;        /* the subscription's push URL */
    const unsigned char *p256dh; /* its 65-byte public key */
    const unsigned char *auth;   /* its 16-byte auth secret */
    const char *payload;         /* plaintext, at most ECE_MAX_PLAINTEXT bytes */
    size_t payload_len;
    int ttl_s;           /* how long the service may hold it (TTL header), >= 0 */
    const char *urgency; /* "very-low", "low", "normal", "high" or NULL */
    const char *topic;   /* replaces an undelivered message with the same topic; NULL for none */
} webpush_msg_t;

/* Encrypts m->payload for the subscription and POSTs it to m->endpoint
 * with Content-Encoding: aes128gcm, TTL, Urgency, Topic and
 * Authorization: vapid t=..., k=... (a token per push-service origin,
 * reused for WEBPUSH_VAPID_REUSE_S). `now` is real time (see above).
 * Returns 0 when the service answered: its HTTP status in *ret_status and
 * its Retry-After in seconds (0 when absent) in *ret_retry_after_s.
 * Returns -EINVAL (bad message: keys, size, urgency, topic, endpoint),
 * -EACCES (code "push_endpoint_forbidden": the endpoint's address is
 * loopback/private, or plain http, and allow_private is off), -EIO (code
 * "push_unreachable": DNS, connect, TLS or timeout), -ENOMEM. */
int webpush_send(
    webpush_t *wp, const webpush_msg_t *m, int64_t now, int *ret_status, int64_t *ret_retry_after_s, err_t *err);

/* The default VAPID key file for a --database value: vapid.pem next to an
 * SQLite file, or in the working directory for a PostgreSQL URL. Writes a
 * NUL-terminated path to buf. Returns 0 or -ERANGE (cap too small). */
int webpush_default_key_path(const char *database, char *buf, size_t cap);

/* Loads the VAPID key from the PEM file at path into *ret (caller frees
 * with vapid_key_free). When the file does not exist and `create` is set,
 * generates a key and writes it there first (mode 0600, never over an
 * existing file); *ret_created (may be NULL) says whether that happened.
 * Refuses a file that others (not owner or group) may read. Returns 0,
 * -ENOENT (no file and !create), -EACCES (code "vapid_key_exposed"),
 * -EINVAL (not a P-256 private key), -EIO, -ENOMEM. */
int webpush_key_load(const char *path, bool create, vapid_key_t **ret, bool *ret_created, err_t *err);

/* Generates a new VAPID key and puts it at path in place of the old one
 * (written to path.new, synced, renamed over path: a crash leaves the old
 * key or the new one, never half a file). The new key in *ret (caller
 * frees). Returns 0, -EIO, -ENOMEM. */
int webpush_key_rotate(const char *path, vapid_key_t **ret, err_t *err);
