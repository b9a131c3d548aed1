#pragma once
/* The auditor's views at the desk (issue 15, product rule 15): the audit
 * chain verified in steps, the events about one person, one officer's
 * actions over a period. Who may call them is the route's declaration
 * (api/desk_acl.c), checked here against the officer behind the token in
 * the op's own transaction. Each view but a verification step is itself an
 * audit event; a look at one person's events needs a reason and is also
 * written to officer_reads, so the person sees it under "who viewed my
 * record" (rule 14). */
#include <stdbool.h>
#include <stdint.h>

#include "base/secret.h"
#include "store/anchor.h"
#include "store/audit.h"
#include "store/officer.h"
#include "store/store.h"

/* Events per verification step: on the ASan build a step of 5000 took about
 * 25 ms more than an empty request on SQLite (where it runs on the event
 * loop) and about 100 ms more on PostgreSQL (run in a fiber there). */
#define AUDITVIEW_STEP_MAX 5000
#define AUDITVIEW_PAGE 500           /* events per page of a view */
#define AUDITVIEW_ARENA (256 * 1024) /* their details, bytes */
#define AUDITVIEW_ACTIONS_MAX 64     /* distinct actions counted for one officer */

/* Checkpoint lines per step: each is an Ed25519 signature check (tens of
 * microseconds); the step's events are read in one statement. */
#define AUDITVIEW_CHECKPOINT_STEP_MAX 500

enum { AUDITVIEW_PHASE_CHAIN = 0, AUDITVIEW_PHASE_CHECKPOINTS = 1 };

/* READ lane: one step of verifying the chain, then, when uchetd signs
 * checkpoints (key not NULL), one step of checking them against it with
 * store/anchor.h's scan, the check `uchetctl audit verify --key` runs. The
 * first step (target 0) fixes the target at the chain's head now; later
 * steps carry the officer, target, phase, audit_step_t and anchor_scan_t of
 * the one before (from a cursor the caller keeps unforgeable) and must be
 * asked by the same officer (-EINVAL invalid_cursor otherwise). */
typedef struct auditview_verify_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    unsigned roles;
    const anchor_key_t *key; /* borrowed (the world's); NULL: uchetd signs no checkpoints */
    const char *cp_path;     /* borrowed: the checkpoint file, when key */
    int64_t officer_id;      /* in: the cursor's officer (0 on the first step); out: the caller */
    int64_t target;          /* in/out: the last event this verification checks */
    int64_t limit;           /* events (or checkpoint lines, at most AUDITVIEW_CHECKPOINT_STEP_MAX) a step */
    int64_t phase;           /* in/out: AUDITVIEW_PHASE_* */
    audit_step_t step;       /* in/out */
    anchor_scan_t scan;      /* in/out: the checkpoints, in the second phase */
    officer_ref_t ret_me;    /* out: who asked, with the session's last slide (api/desk_slide.h) */
} auditview_verify_op_t;
void auditview_verify_op_init(auditview_verify_op_t *o);

/* True while a verification has steps left. */
bool auditview_verify_more(const auditview_verify_op_t *o);
/* The checkpoints' verdict: "agree", "rewritten", "forged", "not_anchored";
 * NULL when uchetd signs none. */
const char *auditview_checkpoint_verdict(const auditview_verify_op_t *o);

/* WRITE lane: the verification's outcome as an audit event of the auditor
 * (audit.chain_verified: events checked, the break if any, and the
 * checkpoints' verdict when uchetd signs them). */
typedef struct auditview_verified_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    unsigned roles;
    int64_t target, checked, broken;
    const char *checkpoints; /* a static verdict string, or NULL */
} auditview_verified_op_t;
void auditview_verified_op_init(auditview_verified_op_t *o);

typedef struct auditview_event {
    int64_t seq, at;
    char actor[48], action[48], subject[48];
    uint32_t detail_off, detail_len; /* canonical JSON in the page's arena */
} auditview_event_t;

/* Events in seq order after some seq; `more` when the page is full. */
typedef struct auditview_page {
    int n;
    bool more;
    size_t used;
    auditview_event_t ev[AUDITVIEW_PAGE];
    char arena[AUDITVIEW_ARENA];
} auditview_page_t;

/* WRITE lane (the look is written down). The events whose subject or actor
 * is the person (person_id, or else the document), in order, after
 * after_seq. -ENOENT unknown_person / unknown_document. */
typedef struct auditview_person_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    unsigned roles;
    int64_t person_id; /* 0: by document */
    char doc_kind[10];
    char doc_number[LIMIT_DOCNUM_BYTES + 1];
    char reason[OFFICER_REASON_BYTES + 1];
    int64_t after_seq;
    int64_t ret_person_id;
    auditview_page_t ret;
} auditview_person_op_t;
void auditview_person_op_init(auditview_person_op_t *o);

/* WRITE lane (the look is an audit event, audit.officer_activity_read).
 * The officer's actions (actor "officer:ID": log-ins, look-ups, decisions,
 * ...) made in [from, to): counts per action over the whole period and the
 * events themselves in order after after_seq. -ENOENT unknown_officer. */
typedef struct auditview_activity_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    unsigned roles;
    char login[OFFICER_LOGIN_MAX + 1];
    int64_t from, to, after_seq;
    officer_row_t ret_officer;
    int64_t ret_total;
    int ret_nactions;
    struct {
        char action[48];
        int64_t n;
    } ret_actions[AUDITVIEW_ACTIONS_MAX];
    auditview_page_t ret;
} auditview_activity_op_t;
void auditview_activity_op_init(auditview_activity_op_t *o);
