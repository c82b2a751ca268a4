/* SPDX-License-Identifier: Apache-2.0 */
/* IP addresses and CIDR prefixes for terminal address pinning (issue 15, docs/admission.md).
 * inet_pton(3) (POSIX) reads the address part; everything around it is checked here. */
#include "core.h"

#if !defined(_WIN32)
#include <arpa/inet.h> /* Windows: ws2tcpip.h through core.h (plat.h) */
#endif
#include <string.h>

/* ::ffff:a.b.c.d (RFC 4291 §2.5.5.2): an IPv4 address carried in IPv6. */
static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int parse_addr(const char *s, zc_cidr *out)
{
    memset(out, 0, sizeof(*out));
    struct in_addr a4;
    struct in6_addr a6;
    if (strchr(s, ':') == NULL) {
        if (inet_pton(AF_INET, s, &a4) != 1)
            return -1;
        out->family = 4;
        memcpy(out->addr, &a4, 4);
        out->bits = 32;
        return 0;
    }
    if (inet_pton(AF_INET6, s, &a6) != 1)
        return -1;
    memcpy(out->addr, &a6, 16);
    if (memcmp(out->addr, v4_mapped, sizeof(v4_mapped)) == 0) {
        memmove(out->addr, out->addr + 12, 4);
        memset(out->addr + 4, 0, 12);
        out->family = 4;
        out->bits = 32;
        return 0;
    }
    out->family = 6;
    out->bits = 128;
    return 0;
}

int zc_cidr_parse(const char *s, size_t len, zc_cidr *out)
{
    char buf[ZC_CIDR_MAX + 1];
    if (!s || !out || len == 0 || len > ZC_CIDR_MAX)
        return -1;
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                 c == '.' || c == ':' || c == '/';
        if (!ok)
            return -1; /* NUL, spaces, zone ids (%eth0), signs */
        if (c == '/') {
            if (slash)
                return -1;
            slash = s + i;
        }
    }
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (alen == 0)
        return -1;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (parse_addr(buf, out) != 0)
        return -1;
    if (!slash)
        return 0;
    const char *d = slash + 1;
    size_t dlen = len - alen - 1;
    if (dlen == 0 || dlen > 3)
        return -1;
    int bits = 0;
    for (size_t i = 0; i < dlen; i++) {
        if (d[i] < '0' || d[i] > '9')
            return -1;
        bits = bits * 10 + (d[i] - '0');
    }
    int mapped = out->family == 4 && strchr(buf, ':') != NULL;
    if (mapped) { /* ::ffff:a.b.c.d/N counts N over 128 bits */
        if (bits < 96 || bits > 128)
            return -1;
        bits -= 96;
    }
    if (bits > (out->family == 4 ? 32 : 128))
        return -1;
    out->bits = bits;
    /* Host bits beyond the prefix are ignored (10.1.2.3/8 is 10.0.0.0/8): clear them. */
    int nbytes = out->family == 4 ? 4 : 16;
    for (int i = 0; i < nbytes; i++) {
        int keep = bits - i * 8;
        if (keep >= 8)
            continue;
        out->addr[i] &= keep <= 0 ? 0 : (uint8_t)(0xffu << (8 - keep));
    }
    return 0;
}

int zc_cidr_contains(const zc_cidr *c, const char *ip)
{
    zc_cidr a;
    if (!c || !ip || strlen(ip) > ZC_CIDR_MAX || parse_addr(ip, &a) != 0 || a.family != c->family)
        return 0;
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(a.addr, c->addr, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a.addr[full] & mask) == c->addr[full];
}

int zc_addr_match(const char *pattern, const char *ip)
{
    zc_cidr c;
    if (!pattern || zc_cidr_parse(pattern, strlen(pattern), &c) != 0)
        return 0;
    return zc_cidr_contains(&c, ip);
}
