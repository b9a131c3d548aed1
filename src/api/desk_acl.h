#pragma once
/* Which officer role may call which desk endpoint: one table, declared per
 * route (method + path template, as in router.c), read by every desk
 * handler and passed to the store op, which checks it against the officer
 * behind the token in the op's own transaction before anything is read or
 * written (officer_session). A desk route missing from the table allows no
 * role: every officer gets 403 role_forbidden (tests/api/test_desk_roles.py
 * checks the table against api/openapi.json's x-roles). */
#include "api/api.h"

/* The roles (a mask of officer_role_t) allowed on r's route; 0 when the
 * route is not declared. */
unsigned desk_acl_roles(const api_req_t *r);
/* The same by method and template (for tests). */
unsigned desk_acl_lookup(const char *method, const char *path);
