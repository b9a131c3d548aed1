/* sbi_verify: runs bio/sbi over a device answer read from stdin, so that the
 * API tests (tests/api/test_devsim.py) check the simulator with uchet's own
 * verifier. Prints one JSON object: {"ok": true, …} or {"ok": false, "code":
 * reason, "message": …}; exits 0 when accepted, 1 when refused, 2 on usage.
 *   sbi_verify disc
 *   sbi_verify info TRUSTDIR [TYPE]
 *   sbi_verify capture TRUSTDIR TXN [PREVHASH [SERIAL]] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/sbi.h"

static char *slurp(size_t *ret_len)
{
    size_t cap = 1 << 20, len = 0;
    char *b = malloc(cap);
    size_t n;
    while (b && (n = fread(b + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                return NULL;
            }
            b = nb;
        }
    }
    *ret_len = len;
    return b;
}

static int refuse(const err_t *e)
{
    json_t *o = json_pack("{s:b, s:s, s:s}", "ok", 0, "code", e->code, "message", e->msg);
    json_dumpf(o, stdout, JSON_COMPACT);
    putchar('\n');
    json_decref(o);
    fflush(stdout);
    return 1;
}

static json_t *device_json(const struct sbi_device *d)
{
    static const char *const st[] = {"Ready", "Busy", "Not Ready", "Not Registered"};
    json_t *subs = json_array();
    for (size_t i = 0; i < d->nsub_ids; i++)
        json_array_append_new(subs, json_integer(d->sub_ids[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:b, s:s}", "deviceId", d->device_id, "status", st[d->status],
        "type", d->digital_id.type, "serialNo", d->digital_id.serial_no, "subIds", subs, "certification",
        d->certification, "purpose", d->purpose, "signed", d->is_signed, "kid", d->kid);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    size_t len = 0;
    char *buf = slurp(&len);
    if (!buf)
        return 2;
    err_t err = {0};
    struct sbi_trust trust = {0};
    int rc;
    json_t *out = NULL;
    if (argc >= 3 && strcmp(argv[1], "disc") != 0 && sbi_trust_load_dir(argv[2], &trust, &err) < 0) {
        free(buf);
        return refuse(&err);
    }
    if (strcmp(argv[1], "disc") == 0 || strcmp(argv[1], "info") == 0) {
        struct sbi_device d[SBI_MAX_DEVICES];
        size_t n = 0;
        rc = argv[1][0] == 'd' ? sbi_parse_discover(buf, len, d, SBI_MAX_DEVICES, &n, &err)
                               : sbi_parse_info(buf, len, &trust, d, SBI_MAX_DEVICES, &n, &err);
        if (rc < 0) {
            free(buf);
            return refuse(&err);
        }
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *dj = device_json(&d[i]);
            if (argv[1][0] == 'i') {
                err_t ue = {0};
                int u = sbi_device_usable(&d[i], argc >= 4 ? argv[3] : NULL, &ue);
                json_object_set_new(dj, "usable", json_boolean(u == 0));
                json_object_set_new(dj, "reason", json_string(ue.code));
            }
            json_array_append_new(arr, dj);
        }
        out = json_pack("{s:b, s:o}", "ok", 1, "devices", arr);
    } else if (strcmp(argv[1], "capture") == 0 && argc >= 4) {
        struct sbi_expect x = {.trust = &trust,
            .transaction_id = argv[3],
            .previous_hash = argc >= 5 ? argv[4] : NULL,
            .serial_no = argc >= 6 ? argv[5] : NULL};
        struct sbi_capture c;
        if (sbi_parse_capture(buf, len, &x, &c, &err) < 0) {
            free(buf);
            return refuse(&err);
        }
        json_t *arr = json_array(), *segs = json_array();
        for (size_t i = 0; i < c.nbio; i++)
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:f, s:f, s:s, s:I}", "bioType", c.bio[i].bio_type, "bioSubType",
                         c.bio[i].bio_sub_type, "quality", c.bio[i].quality, "requested", c.bio[i].requested, "hash",
                         c.bio[i].hash, "bytes", (json_int_t)c.bio[i].value_len));
        for (size_t i = 0; i < c.nsegments; i++)
            json_array_append_new(segs, json_pack("{s:s, s:i, s:i, s:i, s:i}", "bioSubType", c.segments[i].bio_sub_type,
                                            "left", c.segments[i].left, "right", c.segments[i].right, "top",
                                            c.segments[i].top, "bottom", c.segments[i].bottom));
        out = json_pack("{s:b, s:s, s:s, s:s, s:o, s:b, s:i, s:I, s:o}", "ok", 1, "kid", c.kid, "serialNo", c.serial_no,
            "lastHash", c.last_hash, "biometrics", arr, "slap", c.has_slap, "slapSubId", c.slap_sub_id, "slapBytes",
            (json_int_t)c.slap_value_len, "segments", segs);
        sbi_capture_free(&c);
    } else {
        free(buf);
        return 2;
    }
    json_dumpf(out, stdout, JSON_COMPACT);
    putchar('\n');
    json_decref(out);
    free(buf);
    return 0;
}
