#pragma once
/* Document sets in uchetd (issue 16): the key file that wraps each set's
 * page key, and the rule catalogue. Read-only after docset_env_open. */
#include "api/config.h"
#include "base/err.h"
#include "bio/vault.h"
#include "store/store.h"

struct docset_catalogue;

typedef struct docset_env {
    vault_keys_t keys;
    struct docset_catalogue *cat; /* DATA_DIR/docsets/catalogue.json, validated */
    store_t *store;               /* borrowed: where the reader queues its work */
    struct reader_flight *flight; /* docset/reader: the sets being read */
} docset_env_t;

/* NULL in *ret (and 0) when c->docset_key_file is "": the document-set API
 * is off (503). Else loads the keys and the catalogue; a missing or bad one
 * is a start-up error. Caller owns *ret. */
int docset_env_open(const config_t *c, store_t *store, docset_env_t **ret, err_t *err);
void docset_env_free(docset_env_t *e); /* wipes the keys; accepts NULL */
