/* libFuzzer target for rules/client_addr: the trusted_proxies parser and the
 * X-Forwarded-For walk. Properties: no read or write out of bounds; the
 * picked address is always the peer or a parseable entry of the header,
 * and from an untrusted peer always the peer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules/client_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* first line: trusted_proxies; the rest: the header */
    const uint8_t *nl = memchr(data, '\n', size);
    size_t first = nl ? (size_t)(nl - data) : size;
    char list[512];
    if (first >= sizeof list)
        first = sizeof list - 1;
    memcpy(list, data, first);
    list[first] = '\0';
    client_nets_t nets;
    err_t e = {0};
    if (client_nets_parse(list, &nets, &e) != 0)
        memset(&nets, 0, sizeof nets);
    const char *xff = nl ? (const char *)nl + 1 : NULL;
    size_t len = nl ? size - (size_t)(nl - data) - 1 : 0; /* not from `first`: it was cut to fit list */
    char out[CLIENT_ADDR_TEXT_MAX];
    static const char *const peers[] = {"10.0.0.1", "127.0.0.1", "::1", "203.0.113.9"};
    for (size_t i = 0; i < sizeof peers / sizeof *peers; i++) {
        client_addr_pick(&nets, peers[i], xff, len, out, sizeof out);
        if (!client_nets_has(&nets, peers[i]) && strcmp(out, peers[i]) != 0)
            __builtin_trap();
        if (strlen(out) >= sizeof out)
            __builtin_trap();
    }
    return 0;
}
