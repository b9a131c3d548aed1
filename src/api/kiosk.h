#pragma once
/* The enrolment kiosk's environment in uchetd: the SBI trust store, the
 * enrolment keys (bio/vault) and where the encrypted files live. Read-only
 * after kiosk_env_open. docs/ENROLMENT.md. */
#include <pthread.h>
#include <stdint.h>

#include "api/api.h"
#include "api/config.h"
#include "base/err.h"
#include "bio/sbi.h"
#include "bio/vault.h"

typedef struct kiosk_env {
    char dir[512];   /* enrolment_dir: <id>.an2k files; sessions/ holds the spool */
    char spool[600]; /* <dir>/sessions */
    vault_keys_t keys;
    struct sbi_trust trust;
    int64_t idle_s;
    int min_quality;
    struct face_detector *faces; /* bio/facecheck (OpenCV); NULL when not built: device scores only */
    pthread_mutex_t face_lock;   /* one face check at a time per detector */
} kiosk_env_t;

/* NULL in *ret (and 0) when c->enrolment_dir is "": the kiosk API is off.
 * Else loads the trust store and the key file and creates the spool
 * directory (0700). Caller owns *ret. */
int kiosk_env_open(const config_t *c, kiosk_env_t **ret, err_t *err);
void kiosk_env_free(kiosk_env_t *k); /* wipes the keys; accepts NULL */

/* The security headers of the kiosk page (/kiosk/…): the app's, except
 * that connect-src also names the SBI device service's ports on loopback
 * (http://127.0.0.1:4501 … :4600, one source per port: CSP has no port
 * ranges and "127.0.0.1:*" would open every local service to the page).
 * Adds to req's response headers; allocates in req's pool. */
struct st_h2o_req_t;
void kiosk_page_security_headers(struct st_h2o_req_t *req);
