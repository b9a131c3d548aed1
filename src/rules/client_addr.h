#pragma once
/* Which address is the client's (issue 12): uchetd behind a reverse proxy
 * sees the proxy as its peer, so the log-in limits and the security log
 * would key every person on one address. With the operator's list of
 * trusted proxies (uchetd's trusted_proxies setting), a request whose peer
 * is one of them is attributed to the right-most address of its
 * X-Forwarded-For that is not itself a trusted proxy; from any other peer the
 * header is ignored, so a client cannot choose its own address by sending
 * one. An entry that is not a plain IPv4 or IPv6 address stops the walk:
 * the address to its right (the proxy that passed it) is taken, never a
 * text the client wrote. IPv4-mapped IPv6 addresses count as IPv4.
 * Pure; no I/O. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CLIENT_NETS_MAX 32
#define CLIENT_ADDR_TEXT_MAX 64 /* bytes of an address as text, with the NUL */

typedef struct client_net {
    uint8_t addr[16]; /* IPv4 in the first 4 bytes */
    uint8_t v6;       /* 0: IPv4 */
    uint8_t prefix;   /* bits that must match */
} client_net_t;

typedef struct client_nets {
    size_t n; /* 0: no proxy is trusted */
    client_net_t net[CLIENT_NETS_MAX];
} client_nets_t;

/* Parses a list of addresses and CIDRs separated by commas and/or spaces
 * ("127.0.0.1, 10.0.0.0/8 ::1 fd00::/8") into *ret. "" gives an empty set.
 * -EINVAL (bad_config) for anything else, naming the bad entry. */
int client_nets_parse(const char *s, client_nets_t *ret, err_t *err);

/* True when the address text (IPv4 or IPv6, no port) is in the set. */
bool client_nets_has(const client_nets_t *nets, const char *addr);

/* The client's address as text into out (cap bytes): `peer` itself unless
 * peer is a trusted proxy and xff (len bytes, the X-Forwarded-For values
 * joined by commas; may be NULL) names another; see above. */
void client_addr_pick(const client_nets_t *nets, const char *peer, const char *xff, size_t len, char *out, size_t cap);
