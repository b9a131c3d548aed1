/* libFuzzer target for bio/sbi, the parser of device answers. The first
 * byte picks what the rest is: a MOSIPDISC answer, a MOSIPDINFO answer, an
 * RCAPTURE answer, or an RCAPTURE `data` payload that the harness signs with
 * a trusted key (so that the fuzzer reaches the code behind the signature
 * check: digitalId, bioValue, scores, the hash chain, the slap extension).
 * Properties: no crash, no leak, no out-of-bounds access; a capture that
 * parses has as many hashes as entries and the chain re-computes. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/sbi.h"

static unsigned char pk[32], sk[64];
static struct sbi_trust trust;

static void init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    if (sodium_init() < 0)
        __builtin_trap();
    unsigned char seed[32] = {1};
    crypto_sign_seed_keypair(pk, sk, seed);
    sbi_trust_add(&trust, pk, NULL);
}

static void check_capture(const char *buf, size_t len)
{
    struct sbi_capture c;
    struct sbi_expect x = {.trust = &trust, .transaction_id = "T1"};
    if (sbi_parse_capture(buf, len, &x, &c, NULL) == 0) {
        char h[SBI_HASH_HEX + 1] = "";
        for (size_t i = 0; i < c.nbio; i++) {
            if (sbi_chain_next(h, c.bio[i].value, c.bio[i].value_len, h) != 0 || strcmp(h, c.bio[i].hash) != 0)
                __builtin_trap();
        }
        if (strcmp(h, c.last_hash) != 0)
            __builtin_trap();
        sbi_capture_free(&c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size < 1)
        return 0;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    struct sbi_device d[SBI_MAX_DEVICES];
    size_t n;
    switch (data[0] % 4) {
        case 0: (void)sbi_parse_discover(buf, len, d, SBI_MAX_DEVICES, &n, NULL); break;
        case 1:
            if (sbi_parse_info(buf, len, &trust, d, SBI_MAX_DEVICES, &n, NULL) == 0)
                for (size_t i = 0; i < n; i++)
                    (void)sbi_device_usable(&d[i], "Finger", NULL);
            break;
        case 2: check_capture(buf, len); break;
        default: {
            /* sign the input as a capture payload; its digitalId is signed too */
            static const char did[] = "{\"serialNo\":\"S\",\"type\":\"Finger\"}";
            char *dj = NULL, *jws = NULL;
            if (sbi_jws_sign(did, sizeof did - 1, sk, &dj) != 0)
                return 0;
            char *payload = malloc(len + 1);
            memcpy(payload, buf, len);
            payload[len] = '\0';
            /* "$D" in the input stands for the signed digitalId */
            char *at = strstr(payload, "$D");
            size_t plen = len;
            char *full = payload;
            if (at) {
                size_t pre = (size_t)(at - payload), dl = strlen(dj);
                full = malloc(len - 2 + dl + 1);
                memcpy(full, payload, pre);
                memcpy(full + pre, dj, dl);
                memcpy(full + pre + dl, at + 2, len - pre - 2 + 1);
                plen = len - 2 + dl;
            }
            if (sbi_jws_sign(full, plen, sk, &jws) == 0) {
                size_t cap = strlen(jws) + 256;
                char *cap_txt = malloc(cap);
                int k = snprintf(cap_txt, cap,
                    "{\"biometrics\":[{\"specVersion\":\"0.9.5\",\"data\":\"%s\",\"hash\":"
                    "\"BDDBDF7E9DF02F902EE5DD61B2B513D7566A2112FF97DB7DC3B6D184A43EF0E3\","
                    "\"error\":{\"errorCode\":\"0\"}}]}",
                    jws);
                if (k > 0 && (size_t)k < cap)
                    check_capture(cap_txt, (size_t)k);
                free(cap_txt);
            }
            if (full != payload)
                free(full);
            free(payload);
            free(jws);
            free(dj);
            break;
        }
    }
    return 0;
}
