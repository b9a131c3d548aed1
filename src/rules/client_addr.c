#include "rules/client_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Parses one address (len bytes, no port) into 16 bytes; IPv4-mapped IPv6
 * becomes IPv4. false when it is not an address. */
static bool parse_addr(const char *s, size_t len, uint8_t out[16], bool *v6)
{
    char buf[CLIENT_ADDR_TEXT_MAX];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, 16);
    if (inet_pton(AF_INET, buf, out) == 1) {
        *v6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out) != 1)
        return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(out, mapped, sizeof mapped) == 0) {
        memmove(out, out + 12, 4);
        memset(out + 4, 0, 12);
        *v6 = false;
        return true;
    }
    *v6 = true;
    return true;
}

static bool net_matches(const client_net_t *n, const uint8_t a[16], bool v6)
{
    if (n->v6 != v6)
        return false;
    unsigned full = n->prefix / 8u, rest = n->prefix % 8u;
    if (memcmp(n->addr, a, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8u - rest));
    return (n->addr[full] & mask) == (a[full] & mask);
}

static bool has_bytes(const client_nets_t *nets, const uint8_t a[16], bool v6)
{
    for (size_t i = 0; i < nets->n; i++)
        if (net_matches(&nets->net[i], a, v6))
            return true;
    return false;
}

bool client_nets_has(const client_nets_t *nets, const char *addr)
{
    uint8_t a[16];
    bool v6;
    return nets->n && parse_addr(addr, strlen(addr), a, &v6) && has_bytes(nets, a, v6);
}

/* "ADDR" or "ADDR/PREFIX" (len bytes) into one net. */
static bool parse_net(const char *s, size_t len, client_net_t *n)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    bool v6;
    if (!parse_addr(s, alen, n->addr, &v6))
        return false;
    n->v6 = v6;
    unsigned max = v6 ? 128u : 32u, prefix = max;
    if (slash) {
        size_t plen = len - alen - 1;
        if (plen == 0 || plen > 3)
            return false;
        prefix = 0;
        for (size_t i = 0; i < plen; i++) {
            char c = slash[1 + i];
            if (c < '0' || c > '9')
                return false;
            prefix = prefix * 10u + (unsigned)(c - '0');
        }
        if (prefix > max)
            return false;
    }
    n->prefix = (uint8_t)prefix;
    return true;
}

static bool is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

int client_nets_parse(const char *s, client_nets_t *ret, err_t *err)
{
    client_nets_t out = {0};
    for (const char *p = s; *p;) {
        while (*p && is_sep(*p))
            p++;
        const char *start = p;
        while (*p && !is_sep(*p))
            p++;
        size_t len = (size_t)(p - start);
        if (len == 0)
            break;
        if (out.n == CLIENT_NETS_MAX)
            return err_set(err, -EINVAL, "bad_config", "trusted_proxies has more than %d entries.", CLIENT_NETS_MAX);
        if (!parse_net(start, len, &out.net[out.n]))
            return err_set(err, -EINVAL, "bad_config",
                "trusted_proxies: \"%.*s\" is not an address or CIDR such as 10.0.0.0/8.", (int)(len > 64 ? 64 : len),
                start);
        out.n++;
    }
    *ret = out;
    return 0;
}

static void copy_text(char *out, size_t cap, const char *s, size_t len)
{
    if (cap == 0)
        return;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

/* The entry of xff that ends just before *end (exclusive), trimmed;
 * *end moves to the comma before it, or to xff. */
static void prev_entry(const char *xff, const char **end, const char **ret_s, size_t *ret_len)
{
    const char *e = *end, *b = e;
    while (b > xff && b[-1] != ',')
        b--;
    *end = b > xff ? b - 1 : xff;
    while (b < e && (*b == ' ' || *b == '\t'))
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *ret_s = b;
    *ret_len = (size_t)(e - b);
}

void client_addr_pick(const client_nets_t *nets, const char *peer, const char *xff, size_t len, char *out, size_t cap)
{
    copy_text(out, cap, peer, strlen(peer));
    if (!xff || len == 0 || !client_nets_has(nets, peer))
        return;
    const char *end = xff + len;
    while (end > xff) {
        const char *s;
        size_t n;
        prev_entry(xff, &end, &s, &n);
        uint8_t a[16];
        bool v6;
        if (!parse_addr(s, n, a, &v6))
            return; /* not an address: keep the hop that passed it */
        copy_text(out, cap, s, n);
        if (!has_bytes(nets, a, v6))
            return; /* the right-most untrusted address */
    }
}
