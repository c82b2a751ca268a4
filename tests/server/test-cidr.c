/* SPDX-License-Identifier: Apache-2.0 */
/* The address pinning parser (daemon/core/cidr.c, issue 15): IPv4 and IPv6 addresses and CIDR
 * prefixes, matching, IPv4-mapped IPv6, and malformed input (every one refused, nothing read past
 * the given length). */
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "test.h"

static int parses(const char *s)
{
    zc_cidr c;
    return zc_cidr_parse(s, strlen(s), &c) == 0;
}

int main(void)
{
    zc_cidr c;
    /* well-formed */
    CHECK(zc_cidr_parse("10.1.2.3", 8, &c) == 0 && c.family == 4 && c.bits == 32);
    CHECK(zc_cidr_parse("10.1.2.3/8", 10, &c) == 0 && c.bits == 8 && c.addr[0] == 10 &&
          c.addr[1] == 0 && c.addr[3] == 0); /* host bits cleared */
    CHECK(zc_cidr_parse("0.0.0.0/0", 9, &c) == 0 && c.bits == 0);
    CHECK(zc_cidr_parse("2001:db8::/32", 13, &c) == 0 && c.family == 6 && c.bits == 32);
    CHECK(zc_cidr_parse("::1", 3, &c) == 0 && c.family == 6 && c.bits == 128);
    CHECK(zc_cidr_parse("::ffff:192.168.1.7", 18, &c) == 0 && c.family == 4 && c.bits == 32 &&
          c.addr[0] == 192 && c.addr[3] == 7);
    CHECK(zc_cidr_parse("::ffff:10.0.0.0/104", 19, &c) == 0 && c.family == 4 && c.bits == 8);
    CHECK(parses("FE80::ABCD:1/64"));
    /* matching */
    CHECK(zc_addr_match("10.0.0.0/8", "10.200.3.4"));
    CHECK(!zc_addr_match("10.0.0.0/8", "11.0.0.1"));
    CHECK(zc_addr_match("192.168.1.0/25", "192.168.1.127"));
    CHECK(!zc_addr_match("192.168.1.0/25", "192.168.1.128"));
    CHECK(zc_addr_match("127.0.0.1", "127.0.0.1") && !zc_addr_match("127.0.0.1", "127.0.0.2"));
    CHECK(zc_addr_match("127.0.0.1", "::ffff:127.0.0.1")); /* a dual-stack socket's view */
    CHECK(zc_addr_match("::ffff:127.0.0.0/104", "127.9.9.9"));
    CHECK(zc_addr_match("2001:db8::/32", "2001:db8:ffff::1"));
    CHECK(!zc_addr_match("2001:db8::/32", "2001:db9::1"));
    CHECK(zc_addr_match("2001:db8::/33", "2001:db8:7fff::1") &&
          !zc_addr_match("2001:db8::/33", "2001:db8:8000::1"));
    CHECK(zc_addr_match("::/0", "::1") && !zc_addr_match("::/0", "10.0.0.1")); /* families */
    CHECK(zc_addr_match("0.0.0.0/0", "8.8.8.8") && !zc_addr_match("0.0.0.0/0", "::1"));
    CHECK(!zc_addr_match("10.0.0.0/8", "") && !zc_addr_match("10.0.0.0/8", "not an address"));
    CHECK(!zc_addr_match("bogus", "10.0.0.1") && !zc_addr_match(NULL, "10.0.0.1") &&
          !zc_addr_match("10.0.0.0/8", NULL));
    /* malformed */
    static const char *const bad[] = {"",
                                      "/",
                                      "/8",
                                      "10.0.0.0/",
                                      "10.0.0.0/33",
                                      "10.0.0.0/-1",
                                      "10.0.0.0/+8",
                                      "10.0.0.0/0008",
                                      "10.0.0.0/8/8",
                                      "10.0.0",
                                      "10.0.0.256",
                                      "10.0.0.1 ",
                                      " 10.0.0.1",
                                      "10.0.0.1\n",
                                      "localhost",
                                      "::1/129",
                                      "::1/1000",
                                      "fe80::1%eth0",
                                      "fe80::1%25eth0/64",
                                      "1:2:3:4:5:6:7:8:9",
                                      ":::",
                                      "::ffff:10.0.0.0/95",
                                      "[::1]",
                                      "0x0a.0.0.1",
                                      "1.2.3.4.5",
                                      "0000:0000:0000:0000:0000:ffff:255.255.255.255/128x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_MSG(!parses(bad[i]), "accepted \"%s\"", bad[i]);
    CHECK(zc_cidr_parse("10.0.0.1", 0, &c) != 0);
    CHECK(zc_cidr_parse(NULL, 3, &c) != 0);
    /* Longer than ZC_CIDR_MAX is refused before anything is read. */
    char big[200];
    memset(big, '1', sizeof(big));
    CHECK(zc_cidr_parse(big, sizeof(big), &c) != 0);
    /* Only len bytes are read: a valid prefix of a longer buffer. */
    CHECK(zc_cidr_parse("10.0.0.1/8garbage", 10, &c) == 0 && c.bits == 8);
    /* An embedded NUL is not an address character. */
    CHECK(zc_cidr_parse("10.0\0.0.1", 9, &c) != 0);
    return TEST_DONE();
}
