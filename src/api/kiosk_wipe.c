#include "api/kiosk_wipe.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/kiosk.h"

#define WIPE_BATCH 32

void kiosk_wipe_spool(const kiosk_env_t *env, const char *sid)
{
    DIR *d = opendir(env->spool);
    if (!d)
        return;
    size_t n = strlen(sid);
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, sid, n) != 0 || e->d_name[n] != '.')
            continue;
        if (snprintf(path, sizeof path, "%s/%s", env->spool, e->d_name) < (int)sizeof path)
            unlink(path);
    }
    closedir(d);
}

/* One batch: up to WIPE_BATCH sessions. *ret_n: how many were wiped;
 * *ret_more: the batch was full, look again. */
static int wipe_batch(
    db_t *db, const kiosk_env_t *env, int64_t cutoff, int64_t now, int *ret_n, bool *ret_more, err_t *err)
{
    char ids[WIPE_BATCH][KIOSK_SESSION_ID_CHARS + 1];
    int n = 0;
    *ret_n = 0;
    *ret_more = false;
    /* look first, in one statement: the write lock only when there is work */
    int r = kiosk_session_idle(db, cutoff, ids, WIPE_BATCH, &n, err);
    if (r < 0 || n == 0)
        return r;
    if ((r = db_begin_write(db, err)) < 0)
        return r;
    bool wiped[WIPE_BATCH] = {false};
    for (int i = 0; r >= 0 && i < n; i++)
        if ((r = kiosk_session_wipe(db, ids[i], cutoff, now, err)) > 0)
            wiped[i] = true;
    if (r >= 0)
        r = db_commit(db, err);
    if (r < 0) {
        db_rollback(db);
        return r;
    }
    for (int i = 0; i < n; i++)
        if (wiped[i]) {
            kiosk_wipe_spool(env, ids[i]);
            (*ret_n)++;
        }
    *ret_more = n == WIPE_BATCH;
    return 0;
}

int kiosk_wipe_idle(db_t *db, const kiosk_env_t *env, int64_t now, int *ret_n, err_t *err)
{
    int total = 0, n, r;
    bool more = true;
    while (more) {
        if ((r = wipe_batch(db, env, now - env->idle_s, now, &n, &more, err)) < 0)
            return r;
        total += n;
    }
    if (ret_n)
        *ret_n = total;
    return 0;
}
