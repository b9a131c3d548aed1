#pragma once
/* Landlord confirmation of a residence (product rules 12 and 7).
 *
 * The person asks for a one-time code for the current residence; the
 * landlord types it on the host page with their name. The code is stored
 * only as a SHA-256 hash, works once, for HOST_CODE_TTL_S, and only while
 * the residence it was made for is still the current one: declaring a new
 * residence adds a new, unconfirmed row and leaves the old code pointing at
 * a replaced residence. The landlord learns the address the code is for and
 * nothing about the person. */
#include <stdint.h>

#include "base/limits.h"
#include "base/secret.h"
#include "store/store.h"

#define HOST_CODE_TTL_S ((int64_t)7 * 86400) /* rule 12: a code lasts a week */
#define HOST_LANDLORD_MIN 2                  /* characters of the landlord's name */
#define HOST_LANDLORD_MAX LIMIT_NAME_BYTES   /* bytes */
#define HOST_ADDRESS_MAX (3 * LIMIT_ADDRESS_PART_BYTES + 8)

/* WRITE lane. A new code for the person's current residence. -ENOENT
 * (no_active_registration) without an active registration. ret_code is the
 * plaintext, for the person only; the caller wipes it after replying. */
typedef struct host_code_op {
    store_op_t op;
    uint8_t token_hash[SECRET_HASH_BYTES];
    int64_t now;
    char ret_code[SECRET_CODE_CHARS + 1];
    int64_t ret_expires_at;
} host_code_op_t;
void host_code_op_init(host_code_op_t *o);

/* WRITE lane, no session: the code is the credential. Marks the code used
 * and the residence confirmed by `landlord_name`, audits it and queues the
 * notice `host_confirmed` for the person. ret_address is "settlement,
 * street, house". -ENOENT (host_code_invalid) for a code that is unknown,
 * used, expired, or for a residence that is no longer current. */
typedef struct host_confirm_op {
    store_op_t op;
    uint8_t code_hash[SECRET_HASH_BYTES];
    int64_t now;
    char landlord_name[HOST_LANDLORD_MAX + 1];
    char ret_address[HOST_ADDRESS_MAX + 1];
} host_confirm_op_t;
void host_confirm_op_init(host_confirm_op_t *o);
