#pragma once
/* A desk read keeps its officer logged in (docs/DESK.md: a desk session
 * ends after its idle limit *without a request*). The desk's reads are one
 * statement each on a read lane (issue 18) and only check the session; the
 * statement also returns when the session was last slid (officer_ref_t's
 * seen_at), and the read's finish calls desk_slide, which submits a small
 * write (officer_slide_op_t) when that is OFFICER_SLIDE_AFTER_S old or
 * more. The one place that decides it: every desk read's finish calls it. */
#include <stdint.h>

#include "api/api.h"
#include "store/officer.h"

/* Called on the request's loop when a desk read finished. me: the officer
 * its statement found (me->id 0: none, e.g. an unknown session or a
 * refused role: nothing to do). When me->seen_at is OFFICER_SLIDE_AFTER_S
 * older than now, submits an officer_slide_op_t for token_hash to the
 * writer and returns at once: the reply never waits for it, and the op
 * lives apart from the request (allocated here, holds its own copy of the
 * token's hash, wiped and freed on the writer's thread once done). At most
 * one per session per OFFICER_SLIDE_AFTER_S from this process, however
 * many reads arrive meanwhile. A failure (queue full, storage) is only
 * logged, by its code: never the token or its hash. token_hash and me are
 * borrowed. */
void desk_slide(api_req_t *r, const uint8_t token_hash[SECRET_HASH_BYTES], const officer_ref_t *me, int64_t now);
