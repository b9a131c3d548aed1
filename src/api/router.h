#pragma once
/* The route table (data) and dispatch: method + path template → handler.
 * Unknown /api paths get 404 problem+json, a wrong method 405 with Allow;
 * everything else is a static file. */
#include "api/api.h"

/* Number of routes and their names (templates), for metrics. */
size_t router_count(void);
const char *const *router_names(void);
/* Dispatches one request (called by the h2o handler). */
void router_dispatch(api_req_t *r);
