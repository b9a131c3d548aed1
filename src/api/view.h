#pragma once
/* JSON views of store records for API answers (one place, so /me and the
 * registration endpoints agree). Each returns a new reference. */
#include <jansson.h>

#include "api/api.h"
#include "store/person.h"
#include "store/registration.h"

json_t *view_person(const person_view_t *p, date_t today);
/* Includes due_date, lapse_at, working_days_left, practice_mode, calendar. */
json_t *view_registration(const api_world_t *w, const registration_view_t *reg, int64_t now);
/* An ended registration: region, status, end_reason, ended_at. */
json_t *view_ended(const api_world_t *w, const registration_view_t *reg);
/* RFC 3339 text of unix_s at the region's offset. */
json_t *view_time(int64_t unix_s, int offset_min);
