#pragma once
/* Notices to a person (product rule 5 and every outcome the person must
 * hear of): an in-app inbox and a push outbox in one table. Queuing is
 * idempotent by a dedupe key, so a sweep run twice, or restarted half way,
 * never queues the same notice twice. Texts are not stored: `kind` and
 * `params` are rendered in the person's language when shown or pushed. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/secret.h"
#include "store/store.h"

#define NOTICE_LIST_MAX 100
#define NOTICE_MORNING_S (9 * 3600) /* reminders are pushed from 09:00 local */

/* Queues a notice inside the caller's write transaction. `params` (borrowed,
 * may be NULL) holds the placeholders of the text, e.g. {"due_date": ...};
 * it must carry no coordinates, document numbers or secrets. A dedupe_key
 * already used makes this a no-op (*ret_queued = false; may be NULL). */
int notice_queue(db_t *db, int64_t person_id, const char *kind, const char *dedupe_key, const json_t *params,
    int64_t now, bool *ret_queued, err_t *err);

/* Like notice_queue, but pushed no earlier than push_at (reminders queued
 * by the midnight sweep go out in the morning, not at midnight). */
int notice_queue_at(db_t *db, int64_t person_id, const char *kind, const char *dedupe_key, const json_t *params,
    int64_t now, int64_t push_at, bool *ret_queued, err_t *err);

/* Like notice_queue_at with the parameters already serialised as a JSON
 * object (NULL means {}). */
int notice_queue_text(db_t *db, int64_t person_id, const char *kind, const char *dedupe_key, const char *params_json,
    int64_t now, int64_t push_at, bool *ret_queued, err_t *err);

/* The document set a notice is about: the "set" of its params for the
 * kinds that start with "docset_" (store/docset.c queues them), else 0.
 * params_json may be NULL or malformed (then 0). The app opens the set's
 * screen from the inbox and from a push (h_notices.c, notify/outbox.c). */
int64_t notice_document_set(const char *kind, const char *params_json);

typedef struct notice_row {
    int64_t id;
    char kind[40];
    char params[2048]; /* JSON text (an appeal refusal's reason is up to 500 bytes) */
    int64_t created_at;
    bool read;
} notice_row_t;

/* READ lane: the person's notices, newest first (at most NOTICE_LIST_MAX),
 * and their language for rendering. */
typedef struct notice_list_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char ret_language[8];
    int ret_n;
    notice_row_t ret[NOTICE_LIST_MAX];
} notice_list_op_t;
void notice_list_op_init(notice_list_op_t *o);

/* WRITE lane: marks one of the person's notices read. -ENOENT (not_found)
 * when it is not theirs or does not exist. */
typedef struct notice_read_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    int64_t notice_id;
} notice_read_op_t;
void notice_read_op_init(notice_read_op_t *o);
