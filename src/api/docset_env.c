#include "api/docset_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "docset/catalogue.h"
#include "docset/reader.h"
#include "rules/docset.h"

int docset_env_open(const config_t *c, store_t *store, docset_env_t **ret, err_t *err)
{
    *ret = NULL;
    if (!c->docset_key_file[0])
        return 0;
    docset_env_t *e = calloc(1, sizeof *e);
    if (!e)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    e->store = store;
    char path[600];
    snprintf(path, sizeof path, "%s/docsets/catalogue.json", c->data_dir);
    e->flight = reader_flight_new();
    int r = e->flight ? vault_keys_load(c->docset_key_file, &e->keys, err)
                      : err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    if (r == 0)
        r = catalogue_load_file(path, &e->cat, err);
    if (r < 0) {
        docset_env_free(e);
        return r;
    }
    log_msg(LOG_INFO, "docset.ready", "document sets on: catalogue revision %d", e->cat->revision);
    *ret = e;
    return 0;
}

void docset_env_free(docset_env_t *e)
{
    if (!e)
        return;
    vault_keys_wipe(&e->keys);
    catalogue_free(e->cat);
    reader_flight_free(e->flight);
    free(e);
}
