#pragma once
/* Static front ends from the web root: /app/, /common/, /kiosk/, /desk/,
 * /host/. Paths are checked character by character (no "..", no hidden
 * files); files are read per request up to LIMIT_STATIC_FILE_BYTES. */
#include "api/api.h"

void static_serve(api_req_t *r);
