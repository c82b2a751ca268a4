/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the address pinning parser (daemon/core/cidr.c, issue 15): any bytes as a pin_address. A
 * parse either fails or gives a family 4 / 6 prefix whose length fits the family and whose host
 * bits are zero; the prefix's own network address lies in it; the input is also tried as the
 * request address against a fixed pin of each family.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zc_cidr c;
    if (zc_cidr_parse((const char *)data, size, &c) == 0) {
        if (c.family != 4 && c.family != 6)
            abort();
        int nbytes = c.family == 4 ? 4 : 16;
        if (c.bits < 0 || c.bits > nbytes * 8)
            abort();
        for (int i = 0; i < nbytes; i++) {
            int keep = c.bits - i * 8;
            uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xffu << (8 - keep));
            if (c.addr[i] & (uint8_t)~mask)
                abort(); /* host bits set */
        }
        char text[64];
        if (!inet_ntop(c.family == 4 ? AF_INET : AF_INET6, c.addr, text, sizeof(text)) ||
            !zc_cidr_contains(&c, text))
            abort();
    }
    if (size < 80) {
        char ip[80];
        memcpy(ip, data, size);
        ip[size] = '\0';
        (void)zc_addr_match("10.0.0.0/8", ip);
        (void)zc_addr_match("2001:db8::/32", ip);
    }
    return 0;
}
