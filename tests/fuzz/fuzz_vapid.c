/* libFuzzer target for notify/vapid's parsers of outside input: endpoint
 * URLs (they come from browsers' subscriptions) and JWTs. The first byte
 * picks which one; nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify/vapid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    if (data[0] & 1) {
        char *origin = NULL;
        if (vapid_audience(s, &origin, NULL) == 0) {
            /* An origin is itself a valid endpoint with the same origin. */
            char *again = NULL;
            if (vapid_audience(origin, &again, NULL) != 0 || strcmp(origin, again) != 0)
                __builtin_trap();
            free(again);
            free(origin);
        }
    } else {
        static const unsigned char pub[65] = {
            0x04,
            0x0d,
            0x47,
            0xc7,
            0x3c,
            0xa2,
            0xd5,
            0x15,
            0x0c,
            0xd5,
            0xbe,
            0x70,
            0x8f,
            0x1b,
            0x27,
            0xee,
            0x71,
            0xb1,
            0x02,
            0xcc,
            0xf0,
            0xda,
            0xee,
            0xb5,
            0x9b,
            0x5e,
            0xb8,
            0x8b,
            0x73,
            0x2b,
            0x00,
            0x8c,
            0x47,
            0x17,
            0xa6,
            0x0a,
            0xe6,
            0x1e,
            0x12,
            0x0d,
            0x88,
            0x9c,
            0xf9,
            0xd4,
            0x6e,
            0x53,
            0xf4,
            0x42,
            0x3c,
            0x27,
            0xc0,
            0xe5,
            0xaa,
            0xbd,
            0xa2,
            0x34,
            0xb0,
            0x93,
            0x96,
            0x36,
            0x12,
            0x60,
            0xa5,
            0x04,
            0xfb,
        };
        vapid_verify(s, pub, sizeof pub, "https://push.example.net", 1453523700, NULL);
    }
    free(s);
    return 0;
}
