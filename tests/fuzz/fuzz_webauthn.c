/* libFuzzer target for rules/webauthn: the parsers a browser's bytes reach
 * before any signature is checked. The input is used whole as each of
 * clientDataJSON, the attestation object, authenticatorData and a stored
 * COSE key (a corrupted row). Properties: no out-of-bounds access, no leak,
 * a registration that passes gives back bounded lengths, and no assertion
 * passes (none carries a valid signature for the fixed key). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules/webauthn.h"

static const uint8_t CH[32] = {0};
static const char CD_CREATE[] =
    "{\"type\":\"webauthn.create\",\"challenge\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
    "\"origin\":\"https://uchet.example\"}";
static const char CD_GET[] = "{\"type\":\"webauthn.get\",\"challenge\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
                             "\"origin\":\"https://uchet.example\"}";
/* a P-256 COSE key (the point is the generator: valid, nobody's key) */
static const uint8_t COSE[] = {0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, 0x6b, 0x17, 0xd1, 0xf2, 0xe1,
    0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0,
    0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x22, 0x58, 0x20, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b,
    0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40,
    0x68, 0x37, 0xbf, 0x51, 0xf5};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    webauthn_expect_t x = {"uchet.example", "https://uchet.example", CH, sizeof CH, false};
    webauthn_credential_t c;
    uint8_t out[64];
    size_t n;
    uint32_t count;
    webauthn_client_challenge(data, size, out, sizeof out, &n, NULL);
    /* "none" needs no signature, so a crafted object may pass: then what it
     * gives back must be within bounds */
    if (webauthn_register(&x, (const uint8_t *)CD_CREATE, strlen(CD_CREATE), data, size, &c, NULL) == 0 &&
        (c.id_len == 0 || c.id_len > sizeof c.id || c.cose_len == 0 || c.cose_len > sizeof c.cose_key))
        __builtin_trap();
    if (webauthn_assert(&x, COSE, sizeof COSE, 0, (const uint8_t *)CD_GET, strlen(CD_GET), data, size, data, size,
            &count, NULL) == 0)
        __builtin_trap();
    if (webauthn_assert(
            &x, data, size, 0, (const uint8_t *)CD_GET, strlen(CD_GET), data, size, data, size, &count, NULL) == 0)
        __builtin_trap();
    return 0;
}
