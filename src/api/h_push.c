/* GET /api/v1/push/vapid-public-key, POST and DELETE
 * /api/v1/me/push-subscriptions: what the app (web/app/js/push.js) needs
 * to turn notifications on and off. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "base/jsonx.h"
#include "base/b64url.h"
#include "notify/ece.h"
#include "notify/vapid.h"
#include "store/outbox.h"

void h_push_public_key(api_req_t *r)
{
    api_reply_json(r, 200, json_pack("{s:s}", "key", r->w->vapid_public));
}

/* https with a well-formed host, or (tests only, see --allow-clock-control)
 * http://127.0.0.1 for the fake push service. */
static int check_endpoint(const api_req_t *r, const char *endpoint, err_t *err)
{
    static const char loopback[] = "http://127.0.0.1";
    size_t ll = sizeof loopback - 1;
    bool test_ok =
        r->w->allow_clock_control && !strncmp(endpoint, loopback, ll) && (endpoint[ll] == ':' || endpoint[ll] == '/');
    char *origin = NULL;
    if ((strncmp(endpoint, "https://", 8) != 0 && !test_ok) || vapid_audience(endpoint, &origin, NULL) < 0)
        return err_set(err, -EINVAL, "invalid_endpoint", "The push endpoint must be an https URL.");
    free(origin);
    return 0;
}

/* A base64url member decoding to exactly `len` bytes into out. */
static int key_member(const json_t *keys, const char *name, unsigned char *out, size_t len, err_t *err)
{
    const char *s;
    size_t n = 0;
    int r = jsonx_string(keys, name, true, 1, 200, &s, err);
    if (r == 0 && (b64url_decode_buf(s, strlen(s), out, len, &n, NULL) < 0 || n != len))
        r = err_set(err, -EINVAL, "invalid_key", "keys.%s is not a base64url key of %zu bytes.", name, len);
    return r;
}

/* p256dh must be a point we can encrypt to: try it once, here, rather than
 * find out at the first notice. */
static int check_point(const unsigned char *p256dh, const unsigned char *auth, err_t *err)
{
    unsigned char *body = NULL;
    size_t len;
    int r =
        ece_encrypt(p256dh, ECE_PUBLIC_LEN, auth, ECE_AUTH_LEN, (const unsigned char *)"", 0, NULL, &body, &len, NULL);
    free(body);
    if (r == -ENOMEM)
        return err_set(err, -ENOMEM, "out_of_memory", "The service is short of memory; try again.");
    return r < 0 ? err_set(err, -EINVAL, "invalid_key", "keys.p256dh is not a P-256 public key.") : 0;
}

static int parse_subscription(const api_req_t *r, const json_t *body, outbox_subscribe_op_t *o, err_t *err)
{
    static const char *const key_fields[] = {"p256dh", "auth", NULL};
    const char *endpoint;
    json_t *keys, *exp = json_object_get(body, "expirationTime");
    int rc = jsonx_string(body, "endpoint", true, 1, OUTBOX_ENDPOINT_MAX, &endpoint, err);
    if (rc == 0 && exp && !json_is_null(exp) && !json_is_number(exp))
        rc = err_set(err, -EINVAL, "invalid_type", "expirationTime must be a number or null.");
    if (rc == 0)
        rc = check_endpoint(r, endpoint, err);
    if (rc == 0)
        rc = jsonx_object(body, "keys", true, &keys, err);
    if (rc == 0)
        rc = jsonx_only_fields(keys, key_fields, err);
    if (rc == 0)
        rc = key_member(keys, "p256dh", o->p256dh, sizeof o->p256dh, err);
    if (rc == 0)
        rc = key_member(keys, "auth", o->auth, sizeof o->auth, err);
    if (rc == 0)
        rc = check_point(o->p256dh, o->auth, err);
    if (rc == 0)
        snprintf(o->endpoint, sizeof o->endpoint, "%s", endpoint);
    return rc;
}

static void subscribe_done(api_req_t *r, store_op_t *op)
{
    outbox_subscribe_op_t *o = (outbox_subscribe_op_t *)op;
    if (op->rc < 0)
        api_problem_err(r, &op->err);
    else
        api_reply_json(r, 201, json_pack("{s:s}", "endpoint", o->endpoint));
}

void h_push_subscribe(api_req_t *r)
{
    outbox_subscribe_op_t in;
    outbox_subscribe_op_init(&in);
    err_t e = {0};
    if (parse_subscription(r, r->body, &in, &e) < 0) {
        api_problem(r, 400, e.code, e.msg);
        return;
    }
    memcpy(in.token_hash, r->token_hash, sizeof in.token_hash);
    in.now = api_now(r);
    outbox_subscribe_op_t *o = api_op_new_from(r, &in, sizeof in, subscribe_done);
    if (o)
        api_op_submit(r, &o->op);
}

void h_push_unsubscribe(api_req_t *r)
{
    json_t *body = r->body;
    err_t e = {0};
    const char *endpoint;
    int rc = jsonx_string(body, "endpoint", true, 1, OUTBOX_ENDPOINT_MAX, &endpoint, &e);
    outbox_unsubscribe_op_t *o = rc == 0 ? api_op_new(r, sizeof *o, api_finish_no_content) : NULL;
    if (o) {
        outbox_unsubscribe_op_init(o);
        memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
        o->now = api_now(r);
        snprintf(o->endpoint, sizeof o->endpoint, "%s", endpoint);
    }
    if (rc < 0)
        api_problem_err(r, &e);
    else if (!o)
        api_problem_oom(r);
    else
        api_op_submit(r, &o->op);
}
