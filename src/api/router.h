#pragma once
/* The route table (data) and dispatch: method + path template → handler.
 * Unknown /api paths get 404 problem+json, a wrong method 405 with Allow;
 * everything else is a static file. Before a handler runs, the router has
 * checked its route's gate, authentication and body (router.c). */
#include "api/api.h"

/* Number of routes and their names (templates), for metrics. */
size_t router_count(void);
/* The template of route i (e.g. "/api/v1/desk/appeals/{id}/decision"), or
 * NULL past the table; reads only the constant table, so any thread may ask
 * (router_names() fills an array and is for start-up only). */
const char *router_name(size_t i);
const char *const *router_names(void);
/* 0 when every route declares its authentication kind (the table's self-check,
 * run at start-up and by the unit tests); else -1 with "METHOD /path" of the
 * first that does not in bad. */
int router_check(char *bad, size_t cap);
/* Dispatches one request (called by the h2o handler). */
void router_dispatch(api_req_t *r);
