#pragma once
/* Wiping kiosk sessions: an abandoned session's images must not outlive the
 * configured idle time (issue 13), whether or not any kiosk speaks again.
 * The scheduler calls kiosk_wipe_idle every tick; the kiosk handlers call it
 * too, so a request never sees a session past its time. */
#include <stdint.h>

#include "api/kiosk.h"
#include "base/err.h"
#include "store/db.h"

/* Marks every open session idle since before now - env->idle_s wiped
 * (audited, action kiosk.session_wiped) and deletes its spool files, in
 * write transactions of its own on db, a batch at a time. *ret_n (may be
 * NULL): sessions wiped. */
int kiosk_wipe_idle(db_t *db, const kiosk_env_t *env, int64_t now, int *ret_n, err_t *err);

/* Deletes every spool file of session sid ("<sid>.<step>"), whatever the
 * step. */
void kiosk_wipe_spool(const kiosk_env_t *env, const char *sid);
