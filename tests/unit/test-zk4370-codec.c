/* SPDX-License-Identifier: Apache-2.0 */
/* 4370 codec: checksum, packets, TCP framing, comm key, time, records, events, text; the vectors
 * are those of tcp4370.md (recomputed there from captures), plus malformed inputs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../support/test.h"
#include "zkbio/zk4370.h"

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    while (*h) {
        if (*h == ' ' || *h == '|') {
            h++;
            continue;
        }
        unsigned v;
        char b[3] = {h[0], h[1], 0};
        v = (unsigned)strtoul(b, NULL, 16);
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static void test_checksum(void)
{
    uint8_t p[64];
    size_t n = unhex("0b00 0000 f38d 0300", p);
    memcpy(p + n, "ZKFaceVersion", 14);
    n += 14;
    uint16_t sum;
    CHECK_EQ_INT(zkbio_zk_checksum(p, n, &sum), ZKBIO_OK);
    CHECK_EQ_INT(sum, 0x175A);
    n = unhex("d007 0000 f38d 0a00 09", p); /* odd length */
    zkbio_zk_checksum(p, n, &sum);
    CHECK_EQ_INT(sum, 0x6A29);
    CHECK_EQ_INT(zkbio_zk_checksum(NULL, 0, &sum), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_checksum(p, 2, NULL), ZKBIO_EINVAL);
}

static void check_packet(uint16_t cmd, uint16_t sess, uint16_t reply, const char *data, size_t dlen,
                         const char *want_hex)
{
    uint8_t out[128], want[128];
    size_t n, wn = unhex(want_hex, want);
    CHECK_EQ_INT(zkbio_zk_packet_build(cmd, sess, reply, (const uint8_t *)data, dlen, 1, out,
                                       sizeof(out), &n),
                 ZKBIO_OK);
    CHECK_EQ_INT(n, wn);
    CHECK(memcmp(out, want, wn) == 0);
    /* parse it back: header, data, and the checksum verifies */
    zkbio_zk_header h;
    const uint8_t *d;
    size_t dl;
    int ok = 0;
    CHECK_EQ_INT(zkbio_zk_packet_parse(out + 8, n - 8, &h, &d, &dl, &ok), ZKBIO_OK);
    CHECK_EQ_INT(h.cmd, cmd);
    CHECK_EQ_INT(h.session, sess);
    CHECK_EQ_INT(h.reply, reply);
    CHECK_EQ_INT(dl, dlen);
    CHECK(ok);
    out[n - 1] ^= 1; /* one flipped bit fails the checksum */
    zkbio_zk_packet_parse(out + 8, n - 8, &h, &d, &dl, &ok);
    CHECK(!ok || dlen == 0);
}

static void test_packets(void)
{
    check_packet(1000, 0, 0, NULL, 0, "50 50 82 7d 08 00 00 00 e8 03 17 fc 00 00 00 00");
    check_packet(2000, 0x1234, 0, NULL, 0, "50 50 82 7d 08 00 00 00 d0 07 fb e5 34 12 00 00");
    check_packet(2005, 0x1234, 0, NULL, 0, "50 50 82 7d 08 00 00 00 d5 07 f6 e5 34 12 00 00");
    check_packet(11, 0x1234, 1, "~SerialNumber", 14,
                 "50 50 82 7d 16 00 00 00 0b 00 bc a4 34 12 01 00"
                 "7e53657269616c4e756d62657200");
    check_packet(500, 0x1234, 3, "\x01\0\0\0", 4,
                 "50 50 82 7d 0c 00 00 00 f4 01 d3 eb 34 12 03 00 01 00 00 00");
    check_packet(1504, 0x1234, 5, "\0\0\0\0\xc0\xff\0\0", 8,
                 "50 50 82 7d 10 00 00 00 e0 05 25 e8 34 12 05 00 00 00 00 00 c0 ff 00 00");
    /* a real capture validates */
    uint8_t cap[32];
    size_t n = unhex("0B 00 58 EF C5 C0 05 00 7E 4F 53 00", cap);
    zkbio_zk_header h;
    const uint8_t *d;
    size_t dl;
    int ok = 0;
    CHECK_EQ_INT(zkbio_zk_packet_parse(cap, n, &h, &d, &dl, &ok), ZKBIO_OK);
    CHECK(ok);
    /* malformed */
    CHECK_EQ_INT(zkbio_zk_packet_parse(cap, 7, &h, &d, &dl, &ok), ZKBIO_EPROTO);
    uint8_t small[10];
    size_t need;
    CHECK_EQ_INT(zkbio_zk_packet_build(1000, 0, 0, NULL, 0, 1, small, sizeof(small), &need),
                 ZKBIO_ENOSPC);
    CHECK_EQ_INT(need, 16);
    CHECK_EQ_INT(zkbio_zk_packet_build(1000, 0, 0, cap, 70000, 0, small, sizeof(small), &need),
                 ZKBIO_ETOOBIG);
}

static void test_framer(void)
{
    uint8_t buf[256];
    size_t n1, n2;
    zkbio_zk_packet_build(2000, 7, 1, NULL, 0, 1, buf, sizeof(buf), &n1);
    zkbio_zk_packet_build(1501, 7, 1, (const uint8_t *)"abc", 3, 1, buf + n1, sizeof(buf) - n1,
                          &n2);
    const uint8_t *pkt;
    size_t plen, used;
    /* every prefix of the first frame asks for more */
    for (size_t k = 0; k < n1; k++)
        CHECK_EQ_INT(zkbio_zk_tcp_frame(buf, k, &pkt, &plen, &used), 0);
    /* two frames in one read */
    CHECK_EQ_INT(zkbio_zk_tcp_frame(buf, n1 + n2, &pkt, &plen, &used), 1);
    CHECK_EQ_INT(used, n1);
    CHECK_EQ_INT(plen, 8);
    CHECK_EQ_INT(zkbio_zk_tcp_frame(buf + used, n2, &pkt, &plen, &used), 1);
    CHECK_EQ_INT(plen, 11);
    CHECK(memcmp(pkt + 8, "abc", 3) == 0);
    /* malformed */
    uint8_t bad[16];
    memcpy(bad, buf, 16);
    bad[1] = 0x51;
    CHECK_EQ_INT(zkbio_zk_tcp_frame(bad, 2, &pkt, &plen, &used), ZKBIO_EPROTO);
    memcpy(bad, buf, 16);
    bad[4] = 7; /* length below a header */
    CHECK_EQ_INT(zkbio_zk_tcp_frame(bad, 16, &pkt, &plen, &used), ZKBIO_EPROTO);
    memcpy(bad, buf, 16);
    bad[6] = 1; /* 64 KiB + 8 */
    CHECK_EQ_INT(zkbio_zk_tcp_frame(bad, 16, &pkt, &plen, &used), ZKBIO_ETOOBIG);
    bad[6] = 0;
    bad[7] = 0x80;
    CHECK_EQ_INT(zkbio_zk_tcp_frame(bad, 16, &pkt, &plen, &used), ZKBIO_ETOOBIG);
}

static void check_key(uint32_t key, uint16_t sess, const char *hex)
{
    uint8_t got[4], want[4];
    unhex(hex, want);
    CHECK_EQ_INT(zkbio_zk_commkey(key, sess, 50, got), ZKBIO_OK);
    CHECK(memcmp(got, want, 4) == 0);
}

static void test_commkey(void)
{
    check_key(0, 0, "617d3279");
    check_key(0, 0x1234, "617d326b");
    check_key(1, 0, "61fd3279");
    check_key(12345, 0x5DC7, "6de13224");
    check_key(123456, 0xFC17, "297f3205");
    check_key(999999, 0xFFFF, "22813296");
    uint8_t k[4];
    CHECK_EQ_INT(zkbio_zk_commkey(0xFFFFFFFFu, 0xFFFF, 50, k), ZKBIO_OK); /* wraps, no overflow */
    CHECK_EQ_INT(zkbio_zk_commkey(1, 1, 1, NULL), ZKBIO_EINVAL);
}

static void test_time(void)
{
    zkbio_zk_time t = {2018, 6, 25, 17, 41, 5}, d;
    uint32_t v;
    CHECK_EQ_INT(zkbio_zk_time_encode(&t, &v), ZKBIO_OK);
    CHECK_EQ_INT(v, 594063665u);
    CHECK_EQ_INT(zkbio_zk_time_decode(v, &d), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_time_cmp(&t, &d), 0);
    zkbio_zk_time t0 = {2000, 1, 1, 0, 0, 0}, t1 = {2024, 2, 29, 23, 59, 59};
    zkbio_zk_time_encode(&t0, &v);
    CHECK_EQ_INT(v, 0);
    zkbio_zk_time_encode(&t1, &v);
    CHECK_EQ_INT(v, 0x2E4969FFu);
    char s[20];
    zkbio_zk_time_format(&t1, s);
    CHECK_STR(s, "2024-02-29 23:59:59");
    /* invalid stored dates decode without crashing */
    zkbio_zk_time feb31 = {2023, 2, 31, 1, 2, 3};
    CHECK_EQ_INT(zkbio_zk_time_encode(&feb31, &v), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_time_decode(v, &d), ZKBIO_ERANGE);
    CHECK_EQ_INT(d.day, 31);
    CHECK_EQ_INT(zkbio_zk_time_decode(0xFFFFFFFFu, &d), ZKBIO_ERANGE);
    zkbio_zk_time bad = {2100, 1, 1, 0, 0, 0};
    CHECK_EQ_INT(zkbio_zk_time_encode(&bad, &v), ZKBIO_ERANGE);
    bad = (zkbio_zk_time){2020, 13, 1, 0, 0, 0};
    CHECK_EQ_INT(zkbio_zk_time_encode(&bad, &v), ZKBIO_ERANGE);
    /* 6-byte form */
    uint8_t hx[6], want[6];
    unhex("12 06 19 11 29 05", want);
    CHECK_EQ_INT(zkbio_zk_timehex_decode(want, &d), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_time_cmp(&t, &d), 0);
    zkbio_zk_timehex_encode(&t, hx);
    CHECK(memcmp(hx, want, 6) == 0);
    hx[1] = 13;
    CHECK_EQ_INT(zkbio_zk_timehex_decode(hx, &d), ZKBIO_ERANGE);
    /* text */
    CHECK_EQ_INT(zkbio_zk_time_parse("2024-02-29 23:59:59", &d), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_time_cmp(&t1, &d), 0);
    CHECK_EQ_INT(zkbio_zk_time_parse("2024-03-01", &d), ZKBIO_OK);
    CHECK_EQ_INT(d.hour, 0);
    CHECK_EQ_INT(zkbio_zk_time_parse("2024-03-01T08:30", &d), ZKBIO_OK);
    CHECK_EQ_INT(d.minute, 30);
    CHECK_EQ_INT(zkbio_zk_time_parse("2023-02-29", &d), ZKBIO_ERANGE);
    CHECK_EQ_INT(zkbio_zk_time_parse("2023-2-2", &d), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_zk_time_parse("2023-02-02 08:00x", &d), ZKBIO_EINVAL);
    CHECK(zkbio_zk_time_cmp(&t0, &t1) < 0);
}

static void test_users(void)
{
    /* the write example of tcp4370.md §5.2 */
    zkbio_zk_user u, p;
    memset(&u, 0, sizeof(u));
    u.uid = 0x0E;
    u.privilege = 6;
    strcpy(u.password, "123456");
    strcpy(u.name, "Nuevo");
    u.card = 6543;
    u.group = 1;
    strcpy(u.user_id, "11224488");
    uint8_t r[72];
    CHECK_EQ_INT(zkbio_zk_user_build(&u, 72, NULL, r), ZKBIO_OK);
    CHECK_EQ_INT(r[0], 0x0E);
    CHECK_EQ_INT(r[2], 6);
    CHECK(memcmp(r + 3, "123456\0\0", 8) == 0);
    CHECK(memcmp(r + 11, "Nuevo", 6) == 0);
    CHECK(memcmp(r + 35, "\x8f\x19\0\0", 4) == 0);
    CHECK_EQ_INT(r[39], 1);
    CHECK(memcmp(r + 48, "11224488", 9) == 0);
    CHECK_EQ_INT(zkbio_zk_user_parse(r, 72, NULL, &p), ZKBIO_OK);
    CHECK_STR(p.name, "Nuevo");
    CHECK_STR(p.user_id, "11224488");
    CHECK_EQ_INT(p.card, 6543);
    /* 28-byte: numeric PIN */
    uint8_t r6[28];
    CHECK_EQ_INT(zkbio_zk_user_build(&u, 28, NULL, r6), ZKBIO_ERANGE); /* password > 5 */
    strcpy(u.password, "12");
    CHECK_EQ_INT(zkbio_zk_user_build(&u, 28, NULL, r6), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_user_parse(r6, 28, NULL, &p), ZKBIO_OK);
    CHECK_STR(p.user_id, "11224488");
    CHECK_STR(p.name, "Nuevo");
    strcpy(u.user_id, "A12");
    CHECK_EQ_INT(zkbio_zk_user_build(&u, 28, NULL, r6), ZKBIO_ERANGE);
    CHECK_EQ_INT(zkbio_zk_user_build(&u, 30, NULL, r6), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_zk_user_parse(r6, 27, NULL, &p), ZKBIO_EINVAL);
    /* names: GB18030 round trip, truncation on a character boundary, bad bytes */
    strcpy(u.user_id, "7");
    strcpy(u.name, "\xe5\xbc\xa0\xe4\xb8\x89"); /* 张三 */
    CHECK_EQ_INT(zkbio_zk_user_build(&u, 72, "GB18030", r), ZKBIO_OK);
    CHECK(memcmp(r + 11, "\xd5\xc5\xc8\xfd\0", 5) == 0);
    CHECK_EQ_INT(zkbio_zk_user_parse(r, 72, "GB18030", &p), ZKBIO_OK);
    CHECK_STR(p.name, u.name);
    char longname[100] = "";
    for (int i = 0; i < 30; i++)
        strcat(longname, "\xc3\xa9"); /* é, 2 bytes in UTF-8 */
    strcpy(u.name, longname);
    CHECK_EQ_INT(zkbio_zk_user_build(&u, 72, NULL, r), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_user_parse(r, 72, NULL, &p), ZKBIO_OK);
    CHECK_EQ_INT(strlen(p.name), 22); /* 11 whole characters + NUL fit in 24 bytes */
    memcpy(r + 11,
           "\xff\xfe"
           "ab",
           5);
    CHECK_EQ_INT(zkbio_zk_user_parse(r, 72, NULL, &p), ZKBIO_OK);
    CHECK_STR(p.name, "\xef\xbf\xbd\xef\xbf\xbd"
                      "ab");
    CHECK_EQ_INT(zkbio_zk_user_parse(r, 72, "NO-SUCH-CHARSET", &p), ZKBIO_EENCODING);
    char out[8];
    CHECK_EQ_INT(zkbio_zk_text_decode((const uint8_t *)"abcdefghij", 10, NULL, out, sizeof(out)),
                 ZKBIO_ENOSPC);
    CHECK_STR(out, "abcdefg");
    uint8_t f[4];
    CHECK_EQ_INT(zkbio_zk_text_encode("\xe2\x82\xac", "ISO-8859-1", f, 4), ZKBIO_OK); /* € */
    CHECK(memcmp(f, "?\0\0\0", 4) == 0);
}

static void test_att(void)
{
    uint8_t r[40];
    memset(r, 0, sizeof(r));
    unhex("0D 00", r);
    memcpy(r + 2, "999111333", 9);
    r[26] = 1;
    unhex("6B B3 68 23", r + 27);
    zkbio_zk_att a;
    CHECK_EQ_INT(zkbio_zk_att_parse(r, 40, &a), ZKBIO_OK);
    CHECK_EQ_INT(a.uid, 13);
    CHECK_STR(a.user_id, "999111333");
    CHECK_EQ_INT(a.verify, 1);
    char s[20];
    zkbio_zk_time_format(&a.time, s);
    CHECK_STR(s, "2018-06-25 17:50:35");
    uint8_t back[40];
    a.state = 1;
    CHECK_EQ_INT(zkbio_zk_att_build(&a, 40, back), ZKBIO_OK);
    CHECK(memcmp(back, r, 31) == 0);
    CHECK_EQ_INT(back[31], 1);
    /* 8-byte HBB4s, and the HB4sB fallback */
    uint8_t r8[8];
    unhex("07 00 28 00 a8 eb a7 1e", r8);
    CHECK_EQ_INT(zkbio_zk_att_parse(r8, 8, &a), ZKBIO_OK);
    CHECK_EQ_INT(a.uid, 7);
    zkbio_zk_time_format(&a.time, s);
    CHECK_STR(s, "2016-01-01 19:02:00");
    uint8_t alt[8] = {7, 0, 1, 0xa8, 0xeb, 0xa7, 0x1e, 0xF0}; /* HBB4s: year > 2099 */
    CHECK_EQ_INT(zkbio_zk_att_parse(alt, 8, &a), ZKBIO_OK);
    zkbio_zk_time_format(&a.time, s);
    CHECK_STR(s, "2016-01-01 19:02:00");
    CHECK_EQ_INT(a.state, 0xF0);
    /* 16-byte */
    memset(&a, 0, sizeof(a));
    strcpy(a.user_id, "4000000000");
    a.time_raw = 594063665u;
    a.verify = 15;
    a.state = 5;
    a.workcode = 77;
    uint8_t r16[16];
    CHECK_EQ_INT(zkbio_zk_att_build(&a, 16, r16), ZKBIO_OK);
    zkbio_zk_att b;
    CHECK_EQ_INT(zkbio_zk_att_parse(r16, 16, &b), ZKBIO_OK);
    CHECK_STR(b.user_id, "4000000000");
    CHECK_EQ_INT(b.workcode, 77);
    CHECK_EQ_INT(b.state, 5);
    strcpy(a.user_id, "x1");
    CHECK_EQ_INT(zkbio_zk_att_build(&a, 16, r16), ZKBIO_ERANGE);
    CHECK_EQ_INT(zkbio_zk_att_parse(r16, 12, &b), ZKBIO_EINVAL);
    /* an invalid stored date is kept */
    memset(r, 0, sizeof(r));
    memset(r + 27, 0xFF, 4);
    CHECK_EQ_INT(zkbio_zk_att_parse(r, 40, &a), ZKBIO_OK);
    CHECK(a.time.year > 2099);
    /* strides */
    static const size_t att[] = {40, 16, 8}, usr[] = {72, 28};
    size_t st;
    CHECK_EQ_INT(zkbio_zk_stride(400, 10, att, 3, &st), ZKBIO_OK);
    CHECK_EQ_INT(st, 40);
    CHECK_EQ_INT(zkbio_zk_stride(160, 10, att, 3, &st), ZKBIO_OK);
    CHECK_EQ_INT(st, 16);
    CHECK_EQ_INT(zkbio_zk_stride(24, 3, att, 3, &st), ZKBIO_OK);
    CHECK_EQ_INT(st, 8);
    CHECK_EQ_INT(zkbio_zk_stride(80, 0, att, 3, &st), ZKBIO_OK);
    CHECK_EQ_INT(st, 40);
    CHECK_EQ_INT(zkbio_zk_stride(84, 3, usr, 2, &st), ZKBIO_OK);
    CHECK_EQ_INT(st, 28);
    CHECK_EQ_INT(zkbio_zk_stride(17, 0, att, 3, &st), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_zk_stride(17, 2, att, 3, &st), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_zk_stride(0, 0, att, 3, &st), ZKBIO_OK);
    CHECK_EQ_INT(st, 40);
}

static void test_templates_sizes_options(void)
{
    uint8_t ds[64];
    const uint8_t t1[3] = {1, 2, 3};
    zkbio_zk_template t = {5, 2, 1, t1, 3}, g;
    size_t n, m, pos = 0;
    CHECK_EQ_INT(zkbio_zk_template_build(&t, ds, sizeof(ds), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 9);
    t.uid = 6;
    CHECK_EQ_INT(zkbio_zk_template_build(&t, ds + n, sizeof(ds) - n, &m), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_template_next(ds, n + m, &pos, &g), 1);
    CHECK_EQ_INT(g.uid, 5);
    CHECK_EQ_INT(g.fid, 2);
    CHECK_EQ_INT(g.len, 3);
    CHECK_EQ_INT(zkbio_zk_template_next(ds, n + m, &pos, &g), 1);
    CHECK_EQ_INT(g.uid, 6);
    CHECK_EQ_INT(zkbio_zk_template_next(ds, n + m, &pos, &g), 0);
    pos = 0;
    CHECK_EQ_INT(zkbio_zk_template_next(ds, n - 1, &pos, &g), ZKBIO_EPROTO); /* past the end */
    ds[0] = 3;
    pos = 0;
    CHECK_EQ_INT(zkbio_zk_template_next(ds, n, &pos, &g), ZKBIO_EPROTO); /* below 6 */
    pos = 0;
    CHECK_EQ_INT(zkbio_zk_template_next(ds, 4, &pos, &g), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_zk_template_build(&t, ds, 5, &n), ZKBIO_ENOSPC);

    zkbio_zk_sizes s, q;
    memset(&s, 0, sizeof(s));
    s.users = 3;
    s.records = 100000;
    s.fingers = 9;
    s.users_cap = 3000;
    s.faces = 2;
    uint8_t b[92];
    zkbio_zk_sizes_build(&s, b);
    CHECK_EQ_INT(zkbio_zk_sizes_parse(b, 92, &q), ZKBIO_OK);
    CHECK(memcmp(&s, &q, sizeof(s)) == 0);
    CHECK_EQ_INT(zkbio_zk_sizes_parse(b, 80, &q), ZKBIO_OK);
    CHECK_EQ_INT(q.faces, 0);
    CHECK_EQ_INT(zkbio_zk_sizes_parse(b, 79, &q), ZKBIO_EPROTO);

    char v[16];
    CHECK_EQ_INT(
        zkbio_zk_option_value((const uint8_t *)"~SerialNumber=ABC123\0junk", 25, v, sizeof(v)),
        ZKBIO_OK);
    CHECK_STR(v, "ABC123");
    CHECK_EQ_INT(zkbio_zk_option_value((const uint8_t *)"ZEM560", 6, v, sizeof(v)), ZKBIO_OK);
    CHECK_STR(v, "ZEM560");
    CHECK_EQ_INT(zkbio_zk_option_value((const uint8_t *)"k=0123456789abcdefgh", 20, v, 8),
                 ZKBIO_ENOSPC);
    CHECK_STR(v, "0123456");
}

static void test_events(void)
{
    uint8_t d[64];
    memset(d, 0, sizeof(d));
    memcpy(d, "999111333", 9);
    unhex("01 00 12 06 19 11 29 05", d + 24);
    zkbio_zk_event ev;
    CHECK_EQ_INT(zkbio_zk_event_parse(ZKBIO_ZK_EF_ATTLOG, d, 32, &ev), ZKBIO_OK);
    CHECK_STR(ev.user_id, "999111333");
    CHECK_EQ_INT(ev.verify, 1);
    char s[20];
    zkbio_zk_time_format(&ev.time, s);
    CHECK_STR(s, "2018-06-25 17:41:05");
    CHECK_EQ_INT(zkbio_zk_event_parse(ZKBIO_ZK_EF_ATTLOG, d, 52, &ev), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_event_parse(ZKBIO_ZK_EF_ATTLOG, d, 11, &ev), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_zk_event_parse(ZKBIO_ZK_EF_ATTLOG, d, 0, &ev), ZKBIO_EPROTO);
    /* build/parse: short form, enroll, fpftr, verify, unknown flag */
    zkbio_zk_event e2;
    memset(&e2, 0, sizeof(e2));
    e2.flag = ZKBIO_ZK_EF_ATTLOG;
    strcpy(e2.user_id, "42");
    e2.state = 1;
    e2.time = (zkbio_zk_time){2025, 1, 2, 3, 4, 5};
    size_t n;
    CHECK_EQ_INT(zkbio_zk_event_build(&e2, 0, d, sizeof(d), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 10);
    CHECK_EQ_INT(zkbio_zk_event_parse(ZKBIO_ZK_EF_ATTLOG, d, n, &ev), ZKBIO_OK);
    CHECK_STR(ev.user_id, "42");
    CHECK_EQ_INT(ev.time.second, 5);
    strcpy(e2.user_id, "ABC");
    CHECK_EQ_INT(zkbio_zk_event_build(&e2, 0, d, sizeof(d), &n), ZKBIO_ERANGE);
    memset(&e2, 0, sizeof(e2));
    e2.flag = ZKBIO_ZK_EF_ENROLLFINGER;
    e2.size = 560;
    e2.fid = 3;
    strcpy(e2.user_id, "555");
    CHECK_EQ_INT(zkbio_zk_event_build(&e2, 1, d, sizeof(d), &n), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_event_parse(e2.flag, d, n, &ev), ZKBIO_OK);
    CHECK_EQ_INT(ev.result, 0);
    CHECK_EQ_INT(ev.size, 560);
    CHECK_EQ_INT(ev.fid, 3);
    CHECK_STR(ev.user_id, "555");
    CHECK_EQ_INT(zkbio_zk_event_parse(ZKBIO_ZK_EF_FPFTR, (const uint8_t *)"\x64", 1, &ev),
                 ZKBIO_OK);
    CHECK_EQ_INT(ev.score, 100);
    CHECK_EQ_INT(
        zkbio_zk_event_parse(ZKBIO_ZK_EF_VERIFY, (const uint8_t *)"\xff\xff\xff\xff\x01", 5, &ev),
        ZKBIO_OK);
    CHECK_EQ_INT(ev.user_sn, 0xFFFFFFFFu);
    CHECK_EQ_INT(zkbio_zk_event_parse(0x4000, d, 3, &ev), ZKBIO_OK);
    CHECK_EQ_INT(ev.flag, 0x4000);
    CHECK_EQ_INT(zkbio_zk_event_parse(ZKBIO_ZK_EF_ALARM, (const uint8_t *)"\x37\0\0\0", 4, &ev),
                 ZKBIO_OK);
    CHECK_EQ_INT(ev.result, 0x37);
    CHECK_EQ_INT(zkbio_zk_event_build(&e2, 1, d, 8, &n), ZKBIO_ENOSPC);
}

int main(void)
{
    test_checksum();
    test_packets();
    test_framer();
    test_commkey();
    test_time();
    test_users();
    test_att();
    test_templates_sizes_options();
    test_events();
    return TEST_DONE();
}
