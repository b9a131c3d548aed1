/* webpush_encrypt: a test tool around notify/ece and notify/vapid, so that
 * an independent implementation (tests/api/fakepush.py) can check what the
 * C code produces.
 *
 *   webpush_encrypt --p256dh B64 --auth B64 [--endpoint URL [--sub URI]
 *                   [--ttl S] [--now UNIX] [--key-pem FILE]] < plaintext
 *
 * Prints "body=<base64url>" and, with --endpoint, "authorization=<value>"
 * and "vapid_public=<base64url>" (one per line). Exit 0 on success, 1 on a
 * library error (message on stderr), 2 on bad usage. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/parse.h"
#include "base/b64url.h"
#include "notify/ece.h"
#include "notify/vapid.h"

struct opts {
    const char *p256dh, *auth, *endpoint, *sub, *key_pem;
    int64_t ttl, now;
};

static int usage(void)
{
    fprintf(stderr, "usage: webpush_encrypt --p256dh B64 --auth B64 [--endpoint URL "
                    "[--sub URI] [--ttl S] [--now UNIX] [--key-pem FILE]] < plaintext\n");
    return 2;
}

static int parse_num(const char *s, int64_t min, int64_t max, int64_t *ret)
{
    return parse_i64(s, strlen(s), min, max, ret);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.sub = "mailto:ops@uchet.invalid", .ttl = 43200, .now = time(NULL)};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--p256dh") == 0)
            o->p256dh = v;
        else if (strcmp(k, "--auth") == 0)
            o->auth = v;
        else if (strcmp(k, "--endpoint") == 0)
            o->endpoint = v;
        else if (strcmp(k, "--sub") == 0)
            o->sub = v;
        else if (strcmp(k, "--key-pem") == 0)
            o->key_pem = v;
        else if (strcmp(k, "--ttl") == 0   ? parse_num(v, INT32_MIN, INT32_MAX, &o->ttl) < 0
                 : strcmp(k, "--now") == 0 ? parse_num(v, INT64_MIN, INT64_MAX, &o->now) < 0
                                           : 1)
            return -EINVAL;
    }
    return argc % 2 == 1 && o->p256dh && o->auth ? 0 : -EINVAL;
}

/* Reads all of stdin, up to cap bytes; -ERANGE if there is more. */
static int read_stdin(unsigned char *buf, size_t cap, size_t *ret_len)
{
    size_t n = fread(buf, 1, cap, stdin);
    if (ferror(stdin))
        return -EIO;
    if (n == cap && fgetc(stdin) != EOF)
        return -ERANGE;
    *ret_len = n;
    return 0;
}

static int load_key(const char *path, vapid_key_t **ret, err_t *err)
{
    if (!path)
        return vapid_key_generate(ret, err);
    char buf[VAPID_MAX_PEM];
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(err, -errno, "io", "cannot open %s", path);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return vapid_key_load_pem(buf, n, ret, err);
}

static int print_vapid(const struct opts *o, err_t *err)
{
    vapid_key_t *key = NULL;
    char *header = NULL, *pub = NULL;
    int r = load_key(o->key_pem, &key, err);
    if (r == 0)
        r = vapid_authorization(key, o->endpoint, o->sub, o->now, (int)o->ttl, &header, err);
    if (r == 0)
        r = vapid_public_b64url(key, &pub, err);
    if (r == 0)
        printf("authorization=%s\nvapid_public=%s\n", header, pub);
    free(header);
    free(pub);
    vapid_key_free(key);
    return r;
}

static int run(const struct opts *o, err_t *err)
{
    static unsigned char plain[ECE_MAX_PLAINTEXT + 1];
    unsigned char pub[ECE_PUBLIC_LEN], auth[ECE_AUTH_LEN], *body = NULL;
    size_t pub_len = 0, auth_len = 0, plain_len = 0, body_len = 0;
    char *b64 = NULL;
    int r = b64url_decode_buf(o->p256dh, strlen(o->p256dh), pub, sizeof pub, &pub_len, err);
    if (r == 0)
        r = b64url_decode_buf(o->auth, strlen(o->auth), auth, sizeof auth, &auth_len, err);
    if (r == 0 && read_stdin(plain, sizeof plain, &plain_len) < 0)
        r = err_set(err, -EIO, "io", "cannot read plaintext from stdin");
    if (r == 0)
        r = ece_encrypt(pub, pub_len, auth, auth_len, plain, plain_len, NULL, &body, &body_len, err);
    if (r == 0)
        r = b64url_encode(body, body_len, &b64, err);
    if (r == 0)
        printf("body=%s\n", b64);
    if (r == 0 && o->endpoint)
        r = print_vapid(o, err);
    free(body);
    free(b64);
    return r;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse_opts(argc, argv, &o) < 0)
        return usage();
    err_t err = {0};
    if (run(&o, &err) < 0) {
        fprintf(stderr, "webpush_encrypt: %s (%s)\n", err.msg, err.code);
        return 1;
    }
    return 0;
}
